import ThorModel

/// What one graded line adds to the reports, and nothing more: the identity, the group keys, the
/// reference metrics and, from simulate mode, the goal check's counts and the step errors. A
/// graded line (`GradedTask`) and a per-task output line (`PerTaskLines`) both reduce to it, so a
/// merge of shards' per-task files feeds exactly what one grading run fed.
public struct TallyLine: Sendable, Hashable {
    public var identity: TaskIdentity
    public var model: String
    public var taskType: String
    public var metrics: TaskMetrics
    /// Simulate mode only.
    public var simulation: Simulated?

    public struct Simulated: Sendable, Hashable {
        public var goalSuccess: Bool
        public var conditionsMet: Int
        public var conditionsTotal: Int
        /// The error kind of every failed step, in step order.
        public var stepErrors: [String]

        public init(goalSuccess: Bool, conditionsMet: Int, conditionsTotal: Int, stepErrors: [String]) {
            self.goalSuccess = goalSuccess
            self.conditionsMet = conditionsMet
            self.conditionsTotal = conditionsTotal
            self.stepErrors = stepErrors
        }
    }

    public init(identity: TaskIdentity, model: String, taskType: String, metrics: TaskMetrics, simulation: Simulated? = nil) {
        self.identity = identity
        self.model = model
        self.taskType = taskType
        self.metrics = metrics
        self.simulation = simulation
    }

    public init(_ task: GradedTask) {
        self.init(identity: task.identity, model: task.model, taskType: task.taskType, metrics: task.metrics,
                  simulation: task.simulation.map { details in
                      Simulated(goalSuccess: details.goalSuccess, conditionsMet: details.goal.conditionsMet,
                                conditionsTotal: details.goal.conditionsTotal,
                                stepErrors: details.steps.compactMap { $0.error?.rawValue })
                  })
    }
}

/// A graded line reduced to what a grading run's consumer reads: the tally's part, and for the
/// key-action warnings where the line came from, its scene and the key actions it carried. The
/// worker that graded the line makes it, so the line's steps are freed on the thread that made
/// them and the consumer, which passes lines on one at a time in input order, only adds.
public struct GradedLine: Sendable {
    public var tally: TallyLine
    public var source: LineSource
    public var scene: String?
    /// `GradedTask.lineKeyActions`.
    public var lineKeyActions: [String]?
    /// An earlier line of the input had the same identity and model (the worker that graded
    /// both knew): coverage and the key-action warnings have it already
    /// (`GradeTally.add(_:repeatsIdentity:)`, `KeyActionWarnings.check(_:)`).
    public var repeatsIdentity: Bool

    public init(_ task: GradedTask) {
        tally = TallyLine(task)
        source = task.source
        scene = task.scene
        lineKeyActions = task.lineKeyActions
        repeatsIdentity = task.repeatsIdentity
    }
}

/// Every report of a grading run, accumulated line by line as outcomes arrive in input order, so
/// that nothing per line is kept: memory depends on the number of models, task types, distinct
/// identities and ungraded lines, never on the number of lines graded.
///
/// Sums are added in input order, as the reference adds them, so the table, the summary, the CSV
/// and the er-csv are the bytes a pass over a list of every line would give.
public struct GradeTally: Sendable {
    /// Lines graded.
    public private(set) var graded = 0
    /// Lines (and inputs) not graded, in input order.
    public var issues: [GradeIssue] = []
    /// Per model, the store's tasks graded and missing; set by `finishCoverage(storeTasks:)`.
    public var coverage: [Coverage]?
    /// Version, mode, store and inputs, for the summary's `meta` block (set by the CLI).
    public var provenance: GradeProvenance?
    /// Key actions of graded tasks that can never match (set by the CLI; see `KeyActionWarnings`).
    public var keyActionWarnings: [KeyActionWarning] = []

    var metricSums = MetricTotals.Builder()
    var simulation = SimulationTally()
    var identities = CoverageTally()
    var referenceCSV = ReferenceCSV.Tally()
    /// Per model (by `identities`' model position), the reference's success by number of key
    /// actions (`by_step`).
    var stepSuccess: [StepSuccess] = []

    /// Where one model and task type's sums go in each tally.
    struct Slots: Sendable {
        var metric: MetricTotals.Builder.Slot
        var csv: ReferenceCSV.Tally.Slot
        /// The model's position in `identities` and `stepSuccess`.
        var model: Int
    }
    /// The last few pairs' slots: lines come in runs of a task type, with one model or a few
    /// taking turns (three in the benchmark's files), and comparing strings (small ones as two
    /// words, others often sharing their storage) costs less than hashing two. Replaced in turn,
    /// never moved. Other lines look the pair up once here instead of once per tally.
    private var recentKeys: [(model: String, taskType: String, slots: Slots)] = []
    private var nextRecent = 0
    static let recentKeyCount = 4
    private var slotsByKey: [MetricTotals.GroupKey: Slots] = [:]

    public init() {}

    /// One line's outcome, after those before it.
    public mutating func add(_ outcome: Result<GradedTask, GradeIssue>) {
        switch outcome {
        case .success(let task): add(TallyLine(task))
        case .failure(let issue): issues.append(issue)
        }
    }

