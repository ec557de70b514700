import Foundation
import ThorGrade
import ThorModel
import ThorSim

/// What replaying needs from the store: scenes, tasks and the hand-set approach poses.
public struct ReplaySource: Sendable {
    public var scene: @Sendable (String) -> CompiledScene?
    public var task: @Sendable (TaskIdentity) -> BenchmarkTask?
    public var approachPoses: [String: ApproachPose]

    public init(scene: @escaping @Sendable (String) -> CompiledScene?, task: @escaping @Sendable (TaskIdentity) -> BenchmarkTask?, approachPoses: [String: ApproachPose]) {
        self.scene = scene
        self.task = task
        self.approachPoses = approachPoses
    }
}

/// The symbolic state after each step of a recorded run, by replaying the run's recorded actions
/// in the simulator.
public struct RunReplay: Sendable {
    /// State after each step, by step counter value.
    public var states: [Int: FrameState] = [:]
    /// Per step: the first step where the simulator's outcome differed from the run's, if any
    /// (states after it may differ from what Unity rendered).
    public var notes: [Int: String] = [:]
    /// Why there is no state at all (no scene in the store, no actions).
    public var failure: String?
    /// The task the world was built with (the store's when it matches the run, else the run's own fields).
    public var task: BenchmarkTask?

    /// Replays `run`'s steps in order; `frames` stands in for the steps when the run has none
    /// recorded (frames are saved for successful steps, so the gaps are failed steps, which change
    /// nothing).
    public init(run: RecordedRun, frames: [FrameName], source: ReplaySource) {
        guard let sceneName = run.scene ?? frames.first?.scene else {
            failure = "the run names no scene"
            return
        }
        guard let scene = source.scene(sceneName) else {
            failure = "scene \(sceneName) is not in the store (import the benchmark first)"
            return
        }
        let task = run.task(scene: sceneName, stored: source.task)
        self.task = task
        var world = World(scene: scene, task: task, approachPoses: source.approachPoses)
        var steps = run.steps.filter { $0.number != nil }
        var origin = run.origin.rawValue
        if steps.isEmpty {
            origin = RecordedRun.Origin.frameNames.rawValue
            var seen = Set<Int>()
            steps = frames.sorted { $0.step < $1.step }.filter { seen.insert($0.step).inserted }.map {
                RecordedStep(number: $0.step, action: $0.action, object: $0.object, success: .truthy)
            }
        }
        var divergence: String?
        for step in steps {
            guard let number = step.number, let kind = ActionKind(rawValue: step.action) else { continue }
            if kind == .end { break }
            let outcome = world.step(Action(kind, kind.takesObject ? step.object : nil))
            if divergence == nil, let recorded = step.succeeded, recorded != outcome.success {
                let what = step.object.map { "\(step.action) \($0)" } ?? step.action
                divergence = recorded
                    ? "the simulator disagrees with the run from step \(number) (\(what)): the run succeeded, the simulator failed with \(outcome.error?.rawValue ?? "an error")"
                    : "the simulator disagrees with the run from step \(number) (\(what)): the run failed, the simulator succeeded"
            }
            states[number] = Self.snapshot(world, source: origin)
            notes[number] = divergence
        }
        if states.isEmpty { failure = "the run records no executed action" }
    }

    /// Pose, held object and the open/closed state of the openable objects in view.
    public static func snapshot(_ world: World, source: String) -> FrameState {
        let scene = world.scene
        let doors = world.visible.filter { $0 != world.held && scene.affordances[$0].contains(.openable) }.map {
            (id: scene.scene.objects[$0].objectId, open: world.objects[$0].isOpen)
        }
        return FrameState(
            x: world.pose.x, z: world.pose.z, yaw: world.pose.yaw,
            held: world.held.map { scene.scene.objects[$0].objectId }, openInView: doors, source: source)
    }
}

extension RecordedRun {
    /// Whether a frame is its step's own picture: the run records that action at that step (or
    /// records nothing for the step). The evaluator also saves intermediate frames while it
    /// moves, numbered with the previous step (test_001's `FloorPlan1_9_move_forward.png` was
    /// saved during step 10's move; its step 9 is a failed pickup).
    public func owns(_ frame: FrameName) -> Bool {
        guard let recorded = step(number: frame.step) else { return true }
        func normal(_ action: String) -> String { action == "put in" ? "put" : action }
        return normal(recorded.action) == normal(frame.action)
    }

    /// The stored task when its identity, scene and type match the run; otherwise one built from
    /// the run's own fields (runs of forked task sets such as `test_001` are not in the store).
    public func task(scene: String, stored: (TaskIdentity) -> BenchmarkTask?) -> BenchmarkTask {
        if let identity, let task = stored(identity), task.scene == scene, taskType == nil || task.taskType == taskType {
            return task
        }
        return ownTask(scene: scene)
    }

    /// A task built from the run's own fields (identity, scene, type, key-action strings), for
    /// runs whose task is not in the store. It has no target objects: types resolve to the first
    /// object of the type, as the reference does without targets.
    public func ownTask(scene: String) -> BenchmarkTask {
        BenchmarkTask(
            identity: identityOrName, scene: scene, taskType: taskType ?? "",
            instructionIndex: instructionIndex ?? 0, taskName: taskName ?? "", taskQuery: "",
            keyActions: (keyActions ?? []).map(KeyAction.init(planText:)))
    }
}

extension KeyAction {
    /// A key action from its string form (`navigate to Fridge`, `pick up Apple`); text that
    /// starts with no vocabulary action is kept whole as the action.
    public init(planText text: String) {
        let action = Action(planStep: text)
        self.init(action: action?.kind.rawValue ?? text, objectType: action?.objectType ?? "")
    }
}
