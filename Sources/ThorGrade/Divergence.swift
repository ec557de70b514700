import Foundation
import ThorJSON
import ThorModel
import ThorSim

/// How a recorded run is re-executed.
public enum ReplayMode: String, Sendable, CaseIterable {
    /// A step that failed in Unity is tried (its outcome and observation are compared) but its
    /// effects are dropped, so the next step starts from the state Unity was in as far as the
    /// simulator can tell. The default: one early disagreement does not spoil every later step.
    case synchronised
    /// Every step's effects are kept, as simulate mode would run the same actions.
    case independent
}

/// Two sets of object types: the one Unity recorded and the simulator's.
public struct TypeSetComparison: Hashable, Sendable {
    /// In Unity's set, not in the simulator's.
    public var missing: [String]
    /// In the simulator's set, not in Unity's.
    public var extra: [String]
    /// |both| / |either|; 1 when both are empty.
    public var jaccard: Double

    public init(unity: [String], simulated: [String]) {
        let unity = Set(unity), simulated = Set(simulated)
        missing = unity.subtracting(simulated).sorted()
        extra = simulated.subtracting(unity).sorted()
        let union = unity.union(simulated).count
        jaccard = union == 0 ? 1 : Double(unity.intersection(simulated).count) / Double(union)
    }

    public var isExact: Bool { missing.isEmpty && extra.isEmpty }
}

/// One executed step of a recorded run next to its re-execution.
public struct StepComparison: Hashable, Sendable {
    /// Position of the entry in the recorded trajectory (0 is `init`).
    public var index: Int
    public var action: String
    public var object: String?
    public var unitySuccess: Bool
    public var simulatedSuccess: Bool
    public var simulatedError: StepError?
    /// Nil when the run did not record the set.
    public var navigable: TypeSetComparison?
    public var interactable: TypeSetComparison?

    public var agrees: Bool { unitySuccess == simulatedSuccess }
}

/// One recorded run re-executed.
public struct RunComparison: Sendable {
    public var source: LineSource
    public var identity: TaskIdentity
    public var model: String?
    public var scene: String
    public var taskType: String?
    public var steps: [StepComparison]
    /// The reference metric on Unity's trajectory and on the re-executed one; nil when the run is
    /// not complete or its task fields are unknown.
    public var unityMetrics: TaskMetrics?
    public var simulatedMetrics: TaskMetrics?
    /// What limited the comparison (task not in the store, a log without observations, ...).
    public var notes: [String]
}

/// Re-executes runs recorded by the real evaluation and compares them step by step.
public struct Divergence {
    public var mode: ReplayMode
    /// The store's task with this identity, if any.
    public var lookup: (TaskIdentity) throws -> BenchmarkTask?
    public var worlds: WorldSource

    public init(mode: ReplayMode, lookup: @escaping (TaskIdentity) throws -> BenchmarkTask?, worlds: WorldSource) {
        self.mode = mode
        self.lookup = lookup
        self.worlds = worlds
    }

    /// Compares one read run into the report, or records why it could not be compared.
    public func compare(_ parsed: Result<RecordedRun, GradeIssue>, into report: inout DivergenceReport) {
        do {
            report.runs.append(try compare(parsed.get()))
        } catch let issue as GradeIssue {
            report.issues.append(issue)
        } catch {
            if case .success(let run) = parsed { report.issues.append(GradeIssue(source: run.source, reason: "\(error)")) }
        }
    }

    public func compare(_ run: RecordedRun) throws -> RunComparison {
        let (task, reference, notes) = try resolve(run)
        var comparison = Self.replay(run, world: try worlds.world(for: task), reference: reference, mode: mode)
        comparison.notes = notes + comparison.notes
        return comparison
    }

    /// The types the reference listed as navigable at `init` that were not interactable there: the
    /// task's `navigable_objects` the agent could not see. Nil when the run records no sets.
    static func startNavigable(_ run: RecordedRun) -> [String]? {
        guard let first = run.steps.first, first.action == "init", let locations = first.legalLocations,
              let objects = first.legalObjects else { return nil }
        let interactable = Set(objects)
        return locations.filter { !interactable.contains($0) }
    }

