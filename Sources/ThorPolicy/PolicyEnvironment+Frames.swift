import ThorFrames
import ThorSim
import ThorStore

/// How a recorded frame matched the episode's current step.
public enum FrameMatch: String, Sendable, Hashable {
    /// A frame indexed with exactly this state: pose, held object, open/closed objects in view.
    case exact
    /// A frame taken from the same pose (cm, degree), in another state.
    case samePose = "same pose"
}

extension PolicyEnvironment {
    /// The best recorded frame (`thor-lite frames import`) for the scene, pose and state of
    /// `world`: an exact state match first, else a frame of the same pose; nil when none is indexed.
    func recordedFrame(for world: World) -> (path: String, match: FrameMatch)? {
        let state = RunReplay.snapshot(world, source: "simulator")
        let scene = world.scene.scene.name
        if let exact = (try? store.frames(scene: scene, stateKey: state.stateKey))?.first { return (exact.path, .exact) }
        if let pose = (try? store.frames(scene: scene, poseKey: state.poseKey))?.first { return (pose.path, .samePose) }
        return nil
    }
}

extension PolicyEnvironment {
    /// The episode so far as a map (`EpisodeMap`): the current state, the path with numbered
    /// steps, failures with their causes, the goal facts. The path is recomputed by replaying the
    /// steps taken so far (the loop is deterministic), so nothing is kept per step. Nil before
    /// `reset`.
    public func map() -> RGBImage? {
        guard let runner, let task, let scene = scenes[task.scene] else { return nil }
        let taken = runner.steps.dropFirst().filter { $0.action != "end" }
        let outputs = taken.map { step in PolicyOutput.planStep(step.object.map { "\(step.action) \($0)" } ?? step.action) }
        let trace = EpisodeTrace(world: World(scene: scene, task: task, approachPoses: approachPoses), taskType: task.taskType, outputs: outputs)
        return EpisodeMap.draw(trace, task: task).image
    }
}
