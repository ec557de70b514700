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

    /// The metric over any list of entries of `String`s: simulate mode reads its `EpisodeStep`s
    /// in place instead of copying each into a `TrajectoryEntry` list (an allocation and a
    /// reference count per string per step).
    static func evaluate<Entries: RandomAccessCollection>(
        entries trajectory: Entries, task: TaskReference, scored: [String]
    ) throws(UnscorableTask) -> TaskMetrics where Entries.Element: MetricEntry, Entries.Element.Text == String, Entries.Index == Int {
        guard !scored.isEmpty else { throw UnscorableTask() }
        return evaluate(trajectory, taskType: task.taskType, taskName: task.taskName, keyActions: task.keyActions, scored: scored)
    }

    /// The metric over any text: `String`s, or recorded mode's spans of the simdjson reader's
    /// buffers (`SimdLine`). `scored` is `keyActions.filter(isScored)`, not empty.
    static func evaluate<Entries: RandomAccessCollection, Keys: RandomAccessCollection, Scored: RandomAccessCollection>(
        _ trajectory: Entries, taskType: Keys.Element, taskName: Keys.Element, keyActions: Keys, scored: Scored
    ) -> TaskMetrics
    where Entries.Element: MetricEntry, Entries.Element.Text == Keys.Element, Scored.Element == Keys.Element,
          Entries.Index == Int, Keys.Index == Int, Scored.Index == Int {
        let isSingleSearch = taskType.same(as: "single_search")
        let entryCount = trajectory.count, keyCount = keyActions.count, total = scored.count
        // One scratch block for the whole line (none on the heap for usual lengths): which key
        // actions are matched already, flagged in place of the reference's list removals (a copy
        // of the list per line; the first unflagged match is the one it removes); the entries
        // that navigated; what matched, as key-action indices (>= 0) or entries whose `end`
        // matched (-1 - entry), rather than as copied texts.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: keyCount + 2 * entryCount) { scratch in
            let used = UnsafeMutableBufferPointer(rebasing: scratch[..<keyCount])
            used.initialize(repeating: 0)
            let navigated = UnsafeMutableBufferPointer(rebasing: scratch[keyCount..<(keyCount + entryCount)])
            let matched = UnsafeMutableBufferPointer(rebasing: scratch[(keyCount + entryCount)...])
            var navigations = 0, matches = 0
            var reward = 0
            var flag = 0
            var previous = PreviousAction<Keys.Element>()
            // Lowercased once, and only if a single_search end entry needs it.
            var lowerTaskName: String?

            walk: for index in 0..<entryCount {
                // The entry's fields read one by one where it lies: a copy of a simulated step
                // counted a reference on each of its texts and lists, and released them again.
                let position = trajectory.startIndex + index
                let action = trajectory[position].action
                let recordedSuccess = trajectory[position].recordedSuccess
                if action.same(as: "navigate to") {  // rule 1: failed ones too
                    navigated[navigations] = index
                    navigations += 1
                }
                // Rule 2 skips on `success == 0` but records prev only when success is truthy.
                if recordedSuccess.equalsZero || isUnscoredAction(action) {
                    if recordedSuccess.isTruthy { previous = PreviousAction(action: action, object: trajectory[position].object) }
                    continue
                }
                var isPut = false
                if action.contains("end") {  // rule 3
                    if isSingleSearch {
                        let name = lowerTaskName ?? taskName.string.pythonLowercased()
                        lowerTaskName = name
                        // Substring quirk: a visible `Pot` matches a task about a `Potato`.
                        if trajectory[position].containsLegalObject(where: { $0.loweredIsContained(in: name) }) {
                            reward += 1
                        } else if keyActions.contains(where: previous.spells) {
                            reward += 1
                            flag = 1
                            break walk  // nothing after a key-action end counts
                        }
                    } else {
                        reward += 1
                        matched[matches] = -1 - index
                        matches += 1
                    }
                } else if let object = trajectory[position].object {  // rule 4
                    isPut = action.starts(with: "put")  // `put in` scores as `put`
                    let text = PreviousAction(action: action, isPut: isPut, object: object)
                    if let key = (0..<keyCount).first(where: { used[$0] == 0 && text.spells(keyActions[keyActions.startIndex + $0]) }) {
                        used[key] = 1  // one copy: a repeated key action must be repeated
                        matched[matches] = key
                        matches += 1
                        reward += 1
                    }
                }
                previous = PreviousAction(action: action, isPut: isPut, object: trajectory[position].object)  // rule 5, with the rewritten action
            }

            let completeness = Double(reward) / Double(total)
            let success = reward / total  // floor of a non-negative ratio
            func matchedText(_ slot: Int) -> Keys.Element {
                let value = matched[slot]
                return value >= 0 ? keyActions[keyActions.startIndex + value] : trajectory[trajectory.startIndex + (-1 - value)].action
            }
            let ordered = isSingleSearch
                ? completeness
                : Double(longestCommonSubsequence(matches, scored.count) { matchedText($0).same(as: scored[scored.startIndex + $1]) }) / Double(total)
            let repeats = navigations == 0 ? 0 : Double(navigations - distinctCount(navigations) { trajectory[trajectory.startIndex + navigated[$0]].object }) / Double(navigations)
            return TaskMetrics(
                success: success,
                efficiency: success != 0 ? Double(keyCount + 1) / Double(entryCount) : 0.0,
                completeness: completeness,
                completenessOrdered: ordered,
                keyActionsSuccess: flag,
                repeatRate: repeats,
                step: taskType.same(as: "single_search_from_closerep") ? 2 : keyCount - 1)
        }
    }

    /// Actions that never score (rule 2), compared without a `String`.
    @inline(__always)
    static func isUnscoredAction(_ action: some MetricText) -> Bool {
        action.same(as: "init") || action.same(as: "observe") || action.same(as: "move forward") || action.same(as: "navigate to")
            || action.same(as: "error")
    }

    /// `len(set(objects))` of `count` objects: a trajectory has at most a few dozen navigations, so
    /// a linear scan beats hashing them; a recorded file can hold any number, and beyond a few
    /// dozen they are hashed by their UTF-8 bytes (code-point equality, as Python's set) to stay linear.
    static func distinctCount<Text: MetricText>(_ count: Int, _ object: (Int) -> Text?) -> Int {
        if count > 64 { return Set((0..<count).map { object($0).map { $0.withUTF8Bytes { Array($0) } } }).count }
        var distinct = 0
        for index in 0..<count {
            let current = object(index)
            if !(0..<index).contains(where: { same(object($0), current) }) { distinct += 1 }
        }
        return distinct
    }

    static func same<Text: MetricText>(_ a: Text?, _ b: Text?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.same(as: b)
        default: false
        }
    }

    /// Key actions containing `observe`, `move forward` or `navigate to` (`unscoredKeyWords`) do
    /// not count in `total`. One pass over the key action, comparing a word where its first letter
    /// stands: asked for every key action of every line, three searches through the words' `String`s
    /// were 1.1–1.7% of a recorded run. `ReferenceMetricTests` holds it to `unscoredKeyWords`.
    static func isScored<Text: MetricText>(_ keyAction: Text) -> Bool {
        keyAction.withUTF8Bytes { key in
            for start in key.indices {
                let word: StaticString
                switch key[start] {
                case UInt8(ascii: "o"): word = "observe"
                case UInt8(ascii: "m"): word = "move forward"
                case UInt8(ascii: "n"): word = "navigate to"
                default: continue
                }
                if start + word.utf8CodeUnitCount <= key.count,
                   UnsafeBufferPointer(rebasing: key[start..<(start + word.utf8CodeUnitCount)]).sameBytes(as: word.bytes) {
                    return false
                }
            }
            return true
        }
    }

    /// The longest common subsequence of two lists of `a` and `b` items, `equal(i, j)` comparing
    /// the first's i-th with the second's j-th.
    static func longestCommonSubsequence(_ a: Int, _ b: Int, _ equal: (Int, Int) -> Bool) -> Int {
        guard a > 0, b > 0 else { return 0 }
        // Equal lists (a trajectory that matched every key action in order) are their own
        // longest common subsequence: n comparisons instead of n².
        if a == b, (0..<a).allSatisfy({ equal($0, $0) }) { return a }
        // Two rows on the stack (or one heap block for long lists): this runs once per line.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * (b + 1)) { rows in
            var previousRow = UnsafeMutableBufferPointer(rebasing: rows[..<(b + 1)])
            var row = UnsafeMutableBufferPointer(rebasing: rows[(b + 1)...])
            previousRow.initialize(repeating: 0)
            row.initialize(repeating: 0)
            for x in 0..<a {
                for y in 0..<b {
                    row[y + 1] = equal(x, y) ? previousRow[y] + 1 : max(row[y], previousRow[y + 1])
                }
                swap(&row, &previousRow)
            }
            return previousRow[b]
        }
    }
}