    /// The task the world is built from: the run's own task fields first, the store's task of the
    /// same identity and scene for what the run lacks (target, related and navigable objects), else
    /// none of them (then each type means its first object and nothing is navigable at the start
    /// beyond what is seen). The metric uses the run's own tasktype, taskname and key actions.
    func resolve(_ run: RecordedRun) throws -> (BenchmarkTask, TaskReference?, [String]) {
        let identity = run.identityOrName
        var stored = try lookup(identity)
        if let task = stored, let scene = run.scene, task.scene != scene { stored = nil }
        guard let scene = run.scene ?? stored?.scene else {
            throw GradeIssue(source: run.source, reason: "the run names no scene and task \(identity) is not in the store")
        }
        var notes: [String] = []
        var navigable = run.navigableObjects ?? stored?.navigableObjects
        if navigable == nil, let inferred = Self.startNavigable(run) {
            // The reference lists the task's navigable_objects among the init entry's
            // legal_locations; those it cannot see are exactly the ones not interactable there.
            navigable = inferred
            notes.append("task \(identity) is not in the store: its starting navigable types are read from the init entry (navigable but not interactable there: \(inferred.isEmpty ? "none" : inferred.joined(separator: ", ")))")
        }
        if stored == nil && run.targetObjects == nil {
            notes.append("task \(identity) is not in the store and the run carries no target or related objects: each type means its first object")
        }
        let task = BenchmarkTask(
            identity: identity, scene: scene, taskType: run.taskType ?? stored?.taskType ?? "",
            instructionIndex: stored?.instructionIndex ?? 0, taskName: run.taskName ?? stored?.taskName ?? "", taskQuery: stored?.taskQuery ?? "",
            keyActions: run.keyActionRecords ?? stored?.keyActions ?? [],
            targetObjects: run.targetObjects ?? stored?.targetObjects ?? [],
            relatedObjects: run.relatedObjects ?? stored?.relatedObjects ?? [],
            navigableObjects: navigable ?? [])
        var reference: TaskReference?
        if let type = run.taskType ?? stored?.taskType, let name = run.taskName ?? stored?.taskName,
           let keys = run.keyActions ?? stored?.keyActionTexts {
            reference = TaskReference(taskType: type, taskName: name, keyActions: keys)
        } else {
            notes.append("tasktype, taskname or key_actions unknown: no metric comparison")
        }
        return (task, reference, notes)
    }

    /// Executes each recorded step that Unity executed (init and every vocabulary action but the
    /// loop's `end`), compares outcomes and observations, and scores both trajectories with the
    /// reference metric. Entries Unity did not execute (illegal actions, the final or cut-off
    /// `end`) are copied into the re-executed trajectory as they are.
    public static func replay(_ run: RecordedRun, world start: World, reference: TaskReference?, mode: ReplayMode) -> RunComparison {
        replayKeepingWorld(run, world: start, reference: reference, mode: mode).comparison
    }

