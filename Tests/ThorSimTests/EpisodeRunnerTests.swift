import ThorModel
import XCTest

@testable import ThorSim

/// The reference loop's rules on the fixture kitchen (task 3: pick up the Mug).
final class EpisodeRunnerTests: XCTestCase {
    func runner(task identity: Int = 3) throws -> EpisodeRunner {
        let store = try FixtureData.store()
        let task = try XCTUnwrap(store.task(.int(identity)))
        let world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        return EpisodeRunner(world: world, taskType: task.taskType)
    }

    func run(_ outputs: [PolicyOutput], task: Int = 3) throws -> EpisodeRunner {
        var runner = try runner(task: task)
        var queue = Array(outputs.reversed())
        runner.run { queue.popLast() }
        return runner
    }

    func testPlanOfNActionsEndingInEndGivesInitNMinusOneStepsAndFinalEnd() throws {
        let r = try run(["navigate to CounterTop", "pickup Mug", "end"].map(PolicyOutput.planStep))
        XCTAssertEqual(r.steps.map(\.action), ["init", "navigate to", "pickup", "end"])
        XCTAssertTrue(r.steps.allSatisfy(\.success))
        XCTAssertEqual(r.steps[2].objectId, "Mug|-01.85|+00.98|-00.20")
    }

    func testUnparseableResponsesAreIllegalEntriesAndThreeCallsWithoutAStepEndTheEpisode() throws {
        let r = try run([.response("I am thinking"), .response("pick up Mug"), .response("<DecisionMaking>pick up mug</DecisionMaking>"),
                         .response("still nothing"), .planStep("pickup Mug")])
        // The third call without an executed step ends the loop; the fifth output is never used.
        XCTAssertEqual(r.steps.map(\.action), ["init", "error", "error", "error", "end"])
        XCTAssertEqual(r.steps[3].error, .unknownAction)
        XCTAssertEqual(r.steps[1].error, .parseError)
        XCTAssertEqual(r.steps[1].feedback, Feedback.illegalAction)
        XCTAssertNil(r.endReason)
    }

    func testTheFourthIdenticalActionInARowIsCutOff() throws {
        let r = try run(Array(repeating: PolicyOutput.planStep("navigate to Fridge"), count: 6))
        XCTAssertEqual(r.steps.map(\.action), ["init", "navigate to", "navigate to", "navigate to", "end"])
        XCTAssertEqual(r.steps.last?.success, false)
        XCTAssertEqual(r.endReason, .repeatCutoff)
    }

    func testBudgetRunsOutWithACreditedFinalEnd() throws {
        let moves = (0..<40).map { PolicyOutput.planStep($0 % 2 == 0 ? "observe" : "move forward") }
        let r = try run(moves)
        XCTAssertEqual(r.steps.count, TaskTypes.stepBudget("single_pickup") + 1)
        XCTAssertEqual(r.steps.last?.action, "end")
        XCTAssertEqual(r.steps.last?.success, true)
        XCTAssertEqual(r.endReason, .budgetExhausted)
    }

    func testFailedNavigationGetsTheReferenceFeedback() throws {
        let r = try run([.response("<DecisionMaking>navigate to egg</DecisionMaking>"), .planStep("end")])
        XCTAssertEqual(r.steps[1].object, "Egg")
        XCTAssertEqual(r.steps[1].error, .notNavigable)
        XCTAssertTrue(r.steps[1].feedback.hasPrefix("<|feedback|>Action: \"navigate to\" is illegal, \"Egg\" is the most relevant item in this room and \"navigate to egg\"."))
    }

    func testRunsAreDeterministic() throws {
        let outputs: [PolicyOutput] = ["navigate to CounterTop", "pickup Mug", "navigate to Fridge", "open Fridge", "put Fridge", "end"].map(PolicyOutput.planStep)
        XCTAssertEqual(try run(outputs).steps, try run(outputs).steps)
    }
}
