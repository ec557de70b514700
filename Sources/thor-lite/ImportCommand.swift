import ArgumentParser
import Foundation
import ThorStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Index an Embodied-Reasoner checkout (scenes, objects, containment, tasks, poses) into the store.",
        discussion: """
            Reads, from the checkout directory:
              data_engine/taskgenerate/<room>/FloorPlanN/metadata.json and originPos.json
              data/test_809.json        (or --tasks FILE, a task file of the same shape)
              data/agent_positions.json

            Everything is read, checked and written in one transaction: on any error nothing is written and an existing store keeps its previous contents. Importing again replaces the benchmark data (recorded frames are kept).

            Examples:
              thor-lite import ../shared/embodied_reasoner
              thor-lite import fixtures/upstream --store /tmp/mini.sqlite
              thor-lite import ~/Embodied-Reasoner --tasks ~/my_tasks.json
              thor-lite import ~/Embodied-Reasoner --tasks <(jq '.[:50]' ~/Embodied-Reasoner/data/test_809.json)
            """)

    @Argument(help: ArgumentHelp("Checkout directory (holds data/ and data_engine/).", valueName: "checkout"))
    var checkout: String

    @Option(help: ArgumentHelp("Task file to import instead of data/test_809.json (a pipe or FIFO is read too).", valueName: "file"))
    var tasks: String?

    @Flag(name: .shortAndLong, help: "No progress and no summary line.")
    var quiet = false

    @OptionGroup var storeOptions: StoreOptions

    @Sendable static func drawProgress(stage: String, done: Int, total: Int) {
        writeStandardError("\rreading \(stage) \(done)/\(total)   ")
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let reader = UpstreamReader(
                root: URL(fileURLWithPath: checkout), tasksFile: tasks.map { URL(fileURLWithPath: $0) })
            let showProgress = !quiet && standardErrorIsTerminal
            let path = storeOptions.resolvedPath
            let storeExisted = FileManager.default.fileExists(atPath: path)
            let dataset: UpstreamDataset
            let counts: StoreCounts
            do {
                let store = try ThorStore(path: path, create: true)
                dataset = try store.importCheckout(reader, progress: showProgress ? Self.drawProgress : nil)
                counts = try store.counts()
            } catch {
                // A failed first import leaves no empty store behind; an existing one is untouched.
                if !storeExisted {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                }
                if showProgress { writeStandardError("\r\u{1B}[K") }
                throw error
            }
            if showProgress { writeStandardError("\r\u{1B}[K") }
            for warning in dataset.warnings {
                writeStandardError("warning: \(warning)\n")
            }
            guard !quiet else { return }
            let warnings = dataset.warnings.count
            try Output.print("imported \(counts.scenes) scenes, \(counts.objects) objects, \(counts.receptacleLinks) receptacle links, "
                + "\(counts.tasks) tasks (\(counts.taskTypes.count) types), \(counts.agentPoses) agent poses"
                + (warnings == 0 ? "" : ", \(warnings) warning\(warnings == 1 ? "" : "s")")
                + " into \(path) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}
