import Foundation
import ThorFuzzSupport
import ThorJSON
import ThorModel
import XCTest

@testable import ThorGrade

/// simdjson reads the grader's fields of most lines (`RecordFields(simdjson:)`) and ThorJSON the
/// lines it declines. A line must never read differently depending on which reader took it: where
/// simdjson accepts a line, ThorJSON must accept it with the same fields.
final class SimdRecordTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// simdjson's reading of `line`, in place with 64 readable bytes after it and copied (fewer
    /// readable); both must agree.
    func simdjsonFields(_ line: [UInt8], file: StaticString = #filePath, lineNumber: UInt = #line) -> RecordFields? {
        let padded = line + Array(repeating: UInt8(ascii: "}"), count: 64)
        let inPlace = padded.withUnsafeBufferPointer { RecordFields(simdjson: UnsafeBufferPointer(rebasing: $0[0..<line.count]), readable: padded.count) }
        let copied = line.withUnsafeBufferPointer { RecordFields(simdjson: $0, readable: $0.count) }
        XCTAssertEqual(inPlace, copied, "in place and copied", file: file, line: lineNumber)
        return copied
    }

    func thorJSONFields(_ line: [UInt8]) -> Result<RecordFields, LineProblem> {
        line.withUnsafeBufferPointer { GradeInputReader.readFields($0) }
    }

    func fixtureLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for name in ["results", "plans", "responses"] {
            let text = try String(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/\(name).jsonl"), encoding: .utf8)
            lines += text.split(separator: "\n").map { Array($0.utf8) }
        }
        return lines
    }

    /// Result lines in the reference's full shape: a dialogue with escapes and non-ASCII text, odd
    /// `success` values, null lists, duplicate and escaped keys.
    func generatedLines(_ random: inout SeededGenerator) -> [[UInt8]] {
        let actions = ["navigate to", "pickup", "put", "open", "end", "init", "error"]
        let objects: [JSONValue] = [.string("Mug"), .string("Fridge"), .string("\u{212A}nife"), .null]
        let successes: [JSONValue] = [.int(1), .int(0), .bool(true), .bool(false), .null, .string(""), .string("yes"),
                                      .array([]), .array([.int(1)]), .object([:]), .int(2), .int(-7), .double(0.0), .double(2.5)]
        return (0..<60).map { index in
            let steps = (0..<Int.random(in: 1...10, using: &random)).map { _ -> JSONValue in
                .object([
                    "response": .string("<DecisionMaking>\"quoted\"\n\tdone é 日本</DecisionMaking>"),
                    "action": .string(random.pick(actions)), "object": random.pick(objects),
                    "legal_objects": Bool.random(using: &random) ? .null : .array([.string("Mug"), .string("ΟΔΟΣ")]),
                    "success": random.pick(successes), "errorInfo": .string("feedback \u{1F} \u{1D11E}"), "images": .null,
                ])
            }
            var line = JSONValue.object([
                "identity": index % 5 == 0 ? .string("task-\(index)") : .int(index), "model": .string("gen"),
                "tasktype": .string("single_pickup"), "taskname": .string("Pick up the Mug \(index)."), "scene": .string("FloorPlan1"),
                "key_actions": .array(["navigate to CounterTop", "pickup Mug", "end"].map(JSONValue.string)),
                "trajectory": .array(steps),
                "messages": .array([.object(["role": .string("user"), "content": .string("Task: \"x\"\n{\"a\": [1, 2.5e3]}")])]),
                "metrics": .object(["efficiency": .double(0.25), "deep": .array([.array([.array([.int(1)])])])]),
            ]).compact
            // Keys the JSON writer does not make: a duplicate (the last wins) and an escaped one.
            if index % 7 == 0 { line = line.replacingOccurrences(of: "{\"identity\"", with: "{\"model\": \"first\", \"identity\"") }
            if index % 9 == 0 { line = line.replacingOccurrences(of: "\"action\"", with: "\"actio\\u006e\"") }
            return Array(line.utf8)
        }
    }

    func testSimdjsonReadsEveryWellFormedLineAsThorJSONDoes() throws {
        var random = SeededGenerator(seed: 11)
        let lines = try fixtureLines() + generatedLines(&random)
        XCTAssertEqual(lines.count, 112)
        for (index, line) in lines.enumerated() {
            let fast = simdjsonFields(line)
            XCTAssertNotNil(fast, "simdjson declined good line \(index): \(String(decoding: line, as: UTF8.self).prefix(200))")
            XCTAssertEqual(fast, try thorJSONFields(line).get(), "line \(index)")
        }
    }

    func testOnDamagedLinesSimdjsonAgreesWithThorJSONOrDeclines() throws {
        var random = SeededGenerator(seed: 12)
        let seeds = try fixtureLines() + generatedLines(&random)
        var accepted = 0, declined = 0, rejectedByBoth = 0
        for mutation in Mutation.allCases {
            for _ in 0..<40 {
                let mutant = mutation.apply(to: random.pick(seeds), using: &random)
                let thorJSON = thorJSONFields(mutant)
                if let fast = simdjsonFields(mutant) {
                    accepted += 1
                    XCTAssertEqual(fast, try? thorJSON.get(), "\(mutation): simdjson accepted what ThorJSON reads differently: \(String(decoding: mutant.prefix(300), as: UTF8.self))")
                } else {
                    declined += 1
                    if case .failure = thorJSON { rejectedByBoth += 1 }
                }
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(rejectedByBoth, 0)
        print("simdjson differential: \(accepted) damaged lines accepted by both alike, \(declined) declined (\(rejectedByBoth) also rejected by ThorJSON)")
    }

    /// Forms simdjson leaves to ThorJSON: the grade is ThorJSON's, whatever simdjson thinks.
    func testLinesSimdjsonDeclinesAreReadByThorJSON() throws {
        let base = #"{"identity": 7, "tasktype": "t", "taskname": "n", "key_actions": ["end"], "trajectory": [{"action": "end", "success": SUCCESS}], "messages": MESSAGES}"#
        func line(success: String = "1", messages: String = "[]") -> [UInt8] {
            Array(base.replacingOccurrences(of: "SUCCESS", with: success).replacingOccurrences(of: "MESSAGES", with: messages).utf8)
        }
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let cases: [(String, [UInt8])] = [
            ("invalid UTF-8 in a skipped string", line(messages: "[\"aXb\"]").map { $0 == UInt8(ascii: "X") ? 0xFF : $0 }),
            ("a number beyond double range in a skipped field", line(messages: "[1e400]")),
            ("an integer beyond 64 bits in a skipped field", line(messages: "[123456789012345678901234567890]")),
            ("nesting deeper than simdjson is allowed here", line(messages: deep)),
            ("a fractional identity", Array(String(decoding: line(), as: UTF8.self).replacingOccurrences(of: "\"identity\": 7", with: "\"identity\": 7.0").utf8)),
        ]
        for (name, bytes) in cases {
            XCTAssertNil(simdjsonFields(bytes), name)
            let fields = try XCTUnwrap(try? thorJSONFields(bytes).get(), name)
            let parsed = bytes.withUnsafeBufferPointer { GradeInputReader.parseRecord($0) }
            guard case .success(.result(let result)) = parsed else { return XCTFail("\(name): \(parsed)") }
            XCTAssertEqual(result.identity, .int(7), name)
            XCTAssertEqual(result.trajectory, fields.trajectory, name)
        }
    }

    /// Legal objects are kept only where the metric can read them (single_search, or a line
    /// without its task type), by both readers alike; their type is still checked.
    func testLegalObjectsAreKeptOnlyWhereTheMetricReadsThem() throws {
        func line(_ taskType: String?, legal: String = #"["Mug"]"#) -> [UInt8] {
            let type = taskType.map { #""tasktype": "\#($0)", "# } ?? ""
            return Array(#"{"identity": 7, \#(type)"trajectory": [{"action": "end", "success": 1, "legal_objects": \#(legal)}]}"#.utf8)
        }
        for (taskType, kept) in [("single_search", true), (nil, true), ("single_pickup", false), ("single_search ", false)] as [(String?, Bool)] {
            let fields = try thorJSONFields(line(taskType)).get()
            XCTAssertEqual(fields.trajectory?.first?.legalObjects, kept ? ["Mug"] : [], "\(taskType ?? "no tasktype")")
            XCTAssertEqual(simdjsonFields(line(taskType)), fields, "\(taskType ?? "no tasktype")")
        }
        XCTAssertNil(simdjsonFields(line("single_pickup", legal: "[1]")))
        guard case .failure = thorJSONFields(line("single_pickup", legal: "[1]")) else { return XCTFail("a list of numbers read as legal objects") }
    }

    /// A fractional `success` is read by simdjson unless the line has a run of number characters
    /// longer than ThorJSON reads (1000), which ThorJSON then reports.
    func testFractionalSuccessesReadAlikeAndOverlongNumbersGoToThorJSON() throws {
        let base = #"{"identity": 7, "tasktype": "t", "taskname": "n", "key_actions": ["end"], "trajectory": [{"action": "end", "success": SUCCESS}], "messages": MESSAGES}"#
        func line(success: String, messages: String = "[]") -> [UInt8] {
            Array(base.replacingOccurrences(of: "SUCCESS", with: success).replacingOccurrences(of: "MESSAGES", with: messages).utf8)
        }
        let expected: [(String, RecordedSuccess)] = [
            ("0.0", .zero), ("-0.0", .zero), ("0e5", .zero), ("1e-400", .zero), ("2.5", .truthy), ("-1.5E2", .truthy), ("4.9e-324", .truthy),
        ]
        for (text, success) in expected {
            let fields = try thorJSONFields(line(success: text)).get()
            XCTAssertEqual(fields.trajectory?.first?.success, success, text)
            XCTAssertEqual(simdjsonFields(line(success: text)), fields, text)
        }
        let long = "0." + String(repeating: "0", count: 1000)
        for bytes in [line(success: long), line(success: "0.5", messages: "[\"" + String(repeating: "1", count: 1001) + "\"]")] {
            XCTAssertNil(simdjsonFields(bytes))
        }
        guard case .failure(let problem) = thorJSONFields(line(success: long)) else { return XCTFail("ThorJSON read a 1002-character number") }
        XCTAssertTrue(problem.reason.contains("1002 characters"), problem.reason)
        // A long run elsewhere only sends the line to ThorJSON, which reads it.
        XCTAssertEqual(try thorJSONFields(line(success: "0.5", messages: "[\"" + String(repeating: "1", count: 1001) + "\"]")).get().trajectory?.first?.success, .truthy)
    }

    /// The reference's own result.json files, pretty-printed whole documents of real Unity runs.
    func testSimdjsonReadsTheRecordedUnityRunsAsThorJSONDoes() throws {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_RECORDED_RUNS"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/recorded_runs").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("recorded runs not found at \(path); set THOR_LITE_RECORDED_RUNS to run this test")
        }
        let files = try GradeInputReader.files(at: path)
        XCTAssertEqual(files.count, 2, "result.json files below \(path)")
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let fast = try XCTUnwrap(simdjsonFields(bytes), file)
            XCTAssertEqual(fast, try thorJSONFields(bytes).get(), file)
            XCTAssertGreaterThan(fast.trajectory?.count ?? 0, 10, file)
        }
    }

    func testAKeyWithEscapesNamesTheSameFieldInATrajectoryEntry() throws {
        let line = Array(#"{"identity": 1, "trajectory": [{"actio\u006e": "end", "succes\u0073": 0}]}"#.utf8)
        let fields = try thorJSONFields(line).get()
        XCTAssertEqual(fields.trajectory, [TrajectoryEntry(action: "end", success: .zero)])
        XCTAssertEqual(simdjsonFields(line), fields)
    }

    /// Lines that reach every rule of the metric: task types with and without the single_search
    /// and closerep rules, scored and unscored key actions (repeated ones too), `put in`
    /// rewritten to `put`, legal objects with the substring and final-sigma quirks, failed and odd
    /// `success` values, repeated navigations (more than the linear count handles), null objects
    /// and task fields, string identities (empty too).
    func metricLines(_ random: inout SeededGenerator) -> [[UInt8]] {
        let types = ["single_search", "single_pickup", "single_search_from_closerep", "ordered_pickup_two_object_and_put", "single_search "]
        let keys = ["navigate to Fridge", "pickup Mug", "put Fridge", "open Fridge", "close Fridge", "observe", "move forward", "end", "pickup Mug", "put in Fridge", "toggle Fridge"]
        let actions = ["navigate to", "pickup", "put", "put in", "open", "close", "end", "init", "observe", "error", "move forward", "ending", "toggle"]
        let objects: [JSONValue] = [.string("Mug"), .string("Fridge"), .string("Pot"), .string("\u{212A}nife"), .null]
        let successes: [JSONValue] = [.int(1), .int(1), .int(0), .bool(true), .null, .string(""), .array([.int(1)]), .double(0.0), .double(0.5)]
        // Fixed lines for the rules random ones reach rarely: a key-action end after an
        // object-less action (`prev` spelled without an object), a null object against an empty one.
        let fixed = [
            #"{"identity": 1, "tasktype": "single_search", "taskname": "Find the Egg.", "key_actions": ["observe", "end"], "trajectory": [{"action": "observe", "object": null, "success": 1}, {"action": "end", "object": null, "success": 1, "legal_objects": []}]}"#,
            #"{"identity": 2, "tasktype": "single_pickup", "taskname": "n", "key_actions": ["pickup ", "pickup", "end"], "trajectory": [{"action": "pickup", "object": "", "success": 1}, {"action": "pickup", "object": null, "success": 1}, {"action": "end", "success": 1}]}"#,
        ].map { Array($0.utf8) }
        return fixed + (0..<400).map { index in
            let steps = (0..<Int.random(in: 1...(index % 10 == 0 ? 90 : 12), using: &random)).map { _ -> JSONValue in
                .object([
                    "action": .string(random.pick(actions)), "object": random.pick(objects), "success": random.pick(successes),
                    "legal_objects": .array((0..<Int.random(in: 0...3, using: &random)).map { _ in .string(random.pick(["Mug", "pot", "ΟΣ", "Fridge"])) }),
                ])
            }
            var fields: [String: JSONValue] = [
                "identity": index % 6 == 0 ? .string(index % 12 == 0 ? "" : "task-\(index % 30)") : .int(index % 40),
                "model": index % 5 == 0 ? .null : .string("model-\(index % 3)"), "scene": index % 4 == 0 ? .null : .string("FloorPlan1"),
                "tasktype": .string(random.pick(types)), "taskname": .string(random.pick(["Find the Potato.", "find οδος", "Put the Mug in the Fridge"])),
                "key_actions": .array((0..<Int.random(in: 1...5, using: &random)).map { _ in .string(random.pick(keys)) }),
                "trajectory": index % 50 == 1 ? .array([]) : .array(steps),
            ]
            if index % 17 == 0 { fields["tasktype"] = .null }
            if index % 19 == 0 { fields["key_actions"] = nil }
            return Array(JSONValue.object(fields).compact.utf8)
        }
    }

    /// Recorded mode grades the usual line from simdjson's buffers (`Grader.gradeRecorded`); it
    /// must give what the general way (`RecordFields`, `Grader.grade`) gives, and decline every
    /// other line (which then goes the general way).
    func testTheRecordedFastPathGradesAsTheGeneralWay() throws {
        var random = SeededGenerator(seed: 13)
        var lines = try fixtureLines() + generatedLines(&random) + metricLines(&random)
        let seeds = lines
        for mutation in Mutation.allCases where mutation != .hugeString && mutation != .deepNesting && mutation != .unclosedNesting {
            for _ in 0..<30 { lines.append(mutation.apply(to: random.pick(seeds), using: &random)) }
        }
        let grader = Grader(mode: .recorded, lookup: { _ in nil })
        var worker = GradeWorker()
        var fast = 0, declined = 0
        for (index, bytes) in lines.enumerated() {
            let source = LineSource(file: "t.jsonl", line: index + 1)
            let general = bytes.withUnsafeBufferPointer { grader.grade(GradeInputStream.parse($0, readable: $0.count, source: source), source: source) }
            let graded: GradedTask? = bytes.withUnsafeBufferPointer { buffer in
                SimdLine(buffer, readable: buffer.count).flatMap { grader.gradeRecorded($0, source: source, worker: &worker) }
            }
            guard let graded else {
                declined += 1
                continue
            }
            fast += 1
            let text = String(decoding: bytes.prefix(300), as: UTF8.self)
            guard case .success(let expected) = general else { return XCTFail("the fast path graded a line the general way rejects: \(general) \(text)") }
            XCTAssertEqual(graded.metrics, expected.metrics, text)
            XCTAssertEqual(graded.identity, expected.identity, text)
            XCTAssertEqual(graded.model, expected.model, text)
            XCTAssertEqual(graded.taskType, expected.taskType, text)
            XCTAssertEqual(graded.scene, expected.scene, text)
            XCTAssertEqual(graded.source, expected.source, text)
            // The line's key actions on the worker's first line of the identity, none after.
            if let keys = graded.lineKeyActions { XCTAssertEqual(keys, expected.lineKeyActions, text) }
            // Through the whole line reader, as `grade` calls it.
            var fresh = GradeWorker()
            let whole = bytes.withUnsafeBufferPointer { grader.grade(line: $0, readable: $0.count, source: source, worker: &fresh) }
            XCTAssertEqual(try whole.get().metrics, expected.metrics, text)
            XCTAssertEqual(try whole.get().lineKeyActions, expected.lineKeyActions, text)
        }
        XCTAssertGreaterThan(fast, 300)
        XCTAssertGreaterThan(declined, 100)
    }

    /// A worker makes a line's key actions only on its first line of the identity.
    func testAWorkerMakesKeyActionsOnceperIdentity() throws {
        let line = Array(#"{"identity": 4, "tasktype": "t", "taskname": "n", "key_actions": ["pickup Mug", "end"], "trajectory": [{"action": "end", "success": 1}]}"#.utf8)
        let grader = Grader(mode: .recorded, lookup: { _ in nil })
        var worker = GradeWorker()
        let keys = (1...3).map { number in
            line.withUnsafeBufferPointer { try? grader.grade(line: $0, readable: $0.count, source: LineSource(file: "f", line: number), worker: &worker).get().lineKeyActions }
        }
        XCTAssertEqual(keys, [["pickup Mug", "end"], nil, nil])
    }
}
