import Foundation
import ThorJSON
import ThorModel

/// One executed (or attempted) step of a recorded run.
public struct RecordedStep: Hashable, Sendable {
    /// The reference's step counter after the step (the number in its frames' names); nil for an
    /// entry that did not count as a step (an illegal action).
    public var number: Int?
    public var response: String
    public var action: String
    public var object: String?
    /// The run's own success flag, when it records one.
    public var success: Bool?
    /// The feedback the model was shown (`errorInfo`).
    public var feedback: String
    /// File names of the frames saved for this step.
    public var images: [String]
}

/// A run directory in the reference evaluator's layout (`<model>/<run>/` holding frames, and
/// `result.json` when the run finished, `run.log` when it was logged): what task it ran and the
/// actions it took, from the best source present.
public struct RecordedRun: Sendable {
    public var directory: String
    /// `<model folder>/<run folder>`.
    public var run: String
    /// The model folder (the reference writes the model name with `/` replaced by `_`).
    public var model: String
    public var identity: TaskIdentity?
    public var scene: String?
    public var taskType: String?
    public var instructionIndex: Int?
    public var taskName: String?
    public var keyActions: [String]
    public var steps: [RecordedStep]
    /// `result.json`, `run.log` or `frame names`: where `steps` came from.
    public var source: String

    /// Reads a run directory: `result.json` if present, else `run.log`, else the frames' names;
    /// what is missing from the file is taken from the folder name
    /// (`<identity>_<tasktype>_<scene>_<instruction index>`).
    public static func read(directory: String) throws -> RecordedRun {
        let url = URL(fileURLWithPath: directory)
        let folder = url.lastPathComponent
        let modelFolder = url.deletingLastPathComponent().lastPathComponent
        var run = RecordedRun(
            directory: directory, run: "\(modelFolder)/\(folder)", model: modelFolder, identity: nil, scene: nil,
            taskType: nil, instructionIndex: nil, taskName: nil, keyActions: [], steps: [], source: "frame names")
        let folderFields = FolderName(folder)
        let resultPath = url.appendingPathComponent("result.json").path
        let logPath = url.appendingPathComponent("run.log").path
        if FileManager.default.fileExists(atPath: resultPath) {
            try run.readResult(try FileBytes.read(resultPath), file: resultPath)
            run.source = "result.json"
        } else if let log = try? FileBytes.read(logPath) {
            run.steps = RunLog.steps(log)
            run.source = "run.log"
        }
        run.identity = run.identity ?? folderFields?.identity
        run.scene = run.scene ?? folderFields?.scene
        run.taskType = run.taskType ?? folderFields?.taskType
        run.instructionIndex = run.instructionIndex ?? folderFields?.instructionIndex
        return run
    }

    /// The step with this counter value.
    public func step(number: Int) -> RecordedStep? { steps.first { $0.number == number } }

    /// Whether a frame is its step's own picture: the run records that action at that step (or
    /// records nothing for the step). The evaluator also saves intermediate frames while it
    /// moves, numbered with the previous step (test_001's `FloorPlan1_9_move_forward.png` was
    /// saved during step 10's move; its step 9 is a failed pickup).
    public func owns(_ frame: FrameName) -> Bool {
        guard let recorded = step(number: frame.step) else { return true }
        func normal(_ action: String) -> String { action == "put in" ? "put" : action }
        return normal(recorded.action) == normal(frame.action)
    }

    /// Reads the fields of a reference `result.json` thor-lite uses; others are skipped.
    mutating func readResult(_ data: Data, file: String) throws {
        var entries: [RecordedStep] = []
        do {
            try data.withUnsafeBytes { raw in
                var cursor = JSONCursor(raw.bindMemory(to: UInt8.self))
                cursor.skipWhitespace()
                try cursor.readObject { cursor, key in
                    switch key {
                    case "identity":
                        if cursor.peek() == UInt8(ascii: "\"") {
                            identity = .string(try cursor.readString())
                        } else if let number = try cursor.readWholeNumber() {
                            identity = .int(number)
                        }
                    case "scene": scene = try cursor.readOptionalString()
                    case "tasktype": taskType = try cursor.readOptionalString()
                    case "taskname": taskName = try cursor.readOptionalString()
                    case "instruction_idx": instructionIndex = try cursor.readWholeNumber()
                    case "key_actions": keyActions = try cursor.readStringList()
                    case "trajectory":
                        try cursor.readArray { cursor, _ in entries.append(try Self.readEntry(&cursor)) }
                    default: try cursor.skipValue()
                    }
                }
            }
        } catch let error as JSONPathError {
            throw RunReadError(file: file, reason: String(describing: error))
        }
        // Number the entries as the reference's step counter does: each executable action counts
        // (failed ones too); a frame name, where there is one, says the number outright.
        var counter = 0
        for index in entries.indices {
            let kind = ActionKindName(entries[index].action)
            if let named = entries[index].images.lazy.compactMap({ FrameName(fileName: $0)?.step }).first {
                counter = named
            } else if kind.counts {
                counter += 1
            } else {
                continue
            }
            entries[index].number = counter
        }
        steps = entries
    }

