import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

/// Which object an action acts on, and the rules for it, as the reference wrapper and AI2-THOR
/// apply them (fixture kitchen FloorPlan30 unless said otherwise).
final class ObjectModelTests: XCTestCase {
    static let counter = "CounterTop|+00.00|+00.90|-01.80", counter2 = "CounterTop|-01.90|+00.90|+00.00"
    static let basin = "Sink|-01.90|+00.85|-00.80|SinkBasin", microwave = "Microwave|-01.90|+01.10|+00.60"
    static let burner = "StoveBurner|+00.40|+00.93|-01.80"

    func world(targets: [String], navigable: [String] = ["CounterTop", "Microwave", "Sink"]) throws -> World {
        let store = try FixtureData.store()
        let task = BenchmarkTask(identity: .int(1), scene: "FloorPlan30", taskType: "pickup_and_put", instructionIndex: 0,
                                 taskName: "x", taskQuery: "x", keyActions: [KeyAction(action: "end")],
                                 targetObjects: targets, navigableObjects: navigable)
        return World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
    }

    func index(_ world: World, _ id: String) throws -> Int { try XCTUnwrap(world.scene.indexById[id], id) }
    func type(_ world: World, _ name: String) throws -> Int { try XCTUnwrap(world.scene.typeIdByName[name], name) }

    func step(_ world: inout World, _ text: String) throws -> StepOutcome {
        world.step(try XCTUnwrap(Action(planStep: text), text))
    }

    /// RocAgent.navigate: with two targets of a type (tasks 84 and 85), the first with an empty
    /// hand, the second while holding something. pickup/put/open/close/toggle always take the
    /// first target, so a `put CounterTop` after walking to the second counter aims at the first
    /// one, across the room.
    func testNavigationPicksTheTargetByTheHandAndInteractionsTakeTheFirstTarget() throws {
        var world = try world(targets: [Self.counter, Self.counter2])
        XCTAssertEqual(try step(&world, "navigate to CounterTop").object, try index(world, Self.counter))
        XCTAssertTrue(try step(&world, "pickup Apple").success)
        XCTAssertEqual(try step(&world, "navigate to CounterTop").object, try index(world, Self.counter2), "holding the Apple: the second target")
        XCTAssertEqual(world.location, try index(world, Self.counter2))
        let put = try step(&world, "put CounterTop")
        XCTAssertEqual(put.object, try index(world, Self.counter), "put acts on the first target")
        XCTAssertEqual(put.success, world.isInside(try index(world, "Apple|+00.10|+00.98|-01.70"), try index(world, Self.counter)))
        let expected = world.held == nil ? Self.counter : Self.counter2
        XCTAssertEqual(try step(&world, "navigate to CounterTop").object, try index(world, expected))
    }

    /// `target_item_type2obj_id` keys a target by its id's first part: a SinkBasin target
    /// (`Sink|...|SinkBasin`) is what `Sink` means, while `SinkBasin` means the first SinkBasin.
    func testATargetIsListedUnderTheTypeItsIdNames() throws {
        let world = try world(targets: [Self.basin])
        XCTAssertEqual(world.object(for: try type(world, "Sink")), try index(world, Self.basin))
        XCTAssertEqual(world.object(for: try type(world, "SinkBasin")), world.scene.firstOfType[try type(world, "SinkBasin")])
        XCTAssertEqual(world.object(for: try type(world, "Apple")), world.scene.firstOfType[try type(world, "Apple")], "not a target: the first of its type")
    }

    /// CloseObject is OpenObject with openness 0 (AI2-THOR 5.x; docs/simulator-rules.md "Action rules"): a running Microwave neither
    /// opens nor closes.
    func testARunningMicrowaveNeitherOpensNorCloses() throws {
        var world = try world(targets: [Self.microwave])
        for text in ["navigate to Microwave", "open Microwave", "close Microwave", "toggle Microwave"] {
            XCTAssertTrue(try step(&world, text).success, text)
        }
        XCTAssertEqual(try step(&world, "close Microwave").error, .mustBeOff)
        XCTAssertEqual(try step(&world, "open Microwave").error, .mustBeOff)
        XCTAssertTrue(try step(&world, "toggle Microwave").success)
        XCTAssertTrue(try step(&world, "open Microwave").success)
        XCTAssertTrue(try step(&world, "close Microwave").success)
    }

