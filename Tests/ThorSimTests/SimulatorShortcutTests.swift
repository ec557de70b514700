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
                    XCTAssertFalse(world.objects[object].moved || world.isHidden(object), "\(label): object \(object)")
                }
                let view = scene.view(from: world.pose)
                let oneByOne = world.seenObjectByObject(in: view)
                // The look that tests only the changeable objects is the look that tests each
                // object of the view (every object, its type added as it is met).
                var plain: World.Look = ([], TypeSet(), TypeSet())
                for (k, object) in view.visible.enumerated() where !world.objects[object].moved && !world.isHidden(object) {
                    plain.visible.append(object)
                    let type = scene.objectType[object]
                    if view.navigable[k] { plain.navigable.insert(type) }
                    if view.navigable[k] || world.containerTypes.contains(type) { plain.interactable.insert(type) }
                }
                XCTAssertEqual(oneByOne.visible, plain.visible, label)
                XCTAssertEqual(oneByOne.navigable, plain.navigable, label)
                XCTAssertEqual(oneByOne.interactable, plain.interactable, label)
                // The moved list is the moved flags, in object order.
                XCTAssertEqual(world.movedObjects, world.objects.indices.filter { world.objects[$0].moved }, label)
                if !view.changeable.contains(where: { world.objects[$0].moved || world.isHidden($0) }) {
                    shortcuts += 1
                    XCTAssertEqual(oneByOne.visible, view.visible, label)
                }
                // What the step left (after an `init` on a fresh copy: nothing recomputed) is
                // what looking again from the same pose shows.
                let again = world.see(from: world.pose)
                XCTAssertEqual(world.visible, again.visible, label)
                XCTAssertEqual(world.interactable, again.interactable, label)
                XCTAssertTrue(world.navigable.intersection(again.navigable) == again.navigable, label)
            }
            XCTAssertEqual(prototype.visible, World(scene: scene, task: task, approachPoses: poses).visible)
            // A receptacle's starting content types are those of every object that starts in it.
            for container in 0..<scene.objectCount {
                var types = TypeSet()
                for item in 0..<scene.objectCount where scene.isInitiallyInside(item, container) { types.insert(scene.objectType[item]) }
                XCTAssertEqual(scene.initialContentTypes[container], types, "task \(task.identity), object \(container)")
            }
        }
        XCTAssertGreaterThan(shortcuts, 0, "the shortcut is taken")
        XCTAssertLessThan(shortcuts, steps, "and not always")
    }

    /// The per-pose views' table (`PoseViewMemo`) hands out one view per pose (`==`: 0 and -0 are
    /// one pose), computes each once, and answers alike past its limit, where it starts afresh.
    func testThePoseViewTableKeepsOneViewPerPoseAndStartsAfreshPastItsLimit() throws {
        let scene = CompiledScene(try XCTUnwrap(FixtureData.store().scene(named: FixtureData.store().allTasks()[0].scene)))
        let memo = PoseViewMemo()
        var computed = 0
        func view(_ pose: AgentPose) -> PoseView {
            memo.value(pose) { computed += 1; return scene.sight.view(from: pose, boxes: scene.boxes, of: scene) }
        }
        let poses = (0..<(PoseViewMemo.limit + 100)).map { AgentPose(x: Double($0 % 97) * 0.25, z: Double($0 / 97) * 0.25, yaw: 90) }
        var first: [ObjectIdentifier] = []
        for pose in poses.prefix(1000) { first.append(ObjectIdentifier(view(pose))) }
        XCTAssertEqual(computed, 1000)
        for (pose, id) in zip(poses.prefix(1000), first) { XCTAssertEqual(ObjectIdentifier(view(pose)), id) }
        XCTAssertEqual(computed, 1000, "each pose is computed once")
        let zero = AgentPose(x: 0, z: 0, yaw: 90), negativeZero = AgentPose(x: -0.0, z: -0.0, yaw: 90)
        XCTAssertEqual(ObjectIdentifier(view(zero)), ObjectIdentifier(view(negativeZero)))
        XCTAssertEqual(PoseViewMemo.hash(zero), PoseViewMemo.hash(negativeZero))
        for pose in poses {
            XCTAssertEqual(view(pose).visible, scene.sight.view(from: pose, boxes: scene.boxes, of: scene).visible)
        }
        XCTAssertEqual(computed, poses.count)
        for pose in poses.prefix(10) { _ = view(pose) }
        XCTAssertEqual(computed, poses.count + 10, "past the limit the table started afresh: the first poses are computed again")
    }
}
