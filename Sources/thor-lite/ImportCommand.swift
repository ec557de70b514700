import ArgumentParser
import Foundation
import ThorStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Index an Embodied-Reasoner checkout (scenes, objects, containment, tasks, poses) into the store.",
        discussion: """
            Reads, from the checkout directory:
              data_engine/taskgenerate/<room>/FloorPlanN/metadata.json and originPos.json
              data/test_809.json        (or --tasks FILE, a task file of the same shape)
              data/agent_positions.json

            Everything is parsed and checked first, then written in one transaction: on any error
            nothing is written and an existing store keeps its previous contents. Importing again
            replaces the benchmark data (recorded frames are kept).

            Examples:
              thor-lite import ../shared/embodied_reasoner
              thor-lite import fixtures/upstream --store /tmp/mini.sqlite
              thor-lite import ~/Embodied-Reasoner --tasks ~/my_tasks.json
            """)

    @Argument(help: ArgumentHelp("Checkout directory (holds data/ and data_engine/).", valueName: "checkout"))
    var checkout: String

    @Option(help: ArgumentHelp("Task file to import instead of data/test_809.json.", valueName: "file"))
    var tasks: String?

    @Flag(name: .shortAndLong, help: "No progress and no summary line.")
    var quiet = false

    @OptionGroup var storeOptions: StoreOptions

    @Sendable static func drawProgress(stage: String, done: Int, total: Int) {
        FileHandle.standardError.write(Data("\rreading \(stage) \(done)/\(total)   ".utf8))
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let root = URL(fileURLWithPath: checkout)
            let reader = UpstreamReader(root: root, tasksFile: tasks.map { URL(fileURLWithPath: $0) })
            let showProgress = !quiet && standardErrorIsTerminal
            let progress: UpstreamReader.Progress? = showProgress ? Self.drawProgress : nil
            let dataset = try reader.read(progress: progress)
            if showProgress { FileHandle.standardError.write(Data("\rwriting store...            ".utf8)) }
            let store = try ThorStore(path: storeOptions.resolvedPath, create: true)
            try store.replaceBenchmark(with: dataset, source: root.standardizedFileURL.path)
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            for warning in dataset.warnings {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            guard !quiet else { return }
            let counts = try store.counts()
            let seconds = Date().timeIntervalSince(started)
            print("imported \(counts.scenes) scenes, \(counts.objects) objects, \(counts.receptacleLinks) receptacle links, "
                + "\(counts.tasks) tasks (\(counts.taskTypes.count) types), \(counts.agentPoses) agent poses"
                + (dataset.warnings.isEmpty ? "" : ", \(dataset.warnings.count) warning\(dataset.warnings.count == 1 ? "" : "s")")
                + " into \(store.path) in \(String(format: "%.2f", seconds)) s")
        }
    }
}
