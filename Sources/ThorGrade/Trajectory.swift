import ThorModel

/// One entry of a reference trajectory, reduced to what the metric reads.
public struct TrajectoryEntry: Hashable, Sendable {
    public var action: String
    public var object: String?
    /// The reference tests truthiness (`success == 0` skips the entry).
    public var success: Bool
    /// Null in a recorded file reads as empty (the reference crashes there). Read from files only
    /// for `end` entries, the only ones the metric looks at.
    public var legalObjects: [String]

    public init(action: String, object: String? = nil, success: Bool, legalObjects: [String] = []) {
        self.action = action
        self.object = object
        self.success = success
        self.legalObjects = legalObjects
    }
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
