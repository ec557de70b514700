import ThorFuzzSupport
import ThorGrade
import ThorModel
import XCTest

@testable import ThorPolicy

/// The policy API keeps the metric running, fed one entry per step (`RunningReferenceMetric`):
/// its rewards and metrics must equal a full evaluation of the trajectory after every step, on
/// any action sequence.
final class StepRewardTests: XCTestCase {
    /// Actions that succeed, fail, score, never score, parse or do not, on the fixture scenes.
    static let actions = [
        "navigate to CounterTop", "navigate to Fridge", "navigate to Cabinet", "navigate to Microwave", "open Fridge",
        "open Cabinet", "close Fridge", "open Microwave", "pickup Plate", "pickup Tomato", "pickup Mug", "pickup Apple",
        "put Fridge", "put CounterTop", "put Bowl", "put Microwave", "toggle CoffeeMachine", "toggle Microwave",
        "observe", "move forward", "<DecisionMaking>pickup plate</DecisionMaking>", "<DecisionMaking>fly</DecisionMaking>",
        "navigate to Unicorn", "end",
    ]

    func testRewardsAndMetricsEqualAFullEvaluationAfterEveryStep() throws {
        let catalog = try ServeSessionTests.fixtureCatalog()
        let environment = PolicyEnvironment(catalog: catalog)
        var random = SeededGenerator(seed: 2026)  // seeded, so a failure replays
        var scoring = 0, nonScoring = 0
        for episode in 0..<240 {
            let identity = TaskIdentity.int(1 + episode % 16)
            let task = try catalog.task(identity)
            try environment.reset(task: identity)
            var completeness = 0.0, total = 0.0
            while !environment.isDone {
                // Mostly no-score actions, as a policy exploring would send.
                try environment.step(random.pick(Self.actions))
                let trajectory = environment.steps.map {
                    TrajectoryEntry(action: $0.action, object: $0.object, success: $0.success, legalObjects: $0.legalObjects)
                }
                let full = try ReferenceMetric.evaluate(trajectory, task: TaskReference(task))
                XCTAssertEqual(environment.reward, full.completeness - completeness, "task \(identity), step \(trajectory.count)")
                if environment.reward != 0 { scoring += 1 } else { nonScoring += 1 }
                // Every other episode reads the metrics only at the end.
                if episode % 2 == 0 || environment.isDone { XCTAssertEqual(try environment.metrics, full) }
                completeness = full.completeness
                total += environment.reward
            }
            XCTAssertEqual(total, completeness, accuracy: 1e-12)
        }
        // Both kinds of step ran: ones that scored and ones that did not.
        XCTAssertGreaterThan(scoring, 100)
        XCTAssertGreaterThan(nonScoring, 100)
    }
}
