import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

/// The simulator's shortcuts give what the long way gives: `World.see` and `World.reset` what
/// the object-by-object view gives, step by step through every expert plan, and the parser's
/// type ids and kinds what the names look up to.
final class SimulatorShortcutTests: XCTestCase {
    func testFixtureExpertPlans() throws { try checkExpertPlans(in: FixtureData.store()) }

    func testRealExpertPlans() throws { try checkExpertPlans(in: RealData.store()) }

    /// The episode loop steps the world on the parser's type ids: for a scene's parser they are
    /// the scene's, whichever way the word matched (exact, case, normalised, fuzzy), and the
    /// parser reads each action's kind as its name.
    func testAScenesParserReadsTheScenesTypeIdsAndTheActionsKind() throws {
        let store = try FixtureData.store()
        for task in try store.allTasks() {
            let scene = CompiledScene(try XCTUnwrap(store.scene(named: task.scene)))
            for (id, name) in scene.typeNames.enumerated() {
                for word in [name, name.lowercased(), name + "s", name + "1", String(name.dropLast()) + "x"] {
                    let read = scene.parser.read(decision: "pickup \(word)")
                    XCTAssertEqual(read.parsed, scene.parser.parse(decision: "pickup \(word)"))
                    XCTAssertEqual(read.type, read.parsed.object.flatMap { scene.typeIdByName[$0] }, word)
                    if word == name { XCTAssertEqual(read.type, id) }
                }
            }
            for kind in ActionKind.allCases where kind != .error {
                XCTAssertEqual(scene.parser.read(decision: "\(kind.rawValue) Apple").kind, kind)
                XCTAssertEqual(scene.parser.read(decision: "\(kind.rawValue) Apple").parsed.action, kind.rawValue)
            }
            XCTAssertEqual(scene.parser.read(decision: "pick up Apple").kind, .error)
            XCTAssertEqual(scene.parser.read(response: "no decision").kind, .error)
        }
    }

    func checkExpertPlans(in store: ThorStore) throws {
        let poses = try store.approachPoses()
        var scenes: [String: CompiledScene] = [:]
        var steps = 0, shortcuts = 0
        for task in try store.allTasks() {
            let scene = try scenes[task.scene] ?? CompiledScene(XCTUnwrap(store.scene(named: task.scene)))
            scenes[task.scene] = scene
            // A copy of the task's world, as simulate mode starts an episode, then `init` first.
            let prototype = World(scene: scene, task: task, approachPoses: poses)
            var world = prototype
            for text in ["init"] + task.keyActions.map(\.text) {
                guard let action = Action(planStep: text) else { break }
                _ = world.step(action)
                steps += 1
                let label = "task \(task.identity) after '\(text)'"
                // The premise of the shortcut: what can never be moved or hidden is not.
                for object in 0..<scene.objectCount where !scene.canBeMovedOrHidden[object] {
                    XCTAssertFalse(world.moved[object] || world.isHidden(object), "\(label): object \(object)")
                }
                let view = scene.view(from: world.pose)
                let oneByOne = world.seenObjectByObject(in: view)
                if !view.changeable.contains(where: { world.moved[$0] || world.isHidden($0) }) {
                    shortcuts += 1
                    XCTAssertEqual(oneByOne.visible, view.visible, label)
                    XCTAssertEqual(oneByOne.navigable, view.navigableTypes, label)
                    var interactable = view.navigableTypes
                    interactable.formUnion(view.types.intersection(world.containerTypes))
                    XCTAssertEqual(oneByOne.interactable, interactable, label)
                }
                // What the step left (after an `init` on a fresh copy: nothing recomputed) is
                // what looking again from the same pose shows.
                let again = world.see(from: world.pose)
                XCTAssertEqual(world.visible, again.visible, label)
                XCTAssertEqual(world.interactable, again.interactable, label)
                XCTAssertTrue(world.navigable.intersection(again.navigable) == again.navigable, label)
            }
            XCTAssertEqual(prototype.visible, World(scene: scene, task: task, approachPoses: poses).visible)
        }
        XCTAssertGreaterThan(shortcuts, 0, "the shortcut is taken")
        XCTAssertLessThan(shortcuts, steps, "and not always")
    }
}
