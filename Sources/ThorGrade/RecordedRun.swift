import Foundation
import ThorJSON
import ThorModel
import ThorSim

/// One trajectory entry of a run recorded by the real (Unity) evaluation: what `diverge`
/// compares (action, object, success, observation sets) and what the frame tools show (the step
/// counter in the frames' names, the response, the feedback, the saved frames).
public struct RecordedStep: Hashable, Sendable {
    /// The reference's step counter after the step (the number in its frames' names); nil for an
    /// entry that did not count as a step (an illegal action, the final `end`).
    public var number: Int?
    public var response: String
    public var action: String
    public var object: String?
    /// The run's own success value as the reference tests it; nil when the run records none.
    public var success: RecordedSuccess?
    /// The feedback the model was shown (`errorInfo`).
    public var feedback: String
    /// File names of the frames saved for this step.
    public var images: [String]
    /// Navigable types after the step; nil when the run did not record them (a log, or `null`).
    public var legalLocations: [String]?
    /// Interactable types after the step; nil when not recorded.
    public var legalObjects: [String]?

    public init(number: Int? = nil, response: String = "", action: String, object: String?, success: RecordedSuccess?,
                feedback: String = "", images: [String] = [], legalLocations: [String]? = nil, legalObjects: [String]? = nil) {
        self.number = number
        self.response = response
        self.action = action
        self.object = object
        self.success = success
        self.feedback = feedback
        self.images = images
        self.legalLocations = legalLocations
        self.legalObjects = legalObjects
    }

    /// The success flag the frame tools show: true or false when the run recorded a truthy value
    /// or a zero, nil when it recorded none (or null, "", [] or {}).
    public var succeeded: Bool? {
        switch success {
        case .truthy?: true
        case .zero?: false
        case .falsyNonZero?, nil: nil
        }
    }

    /// Whether Unity executed it as a success (what `diverge` compares): an unrecorded value is not.
    var isTruthy: Bool { success?.isTruthy ?? false }
}

/// One episode recorded by the real (Unity) evaluation: a `result.json`, a results line, the
/// task record and executed actions of an evaluator log, or a run directory in the reference
/// layout (`<model>/<run>/` holding frames, and `result.json` or `run.log`). Task fields the run
/// carries are kept; `diverge` takes the rest from the store, the frame tools from the folder name.
public struct RecordedRun: Sendable {
    /// Where the record is: the file and line `diverge` reports.
    public var source: LineSource
    /// Which record `steps` came from.
    public var origin: Origin
    public var identity: TaskIdentity?
    /// The model the run names (`model` field, or the log's `model=`).
    public var model: String?
    public var scene: String?
    public var taskType: String?
    public var instructionIndex: Int?
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
    /// The run directory, when the run was read as one (`read(directory:)`).
    public var directory: String?
    /// `<model folder>/<run folder>` of a run directory.
    public var run: String?
    /// The model folder of a run directory (the reference writes the model name with `/` as `_`).
    public var modelFolder: String?

    /// Where a run's steps came from; the raw value is what the frame index records.
    public enum Origin: String, Sendable {
        case resultJSON = "result.json"
        case resultsLine = "results line"
        case runLog = "run.log"
        case frameNames = "frame names"
    }

    public init(source: LineSource, identity: TaskIdentity?, steps: [RecordedStep], isComplete: Bool, origin: Origin = .resultJSON) {
        self.source = source
        self.origin = origin
        self.identity = identity
        self.steps = steps
        self.isComplete = isComplete
    }

    /// A run directory before anything in it is read: the folder names only, no steps.
    public init(directory: String) {
        let url = URL(fileURLWithPath: directory)
        self.init(source: LineSource(file: directory, line: 0), identity: nil, steps: [], isComplete: false, origin: .frameNames)
        self.directory = directory
        modelFolder = url.deletingLastPathComponent().lastPathComponent
        run = "\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)"
    }

    /// The identity, else a name for the run (its run folder, else its file): `runs(inFile:)`
    /// yields only runs with an identity; a run directory or a hand-built run may have none.
    public var identityOrName: TaskIdentity { identity ?? .string(run ?? source.file) }

    /// The step with this counter value.
    public func step(number: Int) -> RecordedStep? { steps.first { $0.number == number } }

