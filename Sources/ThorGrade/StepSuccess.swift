import ThorJSON

/// Success rate by number of key actions, as the reference's `show_result.py` tabulates it
/// (its `<run>_length_step_sr_.json`): tasks are grouped by the metric's `step` (key actions − 1;
/// 2 for `single_search_from_closerep`), `"9+"` for 9 and more, and each group gets its count and
/// mean success. The reference's `avg_length` is the token length of the model's messages, which
/// a results line does not carry, so it is not reproduced.
public struct StepSuccess: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        public var count = 0
        public var successes = 0
        public var successRate: Double { count == 0 ? 0 : Double(successes) / Double(count) }
    }

    /// Buckets 0 ... 8 and `9+` by position: `add` runs once per graded line, and naming the
    /// bucket (a `String` made and hashed twice) cost more than the addition. A negative step
    /// (only a hand-written per-task line has one) has its own bucket, by number.
    private var counted = [Bucket](repeating: Bucket(), count: 10)
    private var negative: [Int: Bucket] = [:]

    public init() {}

    /// Every bucket with a task, by the reference's name.
    public var buckets: [String: Bucket] {
        var named: [String: Bucket] = [:]
        for (position, bucket) in counted.enumerated() where bucket.count > 0 { named[Self.bucket(position)] = bucket }
        for (step, bucket) in negative { named[Self.bucket(step)] = bucket }
        return named
    }

    /// The reference's bucket name for a `step` value.
    public static func bucket(_ step: Int) -> String { step < 9 ? String(step) : "9+" }

    public mutating func add(_ metrics: TaskMetrics) {
        if metrics.step >= 0 {
            let position = min(metrics.step, 9)
            counted[position].count += 1
            counted[position].successes += metrics.success
        } else {
            negative[metrics.step, default: Bucket()].count += 1
            negative[metrics.step, default: Bucket()].successes += metrics.success
        }
    }

    /// `{"2": {"count": 40, "success_rate": 0.55}, ..., "9+": {...}}`, unrounded (the reference
    /// rounds to 4 places).
    public var json: JSONValue {
        .object(buckets.mapValues { .object(["count": .int($0.count), "success_rate": .double($0.successRate)]) })
    }

    public static func == (a: StepSuccess, b: StepSuccess) -> Bool { a.buckets == b.buckets }
}
