import Foundation
import ThorJSON
import ThorModel

/// One task's outcome in one run, as `compare` needs it: the reference metrics, and from simulate
/// mode the goal check and the step errors.
public struct ComparedTask: Sendable {
    public var identity: TaskIdentity
    public var taskType: String
    public var metrics: TaskMetrics
    public var goalSuccess: Bool?
    /// Step error kind → how often it occurred in this task's trajectory.
    public var stepErrors: [String: Int]

    public init(identity: TaskIdentity, taskType: String, metrics: TaskMetrics, goalSuccess: Bool? = nil, stepErrors: [String: Int] = [:]) {
        self.identity = identity
        self.taskType = taskType
        self.metrics = metrics
        self.goalSuccess = goalSuccess
        self.stepErrors = stepErrors
    }

    public init(_ line: TallyLine) {
        var errors: [String: Int] = [:]
        for error in line.simulation?.stepErrors ?? [] { errors[error, default: 0] += 1 }
        self.init(identity: line.identity, taskType: line.taskType, metrics: line.metrics,
                  goalSuccess: line.simulation?.goalSuccess, stepErrors: errors)
    }

    public init(_ graded: GradedTask) { self.init(TallyLine(graded)) }
}

/// The graded tasks of one model in one run.
public struct ComparedRun: Sendable {
    public var label: String
    public var tasks: [ComparedTask]

    public init(label: String, tasks: [ComparedTask]) {
        self.label = label
        self.tasks = tasks
    }
}

/// Several runs side by side: per-run means with bootstrap 95% intervals, per-category and
/// per-type success rates, and each run against the first (the baseline) on the tasks both
/// graded: paired deltas with bootstrap intervals and the tasks whose success flipped.
///
/// Intervals are percentile bootstrap intervals over tasks (paired for deltas) from a seeded
/// generator, so the same inputs and seed always give the same numbers. With 809 tasks a 95%
/// interval on a success rate spans about ±3 points: differences smaller than that are noise.
public struct Comparison: Sendable {
    public struct Interval: Sendable, Hashable {
        public var low: Double
        public var high: Double
    }

    /// One metric's mean and interval.
    public struct Estimate: Sendable, Hashable {
        public var value: Double
        public var interval: Interval
    }

    public struct RunSummary: Sendable {
        public var label: String
        public var count: Int
        /// Keyed by metric name (`Comparison.metricNames`).
        public var metrics: [String: Estimate]
        /// Success rate per category letter and per task type (only those graded).
        public var successByGroup: [String: Double]
        public var countByGroup: [String: Int]
        /// Simulate-mode inputs only.
        public var goalSuccess: Estimate?
        public var stepErrors: [String: Int]
        /// Identities given more than once in this run (the first is kept).
        public var duplicates: [TaskIdentity]
    }

    public struct PairSummary: Sendable {
        public var baseline: String
        public var label: String
        /// Tasks graded in both runs.
        public var common: Int
        /// Mean of (run − baseline) per metric on the common tasks.
        public var deltas: [String: Estimate]
        /// Success 0 in the baseline, 1 here.
        public var wins: [TaskIdentity]
        /// Success 1 in the baseline, 0 here.
        public var losses: [TaskIdentity]
        public var onlyInBaseline: Int
        public var onlyHere: Int
    }

    public static let metricNames = ["success_rate", "efficiency", "completeness", "completeness_ordered", "repeat_rate"]

    public var runs: [RunSummary]
    public var pairs: [PairSummary]
    public var resamples: Int
    public var seed: UInt64
    /// Category letters, then task types, in a fixed order: the rows of the group table.
    public var groups: [String]

    public init(runs input: [ComparedRun], resamples: Int = 2000, seed: UInt64 = 1) {
        self.resamples = max(resamples, 1)
        self.seed = seed
        var deduplicated: [(ComparedRun, [TaskIdentity])] = []
        for run in input {
            var seen = Set<TaskIdentity>(), kept: [ComparedTask] = [], duplicates: [TaskIdentity] = []
            for task in run.tasks {
                if seen.insert(task.identity).inserted { kept.append(task) } else { duplicates.append(task.identity) }
            }
            deduplicated.append((ComparedRun(label: run.label, tasks: kept), duplicates))
        }
        var typeNames = Set<String>()
        for (run, _) in deduplicated { for task in run.tasks { typeNames.insert(task.taskType) } }
        let categories = TaskCategory.allCases.map(\.rawValue)
        groups = categories + typeNames.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let resampleCount = self.resamples
        runs = deduplicated.enumerated().map { index, entry in
            Self.summary(entry.0, duplicates: entry.1, resamples: resampleCount, seed: seed &+ UInt64(index))
        }
        pairs = []
        if let baseline = deduplicated.first?.0 {
            for (index, entry) in deduplicated.enumerated().dropFirst() {
                pairs.append(Self.pair(baseline, entry.0, resamples: resampleCount, seed: seed &+ 1000 &+ UInt64(index)))
            }
        }
    }

    static func values(_ task: ComparedTask) -> [Double] {
        let m = task.metrics
        return [Double(m.success), m.efficiency, m.completeness, m.completenessOrdered, m.repeatRate]
    }

