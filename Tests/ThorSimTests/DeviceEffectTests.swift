import ThorModel
import XCTest

@testable import ThorSim

/// AI2-THOR's state changes caused by other objects (docs/simulator-rules.md "Action rules"), on the fixture kitchen.
final class DeviceEffectTests: XCTestCase {
    func world() throws -> World {
        let store = try FixtureData.store()
        let task = try XCTUnwrap(store.task(.int(11)))  // the long-range kitchen task: heat the Potato, brew coffee
        return World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
    }

    func object(_ world: World, _ type: String) throws -> Int {
        try XCTUnwrap(world.scene.typeIdByName[type].map { world.scene.firstOfType[$0] })
    }

    func steps(_ world: inout World, _ plan: [String]) throws -> [StepOutcome] {
        try plan.map { world.step(try XCTUnwrap(Action(planStep: $0), "not a plan step: \($0)")) }
    }

    func testAClosedMicrowaveThatIsOnHeatsAndCooksItsContents() throws {
        var w = try world()
        let outcomes = try steps(&w, ["navigate to Fridge", "open Fridge", "pickup Potato", "close Fridge", "navigate to Microwave",
                                  "open Microwave", "put Microwave", "close Microwave", "toggle Microwave"])
        XCTAssertTrue(outcomes.allSatisfy(\.success), "\(outcomes)")
        let potato = try object(w, "Potato")
        XCTAssertEqual(w.objects[potato].temperature, .hot)
        XCTAssertTrue(w.objects[potato].isCooked)
        XCTAssertEqual(try steps(&w, ["open Microwave"]).first?.error, .mustBeOff, "a running microwave does not open")
    }

    func testAMicrowaveDoesNotTurnOnWhileOpen() throws {
        var w = try world()
        XCTAssertEqual(try steps(&w, ["navigate to Microwave", "open Microwave", "toggle Microwave"]).last?.error, .mustBeClosed)
    }

    func testTheCoffeeMachineFillsTheMugWithCoffee() throws {
        var w = try world()
        let outcomes = try steps(&w, ["navigate to CounterTop", "pickup Mug", "navigate to CoffeeMachine", "put CoffeeMachine", "toggle CoffeeMachine"])
        XCTAssertTrue(outcomes.allSatisfy(\.success), "\(outcomes)")
        let mug = try object(w, "Mug")
        XCTAssertEqual(w.objects[mug].liquid, .coffee)
        XCTAssertEqual(w.objects[mug].temperature, .hot)
    }

    func testARunningFaucetCleansAndFillsWhatIsInTheBasin() throws {
        var w = try world()
        let plate = try object(w, "Plate")
        XCTAssertTrue(w.objects[plate].isDirty)
        let outcomes = try steps(&w, ["navigate to Cabinet", "open Cabinet", "pickup Plate", "navigate to SinkBasin", "put SinkBasin", "toggle Faucet"])
        XCTAssertTrue(outcomes.allSatisfy(\.success), "\(outcomes)")
        XCTAssertFalse(w.objects[plate].isDirty)
    }

    func testTheFridgeCoolsWhatIsPutInIt() throws {
        var w = try world()
        // The task's CounterTop target is the one with the Mug.
        let outcomes = try steps(&w, ["navigate to CounterTop", "pickup Mug", "navigate to Fridge", "open Fridge", "put Fridge"])
        XCTAssertTrue(outcomes.allSatisfy(\.success), "\(outcomes)")
        XCTAssertEqual(w.objects[try object(w, "Mug")].temperature, .cold)
    }
}
