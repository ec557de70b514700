import Foundation
import ThorModel
import ThorSim

/// How `grade` turns a line into a trajectory.
public enum GradeMode: String, Sendable, CaseIterable {
    /// Trust the recorded `success` and `legal_objects`: the reference metric, exactly.
    case recorded
    /// Re-execute the actions in the symbolic simulator.
    case simulate
    /// Execute the actions on real AI2-THOR through the bridge (`ThorLive.LiveGrader`), with the
    /// simulator as a shadow; `Grader` itself does not run it.
    case live
}

/// Grades parsed lines: looks up what a line omits, computes the reference metrics, and collects
/// the lines it cannot grade with their reasons.
public struct Grader {
    public var mode: GradeMode
    /// The store's tasks, asked only for lines that omit tasktype, taskname or key_actions.
    /// Called from several threads at once.
    public var lookup: @Sendable (TaskIdentity) throws -> BenchmarkTask? { didSet { episodes = EpisodeStarts() } }

    /// Scenes for simulate mode.
    public var worlds: WorldSource? { didSet { episodes = EpisodeStarts() } }

    /// Simulate mode's task and starting world per identity, shared by the copies of this grader
    /// on the worker threads (emptied when `lookup` or `worlds` changes).
    private(set) var episodes = EpisodeStarts()

    public init(mode: GradeMode, lookup: @escaping @Sendable (TaskIdentity) throws -> BenchmarkTask?, worlds: WorldSource? = nil) {
        self.mode = mode
        self.lookup = lookup
        self.worlds = worlds
    }

    /// Grades parsed lines; the report keeps input order.
    public func grade(_ lines: [(LineSource, Result<GradeRecord, GradeIssue>)]) -> GradeReport {
        GradeReport(outcomes: lines.map { grade($1, source: $0) })
    }

    /// Reads and grades one input file on all cores, line by line, without keeping trajectories.
    public func grade(_ data: Data, file: String, wholeFile: Bool = false) -> GradeReport {
        var report = GradeReport()
        grade(GradeInput(source: .memory(data), name: file, isWholeDocument: wholeFile)) { report.add($0) }
        return report
    }

    /// Reads and grades one input in bounded chunks on all cores; `consume` receives each line's
    /// outcome in input order, then a problem with the input as a whole (cannot open, read error)
    /// if there was one. Memory does not grow with the input (see `GradeInputStream`).
    public func grade(_ input: GradeInput, chunkSize: Int = GradeInputReader.defaultChunkSize, consume: (Result<GradedTask, GradeIssue>) -> Void) {
        stream(input, chunkSize: chunkSize, reduce: { ($0, nil) }) { outcome, _ in consume(outcome) }
    }

    /// As `grade(_:chunkSize:consume:)` for a consumer that only tallies (`grade`'s): each graded
    /// line is reduced to a `GradedLine` on the worker thread that graded it, and when
    /// `renderingPerTask` is set its `--per-task` line (newline-terminated) is rendered there too,
    /// so rendering runs on all cores rather than in the one consumer that passes lines on in
    /// order. The line's steps are freed on the thread that allocated them: passed on whole, each
    /// `GradedTask` was copied twice and freed by the passing thread, in the other thread's
    /// allocator arena, under its lock.
    public func grade(
        _ input: GradeInput, chunkSize: Int = GradeInputReader.defaultChunkSize, renderingPerTask: Bool,
        tallying consume: (Result<GradedLine, GradeIssue>, [UInt8]?) -> Void
    ) {
        stream(input, chunkSize: chunkSize, reduce: { task in (GradedLine(task), renderingPerTask ? PerTaskRendering(task) : nil) },
               consume: consume)
    }