    static func readEntry(_ cursor: inout JSONCursor) throws -> RecordedStep {
        var step = RecordedStep(number: nil, response: "", action: "", object: nil, success: nil, feedback: "", images: [])
        try cursor.readObject { cursor, key in
            switch key {
            case "response": step.response = try cursor.readOptionalString() ?? ""
            case "action": step.action = try cursor.readOptionalString() ?? ""
            case "object": step.object = try cursor.readOptionalString()
            case "errorInfo": step.feedback = try cursor.readOptionalString() ?? ""
            case "success": step.success = try readTruthiness(&cursor)
            case "images":
                switch cursor.peek() {
                case UInt8(ascii: "\""): step.images = [try cursor.readString()]
                case UInt8(ascii: "["): step.images = try cursor.readStringList()
                default: try cursor.skipValue()
                }
                step.images = step.images.map { ($0 as NSString).lastPathComponent }
            default: try cursor.skipValue()
            }
        }
        return step
    }

    /// A recorded success flag as Python's truthiness reads it (null: unknown).
    static func readTruthiness(_ cursor: inout JSONCursor) throws -> Bool? {
        switch cursor.peek() {
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return try cursor.readBool()
        case UInt8(ascii: "n"):
            _ = try cursor.readNull()
            return nil
        case UInt8(ascii: "\""): return !(try cursor.readString()).isEmpty
        default:
            if let byte = cursor.peek(), byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                return try cursor.readDouble() != 0
            }
            try cursor.skipValue()
            return nil
        }
    }
}

/// Whether a trajectory entry's action moves the reference's step counter.
struct ActionKindName {
    let counts: Bool

    init(_ action: String) {
        // Vocabulary actions are executed (and counted) even when they fail; the final `end`
        // and illegal-action entries are not.
        counts = ["init", "navigate to", "pickup", "put", "put in", "toggle", "open", "close", "observe", "move forward"].contains(action)
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

/// The evaluator's log: `3 ****** end exec action: navigate to Cabinet success: True ***` per
/// executed action, the number being the step counter after it. Scanned as bytes: the log is
/// mostly model output, and only these lines matter.
enum RunLog {
    static let marker = Array(" ****** end exec action: ".utf8)

    static func steps(_ data: Data) -> [RecordedStep] {
        var steps: [RecordedStep] = []
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                // Only lines that start with the step number can be action lines.
                if lineEnd - lineStart > marker.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[lineStart]) {
                    let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
                    if let step = parse(line) { steps.append(step) }
                }
                lineStart = lineEnd + 1
            }
        }
        return steps
    }

    static func parse(_ line: String) -> RecordedStep? {
        guard let marker = line.range(of: " ****** end exec action: "), line.hasSuffix(" ***"),
              let number = Int(line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)) else { return nil }
        let body = line[marker.upperBound...].dropLast(4)
        guard let split = body.range(of: " success: ", options: .backwards) else { return nil }
        var text = String(body[..<split.lowerBound])
        if text.hasSuffix(" None") { text.removeLast(5) }
        let action = ["navigate to", "move forward", "put in"].first { text == $0 || text.hasPrefix($0 + " ") }
            ?? String(text.prefix { $0 != " " })
        let object = text.dropFirst(action.count).trimmingCharacters(in: .whitespaces)
        return RecordedStep(
            number: number, response: "", action: action, object: object.isEmpty ? nil : object,
            success: body[split.upperBound...] == "True", feedback: "", images: [])
    }
}

/// A run file that could not be read.
public struct RunReadError: Error, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}
