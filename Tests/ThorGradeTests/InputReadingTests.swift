import Foundation
import ThorFuzzSupport
import ThorModel
import XCTest

@testable import ThorGrade
import ThorTestSupport

/// Reading inputs: chunk boundaries, line endings, run directories with entries that cannot be
/// read, the whole-document rule, and messages for fields of the wrong type.
final class InputReadingTests: XCTestCase {
    /// The reader cuts a chunk after its last newline, found sixteen bytes at a time from the
    /// end: it must find what a byte-by-byte search finds, for every length and start, with
    /// newlines anywhere (in the first and last block, on block edges, none at all).
    func testTheLastNewlineIsFoundAsAByteByByteSearchFindsIt() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<80 {
            for trial in 0..<20 {
                let bytes: [UInt8] = (0..<length).map { _ in UInt8.random(in: 0..<(trial < 10 ? 12 : 200), using: &generator) == 10 ? 10 : 65 }
                for start in 0...length {
                    let expected = (start..<length).last { bytes[$0] == 10 }
                    let found = bytes.withUnsafeBufferPointer { ChunkReader.lastNewline(in: $0, from: start) }
                    XCTAssertEqual(found, expected, "\(bytes) from \(start)")
                }
            }
        }
    }

    static func resultLine(_ identity: Int, steps: Int = 2, padding: Int = 0) -> String {
        let pickups = Array(repeating: #"{"action": "pickup", "object": "Apple", "success": 1}"#, count: steps)
        let filler = String(repeating: "x", count: padding)
        return #"{"identity": \#(identity), "model": "m", "tasktype": "single_pickup", "taskname": "Pick up the Apple.", "key_actions": ["navigate to CounterTop", "pickup Apple", "end"], "errorInfo": "\#(filler)", "trajectory": [{"action": "init", "object": null, "success": 1}, \#(pickups.joined(separator: ", ")), {"action": "end", "object": null, "success": 1}]}"#
    }

    let grader = Grader(mode: .recorded, lookup: { _ in nil })

    var work: URL!

    override func setUpWithError() throws {
        work = Scratch.url("input")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        // Restore permissions changed by a test so the directory can be removed.
        if let paths = FileManager.default.enumerator(atPath: work.path) {
            for case let path as String in paths { chmod(work.appendingPathComponent(path).path, 0o755) }
        }
        try? FileManager.default.removeItem(at: work)
    }

    func outcomes(_ input: GradeInput, chunkSize: Int) -> [String] {
        var seen: [String] = []
        grader.grade(input, chunkSize: chunkSize) { outcome in
            switch outcome {
            case .success(let task): seen.append("\(task.source.line): \(task.identity) \(task.metrics.step) \(task.metrics.repeatRate)")
            case .failure(let issue): seen.append("\(issue.source.line): \(issue.reason)")
            }
        }
        return seen
    }

    /// Lines straddling chunk edges at every chunk size, CRLF endings, blank and whitespace lines,
    /// a line much longer than a chunk, a BOM, and no final newline: the same outcomes as reading
    /// the text whole, from memory and from a file.
    func testChunkBoundariesDoNotChangeWhatIsRead() throws {
        let lines = [
            "\u{FEFF}" + Self.resultLine(1), "", Self.resultLine(2, steps: 5) + "\r", "   \t\r", Self.resultLine(3, padding: 5000),
            "{\"identity\": 4, \"trajectory\": [", Self.resultLine(5) + "\r", "\r", Self.resultLine(6, steps: 1),
        ]
        for ending in ["", "\n", "\r\n"] {
            let text = lines.joined(separator: "\n") + ending
            let file = work.appendingPathComponent("lines.jsonl")
            try Data(text.utf8).write(to: file)
            let expected = [
                "1: 1 2 0.0", "3: 2 2 0.0", "5: 3 2 0.0",
                "6: field trajectory[0]: expected an object (a trajectory entry), found the end of the data", "7: 5 2 0.0", "9: 6 2 0.0",
            ]
            for chunkSize in [1, 2, 3, 7, 64, 333, 4096, GradeInputReader.defaultChunkSize] {
                XCTAssertEqual(outcomes(GradeInput(source: .memory(Data(text.utf8)), name: "m"), chunkSize: chunkSize), expected, "memory, chunk \(chunkSize), ending \(ending.debugDescription)")
                XCTAssertEqual(outcomes(GradeInput(source: .file(file.path), name: "f"), chunkSize: chunkSize), expected, "file, chunk \(chunkSize)")
            }
        }
    }

    /// Workers render per-task lines with absolute line numbers, known before a chunk is graded
    /// (`ReorderBuffer.lineBase`), and hand them on a chunk at a time: at every chunk size
    /// (chunks of one line, lines cut by chunk ends, blank lines and invalid lines between valid
    /// ones, a BOM, no final newline), from memory and a file, the per-task bytes must be each
    /// graded line rendered alone, in input order, and the outcomes' numbers the lines' own.
    func testPerTaskLinesRenderedByChunkHaveTheirAbsoluteLineNumbers() throws {
        var lines = ["\u{FEFF}" + Self.resultLine(1)]
        for n in 2...60 {
            switch n % 9 {
            case 0: lines.append("")
            case 4: lines.append("  \r")
            case 7: lines.append(#"{"identity": \#(n), "trajectory": "#)
            default: lines.append(Self.resultLine(n % 13, steps: 1 + n % 4, padding: n % 5 == 0 ? 3000 : 0))
            }
        }
        let text = lines.joined(separator: "\n")
        let file = work.appendingPathComponent("per-task.jsonl")
        try Data(text.utf8).write(to: file)
        for chunkSize in [1, 100, 700, 4096, 20_000, GradeInputReader.defaultChunkSize] {
            for input in [GradeInput(source: .memory(Data(text.utf8)), name: "m"), GradeInput(source: .file(file.path), name: "f")] {
                var expected: [UInt8] = [], numbers: [Int] = []
                grader.grade(input, chunkSize: chunkSize) { outcome in
                    if case .success(let task) = outcome { ReportWriters.writePerTask(task, into: &expected); expected.append(10) }
                }
                var rendered: [UInt8] = []
                grader.grade(input, chunkSize: chunkSize, renderingPerTask: true, tallying: { outcome in
                    switch outcome {
                    case .success(let line): numbers.append(line.source.line)
                    case .failure(let issue): numbers.append(-issue.source.line)
                    }
                }, perTask: { rendered += $0 })
                XCTAssertEqual(String(decoding: rendered, as: UTF8.self), String(decoding: expected, as: UTF8.self), "\(input.name), chunk \(chunkSize)")
                let graded = lines.indices.filter { lines[$0].contains("trajectory") }.map { lines[$0].hasSuffix(": ") ? -($0 + 1) : $0 + 1 }
                XCTAssertEqual(numbers, graded, "\(input.name), chunk \(chunkSize)")
            }
        }
    }

    /// Empty inputs have no lines, and never a NaN.
    func testEmptyInputsHaveNoLinesAndNoNaN() {
        for text in ["", "\n\n", "  \r\n"] {
            XCTAssertEqual(outcomes(GradeInput(source: .memory(Data(text.utf8)), name: "e"), chunkSize: 4), [])
        }
        let report = grader.grade(Data(), file: "e")
        XCTAssertEqual(report.all.overall, MetricBlock(count: 0, successRate: 0, efficiency: 0, completeness: 0, completenessOrdered: 0, repeatRate: 0))
        let rendered = ReportWriters.table(report) + ReportWriters.csv(report) + ReportWriters.summary(report).compact
        XCTAssertFalse(rendered.lowercased().contains("nan"), rendered)
    }

    /// A file that shrinks while it is read ends the read early; memory-mapped, it was a SIGBUS.
    func testAFileThatShrinksWhileReadIsNotACrash() throws {
        let file = work.appendingPathComponent("shrinking.jsonl")
        let lines = (1...400).map { Self.resultLine($0, padding: 10_000) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        var seen = 0
        grader.grade(GradeInput(source: .file(file.path), name: "s"), chunkSize: 64 << 10) { outcome in
            if seen == 0 { truncate(file.path, 1000) }
            seen += 1
            if case .failure(let issue) = outcome { XCTAssertEqual(issue.source.line, seen, "\(issue)") }
        }
        XCTAssertGreaterThan(seen, 0)
        XCTAssertLessThan(seen, 400, "the truncation was seen")
    }

    func testWrongFieldTypesNameTheFieldAndTheExpectedType() {
        let cases = [
            #"{"identity": 1, "responses": "open fridge"}"#: "field responses: expected an array of strings, found a string",
            #"{"identity": 1, "actions": 5}"#: "field actions: expected an array of strings, found a number",
            #"{"identity": 1, "actions": ["end", 3]}"#: "field actions[1]: expected a string, found a number",
            #"{"identity": 1, "trajectory": "none"}"#: "field trajectory: expected an array of trajectory entries, found a string",
            #"{"identity": [1], "actions": []}"#: "field identity: expected an integer or a string, found an array",
            #"{"identity": 1, "tasktype": 5, "actions": []}"#: "field tasktype: expected a string, found a number",
            #"{"identity": 1, "trajectory": [{"action": true, "success": 1}]}"#: "field trajectory[0].action: expected a string, found a boolean",
            #"{"identity": 1, "actions": ["a\uD800\u0041"]}"#: #"not valid JSON: invalid surrogate pair \uD800\u0041 at line 1, column 31 (byte 30)"#,
            #"{"identity": 01, "actions": []}"#: "not valid JSON: invalid number (leading zero) at line 1, column 14 (byte 13)",
        ]
        for (line, reason) in cases {
            XCTAssertEqual(grader.grade(Data(line.utf8), file: "t").issues.map(\.reason), [reason], line)
        }
        let deep = #"{"identity": 1, "messages": "# + String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000) + "}"
        XCTAssertEqual(grader.grade(Data(deep.utf8), file: "t").issues.map(\.reason), ["field messages: nested deeper than 512 levels (byte 539)"])
    }

    /// Sizes no real line has must not make a line's cost quadratic: many navigations are counted
    /// by hashing (exactly as the linear scan counts few), and more than `maxKeyActions` key actions
    /// are refused with the reason.
    func testHostileSizesAreLinearOrRefused() {
        func navigations(_ count: Int, distinct: Int) -> String {
            let steps = (0..<count).map { #"{"action": "navigate to", "object": "Obj\#($0 % distinct)", "success": 1}"# }
            return #"{"identity": 1, "tasktype": "single_pickup", "taskname": "x", "key_actions": ["pickup A", "end"], "trajectory": [\#(steps.joined(separator: ", "))]}"#
        }
        for (count, distinct) in [(40, 10), (200, 100), (100_000, 100_000), (100_000, 7)] {
            let report = grader.grade(Data(navigations(count, distinct: distinct).utf8), file: "t")
            XCTAssertEqual(report.tasks.first?.metrics.repeatRate, Double(count - distinct) / Double(count), "\(count) navigations")
        }
        // single_search's substring rule on text built to defeat a naive search.
        let name = String(repeating: "a", count: 200_000)
        for (visible, success) in [(String(repeating: "a", count: 100_000) + "b", 0), (String(repeating: "A", count: 100_000), 1), ("b" + name, 0)] {
            let line = #"{"identity": 1, "tasktype": "single_search", "taskname": "\#(name)", "key_actions": ["navigate to Pot", "end"], "trajectory": [{"action": "end", "success": 1, "legal_objects": ["\#(visible)"]}]}"#
            XCTAssertEqual(grader.grade(Data(line.utf8), file: "t").tasks.first?.metrics.success, success, "\(visible.prefix(3))… (\(visible.count))")
        }
        // The linear fallback agrees with the naive search.
        var random = SeededGenerator(seed: 10)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in random.pick(Array("aab".utf8)) }
            let word = (0..<Int.random(in: 1...4, using: &random)).map { _ in random.pick(Array("ab".utf8)) }
            let naive = text.count >= word.count && (0...(text.count - word.count)).contains { Array(text[$0..<($0 + word.count)]) == word }
            text.withUnsafeBufferPointer { t in word.withUnsafeBufferPointer { w in XCTAssertEqual(t.knuthMorrisPrattContains(w), naive, "\(text) \(word)") } }
        }
        let keys = (0...GradeInputReader.maxKeyActions).map { "\"pickup A\($0)\"" }.joined(separator: ", ")
        let tooMany = #"{"identity": 1, "tasktype": "t", "taskname": "x", "key_actions": [\#(keys)], "trajectory": [{"action": "end", "success": 1}]}"#
        XCTAssertEqual(grader.grade(Data(tooMany.utf8), file: "t").issues.map(\.reason), ["field key_actions: 1001 key actions; a task has at most 1000 (the benchmark's longest has 28)"])
    }

    // MARK: run directories and names

    func write(_ text: String, _ relative: String) throws {
        let url = work.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Every entry that cannot be read is reported as `path: reason`, without opening a FIFO, and
    /// everything else is still listed.
    func testRunDirectoryEntriesThatCannotBeReadAreReportedOneByOne() throws {
        let pretty = "{\n  \"identity\": 1,\n" + Self.resultLine(1).dropFirst(16)
        try write(pretty, "a/run1/result.json")
        try write(Self.resultLine(2), "b/run2/result.json")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("c/result.json"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("d"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("d/result.json").path, withDestinationPath: work.appendingPathComponent("absent").path)
        XCTAssertEqual(mkfifo(work.appendingPathComponent("e/result.json").path, 0o644), -1, "e/ does not exist yet")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("e"), withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(work.appendingPathComponent("e/result.json").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("f").path, withDestinationPath: work.appendingPathComponent("a").path)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("a/loop").path, withDestinationPath: work.path)
        try write("not a result", "a/run1/notes.json")

        let listing = try GradeInputReader.inputs(at: work.path)
        XCTAssertEqual(listing.inputs.map { String($0.name.dropFirst(work.path.count)) }, ["/a/run1/result.json", "/b/run2/result.json"],
                       "the link f/ leads to a/, already walked; a/loop leads back to the root")
        XCTAssertTrue(listing.inputs.allSatisfy(\.isWholeDocument))
        XCTAssertEqual(listing.issues.map { "\($0.source.file.dropFirst(work.path.count)): \($0.reason)" }, [
            "/c/result.json: is a directory, not a result file",
            "/d/result.json: dangling symbolic link (No such file or directory)",
            "/e/result.json: not a regular file (a FIFO); not opened",
        ])
        var report = GradeReport()
        for input in listing.inputs { grader.grade(input) { report.add($0) } }
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.map(\.identity), [.int(1), .int(2)])
    }

    /// Permissions do not bind root (CI runs as root): those sub-cases need another user.
    func testUnreadableEntriesAreReported() throws {
        try write(Self.resultLine(1), "ok/result.json")
        try write(Self.resultLine(2), "locked/result.json")
        try write(Self.resultLine(3), "closed/inner/result.json")
        guard geteuid() != 0 else {
            throw XCTSkip("running as root: permissions cannot make a file unreadable; the unreadable-entry cases need a non-root user")
        }
        chmod(work.appendingPathComponent("locked/result.json").path, 0)
        chmod(work.appendingPathComponent("closed").path, 0)
        let listing = try GradeInputReader.inputs(at: work.path)
        XCTAssertEqual(listing.issues.map { "\($0.source.file.dropFirst(work.path.count)): \($0.reason)" }, ["/closed: cannot read directory: Permission denied"])
        var report = GradeReport()
        for input in listing.inputs { grader.grade(input) { report.add($0) } }
        XCTAssertEqual(report.tasks.map(\.identity), [.int(1)])
        XCTAssertEqual(report.issues.map(\.description), ["\(work.path)/locked/result.json: cannot read: Permission denied"])
    }

    /// Only a file named exactly `result.json` is one document; `myresult.json` is JSON lines.
    func testOnlyResultJSONIsReadAsOneDocument() throws {
        try write(Self.resultLine(1) + "\n" + Self.resultLine(2) + "\n", "myresult.json")
        try write("{\n\"identity\": 3,\n" + Self.resultLine(3).dropFirst(15), "x/result.json")
        for (path, identities) in [("myresult.json", [1, 2]), ("x/result.json", [3])] {
            let listing = try GradeInputReader.inputs(at: work.appendingPathComponent(path).path)
            var report = GradeReport()
            for input in listing.inputs { grader.grade(input) { report.add($0) } }
            XCTAssertEqual(report.issues, [], path)
            XCTAssertEqual(report.tasks.map(\.identity), identities.map(TaskIdentity.int), path)
        }
        XCTAssertThrowsError(try GradeInputReader.inputs(at: work.appendingPathComponent("absent.jsonl").path)) { error in
            XCTAssertEqual((error as? GradeInputError)?.description, "\(work.path)/absent.jsonl: no such file or directory")
        }
        XCTAssertEqual(try GradeInputReader.inputs(at: "-").inputs.map(\.name), ["<stdin>"])
    }
}