/// What the reference builds as `action + " " + object` (or `action` alone for a null object), to
/// compare with key actions, where the action may be rewritten to `put` (rule 4). It is compared in
/// place rather than built: the metric does this for every trajectory entry. No action is `""`,
/// the reference's `prev` before any entry.
struct PreviousAction<Text: MetricText> {
    var action: Text?
    var isPut = false
    var object: Text?

    init() {}

    init(action: Text, isPut: Bool = false, object: Text?) {
        self.action = action
        self.isPut = isPut
        self.object = object
    }

    @inline(__always)
    func withActionBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if isPut { return body(("put" as StaticString).bytes) }
        guard let action else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return action.withUTF8Bytes(body)
    }

    /// Whether the joined text has exactly the code points of `key`.
    func spells(_ key: Text) -> Bool {
        key.withUTF8Bytes { k in
            withActionBytes { a in
                guard let object else { return k.sameBytes(as: a) }
                return object.withUTF8Bytes { o in
                    guard k.count == a.count + 1 + o.count, k[a.count] == UInt8(ascii: " ") else { return false }
                    return UnsafeBufferPointer(rebasing: k[..<a.count]).sameBytes(as: a)
                        && UnsafeBufferPointer(rebasing: k[(a.count + 1)...]).sameBytes(as: o)
                }
            }
        }
    }
}

/// The running metric (`RunningReferenceMetric`) keeps one between steps.
extension PreviousAction: Sendable where Text: Sendable {}
