/// Why an import was refused: which file, which field, why. Nothing is written when one is thrown.
public struct ImportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// JSON path inside the file, e.g. `[0].objects[12].parentReceptacles[0]`; empty for whole-file problems.
    public var field: String
    public var reason: String

    public init(file: String, field: String = "", reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "\(file): \(reason)" : "\(file): \(field): \(reason)"
    }
}

/// Something odd but importable (e.g. a containment link listed on one side only).
public struct ImportWarning: CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var field: String
    public var message: String

    public var description: String { field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }
}
