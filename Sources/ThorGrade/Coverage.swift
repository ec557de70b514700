import ThorJSON
import ThorModel

/// Which of the store's tasks one model's lines cover, as the reference reports evaluated and
/// missing counts: a results file that silently lacks a fifth of the benchmark should not read as
/// a complete evaluation.
public struct Coverage: Sendable, Hashable {
    public var model: String
    /// Distinct store tasks graded for the model.
    public var graded: Int
    /// Tasks in the store.
    public var total: Int
    /// Store tasks with no graded line for the model, in task-file order.
    public var missing: [TaskIdentity]
    /// Graded identities the store does not hold (lines that carried their own task fields).
    public var outsideStore: Int

    public var json: JSONValue {
        .object([
            "graded": .int(graded), "total": .int(total), "missing": .array(missing.map(ReportWriters.json)),
            "not_in_store": .int(outsideStore),
        ])
    }

    /// `model-a: graded 16 of 809 tasks; 793 missing: 17, 18, ... (the first 20)`.
    public var line: String {
        var text = "coverage, model \(model): graded \(graded) of \(total) tasks"
        if missing.isEmpty {
            text += "; none missing"
        } else {
            text += "; \(missing.count) missing: " + missing.prefix(20).map(\.description).joined(separator: ", ")
            if missing.count > 20 { text += ", ..." }
        }
        if outsideStore > 0 { text += "; \(outsideStore) not in the store" }
        return text
    }
}

/// Where a summary came from: enough to tell two summaries apart a year later. Nothing in it
/// changes from run to run of the same command.
public struct GradeProvenance: Sendable {
    public var version: String
    public var mode: String
    public var store: String?
    public var inputs: [String]

    public init(version: String, mode: String, store: String?, inputs: [String]) {
        self.version = version
        self.mode = mode
        self.store = store
        self.inputs = inputs
    }

    public var json: JSONValue {
        .object([
            "thor_lite_version": .string(version), "mode": .string(mode), "store": store.map(JSONValue.string) ?? .null,
            "inputs": .array(inputs.map(JSONValue.string)),
        ])
    }
}
