import ArgumentParser
import Foundation
import ThorGrade
import ThorModel
import ThorStore

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare models or runs side by side, with bootstrap intervals and per-task flips.",
        discussion: """
            Each RUN is a per-task file written by `grade --per-task`, or anything `grade` reads (results files, plan or response files, run directories), which is graded first (--mode, as in grade). A RUN holding several models gives one column per model.

            For every run: the reference metrics with 95% bootstrap intervals (percentile, resampling tasks), success per category and task type, and from simulate mode the goal-state success and the step errors. Every run after the first is compared with the first on the tasks both graded: the mean difference of each metric with a paired bootstrap interval, and the tasks whose success flipped (won: 0 → 1, lost: 1 → 0). The intervals come from a seeded generator: the same inputs and --seed give the same numbers.

            Exit status: 0 every line read, 1 some lines could not be graded or read (each reported on stderr), 2 usage error.

            Examples:
              thor-lite compare base.per_task.jsonl tuned.per_task.jsonl \\
                --label base --label tuned
              thor-lite compare --mode recorded runs/modelA runs/modelB --format markdown
              thor-lite compare results_all_models.jsonl --format json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, markdown
    }

    @Argument(help: ArgumentHelp("Per-task files, results files or run directories: one run each.", valueName: "run"))
    var runs: [String]

    @Option(name: .customLong("label"), help: ArgumentHelp("A name for each run, in order (default: the model name).", valueName: "name"))
    var labels: [String] = []

    @Option(help: ArgumentHelp("How runs that are not per-task files are graded: simulate (default) or recorded.", valueName: "mode"))
    var mode: GradeMode = .simulate

    @Option(help: "Output format: table, json, csv or markdown.")
    var format: Format = .table

    @Option(help: "Bootstrap resamples.")
    var resamples: Int = 2000

    @Option(help: "Seed of the bootstrap generator.")
    var seed: UInt64 = 1

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run") }
        guard labels.isEmpty || labels.count == runs.count else {
            throw ValidationError("give one --label per run (\(runs.count)), or none")
        }
        guard (1...1_000_000).contains(resamples) else { throw ValidationError("--resamples must be between 1 and 1000000") }
        guard mode != .live else { throw ValidationError("compare grades with simulate or recorded; run tasks live with grade --mode live --per-task FILE and compare the files") }
    }

    func run() throws {
        try reportingErrors {
            var issues: [GradeIssue] = []
            var compared: [(argument: String, label: String?, model: String, tasks: [ComparedTask])] = []
            var grader: Grader?
            for (index, argument) in runs.enumerated() {
                var byModel: [(model: String, tasks: [ComparedTask])] = []
                func add(_ model: String, _ task: ComparedTask) {
                    if let slot = byModel.firstIndex(where: { $0.model == model }) {
                        byModel[slot].tasks.append(task)
                    } else {
                        byModel.append((model, [task]))
                    }
                }
                if try isPerTaskFile(argument) {
                    // Read in bounded chunks: only the small per-task values are kept.
                    let failure = PerTaskLines.forEachRecord(inFile: argument) { _, record in
                        switch record {
                        case .success(let record): add(record.line.model, ComparedTask(record.line))
                        case .failure(let issue): issues.append(issue)
                        }
                    }
                    if let failure { issues.append(failure) }
                } else {
                    if grader == nil { grader = try Grade.grader(mode: mode, storeOptions: storeOptions).0 }
                    let listing: GradeInputListing
                    do {
                        listing = try GradeInputReader.inputs(at: argument)
                    } catch let error as GradeInputError {
                        throw CLIError.usage(error.description)
                    }
                    issues += listing.issues
                    for input in listing.inputs {
                        grader?.grade(input) { outcome in
                            switch outcome {
                            case .success(let task): add(task.model, ComparedTask(task))
                            case .failure(let issue): issues.append(issue)
                            }
                        }
                    }
                }
                if byModel.isEmpty { printError("\(argument): no graded tasks") }
                for (model, tasks) in byModel {
                    compared.append((argument, labels.isEmpty ? nil : labels[index], model, tasks))
                }
            }
            for issue in issues { printError("not read: \(issue)") }
            guard !compared.isEmpty else { throw CLIError.failed("nothing to compare: no run has a graded task") }
            let comparison = Comparison(runs: Self.label(compared), resamples: resamples, seed: seed)
            switch format {
            case .table: try Output.print(comparison.table, terminator: "")
            case .markdown: try Output.print(comparison.markdown, terminator: "")
            case .csv: try Output.print(comparison.csv, terminator: "")
            case .json: try Output.print(comparison.json.pretty)
            }
            if !issues.isEmpty { throw ExitCode(1) }
        }
    }

    /// Column names: the given label (with the model when a run holds several), else the model;
    /// a name used twice gets its run's path added.
    static func label(_ runs: [(argument: String, label: String?, model: String, tasks: [ComparedTask])]) -> [ComparedRun] {
        let modelsPerArgument = Dictionary(grouping: runs, by: \.argument).mapValues(\.count)
        let names = runs.map { run in
            guard let label = run.label else { return run.model }
            return (modelsPerArgument[run.argument] ?? 1) > 1 ? "\(label)/\(run.model)" : label
        }
        let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
        return zip(runs, names).map { run, name in
            ComparedRun(label: (counts[name] ?? 1) > 1 ? "\(name) (\(run.argument))" : name, tasks: run.tasks)
        }
    }

    /// True when `argument` is a regular file of per-task lines.
    func isPerTaskFile(_ argument: String) throws -> Bool {
        var info = stat()
        guard stat(argument, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              let handle = FileHandle(forReadingAtPath: argument) else { return false }
        defer { try? handle.close() }
        return PerTaskLines.looksLikePerTask(try handle.read(upToCount: 1 << 20) ?? Data())
    }
}
