import Foundation
import XCTest
import ThorTestSupport

/// The command line as scripts use it: exit statuses, output files, determinism, on the fixtures.
final class CLITests: XCTestCase {
    static let fixtures = CLI.fixtures

    func run(_ arguments: [String], stdin: String? = nil) throws -> CLI.Run {
        try CLI.run(arguments, stdin: stdin.map { Data($0.utf8) })
    }

    var work: URL!
    var store: String { work.appendingPathComponent("fixtures.sqlite").path }

    override func setUpWithError() throws {
        work = Scratch.url("cli")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try run(["import", Self.fixtures.appendingPathComponent("upstream").path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    func testUsageErrorsExitWithTwoAndSayWhatIsWrong() throws {
        let noInput = try run(["grade"])
        XCTAssertEqual(noInput.status, 2)
        XCTAssertTrue(noInput.stderr.contains("Missing expected argument"), noInput.stderr)
        XCTAssertEqual(try run(["grade", "--bogus", "x"]).status, 2)
        let noStore = try run(["info", "--store", work.appendingPathComponent("absent.sqlite").path])
        XCTAssertEqual(noStore.status, 2)
        XCTAssertTrue(noStore.stderr.contains("thor-lite import"), "says how to create one: \(noStore.stderr)")
        XCTAssertEqual(try run(["grade", work.appendingPathComponent("absent.jsonl").path, "--store", store]).status, 2)
        XCTAssertEqual(try run(["--help"]).status, 0)
    }

    func testSeveralModelsGetASectionEachAndAPooledOneOnlyWhenAsked() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let plain = try run(["grade", "--mode", "recorded", results, "--store", store])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let sections = plain.stdout.split(separator: "\n").filter { $0.hasPrefix("model ") }
        XCTAssertGreaterThan(sections.count, 1, plain.stdout)
        XCTAssertFalse(plain.stdout.contains("pooled"), plain.stdout)
        let pooled = try run(["grade", "--mode", "recorded", results, "--store", store, "--pooled"])
        XCTAssertEqual(pooled.status, 0, pooled.stderr)
        XCTAssertTrue(pooled.stdout.hasPrefix(plain.stdout.components(separatedBy: "\ncoverage").first ?? "\u{0}"), "the model sections come first, unchanged")
        XCTAssertTrue(pooled.stdout.contains("all models, pooled"), pooled.stdout)
    }

    func testUnknownTaskExitsWithOne() throws {
        let missing = try run(["task", "999", "--store", store])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no task 999"), missing.stderr)
    }

    func testABadLineIsReportedWithItsPlaceAndEveryOtherLineIsStillGraded() throws {
        let input = work.appendingPathComponent("mixed.jsonl")
        try Data("""
            {"identity": 2, "actions": ["navigate to Fridge", "open Fridge", "end"]}
            {"identity": 2, "actions": [
            {"identity": 404, "actions": ["end"]}
            {"identity": 3, "actions": ["navigate to CounterTop", "pickup Mug", "end"]}

            """.utf8).write(to: input)
        let perTask = work.appendingPathComponent("per_task.jsonl")
        let graded = try run(["grade", input.path, "--store", store, "--per-task", perTask.path, "--format", "json"])
        XCTAssertEqual(graded.status, 1)
        XCTAssertTrue(graded.stderr.contains("mixed.jsonl:2: "), graded.stderr)
        XCTAssertTrue(graded.stderr.contains("mixed.jsonl:3: task 404 is not in the store"), graded.stderr)
        let lines = try String(contentsOf: perTask, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(graded.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["tasks"] as? Int, 2)
        XCTAssertEqual((summary["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int }, [2, 3])
    }

    func testExpertPlansOfTheFixturesGradeToSuccessAndTwoRunsAreByteIdentical() throws {
        let plans = try run(["tasks", "--plans", "--store", store])
        XCTAssertEqual(plans.status, 0, plans.stderr)
        let planFile = work.appendingPathComponent("expert.jsonl")
        try Data(plans.stdout.utf8).write(to: planFile)
        var outputs: [[Data]] = []
        for attempt in 0..<2 {
            let perTask = work.appendingPathComponent("per_task\(attempt).jsonl"), summary = work.appendingPathComponent("summary\(attempt).json")
            let graded = try run(["grade", planFile.path, "--store", store, "--per-task", perTask.path, "--summary", summary.path])
            XCTAssertEqual(graded.status, 0, graded.stderr)
            outputs.append([Data(graded.stdout.utf8), try Data(contentsOf: perTask), try Data(contentsOf: summary)])
        }
        XCTAssertEqual(outputs[0], outputs[1])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: outputs[0][2]) as? [String: Any])
        XCTAssertEqual((document["overall"] as? [String: Any])?["success_rate"] as? Double, 1.0)
        XCTAssertEqual((document["simulation"] as? [String: Any])?["goal_success_rate"] as? Double, 1.0)
    }

    func testPerTaskLinesCanGoToStandardOutput() throws {
        let graded = try run(["grade", "--mode", "recorded", Self.fixtures.appendingPathComponent("predictions/results.jsonl").path,
                              "--store", store, "--per-task", "/dev/stdout", "--format", "csv"])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        let perTaskLines = graded.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        XCTAssertEqual(perTaskLines.count, 32)
        XCTAssertTrue(graded.stdout.contains("model,group,name,count"))
    }
}
