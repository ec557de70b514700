/// Facts the reference evaluation keeps per task type: the step budget of the episode loop and
/// the category each type is aggregated under (REFERENCE-EVAL "The episode loop", "Aggregation").
public enum TaskTypes {
    /// `max_steps(tasktype)`: matched by prefix in this order; anything else gets 36.
    static let stepBudgets: [(prefix: String, steps: Int)] = [
        ("single_search", 22), ("single_toggle", 24), ("single_pickup", 24),
        ("pickup_and_put", 30), ("pickup_from_closerep", 30),
        ("ordered_pickup_two_object_and_put", 36),
    ]
    public static let defaultStepBudget = 36

    public static func stepBudget(_ taskType: String) -> Int {
        stepBudgets.first { taskType.hasPrefix($0.prefix) }?.steps ?? defaultStepBudget
    }
}

/// The reference's four aggregation categories.
public enum TaskCategory: String, CaseIterable, Sendable, Codable {
    case search = "S", manipulation = "M", transport = "T", composite = "C"

    public var title: String {
        switch self {
        case .search: "search"
        case .manipulation: "manipulation"
        case .transport: "transport"
        case .composite: "composite"
        }
    }

    public var taskTypes: [String] {
        switch self {
        case .search: ["single_search", "single_search_from_closerep"]
        case .manipulation: ["single_pickup", "single_pickup_from_closerep", "single_toggle"]
        case .transport: ["pickup_and_put", "pickup_and_put_in_closerep", "pickup_from_closerep_and_put", "pickup_from_closerep_and_put_in_closerep"]
        case .composite: ["ordered_pickup_two_object_and_put", "long-range tasks with dependency relationships"]
        }
    }

    /// The category listing exactly this type, compared by code points as the reference's `in`
    /// does (Swift's `==` would also accept canonically equivalent spellings).
    public init?(taskType: String) {
        guard let category = Self.allCases.first(where: { $0.taskTypes.contains { $0.utf8.elementsEqual(taskType.utf8) } }) else { return nil }
        self = category
    }
}
