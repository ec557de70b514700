import ThorModel
import XCTest

@testable import ThorGrade

/// `--format er-csv`: the reference's result.csv, quirks included.
final class ReferenceCSVTests: XCTestCase {
    func graded(_ id: Int, _ model: String, _ type: String, success: Int, efficiency: Double, completeness: Double, repeatRate: Double) -> GradedTask {
        GradedTask(
            source: LineSource(file: "r.jsonl", line: id), identity: .int(id), model: model, taskType: type, scene: nil,
            metrics: TaskMetrics(success: success, efficiency: efficiency, completeness: completeness, completenessOrdered: completeness,
                                 keyActionsSuccess: 0, repeatRate: repeatRate, step: 2))
    }

    func testColumnsOrderRoundingAndQuirksAreTheReferences() {
        let tasks = [
            graded(1, "m", "single_pickup", success: 1, efficiency: 2.0 / 3.0, completeness: 1, repeatRate: 0),
            graded(2, "m", "single_search", success: 0, efficiency: 0, completeness: 0.5, repeatRate: 1.0 / 3.0),
            graded(3, "m", "single_pickup", success: 0, efficiency: 0, completeness: 0.5, repeatRate: 0),
            graded(4, "n", "pickup_and_put", success: 1, efficiency: 0.5, completeness: 1, repeatRate: 0),
        ]
        XCTAssertEqual(ReferenceCSV.render(tasks), """
            model,tasktype,success_rate,efficiency,completeness,completeness_ordered,repeat_rate,tasktype_count,all_count
            m,S,0.0,0.0,0.5,0.5, 0.3333,1,3
            m,M,0.5,0.3333,0.75,0.75, 0.0,2,3
            m,all,0.3333,0.2222,0.6667,0.6667, 0.1111,3,3
            m,single_pickup,0.5,0.3333,0.75,0.75, 0.0,2,3
            m,single_search,0.0,0,0.5,0.5, 0.3333,1,3

            n,T,1.0,0.5,1.0,1.0, 0.0,1,1
            n,all,1.0,0.5,1.0,1.0, 0.0,1,1
            n,pickup_and_put,1.0,0.5,1.0,1.0, 0.0,1,1


            """)
    }

    func testRoundingFollowsPythonsRound() {
        XCTAssertEqual(ReferenceCSV.pythonRound4(0.12345), "0.1235")  // 0.12345 is stored just above the tie
        XCTAssertEqual(ReferenceCSV.pythonRound4(2.0 / 3.0), "0.6667")
        XCTAssertEqual(ReferenceCSV.pythonRound4(0.5), "0.5")
        XCTAssertEqual(ReferenceCSV.pythonRound4(1), "1.0")
        XCTAssertEqual(ReferenceCSV.pythonRound4(0.00004), "0.0")
        XCTAssertEqual(ReferenceCSV.pythonRound4(0.0001), "0.0001")
    }
}
