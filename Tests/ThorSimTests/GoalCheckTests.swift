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

    /// Runs the plan (the key actions by default) and checks the goal on the final world.
    func report(_ keys: [KeyAction], plan: [String]? = nil, taskType: String? = nil) throws -> GoalReport {
        let store = try FixtureData.store()
        var task = task(keys)
        if let taskType { task.taskType = taskType }
        var world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        for step in plan ?? task.keyActionTexts {
            XCTAssertTrue(world.step(try XCTUnwrap(Action(planStep: step), step)).success, step)
        }
        return GoalCheck.report(for: task, in: world)
    }

    func testAnObjectPickedUpAgainIsJudgedWhereItEndsNotWhereItWasPutOnTheWay() throws {
        // Potato: fridge → microwave → counter. Only the counter is the goal.
        let report = try report([
            key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato),
            key("navigate to", Self.microwave), key("open", Self.microwave), key("put", Self.microwave),
            key("pickup", Self.potato), key("navigate to", Self.counter), key("put", Self.counter),
        ])
        let placements = report.facts.filter { $0.description.contains(" is in ") }
        XCTAssertEqual(placements.map(\.description), ["Potato \(Self.potato) is in CounterTop \(Self.counter)"])
        XCTAssertTrue(report.success, "\(report.facts)")
    }

    func testAnObjectPickedUpAndNotPutBackMustStillBeHeld() throws {
        let keys = [key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato)]
        XCTAssertEqual(try report(keys).facts.first { $0.description.hasPrefix("holding") }?.holds, true)
        let dropped = try report(keys, plan: keys.map(\.text) + ["put Fridge"])
        XCTAssertEqual(dropped.facts.first { $0.description.hasPrefix("holding") }?.holds, false)
        XCTAssertFalse(dropped.success)
    }

    /// Closing the fridge the plan left open (or leaving open what it closed) is no failure: the
    /// last open or close is a path fact, reported but not required.
    func testOpenAndCloseStatesArePathFactsNotRequired() throws {
        let keys = [key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato)]
        let polite = try report(keys, plan: keys.map(\.text) + ["close Fridge"])
        let fridge = try XCTUnwrap(polite.facts.first { $0.description == "Fridge \(Self.fridge) is open" })
        XCTAssertFalse(fridge.holds)
        XCTAssertFalse(fridge.required)
        XCTAssertTrue(polite.success, "the Potato is held; closing the fridge again does not matter")
        XCTAssertEqual([polite.conditionsMet, polite.conditionsTotal], [1, 1])
    }

    /// A toggle state is required only for single_toggle tasks; elsewhere a device is a means
    /// (a faucet left running to wash something), and its effects are what is required.
    func testToggleStatesAreRequiredOnlyForSingleToggleTasks() throws {
        let keys = [key("navigate to", Self.microwave), key("toggle", Self.microwave)]
        let longRange = try report(keys, plan: ["navigate to Microwave"])
        let fact = try XCTUnwrap(longRange.facts.first { $0.description == "Microwave \(Self.microwave) is switched on" })
        XCTAssertFalse(fact.holds)
        XCTAssertFalse(fact.required)
        XCTAssertTrue(longRange.success)
        let toggleTask = try report(keys, plan: ["navigate to Microwave"], taskType: "single_toggle")
        XCTAssertFalse(toggleTask.success, "turning the Microwave on is the single_toggle task itself")
        XCTAssertTrue(try report(keys, taskType: "single_toggle").success)
        let twice = try report(keys + [key("toggle", Self.microwave)], taskType: "single_toggle")
        XCTAssertEqual(twice.facts.map(\.description), ["Microwave \(Self.microwave) is switched off"], "toggled twice: back to the start state")
    }

    /// "Heat the Potato in the Microwave": the expert plan leaves the Potato hot and cooked, so a
    /// policy must too; putting it in without switching the Microwave on is not enough.
    func testStatesTheExpertPlanChangesAreRequired() throws {
        let keys = [
            key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato),
            key("navigate to", Self.microwave), key("open", Self.microwave), key("put", Self.microwave),
            key("close", Self.microwave), key("toggle", Self.microwave),
        ]
        let heated = try report(keys)
        let states = heated.facts.filter { $0.description.hasSuffix(" is hot") || $0.description.hasSuffix(" is cooked") }
        XCTAssertEqual(states.map(\.description), ["Potato \(Self.potato) is hot", "Potato \(Self.potato) is cooked"])
        XCTAssertTrue(heated.success)
        let cold = try report(keys, plan: keys.dropLast().map(\.text))
        XCTAssertEqual(cold.facts.filter { $0.required && !$0.holds }.map(\.description),
                       ["Potato \(Self.potato) is hot", "Potato \(Self.potato) is cooked"])
        XCTAssertEqual([cold.conditionsMet, cold.conditionsTotal], [1, 3])
    }

    /// The expert replay is kept per task on the compiled scene: a second episode of the same task
    /// on the same scene reuses it, and each episode is still judged on its own world.
    func testEpisodesSharingASceneAreEachJudgedOnTheirOwnWorld() throws {
        let store = try FixtureData.store()
        let keys = [
            key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato),
            key("navigate to", Self.microwave), key("open", Self.microwave), key("put", Self.microwave),
            key("close", Self.microwave), key("toggle", Self.microwave),
        ]
        let task = task(keys)
        let scene = CompiledScene(try XCTUnwrap(store.scene(named: task.scene)))
        let poses = try store.approachPoses()
        func episode(_ plan: [String]) throws -> GoalReport {
            var world = World(scene: scene, task: task, approachPoses: poses)
            for step in plan { XCTAssertTrue(world.step(try XCTUnwrap(Action(planStep: step))).success, step) }
            return GoalCheck.report(for: task, in: world)
        }
        let heated = try episode(keys.map(\.text))
        let cold = try episode(keys.dropLast().map(\.text))
        let heatedAgain = try episode(keys.map(\.text))
        XCTAssertTrue(heated.success)
        XCTAssertEqual(cold.facts.filter { $0.required && !$0.holds }.map(\.description),
                       ["Potato \(Self.potato) is hot", "Potato \(Self.potato) is cooked"])
        XCTAssertEqual(heatedAgain.facts, heated.facts)
    }

    /// A report keeps the task's compiled checks and one bit per check, and spells the facts out
    /// when read: its facts, counts and success are those of the facts made one by one, after
    /// plans that leave some required facts unmet and path facts either way.
    func testAReportOfTestedChecksReadsAsTheFactsMadeOneByOne() throws {
        let keys = [
            key("navigate to", Self.fridge), key("open", Self.fridge), key("pickup", Self.potato),
            key("navigate to", Self.microwave), key("open", Self.microwave), key("put", Self.microwave),
        ]
        let store = try FixtureData.store()
        let task = task(keys)
        let start = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        var sawUnmet = false, sawPath = false
        for plan in [task.keyActionTexts, Array(task.keyActionTexts.prefix(3)), task.keyActionTexts.dropLast() + ["close Fridge", "end"]] {
            var world = start
            for step in plan { _ = world.step(try XCTUnwrap(Action(planStep: step), step)) }
            let report = GoalCheck.report(for: task, in: world)
            let one = GoalCheck.checks(for: task, in: world).checks.map { $0.fact(in: world) }
            XCTAssertEqual(report.facts, one)
            XCTAssertEqual(report, GoalReport(facts: one))
            XCTAssertEqual(report.conditionsTotal, GoalReport(facts: one).conditionsTotal)
            XCTAssertEqual(report.conditionsMet, GoalReport(facts: one).conditionsMet)
            XCTAssertEqual(report.success, GoalReport(facts: one).success)
            XCTAssertEqual(GoalCheck.reportOnOwnTask(in: world), report)
            sawUnmet = sawUnmet || one.contains { $0.required && !$0.holds }
            sawPath = sawPath || one.contains { !$0.required }
        }
        XCTAssertTrue(sawUnmet, "an unmet required fact is exercised")
        XCTAssertTrue(sawPath, "a path fact is exercised")
    }
}
