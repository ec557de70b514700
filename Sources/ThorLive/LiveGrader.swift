import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim

/// What one line became in live mode.
public enum LiveOutcome: Sendable {
    /// Executed on AI2-THOR: graded as simulate mode grades, compared with the shadow simulator,
    /// and recorded in `runDirectory` when recording.
    case graded(GradedTask, RunComparison, runDirectory: String?)
    /// `--resume`: the run directory already holds this task's `result.json`.
    case alreadyRecorded(runDirectory: String)
    /// Not executed, or ended by a bridge fault (the task is not recorded; the run goes on).
    case failed(GradeIssue)
}

/// Runs plan, response and result lines on live AI2-THOR, one task at a time, through the same
/// episode loop simulate mode uses. Every task is also replayed in the simulator from the same
/// states (`Divergence`, synchronised), which gives the divergence report, the error kind of each
/// failed step and the goal check. With `recordDirectory` each task is written in the reference's
/// run layout (`<dir>/<model>/<identity>_<tasktype>_<scene>_<instruction>/`: its frames, then
/// `result.json` last and atomically, so a directory with a `result.json` is a finished task).
public final class LiveGrader {
    public let connection: BridgeConnection
    let lookup: (TaskIdentity) throws -> BenchmarkTask?
    let worlds: WorldSource
    let approachPoses: [String: ApproachPose]
    public let recordDirectory: String?
    public let resume: Bool

    public init(connection: BridgeConnection, lookup: @escaping (TaskIdentity) throws -> BenchmarkTask?, worlds: WorldSource,
                approachPoses: [String: ApproachPose], recordDirectory: String?, resume: Bool) {
        self.connection = connection
        self.lookup = lookup
        self.worlds = worlds
        self.approachPoses = approachPoses
        self.recordDirectory = recordDirectory
        self.resume = resume
    }

    public func run(_ record: GradeRecord, source: LineSource) -> LiveOutcome {
        do {
            return try execute(record, source: source)
        } catch let issue as GradeIssue {
            return .failed(issue)
        } catch {
            return .failed(GradeIssue(source: source, reason: "\(error)"))
        }
    }

