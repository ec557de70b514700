import ThorModel

/// Why a task's expert plan (its key actions, executed in order) cannot succeed under AI2-THOR's
/// rules, found by running it.
public struct PlanProblem: Hashable, Sendable {
    public var identity: TaskIdentity
    public var taskType: String
    public var scene: String
    /// 1-based position of the failing key action.
    public var step: Int
    public var keyAction: String
    public var error: StepError
    public var explanation: String
}

public enum PlanAudit {
    /// Runs the task's key actions through the episode loop; nil when every step succeeds.
    public static func check(_ task: BenchmarkTask, world: World) -> PlanProblem? {
        var runner = EpisodeRunner(world: world, taskType: task.taskType)
        var outputs = task.keyActionTexts.map(PolicyOutput.planStep).reversed() as [PolicyOutput]
        runner.run { outputs.popLast() }
        // Entries after init map one to one onto key actions, until the plan's end.
        for (offset, step) in runner.steps.dropFirst().enumerated() where !step.success {
            let index = min(offset, task.keyActions.count - 1)
            let key = task.keyActions[index]
            let notes = [explain(key, error: step.error, held: heldType(before: index, in: task))] + dataIssues(task)
            return PlanProblem(
                identity: task.identity, taskType: task.taskType, scene: task.scene, step: index + 1,
                keyAction: key.text, error: step.error ?? .unknownAction,
                explanation: notes.joined(separator: "; "))
        }
        if let reason = runner.endReason {
            return PlanProblem(identity: task.identity, taskType: task.taskType, scene: task.scene, step: task.keyActions.count,
                               keyAction: "end", error: reason, explanation: "the episode ended early (\(reason.rawValue))")
        }
        return nil
    }

    /// A task whose scene is not in the store: no key action can run, so the plan fails at once.
    public static func missingScene(_ task: BenchmarkTask) -> PlanProblem {
        PlanProblem(
            identity: task.identity, taskType: task.taskType, scene: task.scene, step: 1,
            keyAction: task.keyActions.first?.text ?? "end", error: .unknownObject,
            explanation: "scene \(task.scene) is not in the store, so none of the plan's objects exist")
    }

    /// Flaws of the task data itself: key actions without an object type, and key actions whose
    /// objectType disagrees with their objectId (`pickup Potato` on `Egg|...`).
    static func dataIssues(_ task: BenchmarkTask) -> [String] {
        var issues: [String] = []
        for (index, key) in task.keyActions.enumerated() where key.action != "end" {
            // `Type|x|y|z`, or `Sink|x|y|z|SinkBasin` for basins and sliced pieces.
            let parts = key.objectId.split(separator: "|").map(String.init)
            let idType = (parts.count > 4 ? parts.last : parts.first) ?? ""
            if key.objectType.isEmpty {
                issues.append("task data: key action \(index + 1) '\(key.action)' has no object type")
            } else if !idType.isEmpty, basinless(idType) != basinless(key.objectType) {
                issues.append("task data: key action \(index + 1) names a \(key.objectType) but its objectId is a \(idType)")
            }
        }
        return issues
    }

    /// A Sink and its SinkBasin (a Bathtub and its BathtubBasin) are one place to the plans.
    static func basinless(_ type: String) -> String {
        type.hasSuffix("Basin") ? String(type.dropLast("Basin".count)) : type
    }

    /// The object type the plan holds when it reaches key action `index`.
    static func heldType(before index: Int, in task: BenchmarkTask) -> String? {
        var held: String?
        for key in task.keyActions.prefix(index) {
            if key.action == "pickup" { held = key.objectType }
            if key.action == "put" { held = nil }
        }
        return held
    }

    static func explain(_ key: KeyAction, error: StepError?, held: String?) -> String {
        if key.objectType.isEmpty && key.action != "end" {
            return "the key action '\(key.action)' names no object type"
        }
        switch error {
        case .placementNotAllowed:
            return "AI2-THOR's placement table does not allow \(held ?? "the held object") in \(key.objectType)"
        case .notToggleable where key.objectType == "StoveBurner":
            return "a StoveBurner is not toggleable in AI2-THOR; its StoveKnob is"
        case .notToggleable:
            return "\(key.objectType) is not toggleable"
        case .mustBeOff:
            return "a \(key.objectType) must be off before it opens (the plan turned it on earlier)"
        case .alreadyToggled:
            return "\(key.objectType) was switched earlier; the reference reads it as the episode started and asks for the same state again"
        case .mustBeClosed:
            return "a \(key.objectType) must be closed to turn on"
        case .receptacleClosed:
            return "\(key.objectType) is closed and must be opened first"
        case .notInteractable:
            return "no \(key.objectType) the plan can reach at this point (the one the task means is elsewhere or hidden)"
        case .notNavigable:
            return "\(key.objectType) is not navigable from anywhere the plan has been"
        case .unknownObject:
            return "there is no \(key.objectType) in the scene"
        case .handFull:
            return "the hand is already full"
        case .handEmpty:
            return "nothing is held to put"
        case .notPickupable:
            return "\(key.objectType) cannot be picked up"
        case .notOpenable:
            return "\(key.objectType) cannot be opened"
        case .notReceptacle:
            return "\(key.objectType) is not a receptacle"
        default:
            return error?.rawValue ?? "failed"
        }
    }
}
