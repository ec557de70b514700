import Foundation
import ThorJSON

/// How to start the sidecar and how long to wait for it.
public struct BridgeConfiguration: Sendable {
    /// The protocol version this thor-lite speaks (`docs/live-bridge.md`).
    public static let protocolVersion = 1

    /// Absolute path of the Python interpreter.
    public var python: String
    /// Path of `bridge/thor_lite_bridge.py`.
    public var bridge: String
    /// Seconds to wait for one action's reply before the sidecar is killed (Unity hangs).
    public var actionTimeout: Double
    /// Seconds to wait for the handshake and for `start` (building the controller and loading a
    /// scene take far longer than one action on a real GPU).
    public var startTimeout: Double
    /// The sidecar's environment (the caller's, plus whatever tests add: PYTHONPATH, fake modes).
    public var environment: [String: String]

    public init(python: String, bridge: String, actionTimeout: Double = 60, startTimeout: Double = 300,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.python = python
        self.bridge = bridge
        self.actionTimeout = actionTimeout
        self.startTimeout = startTimeout
        self.environment = environment
    }
}

/// The connection to the sidecar across a whole run: started on first use with a version
/// handshake, replaced after it crashes, hangs or answers garbage. A request that fails that way
/// throws (the task in progress ends with that error); the next request starts a new sidecar.
public final class BridgeConnection: @unchecked Sendable {
    public let configuration: BridgeConfiguration
    private var sidecar: Sidecar?
    private var nextID = 0
    /// Sidecars started so far (the first, then one per restart).
    public private(set) var starts = 0
    /// The handshake reply of the running sidecar: bridge, ai2thor and Python versions.
    public private(set) var hello: [String: JSONValue] = [:]
    /// Set when the handshake showed that the bridge and thor-lite speak different protocol
    /// versions: no task can run, so the caller stops (an environment error, not a task's).
    public private(set) var incompatibility: String?

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    /// Sidecars started after the first one failed.
    public var restarts: Int { max(0, starts - 1) }

    /// Sends `{"op": op, ...fields}` and returns the reply's members; an `{"ok": false}` reply
    /// throws `.refused` and keeps the sidecar, every other failure discards it.
    public func request(_ op: String, _ fields: [String: JSONValue] = [:], timeout: Double? = nil) throws -> [String: JSONValue] {
        let sidecar = try running()
        return try exchange(sidecar, op, fields, name: Self.describe(op, fields), timeout: timeout ?? configuration.actionTimeout)
    }

    private func exchange(_ sidecar: Sidecar, _ op: String, _ fields: [String: JSONValue], name: String, timeout: Double) throws -> [String: JSONValue] {
        nextID += 1
        var message = fields
        message["op"] = .string(op)
        message["id"] = .int(nextID)
        do {
            let reply = try sidecar.exchange(.object(message), name: name, timeout: timeout)
            guard case .object(let members) = reply else {
                throw BridgeError.malformed(request: name, reply: reply.compact, reason: "not a JSON object")
            }
            if let id = members["id"], id != .int(nextID) {
                throw BridgeError.malformed(request: name, reply: reply.compact, reason: "reply id \(id.compact) for request id \(nextID)")
            }
            guard case .bool(let ok)? = members["ok"] else {
                throw BridgeError.malformed(request: name, reply: reply.compact, reason: "no boolean \"ok\"")
            }
            if !ok {
                throw BridgeError.refused(request: name, kind: members.string("kind") ?? "unknown", message: members.string("error") ?? reply.compact)
            }
            return members
        } catch let error as BridgeError {
            if error.needsRestart { discard() }
            throw error
        }
    }

    /// The running sidecar, or a new one after the handshake.
    private func running() throws -> Sidecar {
        if let sidecar, sidecar.process.isRunning { return sidecar }
        discard()
        let started = try Sidecar(python: configuration.python, bridge: configuration.bridge, environment: configuration.environment)
        starts += 1
        sidecar = started
        let reply: [String: JSONValue]
        do {
            reply = try exchange(started, "hello", ["protocol": .int(BridgeConfiguration.protocolVersion)], name: "hello", timeout: configuration.startTimeout)
        } catch BridgeError.refused(_, "protocol", let message) {
            discard()
            incompatibility = "the bridge \(configuration.bridge) refused protocol \(BridgeConfiguration.protocolVersion): \(message)"
            throw BridgeError.refused(request: "hello", kind: "protocol", message: message)
        }
        guard reply["protocol"] == .int(BridgeConfiguration.protocolVersion) else {
            discard()
            let why = "the bridge \(configuration.bridge) speaks protocol \(reply["protocol"]?.compact ?? "none"), this thor-lite \(BridgeConfiguration.protocolVersion)"
            incompatibility = why
            throw BridgeError.malformed(request: "hello", reply: JSONValue.object(reply).compact, reason: why)
        }
        hello = reply
        return started
    }

    /// Kills the sidecar (if any); the next request starts a new one.
    public func discard() {
        sidecar?.kill()
        sidecar = nil
    }

    /// Asks the sidecar to stop the controller and exit; kills it if it does not.
    public func close() {
        guard let sidecar else { return }
        sidecar.close {
            _ = try? self.exchange(sidecar, "close", [:], name: "close", timeout: 10)
        }
        self.sidecar = nil
    }

    /// `step pickup Apple`, `start FloorPlan1`: how errors name a request.
    static func describe(_ op: String, _ fields: [String: JSONValue]) -> String {
        var words = [op]
        for key in ["scene", "action", "object"] { if let value = fields.string(key) { words.append(value) } }
        return "'" + words.joined(separator: " ") + "'"
    }

    /// Runs `python3 <bridge> --check`, which answers with one JSON document and exits.
    public static func check(_ configuration: BridgeConfiguration) throws -> [String: JSONValue] {
        let sidecar = try Sidecar(python: configuration.python, bridge: configuration.bridge, arguments: ["--check"], environment: configuration.environment)
        defer { sidecar.kill() }
        let reply = try sidecar.receiveDocument(name: "--check", timeout: configuration.startTimeout)
        guard case .object(let members) = reply else { throw BridgeError.malformed(request: "--check", reply: reply.compact, reason: "not a JSON object") }
        return members
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The member as a string, nil when absent, null or not a string.
    func string(_ key: String) -> String? {
        if case .string(let value)? = self[key] { return value }
        return nil
    }
}
