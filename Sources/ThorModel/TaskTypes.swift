/// Facts the reference evaluation keeps per task type: the step budget of the episode loop and
/// the category each type is aggregated under (docs/metric.md, "The episode loop", "Aggregation").
public enum TaskTypes {
    /// `get_max_steps(tasktype)` (evaluate/utils.py): exact keys, anything else gets 36. The keys
    /// are the reference's, typos included: `'pickup_and_put_unnecessary_repeat` carries a stray
    /// quote, so `pickup_and_put_unnecessary_repeat` itself gets the default.
    static let stepBudgets: [String: Int] = [
        "single_search": 22, "single_search_navigate_fault": 22, "single_search_unnecessary_repeat": 22,
        "single_search_from_closerep": 22, "single_search_from_closerep_open_fault": 22,
        "single_toggle": 24, "single_toggle_navigate_fault": 24, "single_toggle_unnecessary_repeat": 24,
        "single_toggle_toggle_fault": 24,
        "single_pickup": 24, "single_pickup_unnecessary_repeat": 24, "single_pickup_pickup_fault": 24,
        "single_pickup_navigate_fault": 24, "single_pickup_from_closerep": 24,
        "pickup_and_put": 30, "pickup_and_put_pickup_fault": 30, "pickup_and_put_navigate_fault": 30,
        "'pickup_and_put_unnecessary_repeat": 30, "pickup_and_put_put_fault": 30, "pickup_and_put_in_closerep": 30,
        "pickup_from_closerep_and_put": 30, "pickup_from_closerep_and_put_close_fault": 30,
        "pickup_from_closerep_and_put_in_closerep": 30, "pickup_from_closerep_and_put_in_closerep_open_fault": 30,
        "pickup_from_closerep_and_put_in_closerep_close_fault": 30,
        "ordered_pickup_two_object_and_put": 36,
    ]
    public static let defaultStepBudget = 36

    /// The budget of a task type. evaluate.py first folds every type that starts with
    /// `ordered_pickup_two_object_and_put` into that type, then looks the key up exactly.
    public static func stepBudget(_ taskType: String) -> Int {
        let ordered = "ordered_pickup_two_object_and_put"
        let key = taskType.hasPrefix(ordered) ? ordered : taskType
        // Compared by code points, as a Python dict lookup does.
        return stepBudgets.first { $0.key.utf8.elementsEqual(key.utf8) }?.value ?? defaultStepBudget
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
