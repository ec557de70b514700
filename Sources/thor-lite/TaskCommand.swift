import ArgumentParser
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

    static func json(_ task: BenchmarkTask, poses: [String: ApproachPose]) -> [String: Any] {
        let identity: Any = switch task.identity {
        case .int(let value): value
        case .string(let value): value
        }
        return [
            "identity": identity, "scene": task.scene, "tasktype": task.taskType,
            "instruction_idx": task.instructionIndex, "taskname": task.taskName, "taskquery": task.taskQuery,
            "key_actions": task.keyActionTexts,
            "actions": task.keyActions.map { action -> [String: Any] in
                var dict: [String: Any] = [
                    "action": action.action, "objectId": action.objectId, "objectType": action.objectType,
                    "baseaction": action.baseAction, "reward": action.reward, "relatedObject": action.relatedObjects,
                ]
                if let pose = poses[action.objectId] { dict["agent_pose"] = SceneJSON.pose(pose.pose) }
                return dict
            },
            "target_objects": task.targetObjects, "related_objects": task.relatedObjects,
            "navigable_objects": task.navigableObjects,
        ]
    }
}