    /// `replay`, also giving the simulator's world after the last step (live mode's shadow: its
    /// goal check runs on it).
    public static func replayKeepingWorld(_ run: RecordedRun, world start: World, reference: TaskReference?, mode: ReplayMode)
        -> (comparison: RunComparison, world: World) {
        var world = start
        var steps: [StepComparison] = []
        var simulated: [TrajectoryEntry] = []
        var lastLegalObjects: [String] = []
        for (index, step) in run.steps.enumerated() {
            guard let kind = ActionKind(rawValue: step.action), kind.isExecutable, kind != .end else {
                // The final `end` carries the last executed step's interactable set (evaluate.py).
                let legal = step.action == "end" && step.isTruthy ? lastLegalObjects : step.legalObjects ?? []
                simulated.append(TrajectoryEntry(action: step.action, object: step.object, success: step.success ?? .zero, legalObjects: legal))
                continue
            }
            var trial = world
            let outcome = trial.step(Action(kind, step.object))
            if step.isTruthy || mode == .independent { world = trial }
            let navigable = trial.scene.names(of: trial.navigable), interactable = trial.scene.names(of: trial.interactable)
            lastLegalObjects = interactable
            steps.append(StepComparison(
                index: index, action: step.action, object: step.object, unitySuccess: step.isTruthy,
                simulatedSuccess: outcome.success, simulatedError: outcome.error,
                navigable: step.legalLocations.map { TypeSetComparison(unity: $0, simulated: navigable) },
                interactable: step.legalObjects.map { TypeSetComparison(unity: $0, simulated: interactable) }))
            simulated.append(TrajectoryEntry(action: step.action, object: step.object, success: outcome.success, legalObjects: interactable))
        }
        var notes: [String] = []
        var unityMetrics: TaskMetrics?, simulatedMetrics: TaskMetrics?
        if !run.isComplete {
            notes.append("the recorded trajectory stops before the loop's end entry: no metric comparison")
        } else if let reference, reference.keyActions.contains(where: ReferenceMetric.isScored) {
            let recorded = run.steps.map {
                TrajectoryEntry(action: $0.action, object: $0.object, success: $0.success ?? .zero, legalObjects: $0.legalObjects ?? [])
            }
            unityMetrics = try? ReferenceMetric.evaluate(recorded, task: reference)
            simulatedMetrics = try? ReferenceMetric.evaluate(simulated, task: reference)
        }
        if !steps.isEmpty && steps.allSatisfy({ $0.navigable == nil && $0.interactable == nil }) {
            notes.append("no observation sets recorded: success only")
        }
        let comparison = RunComparison(
            source: run.source, identity: run.identityOrName, model: run.model, scene: start.scene.scene.name,
            taskType: reference?.taskType ?? run.taskType, steps: steps,
            unityMetrics: unityMetrics, simulatedMetrics: simulatedMetrics, notes: notes)
        return (comparison, world)
    }
}

// MARK: totals

/// Set-comparison figures summed over steps.
public struct TypeSetTotals: Sendable {
    public var compared = 0
    public var jaccardSum = 0.0
    public var exact = 0
    /// Type → how many steps Unity had it and the simulator did not.
    public var missing: [String: Int] = [:]
    /// Type → how many steps the simulator had it and Unity did not.
    public var extra: [String: Int] = [:]

    mutating func add(_ comparison: TypeSetComparison?) {
        guard let comparison else { return }
        compared += 1
        jaccardSum += comparison.jaccard
        if comparison.isExact { exact += 1 }
        for type in comparison.missing { missing[type, default: 0] += 1 }
        for type in comparison.extra { extra[type, default: 0] += 1 }
    }

    public var meanJaccard: Double? { compared == 0 ? nil : jaccardSum / Double(compared) }
    public var exactRate: Double? { compared == 0 ? nil : Double(exact) / Double(compared) }
}

/// Step and metric agreement over any number of compared runs.
public struct DivergenceTotals: Sendable {
    public var runs = 0
    public var steps = 0
    public var bothSucceeded = 0
    public var bothFailed = 0
    /// Unity succeeded, the simulator failed.
    public var unityOnly = 0
    /// Unity failed, the simulator succeeded.
    public var simulatorOnly = 0
    public var navigable = TypeSetTotals()
    public var interactable = TypeSetTotals()
    /// Runs with metrics on both sides.
    public var metricRuns = 0
    public var metricSuccessAgreements = 0
    /// Runs whose every metric field is equal on both sides.
    public var metricIdentical = 0

    public init() {}

    public init(_ runs: [RunComparison]) {
        for run in runs { add(run) }
    }

