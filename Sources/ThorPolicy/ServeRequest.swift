import ThorJSON
import ThorModel

/// One request line of the serve protocol, read once with the project's JSON reader: the whole
/// line is checked, the members the protocol knows are kept as byte ranges, and each is decoded
/// when asked for, so a field of the wrong type is an error naming it while the request's `id` is
/// still echoed. Unknown members are ignored; a repeated member counts once, the last time.
struct ServeRequest {
    let line: UnsafeBufferPointer<UInt8>
    var op: Range<Int>?
    var id: Range<Int>?
    var task: Range<Int>?
    var tasks: Range<Int>?
    var action: Range<Int>?
    var response: Range<Int>?
    var actions: Range<Int>?
    var path: Range<Int>?
    var env: Range<Int>?
    var delta: Range<Int>?
    var layout: Range<Int>?
    var lists: Range<Int>?

    /// Throws a `ServeError` when the line is not one JSON object.
    init(_ line: UnsafeBufferPointer<UInt8>) throws {
        self.line = line
        var cursor = JSONCursor(line)
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else {
                throw ServeError("a request is a JSON object, e.g. {\"op\": \"reset\", \"task\": 7}")
            }
            try cursor.readObjectRawKeys { cursor, key in
                let start = cursor.offset
                try cursor.skipValue()
                let range = start..<cursor.offset
                switch key.count {
                case 2 where JSONCursor.key(key, is: "op"): op = range
                case 2 where JSONCursor.key(key, is: "id"): id = range
                case 3 where JSONCursor.key(key, is: "env"): env = range
                case 4 where JSONCursor.key(key, is: "task"): task = range
                case 4 where JSONCursor.key(key, is: "path"): path = range
                case 5 where JSONCursor.key(key, is: "tasks"): tasks = range
                case 5 where JSONCursor.key(key, is: "delta"): delta = range
                case 5 where JSONCursor.key(key, is: "lists"): lists = range
                case 6 where JSONCursor.key(key, is: "action"): action = range
                case 6 where JSONCursor.key(key, is: "layout"): layout = range
                case 7 where JSONCursor.key(key, is: "actions"): actions = range
                case 8 where JSONCursor.key(key, is: "response"): response = range
                default: break
                }
            }
            try cursor.expectEnd()
        } catch let error as JSONPathError {
            throw ServeError("not valid JSON: \(error.syntaxDescription(in: line))")
        }
    }

    /// Decodes one member with `read`; nil when absent. An error names the member (and the path
    /// inside it: `actions[3]: expected a string, found a number`).
    func field<T>(_ range: Range<Int>?, _ name: StaticString, _ read: (inout JSONCursor) throws -> T) throws -> T? {
        guard let range else { return nil }
        var cursor = JSONCursor(UnsafeBufferPointer(rebasing: line[..<range.upperBound]))
        cursor.offset = range.lowerBound
        do {
            return try read(&cursor)
        } catch let error as JSONPathError {
            throw ServeError("\"\(name)\(error.path.joined())\": \(error.reason)")
        }
    }

    /// The id's JSON text exactly as the client wrote it (`1e300`, `"a"`, `true`, `null`).
    var rawID: UnsafeBufferPointer<UInt8>? { id.map { UnsafeBufferPointer(rebasing: line[$0]) } }

    var opName: String? {
        get throws { try field(op, "op") { try $0.readString() } }
    }

    /// A task identity: a whole number (7, 7.0) or a string; 7.9, true or null are refused.
    static func readTask(_ cursor: inout JSONCursor) throws -> TaskIdentity {
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

    /// A list of task identities.
    static func readTasks(_ cursor: inout JSONCursor) throws -> [TaskIdentity] {
        guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array of task identities") }
        var tasks: [TaskIdentity] = []
        try cursor.readArray { cursor, _ in tasks.append(try readTask(&cursor)) }
        return tasks
    }

    /// One slot of a batched step: an action or response string, or `{"reset": task}`.
    static func readVectorAction(_ cursor: inout JSONCursor) throws -> VectorAction {
        if cursor.peek() == UInt8(ascii: "\"") { return .act(try cursor.readString()) }
        guard cursor.peek() == UInt8(ascii: "{") else {
            throw cursor.typeMismatch("an action (a string) or {\"reset\": task}")
        }
        var task: TaskIdentity?
        try cursor.readObject { cursor, key in
            guard key == "reset" else { throw cursor.invalid("unknown member \"\(key)\"; a slot is an action or {\"reset\": task}") }
            task = try readTask(&cursor)
        }
        guard let task else { throw cursor.invalid("{} is no action; a slot is an action or {\"reset\": task}") }
        return .reset(task)
    }

    /// The slots of a batched step.
    static func readVectorActions(_ cursor: inout JSONCursor) throws -> [VectorAction] {
        guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array of actions") }
        var actions: [VectorAction] = []
        try cursor.readArray { cursor, _ in actions.append(try readVectorAction(&cursor)) }
        return actions
    }

    /// A batched step's reply layout: `"rows"` (the default, one object per environment) or
    /// `"columns"` (one list per key, `docs/serve-protocol.md`).
    static func readLayout(_ cursor: inout JSONCursor) throws -> ReplyLayout {
        guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.typeMismatch("\"rows\" or \"columns\"") }
        switch try cursor.readString() {
        case "rows": return .rows
        case "columns": return .columns
        case let other: throw cursor.invalid("expected \"rows\" or \"columns\", not \"\(other)\"")
        }
    }

    /// How a column-wise step's reply carries the type lists: `"inline"` (the default, each
    /// list in full) or `"ids"` (by id, each distinct list sent once: protocol version 4).
    static func readListMode(_ cursor: inout JSONCursor) throws -> Bool {
        guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.typeMismatch("\"inline\" or \"ids\"") }
        switch try cursor.readString() {
        case "inline": return false
        case "ids": return true
        case let other: throw cursor.invalid("expected \"inline\" or \"ids\", not \"\(other)\"")
        }
    }

    /// A non-negative whole number (an environment index).
    static func readIndex(_ cursor: inout JSONCursor) throws -> Int {
        guard let first = cursor.peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) || first == UInt8(ascii: "-") else {
            throw cursor.typeMismatch("an environment index (a whole number)")
        }
        guard let number = try cursor.readWholeNumber(), number >= 0 else {
            throw cursor.invalid("an environment index is a whole number from 0")
        }
        return number
    }
}

/// How a batched step's reply is laid out (`"layout"`, protocol version 3).
enum ReplyLayout {
    /// One observation and one info object per environment (versions 1 and 2).
    case rows
    /// One list per observation key over the environments; infos as the task list plus the
    /// slots that were reset or ended, with their fields.
    case columns
}

/// A request the protocol refuses, with the reason the reply carries.
public struct ServeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
