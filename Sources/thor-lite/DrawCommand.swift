import ArgumentParser
import Foundation
import ThorFrames
import ThorGrade
import ThorModel
import ThorSim
import ThorStore

struct Draw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draw",
        abstract: "Draw a top-down map of a scene, a task or an episode as a PNG.",
        discussion: """
            The map shows the floor with a 1 m grid, every object's footprint from its box (receptacles, closed and open doors, other objects and small pickupable objects in their own colours; open/closed and on/off in the labels), the agent's pose and field of view, and with --task the task's targets outlined in red (a target hidden in a closed receptacle is drawn and says so).

            With --plan FILE[:LINE] the episode of that line is run through the reference loop and drawn in its final state: the agent's path with numbered steps (the reference's step counter, as in frame names), failed steps in red with their cause, the held object, and a transcript beside the map. FILE is a plan, response or result line file (the first line, or LINE), a result.json or a run directory.

            Examples:
              thor-lite draw FloorPlan1 -o kitchen.png
              thor-lite draw --task 10 -o task10.png
              thor-lite draw --plan fixtures/predictions/plans.jsonl:2 -o episode.png
              run=../shared/recorded_runs/Qwen_Qwen2.5-VL-7B-Instruct
              thor-lite draw --plan $run/test_001_single_pickup_from_closerep_FloorPlan1_0
            """)

    @Argument(help: ArgumentHelp("Scene name (FloorPlanN or N); optional with --task or --plan.", valueName: "scene"))
    var scene: String?

    @Option(help: ArgumentHelp("Task identity: outline its targets.", valueName: "id"))
    var task: String?

    @Option(help: ArgumentHelp("A plan, response or result line (FILE or FILE:LINE), a result.json or a run directory: draw its episode.", valueName: "file"))
    var plan: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Output PNG (default: <scene>[-task<id>].png).", valueName: "file"))
    var output: String?

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            guard scene != nil || task != nil || plan != nil else { throw CLIError.usage("name a scene, --task or --plan") }
            let store = try storeOptions.openForReading()
            let worlds = try WorldBuilder(store: store)
            let picture: RGBImage
            let defaultName: String
            if let plan {
                let episode = try EpisodeLoader.load(plan, store: store)
                let trace = try worlds.trace(episode)
                picture = EpisodeMap.draw(trace, task: episode.task, model: episode.model, recorded: episode.recorded).image
                defaultName = "\(episode.task.scene)-task\(episode.task.identity).png"
            } else {
                let benchmarkTask = try task.map { id in
                    guard let found = try store.task(TaskIdentity(parsing: id)) else { throw CLIError.failed("no task \(id) in \(store.path)") }
                    return found
                }
                let sceneName = benchmarkTask?.scene ?? SceneName.normalise(scene ?? "")
                if let benchmarkTask, let scene, SceneName.normalise(scene) != benchmarkTask.scene {
                    throw CLIError.usage("task \(benchmarkTask.identity) is in \(benchmarkTask.scene), not \(SceneName.normalise(scene))")
                }
                let world = try worlds.world(scene: sceneName, task: benchmarkTask)
                picture = SceneMap.draw(world, EpisodeMap.content(for: benchmarkTask, world: world)).image
                defaultName = sceneName + (benchmarkTask.map { "-task\($0.identity)" } ?? "") + ".png"
            }
            let path = output ?? defaultName
            try Output.write(Array(PNG.encode(picture, level: 1)), to: path)
            try Output.print(path)
        }
    }
}

enum SceneName {
    /// `12` → `FloorPlan12`.
    static func normalise(_ name: String) -> String { name.allSatisfy(\.isNumber) && !name.isEmpty ? "FloorPlan\(name)" : name }
}

/// One episode to draw or explain: the task, what the policy said, and where it came from.
struct EpisodeSpec {
    var task: BenchmarkTask
    var outputs: [PolicyOutput]
    /// `file:line` or the run directory.
    var source: String
    var model: String?
    /// The run's own record, when the input was a run directory or result.json (responses,
    /// recorded success and feedback per step).
    var recorded: RecordedRun?
}

