import Foundation
import ThorModel
import ThorStore
import XCTest
import ThorTestSupport

/// Checkouts imported once per test process into temporary stores, keyed by checkout.
enum ImportedCheckouts {
    nonisolated(unsafe) private static var cached: [String: ThorStore] = [:]
    private static let lock = NSLock()

    static func store(_ root: URL, label: String) throws -> ThorStore {
        lock.lock()
        defer { lock.unlock() }
        if let store = cached[root.path] { return store }
        let file = Scratch.root.appendingPathComponent("\(label).sqlite")
        try? FileManager.default.removeItem(at: file)
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: root))
        cached[root.path] = store
        return store
    }
}

/// The real benchmark (`../shared/embodied_reasoner` or `$THOR_LITE_ER_DATA`).
enum RealData {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func store() throws -> ThorStore {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        return try ImportedCheckouts.store(URL(fileURLWithPath: path), label: "sim")
    }
}
