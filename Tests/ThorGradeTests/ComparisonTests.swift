import Foundation
import ThorModel
import XCTest

@testable import ThorGrade

/// `compare`: side-by-side means, paired deltas, flips and seeded bootstrap intervals.
final class ComparisonTests: XCTestCase {
    func task(_ id: Int, _ type: String = "single_pickup", success: Int, completeness: Double? = nil, goal: Bool? = nil, errors: [String: Int] = [:]) -> ComparedTask {
        ComparedTask(
            identity: .int(id), taskType: type,
            metrics: TaskMetrics(success: success, efficiency: success == 1 ? 0.5 : 0, completeness: completeness ?? Double(success),
                                 completenessOrdered: completeness ?? Double(success), keyActionsSuccess: 0, repeatRate: 0, step: 2),
            goalSuccess: goal, stepErrors: errors)
    }

    func testDeltasAndFlipsAreCountedOnTheTasksBothRunsGraded() {
        let a = ComparedRun(label: "A", tasks: [task(1, success: 1), task(2, success: 0), task(3, success: 1), task(4, success: 0)])
        let b = ComparedRun(label: "B", tasks: [task(1, success: 1), task(2, success: 1), task(3, success: 0), task(5, success: 1)])
        let comparison = Comparison(runs: [a, b], resamples: 500, seed: 7)
        XCTAssertEqual(comparison.runs.map(\.count), [4, 4])
        XCTAssertEqual(comparison.runs[0].metrics["success_rate"]?.value, 0.5)
        XCTAssertEqual(comparison.runs[1].metrics["success_rate"]?.value, 0.75)
        let pair = comparison.pairs[0]
        XCTAssertEqual(pair.common, 3)
        XCTAssertEqual(pair.wins, [.int(2)])
        XCTAssertEqual(pair.losses, [.int(3)])
        XCTAssertEqual(pair.onlyInBaseline, 1)
        XCTAssertEqual(pair.onlyHere, 1)
        // On tasks 1, 2, 3: B − A = 0, +1, −1.
        XCTAssertEqual(pair.deltas["success_rate"]?.value, 0)
    }

    func testIntervalsAreDeterministicAndContainTheMean() {
        let tasks = (1...200).map { task($0, success: $0 % 3 == 0 ? 1 : 0) }
        let first = Comparison(runs: [ComparedRun(label: "A", tasks: tasks)], resamples: 1000, seed: 42)
        let second = Comparison(runs: [ComparedRun(label: "A", tasks: tasks)], resamples: 1000, seed: 42)
        let estimate = first.runs[0].metrics["success_rate"]
        XCTAssertEqual(estimate, second.runs[0].metrics["success_rate"])
        XCTAssertEqual(first.table, second.table)
        guard let estimate else { return XCTFail("no success rate") }
        XCTAssertEqual(estimate.value, 66.0 / 200.0)
        XCTAssertLessThan(estimate.interval.low, estimate.value)
        XCTAssertGreaterThan(estimate.interval.high, estimate.value)
        // The binomial standard error is sqrt(0.33 * 0.67 / 200) ≈ 0.033, so a 95% interval spans
        // about ±0.065; the bootstrap lands close to that.
        XCTAssertEqual(estimate.interval.high - estimate.interval.low, 2 * 1.96 * (0.33 * 0.67 / 200).squareRoot(), accuracy: 0.02)
        let other = Comparison(runs: [ComparedRun(label: "A", tasks: tasks)], resamples: 1000, seed: 43)
        XCTAssertNotEqual(other.runs[0].metrics["success_rate"]?.interval, estimate.interval)
    }

    func testConstantOutcomesHaveDegenerateIntervals() {
        let tasks = (1...50).map { task($0, success: 1) }
        let estimate = Comparison(runs: [ComparedRun(label: "A", tasks: tasks)], resamples: 200).runs[0].metrics["success_rate"]
        XCTAssertEqual(estimate, Comparison.Estimate(value: 1, interval: .init(low: 1, high: 1)))
    }

