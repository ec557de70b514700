import ThorModel

/// The reference metric kept up to date entry by entry, for a trajectory that grows one step at a
/// time (the policy API, `serve`): appending an entry is O(1) in the trajectory's length, where
/// `ReferenceMetric.evaluate` walks the whole trajectory again. The result after any number of
/// appends equals `ReferenceMetric.evaluate` on the entries appended so far, field for field (a
/// test checks it after every step of every expert plan and of random trajectories).
///
/// It is the reference's walk with the loop's variables kept between calls; the rules and their
/// quirks are `ReferenceMetric.evaluate`'s (read their comments there). `grade` keeps using
/// `evaluate`: a recorded line is a whole trajectory at once.
///
/// ```swift
/// var metric = try RunningReferenceMetric(task: reference)
/// metric.append(TrajectoryEntry(action: "init", success: true))
/// metric.completeness  // the reward count over the scored key actions, at once
/// metric.metrics       // every field; the ordered completeness is computed here
/// ```
public struct RunningReferenceMetric: Sendable {
    public let task: TaskReference
    /// The scored key actions (`ReferenceMetric.isScored`), in order: `completeness_ordered`'s
    /// other sequence. Never empty (`init` throws).
    let scored: [String]
    let isSingleSearch: Bool
    /// Entries appended (the trajectory's length, entries after a key-action `end` included).
    public private(set) var count = 0
    var reward = 0
    var flag = 0
    /// The reference's `break`: a key-action `end` of a single_search task ends the walk.
    var stopped = false
    var previous = PreviousAction<String>()
    /// Key actions matched so far (the reference's list removals, flagged in place).
    var used: [Bool]
    /// What the reference appends to its `matched` list, for the LCS.
    var matched: [String] = []
    /// Navigations so far and how many are distinct (code-point equality, as Python's set);
    /// beyond `ReferenceMetric`'s 64 a set of their bytes keeps the count O(1) per entry.
    var navigations = 0
    var distinctNavigations: [String?] = []
    var navigatedBytes: Set<[UInt8]?>?
    var lowerTaskName: String?

    /// Throws, as `evaluate` does, for a task with no scored key action.
    public init(task: TaskReference) throws(ReferenceMetric.UnscorableTask) {
        self.task = task
        scored = task.keyActions.filter(ReferenceMetric.isScored)
        guard !scored.isEmpty else { throw ReferenceMetric.UnscorableTask() }
        isSingleSearch = task.taskType.sameCodePoints(as: "single_search")
        used = [Bool](repeating: false, count: task.keyActions.count)
    }

    /// One more trajectory entry: the body of the reference's loop for it.
    public mutating func append(_ entry: TrajectoryEntry) {
        count += 1
        guard !stopped else { return }
        var action = entry.action
        if action.sameCodePoints(as: "navigate to") { noteNavigation(entry.object) }  // rule 1
        if entry.success.equalsZero || ReferenceMetric.isUnscoredAction(action) {  // rule 2
            if entry.success.isTruthy { previous = PreviousAction(action: action, object: entry.object) }
            return
        }
        if action.containsBytes(of: "end") {  // rule 3
            if isSingleSearch {
                let name = lowerTaskName ?? task.taskName.pythonLowercased()
                lowerTaskName = name
                if entry.legalObjects.contains(where: { name.containsBytes(of: $0.pythonLowercased()) }) {
                    reward += 1
                } else if task.keyActions.contains(where: previous.spells) {
                    reward += 1
                    flag = 1
                    stopped = true
                    return
                }
            } else {
                reward += 1
                matched.append(action)
            }
        } else if let object = entry.object {  // rule 4
            if action.startsWithCodePoints("put") { action = "put" }
            let text = PreviousAction(action: action, object: object)
            if let index = task.keyActions.indices.first(where: { !used[$0] && text.spells(task.keyActions[$0]) }) {
                used[index] = true
                matched.append(task.keyActions[index])
                reward += 1
            }
        }
        previous = PreviousAction(action: action, object: entry.object)  // rule 5
    }

    mutating func noteNavigation(_ object: String?) {
        navigations += 1
        if var seen = navigatedBytes {
            navigatedBytes = nil  // unique while inserting
            if seen.insert(object.map { Array($0.utf8) }).inserted { distinctNavigations.append(object) }
            navigatedBytes = seen
            return
        }
        guard !distinctNavigations.contains(where: { ReferenceMetric.same($0, object) }) else { return }
        distinctNavigations.append(object)
        if distinctNavigations.count > 64 {
            navigatedBytes = Set(distinctNavigations.map { $0.map { Array($0.utf8) } })
        }
    }

    /// `metrics.completeness`, without the rest (the per-step reward needs only this).
    public var completeness: Double { Double(reward) / Double(scored.count) }

    /// All fields, as `ReferenceMetric.evaluate` gives them for the entries so far.
    public var metrics: TaskMetrics {
        let total = scored.count
        let completeness = Double(reward) / Double(total)
        let success = reward / total
        return TaskMetrics(
            success: success,
            efficiency: success != 0 ? Double(task.keyActions.count + 1) / Double(count) : 0.0,
            completeness: completeness,
            completenessOrdered: isSingleSearch
                ? completeness : Double(ReferenceMetric.longestCommonSubsequence(matched.count, scored.count) { matched[$0].sameCodePoints(as: scored[$1]) }) / Double(total),
            keyActionsSuccess: flag,
            repeatRate: navigations == 0 ? 0 : Double(navigations - distinctNavigations.count) / Double(navigations),
            step: task.taskType.sameCodePoints(as: "single_search_from_closerep") ? 2 : task.keyActions.count - 1)
    }
}
