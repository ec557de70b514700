import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

/// Plans broken on purpose fail where AI2-THOR would, with the right error kind (real scenes).
final class BrokenPlanTests: XCTestCase {
    func run(_ steps: [String], task identity: Int) throws -> [StepOutcome] {
        let store = try RealData.store()
        let task = try XCTUnwrap(store.task(.int(identity)))
        var world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        return try steps.map { world.step(try XCTUnwrap(Action(planStep: $0), "not a plan step: \($0)")) }
    }

    /// The first task of a type whose key actions contain `text`.
    func task(_ type: String, containing text: String) throws -> BenchmarkTask {
        // The store is opened outside XCTUnwrap: its XCTSkip (no real data) must skip the test,
        // and XCTUnwrap records any error thrown inside it as a failure.
        let tasks = try RealData.store().allTasks()
        return try XCTUnwrap(tasks.first { $0.taskType == type && $0.keyActionTexts.contains(text) })
    }

    func testPutIntoAClosedFridgeCabinetDrawerOrMicrowaveWithoutOpeningFailsWithReceptacleClosed() throws {
        for receptacle in ["Fridge", "Cabinet", "Drawer", "Microwave"] {
            let task = try task("pickup_and_put_in_closerep", containing: "put \(receptacle)")
            let plan = task.keyActionTexts.filter { $0 != "open \(receptacle)" && $0 != "end" }
            let outcomes = try run(plan, task: task.identity.intValue)
            let put = try XCTUnwrap(plan.firstIndex(of: "put \(receptacle)"))
            XCTAssertTrue(outcomes[..<put].allSatisfy(\.success), "task \(task.identity): \(plan) \(outcomes)")
            XCTAssertEqual(outcomes[put].error, .receptacleClosed, "task \(task.identity) \(receptacle)")
        }
    }

    func testSecondPickupWithoutPutFailsWithHandFull() throws {
        // Task 42: the Bowl on the FloorPlan1 counter. The held object stays visible and
        // interactable, so picking it up again reaches AI2-THOR, which refuses a full hand.
        let outcomes = try run(["navigate to CounterTop", "pickup Bowl", "pickup Bowl"], task: 42)
        XCTAssertEqual(outcomes.map(\.success), [true, true, false])
        XCTAssertEqual(outcomes[2].error, .handFull)
    }

    func testPutThePlacementTableForbidsFailsWithPlacementNotAllowed() throws {
        // Task 129 puts a Cup into a GarbageCan, which SimObjType.cs does not allow.
        let store = try RealData.store()
        let task = try XCTUnwrap(store.task(.int(129)))
        let world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        let problem = try XCTUnwrap(PlanAudit.check(task, world: world))
        XCTAssertEqual(problem.error, .placementNotAllowed)
        XCTAssertEqual(problem.keyAction, "put GarbageCan")
    }

    func testTogglingSomethingNotToggleableFailsWithNotToggleable() throws {
        let outcomes = try run(["navigate to CounterTop", "toggle CounterTop"], task: 42)
        XCTAssertEqual(outcomes[1].error, .notToggleable)
    }

    func testTogglingAStoveBurnerFailsButItsKnobWorks() throws {
        let task = try task("long-range tasks with dependency relationships", containing: "toggle StoveBurner")
        let plan = Array(task.keyActionTexts.prefix { $0 != "toggle StoveBurner" })
        let outcomes = try run(plan + ["toggle StoveBurner"], task: task.identity.intValue)
        XCTAssertTrue(outcomes.dropLast().allSatisfy(\.success), "\(plan) \(outcomes)")
        XCTAssertEqual(outcomes.last?.error, .notToggleable)
    }

    func testAKnobSwitchesTheBurnersItControls() throws {
        let store = try RealData.store()
        let task = try task("long-range tasks with dependency relationships", containing: "toggle StoveBurner")
        let scene = CompiledScene(try XCTUnwrap(store.scene(named: task.scene)))
        var world = World(scene: scene, task: task, approachPoses: try store.approachPoses())
        let knob = scene.firstOfType[try XCTUnwrap(scene.typeIdByName["StoveKnob"])]
        let burners = scene.controlled[knob]
        XCTAssertFalse(burners.isEmpty)
        // Stand where the plan stands to toggle the burner: the knob is in view there.
        for step in task.keyActionTexts.prefix(while: { $0 != "toggle StoveBurner" }) {
            XCTAssertTrue(world.step(try XCTUnwrap(Action(planStep: step))).success, step)
        }
        XCTAssertTrue(world.toggle(scene.objectType[knob]).success)
        XCTAssertTrue(world.objects[knob].isToggled)
        XCTAssertTrue(burners.allSatisfy { world.objects[$0].isToggled }, "the knob's burners follow it")
        // The knob is no target: the wrapper reads it off (as the episode started) and asks for on
        // again, which AI2-THOR refuses; the burners stay lit.
        XCTAssertEqual(world.toggle(scene.objectType[knob]).error, .alreadyToggled)
        XCTAssertTrue(burners.allSatisfy { world.objects[$0].isToggled }, "still lit")
    }

    func testATypeAbsentFromTheSceneIsUnknownObject() throws {
        let outcomes = try run(["navigate to Bathtub", "pickup Bathtub"], task: 42)
        XCTAssertEqual(outcomes.map(\.error), [.unknownObject, .unknownObject])
    }

    func testOpeningAnOpenFridgeSucceedsAsIn5x() throws {
        let task = try task("pickup_and_put_in_closerep", containing: "open Fridge")
        let outcomes = try run(["navigate to Fridge", "open Fridge", "open Fridge", "close Fridge", "close Fridge"], task: task.identity.intValue)
        XCTAssertEqual(outcomes.map(\.success), [true, true, true, true, true])
    }
}

extension TaskIdentity {
    var intValue: Int {
        if case .int(let value) = self { return value }
        return -1
    }
}
