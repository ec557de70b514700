import Foundation
import XCTest

/// `thor-lite compare` on the fixtures: runs from results and from per-task files, intervals, flips.
extension CLITests {
    func testCompareSetsTwoModelsSideBySideWithIntervalsAndFlips() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let table = try run(["compare", "--mode", "recorded", results, "--store", store])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("Δ model-b − model-a"), table.stdout)
        XCTAssertTrue(table.stdout.contains("model-b vs model-a: 16 tasks in both"), table.stdout)
        XCTAssertTrue(table.stdout.contains("lost (1 → 0): 4, 9, 14"), table.stdout)
        XCTAssertEqual(try run(["compare", "--mode", "recorded", results, "--store", store]).stdout, table.stdout, "deterministic")

        // A per-task file written by grade is compared without grading again, and agrees.
        let perTask = work.appendingPathComponent("per_task.jsonl").path
        XCTAssertEqual(try run(["grade", "--mode", "recorded", results, "--store", store, "--per-task", perTask]).status, 0)
        let fromPerTask = try run(["compare", perTask, "--format", "json"])
        XCTAssertEqual(fromPerTask.status, 0, fromPerTask.stderr)
        let fromResults = try run(["compare", "--mode", "recorded", results, "--store", store, "--format", "json"])
        XCTAssertEqual(fromPerTask.stdout, fromResults.stdout)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fromPerTask.stdout.utf8)) as? [String: Any])
        let pair = try XCTUnwrap((document["pairs"] as? [[String: Any]])?.first)
        XCTAssertEqual(pair["losses"] as? [Int], [4, 9, 14])
        XCTAssertEqual(pair["wins"] as? [Int], [])

        XCTAssertEqual(try run(["compare", perTask, perTask, "--label", "only-one"]).status, 2, "one label per run")
    }
}
