import Foundation
import ThorJSON

/// Why the bridge could not answer a request: each ends the task in progress with this text, and
/// the connection starts a new sidecar for the next task.
public enum BridgeError: Error, CustomStringConvertible, Sendable {
    /// The sidecar cannot be started at all (no python3, no bridge script): an environment error.
    case cannotStart(String)
    /// No reply within the per-action timeout (Unity hangs): the sidecar was killed.
    case timeout(request: String, seconds: Double)
    /// The sidecar exited (crashed, killed, lost its display) before replying.
    case exited(request: String, status: Int32, stderr: String)
    /// A reply line that is not a JSON object, or one whose fields are not what the protocol says.
    case malformed(request: String, reply: String, reason: String)
    /// A well-formed `{"ok": false}` reply: the bridge refused or the controller failed.
    case refused(request: String, kind: String, message: String)

    public var description: String {
        switch self {
        case .cannotStart(let why): return "cannot start the bridge: \(why)"
        case .timeout(let request, let seconds):
            return "the bridge did not answer \(request) within \(Self.format(seconds)) s (Unity hangs?): sidecar killed"
        case .exited(let request, let status, let stderr):
            let tail = stderr.isEmpty ? "" : "; its last stderr: \(stderr)"
            return "the bridge exited with status \(status) during \(request)\(tail)"
        case .malformed(let request, let reply, let reason):
            return "the bridge answered \(request) with a malformed reply (\(reason)): \(reply.prefix(200))"
        case .refused(let request, let kind, let message):
            return "the bridge refused \(request) (\(kind)): \(message)"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    /// Whether the sidecar must be replaced before it is used again (it is dead, or its reply
    /// stream can no longer be trusted to pair replies with requests).
    var needsRestart: Bool {
        switch self {
        // The bridge's `controller` (Unity died, a malformed event), `environment` (no display,
        // no Vulkan) and `internal` (a bug in the sidecar) refusals: a new sidecar builds a new
        // controller.
        case .refused(_, let kind, _): ["controller", "environment", "internal"].contains(kind)
        case .cannotStart, .timeout, .exited, .malformed: true
        }
    }
}

/// One running sidecar: `python3 <bridge>` with JSON lines on its stdin and stdout.
///
/// Foundation's `Process` with pipes, not swift-subprocess: the CLI is synchronous, a per-request
/// timeout is a semaphore wait against a reader thread, and a hung child is ended with SIGKILL by
/// its pid; swift-subprocess would bring async/await and a further package to build for no
/// capability this needs.
final class Sidecar: @unchecked Sendable {
    let process = Process()
    private let input: FileHandle
    private let lines = LineQueue()
    private let errors = TailBuffer(limit: 2000)

    init(python: String, bridge: String, arguments: [String] = [], environment: [String: String]) throws {
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", bridge] + arguments
        process.environment = environment
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        do {
            try process.run()
        } catch {
            throw BridgeError.cannotStart("\(python) \(bridge): \(error.localizedDescription)")
        }
        input = stdinPipe.fileHandleForWriting
        let lines = self.lines, errors = self.errors
        let out = stdoutPipe.fileHandleForReading, err = stderrPipe.fileHandleForReading
        Thread { lines.pump(out) }.start()
        Thread { errors.pump(err) }.start()
    }

    /// Sends one request line and waits up to `timeout` seconds for one reply line.
    func exchange(_ request: JSONValue, name: String, timeout: Double) throws -> JSONValue {
        var bytes: [UInt8] = []
        request.write(into: &bytes, indent: nil, level: 0)
        bytes.append(UInt8(ascii: "\n"))
        do {
            // SIGPIPE is ignored by the CLI (and set here for library users), so a dead reader is an error.
            signal(SIGPIPE, SIG_IGN)
            try input.write(contentsOf: Data(bytes))
        } catch {
            throw exitError(name)
        }
        return try receive(name: name, timeout: timeout)
    }

    /// Waits up to `timeout` seconds for one reply line (also for `--check`, which answers
    /// without a request).
    func receive(name: String, timeout: Double) throws -> JSONValue {
        switch lines.next(timeout: timeout) {
        case .line(let text):
            return try Self.decode(text, name: name)
        case .closed:
            throw exitError(name)
        case .timedOut:
            kill()
            throw BridgeError.timeout(request: name, seconds: timeout)
        }
    }

    /// Everything the sidecar writes to stdout until it exits, as one JSON document (`--check`
    /// may print it over several lines).
    func receiveDocument(name: String, timeout: Double) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var text: [String] = []
        while true {
            switch lines.next(timeout: max(0, deadline.timeIntervalSinceNow)) {
            case .line(let line): text.append(line)
            case .closed:
                if text.isEmpty { throw exitError(name) }
                return try Self.decode(text.joined(separator: "\n"), name: name)
            case .timedOut:
                kill()
                throw BridgeError.timeout(request: name, seconds: timeout)
            }
        }
    }

    /// The error for a sidecar that stopped answering: waits briefly for its exit status.
    private func exitError(_ name: String) -> BridgeError {
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill() }
        errors.waitClosed(timeout: 1)
        return .exited(request: name, status: process.isRunning ? -1 : process.terminationStatus, stderr: errors.text)
    }

