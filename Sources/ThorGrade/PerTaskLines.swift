import Foundation
import ThorJSON
import ThorModel

/// One line of a `--per-task` file, read back: where the graded line came from and what it adds
/// to the reports.
public struct PerTaskRecord: Sendable, Hashable {
    /// The input file and line the graded line was read from (the per-task line's `file` and
    /// `line`), when it records them.
    public var origin: LineSource?
    /// The task's scene, when the line names one.
    public var scene: String?
    public var line: TallyLine
}

/// Reads the per-task lines `grade --per-task` writes, so runs graded earlier (or on other
/// machines, as shards) can be compared or merged without grading them again. Each line carries
/// everything the reports need: identity, model, task type, metrics and, from simulate mode,
/// `goal_success`, `goal_conditions_met`/`_total` and the steps' error kinds.
public enum PerTaskLines {
    /// True when the first non-blank line is a per-task line (it has `metrics` and no
    /// trajectory, plan or responses).
    public static func looksLikePerTask(_ data: Data) -> Bool {
        guard let line = data.split(separator: UInt8(ascii: "\n")).first(where: { !isBlank($0) }) else { return false }
        var keys = Set<String>()
        let parsed: Bool = Data(line).withUnsafeBytes { raw in
            var cursor = JSONCursor(raw.bindMemory(to: UInt8.self))
            return (try? cursor.readObject { cursor, key in
                keys.insert(key)
                try cursor.skipValue()
            }) != nil
        }
        return parsed && keys.contains("metrics") && keys.isDisjoint(with: inputKeys)
    }

    /// The fields that make a line an input to grade rather than a per-task output.
    static let inputKeys: Set = ["trajectory", "actions", "responses"]

