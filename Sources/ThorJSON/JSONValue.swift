/// A JSON document to write. Object keys are written sorted and doubles in their shortest
/// round-trip form, so the same value always gives the same bytes (and the same text Python's
/// `json.dumps(..., sort_keys=True)` gives for these numbers).
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Compact, one line.
    public var compact: String {
        var out: [UInt8] = []
        write(into: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented by two spaces.
    public var pretty: String {
        var out: [UInt8] = []
        write(into: &out, indent: "  ", level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 text to a byte buffer (the fast path for many lines).
    public func write(into out: inout [UInt8], indent: String?, level: Int) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .int(let value): Self.writeInt(value, into: &out)
        case .double(let value): Self.writeDouble(value, into: &out)
        case .string(let value): Self.writeString(value, into: &out)
        case .array(let values):
            if values.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out += (indent == nil ? ", " : ",").utf8 }
                Self.newline(&out, indent, level + 1)
                value.write(into: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += (indent == nil ? ", " : ",").utf8 }
                Self.newline(&out, indent, level + 1)
                Self.writeString(member.key, into: &out)
                out += ": ".utf8
                member.value.write(into: &out, indent: indent, level: level + 1)
            }
            Self.newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `JSONValue.array(values.map(JSONValue.string)).compact`, without building the values (for
    /// hot paths such as the importer's id lists).
    public static func compactStringArray(_ values: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, value) in values.enumerated() {
            if index > 0 { out += ", ".utf8 }
            writeString(value, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    static func newline(_ out: inout [UInt8], _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<level { out += indent.utf8 }
    }

    public static func writeInt(_ value: Int, into out: inout [UInt8]) {
        // Digits from the last into a buffer on the stack, then appended in one piece (no String):
        // counts and steps are written per reply, line numbers per per-task line. Reversing the
        // digits in `out` (`out[start...].reverse()`) copied the slice to a new array each time.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            // An Int's magnitude has at most 19 digits (2^63); the sign is appended before them.
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at...]))
        }
    }

    /// The shortest text that reads back as the same double.
    public static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        // JSON has no NaN or infinity; the metrics never produce them, but never write invalid JSON.
        // A double's text fits in a small string (15 bytes) in the common case: nothing is allocated.
        guard value.isFinite else { return out += "null".utf8 }
        var text = value.description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    public static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        writeStringContents(value, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A string's text as `writeString` writes it between its quotes (escaped), for writers that
    /// append the quotes with the text around them.
    public static func writeStringContents(_ value: String, into out: inout [UInt8]) {
        // Most strings need no escape: copied in one piece (type names, ids, feedback text).
        let copied = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true { return }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case UInt8(ascii: "\n"): out += "\\n".utf8
            case UInt8(ascii: "\r"): out += "\\r".utf8
            case UInt8(ascii: "\t"): out += "\\t".utf8
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
            default: out.append(byte)
            }
        }
    }
}
