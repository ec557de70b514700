import ArgumentParser
import ThorJSON
import ThorStore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what the store holds: scenes, objects, receptacle links, tasks per type, poses, frames.",
        discussion: """
            --json prints {"scenes", "objects", "receptacle_links", "tasks", "task_types", "agent_poses", "frames"} with keys sorted, for scripts:
              thor-lite info --json |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"])'
            """)

    @Flag(help: "Machine-readable JSON.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let counts = try store.counts()
            if json {
                try printJSON(.object([
                    "scenes": .int(counts.scenes), "objects": .int(counts.objects), "receptacle_links": .int(counts.receptacleLinks),
                    "tasks": .int(counts.tasks), "task_types": .object(counts.taskTypes.mapValues(JSONValue.int)),
                    "agent_poses": .int(counts.agentPoses), "frames": .int(counts.frames),
                ]))
                return
            }
            try Output.print("store             \(store.path) (schema v\(try store.schemaVersion))")
            if let source = try store.importedSource() { try Output.print("imported from     \(source)") }
            try Output.print("scenes            \(counts.scenes)")
            try Output.print("objects           \(counts.objects)")
            try Output.print("receptacle links  \(counts.receptacleLinks)")
            try Output.print("tasks             \(counts.tasks)")
            let width = counts.taskTypes.keys.map(\.count).max() ?? 0
            for (type, count) in counts.taskTypes.sorted(by: { $0.key < $1.key }) {
                try Output.print("  \(type.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)")
            }
            try Output.print("agent poses       \(counts.agentPoses)")
            try Output.print("frames            \(counts.frames)")
        }
    }
}
