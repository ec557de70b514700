import CSimdRecord
import Foundation
import ThorModel
import ThorSim

/// How `grade` turns a line into a trajectory.
public enum GradeMode: String, Sendable, CaseIterable {
    /// Trust the recorded `success` and `legal_objects`: the reference metric, exactly.
    case recorded
    /// Re-execute the actions in the symbolic simulator.
    case simulate
    /// Execute the actions on real AI2-THOR through the bridge (`ThorLive.LiveGrader`), with the
    /// simulator as a shadow; `Grader` itself does not run it.
    case live
}

/// Grades parsed lines: looks up what a line omits, computes the reference metrics, and collects
/// the lines it cannot grade with their reasons.
public struct Grader {
    public var mode: GradeMode
    /// The store's tasks, asked only for lines that omit tasktype, taskname or key_actions.
    /// Called from several threads at once.
    public var lookup: @Sendable (TaskIdentity) throws -> BenchmarkTask? { didSet { episodes = EpisodeStarts() } }

    /// Scenes for simulate mode.
    public var worlds: WorldSource? { didSet { episodes = EpisodeStarts() } }

    /// Simulate mode's task and starting world per identity, shared by the copies of this grader
    /// on the worker threads (emptied when `lookup` or `worlds` changes).
    private(set) var episodes = EpisodeStarts()

    public init(mode: GradeMode, lookup: @escaping @Sendable (TaskIdentity) throws -> BenchmarkTask?, worlds: WorldSource? = nil) {
        self.mode = mode
        self.lookup = lookup
        self.worlds = worlds
    }

    /// Grades parsed lines; the report keeps input order.
    public func grade(_ lines: [(LineSource, Result<GradeRecord, GradeIssue>)]) -> GradeReport {
        GradeReport(outcomes: lines.map { grade($1, source: $0) })
    }

    /// Reads and grades one input file on all cores, line by line, without keeping trajectories.
    public func grade(_ data: Data, file: String, wholeFile: Bool = false) -> GradeReport {
        var report = GradeReport()
        grade(GradeInput(source: .memory(data), name: file, isWholeDocument: wholeFile)) { report.add($0) }
        return report
    }

    /// Reads and grades one input in bounded chunks on all cores; `consume` receives each line's
    /// outcome in input order, then a problem with the input as a whole (cannot open, read error)
    /// if there was one. Memory does not grow with the input (see `GradeInputStream`).
    public func grade(_ input: GradeInput, chunkSize: Int = GradeInputReader.defaultChunkSize, consume: (Result<GradedTask, GradeIssue>) -> Void) {
        stream(input, chunkSize: chunkSize, renderingPerTask: false, reduce: { $1 }, consume: consume, perTask: { _ in })
    }

    /// As `grade(_:chunkSize:consume:)` for a consumer that only tallies (`grade`'s): each graded
    /// line is reduced to a `GradedLine` on the worker thread that graded it, and when
    /// `renderingPerTask` is set its `--per-task` line (newline-terminated, with its absolute line
    /// number) is rendered there too, so rendering runs on all cores rather than in the one
    /// consumer that passes lines on in order. `perTask` receives the per-task lines of several
    /// input lines at a time (a chunk's, valid during the call), in input order, after `consume`
    /// received those lines' outcomes. The line's steps are freed on the thread that allocated
    /// them: passed on whole, each `GradedTask` was copied twice and freed by the passing thread,
    /// in the other thread's allocator arena, under its lock.
    public func grade(
        _ input: GradeInput, chunkSize: Int = GradeInputReader.defaultChunkSize, renderingPerTask: Bool,
        tallying consume: (Result<GradedLine, GradeIssue>) -> Void, perTask: (UnsafeBufferPointer<UInt8>) -> Void = { _ in }
    ) {
        stream(input, chunkSize: chunkSize, renderingPerTask: renderingPerTask, reduce: { GradedLine($1) }, consume: consume, perTask: perTask)
    }