    /// `repeatsIdentity`: an earlier line had the same identity and model (`GradedLine`), so
    /// coverage has it.
    public mutating func add(_ line: TallyLine, repeatsIdentity: Bool = false) {
        addSlots(line, repeatsIdentity: repeatsIdentity)
    }

    /// `add(_:repeatsIdentity:)`, returning the slots of the line's model and task type.
    @discardableResult
    mutating func addSlots(_ line: TallyLine, repeatsIdentity: Bool) -> Slots {
        let slots = slots(model: line.model, taskType: line.taskType)
        if let simulated = line.simulation { simulation.add(simulated, referenceSuccess: line.metrics.success != 0) }
        if !repeatsIdentity { identities.add(line.identity, model: slots.model) }
        addRepeated(line.metrics, at: slots)
        return slots
    }

    /// A line without simulation whose identity an earlier line of its model had, at the slots of
    /// its model and task type.
    mutating func addRepeated(_ metrics: TaskMetrics, at slots: Slots) {
        graded += 1
        metricSums.add(metrics, at: slots.metric)
        referenceCSV.add(metrics, at: slots.csv)
        stepSuccess[slots.model].add(metrics)
    }

    mutating func slots(model: String, taskType: String) -> Slots {
        for index in recentKeys.indices where recentKeys[index].model == model && recentKeys[index].taskType == taskType {
            return recentKeys[index].slots
        }
        let key = MetricTotals.GroupKey(model: model, taskType: taskType)
        let slots = slotsByKey[key] ?? {
            let made = Slots(
                metric: metricSums.slot(model: model, taskType: taskType), csv: referenceCSV.slot(model: model, taskType: taskType),
                model: identities.slot(model: model))
            if made.model == stepSuccess.count { stepSuccess.append(StepSuccess()) }
            slotsByKey[key] = made
            return made
        }()
        if recentKeys.count < Self.recentKeyCount {
            recentKeys.append((model, taskType, slots))
        } else {
            recentKeys[nextRecent] = (model, taskType, slots)
            nextRecent = (nextRecent + 1) % Self.recentKeyCount
        }
        return slots
    }

    /// Per model, the reference's success by number of key actions (`by_step`).
    var byStep: [String: StepSuccess] {
        Dictionary(zip(identities.models, stepSuccess), uniquingKeysWith: { first, _ in first })
    }

    /// Every group of the reports; compute once and hand it to the writers.
    public var totals: MetricTotals { metricSums.totals }

    /// The `simulation` block's counts; nil when no line was simulated.
    public var simulationSummary: SimulationTally? { simulation.count > 0 ? simulation : nil }

    /// Sets `coverage` against the store's task identities (in task-file order).
    public mutating func finishCoverage(storeTasks: [TaskIdentity]) {
        coverage = identities.coverage(storeTasks: storeTasks)
    }

    /// The reference's result.csv of the lines so far.
    public var referenceCSVText: String { referenceCSV.render() }
}

/// Simulate mode's additions to the summary: goal-state success next to the reference's, the
/// lines where the two disagree, and how often each step error occurred.
public struct SimulationTally: Sendable, Hashable {
    public private(set) var count = 0
    public private(set) var goalSuccesses = 0
    public private(set) var conditionsMet = 0
    public private(set) var conditionsTotal = 0
    /// Reference success but the goal not reached.
    public private(set) var referenceOnly = 0
    /// Goal reached but reference failure.
    public private(set) var goalOnly = 0
    public private(set) var stepErrors: [String: Int] = [:]

    mutating func add(_ line: TallyLine.Simulated, referenceSuccess: Bool) {
        count += 1
        conditionsMet += line.conditionsMet
        conditionsTotal += line.conditionsTotal
        if line.goalSuccess { goalSuccesses += 1 }
        if referenceSuccess && !line.goalSuccess { referenceOnly += 1 }
        if line.goalSuccess && !referenceSuccess { goalOnly += 1 }
        for error in line.stepErrors { stepErrors[error, default: 0] += 1 }
    }

    public var goalSuccessRate: Double { Double(goalSuccesses) / Double(max(count, 1)) }
}

/// The distinct identities graded per model (in the order models first appear), for coverage.
/// Identities match by their text, so `7` and `"7"` are the same task.
struct CoverageTally: Sendable {
    private(set) var models: [String] = []
    private var modelIndex: [String: Int] = [:]
    /// Per model, the identities seen as they were written (a line looks up its identity, not a
    /// text made from it) and their texts, which decide coverage.
    private var seenIdentities: [IdentitySet] = []
    private var seen: [Set<String>] = []

    /// The model's position, in the order models first appear.
    mutating func slot(model: String) -> Int {
        if let known = modelIndex[model] { return known }
        modelIndex[model] = models.count
        models.append(model)
        seenIdentities.append(IdentitySet())
        seen.append([])
        return models.count - 1
    }

    mutating func add(_ identity: TaskIdentity, model: Int) {
        if seenIdentities[model].insert(identity) { seen[model].insert(identity.description) }
    }

    func coverage(storeTasks: [TaskIdentity]) -> [Coverage] {
        let known = Set(storeTasks.map(\.description))
        return zip(models, seen).map { model, graded in
            Coverage(
                model: model, graded: graded.intersection(known).count, total: storeTasks.count,
                missing: storeTasks.filter { !graded.contains($0.description) },
                outsideStore: graded.subtracting(known).count)
        }
    }
}
