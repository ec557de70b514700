import Foundation
import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

final class ExpertPlanTests: XCTestCase {
    func testEveryFixtureExpertPlanSucceeds() throws {
        XCTAssertEqual(try failures(in: FixtureData.store()), [])
    }

    func testExpertPlansOfRealTasks() throws {
        print(try failures(in: RealData.store()).joined(separator: "\n"))
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
                    failures.append("\(task.identity) \(task.taskType): '\(keyAction.text)' \(outcome.error!.rawValue)")
                    break
                }
            }
        }
        return failures
    }
}
