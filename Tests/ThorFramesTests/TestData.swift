import Foundation
import ThorModel
import ThorStore
import XCTest
import ThorTestSupport

/// Shared data for the frame tests: the real benchmark (imported once per process) and the
/// recorded runs, read from ../shared or the environment variables the other tests use.
enum TestData {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    static var recordedRunsPath: String {
        ProcessInfo.processInfo.environment["THOR_LITE_RECORDED_RUNS"] ?? shared.appendingPathComponent("recorded_runs").path
    }

    /// The recorded runs directory; skips the test when ../shared is absent, fails when it is
    /// present without the runs.
    static func recordedRuns() throws -> String {
        let path = recordedRunsPath
        guard FileManager.default.fileExists(atPath: path) else {
            if FileManager.default.fileExists(atPath: shared.path) {
                XCTFail("../shared is present but \(path) is missing")
            }
            throw XCTSkip("recorded runs not found at \(path); set THOR_LITE_RECORDED_RUNS to run this test")
        }
        return path
    }

    nonisolated(unsafe) private static var benchmark: String?
    private static let lock = NSLock()

    /// A store file holding the real benchmark, imported once; each caller gets its own copy.
    static func benchmarkStore() throws -> ThorStore {
        lock.lock()
        defer { lock.unlock() }
        if benchmark == nil {
            let data = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"] ?? shared.appendingPathComponent("embodied_reasoner").path
            guard FileManager.default.fileExists(atPath: data + "/data/test_809.json") else {
                if FileManager.default.fileExists(atPath: shared.path) { XCTFail("../shared is present but \(data)/data/test_809.json is missing") }
                throw XCTSkip("real Embodied-Reasoner data not found at \(data); set THOR_LITE_ER_DATA to run this test")
            }
            let file = temporaryDirectory().appendingPathComponent("benchmark.sqlite").path
            let store = try ThorStore(path: file, create: true)
            try store.importCheckout(UpstreamReader(root: URL(fileURLWithPath: data)))
            benchmark = file
        }
        let copy = temporaryDirectory().appendingPathComponent("store.sqlite").path
        try FileManager.default.copyItem(atPath: benchmark ?? "", toPath: copy)
        return try ThorStore(path: copy)
    }

    /// A fresh directory under the test process's scratch directory.
    static func temporaryDirectory() -> URL {
        (try? Scratch.directory("frames")) ?? Scratch.url("frames")
    }
}
