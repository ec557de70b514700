import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

/// `EpisodeWorlds`: one world per task, handed out as copies that episodes change independently.
final class EpisodeWorldsTests: XCTestCase {
    func worlds(loads: LoadCounter? = nil) throws -> (EpisodeWorlds, [BenchmarkTask], ThorStore) {
        let store = try FixtureData.store()
        let worlds = EpisodeWorlds(approachPoses: try store.approachPoses()) { name in
            loads?.count[name, default: 0] += 1
            return try store.scene(named: name)
        }
        return (worlds, try store.allTasks(), store)
    }

    final class LoadCounter: @unchecked Sendable { var count: [String: Int] = [:] }

    func testAnEpisodeFromTheSharedWorldStartsAsAFreshWorldAndLeavesTheNextOneUntouched() throws {
        let (worlds, tasks, store) = try worlds()
        for task in tasks {
            let fresh = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
            var first = try worlds.world(for: task)
            XCTAssertEqual(first.visible, fresh.visible, "task \(task.identity)")
            XCTAssertEqual(first.navigable, fresh.navigable)
            XCTAssertEqual(first.pose, fresh.pose)
            for step in task.keyActionTexts {
                _ = first.step(try XCTUnwrap(Action(planStep: step)))
            }
            let second = try worlds.world(for: task)
            XCTAssertEqual(second.objects, fresh.objects, "task \(task.identity): the first episode's moves and states do not reach the second")
            XCTAssertEqual(second.held, nil)
            XCTAssertEqual(second.visible, fresh.visible)
            XCTAssertTrue(second.scene === first.scene, "one compiled scene per scene name")
        }
    }

    func testEachSceneIsLoadedOnceAndOnlyWhenATaskNeedsIt() throws {
        let loads = LoadCounter()
        let (worlds, tasks, _) = try worlds(loads: loads)
        let task = try XCTUnwrap(tasks.first)
        for _ in 0..<3 { _ = try worlds.world(for: task) }
        XCTAssertEqual(loads.count, [task.scene: 1])
    }

    func testATaskChangedUnderAKnownIdentityGetsItsOwnWorld() throws {
        let (worlds, tasks, _) = try worlds()
        let task = try XCTUnwrap(tasks.first)
        var other = task
        other.navigableObjects = []
        XCTAssertEqual(try worlds.world(for: task).task, task)
        XCTAssertEqual(try worlds.world(for: other).task, other)
    }

    func testATaskOnASceneTheStoreLacksIsAnErrorNamingBoth() throws {
        let (worlds, tasks, _) = try worlds()
        var task = try XCTUnwrap(tasks.first)
        task.scene = "FloorPlan999"
        XCTAssertThrowsError(try worlds.world(for: task)) { error in
            XCTAssertEqual("\(error)", "scene FloorPlan999 of task \(task.identity) is not in the store")
        }
    }
}
