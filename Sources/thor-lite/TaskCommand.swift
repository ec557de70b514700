import ArgumentParser
import ThorGrade
import ThorJSON
import ThorModel
import ThorStore

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Show one task: instruction, key actions (the strings the metric matches) and its objects.",
        discussion: """
            Examples:
              thor-lite task 42
              thor-lite task test_001 --json
            """)

    @Argument(help: ArgumentHelp("Task identity (an integer, or a string such as test_001).", valueName: "identity"))
    var identity: String

    @Flag(help: "Machine-readable JSON (upstream field names).")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            guard let task = try store.task(TaskIdentity(parsing: identity)) else {
                throw CLIError.failed("no task \(identity) in \(store.path) (\(try store.counts().tasks) tasks; `thor-lite info` lists the types)")
            }
            let poses = try store.approachPoses()
            if json {
                try printJSON(Self.json(task, poses: poses))
                return
            }
            try Output.print("task \(task.identity) · \(task.taskType) · \(task.scene) · instruction \(task.instructionIndex)")
            try Output.print("  taskname   \(task.taskName)")
            try Output.print("  taskquery  \(task.taskQuery)")
            try Output.print("  key actions:")
            let width = task.keyActionTexts.map(\.count).max() ?? 0
            for (index, action) in task.keyActions.enumerated() {
                let text = action.text.padding(toLength: width, withPad: " ", startingAt: 0)
                var line = "    \(index + 1). \(text)"
                if !action.objectId.isEmpty { line += "  \(action.objectId)" }
                if poses[action.objectId] != nil { line += "  (hand-set pose)" }
                try Output.print(line)
            }
            try Output.print("  target objects     \(Self.list(task.targetObjects))")
            try Output.print("  related objects    \(Self.list(task.relatedObjects))")
            try Output.print("  navigable at start \(Self.list(task.navigableObjects))")
        }
    }

    static func list(_ values: [String]) -> String { values.isEmpty ? "-" : values.joined(separator: ", ") }

    static func json(_ task: BenchmarkTask, poses: [String: ApproachPose]) -> JSONValue {
        .object([
            "identity": ReportWriters.json(task.identity), "scene": .string(task.scene), "tasktype": .string(task.taskType),
            "instruction_idx": .int(task.instructionIndex), "taskname": .string(task.taskName), "taskquery": .string(task.taskQuery),
            "key_actions": SceneJSON.strings(task.keyActionTexts),
            "actions": .array(task.keyActions.map { action in
                var fields: [String: JSONValue] = [
                    "action": .string(action.action), "objectId": .string(action.objectId), "objectType": .string(action.objectType),
                    "baseaction": .string(action.baseAction), "reward": .int(action.reward), "relatedObject": SceneJSON.strings(action.relatedObjects),
                ]
                if let pose = poses[action.objectId] { fields["agent_pose"] = SceneJSON.pose(pose.pose) }
                return .object(fields)
            }),
            "target_objects": SceneJSON.strings(task.targetObjects), "related_objects": SceneJSON.strings(task.relatedObjects),
            "navigable_objects": SceneJSON.strings(task.navigableObjects),
        ])
    }
}