    /// As `grade(_:chunkSize:renderingPerTask:tallying:perTask:)` with the consumer `grade` uses:
    /// each graded line is checked by `warnings` and added to `tally`, each other line's issue
    /// appended to `tally.issues`, in input order. Same reports, less moved per line: a line
    /// whose identity, model and task type its worker handed on before (nearly every line of a
    /// results file) travels from the worker to the consumer as its metrics and a small number
    /// (`TallyItem.repeated`), not as a `GradedLine` with its strings (about 200 bytes, copied
    /// through the reorder buffer and three generic closures, with their reference counts).
    public func grade(
        _ input: GradeInput, chunkSize: Int = GradeInputReader.defaultChunkSize, renderingPerTask: Bool,
        into tally: inout GradeTally, warnings: inout KeyActionWarnings, perTask: (UnsafeBufferPointer<UInt8>) -> Void = { _ in }
    ) {
        guard mode == .recorded else {
            // Every simulated line carries its simulation, so none is `.repeated`: each would only
            // be boxed (`TallyItem.line`) on its way.
            return grade(input, chunkSize: chunkSize, renderingPerTask: renderingPerTask, tallying: { outcome in
                switch outcome {
                case .success(let line):
                    warnings.check(line)
                    tally.add(line.tally, repeatsIdentity: line.repeatsIdentity)
                case .failure(let issue): tally.issues.append(issue)
                }
            }, perTask: perTask)
        }
        // Per worker, the slots of its pair numbers, registered by the full line that first
        // carried each pair (`GradeWorker.tallyItem`): a worker's lines arrive in its own order.
        var slots: [[GradeTally.Slots?]] = []
        stream(input, chunkSize: chunkSize, consume: { (outcome: Result<TallyItem, GradeIssue>) in
            switch outcome {
            case .success(.repeated(let worker, let pair, let metrics)):
                // Registered: a worker makes a line `.repeated` only after a `.line` of its pair
                // (`GradeWorker.tallyItem`), and its lines arrive in its own order.
                guard worker < slots.count, pair < slots[worker].count, let known = slots[worker][pair] else {
                    return tally.issues.append(GradeIssue(file: input.name, reason: "internal error: a graded line's model and task type were not passed on"))
                }
                tally.addRepeated(metrics, at: known)
            case .success(.line(let worker, let line, let pair)):
                warnings.check(line)
                let added = tally.addSlots(line.tally, repeatsIdentity: line.repeatsIdentity)
                if let pair {
                    while slots.count <= worker { slots.append([]) }
                    while slots[worker].count <= pair { slots[worker].append(nil) }
                    slots[worker][pair] = added
                }
            case .failure(let issue): tally.issues.append(issue)
            }
        }, perTask: perTask) { grader, worker, output, line, readable, source in
            if !renderingPerTask { return grader.tallyItem(line: line, readable: readable, source: source, worker: &worker) }
            return grader.grade(line: line, readable: readable, source: source, worker: &worker).map { task in
                worker.perTask.writeLine(task, into: &output)
                return worker.tallyItem(task)
            }
        }
    }

    /// Grades `input` on all cores; `reduce` turns each graded line into what `consume` receives
    /// (on the worker thread that graded it, which renders its per-task line into its chunk's
    /// output when `renderingPerTask` is set), in input order.
    private func stream<Line: Sendable>(
        _ input: GradeInput, chunkSize: Int, renderingPerTask: Bool, reduce: @escaping @Sendable (inout GradeWorker, GradedTask) -> Line,
        consume: (Result<Line, GradeIssue>) -> Void, perTask: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        stream(input, chunkSize: chunkSize, consume: consume, perTask: perTask) { grader, worker, output, line, readable, source in
            grader.grade(line: line, readable: readable, source: source, worker: &worker).map { task in
                if renderingPerTask { worker.perTask.writeLine(task, into: &output) }
                return reduce(&worker, task)
            }
        }
    }

