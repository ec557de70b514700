import Foundation
import GRDB
import XCTest

@testable import ThorStore

/// The SQL views of schema v3, queried as any SQLite client would.
final class StoreViewTests: XCTestCase {
    func importedMiniStore() throws -> ThorStore {
        let mini = try MiniCheckout()
        let store = try ThorStore(path: try TestData.temporaryDirectory().appendingPathComponent("views.sqlite").path, create: true)
        try store.importCheckout(UpstreamReader(root: mini.root))
        return store
    }

    func testContainmentGivesEachObjectItsInnermostHolder() throws {
        let store = try importedMiniStore()
        let rows = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT object_type, parent_type, parent_openable FROM containment ORDER BY object_type")
                .map { [$0["object_type"] as String, $0["parent_type"] as String? ?? "-", String($0["parent_openable"] as Int? ?? -1)] }
        }
        // The Apple lies in the Bowl on the CounterTop: AI2-THOR lists both as its parents, the
        // view keeps the Bowl. The Egg is in the (openable) Fridge.
        XCTAssertEqual(rows, [
            ["Apple", "Bowl", "0"], ["Bowl", "CounterTop", "0"], ["CounterTop", "-", "-1"], ["Egg", "Fridge", "1"], ["Fridge", "-", "-1"],
        ])
    }

    func testKeyActionStringsAreWhatTheMetricMatches() throws {
        let store = try importedMiniStore()
        let strings = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT key_action FROM key_action_strings WHERE identity = '1' ORDER BY ord")
        }
        XCTAssertEqual(strings, ["navigate to CounterTop", "pickup Apple", "end"])
        XCTAssertEqual(strings, try store.task(.int(1))?.keyActionTexts)
    }
}
