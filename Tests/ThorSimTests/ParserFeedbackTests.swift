import ThorModel
import XCTest

@testable import ThorSim

/// The reference parser's handling of decisions it cannot execute, and its feedback texts
/// (evaluate.py, utils.py `macth_action_item`, prompt.py `INVALID_ACTION_PROMPT`).
final class ParserFeedbackTests: XCTestCase {
    func run(_ outputs: [PolicyOutput]) throws -> EpisodeRunner {
        let store = try FixtureData.store()
        let task = try XCTUnwrap(store.task(.int(3)))
        let world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        var runner = EpisodeRunner(world: world, taskType: task.taskType)
        var queue = Array(outputs.reversed())
        runner.run { queue.popLast() }
        return runner
    }

    /// `pick up Apple` is no vocabulary action, but the reference still matches its last word:
    /// the illegal entry records `error` with the object `Apple`.
    func testAnUnrecognisedActionKeepsItsObject() throws {
        let parser = DecisionParser(sceneTypes: ["Apple", "Fridge"])
        let decision = parser.parse(decision: "pick up apple")
        XCTAssertEqual(decision.action, "error")
        XCTAssertEqual(decision.object, "Apple")
        XCTAssertEqual(decision.failure, .unknownAction)
        XCTAssertNil(parser.parse(decision: "error").object, "a decision starting with error has no object")

        let r = try run([.response("<DecisionMaking>pick up mug</DecisionMaking>"), .planStep("end")])
        XCTAssertEqual(r.steps.map(\.action), ["init", "error", "end"])
        XCTAssertEqual(r.steps[1].object, "Mug")
        XCTAssertEqual(r.steps[1].feedback, "Action is illegal. Please select an action from the Available_Actions.")
    }

    /// When the matcher finds no scene type the reference answers `No Suitable Object`, and its
    /// feedback says the name does not match rather than naming the object.
    func testNoSuitableObjectGetsTheReferencesOwnFeedback() throws {
        let r = try run(["navigate to Unicorn", "pickup Unicorn", "navigate to CounterTop", "pickup Fridge", "end"].map(PolicyOutput.planStep))
        XCTAssertEqual(r.steps[1].object, ParsedDecision.noSuitableObject)
        XCTAssertEqual(r.steps[1].feedback, "<|feedback|>Action: \"navigate to\" is illegal, the name of the navigated object doesn't quite match the obejct in the image, please try navigating to another object first.\n")
        XCTAssertEqual(r.steps[2].feedback, "<|feedback|>Action: \"pickup\" is illegal, the name of the object doesn't quite match the obejct in the image, Please try interacting with another object or navigating to another object.\n")
        XCTAssertEqual(r.steps[4].feedback, "<|feedback|>Action: pickup Fridge is illegal, Object: Fridge is currently unavailable for interaction. Possible situations include: Fridge does not exist in your current view; you are too far away from Fridge; the Fridge cannot perform operation pickup.\nYou can try \"move forward\" to approach the target object or \"navigate to <object>\" to reach nearby, larger objects for closer inspection.")
    }

    /// The repeat cut-off's `end` entry carries empty legal lists, as evaluate.py writes it.
    func testTheRepeatCutOffEntryHasEmptyLegalLists() throws {
        let r = try run(Array(repeating: PolicyOutput.planStep("navigate to CounterTop"), count: 5))
        XCTAssertEqual(r.endReason, .repeatCutoff)
        XCTAssertEqual(r.steps.last?.legalLocations, [])
        XCTAssertEqual(r.steps.last?.legalObjects, [])
        XCTAssertFalse(r.steps[1].legalLocations.isEmpty)
    }
}