    /// Reads `input` on all cores and passes each line's `transform` (on the worker thread that
    /// read it, with the worker's state and its chunk's output) to `consume`, in input order.
    private func stream<Line: Sendable>(
        _ input: GradeInput, chunkSize: Int, consume: (Result<Line, GradeIssue>) -> Void, perTask: (UnsafeBufferPointer<UInt8>) -> Void,
        transform: @escaping @Sendable (Grader, inout GradeWorker, inout [UInt8], UnsafeBufferPointer<UInt8>, Int, LineSource) -> Result<Line, GradeIssue>
    ) {
        let grader = UncheckedSendable(self)
        // Each worker holds a copy of the grader: read through the shared one, every line copied
        // it (its lookup closure, worlds and episodes, three reference counts shared by the
        // threads).
        let failure = GradeInputStream.forEachLine(of: input, chunkSize: chunkSize, worker: { (grader: grader.value, state: GradeWorker(number: $0)) }, transform: { worker, output, line, readable, source in
            transform(worker.grader, &worker.state, &output, line, readable, source)
        }, consume: consume, output: perTask)
        if let failure { consume(.failure(failure)) }
    }

    /// Reads and grades one line (`readable` bytes from its start may be read, see
    /// `GradeInputStream.forEachLineSpan`) on a worker thread.
    /// Marks whether the worker graded a line of the same identity and model before
    /// (`GradedTask.repeatsIdentity`).
    func grade(line bytes: UnsafeBufferPointer<UInt8>, readable: Int, source: LineSource, worker: inout GradeWorker) -> Result<GradedTask, GradeIssue> {
        let simd = simdLine(bytes, readable: readable)
        if let simd, let task = gradeRecorded(simd, source: source, worker: &worker) { return .success(task) }
        return gradeGenerally(bytes, readable: readable, simd: simd, source: source, worker: &worker)
    }

    /// `grade(line:readable:source:worker:)` as the tallying consumer receives it: a recorded
    /// line whose identity and model its worker graded before, of a pair it handed on whole
    /// before, is `TallyItem.repeated`, graded to its metrics only (no `String` is made of its
    /// model, task type or scene, and no `GradedTask`).
    func tallyItem(line bytes: UnsafeBufferPointer<UInt8>, readable: Int, source: LineSource, worker: inout GradeWorker) -> Result<TallyItem, GradeIssue> {
        let simd = simdLine(bytes, readable: readable)
        if let simd, let graded = recordedMetrics(simd, worker: &worker) {
            if let item = worker.repeatedItem(pair: graded.pair, repeatsIdentity: !graded.first, metrics: graded.metrics) { return .success(item) }
            return .success(worker.tallyItem(recordedTask(simd, graded, source: source)))
        }
        return gradeGenerally(bytes, readable: readable, simd: simd, source: source, worker: &worker).map { worker.tallyItem($0) }
    }

    /// The line as simdjson read it, in recorded mode (nil in other modes, when ThorJSON reads
    /// every line, and for a line simdjson declines).
    private func simdLine(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int) -> SimdLine? {
        mode == .recorded && GradeInputReader.usesSimdjson ? SimdLine(bytes, readable: readable) : nil
    }

    /// A line the recorded way declined (or any line in another mode): read by `RecordFields`
    /// from simdjson's fields when it read the line, by ThorJSON otherwise.
    private func gradeGenerally(
        _ bytes: UnsafeBufferPointer<UInt8>, readable: Int, simd: SimdLine?, source: LineSource, worker: inout GradeWorker
    ) -> Result<GradedTask, GradeIssue> {
        let parsed = simd.map { GradeInputReader.parseRecord($0, bytes: bytes).mapError { GradeIssue(source: source, reason: $0.reason) } }
            ?? GradeInputStream.parse(bytes, readable: readable, source: source)
        return grade(parsed, source: source, worker: &worker).map { task in
            var task = task
            task.repeatsIdentity = !worker.firstLine(of: task.identity, model: task.model)
            return task
        }
    }