    public mutating func add(_ run: RunComparison) {
        runs += 1
        for step in run.steps {
            steps += 1
            switch (step.unitySuccess, step.simulatedSuccess) {
            case (true, true): bothSucceeded += 1
            case (false, false): bothFailed += 1
            case (true, false): unityOnly += 1
            case (false, true): simulatorOnly += 1
            }
            navigable.add(step.navigable)
            interactable.add(step.interactable)
        }
        if let unity = run.unityMetrics, let simulated = run.simulatedMetrics {
            metricRuns += 1
            if unity.success == simulated.success { metricSuccessAgreements += 1 }
            if unity == simulated { metricIdentical += 1 }
        }
    }

    public var successAgreement: Double? { steps == 0 ? nil : Double(bothSucceeded + bothFailed) / Double(steps) }
    public var metricSuccessAgreement: Double? { metricRuns == 0 ? nil : Double(metricSuccessAgreements) / Double(metricRuns) }
}

// MARK: output

/// What `thor-lite diverge` reports: every run compared, the runs it could not read or replay,
/// and the totals.
public struct DivergenceReport: Sendable {
    public var mode: ReplayMode
    public var runs: [RunComparison] = []
    public var issues: [GradeIssue] = []

    public init(mode: ReplayMode) { self.mode = mode }

    public var totals: DivergenceTotals { DivergenceTotals(runs) }

    static func rate(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }

    static func json(_ totals: TypeSetTotals) -> JSONValue {
        .object([
            "compared": .int(totals.compared), "mean_jaccard": rate(totals.meanJaccard), "exact_rate": rate(totals.exactRate),
            "missing": .object(totals.missing.mapValues(JSONValue.int)), "extra": .object(totals.extra.mapValues(JSONValue.int)),
        ])
    }

    static func json(_ totals: DivergenceTotals) -> [String: JSONValue] {
        [
            "runs": .int(totals.runs),
            "steps": .object([
                "compared": .int(totals.steps), "success_agreement": rate(totals.successAgreement),
                "both_succeeded": .int(totals.bothSucceeded), "both_failed": .int(totals.bothFailed),
                "unity_succeeded_simulator_failed": .int(totals.unityOnly),
                "unity_failed_simulator_succeeded": .int(totals.simulatorOnly),
            ]),
            "navigable": json(totals.navigable),
            "interactable": json(totals.interactable),
            "metrics": .object([
                "compared": .int(totals.metricRuns), "success_agreement": rate(totals.metricSuccessAgreement),
                "identical": .int(totals.metricIdentical),
            ]),
        ]
    }

    static func json(_ comparison: TypeSetComparison?) -> JSONValue {
        guard let comparison else { return .null }
        return .object([
            "missing": .array(comparison.missing.map(JSONValue.string)), "extra": .array(comparison.extra.map(JSONValue.string)),
            "jaccard": .double(comparison.jaccard), "exact": .bool(comparison.isExact),
        ])
    }

    static func runFields(_ run: RunComparison) -> [String: JSONValue] {
        [
            "file": .string(run.source.file), "line": .int(run.source.line), "identity": ReportWriters.json(run.identity),
            "model": run.model.map(JSONValue.string) ?? .null, "scene": .string(run.scene),
            "tasktype": run.taskType.map(JSONValue.string) ?? .null,
        ]
    }

    /// The whole report (`--json`): totals, one block per run, the inputs not compared.
    public var json: JSONValue {
        var document = Self.json(totals)
        document["mode"] = .string(mode.rawValue)
        document["per_run"] = .array(runs.map { run in
            var block = Self.runFields(run).merging(Self.json(DivergenceTotals([run]))) { first, _ in first }
            block.removeValue(forKey: "runs")
            block["metrics"] = .object([
                "unity": run.unityMetrics.map(ReportWriters.json) ?? .null,
                "simulated": run.simulatedMetrics.map(ReportWriters.json) ?? .null,
            ])
            block["notes"] = .array(run.notes.map(JSONValue.string))
            return .object(block)
        })
        document["errors"] = .array(issues.map { issue in
            .object(["file": .string(issue.source.file), "line": .int(issue.source.line), "reason": .string(issue.reason)])
        })
        return .object(document)
    }

