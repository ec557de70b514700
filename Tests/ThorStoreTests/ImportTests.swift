import Foundation
import GRDB
import ThorModel
import XCTest

@testable import ThorStore

final class ImportTests: XCTestCase {
    func importInto(_ storePath: String, from root: URL, tasks: URL? = nil) throws -> (ThorStore, UpstreamDataset) {
        let dataset = try UpstreamReader(root: root, tasksFile: tasks).read()
        let store = try ThorStore(path: storePath, create: true)
        try store.replaceBenchmark(with: dataset, source: root.path)
        return (store, dataset)
    }

    /// Every row of every table, in primary-key order, as text: two stores with equal dumps hold the same data.
    func dump(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var lines: [String] = []
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2") {
                    lines.append("\(table) \(row.description)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    func testRealBenchmarkImportGivesTheDocumentedCounts() throws {
        let root = try TestData.realCheckout()
        let directory = try TestData.temporaryDirectory()
        let (store, _) = try importInto(directory.appendingPathComponent("real.sqlite").path, from: root)
        let counts = try store.counts()
        XCTAssertEqual(counts.scenes, 120)
        XCTAssertEqual(counts.objects, 5668)
        XCTAssertEqual(counts.receptacleLinks, 3483)
        XCTAssertEqual(counts.tasks, 809)
        XCTAssertEqual(counts.taskTypes.count, 11)
        XCTAssertEqual(counts.taskTypes["single_pickup"], 194)
        XCTAssertEqual(counts.taskTypes.values.reduce(0, +), 809)
        XCTAssertEqual(counts.agentPoses, 14)
        XCTAssertEqual(counts.frames, 0)

        // The reference merges approach poses with later task ids winning (task 731 lists this shelf last).
        let poses = try store.approachPoses()
        XCTAssertEqual(try XCTUnwrap(poses["Shelf|-02.59|+01.53|+03.91"]).pose.cameraHorizon, 23.000001907348633)

        let task = try XCTUnwrap(store.task(.int(1)))
        XCTAssertEqual(task.keyActionTexts, ["navigate to CounterTop", "end"])
        XCTAssertEqual(task.targetObjects, ["CounterTop|-00.08|+01.15|00.00"])

        let scene = try XCTUnwrap(store.scene(named: "FloorPlan1"))
        let apple = try XCTUnwrap(scene.object(id: "Apple|-00.47|+01.15|+00.48"))
        XCTAssertEqual(apple.box.center.z, 0.47574546933174133, "doubles survive import bit for bit")
        XCTAssertEqual(apple.parentReceptacles, ["CounterTop|-00.08|+01.15|00.00"])
        XCTAssertTrue(apple.has(.pickupable) && apple.has(.sliceable) && !apple.has(.receptacle))

        // FloorPlan21 ships without originPos.json; its metadata's agent pose stands in.
        XCTAssertEqual(try XCTUnwrap(store.scene(named: "FloorPlan21")).startPoseSource, .metadataAgent)
        XCTAssertEqual(scene.startPoseSource, .originPos)
        XCTAssertEqual(scene.startPose.rotation.y, 210)
    }

    func testStoredScenesEqualTheParsedScenes() throws {
        let directory = try TestData.temporaryDirectory()
        let (store, dataset) = try importInto(directory.appendingPathComponent("s.sqlite").path, from: TestData.fixtureCheckout)
        XCTAssertFalse(dataset.scenes.isEmpty)
        for scene in dataset.scenes {
            XCTAssertEqual(try store.scene(named: scene.name), scene)
        }
        XCTAssertEqual(try store.allTasks(), dataset.tasks.map(\.task))
    }

    func testImportingTwiceGivesTheSameStoreContents() throws {
        let directory = try TestData.temporaryDirectory()
        let first = directory.appendingPathComponent("first.sqlite").path
        let second = directory.appendingPathComponent("second.sqlite").path
        _ = try importInto(first, from: TestData.fixtureCheckout)
        _ = try importInto(second, from: TestData.fixtureCheckout)
        _ = try importInto(second, from: TestData.fixtureCheckout)
        XCTAssertEqual(try dump(first), try dump(second))
    }

    func testCorruptedMetadataFailsNamingTheFileAndLeavesTheStoreUnchanged() throws {
        let mini = try MiniCheckout()
        let path = mini.root.appendingPathComponent("store.sqlite").path
        _ = try importInto(path, from: mini.root)
        let before = try dump(path)

        var text = try String(contentsOf: mini.metadataFile, encoding: .utf8)
        text.removeLast(40)
        try text.write(to: mini.metadataFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            let importError = error as? ImportError
            XCTAssertEqual(importError?.file, mini.metadataFile.path)
            XCTAssertTrue(importError?.reason.hasPrefix("malformed JSON") ?? false, "\(error)")
        }
        XCTAssertEqual(try dump(path), before)
    }

    func testStreamingImportWritesTheSameRowsAsAParsedDataset() throws {
        let mini = try MiniCheckout()
        let streamed = mini.root.appendingPathComponent("streamed.sqlite").path
        let parsed = mini.root.appendingPathComponent("parsed.sqlite").path
        let dataset = try ThorStore(path: streamed, create: true).importCheckout(UpstreamReader(root: mini.root))
        try ThorStore(path: parsed, create: true).replaceBenchmark(with: dataset, source: mini.root.standardizedFileURL.path)
        XCTAssertEqual(try dump(streamed), try dump(parsed))
    }

    func testStreamingImportOfABrokenSceneLeavesTheStoreUnchanged() throws {
        let mini = try MiniCheckout()
        let path = mini.root.appendingPathComponent("store.sqlite").path
        let store = try ThorStore(path: path, create: true)
        try store.importCheckout(UpstreamReader(root: mini.root))
        let before = try dump(path)
        // A second scene that parses after the first has been written, and is broken.
        let second = mini.root.appendingPathComponent("data_engine/taskgenerate/kitchens/FloorPlan2")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        try Data("[{\"objects\": [{\"objectId\": 3}], \"sceneBounds\": {}}]".utf8).write(to: second.appendingPathComponent("metadata.json"))
        XCTAssertThrowsError(try store.importCheckout(UpstreamReader(root: mini.root))) { error in
            XCTAssertEqual((error as? ImportError)?.field, "[0].objects[0].objectId")
        }
        XCTAssertEqual(try dump(path), before)
    }

    func testAFailedWriteRollsBackToThePreviousContents() throws {
        let mini = try MiniCheckout()
        let path = mini.root.appendingPathComponent("store.sqlite").path
        let (store, dataset) = try importInto(path, from: mini.root)
        let before = try dump(path)
        // A dataset whose task names a scene missing from it violates a foreign key mid-write.
        var broken = dataset
        broken.scenes.removeAll()
        XCTAssertThrowsError(try store.replaceBenchmark(with: broken, source: "broken"))
        XCTAssertEqual(try dump(path), before)
    }

    func testReimportReplacesButKeepsFrames() throws {
        let mini = try MiniCheckout()
        let path = mini.root.appendingPathComponent("store.sqlite").path
        let (store, _) = try importInto(path, from: mini.root)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO frames (run, scene, step, action, path) VALUES ('r', 'FloorPlan1', 1, 'init', 'a.png')")
        }
        let smaller = try MiniCheckout(tasks: [MiniCheckout.task(7)])
        try store.replaceBenchmark(with: try UpstreamReader(root: smaller.root).read(), source: smaller.root.path)
        let counts = try store.counts()
        XCTAssertEqual(counts.tasks, 1)
        XCTAssertEqual(counts.frames, 1)
        XCTAssertNotNil(try store.task(.int(7)))
        XCTAssertNil(try store.task(.int(1)))
    }

