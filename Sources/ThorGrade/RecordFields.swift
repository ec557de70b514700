import CSimdRecord
import ThorModel

/// The fields of an input line the grader reads, from either reader, before the line's shape
/// (result, plan, responses) is decided by `record()`.
struct RecordFields: Hashable {
    var sawIdentity = false
    var identity: TaskIdentity?
    var result = RecordedResult(identity: .int(0), trajectory: [])
    var trajectory: [TrajectoryEntry]?
    var actions: [String]?
    var responses: [String]?

    init() {}

    /// The fields as simdjson reads them (`CSimdRecord`); nil when it declines the line, which
    /// ThorJSON then reads (it reports bad lines with their field, and reads the rare forms
    /// simdjson leaves to it). Both give the same fields for every line simdjson accepts;
    /// `SimdRecordTests` checks that on the fuzz tests' damaged lines.
    init?(simdjson bytes: UnsafeBufferPointer<UInt8>, readable: Int) {
        guard let line = SimdLine(bytes, readable: readable) else { return nil }
        self.init(line)
    }

    /// The fields of a line simdjson read; nil where ThorJSON must read it again (an over-long
    /// key-action list, which it reports with its count).
    init?(_ line: SimdLine) {
        let raw = line.raw
        func string(_ text: simd_record_text) -> String? { text.bytes == nil ? nil : text.string }
        func list(_ list: simd_record_list) -> [String]? { list.present == 0 ? nil : line.texts(list).map(\.string) }
        switch Int(raw.identity_kind) {
        case Int(SIMD_RECORD_NULL.rawValue): sawIdentity = true
        case Int(SIMD_RECORD_INTEGER.rawValue):
            sawIdentity = true
            identity = .int(Int(raw.identity_integer))
        case Int(SIMD_RECORD_STRING.rawValue):
            sawIdentity = true
            if let text = string(raw.identity_text), !text.isEmpty { identity = .string(text) }
        default: break
        }
        result.keyActions = list(raw.key_actions)
        // ThorJSON reports an over-long list with its count.
        if let count = result.keyActions?.count, count > GradeInputReader.maxKeyActions { return nil }
        result.taskType = string(raw.task_type)
        result.taskName = string(raw.task_name)
        result.model = string(raw.model)
        result.scene = string(raw.scene)
        actions = list(raw.actions)
        responses = list(raw.responses)
        if raw.has_trajectory != 0 {
            let readsLegal = readsLegalObjects
            var entries: [TrajectoryEntry] = []
            entries.reserveCapacity(raw.entry_count)
            for index in 0..<raw.entry_count {
                guard let entry = raw.entries?[index] else { return nil }
                entries.append(TrajectoryEntry(
                    action: string(entry.action) ?? "", object: string(entry.object), success: entry.recordedSuccess,
                    legalObjects: readsLegal ? list(entry.legal_objects) ?? [] : []))
            }
            trajectory = entries
        }
    }

    /// Whether the metric can read the trajectory's legal objects: it reads them only for
    /// single_search tasks, so when the line names another task type they are not kept (both
    /// readers still check their type). Making them was a tenth of the strings of a line.
    var readsLegalObjects: Bool { result.taskType.map { $0.sameCodePoints(as: "single_search") } ?? true }

    /// Drops the legal objects the metric will not read (see `readsLegalObjects`).
    mutating func dropUnreadLegalObjects() {
        guard !readsLegalObjects, let entries = trajectory else { return }
        trajectory = entries.map { TrajectoryEntry(action: $0.action, object: $0.object, success: $0.success) }
    }

    /// The line's record, or why it has none.
    func record() -> Result<GradeRecord, LineProblem> {
        guard sawIdentity, let identity else { return .failure(LineProblem(sawIdentity ? "identity is null" : "no identity field")) }
        if let trajectory {
            guard !trajectory.isEmpty else { return .failure(LineProblem("trajectory is empty")) }
            var result = result
            result.identity = identity
            result.trajectory = trajectory
            return .success(.result(result))
        }
        if let actions { return .success(.plan(identity: identity, actions: actions, model: result.model)) }
        if let responses { return .success(.responses(identity: identity, responses: responses, model: result.model)) }
        return .failure(LineProblem("no trajectory, actions or responses field"))
    }
}

/// A line simdjson accepted (`simd_record_parse`): its fields as spans of the reader's buffers,
/// valid only until the thread's next parse. Recorded mode grades the usual line straight from
/// them (`Grader.gradeRecorded`); every other line becomes `RecordFields`.
struct SimdLine {
    let raw: simd_record

    /// nil when simdjson declines the line (ThorJSON then reads it).
    init?(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int) {
        guard let base = bytes.baseAddress else { return nil }
        var raw = simd_record()
        guard simd_record_parse(base, bytes.count, readable, &raw) == 1 else { return nil }
        self.raw = raw
    }

    /// The strings of a list field (empty when absent). The C++ reader appends a list's strings to
    /// `texts` as it reads them and hands out their start and count, so they lie within it.
    func texts(_ list: simd_record_list) -> UnsafeBufferPointer<simd_record_text> {
        guard list.present != 0, list.count > 0, let texts = raw.texts else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: texts + Int(list.start), count: Int(list.count))
    }

    /// The trajectory's entries, as the metric reads them.
    var entries: Entries {
        Entries(raw: UnsafeBufferPointer(start: raw.entries, count: raw.entries == nil ? 0 : raw.entry_count), line: self)
    }

    struct Entries: RandomAccessCollection {
        let raw: UnsafeBufferPointer<simd_record_entry>
        let line: SimdLine
        var startIndex: Int { 0 }
        var endIndex: Int { raw.count }
        subscript(index: Int) -> Entry { Entry(raw: raw[index], line: line) }
    }

    struct Entry: MetricEntry {
        let raw: simd_record_entry
        let line: SimdLine
        var action: simd_record_text { raw.action }
        var object: simd_record_text? { raw.object.bytes == nil ? nil : raw.object }
        var recordedSuccess: RecordedSuccess { raw.recordedSuccess }
        func containsLegalObject(where test: (simd_record_text) -> Bool) -> Bool { line.texts(raw.legal_objects).contains(where: test) }
    }
}

/// A text of a line simdjson read: UTF-8 (simdjson validates it) in the reader's buffers.
extension simd_record_text: MetricText {
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: UnsafeRawPointer(bytes)?.assumingMemoryBound(to: UInt8.self), count: length))
    }

    var utf8Count: Int { length }
    var string: String { withUTF8Bytes { String(decoding: $0, as: UTF8.self) } }
}

extension simd_record_entry {
    var recordedSuccess: RecordedSuccess {
        switch Int(success) {
        case Int(SIMD_RECORD_ZERO.rawValue): .zero
        case Int(SIMD_RECORD_TRUTHY.rawValue): .truthy
        default: .falsyNonZero
        }
    }
}
