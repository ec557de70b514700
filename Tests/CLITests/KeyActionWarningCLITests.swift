import Foundation
import XCTest
import ThorTestSupport

/// `grade` warns about key actions no trajectory can match; `tasks --check` lists them.
final class KeyActionWarningCLITests: XCTestCase {
    var work: URL!
    var store: String { work.appendingPathComponent("fixtures.sqlite").path }

    override func setUpWithError() throws {
        work = Scratch.url("keywarn")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try CLI.run(["import", CLI.fixtures.appendingPathComponent("upstream").path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    /// Two result lines of task 1 carrying the same flawed key actions: one warning per key action
    /// (naming the first line), recorded in the summary; the lines are still graded (exit 0).
    func testGradeWarnsOncePerTaskAndRecordsTheWarningsInTheSummary() throws {
        let line = """
            {"identity": 1, "model": "m", "tasktype": "single_pickup", "taskname": "Pick up the Apple", "scene": "FloorPlan30", \
            "key_actions": ["navigate to CounterTop", "pick up Apple", "pickup Unicorn", "end"], \
            "trajectory": [{"action": "init", "object": null, "success": 1, "legal_objects": []}, \
            {"action": "end", "object": null, "success": 1, "legal_objects": []}]}
            """
        let input = work.appendingPathComponent("results.jsonl")
        try Data((line + "\n" + line + "\n").utf8).write(to: input)
        let summary = work.appendingPathComponent("summary.json")
        let graded = try CLI.run(["grade", "--mode", "recorded", input.path, "--store", store, "--summary", summary.path])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        let warnings = graded.stderr.split(separator: "\n").filter { $0.contains("warning:") }
        XCTAssertEqual(warnings, [
            "thor-lite: warning: \(input.path):1: task 1: key action 2 'pick up Apple' can never match: 'pick' starts no action of the vocabulary (pickup, put, toggle, open, close, end)",
            "thor-lite: warning: \(input.path):1: task 1: key action 3 'pickup Unicorn' can never match: FloorPlan30 has no object of type 'Unicorn' (types compare exactly, case included)",
        ])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
        let block = try XCTUnwrap(document["key_action_warnings"] as? [[String: Any]])
        XCTAssertEqual(block.map { $0["key_action"] as? String }, ["pick up Apple", "pickup Unicorn"])
        XCTAssertEqual(block.map { $0["identity"] as? Int }, [1, 1], "identities keep the task file's integer type")
        XCTAssertEqual(block.map { $0["line"] as? Int }, [1, 1])
        XCTAssertEqual(block.map { $0["position"] as? Int }, [2, 3])
    }

    func testCleanKeyActionsGiveNoWarningAndNoSummaryBlock() throws {
        let plans = try CLI.run(["tasks", "--plans", "--store", store])
        XCTAssertEqual(plans.status, 0, plans.stderr)
        let input = work.appendingPathComponent("plans.jsonl")
        try Data(plans.stdout.utf8).write(to: input)
        let graded = try CLI.run(["grade", input.path, "--store", store, "--format", "json"])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        XCTAssertFalse(graded.stderr.contains("warning:"), graded.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(graded.stdout.utf8)) as? [String: Any])
        XCTAssertNil(document["key_action_warnings"])
    }

    func testTasksCheckListsUnmatchableKeyActionsOfTheStoresTasks() throws {
        // A copy of the fixture checkout whose task 2 has a put with an empty object type.
        let checkout = work.appendingPathComponent("upstream")
        try FileManager.default.copyItem(at: CLI.fixtures.appendingPathComponent("upstream"), to: checkout)
        let taskFile = checkout.appendingPathComponent("data/test_809.json")
        var tasks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: taskFile)) as? [[String: Any]])
        let index = try XCTUnwrap(tasks.firstIndex { $0["identity"] as? Int == 2 })
        var metadata = try XCTUnwrap(tasks[index]["task_metadata"] as? [String: Any])
        var actions = try XCTUnwrap(metadata["actions"] as? [[String: Any]])
        actions.insert(["action": "put", "objectId": "", "objectType": "", "baseaction": "", "reward": 1, "relatedObject": []], at: actions.count - 1)
        metadata["actions"] = actions
        tasks[index]["task_metadata"] = metadata
        try JSONSerialization.data(withJSONObject: tasks).write(to: taskFile)
        let edited = work.appendingPathComponent("edited.sqlite").path
        let imported = try CLI.run(["import", checkout.path, "--store", edited, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)

        let check = try CLI.run(["tasks", "--check", "--json", "--store", edited])
        XCTAssertEqual(check.status, 0, check.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let listed = try XCTUnwrap(document["unmatchable_key_actions"] as? [[String: Any]])
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed.first?["identity"] as? Int, 2)
        XCTAssertEqual(listed.first?["key_action"] as? String, "put")
        XCTAssertEqual(listed.first?["position"] as? Int, actions.count - 1)

        let clean = try CLI.run(["tasks", "--check", "--json", "--store", store])
        let cleanDocument = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((cleanDocument["unmatchable_key_actions"] as? [Any])?.count, 0)
    }
}
