import Foundation
import ThorModel
import ThorStore
import XCTest

/// The project's miniature dataset (fixtures/upstream), imported once per test process.
enum FixtureData {
    nonisolated(unsafe) private static var cached: ThorStore?
    private static let lock = NSLock()

    static func store() throws -> ThorStore {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thor-lite-fixtures-\(ProcessInfo.processInfo.processIdentifier).sqlite")
        try? FileManager.default.removeItem(at: file)
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: RealData.packageRoot.appendingPathComponent("fixtures/upstream")))
        cached = store
        return store
    }
}