    static func summary(_ run: ComparedRun, duplicates: [TaskIdentity], resamples: Int, seed: UInt64) -> RunSummary {
        let rows = run.tasks.map(values)
        var metrics: [String: Estimate] = [:]
        for (column, name) in metricNames.enumerated() {
            metrics[name] = Bootstrap.mean(rows.map { $0[column] }, resamples: resamples, seed: seed &+ UInt64(column) &* 7919)
        }
        var success: [String: Int] = [:], count: [String: Int] = [:]
        for task in run.tasks {
            var keys = [task.taskType]
            if let category = TaskCategory(taskType: task.taskType) { keys.append(category.rawValue) }
            for key in keys {
                count[key, default: 0] += 1
                success[key, default: 0] += task.metrics.success
            }
        }
        var successByGroup: [String: Double] = [:]
        for (key, n) in count { successByGroup[key] = Double(success[key] ?? 0) / Double(n) }
        let goals = run.tasks.compactMap(\.goalSuccess)
        var errors: [String: Int] = [:]
        for task in run.tasks { errors.merge(task.stepErrors, uniquingKeysWith: +) }
        return RunSummary(
            label: run.label, count: run.tasks.count, metrics: metrics,
            successByGroup: successByGroup,
            countByGroup: count,
            goalSuccess: goals.count == run.tasks.count && !goals.isEmpty
                ? Bootstrap.mean(goals.map { $0 ? 1 : 0 }, resamples: resamples, seed: seed &+ 104_729) : nil,
            stepErrors: errors, duplicates: duplicates)
    }

    static func pair(_ baseline: ComparedRun, _ run: ComparedRun, resamples: Int, seed: UInt64) -> PairSummary {
        let base = Dictionary(baseline.tasks.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        var differences: [[Double]] = [], wins: [TaskIdentity] = [], losses: [TaskIdentity] = []
        var common = Set<TaskIdentity>()
        for task in run.tasks {
            guard let other = base[task.identity] else { continue }
            common.insert(task.identity)
            differences.append(zip(values(task), values(other)).map { $0 - $1 })
            if other.metrics.success == 0 && task.metrics.success == 1 { wins.append(task.identity) }
            if other.metrics.success == 1 && task.metrics.success == 0 { losses.append(task.identity) }
        }
        var deltas: [String: Estimate] = [:]
        for (column, name) in metricNames.enumerated() {
            deltas[name] = Bootstrap.mean(differences.map { $0[column] }, resamples: resamples, seed: seed &+ UInt64(column) &* 7919)
        }
        return PairSummary(
            baseline: baseline.label, label: run.label, common: common.count, deltas: deltas,
            wins: wins.sorted(), losses: losses.sorted(),
            onlyInBaseline: baseline.tasks.count - common.count, onlyHere: run.tasks.count - common.count)
    }
}

/// Percentile bootstrap of a mean with a seeded SplitMix64 generator (deterministic everywhere).
enum Bootstrap {
    static func mean(_ values: [Double], resamples: Int, seed: UInt64) -> Comparison.Estimate {
        guard !values.isEmpty else { return .init(value: 0, interval: .init(low: 0, high: 0)) }
        let n = values.count
        let mean = values.reduce(0, +) / Double(n)
        var generator = SplitMix64(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(generator.next() % UInt64(n))] }
            means[r] = sum / Double(n)
        }
        means.sort()
        return .init(value: mean, interval: .init(low: percentile(means, 0.025), high: percentile(means, 0.975)))
    }

    /// Linear interpolation between closest ranks (numpy's default).
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: reports

extension Comparison {
    static func estimateJSON(_ estimate: Estimate) -> JSONValue {
        .object(["value": .double(estimate.value), "ci95": .array([.double(estimate.interval.low), .double(estimate.interval.high)])])
    }

    /// The whole comparison; keys sorted, values unrounded.
    public var json: JSONValue {
        .object([
            "bootstrap": .object(["resamples": .int(resamples), "seed": .int(Int(truncatingIfNeeded: seed)), "interval": .string("percentile 95%")]),
            "runs": .array(runs.map { run in
                var block: [String: JSONValue] = [
                    "label": .string(run.label), "count": .int(run.count),
                    "metrics": .object(run.metrics.mapValues(Self.estimateJSON)),
                    "groups": .object(Dictionary(uniqueKeysWithValues: run.countByGroup.keys.map { key in
                        (key, JSONValue.object(["count": .int(run.countByGroup[key] ?? 0), "success_rate": .double(run.successByGroup[key] ?? 0)]))
                    })),
                    "step_errors": .object(run.stepErrors.mapValues(JSONValue.int)),
                    "goal_success": run.goalSuccess.map(Self.estimateJSON) ?? .null,
                ]
                if !run.duplicates.isEmpty { block["duplicates"] = .array(run.duplicates.map(ReportWriters.json)) }
                return .object(block)
            }),
            "pairs": .array(pairs.map { pair in
                .object([
                    "baseline": .string(pair.baseline), "label": .string(pair.label), "common": .int(pair.common),
                    "deltas": .object(pair.deltas.mapValues(Self.estimateJSON)),
                    "wins": .array(pair.wins.map(ReportWriters.json)), "losses": .array(pair.losses.map(ReportWriters.json)),
                    "only_in_baseline": .int(pair.onlyInBaseline), "only_here": .int(pair.onlyHere),
                ])
            }),
        ])
    }

