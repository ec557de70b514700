import Foundation
import ThorModel
import ThorPolicy
import ThorSim
import ThorStore
import XCTest

@testable import ThorFrames
@testable import ThorGrade

final class FrameImportTests: XCTestCase {
    static let run10 = "Qwen_Qwen2.5-VL-7B-Instruct/10_single_search_FloorPlan1_10"
    static let test001 = "Qwen_Qwen2.5-VL-7B-Instruct/test_001_single_pickup_from_closerep_FloorPlan1_0"

    func testFrameNamesFollowTheEvaluatorsNaming() {
        XCTAssertEqual(FrameName(fileName: "FloorPlan1_3_navigate_CounterTop.png"), FrameName(scene: "FloorPlan1", step: 3, action: "navigate to", object: "CounterTop", view: nil))
        XCTAssertEqual(FrameName(fileName: "FloorPlan12_10_move_forward.png"), FrameName(scene: "FloorPlan12", step: 10, action: "move forward", object: nil, view: nil))
        XCTAssertEqual(FrameName(fileName: "FloorPlan1_7_pick_up_Apple.png"), FrameName(scene: "FloorPlan1", step: 7, action: "pickup", object: "Apple", view: nil))
        XCTAssertEqual(FrameName(fileName: "FloorPlan1_8_put_in_Fridge.png"), FrameName(scene: "FloorPlan1", step: 8, action: "put", object: "Fridge", view: nil))
        XCTAssertEqual(FrameName(fileName: "FloorPlan1_4_2_observe.png"), FrameName(scene: "FloorPlan1", step: 4, action: "observe", object: nil, view: 2))
        XCTAssertNil(FrameName(fileName: "picture.png"))
        XCTAssertNil(FrameName(fileName: "FloorPlan1_x_init.png"))
        XCTAssertNil(FrameName(fileName: "FloorPlan1_3_jump.png"))
    }

    func testRunFolderNamesGiveIdentityTypeSceneAndIndex() throws {
        let fork = try XCTUnwrap(FolderName("test_001_single_pickup_from_closerep_FloorPlan1_0"))
        XCTAssertEqual(fork.identity, .string("test_001"))
        XCTAssertEqual(fork.taskType, "single_pickup_from_closerep")
        let benchmark = try XCTUnwrap(FolderName("10_single_search_FloorPlan1_10"))
        XCTAssertEqual(benchmark.identity, .int(10))
        XCTAssertEqual(benchmark.scene, "FloorPlan1")
        XCTAssertEqual(benchmark.instructionIndex, 10)
    }

    func testImportingRecordedRunsIndexesAll26FramesWithSceneStepActionObjectAndState() throws {
        let runs = try TestData.recordedRuns()
        let store = try TestData.benchmarkStore()
        let replay = try Self.replaySource(store)
        let scan = FrameImporter.scan([runs], known: try store.knownFrames(), replay: replay)
        XCTAssertEqual(scan.issues, [])
        XCTAssertEqual(scan.records.count, 26)
        XCTAssertEqual(scan.runs, 3)
        let changes = try store.indexFrames(scan.records)
        XCTAssertEqual(changes.added, 26)
        XCTAssertEqual(try store.counts().frames, 26)
        for frame in scan.records {
            XCTAssertEqual([frame.width, frame.height, frame.bitDepth, frame.colorType], [800, 450, 8, 2], frame.path)
            XCTAssertEqual(frame.scene, "FloorPlan1")
            XCTAssertEqual(frame.contentHash.count, 64)
        }
        // One frame is not its step's own picture: saved during step 10's move, numbered 9.
        let stateless = scan.records.filter { $0.state == nil }
        XCTAssertEqual(stateless.map { ($0.path as NSString).lastPathComponent }, ["FloorPlan1_9_move_forward.png"])
        XCTAssertEqual(stateless.first?.stateNote, "an intermediate frame: the run records pickup at step 9, not move forward")
        XCTAssertNil(stateless.first?.recordedSuccess)
        XCTAssertEqual(Dictionary(grouping: scan.records, by: \.run).mapValues(\.count), [Self.run10: 6, Self.test001: 19, "Qwen_Qwen2.5-VL-7B-Instruct/disambig_003_single_pickup_from_closerep_FloorPlan1_0": 1])

        let stored = try store.frames(run: Self.run10)
        XCTAssertEqual(stored.map(\.step), [1, 3, 5, 6, 8, 10])
        XCTAssertEqual(stored.map(\.action), ["init", "navigate to", "move forward", "navigate to", "move forward", "move forward"])
        XCTAssertEqual(stored.map(\.objectType), [nil, "Cabinet", nil, "CounterTop", nil, nil])
        XCTAssertEqual(stored.map(\.taskIdentity), Array(repeating: "10", count: 6))
        XCTAssertEqual(stored.map(\.recordedSuccess), Array(repeating: true, count: 6))
        XCTAssertEqual(stored.first?.state?.source, "run.log")
        // The init frame stands where the reference's corner init puts the agent.
        let task10 = try XCTUnwrap(try store.task(.int(10)))
        var runner = EpisodeRunner(
            world: World(scene: CompiledScene(try XCTUnwrap(try store.scene(named: "FloorPlan1"))), task: task10, approachPoses: try store.approachPoses()),
            taskType: task10.taskType)
        runner.advance()
        XCTAssertEqual(stored.first?.state?.x, runner.world.pose.x)
        XCTAssertEqual(stored.first?.state?.z, runner.world.pose.z)
        XCTAssertEqual(stored.first?.state?.yaw, runner.world.pose.yaw)
        // The simulator agrees with the run on every step (UnityTraceTests), so no frame carries a
        // divergence note.
        XCTAssertEqual(stored.compactMap(\.stateNote), [])

        let fork = try store.frames(run: Self.test001)
        XCTAssertEqual(fork.first { $0.step == 11 }.map { [$0.action, $0.objectType ?? ""] }, ["navigate to", "Shelf"])
        XCTAssertEqual(fork.first?.taskIdentity, "test_001")
        XCTAssertEqual(fork.first?.state?.source, "result.json")

        // Importing again adds nothing and reads no file.
        let again = FrameImporter.scan([runs], known: try store.knownFrames(), replay: replay)
        XCTAssertEqual(again.filesRead, 0)
        let second = try store.indexFrames(again.records)
        XCTAssertEqual([second.added, second.updated, second.moved, second.unchanged], [0, 0, 0, 26])
        XCTAssertEqual(try store.counts().frames, 26)
    }