    /// The lookups `grade` uses instead of reading every task: identities alone, and the tasks
    /// under given identity texts, both in task-file order.
    func testIdentityQueriesAgreeWithAllTasks() throws {
        let mini = try MiniCheckout(tasks: [MiniCheckout.task(3), MiniCheckout.task("test_002"), MiniCheckout.task(1)])
        let (store, _) = try importInto(mini.root.appendingPathComponent("s.sqlite").path, from: mini.root)
        let all = try store.allTasks()
        XCTAssertEqual(try store.taskIdentities(), [.int(3), .string("test_002"), .int(1)])
        XCTAssertEqual(try store.taskIdentities(), all.map(\.identity))
        XCTAssertEqual(try store.tasks(identityTexts: ["1", "test_002", "nope"]), [all[1], all[2]])
        XCTAssertEqual(try store.tasks(identityTexts: []), [])
    }

    func testMiniCheckoutImportsEveryField() throws {
        let mini = try MiniCheckout()
        let (store, dataset) = try importInto(mini.root.appendingPathComponent("s.sqlite").path, from: mini.root)
        XCTAssertEqual(dataset.warnings, [])
        let counts = try store.counts()
        XCTAssertEqual([counts.scenes, counts.objects, counts.receptacleLinks, counts.tasks, counts.agentPoses], [1, 5, 4, 2, 1])
        let task = try XCTUnwrap(store.task(.string("test_002")))
        XCTAssertEqual(task.taskType, "single_search")
        XCTAssertEqual(task.instructionIndex, 2, "digit-string instruction_idx is read as a number")
        XCTAssertEqual(task.navigableObjects, ["CounterTop", "Fridge"])
        XCTAssertEqual(task.keyActions[1].relatedObjects, [MiniCheckout.counter, MiniCheckout.apple])
        let egg = try XCTUnwrap(store.scene(named: "FloorPlan1")?.object(id: MiniCheckout.egg))
        XCTAssertEqual(egg.state.temperature, .cold)
        XCTAssertEqual(egg.salientMaterials, ["Wood"])
        // Later task ids win the merged pose table, as in the reference.
        XCTAssertEqual(try store.approachPoses()[MiniCheckout.fridge]?.pose.cameraHorizon, 30)
    }
}