    /// The wrapper reads a non-target object as the episode started, so it asks to switch a Faucet
    /// on a second time and AI2-THOR refuses; a target is read as it is now, so it goes off.
    func testASecondToggleOfANonTargetAsksForTheSameStateAgain() throws {
        for (targets, second) in [([String](), StepError.alreadyToggled), (["Faucet|-02.10|+01.00|-00.80"], nil)] {
            var world = try world(targets: targets, navigable: ["SinkBasin"])
            for text in ["navigate to SinkBasin", "toggle Faucet"] { XCTAssertTrue(try step(&world, text).success, text) }
            let faucet = try index(world, "Faucet|-02.10|+01.00|-00.80")
            XCTAssertTrue(world.objects[faucet].isToggled)
            XCTAssertEqual(try step(&world, "toggle Faucet").error, second, "targets \(targets)")
            XCTAssertEqual(world.objects[faucet].isToggled, second != nil)
        }
    }

    /// An object-specific receptacle has one attach point: the burner holding the Pan refuses the
    /// Pot ("is full right now"), and takes it once the Pan is lifted off.
    func testAnObjectSpecificReceptacleHoldsOneObject() throws {
        var world = try world(targets: [Self.counter], navigable: ["CounterTop", "StoveBurner"])
        XCTAssertTrue(world.isInside(try index(world, "Pan|+00.40|+00.99|-01.80"), try index(world, Self.burner)))
        for text in ["navigate to CounterTop", "pickup Pot"] { XCTAssertTrue(try step(&world, text).success, text) }
        XCTAssertEqual(try step(&world, "put StoveBurner").error, .receptacleFull)
        XCTAssertTrue(try step(&world, "put CounterTop").success)
        for text in ["pickup Pan", "put CounterTop", "pickup Pot", "put StoveBurner"] {
            XCTAssertTrue(try step(&world, text).success, text)
        }
    }

    /// `init` mid-episode is a teleport to the start: the hand keeps its object (and the object
    /// stays in the hand), the navigable types are kept.
    func testInitMidEpisodeKeepsTheHeldObjectAndWhatWasNavigable() throws {
        var world = try world(targets: [Self.counter], navigable: ["CounterTop"])
        for text in ["navigate to CounterTop", "pickup Apple"] { XCTAssertTrue(try step(&world, text).success, text) }
        let apple = try index(world, "Apple|+00.10|+00.98|-01.70")
        let navigable = world.navigable
        XCTAssertTrue(try step(&world, "init").success)
        XCTAssertEqual(world.held, apple)
        XCTAssertEqual(world.objects[apple].parent, -1)
        XCTAssertTrue(world.navigable.contains(try type(world, "CounterTop")))
        XCTAssertTrue(navigable.members.allSatisfy(world.navigable.contains), "nothing navigable is forgotten")
        XCTAssertTrue(try step(&world, "navigate to CounterTop").success)
        XCTAssertTrue(try step(&world, "put CounterTop").success, "the Apple can still be put down")
    }

    /// `get_max_steps`: exact keys with a default of 36, the reference's typo included.
    func testStepBudgetsUseTheReferencesExactKeys() {
        XCTAssertEqual(TaskTypes.stepBudget("single_search"), 22)
        XCTAssertEqual(TaskTypes.stepBudget("single_search_from_closerep_open_fault"), 22)
        XCTAssertEqual(TaskTypes.stepBudget("single_pickup_from_closerep"), 24)
        XCTAssertEqual(TaskTypes.stepBudget("pickup_from_closerep_and_put_in_closerep"), 30)
        XCTAssertEqual(TaskTypes.stepBudget("single_search_spatial"), 36, "no prefix matching")
        XCTAssertEqual(TaskTypes.stepBudget("single_pickup_spatial"), 36)
        XCTAssertEqual(TaskTypes.stepBudget("pickup_and_put_unnecessary_repeat"), 36, "the reference's key has a stray quote")
        XCTAssertEqual(TaskTypes.stepBudget("'pickup_and_put_unnecessary_repeat"), 30)
        XCTAssertEqual(TaskTypes.stepBudget("ordered_pickup_two_object_and_put_v2"), 36, "folded into ordered_pickup_two_object_and_put")
        XCTAssertEqual(TaskTypes.stepBudget("long-range tasks with dependency relationships"), 36)
    }
}