    static func decode(_ text: String, name: String) throws -> JSONValue {
        let bytes = Array(text.utf8)
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(buffer)
                let value = try cursor.readValue()
                try cursor.expectEnd()
                return value
            }
        } catch {
            throw BridgeError.malformed(request: name, reply: text, reason: "not JSON: \(error)")
        }
        guard case .object = value else { throw BridgeError.malformed(request: name, reply: text, reason: "not a JSON object") }
        return value
    }

    /// Ends the sidecar at once (SIGKILL: a hung Unity does not answer SIGTERM) and reaps it.
    /// The sidecar leads its own process group, which Unity (ai2thor's child) is in: the group
    /// is killed too, so a hung Unity does not outlive it.
    func kill() {
        if process.isRunning {
            let pid = process.processIdentifier
            Foundation.kill(-pid, SIGKILL)
            Foundation.kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? input.close()
    }

    /// Asks a healthy sidecar to stop: closes its stdin and waits a little, then kills it.
    func close(after request: (() -> Void)?) {
        request?()
        try? input.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        kill()
    }
}

/// Reply lines from the sidecar's stdout, handed over one at a time.
final class LineQueue: @unchecked Sendable {
    enum Next { case line(String), closed, timedOut }

    private var pending: [String] = []
    private var closed = false
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)

    /// Reads until end of file, splitting on newlines (the reader thread's body).
    func pump(_ handle: FileHandle) {
        var buffer: [UInt8] = []
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                push(line)
            }
        }
        if !buffer.isEmpty { push(String(decoding: buffer, as: UTF8.self)) }
        lock.lock()
        closed = true
        lock.unlock()
        available.signal()
    }

    private func push(_ line: String) {
        // Blank lines carry nothing; a reply is one non-empty line.
        guard !line.allSatisfy(\.isWhitespace) else { return }
        lock.lock()
        pending.append(line)
        lock.unlock()
        available.signal()
    }

    func next(timeout: Double) -> Next {
        let deadline = DispatchTime.now() + timeout
        while true {
            lock.lock()
            if !pending.isEmpty {
                let line = pending.removeFirst()
                lock.unlock()
                return .line(line)
            }
            if closed {
                lock.unlock()
                available.signal()  // keep later callers from waiting on a closed stream
                return .closed
            }
            lock.unlock()
            if available.wait(timeout: deadline) == .timedOut { return .timedOut }
        }
    }
}

/// The last bytes of the sidecar's stderr, quoted in errors (its diagnostics go there).
final class TailBuffer: @unchecked Sendable {
    private var data: [UInt8] = []
    private let limit: Int
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    /// Also copied to our own stderr when set (`THOR_LITE_BRIDGE_STDERR=1`).
    private let echo = ProcessInfo.processInfo.environment["THOR_LITE_BRIDGE_STDERR"] == "1"

    init(limit: Int) { self.limit = limit }

    func pump(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if echo { FileHandle.standardError.write(chunk) }
            lock.lock()
            data += chunk
            if data.count > limit { data.removeFirst(data.count - limit) }
            lock.unlock()
        }
        done.signal()
    }

    func waitClosed(timeout: Double) {
        if done.wait(timeout: .now() + timeout) == .success { done.signal() }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\n").suffix(5).joined(separator: " | ")
    }
}
