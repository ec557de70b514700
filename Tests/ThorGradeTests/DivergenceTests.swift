import Foundation
import ThorJSON
import ThorModel
import ThorSim
import ThorStore
import XCTest

@testable import ThorGrade
import ThorTestSupport

final class DivergenceTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func importStore(_ checkout: URL) throws -> ThorStore {
        let file = Scratch.url("diverge", suffix: ".sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: checkout))
        return store
    }

    func divergence(_ store: ThorStore, mode: ReplayMode = .synchronised) throws -> Divergence {
        let tasks = Dictionary(uniqueKeysWithValues: try store.allTasks().map { ($0.identity, $0) })
        return Divergence(mode: mode, lookup: { tasks[$0] }, worlds: try TestWorlds(store))
    }

    func step(_ action: String, _ object: String? = nil, _ success: Bool, locations: [String]? = nil, objects: [String]? = nil) -> RecordedStep {
        RecordedStep(action: action, object: object, success: success ? .truthy : .zero, legalLocations: locations, legalObjects: objects)
    }

    // MARK: set comparison

    func testTypeSetComparisonNamesMissingAndExtraTypesAndJaccard() {
        let comparison = TypeSetComparison(unity: ["Sink", "Fridge", "Apple", "Apple"], simulated: ["Fridge", "Apple", "Floor"])
        XCTAssertEqual(comparison.missing, ["Sink"])
        XCTAssertEqual(comparison.extra, ["Floor"])
        XCTAssertEqual(comparison.jaccard, 0.5)
        XCTAssertFalse(comparison.isExact)
        XCTAssertEqual(TypeSetComparison(unity: [], simulated: []).jaccard, 1)
        XCTAssertTrue(TypeSetComparison(unity: ["A", "B"], simulated: ["B", "A"]).isExact)
    }

    // MARK: a hand-built run on the fixtures

    /// Fixture task 4: the Plate is in a closed Cabinet. Unity is made to record that `open
    /// Cabinet` failed. Synchronised replay tries the open (the simulator succeeds: one
    /// disagreement), undoes it, and the next `pickup Plate` fails in both; independent replay keeps
    /// the cabinet open, so that pickup succeeds in the simulator and disagrees too.
    func handBuiltRun() -> RecordedRun {
        var run = RecordedRun(source: LineSource(file: "hand-built", line: 1), identity: .int(4), steps: [
            step("init", nil, true, locations: ["CounterTop", "Cabinet"], objects: []),
            step("navigate to", "Cabinet", true, locations: ["CounterTop", "Cabinet", "Unicorn"], objects: ["Cabinet"]),
            step("open", "Cabinet", false),
            step("pickup", "Plate", false),
            step("error", nil, false),
            step("end", nil, true),
        ], isComplete: true)
        run.model = "hand"
        return run
    }

    func testSynchronisedReplayUndoesStepsThatFailedInUnity() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let comparison = try divergence(store).compare(handBuiltRun())
        XCTAssertEqual(comparison.steps.map(\.index), [0, 1, 2, 3], "init and the executed actions; the illegal entry and the end are not executed")
        XCTAssertEqual(comparison.steps.map(\.simulatedSuccess), [true, true, true, false])
        XCTAssertEqual(comparison.steps.map(\.agrees), [true, true, false, true])
        XCTAssertEqual(comparison.steps[3].simulatedError, .notInteractable, "the open was undone: the Plate is hidden in the closed Cabinet")
        XCTAssertEqual(comparison.steps[1].navigable?.missing, ["Unicorn"])
        XCTAssertNil(comparison.steps[2].navigable, "nothing recorded, nothing compared")
        // Neither trajectory succeeds; the simulated open scores one key action more.
        XCTAssertEqual(comparison.unityMetrics?.success, 0)
        XCTAssertEqual(comparison.simulatedMetrics?.success, 0)
        XCTAssertEqual(comparison.unityMetrics?.completeness, 1.0 / 3)
        XCTAssertEqual(comparison.simulatedMetrics?.completeness, 2.0 / 3)

