import Foundation
import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

final class ExpertPlanTests: XCTestCase {
    func testEveryFixtureExpertPlanSucceeds() throws {
        XCTAssertEqual(try failures(in: FixtureData.store()), [])
    }

    /// Stepping the world directly (no episode loop) fails on exactly the tasks the audit flags,
    /// at the same key action.
    func testRealExpertPlansFailExactlyWhereTheAuditSays() throws {
        let store = try RealData.store()
        let poses = try store.approachPoses()
        var audited: [String] = []
        for task in try store.allTasks() {
            let world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: poses)
            if let problem = PlanAudit.check(task, world: world) {
                audited.append("\(task.identity) \(task.taskType): '\(problem.keyAction)' \(problem.error.rawValue)")
            }
        }
        XCTAssertEqual(try failures(in: store), audited)
        // The README's table: 129 and 246 (a Cup in a GarbageCan) and 785-799 (long-range tasks).
        let expected = [129, 246] + Array(785...799)
        XCTAssertEqual(audited.map { $0.prefix { $0 != " " } }, expected.map { "\($0)"[...] }, "the expert plans AI2-THOR's rules reject")
    }

    func failures(in store: ThorStore) throws -> [String] {
        let poses = try store.approachPoses()
        var scenes: [String: CompiledScene] = [:]
        var failures: [String] = []
        let tasks = try store.allTasks()
        for task in tasks {
            let scene = try scenes[task.scene] ?? CompiledScene(XCTUnwrap(store.scene(named: task.scene)))
            scenes[task.scene] = scene
            var world = World(scene: scene, task: task, approachPoses: poses)
            for keyAction in task.keyActions {
                guard let action = Action(planStep: keyAction.text) else {
                    failures.append("\(task.identity) \(task.taskType): unparseable '\(keyAction.text)'")
                    break
                }
                let outcome = world.step(action)
                if !outcome.success {
                    failures.append("\(task.identity) \(task.taskType): '\(keyAction.text)' \(outcome.error?.rawValue ?? "failed without an error kind")")
                    break
                }
            }
        }
        return failures
    }
}
