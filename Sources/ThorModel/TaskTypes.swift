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
