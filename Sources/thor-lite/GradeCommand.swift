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

            Output: a table on stdout (--format json|csv for scripts, er-csv for the reference's result.csv); --per-task FILE writes one JSON line per graded line in input order; --summary FILE writes overall, category, task-type and per-model blocks plus the lines that were not graded. JSON values are unrounded.

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

    @Option(help: ArgumentHelp("simulate (default) or recorded.", valueName: "mode"))
    var mode: GradeMode = .simulate

    @Option(help: "Standard output format: table, json, csv, or er-csv (the reference's result.csv, column for column).")
    var format: Format = .table

    @Option(name: .customLong("per-task"), help: ArgumentHelp("Write per-task metrics as JSON lines here.", valueName: "file"))
    var perTask: String?

    @Option(help: ArgumentHelp("Write the summary JSON here.", valueName: "file"))
    var summary: String?

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one results file or run directory") }
    }

    func run() throws {
        try reportingErrors {
            let (grader, catalog) = try Self.grader(mode: mode, storeOptions: storeOptions)
            var report = GradeReport()
            // Every argument is listed before anything is read: a missing path is a usage error
            // with nothing graded; unreadable run-directory entries are reported per entry.
            var listed: [GradeInput] = []
            for argument in inputs {
                do {
                    let listing = try GradeInputReader.inputs(at: argument)
                    listed += listing.inputs
                    report.issues += listing.issues
                } catch let error as GradeInputError {
                    throw CLIError.usage(error.description)
                }
            }
            for input in listed { grader.grade(input) { report.add($0) } }
            if report.tasks.isEmpty && report.issues.isEmpty {
                printError("no input lines: \(inputs.joined(separator: ", ")) \(inputs.count == 1 ? "holds" : "hold") no JSON lines to grade")
                throw ExitCode(1)
            }

            for issue in report.issues { printError("not graded: \(issue)") }
            let storeTasks = catalog.identities()
            if let storeTasks { report.coverage = Coverage.compute(report.tasks, storeTasks: storeTasks) }
            report.provenance = GradeProvenance(
                version: ThorLiteVersion.current, mode: mode.rawValue, store: storeTasks == nil ? nil : storeOptions.resolvedPath, inputs: inputs)
            if let perTask {
                try Output.write(ReportWriters.perTaskLines(report.tasks), to: perTask)
            }
            let totals = report.totals
            if let summary { try Output.write(Array((ReportWriters.summary(report, totals).pretty + "\n").utf8), to: summary) }
            switch format {
            case .table: try Output.print(ReportWriters.table(report, totals), terminator: "")
            case .json: try Output.print(ReportWriters.summary(report, totals).pretty)
            case .csv: try Output.print(ReportWriters.csv(report, totals), terminator: "")
            case .erCSV: try Output.print(ReferenceCSV.render(report.tasks), terminator: "")
            }
            if !report.issues.isEmpty { throw ExitCode(1) }
        }
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
