import Foundation
import GRDB
import XCTest

@testable import ThorStore

/// Opening a store: read-only access writes nothing; a task the metric cannot score is refused at
/// import, naming the task and the field.
final class StoreAccessTests: XCTestCase {
    func testATaskWhoseKeyActionsHaveNoScoredActionIsRefusedAtImport() throws {
        var task = MiniCheckout.task(2)
        task["task_metadata"] = [
            "taskname": "Look around.", "tasktype": "single_search", "totalreward": 1,
            "actions": [["action": "navigate to", "objectId": MiniCheckout.counter, "objectType": "CounterTop", "baseaction": "", "reward": 1, "relatedObject": []]],
        ] as [String: Any]
        let mini = try MiniCheckout(tasks: [MiniCheckout.task(1), task])
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            guard let error = error as? ImportError else { return XCTFail("not an ImportError: \(error)") }
            XCTAssertEqual(error.file, mini.tasksFile.path)
            XCTAssertEqual(error.field, "[1].task_metadata.actions")
            XCTAssertTrue(error.reason.contains("task 2 has no scored key action"), error.reason)
        }
    }

    func testReadAccessWritesNothingAndRefusesWrites() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("read.sqlite").path
        try ThorStore(path: path, create: true).importCheckout(UpstreamReader(root: MiniCheckout().root))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try ThorStore(path: path, access: .read)
        XCTAssertEqual(try store.counts().tasks, 2)
        XCTAssertThrowsError(try store.importCheckout(UpstreamReader(root: MiniCheckout().root))) { error in
            XCTAssertEqual(error as? StoreError, .readOnlyAccess(path: path))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testAnotherApplicationsDatabaseIsRefusedEvenByAWriter() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("other.sqlite").path
        try DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE TABLE notes (text TEXT)") }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for access in [ThorStore.Access.read, .write, .create] {
            XCTAssertThrowsError(try ThorStore(path: path, access: access)) { error in
                guard case .notAStore(path, let reason)? = error as? StoreError else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("another application"), reason)
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testAnEmptyFileBecomesAStoreOnlyWhenCreating() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("empty.sqlite").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        XCTAssertThrowsError(try ThorStore(path: path, access: .read))
        XCTAssertEqual(try ThorStore(path: path, access: .create).schemaVersion, Migrations.latestVersion)
    }
}