    static func isBlank(_ line: some Collection<UInt8>) -> Bool {
        line.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 }
    }

    /// Each line's model and outcome, for `compare`; lines that cannot be read are returned as
    /// issues.
    public static func read(_ data: Data, file: String) -> (tasks: [(model: String, task: ComparedTask)], issues: [GradeIssue]) {
        var tasks: [(String, ComparedTask)] = [], issues: [GradeIssue] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if isBlank(line) { continue }
            switch Array(line).withUnsafeBufferPointer({ parse($0, source: LineSource(file: file, line: index + 1)) }) {
            case .success(let record): tasks.append((record.line.model, ComparedTask(record.line)))
            case .failure(let issue): issues.append(issue)
            }
        }
        return (tasks, issues)
    }

    /// Calls `body` with the position and record of every non-blank line of a per-task file (`-`
    /// for standard input), read in bounded chunks, in order. Returns a problem with the file as a whole (cannot open, read
    /// error) after passing on every line read before it.
    public static func forEachRecord(inFile path: String, _ body: (LineSource, Result<PerTaskRecord, GradeIssue>) -> Void) -> GradeIssue? {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return GradeIssue(file: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
        let reader = ChunkReader(descriptor: descriptor, closes: path != "-")
        defer { reader.close() }
        let buffer = ChunkBuffer()
        var base = 0
        while reader.nextChunk(size: GradeInputReader.defaultChunkSize, into: buffer) {
            base += GradeInputStream.forEachLineSpan(in: buffer.bytes, padding: 0) { line, _, number in
                let source = LineSource(file: path, line: base + number)
                body(source, parse(line, source: source))
            }
        }
        if let failure = reader.failure { return GradeIssue(file: path, reason: "cannot read: \(failure)") }
        return nil
    }

    /// One per-task line; `source` is where the per-task line itself is, for messages.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>, source: LineSource) -> Result<PerTaskRecord, GradeIssue> {
        var cursor = JSONCursor(line)
        do {
            return .success(try parse(&cursor))
        } catch let error as JSONPathError {
            return .failure(GradeIssue(source: source, reason: error.pathText.isEmpty ? error.reason : "\(error.pathText): \(error.reason)"))
        } catch {
            return .failure(GradeIssue(source: source, reason: "\(error)"))
        }
    }

    static func parse(_ cursor: inout JSONCursor) throws -> PerTaskRecord {
        var identity: TaskIdentity?, model = "unknown", taskType: String?, metrics: TaskMetrics?
        var file: String?, lineNumber: Int?, scene: String?
        var goal: Bool?, met: Int?, total: Int?, errors: [String] = []
        try cursor.readObject { cursor, key in
            switch key {
            case "identity":
                cursor.skipWhitespace()
                if cursor.peek() == UInt8(ascii: "\"") {
                    identity = .string(try cursor.readString())
                } else if let number = try cursor.readWholeNumber() {
                    identity = .int(number)
                } else {
                    throw cursor.invalid("identity must be a whole number or a string")
                }
            case "model": model = try cursor.readString()
            case "tasktype": taskType = try cursor.readString()
            case "file": file = try cursor.readString()
            case "scene": scene = try cursor.readNull() ? nil : try cursor.readString()
            case "line": lineNumber = try wholeNumber(&cursor, "line")
            case "goal_success": goal = try cursor.readNull() ? nil : try cursor.readBool()
            case "goal_conditions_met": met = try wholeNumber(&cursor, "goal_conditions_met")
            case "goal_conditions_total": total = try wholeNumber(&cursor, "goal_conditions_total")
            case "metrics": metrics = try readMetrics(&cursor)
            case "steps":
                if try cursor.readNull() { return }
                try cursor.readArray { cursor, _ in
                    try cursor.readObject { cursor, key in
                        if key == "error", !(try cursor.readNull()) {
                            errors.append(try cursor.readString())
                        } else if key != "error" {
                            try cursor.skipValue()
                        }
                    }
                }
            case _ where inputKeys.contains(key):
                throw cursor.invalid("an input line (it has \(key)), not a per-task line: grade it first")
            default: try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard let identity else { throw cursor.invalid("a per-task line needs identity") }
        guard let taskType else { throw cursor.invalid("a per-task line needs tasktype") }
        guard let metrics else { throw cursor.invalid("a per-task line needs metrics") }
        var simulated: TallyLine.Simulated?
        if let goal {
            // Per-task lines from before the goal counts were written give 0 of 0.
            simulated = .init(goalSuccess: goal, conditionsMet: met ?? 0, conditionsTotal: total ?? 0, stepErrors: errors)
        }
        let origin = file.flatMap { file in lineNumber.map { LineSource(file: file, line: $0) } }
        return PerTaskRecord(
            origin: origin, scene: scene,
            line: TallyLine(identity: identity, model: model, taskType: taskType, metrics: metrics, simulation: simulated))
    }

    static func wholeNumber(_ cursor: inout JSONCursor, _ field: String) throws -> Int {
        guard let value = try cursor.readWholeNumber() else { throw cursor.invalid("\(field) must be a whole number") }
        return value
    }

    static func readMetrics(_ cursor: inout JSONCursor) throws -> TaskMetrics {
        var m = TaskMetrics(success: 0, efficiency: 0, completeness: 0, completenessOrdered: 0, keyActionsSuccess: 0, repeatRate: 0, step: 0)
        var seen = Set<String>()
        try cursor.readObject { cursor, key in
            seen.insert(key)
            switch key {
            case "success": m.success = try wholeNumber(&cursor, "success")
            case "efficiency": m.efficiency = try cursor.readDouble()
            case "completeness": m.completeness = try cursor.readDouble()
            case "completeness_ordered": m.completenessOrdered = try cursor.readDouble()
            case "key_actions_success": m.keyActionsSuccess = try wholeNumber(&cursor, "key_actions_success")
            case "repeat_rate": m.repeatRate = try cursor.readDouble()
            case "step": m.step = try wholeNumber(&cursor, "step")
            default: try cursor.skipValue()
            }
        }
        let needed: Set = ["success", "efficiency", "completeness", "completeness_ordered", "repeat_rate"]
        guard needed.isSubset(of: seen) else {
            throw cursor.invalid("metrics lacks " + needed.subtracting(seen).sorted().joined(separator: ", "))
        }
        return m
    }
}