    /// Reads a run directory: `result.json` if present, else `run.log` (its last task with
    /// executed actions), else nothing but the folder (the frame tools then go by the frames'
    /// names). What the record lacks is taken from the folder name
    /// (`<identity>_<tasktype>_<scene>_<instruction index>`). Unlike `runs(inFile:)`, a record
    /// without an identity, a trajectory or an entry's success value is accepted.
    public static func read(directory: String) throws -> RecordedRun {
        var run = RecordedRun(directory: directory)
        let resultPath = (directory as NSString).appendingPathComponent("result.json")
        let logPath = (directory as NSString).appendingPathComponent("run.log")
        if FileManager.default.fileExists(atPath: resultPath) {
            let data = try RecordedRunReader.contents(of: resultPath)
            run.adopt(try data.withUnsafeBytes { raw in
                try RecordedRunReader.parseResult(raw.bindMemory(to: UInt8.self), source: LineSource(file: resultPath, line: 1), origin: .resultJSON, strict: false)
                    .mapError { GradeIssue(file: resultPath, reason: $0.reason) }.get()
            })
        } else if let data = try? RecordedRunReader.contents(of: logPath) {
            // The last task record with executed actions; an unreadable record keeps the actions
            // out of the run but not the frames out of the index.
            let logged = RecordedRunReader.runs(inLog: String(decoding: data, as: UTF8.self), file: logPath).compactMap { try? $0.get() }
            run.adopt(logged.last ?? RecordedRun(source: LineSource(file: logPath, line: 0), identity: nil, steps: [], isComplete: false, origin: .runLog))
        }
        let folderFields = FolderName((directory as NSString).lastPathComponent)
        run.identity = run.identity ?? folderFields?.identity
        run.scene = run.scene ?? folderFields?.scene
        run.taskType = run.taskType ?? folderFields?.taskType
        run.instructionIndex = run.instructionIndex ?? folderFields?.instructionIndex
        return run
    }

