import ThorModel

/// Means over a group of graded tasks (docs/metric.md, "Aggregation").
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
            // No graded line: every mean is 0 with count 0 (never NaN in a table, JSON or CSV).
            let n = Double(max(count, 1))
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

    init(_ sums: MetricTotals.GroupSums, typeNames: [String]) {
        overall = sums.overall.block
        categories = Dictionary(uniqueKeysWithValues: zip(TaskCategory.allCases, sums.categories).compactMap { category, sum in
            sum.count > 0 ? (category.rawValue, sum.block) : nil
        })
        taskTypes = Dictionary(uniqueKeysWithValues: zip(sums.typeIndexes, sums.types).map { (typeNames[$0], $1.block) })
    }
}

/// Every group the reports show, for all lines together and per model, summed in one pass: each
/// line is looked up once and added, in input order, to its model's and to all models' overall,
/// category and task-type sums. (Grouping by filtering the lines per model cost more than the
/// grading itself on 100k lines.)
///
/// The reference divides each category by its task count and crashes when a type of the
/// category is absent; here absent types are skipped and empty categories omitted.
public struct MetricTotals: Sendable {
    public var all: MetricGroups
    /// Keyed by model name.
    public var models: [String: MetricGroups]

    struct GroupSums {
        var overall = MetricBlock.Sums()
        var categories = [MetricBlock.Sums](repeating: .init(), count: TaskCategory.allCases.count)
        /// Only the types this group has, in the order they came, with their task type indexes:
        /// per-model arrays over every type made memory models × types (9.5 GB for 20k lines with
        /// their own model and type). A line adds at the position its slot holds: found through a
        /// dictionary per line, twice a line, the sums were a third of the consumer's time.
        var types: [MetricBlock.Sums] = [], typeIndexes: [Int] = []
        private var positions: [Int: Int] = [:]

        /// The position of task type `type`, added on its first line (asked once per slot).
        mutating func position(ofType type: Int) -> Int {
            if let known = positions[type] { return known }
            positions[type] = types.count
            typeIndexes.append(type)
            types.append(.init())
            return types.count - 1
        }

        mutating func add(_ metrics: TaskMetrics, typePosition: Int, category: Int?) {
            overall.add(metrics)
            if let category { categories[category].add(metrics) }
            types[typePosition].add(metrics)
        }
    }

    struct GroupKey: Hashable {
        var model: String
        var taskType: String
    }

    public init(_ tasks: [GradedTask]) {
        var builder = Builder()
        for task in tasks { builder.add(model: task.model, taskType: task.taskType, metrics: task.metrics) }
        self = builder.totals
    }

    init(all: MetricGroups, models: [String: MetricGroups]) {
        self.all = all
        self.models = models
    }

    /// The sums behind `MetricTotals`, one line at a time (see `GradeTally`).
    struct Builder: Sendable {
        private var all = GroupSums()
        private var perModel: [GroupSums] = []
        private var modelIndex: [String: Int] = [:], typeIndex: [String: Int] = [:]
        private var modelNames: [String] = [], typeNames: [String] = []
        private var slots: [GroupKey: Slot] = [:]

        /// Where a line's sums go: its model's position, its task type's positions in all
        /// models' sums and in its model's, and its category.
        struct Slot: Sendable {
            var model: Int, typeInAll: Int, typeInModel: Int, category: Int?
        }

        mutating func add(model: String, taskType: String, metrics: TaskMetrics) {
            add(metrics, at: slot(model: model, taskType: taskType))
        }

        /// The slot of a model and task type, made on their first line.
        mutating func slot(model: String, taskType: String) -> Slot {
            let key = GroupKey(model: model, taskType: taskType)
            if let known = slots[key] { return known }
            let modelSlot = modelIndex[model] ?? {
                modelIndex[model] = modelNames.count
                modelNames.append(model)
                perModel.append(GroupSums())
                return modelNames.count - 1
            }()
            let typeSlot = typeIndex[taskType] ?? {
                typeIndex[taskType] = typeNames.count
                typeNames.append(taskType)
                return typeNames.count - 1
            }()
            let category = TaskCategory(taskType: taskType).flatMap { TaskCategory.allCases.firstIndex(of: $0) }
            let slot = Slot(
                model: modelSlot, typeInAll: all.position(ofType: typeSlot), typeInModel: perModel[modelSlot].position(ofType: typeSlot),
                category: category)
            slots[key] = slot
            return slot
        }

        mutating func add(_ metrics: TaskMetrics, at slot: Slot) {
            all.add(metrics, typePosition: slot.typeInAll, category: slot.category)
            perModel[slot.model].add(metrics, typePosition: slot.typeInModel, category: slot.category)
        }

        var totals: MetricTotals {
            MetricTotals(
                all: MetricGroups(all, typeNames: typeNames),
                models: Dictionary(uniqueKeysWithValues: zip(modelNames, perModel).map { ($0, MetricGroups($1, typeNames: typeNames)) }))
        }
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
    /// The key actions the line carried itself (recorded mode); nil when the store's task's were
    /// used, and on a later line of an identity that the worker grading it graded before with
    /// its own (`GradeWorker`): `KeyActionWarnings`, which reads them, checks a task only once.
    public var lineKeyActions: [String]? = nil
    /// The worker that graded this line graded one of the same identity and model before it
    /// (`GradeWorker`), so an earlier line of the input has them: coverage and the key-action
    /// warnings need not look at this one.
    var repeatsIdentity = false
    /// The number its worker gave the line's model and task type (`GradeWorker.pair`), when it did.
    var tallyPair: Int? = nil

    public init(source: LineSource, identity: TaskIdentity, model: String, taskType: String, scene: String?,
                metrics: TaskMetrics, simulation: SimulationDetails? = nil, lineKeyActions: [String]? = nil) {
        self.source = source
        self.identity = identity
        self.model = model
        self.taskType = taskType
        self.scene = scene
        self.metrics = metrics
        self.simulation = simulation
        self.lineKeyActions = lineKeyActions
    }
}

/// Every line of a grade run, kept: for the library and tests. The CLI keeps no lines: it folds
/// each outcome into a `GradeTally` as it arrives.
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
        for outcome in outcomes { add(outcome) }
    }

    /// One line's outcome, after those before it.
    public mutating func add(_ outcome: Result<GradedTask, GradeIssue>) {
        switch outcome {
        case .success(let task): tasks.append(task)
        case .failure(let issue): issues.append(issue)
        }
    }

    /// Several reports (one per input file) in order.
    public mutating func append(_ other: GradeReport) {
        tasks += other.tasks
        issues += other.issues
    }

    /// The reports of these lines, as `grade` accumulates them.
    public var tally: GradeTally {
        var tally = GradeTally()
        for task in tasks { tally.add(TallyLine(task)) }
        tally.issues = issues
        return tally
    }

    public var totals: MetricTotals { MetricTotals(tasks) }

    public var all: MetricGroups { totals.all }
}
