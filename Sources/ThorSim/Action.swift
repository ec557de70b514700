import ThorModel

/// The benchmark's action vocabulary (docs/metric.md, "From a response to an action").
public enum ActionKind: String, Sendable, Codable, CaseIterable {
    case initialize = "init"
    case navigateTo = "navigate to"
    case pickup
    case put
    /// The API variant's spelling of `put`.
    case putIn = "put in"
    case toggle
    case open
    case close
    case observe
    case moveForward = "move forward"
    case end
    /// What the parser yields when the response names no action of the vocabulary.
    case error

    /// Actions that name an object.
    public var takesObject: Bool {
        switch self {
        case .navigateTo, .pickup, .put, .putIn, .toggle, .open, .close: true
        case .initialize, .observe, .moveForward, .end, .error: false
        }
    }

    /// The reference executes these; anything else (`error`) is an illegal action entry.
    public var isExecutable: Bool { self != .error }
}

/// One action as the episode loop feeds it to the world: a kind plus an object type name.
public struct Action: Hashable, Sendable {
    public var kind: ActionKind
    public var objectType: String?

    public init(_ kind: ActionKind, _ objectType: String? = nil) {
        self.kind = kind
        self.objectType = objectType
    }

    /// Parses a plan step such as `navigate to Fridge`, `put in Fridge` or `end` (the key-action
    /// string format). Returns nil when the text starts with no vocabulary word.
    public init?(planStep text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let kind = Self.kindsLongestFirst.first(where: { trimmed == $0.rawValue || trimmed.hasPrefix($0.rawValue + " ") }) else {
            return nil
        }
        let rest = String(trimmed.dropFirst(kind.rawValue.count)).trimmingWhitespace()
        self.init(kind, rest.isEmpty ? nil : rest)
    }

    /// Longest names first so `put in X` is not read as `put` + `in X` (sorted once: plan steps
    /// are parsed per episode).
    static let kindsLongestFirst = ActionKind.allCases.filter { $0 != .error }.sorted { $0.rawValue.count > $1.rawValue.count }

    /// `action + " " + object`, the string the reference metric compares.
    public var text: String { objectType.map { "\(kind.rawValue) \($0)" } ?? kind.rawValue }
}

/// What one step did.
public struct StepOutcome: Hashable, Sendable {
    public var success: Bool
    public var error: StepError?
    /// The object the action resolved to (metadata index), when it named one that exists.
    public var object: Int?

    public static func ok(_ object: Int? = nil) -> StepOutcome { StepOutcome(success: true, error: nil, object: object) }
    public static func failed(_ error: StepError, _ object: Int? = nil) -> StepOutcome {
        StepOutcome(success: false, error: error, object: object)
    }
}
