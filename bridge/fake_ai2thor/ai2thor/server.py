"""The event a controller step returns, with the attributes the bridge reads."""


class Event:
    def __init__(self, metadata, frame):
        """`frame` is the image, or a function that draws it on first use (most events' frames
        are never looked at)."""
        self.metadata = metadata
        self._frame = frame

    @property
    def frame(self):
        if callable(self._frame):
            self._frame = self._frame()
        return self._frame

    @property
    def pose_discrete(self):
        # As ai2thor.server.Event.pose_discrete: grid cells of 0.25 m, yaw in quarter turns,
        # horizon rounded to a degree.
        agent = self.metadata["agent"]
        return (int(agent["position"]["x"] / 0.25), int(agent["position"]["z"] / 0.25),
                int(agent["rotation"]["y"] / 90.0), int(round(agent["cameraHorizon"])))

    def __repr__(self):
        return f"<ai2thor fake Event {self.metadata.get('lastAction')} success={self.metadata.get('lastActionSuccess')}>"
