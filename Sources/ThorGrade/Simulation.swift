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

extension Grader {
    /// Replays a line in the simulator: a plan's actions or a result line's recorded actions are
    /// fed one per model call, responses are parsed as the reference does.
    func simulate(_ record: GradeRecord, task: BenchmarkTask, worlds: WorldSource) throws -> (TaskMetrics, SimulationDetails) {
        let world = try worlds.world(for: task)
        var runner = EpisodeRunner(world: world, taskType: task.taskType)
        var outputs = Self.policyOutputs(record)
        outputs.reverse()
        // init, at most one entry per output, and the final end; capped so that a line of a
        // million actions (ended early by the budget) reserves no more than a plan needs.
        runner.reserveSteps(min(outputs.count, 64) + 2)
        runner.run { outputs.popLast() }
        // The world's key-action strings when it was made for this task (built once per task).
        let keyActions = world.isMade(for: task) ? world.taskKeyActionTexts : task.keyActionTexts
        let metrics = try Self.score(runner.steps, task: task, keyActions: keyActions)
        let details = SimulationDetails(steps: runner.steps, goal: GoalCheck.report(for: task, in: runner.world), endReason: runner.endReason)
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
        // The metric reads legal objects only on `end` entries of single_search tasks: the others
        // are not spelled out.
        let readsLegal = task.taskType.sameCodePoints(as: "single_search")
        let trajectory = steps.map {
            TrajectoryEntry(action: $0.action, object: $0.object, success: $0.success,
                            legalObjects: readsLegal && $0.action.containsBytes(of: "end") ? $0.legalObjects : [])
        }
        return try ReferenceMetric.evaluate(
            trajectory, task: TaskReference(taskType: task.taskType, taskName: task.taskName, keyActions: keyActions ?? task.keyActionTexts))
    }
}