    /// Grades `input` on all cores; `reduce` turns each graded line into what `consume` receives
    /// (on the worker thread that graded it), in input order with absolute line numbers.
    private func stream<Line: SourcedLine>(
        _ input: GradeInput, chunkSize: Int, reduce: @escaping @Sendable (GradedTask) -> (Line, PerTaskRendering?),
        consume: (Result<Line, GradeIssue>, [UInt8]?) -> Void
    ) {
        let grader = UncheckedSendable(self)
        let failure = GradeInputStream.forEachLine(of: input, chunkSize: chunkSize, transform: { source, parsed in
            switch grader.value.grade(parsed, source: source) {
            case .success(let task):
                let (line, rendering) = reduce(task)
                return (Result<Line, GradeIssue>.success(line), rendering)
            case .failure(let issue): return (.failure(issue), nil)
            }
        }, relocate: { (item: inout (Result<Line, GradeIssue>, PerTaskRendering?), base) in
            switch item.0 {
            case .success(var line):
                line.source.line += base
                item.1?.relocate(toLine: line.source.line)
                item.0 = .success(line)
            case .failure(var issue):
                issue.source.line += base
                item.0 = .failure(issue)
            }
        }, consume: { consume($0.0, $0.1?.bytes) })
        if let failure { consume(.failure(failure), nil) }
    }

    func grade(_ parsed: Result<GradeRecord, GradeIssue>, source: LineSource) -> Result<GradedTask, GradeIssue> {
        parsed.flatMap { record in
            do {
                return .success(try grade(record, source: source))
            } catch let issue as GradeIssue {
                return .failure(issue)
            } catch {
                return .failure(GradeIssue(source: source, reason: "\(error)"))
            }
        }
    }

    func grade(_ record: GradeRecord, source: LineSource) throws -> GradedTask {
        switch (record, mode) {
        case (.result(let result), .recorded):
            let (reference, scene) = try resolve(result, source: source)
            guard reference.keyActions.contains(where: ReferenceMetric.isScored) else {
                throw GradeIssue(source: source, reason: "key_actions has no scored action (the reference always ends them with \"end\")")
            }
            return GradedTask(
                source: source, identity: result.identity, model: result.model ?? "unknown",
                taskType: reference.taskType, scene: scene,
                metrics: try ReferenceMetric.evaluate(result.trajectory, task: reference), lineKeyActions: result.keyActions)
        case (.plan, .recorded), (.responses, .recorded):
            throw GradeIssue(source: source, reason: "plan and response lines have no recorded trajectory: grade them with --mode simulate")
        case (_, .live):
            throw GradeIssue(source: source, reason: "live mode runs tasks one at a time on AI2-THOR: use thor-lite grade --mode live")
        case (_, .simulate):
            guard let worlds else { throw GradeIssue(source: source, reason: "simulate mode needs a store with the task's scene") }
            let start = try episodes.start(of: record.identity) {
                guard let task = try lookup(record.identity) else {
                    throw GradeIssue(source: source, reason: "task \(record.identity) is not in the store (simulate mode needs its scene)")
                }
                return EpisodeStart(task: task, world: try worlds.world(for: task))
            }
            let task = start.task
            let (metrics, details) = try simulate(record, from: start)
            var model: String?
            switch record {
            case .result(let result): model = result.model
            case .plan(_, _, let m), .responses(_, _, let m): model = m
            }
            return GradedTask(
                source: source, identity: record.identity, model: model ?? "unknown", taskType: task.taskType,
                scene: task.scene, metrics: metrics, simulation: details)
        }
    }

    /// The line's own tasktype/taskname/key_actions where present, the store's otherwise.
    func resolve(_ result: RecordedResult, source: LineSource) throws -> (TaskReference, String?) {
        if let taskType = result.taskType, let taskName = result.taskName, let keys = result.keyActions {
            return (TaskReference(taskType: taskType, taskName: taskName, keyActions: keys), result.scene)
        }
        guard let task = try lookup(result.identity) else {
            throw GradeIssue(source: source, reason: "task \(result.identity) is not in the store and the line does not carry tasktype, taskname and key_actions")
        }
        return (TaskReference(
            taskType: result.taskType ?? task.taskType, taskName: result.taskName ?? task.taskName,
            keyActions: result.keyActions ?? task.keyActionTexts), result.scene ?? task.scene)
    }
}

/// A graded line that knows its input line, made absolute when its chunk is passed on.
protocol SourcedLine: Sendable {
    var source: LineSource { get set }
}

extension GradedTask: SourcedLine {}
extension GradedLine: SourcedLine {}
