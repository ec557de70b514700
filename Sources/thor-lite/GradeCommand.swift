import ArgumentParser
import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Compute the Embodied-Reasoner reference metrics for model outputs.",
        discussion: """
            Input: JSON-lines files, - (standard input) or pipes, or run directories (every result.json below them; an entry that cannot be read is reported and the rest graded). Each line is detected by its fields:
              result line    {"identity", "trajectory": [...], "tasktype"?, "taskname"?,
                              "key_actions"?, "model"?}
                             the reference's per-task result (what it writes to
                             result.json)
              plan line      {"identity", "actions":
                              ["navigate to Fridge", "open Fridge", ...]}
              response line  {"identity", "responses":
                              ["...<DecisionMaking>open fridge</DecisionMaking>", ...]}
            A result line missing tasktype, taskname or key_actions is completed from the store.

            Modes:
              simulate   (default) re-execute the actions in the symbolic simulator;
                         per-task lines add the steps with error kinds and a goal-state
                         check
              recorded   trust the recorded success and legal_objects; the reference's
                         numbers exactly
              live       execute on real AI2-THOR through the bridge, one task at a
                         time, the simulator as a shadow: simulate mode's outputs,
                         plus --record DIR (reference run layout), --resume and
                         --divergence FILE (docs/live-mode.md)

            Output: a table on stdout (--format json|csv for scripts, er-csv for the reference's result.csv); --per-task FILE writes one JSON line per graded line in input order, as it is graded; --summary FILE writes overall, category, task-type and per-model blocks plus the lines that were not graded. JSON values are unrounded. Nothing per line is kept, so memory does not grow with the input.

            Sharded evaluation: grade each shard with --per-task, then `thor-lite merge` the per-task files for the reports one run would give (see merge --help).

            Warnings: a key action the reference metric can never match (an action outside the vocabulary such as `pick up Apple` or `put in Fridge`, an empty object type, a type the task's scene lacks) means the task can never reach success 1; grade reports each on stderr once per task (file, line, task, key action, why) and lists them in the summary's key_action_warnings. `thor-lite tasks --check` lists them for the store's tasks.

            Exit status: 0 every line graded, 1 some lines not graded (each reported on stderr with file, line and reason), 2 usage error.

            Examples:
              thor-lite grade plans.jsonl --per-task per_task.jsonl
              thor-lite grade --mode recorded results.jsonl
              thor-lite grade --mode recorded runs/ --per-task per_task.jsonl \\
                --summary summary.json
              thor-lite grade --mode recorded results.jsonl --format csv > metrics.csv
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
        /// The reference's result.csv, column for column.
        case erCSV = "er-csv"
    }

    @Argument(help: ArgumentHelp("Results files (JSON lines; - for standard input) or run directories.", valueName: "input"))
    var inputs: [String]

    @Option(help: ArgumentHelp("simulate (default), recorded, or live.", valueName: "mode"))
    var mode: GradeMode = .simulate

    @Option(help: "Standard output format: table, json, csv, or er-csv (the reference's result.csv, column for column).")
    var format: Format = .table

    @Flag(help: "With several models, add a table section pooling all their lines (off: a pooled average of different models answers no comparison; see compare).")
    var pooled = false

    @Option(name: .customLong("per-task"), help: ArgumentHelp("Write per-task metrics as JSON lines here.", valueName: "file"))
    var perTask: String?

    @Option(help: ArgumentHelp("Write the summary JSON here.", valueName: "file"))
    var summary: String?

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup(title: "Live mode (real AI2-THOR through the bridge; see thor-lite live --help)") var bridgeOptions: BridgeOptions

    @OptionGroup var liveOptions: LiveRunOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one results file or run directory") }
        if mode != .live && liveOptions.isUsed { throw ValidationError("--record, --resume and --divergence belong to --mode live") }
    }

    func run() throws {
        if mode == .live { return try runLive() }
        try reportingErrors {
            let (grader, catalog) = try Self.grader(mode: mode, storeOptions: storeOptions)
            var tally = GradeTally()
            var warnings = catalog.keyActionWarnings()
            let listed = try listInputs(into: &tally.issues)
            // Each outcome is folded into the reports as it arrives, in input order, and the
            // per-task lines (rendered with their line numbers on the workers that graded them)
            // are written a chunk's at a time: nothing per line is kept, so memory does not grow
            // with the input. The per-task file is opened first, so a path that cannot be written
            // stops the run before any grading.
            let perTaskSink = try perTask.map(Output.Sink.init)
            var writeFailure: Error?
            for input in listed {
                grader.grade(input, renderingPerTask: perTaskSink != nil, into: &tally, warnings: &warnings, perTask: { lines in
                    guard let sink = perTaskSink, writeFailure == nil else { return }
                    do { try sink.write(lines) } catch { writeFailure = error }
                })
            }
            if let writeFailure { throw writeFailure }
            tally.keyActionWarnings = warnings.warnings
            for warning in warnings.warnings { printError("warning: \(warning)") }
            if tally.graded == 0 && tally.issues.isEmpty {
                printError("no input lines: \(inputs.joined(separator: ", ")) \(inputs.count == 1 ? "holds" : "hold") no JSON lines to grade")
                throw ExitCode(1)
            }
            try perTaskSink?.finish()
            try finish(&tally, catalog: catalog)
        }
    }

    /// Reports the lines not graded, adds coverage and provenance, writes the summary and the
    /// standard-output report; exit status 1 when some line was not graded.
    func finish(_ tally: inout GradeTally, catalog: StoreCatalog) throws {
        for issue in tally.issues { printError("not graded: \(issue)") }
        let storeTasks = catalog.identities()
        if let storeTasks { tally.finishCoverage(storeTasks: storeTasks) }
        tally.provenance = GradeProvenance(
            version: ThorLiteVersion.current, mode: mode.rawValue, store: storeTasks == nil ? nil : storeOptions.resolvedPath, inputs: inputs)
        try Self.write(tally, summary: summary, format: format, pooled: pooled)
        if !tally.issues.isEmpty { throw ExitCode(1) }
    }

    /// The summary file and the standard-output report, from a grading run or a merge.
    static func write(_ tally: GradeTally, summary: String?, format: Format, pooled: Bool) throws {
        let totals = tally.totals
        if let summary { try Output.write(Array((ReportWriters.summary(tally, totals).pretty + "\n").utf8), to: summary) }
        switch format {
        case .table: try Output.print(ReportWriters.table(tally, totals, pooled: pooled), terminator: "")
        case .json: try Output.print(ReportWriters.summary(tally, totals).pretty)
        case .csv: try Output.print(ReportWriters.csv(tally, totals), terminator: "")
        case .erCSV: try Output.print(tally.referenceCSVText, terminator: "")
        }
    }

    /// Every argument is listed before anything is read: a missing path is a usage error with
    /// nothing graded; unreadable run-directory entries are reported per entry.
    func listInputs(into issues: inout [GradeIssue]) throws -> [GradeInput] {
        var listed: [GradeInput] = []
        for argument in inputs {
            do {
                let listing = try GradeInputReader.inputs(at: argument)
                listed += listing.inputs
                issues += listing.issues
            } catch let error as GradeInputError {
                throw CLIError.usage(error.description)
            }
        }
        return listed
    }
}

extension Grade {
    /// A grader for `mode` and the catalog it looks tasks up in. Simulate mode needs the store's
    /// scenes, so a missing store is a usage error there; recorded mode opens the store only if a
    /// line lacks its task fields.
    static func grader(mode: GradeMode, storeOptions: StoreOptions) throws -> (Grader, StoreCatalog) {
        var worlds: StoreWorlds?
        if mode == .simulate {
            do {
                worlds = try StoreWorlds(store: storeOptions.openForReading())
            } catch let error as CLIError {
                throw CLIError.usage("simulate mode replays tasks on their scenes: \(error.description)")
            }
        }
        let catalog = StoreCatalog(store: worlds?.store) { try storeOptions.openForReading() }
        return (Grader(mode: mode, lookup: catalog.task, worlds: worlds), catalog)
    }
}

extension GradeMode: ExpressibleByArgument {}

/// Task lookups for lines that omit tasktype/taskname/key_actions (and every simulated line): the
/// store is opened on the first lookup; the first few distinct identities are read one by one, so
/// a small input does not read the whole task table at start, and beyond them all tasks are read
/// at once. Safe to call from the grader's worker threads.
final class StoreCatalog: @unchecked Sendable {
    private var store: ThorStore?
    private let open: () throws -> ThorStore
    private var tasks: [TaskIdentity: BenchmarkTask]?
    /// The store's identities in task-file order, kept when the tasks are read so the coverage
    /// does not read them a second time.
    private var ordered: [TaskIdentity]?
    /// Identities looked up one by one so far, with what they found.
    private var lookedUp: [TaskIdentity: BenchmarkTask?] = [:]
    /// Distinct identities read one by one before the whole table is read instead.
    static let singleLookups = 64
    private let lock = NSLock()

    /// `store` when one is open already, else `open` on the first lookup.
    init(store: ThorStore?, open: @escaping () throws -> ThorStore) {
        self.store = store
        self.open = open
    }

    /// The store's task identities in task-file order, or nil when there is no store to ask.
    func identities() -> [TaskIdentity]? {
        lock.lock()
        defer { lock.unlock() }
        if let ordered { return ordered }
        if store == nil { store = try? open() }
        return try? store?.taskIdentities()
    }

    /// Warnings for key actions that can never match, checked against this catalog's tasks and
    /// scenes (the scenes' types are read on the first check).
    func keyActionWarnings() -> KeyActionWarnings {
        var types: [String: Set<String>?] = [:]
        return KeyActionWarnings(
            sceneTypes: { [self] scene in
                if let known = types[scene] { return known }
                let read = lock.withLock {
                    if store == nil { store = try? open() }
                    return (try? store?.objectTypes(inScene: scene)) ?? nil
                }
                types[scene] = read
                return read
            },
            storeKeyActions: { [self] identity in (try? task(identity))?.keyActionTexts })
    }

    /// The task with this identity, else the one its text parses to (a string "7" finds task 7);
    /// the first in task-file order where the store holds several.
    func task(_ identity: TaskIdentity) throws -> BenchmarkTask? {
        lock.lock()
        defer { lock.unlock() }
        if let tasks { return tasks[identity] ?? tasks[TaskIdentity(parsing: identity.description)] }
        if let known = lookedUp[identity] { return known }
        let store = try self.store ?? open()
        self.store = store
        let parsed = TaskIdentity(parsing: identity.description)
        if lookedUp.count < Self.singleLookups {
            let candidates = try store.tasks(identityTexts: Array(Set([identity.description, parsed.description])).sorted())
            let found = candidates.first { $0.identity == identity } ?? candidates.first { $0.identity == parsed }
            lookedUp[identity] = .some(found)
            return found
        }
        let all = try store.allTasks()
        var tasks = Dictionary(all.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        // The tasks handed out already stay the same values with the same storage, which the
        // simulator's per-task worlds compare quickly.
        for case let found? in lookedUp.values where tasks[found.identity] == found { tasks[found.identity] = found }
        self.tasks = tasks
        ordered = all.map(\.identity)
        lookedUp = [:]
        return tasks[identity] ?? tasks[parsed]
    }
}

/// Worlds for simulate mode from the store: each scene loaded and compiled on its first task,
/// each task's world built once (`EpisodeWorlds`).
final class StoreWorlds: WorldSource, @unchecked Sendable {
    let store: ThorStore
    private let worlds: EpisodeWorlds
    var approachPoses: [String: ApproachPose] { worlds.approachPoses }

    init(store: ThorStore) throws {
        self.store = store
        worlds = EpisodeWorlds(approachPoses: try store.approachPoses()) { try store.scene(named: $0) }
    }

    func world(for task: BenchmarkTask) throws -> World {
        do {
            return try worlds.world(for: task)
        } catch let missing as EpisodeWorlds.MissingScene {
            throw CLIError.failed(missing.description)
        }
    }
}