    /// `--per-step`: one JSON line per compared step, in input order.
    public var perStepLines: [UInt8] {
        var out: [UInt8] = []
        for line in perStep {
            line.write(into: &out, indent: nil, level: 0)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// One JSON object per compared step, in input order (the lines of `perStepLines`).
    public var perStep: [JSONValue] {
        var out: [JSONValue] = []
        for run in runs {
            let fields = Self.runFields(run)
            for step in run.steps {
                var line = fields
                line["index"] = .int(step.index)
                line["action"] = .string(step.action)
                line["object"] = step.object.map(JSONValue.string) ?? .null
                line["unity_success"] = .bool(step.unitySuccess)
                line["simulated_success"] = .bool(step.simulatedSuccess)
                line["simulated_error"] = step.simulatedError.map { .string($0.rawValue) } ?? .null
                line["agrees"] = .bool(step.agrees)
                line["navigable"] = Self.json(step.navigable)
                line["interactable"] = Self.json(step.interactable)
                out.append(.object(line))
            }
        }
        return out
    }

    /// The table for people: one row per run and the total, then the types most often missing or
    /// extra, and the runs' notes.
    public var table: String {
        func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        func metrics(_ m: TaskMetrics?) -> String { m.map { String(format: "s=%d c=%.2f", $0.success, $0.completeness) } ?? "-" }
        let labels = runs.map { "\($0.identity) \($0.scene)" + ($0.model.map { " \($0)" } ?? "") }
        let width = max(labels.map(\.count).max() ?? 0, 5)
        func pad(_ text: String, _ count: Int) -> String { text.padding(toLength: count, withPad: " ", startingAt: 0) }
        func lpad(_ text: String, _ count: Int) -> String { String(repeating: " ", count: max(0, count - text.count)) + text }
        var out = "diverge, \(mode.rawValue) replay\(mode == .synchronised ? " (a step that failed in Unity is tried, then undone)" : "")\n"
        out += pad("run", width) + "  steps  success_agree  nav_jaccard  nav_exact  int_jaccard  int_exact  unity_metric  simulated_metric\n"
        func row(_ label: String, _ totals: DivergenceTotals, _ unity: String, _ simulated: String) {
            out += pad(label, width) + lpad("\(totals.steps)", 7) + lpad(figure(totals.successAgreement), 15)
                + lpad(figure(totals.navigable.meanJaccard), 13) + lpad(figure(totals.navigable.exactRate), 11)
                + lpad(figure(totals.interactable.meanJaccard), 13) + lpad(figure(totals.interactable.exactRate), 11)
                + lpad(unity, 14) + lpad(simulated, 18) + "\n"
        }
        for (label, run) in zip(labels, runs) {
            row(label, DivergenceTotals([run]), metrics(run.unityMetrics), metrics(run.simulatedMetrics))
        }
        let totals = self.totals
        row("all", totals, "", totals.metricRuns == 0 ? "-" : "success agrees \(totals.metricSuccessAgreements)/\(totals.metricRuns)")
        out += "steps: both succeeded \(totals.bothSucceeded), both failed \(totals.bothFailed), Unity only \(totals.unityOnly), simulator only \(totals.simulatorOnly)\n"
        func top(_ counts: [String: Int]) -> String {
            let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(8)
            return sorted.isEmpty ? "none" : sorted.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        out += "navigable, Unity only: \(top(totals.navigable.missing)); simulator only: \(top(totals.navigable.extra))\n"
        out += "interactable, Unity only: \(top(totals.interactable.missing)); simulator only: \(top(totals.interactable.extra))\n"
        for (label, run) in zip(labels, runs) {
            for note in run.notes { out += "note (\(label)): \(note)\n" }
        }
        if !issues.isEmpty { out += "\(issues.count) input\(issues.count == 1 ? "" : "s") not compared (see stderr)\n" }
        return out
    }
}
