/// What a task or scene must satisfy for the simulator and the metric to handle it; the importer
/// refuses data that breaks these, so nothing downstream has to trap on it.
public enum StoreLimits {
    /// Distinct object types per scene: the simulator keeps type sets in 256 bits (`TypeSet`).
    /// AI2-THOR has about 125 types in all.
    public static let objectTypesPerScene = 256

    /// Key actions containing these words do not count in the reference metric's total
    /// (docs/metric.md, "Per-task metric"); a task needs at least one other, or the metric divides
    /// by zero.
    public static let unscoredKeyActionWords = ["observe", "move forward", "navigate to"]

    /// Whether the metric counts this key action (compared byte by byte, as Python's `in`).
    public static func isScored(keyAction text: String) -> Bool {
        let bytes = Array(text.utf8)
        return !unscoredKeyActionWords.contains { bytes.firstRange(of: Array($0.utf8)) != nil }
    }
}
