import Foundation
import GRDB
import ThorModel
import XCTest

@testable import ThorStore

final class StoreTests: XCTestCase {
    func testStorePathPrefersFlagThenEnvironmentThenWorkingDirectory() {
        XCTAssertEqual(ThorStore.resolvePath(explicit: "a.sqlite", environment: ["THOR_LITE_STORE": "b.sqlite"]), "a.sqlite")
        XCTAssertEqual(ThorStore.resolvePath(explicit: nil, environment: ["THOR_LITE_STORE": "b.sqlite"]), "b.sqlite")
        XCTAssertEqual(ThorStore.resolvePath(explicit: nil, environment: [:]), "thor-lite.sqlite")
    }

    func testOpeningAMissingStoreSaysHowToCreateOne() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("none.sqlite").path
        XCTAssertThrowsError(try ThorStore(path: path)) { error in
            XCTAssertEqual(error as? StoreError, .missing(path: path))
            XCTAssertTrue("\(error)".contains("thor-lite import"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a failed open creates nothing")
    }

    func testNewStoreIsMigratedWithWALAndForeignKeys() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("new.sqlite").path
        let store = try ThorStore(path: path, create: true)
        XCTAssertEqual(try store.schemaVersion, Migrations.latestVersion)
        try store.database.read { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), 1)
        }
        // Reopening does not re-apply migrations.
        XCTAssertEqual(try ThorStore(path: path).schemaVersion, Migrations.latestVersion)
    }

    func testStoreFromANewerThorLiteIsRefused() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("future.sqlite").path
        _ = try ThorStore(path: path, create: true)
        try DatabaseQueue(path: path).write { try $0.execute(sql: "PRAGMA user_version = 99") }
        XCTAssertThrowsError(try ThorStore(path: path)) { error in
            XCTAssertEqual(error as? StoreError, .newerSchema(path: path, found: 99, supported: Migrations.latestVersion))
        }
    }

    func testAFileThatIsNotSQLiteIsRefused() throws {
        let path = try TestData.temporaryDirectory().appendingPathComponent("text.sqlite").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ThorStore(path: path)) { error in
            XCTAssertEqual(error as? StoreError, .notAStore(path: path, reason: "the file is not an SQLite database"))
        }
    }

    func testContainmentTreePutsAnObjectUnderItsInnermostReceptacle() throws {
        let mini = try MiniCheckout()
        let scene = try XCTUnwrap(UpstreamReader(root: mini.root).read().scenes.first)
        let tree = scene.containmentTree()
        XCTAssertEqual(tree.map(\.object.objectType), ["CounterTop", "Fridge"])
        let bowl = try XCTUnwrap(tree[0].children.first)
        XCTAssertEqual(bowl.object.objectType, "Bowl")
        XCTAssertEqual(bowl.children.map(\.object.objectType), ["Apple"])
        XCTAssertEqual(bowl.children[0].alsoIn, [MiniCheckout.counter])
        XCTAssertEqual(tree[1].object.stateLabels, ["closed"])
    }
}
