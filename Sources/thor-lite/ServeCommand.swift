import ArgumentParser
import Foundation
import ThorGrade
import ThorFrames
import ThorJSON
import ThorModel
import ThorPolicy
import ThorSim
import ThorStore

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run episodes for a policy over JSON lines on stdin/stdout.",
        discussion: """
            One JSON request per line on stdin, one JSON response per line on stdout:
              {"op": "reset", "task": 7}                     start an episode (runs init)
              {"op": "step", "action": "navigate to Fridge"} one model call with a plain action
              {"op": "step", "response": "...<DecisionMaking>open fridge</DecisionMaking>"}
              {"op": "state"}                                the observation and the trajectory so far
              {"op": "render", "path": "map.png"}            the episode map: width, height, RGB as base64 (path optional)
              {"op": "close"}                                end the session
            Responses: {"ok": true, "observation": {...}, "reward": r, "terminated": b, "truncated": b,
            "info": {...}} or {"ok": false, "error": "why"}. An "id" in a request is echoed back.
            The Python client in python/ wraps this as a Gymnasium-style environment.
            """)

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let env = try PolicyEnvironment(store: storeOptions.openExisting())
            var session = ServeSession(env: env)
            while let line = readLine(strippingNewline: true) {
                guard !line.trimmingWhitespace().isEmpty else { continue }
                let (reply, close) = session.handle(line)
                FileHandle.standardOutput.write(Data((reply.compact + "\n").utf8))
                if close { return }
            }
        }
    }
}

/// The serve protocol, request by request.
struct ServeSession {
    let env: PolicyEnvironment
    /// Completeness before the last step, for the reward (the reference's reward, step by step).
    var completeness = 0.0

    mutating func handle(_ line: String) -> (JSONValue, Bool) {
        guard let request = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            return (.object(["ok": .bool(false), "error": .string("not a JSON object")]), false)
        }
        var reply: [String: JSONValue]
        var close = false
        do {
            switch request["op"] as? String {
            case "reset":
                let identity: TaskIdentity
                switch request["task"] {
                case let number as NSNumber: identity = .int(number.intValue)
                case let text as String: identity = TaskIdentity(parsing: text)
                default: throw ServeError("reset needs \"task\": an identity")
                }
                let observation = try env.reset(task: identity)
                completeness = env.metrics?.completeness ?? 0
                reply = ["ok": .bool(true), "observation": json(observation), "info": .object(taskInfo())]
            case "step":
                let text: String
                if let action = request["action"] as? String { text = action } else if let response = request["response"] as? String { text = response } else {
                    throw ServeError("step needs \"action\" or \"response\"")
                }
                let observation = try env.step(text)
                let now = env.metrics?.completeness ?? 0
                let reward = now - completeness
                completeness = now
                var info = taskInfo()
                if env.isDone {
                    if let metrics = env.metrics { info["metrics"] = metricsJSON(metrics) }
                    info["goal_success"] = .bool(env.goalFacts.allSatisfy(\.holds))
                }
                reply = [
                    "ok": .bool(true), "observation": json(observation), "reward": .double(reward),
                    "terminated": .bool(env.isDone && env.endReason != .budgetExhausted),
                    "truncated": .bool(env.endReason == .budgetExhausted), "info": .object(info),
                ]
            case "state":
                reply = ["ok": .bool(true), "done": .bool(env.isDone), "trajectory": .array(env.steps.map(stepJSON)),
                         "frame_coverage": .object(env.frameCoverage().mapValues(JSONValue.int))]
                if let metrics = env.metrics { reply["metrics"] = metricsJSON(metrics) }
            case "render":
                reply = try render(path: request["path"] as? String)
            case "close":
                reply = ["ok": .bool(true)]
                close = true
            default:
                throw ServeError("unknown op; use reset, step, state, render or close")
            }
        } catch {
            reply = ["ok": .bool(false), "error": .string("\(error)")]
        }
        switch request["id"] {
        case let id as String: reply["id"] = .string(id)
        case let id as NSNumber where id.doubleValue == id.doubleValue.rounded(): reply["id"] = .int(id.intValue)
        case let id as NSNumber: reply["id"] = .double(id.doubleValue)
        case nil: break
        case let id?: reply["id"] = .string("\(id)")
        }
        return (.object(reply), close)
    }

    /// The episode map (`PolicyEnvironment.map()`): RGB rows as base64, and with a "path" also
    /// written there as a PNG.
    func render(path: String?) throws -> [String: JSONValue] {
        guard let image = env.map() else { throw ServeError("render needs an episode: reset first") }
        var reply: [String: JSONValue] = [
            "ok": .bool(true), "width": .int(image.width), "height": .int(image.height),
            "rgb": .string(Data(image.pixels).base64EncodedString()),
        ]
        if let path {
            try PNG.write(image, to: path)
            reply["path"] = .string(path)
        }
        return reply
    }

    func taskInfo() -> [String: JSONValue] {
        guard let task = env.task else { return [:] }
        return ["task": .string(task.identity.description), "tasktype": .string(task.taskType), "scene": .string(task.scene),
                "taskname": .string(task.taskName), "taskquery": .string(task.taskQuery)]
    }

    func json(_ o: Observation) -> JSONValue {
        .object([
            "action": .string(o.action), "object": o.object.map(JSONValue.string) ?? .null,
            "object_id": o.objectId.map(JSONValue.string) ?? .null, "success": .bool(o.success),
            "error": o.error.map { .string($0.rawValue) } ?? .null, "feedback": .string(o.feedback),
            "navigable": .array(o.navigable.map(JSONValue.string)), "interactable": .array(o.interactable.map(JSONValue.string)),
            "held": o.heldType.map(JSONValue.string) ?? .null, "held_id": o.heldId.map(JSONValue.string) ?? .null,
            "step": .int(o.step), "done": .bool(o.isDone), "frame": o.frame.map(JSONValue.string) ?? .null, "frame_match": o.frameMatch.map { JSONValue.string($0.rawValue) } ?? .null,
        ])
    }

    func stepJSON(_ s: EpisodeStep) -> JSONValue {
        .object([
            "action": .string(s.action), "object": s.object.map(JSONValue.string) ?? .null,
            "object_id": s.objectId.map(JSONValue.string) ?? .null, "success": .bool(s.success),
            "error": s.error.map { .string($0.rawValue) } ?? .null,
        ])
    }

    func metricsJSON(_ m: TaskMetrics) -> JSONValue {
        .object([
            "success": .int(m.success), "efficiency": .double(m.efficiency), "completeness": .double(m.completeness),
            "completeness_ordered": .double(m.completenessOrdered), "key_actions_success": .int(m.keyActionsSuccess),
            "repeat_rate": .double(m.repeatRate), "step": .int(m.step),
        ])
    }
}

struct ServeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

