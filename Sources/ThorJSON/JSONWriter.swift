/// Writes JSON straight into a byte buffer, member by member, in the same dialect as
/// `JSONValue.compact` (`", "` and `": "` separators, the same string escaping and number forms):
/// for replies on a hot path (`thor-lite serve` renders thousands a second), where building a
/// `JSONValue` tree and sorting its keys would cost more than the step it reports.
///
/// The caller writes object keys in sorted order, so the bytes equal what `JSONValue` would give
/// for the same document (a test pins this):
///
/// ```swift
/// var json = JSONWriter()
/// json.object {
///     $0.key("ok"); $0.bool(true)
///     $0.key("reward"); $0.double(0.25)
/// }
/// // json.bytes == Array(#"{"ok": true, "reward": 0.25}"#.utf8)
/// ```
public struct JSONWriter {
    public var bytes: [UInt8]
    /// Whether the next value or key follows another in the same container (needs a comma).
    var needsComma = false

    public init(reserving capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer and keeps its storage, for the next document.
    public mutating func clear() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    /// Ends a top-level document with a newline (JSON lines); the next document starts fresh.
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    // Bytes are appended one by one or from buffers: appending a String's `utf8` view takes a
    // generic path that cost a third of the writer's time in `serve`'s profile.
    @inline(__always)
    mutating func separate() {
        if needsComma {
            bytes.append(UInt8(ascii: ","))
            bytes.append(UInt8(ascii: " "))
        }
        needsComma = true
    }

    // MARK: containers

    public mutating func object(_ body: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    public mutating func array(_ body: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    @inline(__always)
    mutating func container(_ open: UInt8, _ close: UInt8, _ body: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        bytes.append(open)
        needsComma = false
        try body(&self)
        bytes.append(close)
        needsComma = true
    }

    /// An array whose elements were written in parts by other writers (one per thread, in
    /// order): each part is their `bytes`, values separated as this writer separates them.
    public mutating func array(joining parts: [[UInt8]]) {
        separate()
        bytes.append(UInt8(ascii: "["))
        var first = true
        for part in parts where !part.isEmpty {
            if !first {
                bytes.append(UInt8(ascii: ","))
                bytes.append(UInt8(ascii: " "))
            }
            bytes.append(contentsOf: part)
            first = false
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member's key; the next call writes its value. The separator, the quoted name and `": `
    /// are assembled on the stack and appended in one piece: appending them byte by byte (a
    /// uniqueness and capacity check each) was a twentieth of a serve reply's rendering.
    public mutating func key(_ name: StaticString) {
        let comma = needsComma
        name.withUTF8Buffer { name in
            let count = (comma ? 2 : 0) + name.count + 4
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { piece in
                var at = 0
                if comma {
                    piece[0] = UInt8(ascii: ",")
                    piece[1] = UInt8(ascii: " ")
                    at = 2
                }
                piece[at] = UInt8(ascii: "\"")
                // `count` leaves room for the name and the four bytes around it.
                _ = UnsafeMutableBufferPointer(rebasing: piece[(at + 1)...]).initialize(from: name)
                at += 1 + name.count
                piece[at] = UInt8(ascii: "\"")
                piece[at + 1] = UInt8(ascii: ":")
                piece[at + 2] = UInt8(ascii: " ")
                bytes.append(contentsOf: UnsafeBufferPointer(piece))
            }
        }
        needsComma = false
    }

    // MARK: values

    public mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullBytes)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    static let nullBytes = Array("null".utf8)
    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)

    public mutating func int(_ value: Int) {
        separate()
        JSONValue.writeInt(value, into: &bytes)
    }

    public mutating func double(_ value: Double) {
        separate()
        JSONValue.writeDouble(value, into: &bytes)
    }

    public mutating func string(_ value: String) {
        separate()
        JSONValue.writeString(value, into: &bytes)
    }

    /// The string, or `null` for nil.
    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        string(value)
    }

    public mutating func strings(_ values: [String]) {
        array { json in for value in values { json.string(value) } }
    }

    /// A whole `JSONValue` (for the rare, larger parts of a document).
    public mutating func value(_ value: JSONValue) {
        separate()
        value.write(into: &bytes, indent: nil, level: 0)
    }

    /// Text that is already one valid JSON value, copied verbatim (a request's `id` echoed back
    /// exactly as the client wrote it).
    public mutating func raw(_ json: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes += json
    }

    /// Members of an object written earlier by another writer (its `bytes`, key-sorted among
    /// the members around them), copied verbatim: parts of a reply that repeat unchanged.
    public mutating func members(_ written: [UInt8]) {
        guard !written.isEmpty else { return }
        separate()
        bytes += written
    }
}
