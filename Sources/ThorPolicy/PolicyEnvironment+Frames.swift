import ThorFrames
import ThorSim
import ThorStore

/// How a recorded frame matched the episode's current step.
public enum FrameMatch: String, Sendable, Hashable {
    /// A frame indexed with exactly this state: pose, held object, open/closed objects in view.
    case exact
    /// A frame taken from the same pose (cm, degree), in another state.
    case samePose = "same pose"
    /// The frame Unity rendered for this step (`serve --backend live`).
    case live
}

extension PolicyEnvironment {
    /// The best recorded frame (`thor-lite frames import`) for the scene, pose and state of the
    /// current world: an exact state match first, else a frame of the same pose; nil when none is
    /// indexed. A scene without frames costs nothing per step (no snapshot is taken).
    func recordedFrame() -> (path: String, match: FrameMatch)? {
        guard let frames, !frames.isEmpty, let world = runner?.world else { return nil }
        return frames.best(RunReplay.snapshot(world, source: "simulator"))
    }
}

extension PolicyEnvironment {
    /// The episode so far as a map (`EpisodeMap`): the current state, the path with numbered
    /// steps, failures with their causes, the goal facts. The path is recomputed by replaying the
    /// steps taken so far (the loop is deterministic), so nothing is kept per step. Nil before
    /// `reset`.
    public func map() -> RGBImage? {
        guard let task, let trace = replayedTrace() else { return nil }
        return EpisodeMap.draw(trace, task: task).image
    }

    /// How many executed steps so far have a recorded frame of exactly their state, one of their
    /// pose only, or none: `["exact": n, "same pose": n, "none": n]`.
    public func frameCoverage() -> [String: Int] {
        var coverage = ["exact": 0, "same pose": 0, "none": 0]
        guard let trace = replayedTrace() else { return coverage }
        let frames = frames ?? FrameLookup([])
        for entry in trace.entries where entry.number != nil {
            switch frames.best(entry.state)?.match {
            // A lookup in the store gives exact or same-pose matches only.
            case .exact, .live: coverage["exact", default: 0] += 1
            case .samePose: coverage["same pose", default: 0] += 1
            case nil: coverage["none", default: 0] += 1
            }
        }
        return coverage
    }

    /// The episode so far, replayed step by step (the loop is deterministic, so it reproduces the
    /// poses and states the policy saw).
    func replayedTrace() -> EpisodeTrace? {
        guard let runner, let task, let scene = try? catalog.scene(of: task) else { return nil }
        let taken = runner.steps.dropFirst().filter { $0.action != "end" }
        let outputs = taken.map { step in PolicyOutput.planStep(step.object.map { "\(step.action) \($0)" } ?? step.action) }
        return EpisodeTrace(world: World(scene: scene, task: task, approachPoses: approachPoses), taskType: task.taskType, outputs: outputs)
    }
}