    /// Recorded mode's usual line, a result line that carries its identity, task type, task name,
    /// key actions and a non-empty trajectory, graded straight from the simdjson reader's buffers:
    /// no `String` is made of its trajectory, nor of its key actions after the first line of its
    /// identity on this worker (see `GradeWorker`), and the metric allocates nothing. Its outcome
    /// is the one the general way gives (`SimdRecordTests` holds it to that); nil for every other
    /// line, which goes the general way (`RecordFields`, `grade(_:source:)`) and gets its value or
    /// its error there.
    func gradeRecorded(_ line: SimdLine, source: LineSource, worker: inout GradeWorker) -> GradedTask? {
        recordedMetrics(line, worker: &worker).map { recordedTask(line, $0, source: source) }
    }

    /// What `gradeRecorded` finds before it makes any `String` of the line.
    struct RecordedGrade {
        var identity: TaskIdentity
        var metrics: TaskMetrics
        /// The first line of its identity and model on this worker (`GradeWorker.firstLine`).
        var first: Bool
        /// `GradeWorker.pair`'s number for the line's model and task type.
        var pair: Int?
    }

    /// `gradeRecorded` up to the metrics, the worker's memory of the identity and model, and the
    /// pair number: nil for a line the general way must read.
    func recordedMetrics(_ line: SimdLine, worker: inout GradeWorker) -> RecordedGrade? {
        let raw = line.raw
        let identity: TaskIdentity
        switch Int(raw.identity_kind) {
        case Int(SIMD_RECORD_INTEGER.rawValue): identity = .int(Int(raw.identity_integer))
        case Int(SIMD_RECORD_STRING.rawValue) where raw.identity_text.bytes != nil && raw.identity_text.length > 0:
            identity = .string(raw.identity_text.string)
        default: return nil
        }
        guard raw.has_trajectory != 0, raw.entries != nil, raw.entry_count > 0, raw.task_type.bytes != nil, raw.task_name.bytes != nil,
              raw.key_actions.present != 0, raw.key_actions.count <= GradeInputReader.maxKeyActions else { return nil }
        let keys = line.texts(raw.key_actions)
        // The scored key actions, on the stack (a trivial C struct: assigned, not initialised).
        let metrics = withUnsafeTemporaryAllocation(of: simd_record_text.self, capacity: keys.count) { scored -> TaskMetrics? in
            var count = 0
            for key in keys where ReferenceMetric.isScored(key) {
                scored[count] = key
                count += 1
            }
            guard count > 0 else { return nil }  // the general way reports it
            return ReferenceMetric.evaluate(
                line.entries, taskType: raw.task_type, taskName: raw.task_name, keyActions: keys,
                scored: UnsafeBufferPointer(rebasing: scored[..<count]))
        }
        guard let metrics else { return nil }
        // The model numbered by its bytes when it is one of the worker's first few (no `String`
        // made of it), by its `String` otherwise.
        let number = raw.model.bytes == nil ? worker.knownModel("unknown") : worker.knownModel(raw.model)
        if let number {
            return RecordedGrade(
                identity: identity, metrics: metrics, first: worker.firstLine(of: identity, modelNumber: number),
                pair: worker.pair(modelNumber: number, taskType: raw.task_type))
        }
        let model = Self.model(line)
        let first = worker.firstLine(of: identity, model: model)
        return RecordedGrade(
            identity: identity, metrics: metrics, first: first,
            pair: worker.knownModel(model).flatMap { worker.pair(modelNumber: $0, taskType: raw.task_type) })
    }

    /// The line's model, "unknown" when absent or null.
    static func model(_ line: SimdLine) -> String { line.raw.model.bytes == nil ? "unknown" : line.raw.model.string }

    /// The graded line of `recordedMetrics`' outcome.
    func recordedTask(_ line: SimdLine, _ graded: RecordedGrade, source: LineSource) -> GradedTask {
        let raw = line.raw
        var task = GradedTask(
            source: source, identity: graded.identity, model: Self.model(line),
            taskType: raw.task_type.string, scene: raw.scene.bytes == nil ? nil : raw.scene.string,
            metrics: graded.metrics, lineKeyActions: graded.first ? line.texts(raw.key_actions).map(\.string) : nil)
        task.repeatsIdentity = !graded.first
        task.tallyPair = graded.pair
        return task
    }

