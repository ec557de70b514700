"""Platform markers, named as in ai2thor.platform."""


class BaseLinuxPlatform:
    name = "BaseLinux"


class Linux64(BaseLinuxPlatform):
    name = "Linux64"


class CloudRendering(BaseLinuxPlatform):
    name = "CloudRendering"
