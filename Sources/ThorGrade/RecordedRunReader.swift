import Foundation
import ThorJSON
import ThorModel
import ThorSim

/// One trajectory entry as the real evaluation recorded it, with the observation fields `diverge`
/// compares.
public struct RecordedStep: Hashable, Sendable {
    public var action: String
    public var object: String?
    public var success: RecordedSuccess
    /// Navigable types after the step; nil when the run did not record them (a log, or `null`).
    public var legalLocations: [String]?
    /// Interactable types after the step; nil when not recorded.
    public var legalObjects: [String]?

    public init(action: String, object: String?, success: RecordedSuccess, legalLocations: [String]? = nil, legalObjects: [String]? = nil) {
        self.action = action
        self.object = object
        self.success = success
        self.legalLocations = legalLocations
        self.legalObjects = legalObjects
    }
}

/// One episode recorded by the real (Unity) evaluation: a `result.json`, a results line, or the
/// executed actions of an evaluator log. Task fields the run carries are kept; the rest comes from
/// the store when it has the task.
public struct RecordedRun: Sendable {
    public var source: LineSource
    public var identity: TaskIdentity
    public var model: String?
    public var scene: String?
    public var taskType: String?
    public var taskName: String?
    /// Key-action strings as the run's metric used them.
    public var keyActions: [String]?
    /// Key actions with object ids, when the run carries its task record (`task_metadata.actions`).
    public var keyActionRecords: [KeyAction]?
    public var targetObjects: [String]?
    public var relatedObjects: [String]?
    public var navigableObjects: [String]?
    public var steps: [RecordedStep]
    /// True when the trajectory is whole (it ends with the loop's `end` entry), so the reference
    /// metric can be computed on it; an evaluator log cut short by an error is not.
    public var isComplete: Bool

    public init(source: LineSource, identity: TaskIdentity, steps: [RecordedStep], isComplete: Bool) {
        self.source = source
        self.identity = identity
        self.steps = steps
        self.isComplete = isComplete
    }
}