    func grade(_ parsed: Result<GradeRecord, GradeIssue>, source: LineSource) -> Result<GradedTask, GradeIssue> {
        var worker = GradeWorker()
        return grade(parsed, source: source, worker: &worker)
    }

    /// `grade(_:source:)` on a worker thread, which remembers simulate mode's episode starts.
    func grade(_ parsed: Result<GradeRecord, GradeIssue>, source: LineSource, worker: inout GradeWorker) -> Result<GradedTask, GradeIssue> {
        parsed.flatMap { record in
            do {
                return .success(try grade(record, source: source, worker: &worker))
            } catch let issue as GradeIssue {
                return .failure(issue)
            } catch {
                return .failure(GradeIssue(source: source, reason: "\(error)"))
            }
        }
    }

    func grade(_ record: GradeRecord, source: LineSource, worker: inout GradeWorker) throws -> GradedTask {
        switch (record, mode) {
        case (.result(let result), .recorded):
            let (reference, scene) = try resolve(result, source: source)
            guard reference.keyActions.contains(where: ReferenceMetric.isScored) else {
                throw GradeIssue(source: source, reason: "key_actions has no scored action (the reference always ends them with \"end\")")
            }
            return GradedTask(
                source: source, identity: result.identity, model: result.model ?? "unknown",
                taskType: reference.taskType, scene: scene,
                metrics: try ReferenceMetric.evaluate(result.trajectory, task: reference), lineKeyActions: result.keyActions)
        case (.plan, .recorded), (.responses, .recorded):
            throw GradeIssue(source: source, reason: "plan and response lines have no recorded trajectory: grade them with --mode simulate")
        case (_, .live):
            throw GradeIssue(source: source, reason: "live mode runs tasks one at a time on AI2-THOR: use thor-lite grade --mode live")
        case (_, .simulate):
            guard let worlds else { throw GradeIssue(source: source, reason: "simulate mode needs a store with the task's scene") }
            let start = try worker.episodeStart(of: record.identity) {
                try episodes.start(of: record.identity) {
                    guard let task = try lookup(record.identity) else {
                        throw GradeIssue(source: source, reason: "task \(record.identity) is not in the store (simulate mode needs its scene)")
                    }
                    return EpisodeStart(task: task, world: try worlds.world(for: task))
                }
            }
            let (metrics, details) = try simulate(record, from: start)
            var model: String?
            switch record {
            case .result(let result): model = result.model
            case .plan(_, _, let m), .responses(_, _, let m): model = m
            }
            return GradedTask(
                source: source, identity: record.identity, model: model ?? "unknown", taskType: start.reference.taskType,
                scene: start.scene, metrics: metrics, simulation: details)
        }
    }

    /// The line's own tasktype/taskname/key_actions where present, the store's otherwise.
    func resolve(_ result: RecordedResult, source: LineSource) throws -> (TaskReference, String?) {
        if let taskType = result.taskType, let taskName = result.taskName, let keys = result.keyActions {
            return (TaskReference(taskType: taskType, taskName: taskName, keyActions: keys), result.scene)
        }
        guard let task = try lookup(result.identity) else {
            throw GradeIssue(source: source, reason: "task \(result.identity) is not in the store and the line does not carry tasktype, taskname and key_actions")
        }
        return (TaskReference(
            taskType: result.taskType ?? task.taskType, taskName: result.taskName ?? task.taskName,
            keyActions: result.keyActions ?? task.keyActionTexts), result.scene ?? task.scene)
    }
}