    func testMovedRunIsFoundAgainByHash() throws {
        let runs = try TestData.recordedRuns()
        let root = TestData.temporaryDirectory()
        let model = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let before = model.appendingPathComponent("10_single_search_FloorPlan1_10")
        try FileManager.default.copyItem(atPath: runs + "/" + Self.run10, toPath: before.path)
        let store = try ThorStore(path: root.appendingPathComponent("s.sqlite").path, create: true)
        XCTAssertEqual(try store.indexFrames(FrameImporter.scan([model.path], replay: nil).records).added, 6)

        let after = root.appendingPathComponent("elsewhere/model/10_single_search_FloorPlan1_10")
        try FileManager.default.createDirectory(at: after.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: before, to: after)
        let changes = try store.indexFrames(FrameImporter.scan([root.appendingPathComponent("elsewhere").path], known: try store.knownFrames(), replay: nil).records)
        XCTAssertEqual([changes.added, changes.moved], [0, 6])
        XCTAssertEqual(try store.counts().frames, 6)
        XCTAssertEqual(try store.frames(run: "model/10_single_search_FloorPlan1_10").map { $0.path.hasPrefix(after.path) }, Array(repeating: true, count: 6))
    }

    func testBadFilesAreReportedWithTheirPathAndTheRestIndexed() throws {
        let root = TestData.temporaryDirectory()
        let run = root.appendingPathComponent("model/1_single_search_FloorPlan1_0")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let good = try PNG.encode(PNGTests.gradient(width: 16, height: 9, channels: 3))
        func path(_ name: String) -> String { run.appendingPathComponent(name).path }
        try good.write(to: URL(fileURLWithPath: path("FloorPlan1_1_init.png")))
        try good.prefix(good.count - 20).write(to: URL(fileURLWithPath: path("FloorPlan1_2_move_forward.png")))
        try Data("<html>not a picture</html>".utf8).write(to: URL(fileURLWithPath: path("FloorPlan1_3_navigate_Fridge.png")))
        try FileManager.default.createSymbolicLink(atPath: path("FloorPlan1_4_pick_up_Apple.png"), withDestinationPath: path("missing"))
        try good.write(to: URL(fileURLWithPath: path("holiday.png")))

        let store = try ThorStore(path: root.appendingPathComponent("s.sqlite").path, create: true)
        let scan = FrameImporter.scan([root.path], replay: nil)
        XCTAssertEqual(scan.records.map(\.path), [path("FloorPlan1_1_init.png")])
        let reasons = Dictionary(uniqueKeysWithValues: scan.issues.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        XCTAssertEqual(reasons.count, 4)
        XCTAssertEqual(reasons["FloorPlan1_2_move_forward.png"]?.contains("truncated"), true, reasons.description)
        XCTAssertEqual(reasons["FloorPlan1_3_navigate_Fridge.png"]?.contains("not a PNG"), true, reasons.description)
        XCTAssertEqual(reasons["FloorPlan1_4_pick_up_Apple.png"], "cannot read: No such file or directory")
        XCTAssertEqual(reasons["holiday.png"]?.contains("does not follow"), true, reasons.description)
        XCTAssertEqual(try store.indexFrames(scan.records).added, 1)
        XCTAssertEqual(try store.counts().frames, 1)
    }

    func testACorruptResultFileIsReportedAndItsFramesStillIndexed() throws {
        let root = TestData.temporaryDirectory()
        let run = root.appendingPathComponent("model/7_single_search_FloorPlan1_0")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try PNG.encode(PNGTests.gradient(width: 4, height: 4, channels: 3)).write(to: run.appendingPathComponent("FloorPlan1_1_init.png"))
        try Data(#"{"identity": 7, "trajectory": [{"action": "init", "#.utf8).write(to: run.appendingPathComponent("result.json"))
        let scan = FrameImporter.scan([root.path], replay: nil)
        XCTAssertEqual(scan.records.map(\.step), [1])
        XCTAssertEqual(scan.records.first?.scene, "FloorPlan1")
        XCTAssertEqual(scan.issues.count, 1)
        XCTAssertEqual(scan.issues.first?.path, run.path)
        XCTAssertEqual(scan.issues.first?.reason.contains("result.json"), true, scan.issues.first?.reason ?? "")
    }

    func testFramesSurviveABenchmarkReimport() throws {
        let root = TestData.temporaryDirectory()
        let run = root.appendingPathComponent("model/1_single_search_FloorPlan1_0")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try PNG.encode(PNGTests.gradient(width: 4, height: 4, channels: 3)).write(to: run.appendingPathComponent("FloorPlan1_1_init.png"))
        let store = try ThorStore(path: root.appendingPathComponent("s.sqlite").path, create: true)
        let fixtures = URL(fileURLWithPath: TestData.packageRoot.appendingPathComponent("fixtures/upstream").path)
        try store.importCheckout(UpstreamReader(root: fixtures))
        _ = try store.indexFrames(FrameImporter.scan([root.path], replay: nil).records)
        try store.importCheckout(UpstreamReader(root: fixtures))
        XCTAssertEqual(try store.counts().frames, 1)
        XCTAssertEqual(try store.schemaVersion, try ThorStore(path: root.appendingPathComponent("fresh.sqlite").path, create: true).schemaVersion)
    }

    static func replaySource(_ store: ThorStore) throws -> ReplaySource {
        let scene = try XCTUnwrap(try store.scene(named: "FloorPlan1")).compiled
        let poses = try store.approachPoses()
        return ReplaySource(scene: { $0 == "FloorPlan1" ? scene : nil }, task: { try? store.task($0) }, approachPoses: poses)
    }
}

extension Scene {
    var compiled: CompiledScene { CompiledScene(self) }
}

/// The policy API attaches the best recorded frame to each observation.
final class PolicyFrameTests: XCTestCase {
    func testReplayingRun10AttachesItsOwnFramesAsExactMatches() throws {
        let runs = try TestData.recordedRuns()
        let store = try TestData.benchmarkStore()
        _ = try store.indexFrames(FrameImporter.scan([runs], replay: try FrameImportTests.replaySource(store)).records)
        let directory = runs + "/" + FrameImportTests.run10
        let run = try RecordedRun.read(directory: directory)
        let environment = try PolicyEnvironment(store: store)
        var observations = [try environment.reset(task: .int(10))]
        for step in run.steps.dropFirst() {
            observations.append(try environment.step(step.object.map { "\(step.action) \($0)" } ?? step.action))
        }
        XCTAssertEqual(observations.count, 10)
        // Steps 3, 5, 6 and 8 saved frames in this run only: each gets its own frame, exactly.
        // (Step 8 joined when step 6's navigation learnt Unity's pose: facing -x in front of the
        // dishwasher, its move forward is blocked and steps sideways to a state of its own.)
        for number in [3, 5, 6, 8] {
            let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first { FrameName(fileName: $0)?.step == number })
            XCTAssertEqual(observations[number - 1].frame, directory + "/" + name, "step \(number)")
            XCTAssertEqual(observations[number - 1].frameMatch, .exact, "step \(number)")
        }
        // Step 10's move forward is blocked by the dishwasher again and steps back to step 6's
        // pose; Unity's step 10 frame shows the same view as its step 6 frame, so that one is exact.
        XCTAssertEqual(observations[9].frame, observations[5].frame)
        XCTAssertEqual(observations[9].frameMatch, .exact)
        // A failed step changes nothing: it shows the frame of the state it left unchanged.
        XCTAssertEqual(observations[3].frame, observations[2].frame)
        // Every step has a frame of its exact state; step 9 (navigate to Sink) failed in Unity and
        // in the simulator, so it shows the frame of the state it left unchanged.
        XCTAssertEqual(environment.frameCoverage(), ["exact": 10, "same pose": 0, "none": 0])
        XCTAssertEqual(observations[8].frame, observations[7].frame)
    }
}
