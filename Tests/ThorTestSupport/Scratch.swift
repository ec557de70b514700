import Foundation

/// Where tests write their stores, inputs and outputs: one directory per test process under the
/// system's temporary directory, removed when the process exits. Before it, every test left its
/// files behind (dozens of stores and directories per `swift test`, gigabytes over a few days).
/// A process that crashes leaves its directory; its name says which process made it.
public enum Scratch {
    /// This process's directory, `$TMPDIR/thor-lite-tests-<pid>`, made on first use.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("thor-lite-tests-\(ProcessInfo.processInfo.processIdentifier)")
        // A directory of an earlier process with the same id is stale: start empty.
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return url
    }()

    /// A path no other call returns: `<root>/<label>-<uuid><suffix>`. Nothing is created there.
    public static func url(_ label: String, suffix: String = "") -> URL {
        root.appendingPathComponent("\(label)-\(UUID().uuidString)\(suffix)")
    }

    /// A fresh, empty directory under `root`.
    public static func directory(_ label: String) throws -> URL {
        let url = url(label)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
