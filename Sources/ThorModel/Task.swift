/// A task identity: integers in `test_809.json`, strings such as `"test_001"` elsewhere.
/// Integers sort before strings so listings are stable across mixed files.
public enum TaskIdentity: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case int(Int)
    case string(String)

    /// Parses command-line text: digits become `.int`, anything else `.string`.
    public init(parsing text: String) {
        if let value = Int(text) { self = .int(value) } else { self = .string(text) }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): value
        }
    }

    public static func < (lhs: TaskIdentity, rhs: TaskIdentity) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): a < b
        case (.string(let a), .string(let b)): a < b
        case (.int, .string): true
        case (.string, .int): false
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}

/// One entry of a task's `task_metadata.actions`: the expert step the metric matches against.
public struct KeyAction: Hashable, Sendable, Codable {
    /// `navigate to`, `pickup`, `put`, `open`, `close`, `toggle` or `end`.
    public var action: String
    public var objectId: String
    public var objectType: String
    public var baseAction: String
    public var reward: Int
    public var relatedObjects: [String]

    public init(
        action: String, objectId: String = "", objectType: String = "", baseAction: String = "",
        reward: Int = 1, relatedObjects: [String] = []
    ) {
        self.action = action
        self.objectId = objectId
        self.objectType = objectType
        self.baseAction = baseAction
        self.reward = reward
        self.relatedObjects = relatedObjects
    }

    /// The string the reference metric compares: `(action + " " + objectType).strip()`.
    public var text: String {
        objectType.isEmpty ? action.trimmingWhitespace() : (action + " " + objectType).trimmingWhitespace()
    }
}

/// A benchmark task as stored: what the metric needs plus what the simulator will need.
public struct BenchmarkTask: Hashable, Sendable, Codable {
    public var identity: TaskIdentity
    public var scene: String
    public var taskType: String
    public var instructionIndex: Int
    /// Canonical instruction; the reference metric's substring rule reads this field.
    public var taskName: String
    /// The paraphrase shown to the model.
    public var taskQuery: String
    public var keyActions: [KeyAction]
    public var targetObjects: [String]
    public var relatedObjects: [String]
    public var navigableObjects: [String]

    public init(
        identity: TaskIdentity, scene: String, taskType: String, instructionIndex: Int, taskName: String,
        taskQuery: String, keyActions: [KeyAction], targetObjects: [String] = [], relatedObjects: [String] = [],
        navigableObjects: [String] = []
    ) {
        self.identity = identity
        self.scene = scene
        self.taskType = taskType
        self.instructionIndex = instructionIndex
        self.taskName = taskName
        self.taskQuery = taskQuery
        self.keyActions = keyActions
        self.targetObjects = targetObjects
        self.relatedObjects = relatedObjects
        self.navigableObjects = navigableObjects
    }

    /// Key-action strings in order, e.g. `["navigate to Fridge", "open Fridge", "end"]`.
    public var keyActionTexts: [String] { keyActions.map(\.text) }
}

/// A hand-set pose from `data/agent_positions.json` for approaching one object.
public struct ApproachPose: Hashable, Sendable, Codable {
    public var objectId: String
    public var pose: Pose

    public init(objectId: String, pose: Pose) {
        self.objectId = objectId
        self.pose = pose
    }
}

extension String {
    /// Python's `str.strip()` for the ASCII whitespace the reference's strings contain.
    public func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