/// Reads runs recorded by the real evaluation: `result.json` files (one JSON document), JSON-lines
/// files of results, run directories (every `result.json` below them, and every `run.log` in a
/// directory that has no `result.json`), and evaluator logs.
public enum RecordedRunReader {
    /// The files to read under `path`, in sorted path order.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GradeInputError.notFound(path)
        }
        guard isDirectory.boolValue else { return [path] }
        var results: Set<String> = [], logs: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            let full = (path as NSString).appendingPathComponent(relative)
            switch (relative as NSString).lastPathComponent {
            case "result.json": results.insert(full)
            case "run.log": logs.append(full)
            default: break
            }
        }
        // A log is read only where the evaluator wrote no result (it stopped before the end).
        let lonelyLogs = logs.filter { !results.contains((($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("result.json")) }
        let found = (Array(results) + lonelyLogs).sorted()
        guard !found.isEmpty else { throw GradeInputError.noResults(path) }
        return found
    }

    /// Every run in one file, or the reason a line could not be read.
    public static func runs(inFile path: String) throws -> [Result<RecordedRun, GradeIssue>] {
        let data = try contents(of: path)
        if path.hasSuffix(".log") { return runs(inLog: String(decoding: data, as: UTF8.self), file: path) }
        let wholeFile = path.hasSuffix(".json")
        return data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var runs: [Result<RecordedRun, GradeIssue>] = []
            func read(_ range: Range<Int>, line: Int) {
                let source = LineSource(file: path, line: line)
                runs.append(parseResult(UnsafeBufferPointer(rebasing: bytes[range]), source: source)
                    .mapError { GradeIssue(source: source, reason: $0.reason) })
            }
            if wholeFile { read(0..<bytes.count, line: 1); return runs }
            var start = 0, line = 1
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                if bytes[start..<end].contains(where: { $0 != 32 && $0 != 9 && $0 != 13 }) { read(start..<end, line: line) }
                start = end + 1
                line += 1
            }
            return runs
        }
    }

    /// A recorded run's file, read whole (runs are small). Only regular files are opened: a FIFO
    /// would block, and nothing is memory-mapped, so a file changed while it is read cannot crash.
    static func contents(of path: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw GradeInputError.notFound(path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GradeIssue(file: path, reason: "cannot read: not a regular file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GradeIssue(file: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        return try handle.readToEnd() ?? Data()
    }

    // MARK: result documents

    static func parseResult(_ bytes: UnsafeBufferPointer<UInt8>, source: LineSource) -> Result<RecordedRun, LineProblem> {
        var cursor = JSONCursor(bytes)
        var run = RecordedRun(source: source, identity: .int(0), steps: [], isComplete: false)
        var identity: TaskIdentity?
        var trajectory: [RecordedStep]?
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else { return .failure(LineProblem("not a JSON object (each line must be one {...} record)")) }
            try cursor.readObject { cursor, key in
                switch key {
                case "identity": identity = try GradeInputReader.readIdentity(&cursor)
                case "trajectory": trajectory = try cursor.readNull() ? nil : readSteps(&cursor)
                default: try readTaskField(key, into: &run, &cursor)
                }
            }
            try cursor.expectEnd()
        } catch let error as JSONPathError {
            return .failure(LineProblem(error.isSyntax ? "not valid JSON: \(error.syntaxDescription(in: bytes))" : "field \(error.pathText): \(error.reason)"))
        } catch {
            return .failure(LineProblem("\(error)"))
        }
        guard let identity else { return .failure(LineProblem("no identity field")) }
        guard let trajectory, !trajectory.isEmpty else { return .failure(LineProblem("no recorded trajectory (diverge compares what Unity recorded)")) }
        run.identity = identity
        run.steps = trajectory
        run.isComplete = trajectory.last?.action == "end"
        return .success(run)
    }

    /// The task fields a result or a task record may carry; anything else is skipped.
    static func readTaskField(_ key: String, into run: inout RecordedRun, _ cursor: inout JSONCursor) throws {
        switch key {
        case "model": run.model = try cursor.readOptionalString()
        case "scene": run.scene = try cursor.readOptionalString()
        case "tasktype": run.taskType = try cursor.readOptionalString()
        case "taskname": run.taskName = try cursor.readOptionalString()
        case "key_actions": run.keyActions = try cursor.readNull() ? nil : cursor.readStringList()
        case "target_objects": run.targetObjects = try cursor.readNull() ? nil : cursor.readStringList()
        case "related_objects": run.relatedObjects = try cursor.readNull() ? nil : cursor.readStringList()
        case "navigable_objects": run.navigableObjects = try cursor.readNull() ? nil : cursor.readStringList()
        case "task_metadata":
            guard !(try cursor.readNull()) else { return }
            try cursor.readObject { cursor, key in
                guard key == "actions" else { return try cursor.skipValue() }
                var actions: [KeyAction] = []
                try cursor.readArray { cursor, _ in
                    var action = KeyAction(action: "")
                    try cursor.readObject { cursor, field in
                        switch field {
                        case "action": action.action = try cursor.readString()
                        case "objectId": action.objectId = try cursor.readOptionalString() ?? ""
                        case "objectType": action.objectType = try cursor.readOptionalString() ?? ""
                        default: try cursor.skipValue()
                        }
                    }
                    actions.append(action)
                }
                run.keyActionRecords = actions
            }
        default: try cursor.skipValue()
        }
    }

    static func readSteps(_ cursor: inout JSONCursor) throws -> [RecordedStep] {
        var steps: [RecordedStep] = []
        try cursor.readArray { cursor, _ in
            guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a trajectory entry)") }
            var step = RecordedStep(action: "", object: nil, success: .zero)
            var sawAction = false, sawSuccess = false
            try cursor.readObject { cursor, key in
                switch key {
                case "action":
                    sawAction = true
                    step.action = try cursor.readString()
                case "object": step.object = try cursor.readOptionalString()
                case "success":
                    sawSuccess = true
                    step.success = try GradeInputReader.readRecordedSuccess(&cursor)
                case "legal_locations": step.legalLocations = try cursor.readNull() ? nil : cursor.readStringList()
                case "legal_objects": step.legalObjects = try cursor.readNull() ? nil : cursor.readStringList()
                default: try cursor.skipValue()
                }
            }
            guard sawAction else { throw JSONPathError(path: [".action"], reason: "missing", offset: cursor.offset, isSyntax: false) }
            guard sawSuccess else { throw JSONPathError(path: [".success"], reason: "missing", offset: cursor.offset, isSyntax: false) }
            steps.append(step)
        }
        return steps
    }

    // MARK: evaluator logs

    /// An evaluator log (`run.log`) holds, per task, the task record it was called with
    /// (`test() called with model=..., test_data={...}`, a Python dict) and one line per executed
    /// action with Unity's verdict (`3 ****** end exec action: navigate to Cabinet success: True ***`).
    /// It has no observation sets, and a task cut short by an error has no final `end`. Tasks with
    /// no executed action are skipped.
    static func runs(inLog text: String, file: String) -> [Result<RecordedRun, GradeIssue>] {
        var runs: [Result<RecordedRun, GradeIssue>] = []
        var current: Result<RecordedRun, GradeIssue>?
        func flush() {
            if let current { runs.append(current) }
            current = nil
        }
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let source = LineSource(file: file, line: offset + 1)
            if let marker = line.range(of: "test_data=") {
                flush()
                current = taskRecord(line[marker.upperBound...], source: source).map { run in
                    var run = run
                    // `test() called with model=<name>, test_data={...}`
                    if let start = line.range(of: "model="), start.upperBound <= marker.lowerBound {
                        run.model = line[start.upperBound..<marker.lowerBound].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                    }
                    return run
                }
            } else if let step = executedStep(line) {
                guard case .success(var run)? = current else {
                    if current == nil { current = .failure(GradeIssue(source: source, reason: "an executed action before any test_data record")) }
                    continue
                }
                run.steps.append(step)
                current = .success(run)
            } else if line.contains("****** end exec action:") {
                current = .failure(GradeIssue(source: source, reason: "unreadable executed-action line: \(line.prefix(120))"))
            }
        }
        flush()
        // A record that executed nothing (evaluated earlier and skipped) is not a run.
        return runs.filter { result in (try? result.get().steps.count == 0) != true }
    }

    /// The task record of a log's `test_data=` (a Python literal) as a run with no steps yet.
    static func taskRecord(_ literal: Substring, source: LineSource) -> Result<RecordedRun, GradeIssue> {
        guard let json = PythonLiteral.json(literal) else {
            return .failure(GradeIssue(source: source, reason: "test_data is not a readable Python literal"))
        }
        var bytes = Array(json.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            parseTaskRecord(UnsafeBufferPointer(buffer), source: source).mapError { GradeIssue(source: source, reason: "test_data: \($0.reason)") }
        }
    }

    static func parseTaskRecord(_ bytes: UnsafeBufferPointer<UInt8>, source: LineSource) -> Result<RecordedRun, LineProblem> {
        var cursor = JSONCursor(bytes)
        var run = RecordedRun(source: source, identity: .int(0), steps: [], isComplete: false)
        var identity: TaskIdentity?
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else { return .failure(LineProblem("not a task record")) }
            try cursor.readObject { cursor, key in
                if key == "identity" { identity = try GradeInputReader.readIdentity(&cursor) } else { try readTaskField(key, into: &run, &cursor) }
            }
        } catch let error as JSONPathError {
            return .failure(LineProblem(error.isSyntax ? "not valid: \(error.syntaxDescription(in: bytes))" : "field \(error.pathText): \(error.reason)"))
        } catch {
            return .failure(LineProblem("\(error)"))
        }
        guard let identity else { return .failure(LineProblem("no identity field")) }
        run.identity = identity
        if run.keyActions == nil { run.keyActions = run.keyActionRecords?.map(\.text) }
        return .success(run)
    }

    /// `N ****** end exec action: <action> [<object>|None] success: True|False ***`.
    static func executedStep(_ line: Substring) -> RecordedStep? {
        guard let marker = line.range(of: "****** end exec action: "), line.hasSuffix(" ***") else { return nil }
        let body = line[marker.upperBound...].dropLast(4)
        guard let split = body.range(of: " success: ", options: .backwards) else { return nil }
        let verdict = body[split.upperBound...]
        guard verdict == "True" || verdict == "False" else { return nil }
        // The action is a vocabulary word; the rest is the object (`None` when there is none).
        guard let action = Action(planStep: String(body[..<split.lowerBound])) else { return nil }
        return RecordedStep(action: action.kind.rawValue, object: action.objectType == "None" ? nil : action.objectType,
                            success: verdict == "True" ? .truthy : .zero)
    }
}

