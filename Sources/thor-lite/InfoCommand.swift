import ArgumentParser
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
                try printJSON([
                    "scenes": counts.scenes, "objects": counts.objects, "receptacle_links": counts.receptacleLinks,
                    "tasks": counts.tasks, "task_types": counts.taskTypes, "agent_poses": counts.agentPoses,
                    "frames": counts.frames,
                ] as [String: Any])
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
