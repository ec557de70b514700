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
            // One write: a read command's start is measured in milliseconds (docs/performance.md).
            var text = "store             \(store.path) (schema v\(try store.schemaVersion))\n"
            if let source = try store.importedSource() { text += "imported from     \(source)\n" }
            text += "scenes            \(counts.scenes)\n"
            text += "objects           \(counts.objects)\n"
            text += "receptacle links  \(counts.receptacleLinks)\n"
            text += "tasks             \(counts.tasks)\n"
            let width = counts.taskTypes.keys.map(\.count).max() ?? 0
            for (type, count) in counts.taskTypes.sorted(by: { $0.key < $1.key }) {
                text += "  " + type + String(repeating: " ", count: width - type.count) + "  \(count)\n"
            }
            text += "agent poses       \(counts.agentPoses)\n"
            text += "frames            \(counts.frames)\n"
            try Output.print(text, terminator: "")
        }
    }
}
