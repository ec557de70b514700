import Foundation
import ThorModel
import XCTest

@testable import ThorGrade
import ThorTestSupport

final class GraderTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let goodLine = #"{"identity": 7, "model": "m", "tasktype": "single_pickup", "taskname": "Pick up the Apple.", "key_actions": ["navigate to CounterTop", "pickup Apple", "end"], "trajectory": [{"action": "init", "object": null, "success": 1}, {"action": "pickup", "object": "Apple", "success": 1}, {"action": "end", "object": null, "success": 1}]}"#

    func grade(_ text: String, lookup: @escaping @Sendable (TaskIdentity) -> BenchmarkTask? = { _ in nil }) -> GradeReport {
        Grader(mode: .recorded, lookup: lookup).grade(GradeInputReader.parse(Data(text.utf8), file: "in.jsonl"))
    }

    func testBadLinesAreReportedWithLineNumbersAndGoodLinesStillGraded() {
        let text = [goodLine, "not json", #"{"trajectory": []}"#, "", #"{"identity": 99, "trajectory": [{"action": "end", "success": 1}]}"#, goodLine].joined(separator: "\n")
        let report = grade(text)
        XCTAssertEqual(report.tasks.map(\.source.line), [1, 6])
        XCTAssertEqual(report.issues.map(\.source.line), [2, 3, 5])
        XCTAssertTrue(report.issues[0].reason.hasPrefix("not a JSON object"), report.issues[0].reason)
        XCTAssertEqual(report.issues[1].reason, "no identity field")
        XCTAssertTrue(report.issues[2].reason.contains("task 99 is not in the store"), report.issues[2].reason)
    }

    func testMissingTaskFieldsComeFromTheStore() {
        let task = BenchmarkTask(identity: .int(99), scene: "FloorPlan1", taskType: "single_pickup", instructionIndex: 0,
                                 taskName: "Pick up the Apple.", taskQuery: "", keyActions: [KeyAction(action: "pickup", objectType: "Apple"), KeyAction(action: "end")])
        let report = grade(#"{"identity": 99, "trajectory": [{"action": "pickup", "object": "Apple", "success": 1}, {"action": "end", "success": 1}]}"#,
                           lookup: { $0 == .int(99) ? task : nil })
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.first?.metrics.success, 1)
        XCTAssertEqual(report.tasks.first?.scene, "FloorPlan1")
    }

    func testStringIdentitiesAreAccepted() {
        let report = grade(goodLine.replacingOccurrences(of: #""identity": 7"#, with: #""identity": "test_007""#))
        XCTAssertEqual(report.tasks.first?.identity, .string("test_007"))
    }

    func testPlanLinesNeedSimulateMode() {
        let report = grade(#"{"identity": 1, "actions": ["navigate to Fridge", "end"]}"#)
        XCTAssertTrue(report.issues.first?.reason.contains("--mode simulate") ?? false)
    }

    func testAggregationSkipsAbsentTypesAndOmitsEmptyCategories() {
        let report = grade(goodLine)
        let groups = report.all
        XCTAssertEqual(Set(groups.categories.keys), ["M"])
        XCTAssertEqual(groups.categories["M"]?.count, 1)
        XCTAssertEqual(groups.overall.successRate, 1.0)
    }

    func testOutputsAreByteIdenticalForIdenticalInput() {
        let text = [goodLine, goodLine.replacingOccurrences(of: #""model": "m""#, with: #""model": "z""#)].joined(separator: "\n")
        let first = grade(text), second = grade(text)
        XCTAssertEqual(ReportWriters.summary(first).pretty, ReportWriters.summary(second).pretty)
        XCTAssertEqual(ReportWriters.table(first), ReportWriters.table(second))
        XCTAssertEqual(ReportWriters.csv(first), ReportWriters.csv(second))
        XCTAssertEqual(first.tasks.map { ReportWriters.perTask($0).compact }, second.tasks.map { ReportWriters.perTask($0).compact })
        for task in first.tasks {
            var bytes: [UInt8] = []
            ReportWriters.writePerTask(task, into: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), ReportWriters.perTask(task).compact, "the fast writer matches the JSON value")
        }
        XCTAssertTrue(ReportWriters.table(first).contains("model m"), "one section per model")
    }

    func testSummaryHasTheDocumentedShape() throws {
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ReportWriters.summary(grade(goodLine)).pretty.utf8)) as? [String: Any])
        XCTAssertEqual(Set(document.keys), ["tasks", "overall", "categories", "task_types", "models", "errors"])
        let overall = try XCTUnwrap(document["overall"] as? [String: Any])
        XCTAssertEqual(Set(overall.keys), ["count", "success_rate", "efficiency", "completeness", "completeness_ordered", "repeat_rate"])
    }

    func testRecordedRunsGradeWithoutErrors() throws {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_RECORDED_RUNS"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/recorded_runs").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("recorded runs not found at \(path); set THOR_LITE_RECORDED_RUNS to run this test")
        }
        var lines: [(LineSource, Result<GradeRecord, GradeIssue>)] = []
        for file in try GradeInputReader.files(at: path) {
            lines += GradeInputReader.parse(try Data(contentsOf: URL(fileURLWithPath: file)), file: file, wholeFile: true)
        }
        let report = Grader(mode: .recorded, lookup: { _ in nil }).grade(lines)
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.count, 2)
        // key_actions ["navigate to Apple", "pick up Apple"]: only the credited final end scores.
        XCTAssertEqual(report.tasks[0].metrics.completeness, 1.0)
        XCTAssertEqual(report.tasks[0].metrics.efficiency, 3.0 / 25.0)
    }

    func testRecordedSuccessValuesAreReadAsTheReferenceTestsThem() throws {
        let values = ["1", "0", "true", "false", "0.0", "-0", "2", "null", #""""#, #""0""#, "[]", "[0]", "{}", #"{"a": 0}"#]
        let entries = values.map { #"{"action": "pickup", "object": "Apple", "success": \#($0)}"# }.joined(separator: ", ")
        let line = #"{"identity": 1, "trajectory": [\#(entries)]}"#
        guard case .success(.result(let result)) = GradeInputReader.parse(Data(line.utf8), file: "s.jsonl")[0].1 else {
            return XCTFail("line not read")
        }
        XCTAssertEqual(result.trajectory.map(\.success), [
            .truthy, .zero, .truthy, .zero, .zero, .zero, .truthy, .falsyNonZero, .falsyNonZero, .truthy, .falsyNonZero, .truthy,
            .falsyNonZero, .truthy,
        ])
    }

    func testRunDirectoriesAreReadAtAnyDepthInSortedPathOrder() throws {
        let root = Scratch.url("runs")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        for run in ["model-b/run2", "model-a/deeper/run9", "model-a/run1", "model-a/run1/frames"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(run), withIntermediateDirectories: true)
        }
        for (index, run) in ["model-b/run2", "model-a/deeper/run9", "model-a/run1"].enumerated() {
            try Data(goodLine.replacingOccurrences(of: #""identity": 7"#, with: #""identity": \#(index)"#).utf8)
                .write(to: root.appendingPathComponent(run).appendingPathComponent("result.json"))
        }
        try Data("not a result".utf8).write(to: root.appendingPathComponent("model-a/run1/frames/notes.json"))
        let files = try GradeInputReader.files(at: root.path)
        XCTAssertEqual(files.map { String($0.dropFirst(root.path.count)) },
                       ["/model-a/deeper/run9/result.json", "/model-a/run1/result.json", "/model-b/run2/result.json"])
        XCTAssertThrowsError(try GradeInputReader.files(at: root.appendingPathComponent("model-a/run1/frames").path))
    }

    /// Grades a seeded generated file (bench/gen_trajectories.py over the real tasks) and checks every
    /// per-task metric against the independent Python implementation (bench/reference_metric.py).
    func testMetricsMatchTheIndependentPythonImplementation() throws {
        let data = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        let tasks = data + "/data/test_809.json"
        guard FileManager.default.fileExists(atPath: tasks) else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(data); set THOR_LITE_ER_DATA to run this test")
        }
        let generated = Scratch.url("parity", suffix: ".jsonl")
        addTeardownBlock { try? FileManager.default.removeItem(at: generated) }
        let bench = Self.packageRoot.appendingPathComponent("bench")
        // No python3 skips; a generator or reference script that fails is a failure, not a skip.
        _ = try python([bench.appendingPathComponent("gen_trajectories.py").path, tasks, "4000", generated.path, "11"])
        let expected = try python([bench.appendingPathComponent("reference_metric.py").path, generated.path])
            .split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)") }
        XCTAssertEqual(expected.count, 4000, "the generator wrote the lines it was asked for")

        let report = Grader(mode: .recorded, lookup: { _ in nil }).grade(try Data(contentsOf: generated), file: generated.path)
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.count, expected.count)
        var mismatches: [String] = []
        for (task, row) in zip(report.tasks, expected) {
            let python = try XCTUnwrap(row["metrics"] as? [String: Any])
            let mine: [String: Double] = [
                "success": Double(task.metrics.success), "efficiency": task.metrics.efficiency,
                "completeness": task.metrics.completeness, "completeness_ordered": task.metrics.completenessOrdered,
                "key_actions_success": Double(task.metrics.keyActionsSuccess), "repeat_rate": task.metrics.repeatRate,
                "step": Double(task.metrics.step),
            ]
            for (key, value) in mine {
                let theirs = try XCTUnwrap(python[key] as? NSNumber, "python's line \(task.source.line) lacks \(key)").doubleValue
                if abs(value - theirs) > 1e-12 { mismatches.append("line \(task.source.line) \(key): swift \(value), python \(theirs)") }
            }
        }
        XCTAssertEqual(mismatches, [], "\(mismatches.prefix(10))")
        let completeness = expected.compactMap { ($0["metrics"] as? [String: Any])?["completeness"] as? NSNumber }
        XCTAssertEqual(completeness.count, expected.count)
        let pythonMean = completeness.map(\.doubleValue).reduce(0, +) / Double(expected.count)
        XCTAssertEqual(report.all.overall.completeness, pythonMean, accuracy: 1e-9)
    }

    /// Runs `python3` with arguments and returns its standard output. Skips when there is no
    /// python3 (env exits 127); fails with the script's stderr when the script fails.
    func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let errors = Scratch.url("python", suffix: ".err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        if process.terminationStatus == 127 { throw XCTSkip("python3 is not available to run \(arguments[0])") }
        guard process.terminationStatus == 0 else {
            XCTFail("python3 \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(stderr)")
            throw CocoaError(.executableLoad)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
