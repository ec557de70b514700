import Foundation
import ThorJSON
import ThorModel
import ThorSim

/// The `grade` outputs: a table for people, JSON and CSV for scripts, per-task JSON lines and a
/// summary document. JSON values are unrounded; the table rounds to 4 places for display only.
public enum ReportWriters {
    // MARK: JSON

    static func json(_ block: MetricBlock) -> JSONValue {
        .object([
            "count": .int(block.count), "success_rate": .double(block.successRate), "efficiency": .double(block.efficiency),
            "completeness": .double(block.completeness), "completeness_ordered": .double(block.completenessOrdered),
            "repeat_rate": .double(block.repeatRate),
        ])
    }

    static func json(_ groups: MetricGroups) -> [String: JSONValue] {
        ["overall": json(groups.overall), "categories": .object(groups.categories.mapValues(json)),
         "task_types": .object(groups.taskTypes.mapValues(json))]
    }

    /// A task identity as written: a JSON integer or string.
    public static func json(_ identity: TaskIdentity) -> JSONValue {
        switch identity {
        case .int(let value): .int(value)
        case .string(let value): .string(value)
        }
    }

    public static func json(_ metrics: TaskMetrics) -> JSONValue {
        .object([
            "success": .int(metrics.success), "efficiency": .double(metrics.efficiency),
            "completeness": .double(metrics.completeness), "completeness_ordered": .double(metrics.completenessOrdered),
            "key_actions_success": .int(metrics.keyActionsSuccess), "repeat_rate": .double(metrics.repeatRate),
            "step": .int(metrics.step),
        ])
    }

