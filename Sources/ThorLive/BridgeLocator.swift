import Foundation

/// Finds the Python interpreter and the bridge script.
public enum BridgeLocator {
    /// The bridge script's path inside a thor-lite checkout (and beside an installed binary).
    public static let relativePath = "bridge/thor_lite_bridge.py"

    /// `explicit` (`--bridge`), else `$THOR_LITE_BRIDGE`, else `bridge/thor_lite_bridge.py` next to
    /// the executable or in a directory above it (a checkout's `.build/debug/thor-lite` finds the
    /// checkout's bridge), else in the source tree this file was compiled from. Nil when none exists.
    public static func bridge(explicit: String?, environment: [String: String], executable: String) -> String? {
        if let explicit { return explicit }
        if let fromEnvironment = environment["THOR_LITE_BRIDGE"], !fromEnvironment.isEmpty { return fromEnvironment }
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(relativePath).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relativePath).path
        return FileManager.default.fileExists(atPath: source) ? source : nil
    }

    /// `explicit` (`--python`), else `$THOR_LITE_PYTHON`, else `python3` on `PATH`; an explicit
    /// name without a slash is looked up on `PATH` too. Nil when not found.
    public static func python(explicit: String?, environment: [String: String]) -> String? {
        let name = explicit ?? environment["THOR_LITE_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