    /// Rows of cells: the header, then one row per metric (and goal success), then per group.
    /// Every text format below is a rendering of these rows.
    var rows: [[String]] {
        func number(_ value: Double) -> String { String(format: "%.4f", value) }
        func estimate(_ e: Estimate?) -> String {
            guard let e else { return "-" }
            return "\(number(e.value)) [\(number(e.interval.low)), \(number(e.interval.high))]"
        }
        func delta(_ e: Estimate?) -> String {
            guard let e else { return "-" }
            let sign = e.value >= 0 ? "+" : ""
            return "\(sign)\(number(e.value)) [\(number(e.interval.low)), \(number(e.interval.high))]"
        }
        var header = ["metric"] + runs.map(\.label)
        header += pairs.map { "Δ \($0.label) − \($0.baseline)" }
        var table = [header]
        table.append(["tasks"] + runs.map { String($0.count) } + pairs.map { "\($0.common) common" })
        for name in Self.metricNames {
            table.append([name] + runs.map { estimate($0.metrics[name]) } + pairs.map { delta($0.deltas[name]) })
        }
        if runs.contains(where: { $0.goalSuccess != nil }) {
            table.append(["goal_success"] + runs.map { estimate($0.goalSuccess) } + pairs.map { _ in "" })
        }
        table.append(["flips (wins/losses)"] + runs.map { _ in "" } + pairs.map { "+\($0.wins.count) / −\($0.losses.count)" })
        for group in groups where runs.contains(where: { $0.countByGroup[group] != nil }) {
            let title = TaskCategory(rawValue: group).map { "\($0.rawValue) \($0.title) success" } ?? "\(group) success"
            table.append([title] + runs.map { run in
                run.countByGroup[group].map { "\(number(run.successByGroup[group] ?? 0)) (n=\($0))" } ?? "-"
            } + pairs.map { _ in "" })
        }
        return table
    }

    /// A fixed-width table for the terminal, then the flipped tasks and step errors.
    public var table: String {
        let rows = self.rows
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for (index, row) in rows.enumerated() {
            out += row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
            if index == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        out += "95% intervals: percentile bootstrap over tasks (paired for Δ), \(resamples) resamples, seed \(seed).\n"
        out += footer
        return out
    }

    var footer: String {
        var out = ""
        for pair in pairs {
            out += "\n\(pair.label) vs \(pair.baseline): \(pair.common) tasks in both"
            if pair.onlyInBaseline + pair.onlyHere > 0 {
                out += " (\(pair.onlyInBaseline) only in \(pair.baseline), \(pair.onlyHere) only in \(pair.label))"
            }
            out += "\n  won (0 → 1): " + (pair.wins.isEmpty ? "none" : pair.wins.map(\.description).joined(separator: ", "))
            out += "\n  lost (1 → 0): " + (pair.losses.isEmpty ? "none" : pair.losses.map(\.description).joined(separator: ", ")) + "\n"
        }
        for run in runs where !run.stepErrors.isEmpty {
            let errors = run.stepErrors.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            out += "\nstep errors, \(run.label): " + errors.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        for run in runs where !run.duplicates.isEmpty {
            out += "\n\(run.label): \(run.duplicates.count) repeated task identities ignored (the first line of each counts)\n"
        }
        return out
    }

    /// GitHub-flavoured Markdown: the same table, ready for a paper's appendix or a pull request.
    public var markdown: String {
        let rows = self.rows
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        var out = line(rows[0]) + line(rows[0].indices.map { $0 == 0 ? "---" : "---:" })
        for row in rows.dropFirst() { out += line(row) }
        out += "\n95% intervals: percentile bootstrap over tasks (paired for Δ), \(resamples) resamples, seed \(seed).\n"
        return out + footer
    }

    /// One row per (run, metric): `run,metric,value,ci_low,ci_high,count`; deltas as
    /// `run − baseline` rows. Numbers unrounded.
    public var csv: String {
        var out = "run,metric,value,ci_low,ci_high,count\n"
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        for run in runs {
            for name in Self.metricNames {
                guard let e = run.metrics[name] else { continue }
                out += "\(field(run.label)),\(name),\(e.value),\(e.interval.low),\(e.interval.high),\(run.count)\n"
            }
            if let goal = run.goalSuccess {
                out += "\(field(run.label)),goal_success,\(goal.value),\(goal.interval.low),\(goal.interval.high),\(run.count)\n"
            }
        }
        for pair in pairs {
            for name in Self.metricNames {
                guard let e = pair.deltas[name] else { continue }
                out += "\(field("\(pair.label) − \(pair.baseline)")),\(name),\(e.value),\(e.interval.low),\(e.interval.high),\(pair.common)\n"
            }
        }
        return out
    }
}