    func testRepeatedIdentitiesCountOnce() {
        let run = ComparedRun(label: "A", tasks: [task(1, success: 1), task(1, success: 0), task(2, success: 0)])
        let summary = Comparison(runs: [run], resamples: 10).runs[0]
        XCTAssertEqual(summary.count, 2)
        XCTAssertEqual(summary.duplicates, [.int(1)])
        XCTAssertEqual(summary.metrics["success_rate"]?.value, 0.5)
    }

    func testGroupsGoalSuccessAndStepErrors() {
        let run = ComparedRun(label: "A", tasks: [
            task(1, "single_search", success: 1, goal: true),
            task(2, "single_pickup", success: 0, goal: false, errors: ["not_interactable": 2]),
            task(3, "single_pickup", success: 1, goal: true, errors: ["not_interactable": 1, "hand_full": 1]),
        ])
        let summary = Comparison(runs: [run], resamples: 10).runs[0]
        XCTAssertEqual(summary.successByGroup["S"], 1)
        XCTAssertEqual(summary.successByGroup["M"], 0.5)
        XCTAssertEqual(summary.countByGroup["single_pickup"], 2)
        XCTAssertEqual(summary.goalSuccess?.value ?? -1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(summary.stepErrors, ["not_interactable": 3, "hand_full": 1])
    }

    func testPerTaskLinesAreReadBackWithTheirIdentityTypes() {
        let text = """
            {"identity": 7, "model": "m", "tasktype": "single_pickup", "goal_success": true, "metrics": {"success": 1, "efficiency": 0.5, "completeness": 1.0, "completeness_ordered": 1.0, "key_actions_success": 0, "repeat_rate": 0.0, "step": 2}, "steps": [{"error": null}, {"error": "hand_full"}]}

            {"identity": "test_001", "model": "m", "tasktype": "single_search", "metrics": {"success": 0, "efficiency": 0.0, "completeness": 0.5, "completeness_ordered": 0.5, "repeat_rate": 0.25}}
            {"identity": 8, "tasktype": "single_pickup", "metrics": {"success": 1}}
            not json
            """
        let data = Data(text.utf8)
        XCTAssertTrue(PerTaskLines.looksLikePerTask(data))
        XCTAssertFalse(PerTaskLines.looksLikePerTask(Data(#"{"identity": 1, "trajectory": [], "metrics": {}}"#.utf8)))
        let (tasks, issues) = PerTaskLines.read(data, file: "p.jsonl")
        XCTAssertEqual(tasks.map(\.task.identity), [.int(7), .string("test_001")])
        XCTAssertEqual(tasks[0].task.goalSuccess, true)
        XCTAssertEqual(tasks[0].task.stepErrors, ["hand_full": 1])
        XCTAssertEqual(tasks[1].task.metrics.repeatRate, 0.25)
        XCTAssertEqual(issues.map(\.source.line), [4, 5])
        XCTAssertTrue(issues[0].reason.contains("metrics lacks"), issues[0].reason)
    }

    func testTextFormatsShowEveryRunAndTheDelta() {
        let a = ComparedRun(label: "A", tasks: [task(1, success: 1), task(2, success: 0)])
        let b = ComparedRun(label: "B", tasks: [task(1, success: 0), task(2, success: 1)])
        let comparison = Comparison(runs: [a, b], resamples: 20)
        XCTAssertTrue(comparison.table.contains("Δ B − A"))
        XCTAssertTrue(comparison.table.contains("won (0 → 1): 2"))
        XCTAssertTrue(comparison.table.contains("lost (1 → 0): 1"))
        XCTAssertTrue(comparison.markdown.hasPrefix("| metric | A | B | Δ B − A |\n| --- | ---: | ---: | ---: |\n"))
        let csv = comparison.csv.split(separator: "\n")
        XCTAssertEqual(csv.first, "run,metric,value,ci_low,ci_high,count")
        let row = csv.first { $0.hasPrefix("A,success_rate,") }?.split(separator: ",").map(String.init)
        XCTAssertEqual(row?[2], "0.5")
        XCTAssertEqual(row?[5], "2")
        XCTAssertEqual(csv.filter { $0.hasPrefix("B − A,") }.count, Comparison.metricNames.count)
    }
}
