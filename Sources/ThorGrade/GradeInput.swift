import Foundation
import ThorJSON
import ThorModel

/// One graded line's source position, for messages and the per-task output order.
public struct LineSource: Hashable, Sendable {
    public var file: String
    public var line: Int
}

/// A line that could not be graded, and why. Every other line is still graded.
public struct GradeIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public var source: LineSource
    public var reason: String

    public var description: String { "\(source.file):\(source.line): \(reason)" }
}

/// What one input line holds (detected per line).
public enum GradeRecord: Sendable {
    /// The reference's own per-task result: a recorded trajectory.
    case result(RecordedResult)
    /// `{"identity", "actions": [...]}`: a plan to execute, one action per model call.
    case plan(identity: TaskIdentity, actions: [String], model: String?)
    /// `{"identity", "responses": [...]}`: raw model responses, one per model call.
    case responses(identity: TaskIdentity, responses: [String], model: String?)

    public var identity: TaskIdentity {
        switch self {
        case .result(let result): result.identity
        case .plan(let identity, _, _), .responses(let identity, _, _): identity
        }
    }
}

/// A result line in the reference shape. Fields the line omits are looked up in the store.
public struct RecordedResult: Sendable {
    public var identity: TaskIdentity
    public var model: String?
    public var scene: String?
    public var taskType: String?
    public var taskName: String?
    public var keyActions: [String]?
    public var trajectory: [TrajectoryEntry]
}