        let totals = DivergenceTotals([comparison])
        XCTAssertEqual([totals.steps, totals.bothSucceeded, totals.bothFailed, totals.unityOnly, totals.simulatorOnly], [4, 2, 1, 0, 1])
        XCTAssertEqual(totals.successAgreement, 0.75)
        XCTAssertEqual(totals.navigable.compared, 2)
        XCTAssertEqual(totals.navigable.missing, ["Unicorn": 1])
    }

    func testIndependentReplayKeepsEveryStepsEffects() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let comparison = try divergence(store, mode: .independent).compare(handBuiltRun())
        XCTAssertEqual(comparison.steps.map(\.simulatedSuccess), [true, true, true, true])
        XCTAssertEqual(comparison.steps.map(\.agrees), [true, true, false, false])
        // The simulated pickup scores the key action Unity missed.
        XCTAssertEqual(comparison.simulatedMetrics?.success, 1)
        XCTAssertEqual(comparison.unityMetrics?.success, 0)
    }

    func testARunWhoseTaskTheStoreLacksIsReplayedOnItsOwnFieldsWithANote() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        var run = handBuiltRun()
        run.identity = .string("elsewhere_1")
        run.scene = "FloorPlan30"
        run.taskType = "single_pickup_from_closerep"
        run.taskName = "Pick up the Plate."
        run.keyActions = ["navigate to Cabinet", "open Cabinet", "pickup Plate", "end"]
        let comparison = try divergence(store).compare(run)
        // Its starting navigable types come from its init entry; its targets are unknown.
        XCTAssertEqual(comparison.notes.count, 2)
        XCTAssertTrue(comparison.notes.allSatisfy { $0.contains("not in the store") }, "\(comparison.notes)")
        XCTAssertTrue(comparison.notes[0].contains("read from the init entry"), comparison.notes[0])
        XCTAssertEqual(comparison.steps.count, 4)

        run.scene = nil
        var report = DivergenceReport(mode: .synchronised)
        try divergence(store).compare(.success(run), into: &report)
        XCTAssertEqual(report.issues.map(\.reason), ["the run names no scene and task elsewhere_1 is not in the store"])
    }

    // MARK: reading

    func testEvaluatorLogsGiveTheirTaskRecordAndExecutedSteps() throws {
        let log = """
            noise
            🔍 DEBUG: test() called with model=M/x, test_data={'scene': 'FloorPlan30', 'tasktype': 'single_pickup', 'taskname': "Pick up the Mug's handle", 'identity': 3, 'target_objects': [], 'related_objects': ['Mug|1'], 'navigable_objects': ['CounterTop'], 'task_metadata': {'actions': [{'action': 'pickup', 'objectId': 'Mug|1', 'objectType': 'Mug', 'reward': 1}, {'action': 'end', 'objectId': '', 'objectType': ''}], 'ok': True, 'none': None, 'pair': (1, -2.5)}}
            0 ****** begin exec action: init None ***
            1 ****** end exec action: init None success: True ***
            2 ****** end exec action: navigate to CounterTop success: False ***
            3 ****** end exec action: move forward None success: True ***
            🔍 DEBUG: test() called with model=M/x, test_data={'scene': 'FloorPlan30', 'identity': 9}
            """
        let runs = RecordedRunReader.runs(inLog: log, file: "run.log")
        XCTAssertEqual(runs.count, 1, "a record with no executed action is not a run")
        let run = try XCTUnwrap(runs.first).get()
        XCTAssertEqual(run.identity, .int(3))
        XCTAssertEqual(run.model, "M/x")
        XCTAssertEqual(run.taskName, "Pick up the Mug's handle")
        XCTAssertEqual(run.keyActions, ["pickup Mug", "end"])
        XCTAssertEqual(run.navigableObjects, ["CounterTop"])
        XCTAssertEqual(run.steps.map(\.action), ["init", "navigate to", "move forward"])
        XCTAssertEqual(run.steps.map(\.object), [nil, "CounterTop", nil])
        XCTAssertEqual(run.steps.map(\.success), [.truthy, .zero, .truthy])
        XCTAssertFalse(run.isComplete)
    }

    func testAnUnreadableTaskRecordIsReportedWithItsLine() {
        let runs = RecordedRunReader.runs(inLog: "x\ntest() called with model=M, test_data={'a': object()}\n", file: "run.log")
        XCTAssertEqual(runs.count, 1)
        guard case .failure(let issue) = runs[0] else { return XCTFail("expected a failure") }
        XCTAssertEqual(issue.description, "run.log:2: test_data is not a readable Python literal")
    }

    func testResultLinesWithoutATrajectoryAreRefused() throws {
        let file = Scratch.url("diverge", suffix: ".jsonl")
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        try Data("{\"identity\": 1, \"trajectory\": [{\"action\": \"init\", \"success\": 1, \"legal_locations\": null}]}\n{\"identity\": 2}\nnot json\n".utf8).write(to: file)
        let runs = try RecordedRunReader.runs(inFile: file.path)
        XCTAssertEqual(runs.count, 3)
        let first = try runs[0].get()
        XCTAssertNil(first.steps[0].legalLocations, "null means not recorded")
        XCTAssertFalse(first.isComplete)
        let reasons = runs.dropFirst().map { result -> String in
            if case .failure(let issue) = result { return "\(issue.source.line): \(issue.reason)" }
            return "read"
        }
        XCTAssertEqual(reasons[0], "2: no recorded trajectory (diverge compares what Unity recorded)")
        XCTAssertTrue(reasons[1].hasPrefix("3: not a JSON object"))
    }

    // MARK: the real Unity runs

    /// `thor-lite diverge ../shared/recorded_runs`: the three FloorPlan1 runs (two result.json of
    /// tasks from another task file, task 10's evaluator log). The figures are pinned; they move
    /// when the simulator's model changes, and then this test is updated with them.
    func testRecordedFloorPlan1RunsGiveThePinnedFigures() throws {
        let runsPath = ProcessInfo.processInfo.environment["THOR_LITE_RECORDED_RUNS"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/recorded_runs").path
        let dataPath = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: runsPath), FileManager.default.fileExists(atPath: dataPath + "/data/test_809.json") else {
            throw XCTSkip("recorded runs or the benchmark not found (\(runsPath), \(dataPath)); set THOR_LITE_RECORDED_RUNS and THOR_LITE_ER_DATA")
        }
        let store = try importStore(URL(fileURLWithPath: dataPath))
        let divergence = try divergence(store)
        var report = DivergenceReport(mode: .synchronised)
        let files = try RecordedRunReader.files(at: runsPath)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["run.log", "result.json", "result.json"])
        for file in files { for run in try RecordedRunReader.runs(inFile: file) { divergence.compare(run, into: &report) } }
        XCTAssertEqual(report.issues.map(\.description), [])
        XCTAssertEqual(report.runs.map(\.identity.description), ["10", "disambig_003", "test_001"])

        let totals = report.totals
        XCTAssertEqual(report.runs.map(\.steps.count), [10, 24, 24])
        // One step disagrees: test_001's `navigate to Apple` failed in Unity and succeeds here. The
        // run's task (from a fork's task file) names a target Apple the run does not carry, so the
        // simulator goes to the scene's first Apple, which a reachable position sees.
        XCTAssertEqual([totals.bothSucceeded, totals.bothFailed, totals.unityOnly, totals.simulatorOnly], [25, 32, 0, 1])
        XCTAssertEqual(totals.navigable.compared, 48)
        XCTAssertEqual(totals.navigable.meanJaccard ?? -1, 0.9791666666666666, accuracy: 1e-12)
        XCTAssertEqual(totals.navigable.exact, 47)
        // The runs' starting navigable types (the fork's navigable_objects: Apple, Bowl, Cup for
        // test_001; Shelf, Vase for disambig_003) are read from their init entries, so Unity
        // listed nothing navigable that the simulator did not.
        XCTAssertEqual(totals.navigable.missing, [:])
        XCTAssertEqual(totals.interactable.compared, 48)
        XCTAssertEqual(totals.interactable.meanJaccard ?? -1, 0.9739583333333334, accuracy: 1e-12)
        XCTAssertEqual(totals.interactable.exact, 43)
        XCTAssertEqual(totals.interactable.missing, [:])
        XCTAssertEqual([totals.metricRuns, totals.metricSuccessAgreements, totals.metricIdentical], [2, 2, 2])
    }
}
