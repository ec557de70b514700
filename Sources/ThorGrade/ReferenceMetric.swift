import Foundation
import ThorModel

/// The reference per-task metrics (docs/metric.md, "Per-task metric").
public struct TaskMetrics: Hashable, Sendable {
    public var success: Int
    public var efficiency: Double
    public var completeness: Double
    public var completenessOrdered: Double
    public var keyActionsSuccess: Int
    public var repeatRate: Double
    public var step: Int
}

/// The reference evaluation's metric, rule by rule, quirks included; each quirk is named where it
/// is applied. Improvements (goal-state success, error kinds) are reported elsewhere, never here.
/// Strings are compared as Python compares them (see PythonText.swift).
public enum ReferenceMetric {
    /// Actions that never score (rule 2).
    static let unscoredActions = ["init", "observe", "move forward", "navigate to", "error"]
    /// Key actions containing these words are not counted in `total`.
    static let unscoredKeyWords = StoreLimits.unscoredKeyActionWords

    /// A task whose key actions contain no scored action: the reference divides by zero on it, so
    /// it cannot be scored (import refuses such tasks; a results line can still carry one).
    public struct UnscorableTask: Error, CustomStringConvertible, Equatable {
        public var description: String {
            "key_actions has no scored action (only observe/move forward/navigate to; the reference always ends them with \"end\"), so the metric cannot score it"
        }
    }

    public static func evaluate(_ trajectory: [TrajectoryEntry], task: TaskReference) throws(UnscorableTask) -> TaskMetrics {
        try evaluate(trajectory, task: task, scored: task.keyActions.filter(isScored))
    }

    /// `evaluate(_:task:)` with `scored` = `task.keyActions.filter(isScored)` given, for callers
    /// that grade many lines of one task (simulate mode keeps it per task).
    static func evaluate(_ trajectory: [TrajectoryEntry], task: TaskReference, scored: [String]) throws(UnscorableTask) -> TaskMetrics {
        try evaluate(entries: trajectory, task: task, scored: scored)
    }

    /// The metric over any list of entries: simulate mode reads its `EpisodeStep`s in place
    /// instead of copying each into a `TrajectoryEntry` list (an allocation and a reference count
    /// per string per step). Entries are read by index, field by field, so none is copied whole.
    static func evaluate<Entries: RandomAccessCollection>(
        entries trajectory: Entries, task: TaskReference, scored: [String]
    ) throws(UnscorableTask) -> TaskMetrics where Entries.Element: MetricEntry {
        let isSingleSearch = task.taskType.sameCodePoints(as: "single_search")
        var reward = 0
        var flag = 0
        var previous = ActionText(action: "", object: nil)
        // Key actions not matched yet, flagged in place of the reference's list removals (a
        // copy of the list per line); the first unflagged match is the one it removes.
        var used = [Bool](repeating: false, count: task.keyActions.count)
        // Each entry adds at most one to either: one allocation instead of growing them.
        var navigated: [String?] = []
        navigated.reserveCapacity(trajectory.count)
        var matched: [String] = []
        matched.reserveCapacity(trajectory.count)
        // Lowercased once, and only if a single_search end entry needs it.
        var lowerTaskName: String?

        walk: for position in trajectory.indices {
            var action = trajectory[position].action
            let object = trajectory[position].object
            if action.sameCodePoints(as: "navigate to") { navigated.append(object) }  // rule 1: failed ones too
            // Rule 2 skips on `success == 0` but records prev only when success is truthy.
            let success = trajectory[position].recordedSuccess
            if success.equalsZero || unscoredActions.contains(where: action.sameCodePoints) {
                if success.isTruthy { previous = ActionText(action: action, object: object) }
                continue
            }
            if action.containsBytes(of: "end") {  // rule 3
                if isSingleSearch {
                    let name = lowerTaskName ?? task.taskName.pythonLowercased()
                    lowerTaskName = name
                    // Substring quirk: a visible `Pot` matches a task about a `Potato`.
                    if trajectory[position].legalObjects.contains(where: { name.containsBytes(of: $0.pythonLowercased()) }) {
                        reward += 1
                    } else if task.keyActions.contains(where: previous.spells) {
                        reward += 1
                        flag = 1
                        break walk  // nothing after a key-action end counts
                    }
                } else {
                    reward += 1
                    matched.append(action)
                }
            } else if let object {  // rule 4
                if action.startsWithCodePoints("put") { action = "put" }  // `put in` scores as `put`
                let text = ActionText(action: action, object: object)
                if let index = task.keyActions.indices.first(where: { !used[$0] && text.spells(task.keyActions[$0]) }) {
                    used[index] = true  // one copy: a repeated key action must be repeated
                    matched.append(task.keyActions[index])
                    reward += 1
                }
            }
            previous = ActionText(action: action, object: object)  // rule 5, with the rewritten action
        }

        let total = scored.count
        guard total > 0 else { throw UnscorableTask() }
        let completeness = Double(reward) / Double(total)
        let success = reward / total  // floor of a non-negative ratio
        return TaskMetrics(
            success: success,
            efficiency: success != 0 ? Double(task.keyActions.count + 1) / Double(trajectory.count) : 0.0,
            completeness: completeness,
            completenessOrdered: isSingleSearch ? completeness : Double(longestCommonSubsequence(matched, scored)) / Double(total),
            keyActionsSuccess: flag,
            repeatRate: navigated.isEmpty ? 0 : Double(navigated.count - distinctCount(navigated)) / Double(navigated.count),
            step: task.taskType.sameCodePoints(as: "single_search_from_closerep") ? 2 : task.keyActions.count - 1)
    }

