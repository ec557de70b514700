import Foundation
import ThorModel
import ThorSim
import ThorStore
import XCTest

@testable import ThorFrames
@testable import ThorGrade

final class EpisodeTraceTests: XCTestCase {
    func testRun10FailuresNameTheirSpecificCauses() throws {
        let runs = try TestData.recordedRuns()
        let store = try TestData.benchmarkStore()
        let run = try RecordedRun.read(directory: runs + "/" + FrameImportTests.run10)
        XCTAssertEqual(run.origin, .runLog)
        XCTAssertEqual(run.identity, .int(10))
        let task = try XCTUnwrap(try store.task(.int(10)))
        let world = World(scene: CompiledScene(try XCTUnwrap(try store.scene(named: "FloorPlan1"))), task: task, approachPoses: try store.approachPoses())
        let plan = run.steps.dropFirst().map { step in PolicyOutput.planStep(step.object.map { "\(step.action) \($0)" } ?? step.action) }
        let trace = EpisodeTrace(world: world, taskType: task.taskType, outputs: plan)
        let failed = trace.entries.filter { !$0.step.success }
        // Step 9 (navigate to Sink) fails as in Unity: AI2-THOR never shows a kitchen Sink.
        XCTAssertEqual(failed.map(\.number), [2, 4, 7, 9])
        XCTAssertEqual(failed.map { $0.step.error }, [.notNavigable, .notInteractable, .notInteractable, .notNavigable])
        XCTAssertEqual(failed[0].cause?.hasPrefix("Mug has not been seen from any pose yet"), true, failed[0].cause ?? "")
        XCTAssertEqual(failed[1].cause, "the Bottle is in view from the Cabinet but 1.58 m away and too small for the reference's size rule, and not inside what was navigated to: navigate to it first")
        XCTAssertEqual(failed[2].cause, "the Cup is inside the closed Cabinet (Cabinet|+00.68|+02.02|-02.46): open it first")
        XCTAssertEqual(failed[3].cause?.hasPrefix("Sink has not been seen from any pose yet"), true, failed[3].cause ?? "")
        XCTAssertEqual(trace.entries.compactMap(\.number), Array(1...10))
    }

    func testExpertPlanOfTask129NamesThePlacementRule() throws {
        let store = try TestData.benchmarkStore()
        let task = try XCTUnwrap(try store.task(.int(129)))
        let world = World(scene: CompiledScene(try XCTUnwrap(try store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        let trace = EpisodeTrace(world: world, taskType: task.taskType, outputs: task.keyActionTexts.map(PolicyOutput.planStep))
        let failure = try XCTUnwrap(trace.entries.first { $0.step.error == .placementNotAllowed })
        XCTAssertEqual(failure.cause, "AI2-THOR's placement table does not allow a Cup in a GarbageCan")
    }
}

extension EpisodeTraceTests {
    func testEveryFailedStepOfTheRecordedRunsHasACause() throws {
        let runs = try TestData.recordedRuns()
        let store = try TestData.benchmarkStore()
        let poses = try store.approachPoses()
        let model = runs + "/Qwen_Qwen2.5-VL-7B-Instruct"
        var failures = 0
        for folder in try FileManager.default.contentsOfDirectory(atPath: model).sorted() {
            let run = try RecordedRun.read(directory: model + "/" + folder)
            let scene = try XCTUnwrap(run.scene)
            let task = run.task(scene: scene) { try? store.task($0) }
            let world = World(scene: CompiledScene(try XCTUnwrap(try store.scene(named: scene))), task: task, approachPoses: poses)
            let plan = run.steps.dropFirst().filter { $0.action != "end" }.map { step in PolicyOutput.planStep(step.object.map { "\(step.action) \($0)" } ?? step.action) }
            for entry in EpisodeTrace(world: world, taskType: task.taskType, outputs: plan).entries where !entry.step.success || entry.step.error != nil {
                failures += 1
                XCTAssertNotNil(entry.cause, "\(folder) step \(entry.number.map(String.init) ?? "-"): \(entry.step.action)")
            }
        }
        XCTAssertEqual(failures, 15, "run 10: 4, test_001: 6, disambig_003: 4 and its repeat cut-off")
    }
}
