import ArgumentParser
import Foundation
import ThorGrade
import ThorStore

struct Diverge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diverge",
        abstract: "Re-execute runs recorded by the real (Unity) evaluation and measure how far simulate mode agrees.",
        discussion: """
            Input: result.json files, JSON-lines files of results, run directories (every result.json below them, and every run.log in a directory without one), or evaluator logs. Each run's recorded actions are executed in the simulator on the run's scene; per step, Unity's success is compared with the simulator's, and the navigable (legal_locations) and interactable (legal_objects) sets are compared by type (missing, extra, Jaccard, exact). Complete runs are also scored by the reference metric on both trajectories.

            Replay modes:
              synchronised  (default) a step that failed in Unity is tried and then
                            undone, so later steps compare from the same state
              independent   every step's effects are kept, as simulate mode would run them

            The task comes from the run's own fields, completed from the store when it has the same identity on the same scene; a run whose task the store lacks is replayed without target, related and navigable objects (noted in the report).

            Output: a table on stdout (--json for the whole report); --per-step FILE writes one JSON line per compared step. Exit status: 0 every run compared, 1 some input not compared (reported on stderr), 2 usage error or no store.

            Example:
              thor-lite diverge ../shared/recorded_runs --per-step steps.jsonl
            """)

    @Argument(help: ArgumentHelp("Result files, JSON-lines files, run directories or run.log files.", valueName: "runs"))
    var inputs: [String]

    @Option(help: ArgumentHelp("synchronised (default) or independent.", valueName: "mode"))
    var replay: ReplayMode = .synchronised

    @Flag(help: "Print the whole report as JSON instead of the table.")
    var json = false

    @Option(name: .customLong("per-step"), help: ArgumentHelp("Write one JSON line per compared step here.", valueName: "file"))
    var perStep: String?

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one result file, run directory or run.log") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let catalog = StoreCatalog(store: store) { store }
            let divergence = Divergence(mode: replay, lookup: catalog.task, worlds: try StoreWorlds(store: store))
            var report = DivergenceReport(mode: replay)
            for input in inputs {
                let files: [String]
                do {
                    files = try RecordedRunReader.files(at: input)
                } catch let error as GradeInputError {
                    throw CLIError.usage(error.description)
                }
                for file in files {
                    for parsed in try RecordedRunReader.runs(inFile: file) { divergence.compare(parsed, into: &report) }
                }
            }
            for issue in report.issues { printError("not compared: \(issue)") }
            if let perStep { try Output.write(report.perStepLines, to: perStep) }
            try Output.print(json ? report.json.pretty : report.table, terminator: json ? "\n" : "")
            if !report.issues.isEmpty { throw ExitCode(1) }
        }
    }
}

extension ReplayMode: ExpressibleByArgument {}