    /// Every `--per-task` line, newline-terminated, in input order, rendered on all cores.
    public static func perTaskLines(_ tasks: [GradedTask]) -> [UInt8] {
        let chunkSize = 2048
        let chunks = (tasks.count + chunkSize - 1) / chunkSize
        var rendered = [[UInt8]](repeating: [], count: chunks)
        rendered.withUnsafeMutableBufferPointer { slots in
            let output = UncheckedSendable(slots)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var bytes: [UInt8] = []
                for task in tasks[(chunk * chunkSize)..<min(tasks.count, (chunk + 1) * chunkSize)] {
                    writePerTask(task, into: &bytes)
                    bytes.append(UInt8(ascii: "\n"))
                }
                output.value[chunk] = bytes
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(rendered.reduce(0) { $0 + $1.count })
        for chunk in rendered { out += chunk }
        return out
    }

    /// Appends one `--per-task` line (without the newline): the same bytes as
    /// `perTask(task).compact`, written directly because it runs once per input line.
    public static func writePerTask(_ task: GradedTask, into out: inout [UInt8]) {
        guard task.simulation == nil else {
            // Simulated lines carry their steps; the general writer is fast enough for them.
            return perTask(task).write(into: &out, indent: nil, level: 0)
        }
        let m = task.metrics
        out += #"{"file": "#.utf8
        JSONValue.string(task.source.file).write(into: &out, indent: nil, level: 0)
        out += #", "identity": "#.utf8
        json(task.identity).write(into: &out, indent: nil, level: 0)
        out += ", \"line\": \(task.source.line), \"metrics\": {\"completeness\": \(m.completeness), \"completeness_ordered\": \(m.completenessOrdered), \"efficiency\": \(m.efficiency), \"key_actions_success\": \(m.keyActionsSuccess), \"repeat_rate\": \(m.repeatRate), \"step\": \(m.step), \"success\": \(m.success)}, \"model\": ".utf8
        JSONValue.string(task.model).write(into: &out, indent: nil, level: 0)
        out += #", "scene": "#.utf8
        (task.scene.map(JSONValue.string) ?? .null).write(into: &out, indent: nil, level: 0)
        out += #", "tasktype": "#.utf8
        JSONValue.string(task.taskType).write(into: &out, indent: nil, level: 0)
        out.append(UInt8(ascii: "}"))
    }

    /// One `--per-task` line as a JSON value.
    public static func perTask(_ task: GradedTask) -> JSONValue {
        var line: [String: JSONValue] = [
            "identity": json(task.identity), "model": .string(task.model), "tasktype": .string(task.taskType),
            "scene": task.scene.map(JSONValue.string) ?? .null, "metrics": json(task.metrics),
            "line": .int(task.source.line), "file": .string(task.source.file),
        ]
        if let simulation = task.simulation {
            line["steps"] = .array(simulation.steps.map(json))
            line["goal_success"] = .bool(simulation.goalSuccess)
            line["goal_checks"] = .array(simulation.goalFacts.map {
                .object(["fact": .string($0.description), "holds": .bool($0.holds), "required": .bool($0.required)])
            })
            line["goal_conditions_met"] = .int(simulation.goal.conditionsMet)
            line["goal_conditions_total"] = .int(simulation.goal.conditionsTotal)
            line["end_reason"] = simulation.endReason.map { .string($0.rawValue) } ?? .null
        }
        return .object(line)
    }

    /// A trajectory step as `--per-task` and `serve`'s `state` write it.
    public static func json(_ step: EpisodeStep) -> JSONValue {
        .object([
            "action": .string(step.action), "object": step.object.map(JSONValue.string) ?? .null,
            "object_id": step.objectId.map(JSONValue.string) ?? .null, "success": .bool(step.success),
            "error": step.error.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// Simulate mode's additions to the summary: goal-state success next to the reference's, the
    /// lines where the two disagree, and how often each step error occurred.
    static func simulationSummary(_ tasks: [GradedTask]) -> JSONValue? {
        let simulated = tasks.filter { $0.simulation != nil }
        guard !simulated.isEmpty else { return nil }
        var goalSuccesses = 0, referenceOnly = 0, goalOnly = 0, conditionsMet = 0, conditionsTotal = 0
        var errors: [String: Int] = [:]
        for task in simulated {
            let goal = task.simulation!.goalSuccess
            conditionsMet += task.simulation!.goal.conditionsMet
            conditionsTotal += task.simulation!.goal.conditionsTotal
            let reference = task.metrics.success != 0
            if goal { goalSuccesses += 1 }
            if reference && !goal { referenceOnly += 1 }
            if goal && !reference { goalOnly += 1 }
            for step in task.simulation!.steps { if let error = step.error { errors[error.rawValue, default: 0] += 1 } }
        }
        return .object([
            "count": .int(simulated.count),
            "goal_success_rate": .double(Double(goalSuccesses) / Double(simulated.count)),
            "goal_conditions_met": .int(conditionsMet),
            "goal_conditions_total": .int(conditionsTotal),
            "reference_success_goal_failure": .int(referenceOnly),
            "reference_failure_goal_success": .int(goalOnly),
            "step_errors": .object(errors.mapValues(JSONValue.int)),
        ])
    }

    /// The `--summary` document (also `--format json`).
    public static func summary(_ report: GradeReport, _ totals: MetricTotals? = nil) -> JSONValue {
        let totals = totals ?? report.totals
        var document = json(totals.all)
        document["tasks"] = .int(report.tasks.count)
        if let simulation = simulationSummary(report.tasks) { document["simulation"] = simulation }
        document["models"] = .object(totals.models.mapValues { groups in
            var block = json(groups)
            block["tasks"] = .int(groups.overall.count)
            return JSONValue.object(block)
        })
        document["errors"] = .array(report.issues.map { issue in
            .object(["file": .string(issue.source.file), "line": .int(issue.source.line), "reason": .string(issue.reason)])
        })
        if let coverage = report.coverage {
            document["coverage"] = .object(Dictionary(coverage.map { ($0.model, $0.json) }, uniquingKeysWith: { first, _ in first }))
        }
        if let provenance = report.provenance { document["meta"] = provenance.json }
        return .object(document)
    }

    // MARK: CSV

    /// One row per (model, group): `model` is `all` for every line together.
    public static func csv(_ report: GradeReport, _ totals: MetricTotals? = nil) -> String {
        let totals = totals ?? report.totals
        var out = "model,group,name,count,success_rate,efficiency,completeness,completeness_ordered,repeat_rate\n"
        func rows(_ model: String, _ groups: MetricGroups) {
            func row(_ group: String, _ name: String, _ b: MetricBlock) {
                out += [model, group, name].map(csvField).joined(separator: ",")
                out += ",\(b.count),\(b.successRate),\(b.efficiency),\(b.completeness),\(b.completenessOrdered),\(b.repeatRate)\n"
            }
            row("overall", "overall", groups.overall)
            for category in TaskCategory.allCases { if let b = groups.categories[category.rawValue] { row("category", category.rawValue, b) } }
            for type in groups.taskTypes.keys.sorted() { row("task_type", type, groups.taskTypes[type]!) }
        }
        rows("all", totals.all)
        for model in totals.models.keys.sorted() { rows(model, totals.models[model]!) }
        return out
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: table

    /// A readable table: overall, categories, task types with counts; one section per model when
    /// lines carry several models.
    public static func table(_ report: GradeReport, _ totals: MetricTotals? = nil) -> String {
        let totals = totals ?? report.totals
        var out = ""
        let models = totals.models.keys.sorted()
        if models.count > 1 {
            for model in models { section(&out, title: "model \(model)", totals.models[model]!) }
            section(&out, title: "all models", totals.all)
        } else {
            section(&out, title: models.first.map { "model \($0)" } ?? "no graded lines", totals.all)
        }
        if case .object(let simulation)? = simulationSummary(report.tasks),
           case .double(let rate)? = simulation["goal_success_rate"], case .int(let a)? = simulation["reference_success_goal_failure"],
           case .int(let b)? = simulation["reference_failure_goal_success"],
           case .int(let met)? = simulation["goal_conditions_met"], case .int(let total)? = simulation["goal_conditions_total"] {
            out += String(format: "goal-state success %.4f (goal conditions met %d of %d); reference success but goal not reached: %d; goal reached but reference failure: %d\n", rate, met, total, a, b)
        }
        for coverage in report.coverage ?? [] { out += coverage.line + "\n" }
        if !report.issues.isEmpty {
            out += "\n\(report.issues.count) line\(report.issues.count == 1 ? "" : "s") not graded (see stderr)\n"
        }
        return out
    }

    static func section(_ out: inout String, title: String, _ groups: MetricGroups) {
        let names = ["overall"] + TaskCategory.allCases.map { "\($0.rawValue) \($0.title)" } + groups.taskTypes.keys.map { "  \($0)" }
        let width = max(names.map(\.count).max() ?? 0, 10)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        func number(_ value: Double) -> String { String(format: "%10.4f", value) }
        out += "\(title)\n"
        out += pad("") + "  count    success  efficiency  completeness  ordered_compl  repeat_rate\n"
        func row(_ name: String, _ b: MetricBlock) {
            out += pad(name) + String(format: "%7d", b.count) + number(b.successRate) + "  " + number(b.efficiency)
                + "    " + number(b.completeness) + "     " + number(b.completenessOrdered) + "   " + number(b.repeatRate) + "\n"
        }
        row("overall", groups.overall)
        for category in TaskCategory.allCases {
            guard let block = groups.categories[category.rawValue] else { continue }
            row("\(category.rawValue) \(category.title)", block)
            for type in category.taskTypes { if let b = groups.taskTypes[type] { row("  \(type)", b) } }
        }
        let uncategorised = groups.taskTypes.keys.filter { TaskCategory(taskType: $0) == nil }.sorted()
        for type in uncategorised { row("  \(type)", groups.taskTypes[type]!) }
        out += "\n"
    }
}
