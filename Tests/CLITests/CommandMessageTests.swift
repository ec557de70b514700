import Foundation
import GRDB
import XCTest
import ThorTestSupport

/// Messages and statuses of tasks and serve on the cases that used to pass silently or wrongly.
final class CommandMessageTests: XCTestCase {
    var work = URL(fileURLWithPath: "/")
    var store: String { work.appendingPathComponent("fixtures.sqlite").path }

    override func setUpWithError() throws {
        work = Scratch.url("msg")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try CLI.run(["import", CLI.fixtures.appendingPathComponent("upstream").path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    func serve(_ requests: [String]) throws -> [String] {
        let run = try CLI.run(["serve", "--store", store], stdin: Data((requests.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(run.status, 0, run.stderr)
        return run.stdout.split(separator: "\n").map(String.init)
    }

    func testTasksWithAnUnknownTypeListsTheKnownTypesAndExitsWithTwo() throws {
        let run = try CLI.run(["tasks", "--type", "single_serch", "--store", store])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("unknown task type 'single_serch'; the store's types are: "), run.stderr)
        XCTAssertTrue(run.stderr.contains("single_search"), run.stderr)
    }

    func testTasksCheckCountsATaskWhoseSceneIsMissingAsFailing() throws {
        try DatabaseQueue(path: store).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM scenes WHERE name = 'FloorPlan30'")
        }
        let run = try CLI.run(["tasks", "--check", "--json", "--store", store])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let problems = try XCTUnwrap(report["problems"] as? [[String: Any]])
        let missing = problems.filter { ($0["why"] as? String)?.hasSuffix("is not in the store, so none of the plan's objects exist") == true }
        let tasks = try CLI.run(["tasks", "--json", "--store", store])
        let onTheScene = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(tasks.stdout.utf8)) as? [[String: Any]])
            .filter { ($0["scene"] as? String)?.hasPrefix("scene#") == true }
        XCTAssertFalse(onTheScene.isEmpty, "the tasks of the deleted scene are still listed")
        // Identities keep their type (integers stay integers) in both listings.
        XCTAssertEqual(missing.map { $0["identity"] as? Int }, onTheScene.map { $0["identity"] as? Int })
        XCTAssertFalse(missing.contains { $0["identity"] as? Int == nil }, "\(missing)")
        XCTAssertEqual(report["failing"] as? Int, problems.count)
    }

    func testServeEchoesRequestIdsExactlyAsGiven() throws {
        let ids = ["1e300", "true", "\"a b\"", "null", "12345678901234567890123", "7.5", "-0", "[1, {\"k\": 2}]"]
        let replies = try serve(ids.map { "{\"op\": \"state\", \"id\": \($0)}" })
        XCTAssertEqual(replies.count, ids.count)
        for (id, reply) in zip(ids, replies) {
            XCTAssertTrue(reply.contains("\"id\": \(id)"), "id \(id): \(reply)")
        }
    }

    func testServeRefusesATaskThatIsNotAWholeNumberOrAString() throws {
        let replies = try serve(["{\"op\": \"reset\", \"task\": 7.9}", "{\"op\": \"reset\", \"task\": true}", "{\"op\": \"reset\", \"task\": 1.0}"])
        XCTAssertTrue(replies[0].contains("\"ok\": false") && replies[0].contains("not 7.9"), replies[0])
        XCTAssertTrue(replies[1].contains("\"ok\": false") && replies[1].contains("found a boolean"), replies[1])
        XCTAssertTrue(replies[2].contains("\"ok\": true"), "1.0 is the whole number 1: \(replies[2])")
    }

    func testServeAnswersAStepAfterTheEpisodeEndedWithAnError() throws {
        let replies = try serve(["{\"op\": \"reset\", \"task\": 1}", "{\"op\": \"step\", \"action\": \"end\"}", "{\"op\": \"step\", \"action\": \"end\"}"])
        XCTAssertTrue(replies[1].contains("\"ok\": true") && replies[1].contains("\"done\": true"), replies[1])
        XCTAssertTrue(replies[2].contains("\"ok\": false") && replies[2].contains("the episode has ended"), replies[2])
    }
}
