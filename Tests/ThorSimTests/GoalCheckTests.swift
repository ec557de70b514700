import ThorModel
import XCTest

@testable import ThorSim

/// The intended end state derived from key actions, on the fixture kitchen (FloorPlan30).
final class GoalCheckTests: XCTestCase {
    static let fridge = "Fridge|+01.90|+00.90|-01.00", potato = "Potato|+01.90|+00.50|-01.00"
    static let microwave = "Microwave|-01.90|+01.10|+00.60", counter = "CounterTop|-01.90|+00.90|+00.00"

    func key(_ action: String, _ id: String = "") -> KeyAction {
        KeyAction(action: action, objectId: id, objectType: id.split(separator: "|").first.map(String.init) ?? "")
    }

    func task(_ keys: [KeyAction]) -> BenchmarkTask {
        BenchmarkTask(identity: .int(1), scene: "FloorPlan30", taskType: "long-range tasks with dependency relationships",
                      instructionIndex: 0, taskName: "x", taskQuery: "x", keyActions: keys + [key("end")],
                      targetObjects: [Self.fridge, Self.microwave, Self.counter], relatedObjects: [Self.potato],
                      navigableObjects: ["Fridge", "Microwave", "CounterTop"])
    }

    /// Runs the key actions as a plan and returns the goal facts on the final world.
    func facts(_ keys: [KeyAction], plan: [String]? = nil) throws -> [GoalFact] {
        let store = try FixtureData.store()
        let task = task(keys)
        var world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        for step in plan ?? task.keyActionTexts {
            XCTAssertTrue(world.step(try XCTUnwrap(Action(planStep: step), step)).success, step)
        }
        return GoalCheck.facts(for: task, in: world)
    }

    func testAnObjectPickedUpAgainIsJudgedWhereItEndsNotWhereItWasPutOnTheWay() throws {
        // Potato: fridge → microwave → counter. Only the counter is the goal.
        let facts = try facts([
            key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato),
            key("navigate to", Self.microwave), key("open", Self.microwave), key("put", Self.microwave),
            key("pickup", Self.potato), key("navigate to", Self.counter), key("put", Self.counter),
        ])
        let placements = facts.filter { $0.description.contains(" is in ") }
        XCTAssertEqual(placements.map(\.description), ["Potato \(Self.potato) is in CounterTop \(Self.counter)"])
        XCTAssertTrue(facts.allSatisfy(\.holds), "\(facts)")
    }

    func testAnObjectPickedUpAndNotPutBackMustStillBeHeld() throws {
        let keys = [key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato)]
        XCTAssertEqual(try facts(keys).first { $0.description.hasPrefix("holding") }?.holds, true)
        let dropped = try facts(keys, plan: keys.map(\.text) + ["put Fridge"])
        XCTAssertEqual(dropped.first { $0.description.hasPrefix("holding") }?.holds, false)
    }

    func testToggledTwiceMeansBackToTheStartState() throws {
        let keys = [key("navigate to", Self.microwave), key("toggle", Self.microwave), key("toggle", Self.microwave)]
        let facts = try facts(keys)
        XCTAssertEqual(facts.map(\.description), ["Microwave \(Self.microwave) is switched off"])
        XCTAssertTrue(facts[0].holds)
        let once = try self.facts(keys, plan: ["navigate to Microwave", "toggle Microwave"])
        XCTAssertFalse(once[0].holds, "left on, but the plan switched it back off")
    }

    func testTheLastOpenOrCloseOfAnObjectIsItsGoal() throws {
        let keys = [key("navigate to", Self.fridge), key("open", Self.fridge), key("close", Self.fridge)]
        XCTAssertEqual(try facts(keys).map(\.description), ["Fridge \(Self.fridge) is closed"])
        XCTAssertEqual(try facts(keys, plan: ["navigate to Fridge", "open Fridge"]).map(\.holds), [false])
    }
}
