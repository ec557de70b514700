import ArgumentParser
import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

struct Tasks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List tasks, print their expert plans (--plans), or audit which plans cannot succeed (--check).",
        discussion: """
            --plans prints each task's key actions as a plan line, {"identity": 7, "actions": [...]}, the input `grade` takes: grading them in simulate mode is a quick check of the simulator and of the tasks.

            --check runs every task's key actions as a plan in the simulator and lists each task whose plan fails under AI2-THOR's rules, with the failing key action, the error kind and why (e.g. a put the placement table forbids, a StoveBurner toggle, a key action with no object type). It then lists the key actions the reference metric can never match, whatever a model does (an action outside the vocabulary such as `pick up`, `put in`, an empty object type, a type the scene lacks): such a task never reaches success 1. `grade` warns about them too. Benchmark users can exclude or fix these tasks.

            Examples:
              thor-lite tasks --type single_toggle
              thor-lite tasks --plans > expert.jsonl && thor-lite grade expert.jsonl
              thor-lite tasks --check
              thor-lite tasks --check --json > audit.json
            """)

    @Flag(help: "Audit the expert plans.")
    var check = false

    @Flag(help: "Print the expert plans as plan lines for `grade`.")
    var plans = false

    @Option(help: ArgumentHelp("Only tasks of this type.", valueName: "tasktype"))
    var type: String?

    @Flag(help: "Machine-readable JSON.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if check && plans { throw ValidationError("--check and --plans are separate jobs; give one") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let all = try store.allTasks()
            if let type, !all.contains(where: { $0.taskType == type }) {
                let known = Set(all.map(\.taskType)).sorted()
                throw CLIError.usage("unknown task type '\(type)'; the store's types are: \(known.joined(separator: ", "))")
            }
            let tasks = all.filter { type == nil || $0.taskType == type }
            if plans {
                for task in tasks {
                    try Output.print(JSONValue.object(["identity": ReportWriters.json(task.identity), "actions": .array(task.keyActionTexts.map(JSONValue.string))]).compact)
                }
                return
            }
            guard check else { return try list(tasks) }
            let poses = try store.approachPoses()
            var scenes: [String: CompiledScene] = [:]
            var problems: [PlanProblem] = []
            for task in tasks {
                if scenes[task.scene] == nil, let scene = try store.scene(named: task.scene) { scenes[task.scene] = CompiledScene(scene) }
                guard let scene = scenes[task.scene] else {
                    problems.append(PlanAudit.missingScene(task))
                    continue
                }
                if let problem = PlanAudit.check(task, world: World(scene: scene, task: task, approachPoses: poses)) {
                    problems.append(problem)
                }
            }
            // Key actions the metric can never match, whatever a model does (also warned by `grade`).
            var sceneTypes: [String: Set<String>?] = [:]
            let unmatchable = try tasks.flatMap { task in
                if sceneTypes[task.scene] == nil { sceneTypes[task.scene] = try store.objectTypes(inScene: task.scene) }
                return KeyActionCheck.unmatchable(task.keyActionTexts, sceneTypes: sceneTypes[task.scene] ?? nil, sceneName: task.scene).map { (task, $0) }
            }
            if json {
                try Output.print(JSONValue.object([
                    "tasks": .int(tasks.count), "failing": .int(problems.count),
                    "unmatchable_key_actions": .array(unmatchable.map { task, problem in
                        .object([
                            "identity": ReportWriters.json(task.identity), "tasktype": .string(task.taskType), "scene": .string(task.scene),
                            "position": .int(problem.position), "key_action": .string(problem.keyAction), "why": .string(problem.reason),
                        ])
                    }),
                    "problems": .array(problems.map { p in
                        .object([
                            "identity": ReportWriters.json(p.identity), "tasktype": .string(p.taskType), "scene": .string(p.scene),
                            "step": .int(p.step), "key_action": .string(p.keyAction), "error": .string(p.error.rawValue),
                            "why": .string(p.explanation),
                        ])
                    }),
                ]).pretty)
                return
            }
            for p in problems {
                try Output.print("\(p.identity)\t\(p.taskType)\t\(p.scene)\tstep \(p.step) '\(p.keyAction)'\t\(p.error.rawValue)\t\(p.explanation)")
            }
            try Output.print("\(problems.count) of \(tasks.count) expert plans cannot succeed; \(tasks.count - problems.count) run to the end")
            for (task, problem) in unmatchable {
                try Output.print("\(task.identity)\t\(task.taskType)\t\(task.scene)\tkey action \(problem.position) '\(problem.keyAction)'\tcan never match\t\(problem.reason)")
            }
            if !unmatchable.isEmpty {
                let count = Set(unmatchable.map(\.0.identity)).count
                try Output.print("\(unmatchable.count) key action\(unmatchable.count == 1 ? "" : "s") of \(count) task\(count == 1 ? "" : "s") can never match, so those tasks never reach success 1")
            }
        }
    }

    func list(_ tasks: [BenchmarkTask]) throws {
        if json {
            try Output.print(JSONValue.array(tasks.map { task in
                .object(["identity": ReportWriters.json(task.identity), "tasktype": .string(task.taskType),
                         "scene": .string(task.scene), "taskname": .string(task.taskName)])
            }).pretty)
            return
        }
        for task in tasks { try Output.print("\(task.identity)\t\(task.taskType)\t\(task.scene)\t\(task.taskName)") }
    }
}