    /// Takes a record read from this run directory, keeping the directory's fields.
    mutating func adopt(_ record: RecordedRun) {
        var record = record
        (record.directory, record.run, record.modelFolder) = (directory, run, modelFolder)
        self = record
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

    /// Every run in one file, or the reason a line could not be read. Each record must carry an
    /// identity and a trajectory whose entries have an action and a success value.
    public static func runs(inFile path: String) throws -> [Result<RecordedRun, GradeIssue>] {
        let data = try contents(of: path)
        if path.hasSuffix(".log") { return runs(inLog: String(decoding: data, as: UTF8.self), file: path) }
        let wholeFile = path.hasSuffix(".json")
        return data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var runs: [Result<RecordedRun, GradeIssue>] = []
            func read(_ range: Range<Int>, line: Int) {
                let source = LineSource(file: path, line: line)
                runs.append(parseResult(UnsafeBufferPointer(rebasing: bytes[range]), source: source, origin: wholeFile ? .resultJSON : .resultsLine, strict: true)
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

    /// The one reader of a result record (`result.json`, a results line). `strict` is `diverge`'s
    /// rule: an identity, a non-empty trajectory, and an action and a success value in each entry.
    static func parseResult(_ bytes: UnsafeBufferPointer<UInt8>, source: LineSource, origin: RecordedRun.Origin, strict: Bool) -> Result<RecordedRun, LineProblem> {
        var cursor = JSONCursor(bytes)
        var run = RecordedRun(source: source, identity: nil, steps: [], isComplete: false, origin: origin)
        var trajectory: [RecordedStep]?
        do {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else { return .failure(LineProblem("not a JSON object (each line must be one {...} record)")) }
            try cursor.readObject { cursor, key in
                switch key {
                case "identity": run.identity = try GradeInputReader.readIdentity(&cursor)
                case "trajectory": trajectory = try cursor.readNull() ? nil : readSteps(&cursor, strict: strict)
                default: try readTaskField(key, into: &run, &cursor)
                }
            }
            try cursor.expectEnd()
        } catch let error as JSONPathError {
            return .failure(LineProblem(error.isSyntax ? "not valid JSON: \(error.syntaxDescription(in: bytes))" : "field \(error.pathText): \(error.reason)"))
        } catch {
            return .failure(LineProblem("\(error)"))
        }
        if strict {
            guard run.identity != nil else { return .failure(LineProblem("no identity field")) }
            guard let trajectory, !trajectory.isEmpty else { return .failure(LineProblem("no recorded trajectory (diverge compares what Unity recorded)")) }
        }
        run.steps = numbered(trajectory ?? [])
        run.isComplete = run.steps.last?.action == "end"
        return .success(run)
    }

    /// Numbers the entries as the reference's step counter does: each vocabulary action counts
    /// (failed ones too), the final `end` and illegal-action entries do not; a frame name, where
    /// the entry has one, says the number outright.
    static func numbered(_ entries: [RecordedStep]) -> [RecordedStep] {
        var entries = entries, counter = 0
        for index in entries.indices {
            if let named = entries[index].images.lazy.compactMap({ FrameName(fileName: $0)?.step }).first {
                counter = named
            } else if let kind = ActionKind(rawValue: entries[index].action), kind.isExecutable, kind != .end {
                counter += 1
            } else {
                continue
            }
            entries[index].number = counter
        }
        return entries
    }

    /// The task fields a result or a task record may carry; anything else is skipped.
    static func readTaskField(_ key: String, into run: inout RecordedRun, _ cursor: inout JSONCursor) throws {
        switch key {
        case "model": run.model = try cursor.readOptionalString()
        case "scene": run.scene = try cursor.readOptionalString()
        case "tasktype": run.taskType = try cursor.readOptionalString()
        case "taskname": run.taskName = try cursor.readOptionalString()
        case "instruction_idx": run.instructionIndex = try cursor.readNull() ? nil : cursor.readWholeNumber()
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

    static func readSteps(_ cursor: inout JSONCursor, strict: Bool) throws -> [RecordedStep] {
        var steps: [RecordedStep] = []
        try cursor.readArray { cursor, _ in
            guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a trajectory entry)") }
            var step = RecordedStep(action: "", object: nil, success: nil)
            var sawAction = false
            try cursor.readObject { cursor, key in
                switch key {
                case "action":
                    sawAction = true
                    step.action = try strict ? cursor.readString() : cursor.readOptionalString() ?? ""
                case "object": step.object = try cursor.readOptionalString()
                case "success": step.success = try GradeInputReader.readRecordedSuccess(&cursor)
                case "response": step.response = try cursor.readOptionalString() ?? ""
                case "errorInfo": step.feedback = try cursor.readOptionalString() ?? ""
                case "images":
                    switch cursor.peek() {
                    case UInt8(ascii: "\""): step.images = [try cursor.readString()]
                    case UInt8(ascii: "["): step.images = try cursor.readStringList()
                    default: try cursor.skipValue()
                    }
                    step.images = step.images.map { ($0 as NSString).lastPathComponent }
                case "legal_locations": step.legalLocations = try cursor.readNull() ? nil : cursor.readStringList()
                case "legal_objects": step.legalObjects = try cursor.readNull() ? nil : cursor.readStringList()
                default: try cursor.skipValue()
                }
            }
            if strict {
                guard sawAction else { throw JSONPathError(path: [".action"], reason: "missing", offset: cursor.offset, isSyntax: false) }
                guard step.success != nil else { throw JSONPathError(path: [".success"], reason: "missing", offset: cursor.offset, isSyntax: false) }
            }
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
        var run = RecordedRun(source: source, identity: nil, steps: [], isComplete: false, origin: .runLog)
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
        // The number before the marker is the step counter after the action.
        return RecordedStep(number: Int(line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)),
                            action: action.kind.rawValue, object: action.objectType == "None" ? nil : action.objectType,
                            success: verdict == "True" ? .truthy : .zero)
    }
}

/// `<identity>_<tasktype>_<scene>_<instruction index>`, the reference's run folder name.
struct FolderName {
    var identity: TaskIdentity
    var taskType: String
    var scene: String
    var instructionIndex: Int

    init?(_ name: String) {
        let parts = name.split(separator: "_").map(String.init)
        guard parts.count >= 4, let index = Int(parts[parts.count - 1]), parts[parts.count - 2].hasPrefix("FloorPlan") else { return nil }
        scene = parts[parts.count - 2]
        instructionIndex = index
        let head = parts.dropLast(2).joined(separator: "_")
        // The task type is a known one the head ends with; the identity is what precedes it.
        let known = TaskCategory.allCases.flatMap(\.taskTypes).sorted { $0.count > $1.count }
        if let type = known.first(where: { head.hasSuffix("_" + $0) }) {
            taskType = type
            identity = TaskIdentity(parsing: String(head.dropLast(type.count + 1)))
        } else {
            identity = TaskIdentity(parsing: parts[0])
            taskType = parts.dropFirst().dropLast(2).joined(separator: "_")
        }
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