/// Reads results files (JSON lines) or run directories (`<dir>/**/result.json`).
public enum GradeInputReader {
    /// Lists the files to read: the file itself, or every `result.json` below a directory in
    /// sorted path order.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GradeInputError.notFound(path)
        }
        guard isDirectory.boolValue else { return [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if (relative as NSString).lastPathComponent == "result.json" {
                found.append((path as NSString).appendingPathComponent(relative))
            }
        }
        guard !found.isEmpty else { throw GradeInputError.noResults(path) }
        return found.sorted()
    }

    /// The bytes of an input file. Large files are memory-mapped rather than copied: the workers
    /// then fault their own pages in, in parallel, instead of waiting for one serial read of the
    /// whole file (114 ms for 228 MB here, more than the rest of the grading).
    public static func contents(of path: String) throws -> Data {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw GradeInputError.unreadable(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw GradeInputError.unreadable(path, String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        if (info.st_mode & S_IFMT) == S_IFREG, size >= 1 << 20,
           let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED {
            return Data(bytesNoCopy: mapped, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw GradeInputError.unreadable(path, "cannot read") }
        return data
    }

    /// Parses every line of `data` (a JSON-lines file, or one JSON document when `wholeFile`),
    /// on all cores, keeping line order.
    public static func parse(_ data: Data, file: String, wholeFile: Bool = false) -> [(LineSource, Result<GradeRecord, GradeIssue>)] {
        mapLines(data, file: file, wholeFile: wholeFile) { ($0, $1) }
    }

    /// Parses each line and hands it to `transform` on the worker that parsed it, so a caller can
    /// reduce a line (grade it) before the next is read and never hold every trajectory at once.
    /// Results come back in line order; blank lines are skipped.
    public static func mapLines<T>(
        _ data: Data, file: String, wholeFile: Bool = false,
        _ transform: @escaping @Sendable (LineSource, Result<GradeRecord, GradeIssue>) -> T
    ) -> [T] {
        data.withUnsafeBytes { raw -> [T] in
            let bytes = raw.bindMemory(to: UInt8.self)
            let spans = lineSpans(bytes, wholeFile: wholeFile)
            var results = [T?](repeating: nil, count: spans.count)
            let chunk = max(1, min(512, spans.count / (ProcessInfo.processInfo.activeProcessorCount * 8)))
            let chunks = (spans.count + chunk - 1) / chunk
            let input = UncheckedSendable(bytes)
            results.withUnsafeMutableBufferPointer { slots in
                let output = UncheckedSendable(slots)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let bytes = input.value
                    for index in (c * chunk)..<min(spans.count, (c + 1) * chunk) {
                        let line = spans[index]
                        let source = LineSource(file: file, line: line.number)
                        let slice = UnsafeBufferPointer(rebasing: bytes[line.start..<line.end])
                        output.value[index] = transform(source, parseRecord(slice).mapError { GradeIssue(source: source, reason: $0.reason) })
                    }
                }
            }
            return results.map { $0! }
        }
    }

    /// Non-blank lines as byte ranges with their 1-based numbers.
    static func lineSpans(_ bytes: UnsafeBufferPointer<UInt8>, wholeFile: Bool) -> [(start: Int, end: Int, number: Int)] {
        var lines: [(start: Int, end: Int, number: Int)] = []
        if wholeFile {
            lines.append((0, bytes.count, 1))
        } else if let base = bytes.baseAddress {
            var start = 0, number = 1
            while start < bytes.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start) {
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                lines.append((start, index, number))
                start = index + 1
                number += 1
            }
            if start < bytes.count { lines.append((start, bytes.count, number)) }
        }
        lines.removeAll { line in
            (line.start..<line.end).allSatisfy { bytes[$0] == 0x20 || bytes[$0] == 0x09 || bytes[$0] == 0x0D }
        }
        return lines
    }

    /// Detects the line's shape and reads it. Errors are plain reasons; the caller adds the place.
    static func parseRecord(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<GradeRecord, LineProblem> {
        var cursor = JSONCursor(bytes)
        var identity: TaskIdentity?
        var sawIdentity = false
        var result = RecordedResult(identity: .int(0), trajectory: [])
        var trajectory: [TrajectoryEntry]?
        var actions: [String]?
        var responses: [String]?
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else { return .failure(LineProblem("not a JSON object (each line must be one {...} record)")) }
            try cursor.readObject { cursor, key in
                switch key {
                case "identity":
                    sawIdentity = true
                    identity = try readIdentity(&cursor)
                case "trajectory": trajectory = try cursor.readNull() ? nil : readTrajectory(&cursor)
                case "actions": actions = try cursor.readNull() ? nil : cursor.readStringList()
                case "responses": responses = try cursor.readNull() ? nil : cursor.readStringList()
                case "key_actions": result.keyActions = try cursor.readNull() ? nil : cursor.readStringList()
                case "tasktype": result.taskType = try cursor.readOptionalString()
                case "taskname": result.taskName = try cursor.readOptionalString()
                case "model": result.model = try cursor.readOptionalString()
                case "scene": result.scene = try cursor.readOptionalString()
                default: try cursor.skipValue()
                }
            }
            try cursor.expectEnd()
        } catch let error as JSONPathError {
            return .failure(LineProblem(error.isSyntax ? "not valid JSON: \(error.syntaxDescription(in: bytes))" : "field \(error.pathText): \(error.reason)"))
        } catch {
            return .failure(LineProblem("\(error)"))
        }
        guard sawIdentity, let identity else { return .failure(LineProblem(sawIdentity ? "identity is null" : "no identity field")) }
        if let trajectory {
            guard !trajectory.isEmpty else { return .failure(LineProblem("trajectory is empty")) }
            result.identity = identity
            result.trajectory = trajectory
            return .success(.result(result))
        }
        if let actions { return .success(.plan(identity: identity, actions: actions, model: result.model)) }
        if let responses { return .success(.responses(identity: identity, responses: responses, model: result.model)) }
        return .failure(LineProblem("no trajectory, actions or responses field"))
    }

    static func readIdentity(_ cursor: inout JSONCursor) throws -> TaskIdentity? {
        if try cursor.readNull() { return nil }
        if cursor.peek() == UInt8(ascii: "\"") {
            let text = try cursor.readString()
            return text.isEmpty ? nil : .string(text)
        }
        guard let value = try cursor.readWholeNumber() else {
            throw JSONPathError(path: [], reason: "identity must be an integer or a string", offset: cursor.offset, isSyntax: false)
        }
        return .int(value)
    }

    /// Reads trajectory entries. `legal_objects` is decoded only for entries whose action contains
    /// `end`, the only place the metric reads it (when `legal_objects` comes before `action` in an
    /// entry it is decoded anyway).
    static func readTrajectory(_ cursor: inout JSONCursor) throws -> [TrajectoryEntry] {
        var entries: [TrajectoryEntry] = []
        try cursor.readArray { cursor, _ in
            guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a trajectory entry)") }
            var entry = TrajectoryEntry(action: "", success: .zero)
            var sawAction = false, sawSuccess = false
            try cursor.readObjectRawKeys { cursor, key in
                if JSONCursor.key(key, is: "action") {
                    sawAction = true
                    entry.action = try cursor.readString()
                } else if JSONCursor.key(key, is: "object") {
                    entry.object = try cursor.readOptionalString()
                } else if JSONCursor.key(key, is: "success") {
                    sawSuccess = true
                    entry.success = try readRecordedSuccess(&cursor)
                } else if JSONCursor.key(key, is: "legal_objects"), !sawAction || entry.action.containsBytes(of: "end") {
                    entry.legalObjects = try cursor.readStringList()
                } else {
                    try cursor.skipValue()
                }
            }
            guard sawAction else { throw JSONPathError(path: [".action"], reason: "missing", offset: cursor.offset, isSyntax: false) }
            guard sawSuccess else { throw JSONPathError(path: [".success"], reason: "missing", offset: cursor.offset, isSyntax: false) }
            entries.append(entry)
        }
        return entries
    }

    /// The recorded `success` as the reference's two tests see it (`== 0`, truthiness).
    static func readRecordedSuccess(_ cursor: inout JSONCursor) throws -> RecordedSuccess {
        cursor.skipWhitespace()
        switch cursor.peek() {
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return try cursor.readBool() ? .truthy : .zero  // False == 0
        case UInt8(ascii: "n"):
            _ = try cursor.readNull()
            return .falsyNonZero
        case UInt8(ascii: "\""): return try cursor.readString().isEmpty ? .falsyNonZero : .truthy
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var probe = cursor
            _ = probe.next()
            probe.skipWhitespace()
            let isEmpty = probe.peek() == UInt8(ascii: "]") || probe.peek() == UInt8(ascii: "}")
            try cursor.skipValue()
            return isEmpty ? .falsyNonZero : .truthy
        default: return try cursor.readDouble() == 0 ? .zero : .truthy
        }
    }
}

public enum GradeInputError: Error, CustomStringConvertible {
    case notFound(String)
    case noResults(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file or directory"
        case .noResults(let path): "\(path): no result.json files below this directory"
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        }
    }
}

/// Why a line was not read (the caller adds file and line number).
struct LineProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Lets concurrent workers write disjoint slots of one buffer.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