    func execute(_ record: GradeRecord, source: LineSource) throws -> LiveOutcome {
        guard let task = try lookup(record.identity) else {
            throw GradeIssue(source: source, reason: "task \(record.identity) is not in the store (live mode needs its scene and objects)")
        }
        let model = Self.model(of: record)
        let runDirectory = recordDirectory.map { Self.runDirectory(root: $0, model: model, task: task) }
        if let runDirectory {
            let result = (runDirectory as NSString).appendingPathComponent(GradeInput.resultFileName)
            if resume && FileManager.default.fileExists(atPath: result) { return .alreadyRecorded(runDirectory: runDirectory) }
            // A directory without result.json is an unfinished task: its frames are redone.
            try? FileManager.default.removeItem(atPath: runDirectory)
            do {
                try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            } catch {
                throw GradeIssue(source: source, reason: "cannot create the run directory \(runDirectory): \(error.localizedDescription)")
            }
        }
        let started = Date()
        let world = try worlds.world(for: task)
        let sceneObjects = Set(world.scene.scene.objects.map(\.objectId))
        let backend = LiveBackend(connection: connection, task: task, approachPoses: approachPoses.filter { sceneObjects.contains($0.key) },
                                  frameDirectory: runDirectory)
        var runner = EpisodeRunner(world: world, taskType: task.taskType)
        runner.backend = backend
        var outputs = Grader.policyOutputs(record)
        outputs.reverse()
        runner.run { outputs.popLast() }
        if let failure = runner.backendFailure {
            if let runDirectory { try? FileManager.default.removeItem(atPath: runDirectory) }
            throw GradeIssue(source: source, reason: "task \(task.identity) on \(task.scene) ended at step \(backend.replies.count + 1) (the run goes on, the task is not recorded): \(failure)")
        }

        // The shadow: the same steps in the simulator, each from the state Unity was in.
        let reference = TaskReference(task)
        var run = Self.recordedRun(runner.steps, replies: backend.replies, task: task, model: model, source: source)
        run.directory = runDirectory
        let (comparison, shadow) = Divergence.replayKeepingWorld(run, world: try worlds.world(for: task), reference: reference, mode: .synchronised)
        var steps = runner.steps
        // A failed step's kind: the wrapper's refusal, else the simulator's reason when it fails
        // too, else `unity_rejected` (Unity failed where the simulator would not).
        for compared in comparison.steps where !steps[compared.index].success && steps[compared.index].error == nil {
            steps[compared.index].error = compared.simulatedSuccess ? .unityRejected : compared.simulatedError
        }
        let metrics = try Grader.score(steps, task: task)
        let graded = GradedTask(
            source: source, identity: record.identity, model: model, taskType: task.taskType, scene: task.scene, metrics: metrics,
            simulation: SimulationDetails(steps: steps, goal: GoalCheck.report(for: task, in: shadow), endReason: runner.endReason))
        if let runDirectory {
            let document = Self.resultDocument(
                task: task, model: model, steps: steps, replies: backend.replies, metrics: metrics,
                seconds: Int(Date().timeIntervalSince(started)), runDirectory: runDirectory, bridge: connection.hello)
            let path = (runDirectory as NSString).appendingPathComponent(GradeInput.resultFileName)
            do {
                try Data((document.pretty + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw GradeIssue(source: source, reason: "cannot write \(path): \(error.localizedDescription)")
            }
        }
        return .graded(graded, comparison, runDirectory: runDirectory)
    }

    static func model(of record: GradeRecord) -> String {
        switch record {
        case .result(let result): result.model ?? "unknown"
        case .plan(_, _, let model), .responses(_, _, let model): model ?? "unknown"
        }
    }

    /// `<root>/<model, '/' as '_'>/<identity>_<tasktype>_<scene>_<instruction index>`, the
    /// reference evaluation's `save_path`.
    public static func runDirectory(root: String, model: String, task: BenchmarkTask) -> String {
        let folder = model.replacingOccurrences(of: "/", with: "_")
        let run = "\(task.identity)_\(task.taskType)_\(task.scene)_\(task.instructionIndex)"
        return ((root as NSString).appendingPathComponent(folder) as NSString).appendingPathComponent(run)
    }

    /// The live trajectory as a recorded run, for `Divergence`: executed entries carry Unity's
    /// outcome and sets; the others are the loop's.
    public static func recordedRun(_ steps: [EpisodeStep], replies: [LiveStepReply], task: BenchmarkTask, model: String, source: LineSource) -> RecordedRun {
        var recorded: [RecordedStep] = []
        for (step, reply) in zip(steps, paired(steps, replies)) {
            var entry = RecordedStep(
                response: step.response, action: step.action, object: step.object, success: step.success ? .truthy : .zero,
                feedback: step.feedback, legalLocations: step.legalLocations, legalObjects: step.legalObjects)
            if let reply {
                entry.number = reply.number
                entry.images = reply.frame.map { [($0 as NSString).lastPathComponent] } ?? []
                // Lists the wrapper did not return are not compared (as in a recorded run).
                entry.legalLocations = reply.navigable
                entry.legalObjects = reply.interactable
            }
            recorded.append(entry)
        }
        var run = RecordedRun(source: source, identity: task.identity, steps: recorded, isComplete: steps.last?.action == "end")
        run.model = model
        run.scene = task.scene
        run.taskType = task.taskType
        run.taskName = task.taskName
        run.instructionIndex = task.instructionIndex
        run.keyActions = task.keyActionTexts
        return run
    }

    /// Each entry's bridge reply: the executed entries (all but illegal actions and the loop's
    /// own `end`s) in order get the replies in order, the others nil.
    static func paired(_ steps: [EpisodeStep], _ replies: [LiveStepReply]) -> [LiveStepReply?] {
        var remaining = replies[...]
        return steps.map { step in
            guard let kind = ActionKind(rawValue: step.action), kind.isExecutable, kind != .end else { return nil }
            return remaining.popFirst()
        }
    }

    /// `result.json` in the reference's shape (evaluate.py's `test`): its fields, with `messages`
    /// empty (thor-lite drives no chat), plus `thor_lite` (the bridge's versions) and, per entry,
    /// what the bridge reported (`object_id`, `agent`, `held`, `message`, `frame_error` when a
    /// frame could not be written) and thor-lite's `error` kind. Frame paths are relative
    /// to the record root, as the reference's are to its `./data`.
    public static func resultDocument(task: BenchmarkTask, model: String, steps: [EpisodeStep], replies: [LiveStepReply], metrics: TaskMetrics,
                               seconds: Int, runDirectory: String, bridge: [String: JSONValue]) -> JSONValue {
        let runURL = URL(fileURLWithPath: runDirectory)
        let prefix = runURL.deletingLastPathComponent().lastPathComponent + "/" + runURL.lastPathComponent + "/"
        let trajectory: [JSONValue] = zip(steps, paired(steps, replies)).map { step, reply in
            var entry: [String: JSONValue] = [
                "response": .string(step.response), "action": .string(step.action),
                "object": step.object.map(JSONValue.string) ?? .null,
                "legal_locations": .array(step.legalLocations.map(JSONValue.string)),
                "legal_objects": .array(step.legalObjects.map(JSONValue.string)),
                "success": .int(step.success ? 1 : 0), "errorInfo": .string(step.feedback), "images": .null,
                "error": step.error.map { .string($0.rawValue) } ?? .null,
            ]
            if let reply {
                entry["images"] = reply.frame.map { .string(prefix + ($0 as NSString).lastPathComponent) } ?? .null
                if reply.navigable == nil { entry["legal_locations"] = .null }
                if reply.interactable == nil { entry["legal_objects"] = .null }
                entry["object_id"] = reply.objectId.map(JSONValue.string) ?? .null
                entry["agent"] = reply.agent
                entry["held"] = reply.held.map(JSONValue.string) ?? .null
                entry["message"] = .string(reply.message)
                if let frameError = reply.frameError { entry["frame_error"] = .string(frameError) }
            }
            return .object(entry)
        }
        var versions = bridge
        versions.removeValue(forKey: "ok")
        versions.removeValue(forKey: "id")
        versions["backend"] = .string("live")
        return .object([
            "identity": ReportWriters.json(task.identity), "scene": .string(task.scene), "tasktype": .string(task.taskType),
            "instruction_idx": .int(task.instructionIndex), "model": .string(model), "taskname": .string(task.taskName),
            "trajectory": .array(trajectory), "messages": .array([]),
            "key_actions": .array(task.keyActionTexts.map(JSONValue.string)), "metrics": ReportWriters.json(metrics),
            "time": .int(seconds), "maxstep": .int(TaskTypes.stepBudget(task.taskType)),
            "thor_lite": .object(versions),
        ])
    }
}