/// Rewrites a Python literal (dicts, lists, tuples, strings, numbers, True/False/None), as Python's
/// `repr` prints it, into JSON text for `JSONCursor`. Returns nil on anything else.
enum PythonLiteral {
    static func json(_ text: Substring) -> String? {
        var out = ""
        var index = text.startIndex
        var depth = 0
        func emitString(_ quote: Character) -> Bool {
            index = text.index(after: index)
            var value = ""
            while index < text.endIndex {
                let character = text[index]
                if character == quote {
                    index = text.index(after: index)
                    out += JSONValue.string(value).compact
                    return true
                }
                if character == "\\" {
                    index = text.index(after: index)
                    guard index < text.endIndex else { return false }
                    switch text[index] {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    case "\\", "'", "\"": value.append(text[index])
                    default: return false  // \x, \u: not in the records we read
                    }
                } else {
                    value.append(character)
                }
                index = text.index(after: index)
            }
            return false
        }
        repeat {
            guard index < text.endIndex else { return nil }
            let character = text[index]
            switch character {
            case "'", "\"":
                guard emitString(character) else { return nil }
                continue
            case "{", "[", "(":
                depth += 1
                out.append(character == "(" ? "[" : character)
            case "}", "]", ")":
                depth -= 1
                out.append(character == ")" ? "]" : character)
            case ",", ":", " ", "-", ".", "+", "e", "E", "0"..."9":
                out.append(character)
            case "T", "F", "N":
                let rest = text[index...]
                guard let word = [("True", "true"), ("False", "false"), ("None", "null")].first(where: { rest.hasPrefix($0.0) }) else { return nil }
                out += word.1
                index = text.index(index, offsetBy: word.0.count)
                continue
            default:
                return nil
            }
            index = text.index(after: index)
        } while depth > 0
        return out
    }
}
