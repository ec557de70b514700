import ThorModel

/// One entry of a reference trajectory, reduced to what the metric reads.
public struct TrajectoryEntry: Hashable, Sendable {
    public var action: String
    public var object: String?
    public var success: RecordedSuccess
    /// Null in a recorded file reads as empty (the reference crashes there). Read from files only
    /// for `end` entries of lines whose task type is single_search or not given, the only ones the
    /// metric looks at (`RecordFields.readsLegalObjects`).
    public var legalObjects: [String]

    public init(action: String, object: String? = nil, success: RecordedSuccess, legalObjects: [String] = []) {
        self.action = action
        self.object = object
        self.success = success
        self.legalObjects = legalObjects
    }

    /// An entry whose outcome is a plain flag (the simulator's, or a hand-built test step).
    public init(action: String, object: String? = nil, success: Bool, legalObjects: [String] = []) {
        self.init(action: action, object: object, success: success ? .truthy : .zero, legalObjects: legalObjects)
    }
}

/// A recorded `success` value as the reference tests it. It tests it twice, differently: rule 2
/// skips an entry when `success == 0`, and records it as `prev` only when `success` is truthy.
/// For the 0/1 the reference writes the two agree; for anything else they can disagree.
public enum RecordedSuccess: Hashable, Sendable {
    /// 1, true, any other non-zero number, a non-empty string, list or object.
    case truthy
    /// 0, 0.0 or false: `success == 0` holds, so the entry is skipped.
    case zero
    /// null, "", [] or {}: not equal to 0, so the entry is scored like a success, but falsy, so a
    /// skipped (unscored-action) entry with it does not become `prev`.
    case falsyNonZero

    public var isTruthy: Bool { self == .truthy }
    public var equalsZero: Bool { self == .zero }
}

/// What the metric needs to know about a task.
public struct TaskReference: Hashable, Sendable {
    public var taskType: String
    /// The canonical instruction (`taskname`); the single_search substring rule reads it.
    public var taskName: String
    /// Key-action strings, e.g. `["navigate to Fridge", "open Fridge", "end"]`.
    public var keyActions: [String]

    public init(taskType: String, taskName: String, keyActions: [String]) {
        self.taskType = taskType
        self.taskName = taskName
        self.keyActions = keyActions
    }

    public init(_ task: BenchmarkTask) {
        self.init(taskType: task.taskType, taskName: task.taskName, keyActions: task.keyActionTexts)
    }
}
