import ThorModel
import XCTest

@testable import ThorGrade

/// The reference divides by the number of scored key actions; with none the metric throws a typed
/// error (reported per line) instead of trapping.
final class UnscorableTaskTests: XCTestCase {
    func testKeyActionsWithoutAScoredActionThrowInsteadOfTrapping() {
        let task = TaskReference(taskType: "single_search", taskName: "Look", keyActions: ["navigate to Fridge", "observe"])
        XCTAssertThrowsError(try ReferenceMetric.evaluate([TrajectoryEntry(action: "end", success: .truthy)], task: task)) { error in
            XCTAssertEqual(error as? ReferenceMetric.UnscorableTask, ReferenceMetric.UnscorableTask())
        }
    }
}
