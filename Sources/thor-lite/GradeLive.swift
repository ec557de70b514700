import ArgumentParser
import Foundation
import ThorGrade
import ThorLive
import ThorStore

extension Grade {
    /// `grade --mode live`: every line runs on AI2-THOR through the bridge, one task at a time, in
    /// input order. A task the bridge fails (timeout, crash, garbage) is reported and the run goes
    /// on with a new sidecar; each finished task is recorded and its divergence lines written at
    /// once, so an interrupted run keeps everything finished.
    func runLive() throws {
        try reportingErrors {
            let store: ThorStore
            do {
                store = try storeOptions.openForReading()
            } catch let error as CLIError {
                throw CLIError.usage("live mode runs tasks on their scenes: \(error.description)")
            }
            let worlds = try StoreWorlds(store: store)
            let catalog = StoreCatalog(store: store) { store }
            if let record = liveOptions.record {
                do {
                    try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
                } catch {
                    throw CLIError.usage("--record \(record): cannot create the directory: \(error.localizedDescription)")
                }
            }
            let connection = BridgeConnection(configuration: try bridgeOptions.configuration())
            defer { connection.close() }
            let grader = LiveGrader(connection: connection, lookup: catalog.task, worlds: worlds, approachPoses: worlds.approachPoses,
                                    recordDirectory: liveOptions.record, resume: liveOptions.resume)
            var tally = GradeTally()
            // Per-task lines are written as each task finishes, as in the other modes.
            let perTaskSink = try perTask.map(Output.Sink.init)
            var divergence = DivergenceReport(mode: .synchronised)
            let stepLines = try liveOptions.divergence.map { try AppendingOutput(path: $0, append: liveOptions.resume) }
            var alreadyRecorded = 0
            var failure: Error?
            for input in try listInputs(into: &tally.issues) {
                let problem = GradeInputReader.forEachRecord(of: input) { source, parsed in
                    guard failure == nil else { return }
                    switch parsed.map({ grader.run($0, source: source) }) {
                    case .failure(let issue), .success(.failed(let issue)):
                        if let why = connection.incompatibility {
                            failure = CLIError.usage("live mode cannot run: \(why) (use the bridge of this thor-lite version)")
                            return
                        }
                        tally.add(.failure(issue))
                    case .success(.alreadyRecorded(let directory)):
                        alreadyRecorded += 1
                        printError("live: \(source.file):\(source.line): already recorded in \(directory) (--resume): skipped")
                    case .success(.graded(let task, let comparison, let directory)):
                        tally.add(.success(task))
                        var line: [UInt8] = []
                        ReportWriters.writePerTask(task, into: &line)
                        line.append(UInt8(ascii: "\n"))
                        divergence.runs.append(comparison)
                        writeStandardError("thor-lite: live: " + Self.progress(task, comparison, directory: directory) + "\n")
                        var finished = DivergenceReport(mode: .synchronised)
                        finished.runs = [comparison]
                        do {
                            try perTaskSink?.write(line)
                            try stepLines?.append(finished.perStepLines)
                        } catch {
                            failure = error
                        }
                    }
                }
                if let failure { throw failure }
                if let problem { tally.add(.failure(problem)) }
            }
            if connection.restarts > 0 { printError("live: the bridge was restarted \(connection.restarts) time\(connection.restarts == 1 ? "" : "s")") }
            if tally.graded == 0 && tally.issues.isEmpty {
                if alreadyRecorded > 0 {
                    printError("live: all \(alreadyRecorded) tasks are already recorded under \(liveOptions.record ?? ""); grade them with --mode recorded")
                    return
                }
                printError("no input lines: \(inputs.joined(separator: ", ")) \(inputs.count == 1 ? "holds" : "hold") no JSON lines to grade")
                throw ExitCode(1)
            }
            if let path = liveOptions.divergenceJSON { try Output.write(Array((divergence.json.pretty + "\n").utf8), to: path) }
            if !divergence.runs.isEmpty { writeStandardError(divergence.table) }
            try perTaskSink?.finish()
            try finish(&tally, catalog: catalog)
        }
    }

    /// One line per finished task: Unity and the simulator side by side.
    static func progress(_ task: GradedTask, _ comparison: RunComparison, directory: String?) -> String {
        let totals = DivergenceTotals([comparison])
        let agreeing = totals.bothSucceeded + totals.bothFailed
        var line = "task \(task.identity) \(task.scene ?? ""): success \(task.metrics.success), \(totals.steps) steps, "
            + "Unity and simulator agree on \(agreeing)/\(totals.steps)"
        if totals.navigable.compared > 0 {
            line += ", navigable exact \(totals.navigable.exact)/\(totals.navigable.compared), interactable exact \(totals.interactable.exact)/\(totals.interactable.compared)"
        }
        if let directory { line += "; recorded in \(directory)" }
        return line
    }
}

/// A file written piece by piece as a run goes (`-` is standard output): created or truncated
/// at the start, or appended to (`--resume`).
final class AppendingOutput {
    let path: String
    let descriptor: Int32

    init(path: String, append: Bool) throws {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
            guard descriptor >= 0 else { throw Output.failure(path, String(cString: strerror(errno))) }
        }
    }

    deinit {
        if descriptor != STDOUT_FILENO { close(descriptor) }
    }

    func append(_ bytes: [UInt8]) throws {
        try Output.write(bytes, toDescriptor: descriptor, name: path)
    }
}
