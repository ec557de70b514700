import ThorModel

/// Means over a group of graded tasks (REFERENCE-EVAL "Aggregation").
public struct MetricBlock: Hashable, Sendable {
    public var count = 0
    public var successRate = 0.0
    public var efficiency = 0.0
    public var completeness = 0.0
    public var completenessOrdered = 0.0
    public var repeatRate = 0.0

    /// Sums in input order, divided once at the end, so results do not depend on grouping.
    struct Sums {
        var count = 0
        var success = 0.0, efficiency = 0.0, completeness = 0.0, ordered = 0.0, repeatRate = 0.0

        mutating func add(_ m: TaskMetrics) {
            count += 1
            success += Double(m.success)
            efficiency += m.efficiency
            completeness += m.completeness
            ordered += m.completenessOrdered
            repeatRate += m.repeatRate
        }

        var block: MetricBlock {
            let n = Double(count)
            return MetricBlock(
                count: count, successRate: success / n, efficiency: efficiency / n, completeness: completeness / n,
                completenessOrdered: ordered / n, repeatRate: repeatRate / n)
        }
    }
}

/// Overall, per category and per task type, for one set of graded tasks.
public struct MetricGroups: Hashable, Sendable {
    public var overall: MetricBlock
    /// Keyed by category letter (S, M, T, C); a category with no graded task is omitted.
    public var categories: [String: MetricBlock]
    public var taskTypes: [String: MetricBlock]

    /// The reference divides each category by its task count and crashes when a type of the
    /// category is absent; here absent types are skipped and empty categories omitted.
    public init(_ tasks: [GradedTask]) {
        var overall = MetricBlock.Sums()
        var categories: [String: MetricBlock.Sums] = [:]
        var types: [String: MetricBlock.Sums] = [:]
        for task in tasks {
            overall.add(task.metrics)
            types[task.taskType, default: .init()].add(task.metrics)
            if let category = TaskCategory(exactly: task.taskType) {
                categories[category.rawValue, default: .init()].add(task.metrics)
            }
        }
        self.overall = overall.block
        self.categories = categories.mapValues(\.block)
        self.taskTypes = types.mapValues(\.block)
    }
}

/// One graded line.
public struct GradedTask: Sendable {
    public var source: LineSource
    public var identity: TaskIdentity
    public var model: String
    public var taskType: String
    public var scene: String?
    public var metrics: TaskMetrics
    /// Simulate mode only: the executed steps and the goal-state check.
    public var simulation: SimulationDetails?
}

/// Everything a grade run produced.
public struct GradeReport: Sendable {
    public var tasks: [GradedTask]
    public var issues: [GradeIssue]

    public init(tasks: [GradedTask] = [], issues: [GradeIssue] = []) {
        self.tasks = tasks
        self.issues = issues
    }

    /// Splits per-line outcomes (in input order) into graded tasks and issues.
    init(outcomes: [Result<GradedTask, GradeIssue>]) {
        self.init()
        tasks.reserveCapacity(outcomes.count)
        for outcome in outcomes {
            switch outcome {
            case .success(let task): tasks.append(task)
            case .failure(let issue): issues.append(issue)
            }
        }
    }

    /// Several reports (one per input file) in order.
    public mutating func append(_ other: GradeReport) {
        tasks += other.tasks
        issues += other.issues
    }

    public var all: MetricGroups { MetricGroups(tasks) }

    /// Model names in first-appearance order.
    public var models: [String] {
        var seen = Set<String>()
        return tasks.map(\.model).filter { seen.insert($0).inserted }
    }

    public func groups(model: String) -> MetricGroups { MetricGroups(tasks.filter { $0.model == model }) }
}

extension TaskCategory {
    /// The category listing exactly this type, compared by code points as the reference's `in` does.
    init?(exactly taskType: String) {
        guard let category = Self.allCases.first(where: { $0.taskTypes.contains(where: taskType.sameCodePoints) }) else { return nil }
        self = category
    }
}
