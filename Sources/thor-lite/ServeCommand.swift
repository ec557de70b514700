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
        commandName: "serve",
        abstract: "Run episodes for a policy over JSON lines on stdin/stdout.",
        discussion: """
            One JSON request per line on stdin, one JSON response per line on stdout:
              {"op": "reset", "task": 7}
                  start an episode (runs init)
              {"op": "step", "action": "navigate to Fridge"}
                  one model call with a plain action
              {"op": "step",
               "response": "...<DecisionMaking>open fridge</DecisionMaking>"}
              {"op": "state"}
                  the observation and the trajectory so far
              {"op": "render", "path": "map.png"}
                  the episode map: width, height, RGB as base64 (path optional)
              {"op": "close"}
                  end the session
            Responses: {"ok": true, "observation": {...}, "reward": r, "terminated": b, "truncated": b, "info": {...}} or {"ok": false, "error": "why"}. An "id" in a request is echoed back. The Python client in python/ wraps this as a Gymnasium-style environment.
            """)

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let env = try PolicyEnvironment(store: storeOptions.openForReading())
            var session = ServeSession(env: env)
            while let line = readLine(strippingNewline: true) {
                guard !line.trimmingWhitespace().isEmpty else { continue }
                let (reply, close) = session.handle(line)
                try Output.print(reply)
                if close { return }
            }
        }
    }
}

/// One request line: each member's raw JSON text, decoded field by field, so a field of the wrong
/// type is an error naming it (and the request's id is still echoed).
struct ServeRequest {
    var members: [String: [UInt8]] = [:]

    /// Nil when the line is not a JSON object (the reason in `error`).
    init(_ line: String) throws {
        var bytes = Array(line.utf8)
        bytes.append(0)  // never read: keeps the buffer non-empty
        var members: [String: [UInt8]] = [:]
        try bytes.withUnsafeBufferPointer { whole in
            let buffer = UnsafeBufferPointer(rebasing: whole[..<(whole.count - 1)])
            var cursor = JSONCursor(buffer)
            do {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "{") else { throw ServeError("a request is a JSON object, e.g. {\"op\": \"reset\", \"task\": 7}") }
                try cursor.readObject { cursor, key in
                    cursor.skipWhitespace()
                    let start = cursor.offset
                    try cursor.skipValue()
                    members[key] = Array(buffer[start..<cursor.offset])
                }
                try cursor.expectEnd()
            } catch let error as JSONPathError {
                throw ServeError("not valid JSON: \(error.syntaxDescription(in: buffer))")
            }
        }
        self.members = members
    }

    /// Decodes one member with `read`; nil when absent. A type error names the field.
    func field<T>(_ name: String, _ read: (inout JSONCursor) throws -> T) throws -> T? {
        guard let raw = members[name] else { return nil }
        return try (raw + [0]).withUnsafeBufferPointer { whole in
            var cursor = JSONCursor(UnsafeBufferPointer(rebasing: whole[..<raw.count]))
            do {
                return try read(&cursor)
            } catch let error as JSONPathError {
                throw ServeError("\"\(name)\": \(error.reason)")
            }
        }
    }

    /// The id exactly as the client wrote it (any JSON value: 1e300, "a", true, null).
    var rawID: String? { members["id"].map { String(decoding: $0, as: UTF8.self) } }

    /// A task identity: a whole number (7, 7.0) or a string; 7.9, true or null are refused.
    var task: TaskIdentity {
        get throws {
            let identity = try field("task") { cursor -> TaskIdentity in
                if cursor.peek() == UInt8(ascii: "\"") { return TaskIdentity(parsing: try cursor.readString()) }
                let start = cursor.offset
                guard let first = cursor.peek(), first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                    throw cursor.typeMismatch("a task identity (a whole number or a string)")
                }
                guard let number = try cursor.readWholeNumber() else {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: cursor.bytes[start..<cursor.offset]), as: UTF8.self)
                    throw cursor.invalid("a task identity is a whole number or a string, not \(text)")
                }
                return .int(number)
            }
            guard let identity else { throw ServeError("reset needs \"task\": a task identity (a whole number or a string)") }
            return identity
        }
    }
}

/// The serve protocol, request by request.
struct ServeSession {
    let env: PolicyEnvironment
    /// Completeness before the last step, for the reward (the reference's reward, step by step).
    var completeness = 0.0

    /// The reply line for one request line, and whether the session ends.
    mutating func handle(_ line: String) -> (String, Bool) {
        let request: ServeRequest
        do {
            request = try ServeRequest(line)
        } catch {
            return (Self.line(["ok": .bool(false), "error": .string("\(error)")], id: nil), false)
        }
        var reply: [String: JSONValue]
        var close = false
        do {
            switch try request.field("op", { try $0.readString() }) {
            case "reset":
                let observation = try env.reset(task: request.task)
                completeness = try env.metrics?.completeness ?? 0
                reply = ["ok": .bool(true), "observation": json(observation), "info": .object(taskInfo())]
            case "step":
                guard let text = try request.field("action", { try $0.readString() }) ?? request.field("response", { try $0.readString() }) else {
                    throw ServeError("step needs \"action\" or \"response\" (a string)")
                }
                let observation = try env.step(text)
                let now = try env.metrics?.completeness ?? 0
                let reward = now - completeness
                completeness = now
                var info = taskInfo()
                if env.isDone {
                    if let metrics = try env.metrics { info["metrics"] = metricsJSON(metrics) }
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
                if let metrics = try env.metrics { reply["metrics"] = metricsJSON(metrics) }
            case "render":
                reply = try render(path: request.field("path", { try $0.readString() }))
            case "close":
                reply = ["ok": .bool(true)]
                close = true
            default:
                throw ServeError("unknown op; use reset, step, state, render or close")
            }
        } catch {
            reply = ["ok": .bool(false), "error": .string("\(error)")]
        }
        return (Self.line(reply, id: request.rawID), close)
    }

    /// A reply as one line of key-sorted JSON, with the request's id spliced in verbatim.
    static func line(_ reply: [String: JSONValue], id: String?) -> String {
        var members = reply.map { key, value in (key, JSONValue.string(key).compact + ": " + value.compact) }
        if let id { members.append(("id", "\"id\": " + id)) }
        return "{" + members.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ", ") + "}"
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

