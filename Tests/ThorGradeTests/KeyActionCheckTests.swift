import Foundation
@testable import ThorGrade
import ThorModel
import ThorStore
import XCTest
import ThorTestSupport

/// Key actions the reference metric can never match: which, why, and once per task in `grade`.
final class KeyActionCheckTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let kitchen: Set<String> = ["Apple", "Fridge", "CounterTop", "StoveKnob", "Cabinet"]

    func reasons(_ keys: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: KeyActionCheck.unmatchable(keys, sceneTypes: kitchen, sceneName: "FloorPlan1").map { ($0.keyAction, $0.reason) })
    }

    func testEveryVocabularyObjectActionWithASceneTypeCanMatch() {
        let keys = ["navigate to Fridge", "open Fridge", "pickup Apple", "put Fridge", "close Fridge", "toggle StoveKnob", "end"]
        XCTAssertEqual(KeyActionCheck.unmatchable(keys, sceneTypes: kitchen, sceneName: "FloorPlan1"), [])
    }

    func testUnscoredKeyActionsAreNotChecked() {
        // navigate to, observe and move forward never count toward total, so they cannot block success.
        XCTAssertEqual(reasons(["navigate to Unicorn", "observe", "move forward", "end"]), [:])
    }

    func testEachWayAKeyActionCannotMatchIsNamedWithItsPosition() {
        let keys = ["pick up Apple", "put in Fridge", "put", "pickup apple", "pickup Unicorn", "pickup  Apple", "init", "", "end"]
        let found = KeyActionCheck.unmatchable(keys, sceneTypes: kitchen, sceneName: "FloorPlan1")
        XCTAssertEqual(found.map(\.position), [1, 2, 3, 4, 5, 6, 7, 8])
        let why = Dictionary(uniqueKeysWithValues: found.map { ($0.keyAction, $0.reason) })
        XCTAssertEqual(why["pick up Apple"], "'pick' starts no action of the vocabulary (pickup, put, toggle, open, close, end)")
        XCTAssertEqual(why["put in Fridge"], "the metric reads every put action as 'put', so 'put in' never matches; the key action should read 'put Fridge'")
        XCTAssertEqual(why["put"], "'put' names no object type (the task data's objectType is empty)")
        XCTAssertEqual(why["pickup apple"], "FloorPlan1 has no object of type 'apple' (types compare exactly, case included)")
        XCTAssertEqual(why["pickup Unicorn"], "FloorPlan1 has no object of type 'Unicorn' (types compare exactly, case included)")
        XCTAssertEqual(why["pickup  Apple"], "the metric compares 'pickup Apple' exactly; this key action is spelt differently")
        XCTAssertEqual(why["init"], "'init' entries score nothing")
        XCTAssertEqual(why[""], "the key action is empty")
    }

    func testWithoutSceneTypesOnlyTheTypeCheckIsSkipped() {
        let found = KeyActionCheck.unmatchable(["pickup Unicorn", "pick up Apple", "end"], sceneTypes: nil, sceneName: nil)
        XCTAssertEqual(found.map(\.keyAction), ["pick up Apple"])
    }

    func graded(_ identity: Int, line: Int, keys: [String]?) -> GradedTask {
        var task = GradedTask(
            source: LineSource(file: "r.jsonl", line: line), identity: .int(identity), model: "m", taskType: "single_pickup",
            scene: "FloorPlan1", metrics: TaskMetrics(success: 0, efficiency: 0, completeness: 0, completenessOrdered: 0, keyActionsSuccess: 0, repeatRate: 0, step: 1))
        task.lineKeyActions = keys
        return task
    }

    func testGradeChecksEachTaskOnceOnItsFirstLine() {
        var storeAsked: [TaskIdentity] = []
        var warnings = KeyActionWarnings(
            sceneTypes: { $0 == "FloorPlan1" ? self.kitchen : nil },
            storeKeyActions: { identity in storeAsked.append(identity); return identity == .int(2) ? ["put", "end"] : nil })
        XCTAssertEqual(warnings.check(graded(1, line: 1, keys: ["pick up Apple", "end"])).map(\.description),
                       ["r.jsonl:1: task 1: key action 1 'pick up Apple' can never match: 'pick' starts no action of the vocabulary (pickup, put, toggle, open, close, end)"])
        XCTAssertEqual(warnings.check(graded(1, line: 2, keys: ["pick up Apple", "end"])).count, 0, "same task: already reported")
        XCTAssertEqual(warnings.check(graded(1, line: 3, keys: ["pickup Unicorn", "end"])).count, 0, "a task is checked on its first line only")
        // Lines without their own key actions use the store's, asked once per task.
        XCTAssertEqual(warnings.check(graded(2, line: 4, keys: nil)).map(\.problem.keyAction), ["put"])
        XCTAssertEqual(warnings.check(graded(2, line: 5, keys: nil)).count, 0)
        XCTAssertEqual(warnings.check(graded(3, line: 6, keys: nil)).count, 0, "a task the store lacks has nothing to check")
        XCTAssertEqual(storeAsked, [.int(2), .int(3)])
        XCTAssertEqual(warnings.warnings.map(\.source.line), [1, 4])
    }

    /// On the shared benchmark exactly the thirteen long-range tasks whose data has a `put` with an
    /// empty objectType are flagged; every other key action of the 809 tasks can match.
    func testOnTheRealBenchmarkOnlyTheThirteenEmptyPutsCanNeverMatch() throws {
        let data = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: data) else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(data); set THOR_LITE_ER_DATA to run this test")
        }
        let path = Scratch.url("keycheck", suffix: ".sqlite").path
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try ThorStore(path: path, create: true)
        try store.importCheckout(UpstreamReader(root: URL(fileURLWithPath: data)))
        XCTAssertEqual(try store.objectTypes(inScene: "FloorPlan1")?.contains("Fridge"), true)
        XCTAssertNil(try store.objectTypes(inScene: "FloorPlan999"))
        let flagged = try store.allTasks().flatMap { task in
            KeyActionCheck.unmatchable(task.keyActionTexts, sceneTypes: try XCTUnwrap(store.objectTypes(inScene: task.scene)), sceneName: task.scene)
                .map { (task.identity, $0) }
        }
        XCTAssertEqual(flagged.map(\.0), [786, 787, 788, 789, 790, 791, 792, 793, 794, 796, 797, 798, 799].map(TaskIdentity.int))
        XCTAssertEqual(Set(flagged.map(\.1.keyAction)), ["put"])
    }
}
