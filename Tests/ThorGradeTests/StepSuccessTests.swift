import Foundation
import ThorModel
import XCTest

@testable import ThorGrade

/// The reference's success rate by number of key actions (`show_result.py`'s step table).
final class StepSuccessTests: XCTestCase {
    func graded(_ id: Int, model: String, step: Int, success: Int) -> GradedTask {
        GradedTask(
            source: LineSource(file: "r.jsonl", line: id), identity: .int(id), model: model, taskType: "pickup_and_put", scene: nil,
            metrics: TaskMetrics(success: success, efficiency: 0, completeness: 0, completenessOrdered: 0, keyActionsSuccess: 0, repeatRate: 0, step: step))
    }

    func testTasksAreGroupedByStepWithNineAndMoreTogether() {
        var table = StepSuccess()
        for (step, success) in [(1, 1), (1, 0), (2, 1), (8, 0), (9, 1), (12, 0), (15, 1)] {
            table.add(graded(0, model: "m", step: step, success: success).metrics)
        }
        XCTAssertEqual(table.buckets.mapValues(\.count), ["1": 2, "2": 1, "8": 1, "9+": 3])
        XCTAssertEqual(table.buckets.mapValues(\.successes), ["1": 1, "2": 1, "8": 0, "9+": 2])
        XCTAssertEqual(table.buckets["9+"]?.successRate, 2.0 / 3.0)
        XCTAssertEqual(table.json.compact, #"{"1": {"count": 2, "success_rate": 0.5}, "2": {"count": 1, "success_rate": 1.0}, "#
            + #""8": {"count": 1, "success_rate": 0.0}, "9+": {"count": 3, "success_rate": 0.6666666666666666}}"#)
    }

    func testTheSummaryGivesEachModelItsOwnTable() throws {
        let report = GradeReport(tasks: [graded(1, model: "a", step: 3, success: 1), graded(2, model: "b", step: 3, success: 0),
                                         graded(3, model: "a", step: 10, success: 0)])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ReportWriters.summary(report).pretty.utf8)) as? [String: Any])
        let models = try XCTUnwrap(document["models"] as? [String: [String: Any]])
        let a = try XCTUnwrap(models["a"]?["by_step"] as? [String: [String: Any]])
        XCTAssertEqual(a.keys.sorted(), ["3", "9+"])
        XCTAssertEqual(a["3"]?["success_rate"] as? Double, 1)
        let b = try XCTUnwrap(models["b"]?["by_step"] as? [String: [String: Any]])
        XCTAssertEqual(b["3"]?["count"] as? Int, 1)
        XCTAssertEqual(b["3"]?["success_rate"] as? Double, 0)
    }
}
