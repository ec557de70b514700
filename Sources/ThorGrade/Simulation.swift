import Foundation
import ThorModel
import ThorSim

/// Builds the world an episode starts in; the CLI backs it with the store.
public protocol WorldSource: Sendable {
    func world(for task: BenchmarkTask) throws -> World
}

/// What simulate mode adds to a graded line.
public struct SimulationDetails: Sendable {
    public init(steps: [EpisodeStep], goal: GoalReport, endReason: StepError?) {
        self.steps = steps
        self.goal = goal
        self.endReason = endReason
    }

    /// One entry per trajectory entry, `init` first and the final `end` last.
    public var steps: [EpisodeStep]
    /// The end-state facts checked: required ones decide goal success, path facts are reported.
    public var goal: GoalReport
    public var endReason: StepError?

    public var goalFacts: [GoalFact] { goal.facts }
    public var goalSuccess: Bool { goal.success }
}

/// A task and the world its episodes start from, with what the grader derives from the pair
/// once: a class, so that handing it to a line costs one reference count, not one per field of
/// the task and the world.
final class EpisodeStart: Sendable {
    let task: BenchmarkTask
    let world: World
    /// The key actions the metric counts (`ReferenceMetric.isScored`).
    let scoredKeyActions: [String]
    /// What the metric reads of the task, and the texts a graded line carries: read from here,
    /// a line copies these few references, not the task's dozen (`task` is a struct of texts
    /// and lists, each counted when the task is copied out of this class).
    let reference: TaskReference
    let scene: String
    /// The goal checks of the task when the world was made for it (compiled once per task, and
    /// kept here rather than asked of the world's task facts per line); nil otherwise.
    let ownChecks: GoalCheck.OwnChecks?

    init(task: BenchmarkTask, world: World) {
        self.task = task
        self.world = world
        let isOwnTask = world.isMade(for: task)
        // The task's key-action strings (the world's, built once, when it was made for this task).
        let keyActions = isOwnTask ? world.taskKeyActionTexts : task.keyActionTexts
        scoredKeyActions = keyActions.filter(ReferenceMetric.isScored)
        reference = TaskReference(taskType: task.taskType, taskName: task.taskName, keyActions: keyActions)
        scene = task.scene
        ownChecks = isOwnTask ? GoalCheck.OwnChecks(of: world) : nil
    }
}

/// `EpisodeStart`s by the identity a line names, made on a line's first use. The store's lookup
/// and the world source answer the same for the same identity, so asking them once per identity
/// instead of once per line changes nothing but the cost: a lock and one hash instead of two
/// locks, two hashes, a copy of the task and three comparisons of it with the world's. A lookup
/// that finds nothing or a world that cannot be made is not kept: every line naming it reports
/// it, as before. Several texts name one task (`7`, `"7"`, `"007"`), so the number of identities
/// is not bounded by the store's tasks: past `limit` the kept ones are dropped and made again
/// (memory does not grow with the input). Safe to use from several threads.
final class EpisodeStarts: @unchecked Sendable {
    private var starts: [TaskIdentity: EpisodeStart] = [:]
    private let lock = NSLock()
    /// Far above a benchmark's tasks (809); an entry is a few hundred bytes (the task and the
    /// world share their storage with the store's and the world source's).
    static let limit = 16_384

    func start(of identity: TaskIdentity, make: () throws -> EpisodeStart) throws -> EpisodeStart {
        lock.lock()
        let known = starts[identity]
        lock.unlock()
        if let known { return known }
        // Made outside the lock (scene loading is slow); two threads may both make one on the
        // first lines, and they make the same.
        let made = try make()
        lock.lock()
        defer { lock.unlock() }
        if let raced = starts[identity] { return raced }
        if starts.count >= Self.limit { starts.removeAll(keepingCapacity: true) }
        starts[identity] = made
        return made
    }
}

extension Grader {
    /// Replays a line in the simulator: a plan's actions or a result line's recorded actions are
    /// fed one per model call, responses are parsed as the reference does.
    func simulate(_ record: GradeRecord, from start: EpisodeStart) throws -> (TaskMetrics, SimulationDetails) {
        var runner = EpisodeRunner(world: start.world, taskType: start.reference.taskType)
        var outputs = Self.policyOutputs(record)
        outputs.reverse()
        // init, at most one entry per output, and the final end; capped so that a line of a
        // million actions (ended early by the budget) reserves no more than a plan needs.
        runner.reserveSteps(min(outputs.count, 64) + 2)
        runner.run { outputs.popLast() }
        // The steps are read in place; the metric spells out legal objects only on `end`
        // entries of single_search tasks.
        let metrics = try ReferenceMetric.evaluate(entries: runner.steps, task: start.reference, scored: start.scoredKeyActions)
        let goal = start.ownChecks?.report(in: runner.world) ?? GoalCheck.report(for: start.task, in: runner.world)
        let details = SimulationDetails(steps: runner.steps, goal: goal, endReason: runner.endReason)
        return (metrics, details)
    }

    /// What a line feeds the episode loop, one output per model call: a plan's actions, a
    /// response line's responses, or a result line's recorded actions after init (its recorded
    /// flags ignored). Simulate and live mode feed the same.
    public static func policyOutputs(_ record: GradeRecord) -> [PolicyOutput] {
        switch record {
        case .plan(_, let actions, _): actions.map(PolicyOutput.planStep)
        case .responses(_, let responses, _): responses.map(PolicyOutput.response)
        case .result(let result):
            result.trajectory.dropFirst().map { entry in
                .planStep(entry.object.map { "\(entry.action) \($0)" } ?? entry.action)
            }
        }
    }

    /// The reference metric of an executed episode.
    public static func score(_ steps: [EpisodeStep], task: BenchmarkTask, keyActions: [String]? = nil) throws -> TaskMetrics {
        let keyActions = keyActions ?? task.keyActionTexts
        return try ReferenceMetric.evaluate(
            entries: steps, task: TaskReference(taskType: task.taskType, taskName: task.taskName, keyActions: keyActions),
            scored: keyActions.filter(ReferenceMetric.isScored))
    }
}