/// Reads plan, response, result or per-task output lines (FILE, or one line as FILE:LINE), a
/// result.json or a run directory.
enum EpisodeLoader {
    /// The episodes of `argument`, with the lines that could not be read.
    static func loadAll(_ argument: String, store: ThorStore) throws -> (episodes: [EpisodeSpec], issues: [String]) {
        var path = argument
        var lineNumber: Int?
        if !FileManager.default.fileExists(atPath: path), let colon = argument.lastIndex(of: ":"),
           let number = Int(argument[argument.index(after: colon)...]) {
            path = String(argument[..<colon])
            lineNumber = number
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError.failed("\(path): no such file or directory") }
        if isDirectory.boolValue || (path as NSString).lastPathComponent == "result.json" {
            let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
            return ([try fromRun(try RecordedRun.read(directory: directory), store: store)], [])
        }
        let data = try FileBytes.read(path)
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var episodes: [EpisodeSpec] = []
        var issues: [String] = []
        for (source, result) in GradeInputReader.parse(data, file: path) where lineNumber == nil || source.line == lineNumber {
            let label = "\(source.file):\(source.line)"
            do {
                switch result {
                case .success(let record): episodes.append(try episode(record, label: label, store: store))
                case .failure(let issue):
                    // A per-task output line of `grade` (identity + steps) is not a grading input.
                    guard source.line - 1 < lines.count, let line = PerTaskLine(Data(lines[source.line - 1])) else { throw issue }
                    episodes.append(EpisodeSpec(
                        task: try storedTask(line.identity, store: store, source: label),
                        outputs: line.actions.map(PolicyOutput.planStep), source: label, model: line.model))
                }
            } catch {
                issues.append(String(describing: error))
            }
        }
        if let lineNumber, episodes.isEmpty, issues.isEmpty { throw CLIError.failed("\(path): no line \(lineNumber)") }
        return (episodes, issues)
    }

    /// One episode: the first of `argument` (draw takes one).
    static func load(_ argument: String, store: ThorStore) throws -> EpisodeSpec {
        let (episodes, issues) = try loadAll(argument, store: store)
        guard let first = episodes.first else { throw CLIError.failed(issues.first ?? "\(argument): no episode") }
        return first
    }

    static func episode(_ record: GradeRecord, label: String, store: ThorStore) throws -> EpisodeSpec {
        switch record {
        case .plan(let identity, let actions, let model):
            return EpisodeSpec(task: try storedTask(identity, store: store, source: label), outputs: actions.map(PolicyOutput.planStep), source: label, model: model)
        case .responses(let identity, let responses, let model):
            return EpisodeSpec(task: try storedTask(identity, store: store, source: label), outputs: responses.map(PolicyOutput.response), source: label, model: model)
        case .result(let result):
            var task = try? storedTask(result.identity, store: store, source: label)
            if task == nil, let scene = result.scene {
                task = BenchmarkTask(
                    identity: result.identity, scene: scene, taskType: result.taskType ?? "", instructionIndex: 0,
                    taskName: result.taskName ?? "", taskQuery: "", keyActions: (result.keyActions ?? []).map(KeyAction.init(planText:)))
            }
            guard let task else { throw CLIError.failed("\(label): task \(result.identity) is not in the store and the line names no scene") }
            let outputs = result.trajectory.dropFirst().map { entry in PolicyOutput.planStep(entry.object.map { "\(entry.action) \($0)" } ?? entry.action) }
            return EpisodeSpec(task: task, outputs: outputs, source: label, model: result.model)
        }
    }

    /// A run directory: the store's task when it matches, else the run's own fields; the
    /// recorded responses are replayed (parsed as the reference parses them).
    static func fromRun(_ run: RecordedRun, store: ThorStore) throws -> EpisodeSpec {
        guard let scene = run.scene else { throw CLIError.failed("\(run.directory ?? run.source.file): the run names no scene") }
        let resolved = run.task(scene: scene) { try? store.task($0) }
        // The recorded actions after init, up to the final end, as simulate mode replays a result
        // line: the reference's own reading of each response (its object matcher may map
        // "move back" to "move forward"; re-parsing the text here would not).
        let entries = run.steps.filter { $0.action != "init" }.dropLast(run.steps.last?.action == "end" ? 1 : 0)
        let outputs = entries.map { step in PolicyOutput.planStep(step.object.map { "\(step.action) \($0)" } ?? step.action) }
        return EpisodeSpec(task: resolved, outputs: outputs, source: run.directory ?? run.source.file, model: run.modelFolder, recorded: run)
    }

    static func storedTask(_ identity: TaskIdentity, store: ThorStore, source: String) throws -> BenchmarkTask {
        guard let task = try store.task(identity) else { throw CLIError.failed("\(source): task \(identity) is not in the store") }
        return task
    }
}

/// Worlds for drawing and explaining, from the store (scenes compiled once).
struct WorldBuilder {
    let cache: SceneCache
    let approachPoses: [String: ApproachPose]

    init(store: ThorStore) throws {
        cache = SceneCache(store: store)
        approachPoses = try store.approachPoses()
    }

    func world(scene: String, task: BenchmarkTask?) throws -> World {
        guard let compiled = cache.scene(scene) else { throw CLIError.failed("no scene \(scene) in \(cache.store.path)") }
        return World(scene: compiled, task: task, approachPoses: approachPoses)
    }

    func trace(_ episode: EpisodeSpec) throws -> EpisodeTrace {
        EpisodeTrace(world: try world(scene: episode.task.scene, task: episode.task), taskType: episode.task.taskType, outputs: episode.outputs)
    }
}