    /// `len(set(navigated))`: a trajectory has at most a few dozen navigations, so a linear scan
    /// beats hashing them; a recorded file can hold any number, and beyond a few dozen they are
    /// hashed by their UTF-8 bytes (code-point equality, as Python's set) to stay linear.
    static func distinctCount(_ objects: [String?]) -> Int {
        if objects.count > 64 { return Set(objects.map { $0.map { Array($0.utf8) } }).count }
        var distinct = 0
        for (index, object) in objects.enumerated() where !objects[..<index].contains(where: { same($0, object) }) {
            distinct += 1
        }
        return distinct
    }

    static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.sameCodePoints(as: b)
        default: false
        }
    }

    /// Key actions containing `observe`, `move forward` or `navigate to` do not count in `total`.
    static func isScored(_ keyAction: String) -> Bool {
        !unscoredKeyWords.contains { keyAction.containsBytes(of: $0) }
    }

    static func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        // Equal lists (a trajectory that matched every key action in order) are their own
        // longest common subsequence: n comparisons instead of n².
        if a.count == b.count, zip(a, b).allSatisfy({ $0.sameCodePoints(as: $1) }) { return a.count }
        // Two rows on the stack (or one heap block for long lists): this runs once per line.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * (b.count + 1)) { rows in
            var previousRow = UnsafeMutableBufferPointer(rebasing: rows[..<(b.count + 1)])
            var row = UnsafeMutableBufferPointer(rebasing: rows[(b.count + 1)...])
            previousRow.initialize(repeating: 0)
            row.initialize(repeating: 0)
            for x in a {
                for (j, y) in b.enumerated() {
                    row[j + 1] = x.sameCodePoints(as: y) ? previousRow[j] + 1 : max(row[j], previousRow[j + 1])
                }
                swap(&row, &previousRow)
            }
            return previousRow[b.count]
        }
    }
}

/// What the reference builds as `action + " " + object` (or `action` alone for a null object), to
/// compare with key actions. It is compared in place rather than built: the metric does this for
/// every trajectory entry.
struct ActionText {
    var action: String
    var object: String?

    /// Whether the joined text has exactly the code points of `key`.
    func spells(_ key: String) -> Bool {
        guard let object else { return key.sameCodePoints(as: action) }
        let keyBytes = key.utf8, actionBytes = action.utf8, objectBytes = object.utf8
        guard keyBytes.count == actionBytes.count + 1 + objectBytes.count else { return false }
        // Native strings: three memory compares (the generic collection walk below cost more
        // than the rest of the metric).
        let compared = keyBytes.withContiguousStorageIfAvailable { k in
            actionBytes.withContiguousStorageIfAvailable { a in
                objectBytes.withContiguousStorageIfAvailable { o -> Bool in
                    guard let kb = k.baseAddress else { return false }
                    return (a.baseAddress.map { memcmp(kb, $0, a.count) == 0 } ?? true) && k[a.count] == UInt8(ascii: " ")
                        && (o.baseAddress.map { memcmp(kb + a.count + 1, $0, o.count) == 0 } ?? true)
                }
            }
        }
        if let compared = compared.flatMap({ $0 }).flatMap({ $0 }) { return compared }
        var rest = keyBytes[...]
        guard rest.starts(with: actionBytes) else { return false }
        rest = rest.dropFirst(actionBytes.count)
        return rest.first == UInt8(ascii: " ") && rest.dropFirst().elementsEqual(objectBytes)
    }
}
