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

    /// `json(identity)` written straight into `json` (no `JSONValue` made per line).
    public static func write(_ identity: TaskIdentity, into json: inout JSONWriter) {
        switch identity {
        case .int(let value): json.int(value)
        case .string(let value): json.string(value)
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

    /// `json(metrics)` written directly (the same bytes: keys sorted), for writers that run per
    /// line or per reply.
    public static func write(_ m: TaskMetrics, into json: inout JSONWriter) {
        json.object { json in
            json.key("completeness"); json.double(m.completeness)
            json.key("completeness_ordered"); json.double(m.completenessOrdered)
            json.key("efficiency"); json.double(m.efficiency)
            json.key("key_actions_success"); json.int(m.keyActionsSuccess)
            json.key("repeat_rate"); json.double(m.repeatRate)
            json.key("step"); json.int(m.step)
            json.key("success"); json.int(m.success)
        }
    }

    /// Appends one `--per-task` line (without the newline): the same bytes as
    /// `perTask(task).compact` (keys sorted, as the JSON writer sorts them), written directly
    /// because it runs once per input line; a simulated line with its steps and goal checks cost
    /// several times its simulation through the general writer's dictionaries.
    /// `GraderTests` and `SimulateModeTests` pin the two writers to the same bytes.
    public static func writePerTask(_ task: GradedTask, into out: inout [UInt8]) {
        var cache = PerTaskLineCache(keeping: false)
        writePerTaskLine(task, into: &out, cache: &cache)
    }

    /// As `writePerTask`, written member by member through `JSONWriter`, keys in sorted order,
    /// without building a `JSONValue` tree. `cache` holds parts already rendered for earlier
    /// lines (see `PerTaskLineCache`, which writes recorded lines without this writer).
    static func writePerTaskLine(_ task: GradedTask, into out: inout [UInt8], cache: inout PerTaskLineCache) {
        var json = JSONWriter(reserving: 0)
        swap(&json.bytes, &out)
        defer { swap(&json.bytes, &out) }
        let m = task.metrics, simulation = task.simulation
        // Reserved once: grown by appends, a line took five allocations.
        let texts = task.source.file.utf8.count + task.model.utf8.count + task.taskType.utf8.count + (task.scene?.utf8.count ?? 0)
        // Grown geometrically: the grader appends a chunk's lines to one buffer.
        let needed = json.bytes.count + 256 + texts + (simulation.map { 384 + 128 * $0.steps.count } ?? 0)
        if json.bytes.capacity < needed { json.bytes.reserveCapacity(max(needed, 2 * json.bytes.capacity)) }
        json.object { json in
            if let simulation {
                json.key("end_reason"); json.string(simulation.endReason?.rawValue)
            }
            json.key("file"); cache.writeFile(task.source.file, into: &json)
            if let simulation {
                json.key("goal_checks")
                json.array { json in
                    for fact in simulation.goal.facts {
                        json.object { json in
                            json.key("fact"); json.string(fact.description)
                            json.key("holds"); json.bool(fact.holds)
                            json.key("required"); json.bool(fact.required)
                        }
                    }
                }
                json.key("goal_conditions_met"); json.int(simulation.goal.conditionsMet)
                json.key("goal_conditions_total"); json.int(simulation.goal.conditionsTotal)
                json.key("goal_success"); json.bool(simulation.goalSuccess)
            }
            json.key("identity"); write(task.identity, into: &json)
            json.key("line"); json.int(task.source.line)
            json.key("metrics"); cache.writeMetrics(m, into: &json)
            json.key("model"); json.string(task.model)
            json.key("scene"); json.string(task.scene)
            if let simulation {
                json.key("steps")
                json.array { json in
                    for step in simulation.steps {
                        json.object { json in
                            json.key("action"); json.string(step.action)
                            json.key("error"); json.string(step.error?.rawValue)
                            json.key("object"); json.string(step.object)
                            json.key("object_id"); json.string(step.objectId)
                            json.key("success"); json.bool(step.success)
                        }
                    }
                }
            }
            json.key("tasktype"); json.string(task.taskType)
        }
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

    /// Simulate mode's additions to the summary (see `SimulationTally`).
    static func json(_ simulation: SimulationTally) -> JSONValue {
        .object([
            "count": .int(simulation.count),
            "goal_success_rate": .double(simulation.goalSuccessRate),
            "goal_conditions_met": .int(simulation.conditionsMet),
            "goal_conditions_total": .int(simulation.conditionsTotal),
            "reference_success_goal_failure": .int(simulation.referenceOnly),
            "reference_failure_goal_success": .int(simulation.goalOnly),
            "step_errors": .object(simulation.stepErrors.mapValues(JSONValue.int)),
        ])
    }

    /// The `--summary` document (also `--format json`).
    public static func summary(_ tally: GradeTally, _ totals: MetricTotals? = nil) -> JSONValue {
        let totals = totals ?? tally.totals
        var document = json(totals.all)
        document["tasks"] = .int(tally.graded)
        if let simulation = tally.simulationSummary { document["simulation"] = json(simulation) }
        let byStep = tally.byStep
        document["models"] = .object(Dictionary(uniqueKeysWithValues: totals.models.map { model, groups in
            var block = json(groups)
            block["tasks"] = .int(groups.overall.count)
            block["by_step"] = byStep[model]?.json ?? .object([:])
            return (model, JSONValue.object(block))
        }))
        document["errors"] = .array(tally.issues.map { issue in
            .object(["file": .string(issue.source.file), "line": .int(issue.source.line), "reason": .string(issue.reason)])
        })
        if let coverage = tally.coverage {
            document["coverage"] = .object(Dictionary(coverage.map { ($0.model, $0.json) }, uniquingKeysWith: { first, _ in first }))
        }
        if let provenance = tally.provenance { document["meta"] = provenance.json }
        if !tally.keyActionWarnings.isEmpty {
            document["key_action_warnings"] = .array(tally.keyActionWarnings.map(\.json))
        }
        return .object(document)
    }

    public static func summary(_ report: GradeReport) -> JSONValue { summary(report.tally) }

    // MARK: CSV

    /// One row per (model, group): `model` is `all` for every line together.
    public static func csv(_ tally: GradeTally, _ totals: MetricTotals? = nil) -> String {
        let totals = totals ?? tally.totals
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
    public static func csv(_ report: GradeReport) -> String { csv(report.tally) }

    public static func table(_ report: GradeReport) -> String { table(report.tally) }

    /// The table: one section per model; with several models, figures pooled across them only
    /// when `pooled` is asked for (averaging two models' runs answers no question a comparison
    /// asks: `thor-lite compare` sets them side by side).
    public static func table(_ tally: GradeTally, _ totals: MetricTotals? = nil, pooled: Bool = false) -> String {
        let totals = totals ?? tally.totals
        var out = ""
        let models = totals.models.sorted { $0.key < $1.key }
        if models.count > 1 {
            for (model, groups) in models { section(&out, title: "model \(model)", groups) }
            if pooled { section(&out, title: "all models, pooled", totals.all) }
        } else {
            section(&out, title: models.first.map { "model \($0.key)" } ?? "no graded lines", totals.all)
        }
        if let simulation = tally.simulationSummary {
            out += String(format: "goal-state success %.4f (goal conditions met %d of %d); reference success but goal not reached: %d; goal reached but reference failure: %d\n", simulation.goalSuccessRate, simulation.conditionsMet, simulation.conditionsTotal, simulation.referenceOnly, simulation.goalOnly)
        }
        for coverage in tally.coverage ?? [] { out += coverage.line + "\n" }
        if !tally.issues.isEmpty {
            out += "\n\(tally.issues.count) line\(tally.issues.count == 1 ? "" : "s") not graded (see stderr)\n"
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

/// Parts of per-task lines that repeat from line to line, rendered once per worker: the input's
/// file name (every line of an input) and the metrics object per distinct metrics value (the
/// metrics are ratios of small counts, so a few thousand values cover a file of any length). A
/// recorded line (no simulation) is assembled from them, its identity, line number, model, scene
/// and task type written around them directly: a few copies, two integers and three strings,
/// where the JSON writer's keys, doubles and strings cost about half a microsecond a line. The
/// bytes are those `JSONWriter` writes, so a line is the same whether its parts came from the
/// cache or not (`GradeTallyTests` renders many values through one cache against the JSON value
/// of each line).
struct PerTaskLineCache {
    /// Slots of the direct-mapped metrics table (a power of two): the 1.1 GB benchmark file has
    /// 1,849 distinct metrics values, so few collide.
    static let metricsSlots = 8192
    /// False: nothing is kept (one-off lines, `writePerTask`).
    private let keeping: Bool
    /// The last file name and a recorded line's bytes up to its identity (`{"file": NAME,
    /// "identity": `), the name as a JSON string at `fileJSON` within them.
    private var fileName: String?, fileHead: [UInt8] = [], fileJSON = 0..<0
    private var metrics = RenderedParts(slots: metricsSlots, empty: MetricsBits(TaskMetrics(success: 0, efficiency: 0, completeness: 0, completenessOrdered: 0, keyActionsSuccess: 0, repeatRate: 0, step: 0)))

    /// A metrics value by the bits of its doubles: `TaskMetrics`' own equality holds -0.0 equal
    /// to 0.0, which are written differently.
    private struct MetricsBits: Equatable {
        // Plain words: Swift's SIMD types were compared lane by lane through generic code here.
        var efficiency, completeness, ordered, repeats: UInt64, success, keyActionsSuccess, step: Int

        init(_ m: TaskMetrics) {
            efficiency = m.efficiency.bitPattern
            completeness = m.completeness.bitPattern
            ordered = m.completenessOrdered.bitPattern
            repeats = m.repeatRate.bitPattern
            success = m.success
            keyActionsSuccess = m.keyActionsSuccess
            step = m.step
        }

        /// The slot: a multiplicative hash of the words (a collision only renders again).
        var slot: Int {
            let counts = UInt64(bitPattern: Int64(success &+ keyActionsSuccess &* 31 &+ step &* 1031))
            let hash = (efficiency &* 0x9E37_79B9_7F4A_7C15) ^ (completeness &* 0xC2B2_AE3D_27D4_EB4F)
                ^ (ordered &* 0x1656_67B1_9E37_79F9) ^ (repeats &* 0x27D4_EB2F_1656_67C5) ^ (counts &* 0x9E37_79B9_7F4A_7C15)
            return Int(truncatingIfNeeded: (hash ^ (hash >> 32)) >> 16) & (PerTaskLineCache.metricsSlots - 1)
        }
    }

    init(keeping: Bool = true) { self.keeping = keeping }

    /// Appends `task`'s per-task line and a newline: a recorded line assembled from the parts
    /// kept, a simulated one through `ReportWriters.writePerTaskLine`.
    mutating func writeLine(_ task: GradedTask, into out: inout [UInt8]) {
        guard keeping, task.simulation == nil else {
            ReportWriters.writePerTaskLine(task, into: &out, cache: &self)
            return out.append(UInt8(ascii: "\n"))
        }
        // The keys and separators are those `JSONWriter` writes between the parts, joined with
        // the quotes of the texts around them: each append checks the array's uniqueness and
        // capacity, and 18 appends a line were a third of this function's time.
        useFile(task.source.file)
        fileHead.withUnsafeBufferPointer { out.append(contentsOf: $0) }
        switch task.identity {
        case .int(let value): JSONValue.writeInt(value, into: &out)
        case .string(let value): JSONValue.writeString(value, into: &out)
        }
        Self.append(#", "line": "#, to: &out)
        JSONValue.writeInt(task.source.line, into: &out)
        // `, "metrics": {...}, "model": "`
        let key = MetricsBits(task.metrics)
        metrics.withBytes(key, slot: key.slot, render: { Self.renderMetrics(task.metrics, into: &$0) }) { out.append(contentsOf: $0) }
        JSONValue.writeStringContents(task.model, into: &out)
        if let scene = task.scene {
            Self.append(#"", "scene": ""#, to: &out)
            JSONValue.writeStringContents(scene, into: &out)
            Self.append(#"", "tasktype": ""#, to: &out)
        } else {
            Self.append(#"", "scene": null, "tasktype": ""#, to: &out)
        }
        JSONValue.writeStringContents(task.taskType, into: &out)
        Self.append("\"}\n", to: &out)
    }

    /// The metrics object as kept: with the key before it and the key and quote after it in a
    /// recorded line (`writeMetrics` takes the object alone from between them).
    private static let metricsBefore: StaticString = #", "metrics": "#, metricsAfter: StaticString = #", "model": ""#

    private static func renderMetrics(_ metrics: TaskMetrics, into json: inout JSONWriter) {
        append(metricsBefore, to: &json.bytes)
        ReportWriters.write(metrics, into: &json)
        append(metricsAfter, to: &json.bytes)
    }

    /// Keys and separators from static strings: a constant array's buffer is one object for both
    /// threads, and retaining it per line bounced its count's cache line between the cores (a
    /// quarter of this function's time); a `String`'s `utf8` view is appended through generic code.
    private static func append(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Makes `fileHead` that of the file `name`.
    private mutating func useFile(_ name: String) {
        guard fileName != name else { return }
        var json = JSONWriter(reserving: name.utf8.count + 32)
        json.bytes += #"{"file": "#.utf8
        let start = json.bytes.count
        json.string(name)
        fileJSON = start..<json.bytes.count
        json.bytes += #", "identity": "#.utf8
        fileName = name
        fileHead = json.bytes
    }

    /// Writes the file name as a JSON string value.
    mutating func writeFile(_ name: String, into json: inout JSONWriter) {
        useFile(name)
        fileHead.withUnsafeBufferPointer { json.raw(UnsafeBufferPointer(rebasing: $0[fileJSON])) }
    }

    /// Writes the metrics object as `ReportWriters.write(_:into:)` writes it.
    mutating func writeMetrics(_ value: TaskMetrics, into json: inout JSONWriter) {
        guard keeping else { return ReportWriters.write(value, into: &json) }
        let key = MetricsBits(value)
        metrics.withBytes(key, slot: key.slot, render: { Self.renderMetrics(value, into: &$0) }) { kept in
            json.raw(UnsafeBufferPointer(rebasing: kept.dropFirst(Self.metricsBefore.utf8CodeUnitCount).dropLast(Self.metricsAfter.utf8CodeUnitCount)))
        }
    }
}

/// Bytes rendered for a key, kept direct-mapped by the key's slot, the bytes of those kept lying
/// in one arena started over past `arenaLimit` (memory stays bounded: about 1 MB and the slots).
struct RenderedParts<Key: Equatable> {
    static var arenaLimit: Int { 1 << 20 }
    /// A slot: its key and where its bytes lie in the arena (`count` -1: empty, `key` a
    /// placeholder). A plain struct compared in place: an optional tuple per slot was copied out
    /// of the array for every lookup, through the runtime's generic enum-tag functions.
    private struct Entry {
        var key: Key
        var start: Int32, count: Int32
    }

    private let slotCount: Int, empty: Key
    private var entries: [Entry] = []
    private var arena: [UInt8] = []

    /// `empty` is any key: it fills the empty slots, never compared as a kept key.
    init(slots: Int, empty: Key) {
        slotCount = slots
        self.empty = empty
    }

    /// Calls `body` with the bytes kept for `key` (at `slot`, below the slot count), or those
    /// `render` writes into a fresh writer, then kept.
    mutating func withBytes(_ key: Key, slot: Int, render: (inout JSONWriter) -> Void, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if slot < entries.count, entries[slot].count >= 0, entries[slot].key == key {
            let start = Int(entries[slot].start), end = start + Int(entries[slot].count)
            return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        }
        var value = JSONWriter(reserving: 256)
        render(&value)
        value.bytes.withUnsafeBufferPointer(body)
        // A part longer than the arena is not kept (a metrics object never is).
        guard value.bytes.count <= Self.arenaLimit else { return }
        if entries.isEmpty || arena.count + value.bytes.count > Self.arenaLimit {
            entries = Array(repeating: Entry(key: empty, start: 0, count: -1), count: slotCount)
            arena.removeAll(keepingCapacity: true)
        }
        entries[slot] = Entry(key: key, start: Int32(arena.count), count: Int32(value.bytes.count))
        arena += value.bytes
    }
}
