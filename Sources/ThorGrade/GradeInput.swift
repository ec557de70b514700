import Foundation
import ThorJSON
import ThorModel

/// One graded line's source position, for messages and the per-task output order.
public struct LineSource: Hashable, Sendable {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// A line that could not be graded, and why. Every other line is still graded. Line 0 means the
/// whole file or directory entry (unreadable, not a regular file, a read error).
public struct GradeIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public var source: LineSource
    public var reason: String

    public init(source: LineSource, reason: String) {
        self.source = source
        self.reason = reason
    }

    /// A problem with a whole input (`path: reason`).
    public init(file: String, reason: String) {
        self.init(source: LineSource(file: file, line: 0), reason: reason)
    }

    public var description: String { source.line > 0 ? "\(source.file):\(source.line): \(reason)" : "\(source.file): \(reason)" }
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
public struct RecordedResult: Hashable, Sendable {
    public var identity: TaskIdentity
    public var model: String?
    public var scene: String?
    public var taskType: String?
    public var taskName: String?
    public var keyActions: [String]?
    public var trajectory: [TrajectoryEntry]
}

/// Reads results files (JSON lines), standard input or pipes, and run directories
/// (`<dir>/**/result.json`). Listing is in `GradeInputListing.swift`, chunked reading in
/// `GradeInputStream.swift`.
public enum GradeInputReader {
    /// Parses every line of `data` (a JSON-lines file, or one JSON document when `wholeFile`),
    /// on all cores, keeping line order.
    public static func parse(_ data: Data, file: String, wholeFile: Bool = false) -> [(LineSource, Result<GradeRecord, GradeIssue>)] {
        var lines: [(LineSource, Result<GradeRecord, GradeIssue>)] = []
        let input = GradeInput(source: .memory(data), name: file, isWholeDocument: wholeFile)
        let failure = forEachRecord(of: input) { lines.append(($0, $1)) }
        if let failure { lines.append((failure.source, .failure(failure))) }
        return lines
    }

    /// Bytes read per chunk. Each worker holds one chunk (plus the rest of a line that straddles it)
    /// and a few more wait to be reported in order, so memory does not depend on the input's size.
    public static let defaultChunkSize = 256 << 10

    /// The most key actions a line may carry. The metric pairs key actions with trajectory
    /// entries (quadratic in the key actions), so an unbounded list could stall a run.
    public static let maxKeyActions = 1000

    /// False when `THOR_LITE_JSON_READER=thorjson`: every line is then read by ThorJSON alone, to
    /// measure the two readers side by side (bench/recorded_bench.sh) or to rule simdjson out.
    static let usesSimdjson = ProcessInfo.processInfo.environment["THOR_LITE_JSON_READER"] != "thorjson"

    /// Detects the line's shape and reads it. Errors are plain reasons; the caller adds the place.
    /// `readable` is how many bytes from the line's start may be read (the rest of its chunk):
    /// simdjson reads past the end of what it parses, and copies the line when fewer are readable.
    static func parseRecord(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int? = nil) -> Result<GradeRecord, LineProblem> {
        if usesSimdjson, let line = SimdLine(bytes, readable: readable ?? bytes.count) { return parseRecord(line, bytes: bytes) }
        return readFields(bytes).flatMap { $0.record() }
    }

    /// `parseRecord` of a line simdjson has read already (`bytes`, for ThorJSON where the fields
    /// need it).
    static func parseRecord(_ line: SimdLine, bytes: UnsafeBufferPointer<UInt8>) -> Result<GradeRecord, LineProblem> {
        if let fields = RecordFields(line) { return fields.record() }
        return readFields(bytes).flatMap { $0.record() }
    }

    /// The line's fields as ThorJSON reads them: every line simdjson declines, and the reference
    /// the tests hold simdjson's reading to.
    static func readFields(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<RecordFields, LineProblem> {
        var fields = RecordFields()
        var cursor = JSONCursor(bytes)
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else { return .failure(LineProblem("not a JSON object (each line must be one {...} record)")) }
            try cursor.readObject { cursor, key in
                switch key {
                case "identity":
                    fields.sawIdentity = true
                    fields.identity = try readIdentity(&cursor)
                case "trajectory": fields.trajectory = try cursor.readNull() ? nil : readTrajectory(&cursor)
                case "actions": fields.actions = try cursor.readNull() ? nil : cursor.readStringList()
                case "responses": fields.responses = try cursor.readNull() ? nil : cursor.readStringList()
                case "key_actions":
                    fields.result.keyActions = try cursor.readNull() ? nil : cursor.readStringList()
                    if let count = fields.result.keyActions?.count, count > maxKeyActions {
                        throw JSONPathError(path: [], reason: "\(count) key actions; a task has at most \(maxKeyActions) (the benchmark's longest has 28)", offset: cursor.offset, isSyntax: false)
                    }
                case "tasktype": fields.result.taskType = try cursor.readOptionalString()
                case "taskname": fields.result.taskName = try cursor.readOptionalString()
                case "model": fields.result.model = try cursor.readOptionalString()
                case "scene": fields.result.scene = try cursor.readOptionalString()
                default: try cursor.skipValue()
                }
            }
            try cursor.expectEnd()
            fields.dropUnreadLegalObjects()  // as the simdjson reader does
        } catch let error as JSONPathError {
            return .failure(LineProblem(error.isSyntax ? "not valid JSON: \(error.syntaxDescription(in: bytes))" : "field \(error.pathText): \(error.reason)"))
        } catch {
            return .failure(LineProblem("\(error)"))
        }
        return .success(fields)
    }

    static func readIdentity(_ cursor: inout JSONCursor) throws -> TaskIdentity? {
        if try cursor.readNull() { return nil }
        if cursor.peek() == UInt8(ascii: "\"") {
            let text = try cursor.readString()
            return text.isEmpty ? nil : .string(text)
        }
        guard let first = cursor.peek(), first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw cursor.typeMismatch("an integer or a string")
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
        guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array of trajectory entries") }
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

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file or directory"
        case .noResults(let path): "\(path): no result.json files below this directory"
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