/// What a grading worker hands the tallying consumer for one graded line
/// (`Grader.grade(_:chunkSize:renderingPerTask:into:warnings:perTask:)`), with the worker's number.
enum TallyItem: Sendable {
    /// A line whose identity and model this worker graded before (`GradedLine.repeatsIdentity`),
    /// of a model and task type it handed on as a `.line` with the same `pair` before: the
    /// consumer adds its metrics at that line's slots. Plain values, nothing counted.
    case repeated(worker: Int, pair: Int, metrics: TaskMetrics)
    /// Any other line; the consumer keeps its slots for the worker's later `.repeated` lines of
    /// `pair`. Boxed: few lines take this case, and the enum stays the size of the other.
    indirect case line(worker: Int, GradedLine, pair: Int?)
}

/// What a grading worker thread keeps from line to line.
struct GradeWorker {
    /// This worker's number among the stream's workers (`TallyItem`).
    var number = 0

    init(number: Int = 0) { self.number = number }

    // The identities and models of lines this worker graded. A worker takes chunks in input
    // order, so a later line of one of them comes after a line of the same identity and model in
    // the input too: coverage (per model) and the key-action warnings (per identity, on its first
    // graded line) have it already, so the consumer skips both for it (`GradedLine.repeatsIdentity`),
    // and the later line's `lineKeyActions` (five strings, most too long for a small string) is
    // not made. Whole-number identities (the reference's) are remembered direct-mapped by value
    // and model, without hashing; others in a set, forgotten past `maxRemembered`. Forgetting only
    // takes a line for a first one again (the consumer then checks it), so memory stays bounded.
    // Made on the first line (a run directory's result.json files are one input each, with
    // workers of their own).
    private var numbers: [(value: Int, model: Int)] = []  // value Int.min: none (|identity| < 9e18)
    private var texts: Set<TextKey> = []
    /// The models seen, numbered in order: the first eight by position.
    private var firstModels: [String] = []
    /// `firstModels`' UTF-8 bytes (`knownModel`).
    private var firstModelBytes: [[UInt8]] = []
    private var moreModels: [String: Int] = [:]
    static let numberSlots = 4096, maxRemembered = 1 << 16

    private struct TextKey: Hashable {
        var identity: String, model: Int
    }

    // Pairs of a model and task type this worker numbered (`pair(modelNumber:taskType:)`): a pair's
    // number is the model's number times `maxTypes` plus the type's, so nothing is looked up
    // twice. The task types by their bytes, in the order first seen; whether each pair was handed
    // on as a full line yet (`tallyItem`).
    private var taskTypes: [[UInt8]] = []
    private var handedOn: [Bool] = []
    static let maxModels = 8, maxTypes = 32

    /// The number of the pair of the model numbered `modelNumber` and `taskType`; nil past the
    /// first `maxModels` models and `maxTypes` task types (their lines go to the consumer whole).
    mutating func pair(modelNumber: Int, taskType: some MetricText) -> Int? {
        guard modelNumber < Self.maxModels else { return nil }
        let type = taskType.withUTF8Bytes { bytes -> Int? in
            if let known = taskTypes.firstIndex(where: { $0.withUnsafeBufferPointer { $0.sameBytes(as: bytes) } }) { return known }
            guard taskTypes.count < Self.maxTypes else { return nil }
            taskTypes.append(Array(bytes))
            return taskTypes.count - 1
        }
        return type.map { modelNumber * Self.maxTypes + $0 }
    }

    /// `.repeated` for a line of `pair` whose identity and model this worker graded before, once a
    /// line of the pair went to the consumer whole (`tallyItem`): the consumer needs nothing but
    /// its metrics. Nil for any other line.
    func repeatedItem(pair: Int?, repeatsIdentity: Bool, metrics: TaskMetrics) -> TallyItem? {
        guard repeatsIdentity, let pair, pair < handedOn.count, handedOn[pair] else { return nil }
        return .repeated(worker: number, pair: pair, metrics: metrics)
    }

