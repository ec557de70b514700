import Foundation
import ThorModel
import ThorStore
import XCTest

/// The real benchmark imported once per test process into a temporary store.
enum RealData {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    nonisolated(unsafe) private static var cached: ThorStore?
    private static let lock = NSLock()

    static func store() throws -> ThorStore {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thor-lite-sim-\(ProcessInfo.processInfo.processIdentifier).sqlite")
        try? FileManager.default.removeItem(at: file)
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: URL(fileURLWithPath: path)))
        cached = store
        return store
    }
}