    /// `task` as the tallying consumer receives it: `repeatedItem`, else the whole line (which
    /// registers its pair with the consumer).
    mutating func tallyItem(_ task: GradedTask) -> TallyItem {
        guard let pair = task.tallyPair, task.simulation == nil else { return .line(worker: number, GradedLine(task), pair: nil) }
        if let item = repeatedItem(pair: pair, repeatsIdentity: task.repeatsIdentity, metrics: task.metrics) { return item }
        if handedOn.isEmpty { handedOn = Array(repeating: false, count: Self.maxModels * Self.maxTypes) }
        handedOn[pair] = true
        return .line(worker: number, GradedLine(task), pair: pair)
    }

    /// Whether this is the first line of `identity` and `model` this worker grades (as far as it
    /// remembers); true marks it graded.
    mutating func firstLine(of identity: TaskIdentity, model: String) -> Bool {
        firstLine(of: identity, modelNumber: number(of: model))
    }

    /// `firstLine(of:model:)` for the model this worker numbered `model`.
    mutating func firstLine(of identity: TaskIdentity, modelNumber model: Int) -> Bool {
        switch identity {
        case .int(let value):
            if numbers.isEmpty { numbers = Array(repeating: (Int.min, 0), count: Self.numberSlots) }
            // A model's identities 1...n fill a run of slots of their own (1031 apart, a prime).
            let slot = (value &+ model &* 1031) & (Self.numberSlots - 1)
            if numbers[slot] == (value, model) { return false }
            numbers[slot] = (value, model)
            return true
        case .string(let text):
            if texts.count >= Self.maxRemembered { texts.removeAll(keepingCapacity: true) }
            return texts.insert(TextKey(identity: text, model: model)).inserted
        }
    }

    /// The number of a model among the first few this worker numbered, found by its bytes
    /// (without making a `String` of them); nil for any other.
    func knownModel(_ model: some MetricText) -> Int? {
        model.withUTF8Bytes { bytes in firstModelBytes.firstIndex { $0.withUnsafeBufferPointer { $0.sameBytes(as: bytes) } } }
    }

    /// The model's number on this worker. A file holds a few models, so the first few are
    /// compared in turn (two small strings compare as two words), the rest looked up.
    private mutating func number(of model: String) -> Int {
        if let known = firstModels.firstIndex(of: model) { return known }
        if let known = moreModels[model] { return known }
        if firstModels.count + moreModels.count >= Self.maxRemembered {
            // Numbers start over: so must what they identify.
            firstModels.removeAll(keepingCapacity: true)
            firstModelBytes.removeAll(keepingCapacity: true)
            moreModels.removeAll(keepingCapacity: true)
            numbers.removeAll(keepingCapacity: true)
            texts.removeAll(keepingCapacity: true)
            // Pair numbers name models by number: the consumer's slots must be registered again.
            handedOn.removeAll(keepingCapacity: true)
        }
        let number = firstModels.count + moreModels.count
        if firstModels.count < 8 {
            firstModels.append(model)
            firstModelBytes.append(Array(model.utf8))
        } else {
            moreModels[model] = number
        }
        return number
    }

    /// Parts of this worker's per-task lines rendered for earlier lines.
    var perTask = PerTaskLineCache()

    // Simulate mode's episode starts of whole-number identities, direct-mapped by value: the
    // shared `EpisodeStarts` hands out the same ones under a lock and a hash per line. A slot
    // keeps what the shared one returned for its identity, so nothing but the cost changes;
    // a failed lookup throws and is not kept (every line naming it reports it).
    private var starts: [(identity: Int, start: EpisodeStart)?] = []

    /// The episode start of `identity`: remembered, else `shared()`'s (kept for the next line).
    mutating func episodeStart(of identity: TaskIdentity, shared: () throws -> EpisodeStart) throws -> EpisodeStart {
        guard case .int(let value) = identity else { return try shared() }
        if starts.isEmpty { starts = Array(repeating: nil, count: Self.numberSlots) }
        let slot = value & (Self.numberSlots - 1)
        if let known = starts[slot], known.identity == value { return known.start }
        let made = try shared()
        starts[slot] = (value, made)
        return made
    }
}
