import Foundation

/// A forward-only JSON reader over UTF-8 bytes for bulk inputs (the 120 metadata dumps, results
/// files with 100k trajectories). It reads only the fields a caller asks for and skips the rest
/// without building values, which is several times faster than JSONDecoder. Numbers go through `strtod`, so
/// doubles are exact. Errors carry the byte offset; `JSONPathError` adds the field path on the way
/// out.
///
/// It accepts exactly RFC 8259 and cannot be crashed by its input: nesting is bounded
/// (`maxDepth`, an error beyond), skipping is iterative (no stack frame per level), numbers follow
/// the grammar strictly (no leading zeros, `1.`, `.5`, `+1`, NaN or Infinity; out-of-range values are
/// an error), strings reject control characters, invalid escapes and unpaired surrogates, and
/// truncation anywhere is an error. Invalid UTF-8 inside strings is not an error: it decodes to
/// U+FFFD, as Swift's `String(decoding:)` does (RFC 8259 leaves it to the implementation).
public struct JSONCursor {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var offset = 0
    /// Arrays and objects open around the cursor.
    public private(set) var depth = 0

    /// The deepest nesting accepted. Real inputs nest 6 levels; 512 is what common parsers allow
    /// (serde_json 128, Python 1000 by its recursion limit) and keeps a recursive caller's stack small.
    public static let maxDepth = 512
    /// The longest number text `readDouble` converts: any double needs fewer than 30 characters;
    /// the bound keeps `strtod` linear on hostile input (RFC 8259 §9 allows such limits).
    public static let maxNumberLength = 1000

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Checks that `bytes` hold exactly one JSON value (with surrounding whitespace).
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var cursor = JSONCursor(bytes)
        try cursor.skipValue()
        try cursor.expectEnd()
    }

    // MARK: structure

    /// Calls `body` with each key of the object at the cursor; `body` must consume the value.
    public mutating func readObject(_ body: (inout JSONCursor, String) throws -> Void) throws {
        try enter(UInt8(ascii: "{"))
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return
        }
        while true {
            skipWhitespace()
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            do {
                try body(&self, key)
            } catch let error as JSONPathError {
                throw error.inside(key: key)
            }
            skipWhitespace()
            guard let next = next() else { throw syntax("unexpected end of data in an object") }
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw syntax("expected ',' or '}' in an object", at: offset - 1) }
        }
    }

    /// Calls `body` with the index of each element of the array at the cursor.
    public mutating func readArray(_ body: (inout JSONCursor, Int) throws -> Void) throws {
        try enter(UInt8(ascii: "["))
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return
        }
        var index = 0
        while true {
            skipWhitespace()
            do {
                try body(&self, index)
            } catch let error as JSONPathError {
                throw error.inside(index: index)
            }
            index += 1
            skipWhitespace()
            guard let next = next() else { throw syntax("unexpected end of data in an array") }
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw syntax("expected ',' or ']' in an array", at: offset - 1) }
        }
    }

    /// Skips one value of any kind, checking its syntax. Iterative: a level of nesting costs one
    /// byte of a fixed buffer, not a stack frame, so no input can overflow the stack here.
    public mutating func skipValue() throws {
        let base = depth
        try withUnsafeTemporaryAllocation(of: Bool.self, capacity: Self.maxDepth) { isObject in
            var level = 0  // containers opened by this call; isObject[level - 1] is the innermost
            value: while true {
                skipWhitespace()
                guard let byte = peek() else { throw syntax("unexpected end of data") }
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard base + level < Self.maxDepth else { throw tooDeep() }
                    offset += 1
                    isObject[level] = byte == UInt8(ascii: "{")
                    level += 1
                    skipWhitespace()
                    if peek() == (isObject[level - 1] ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        offset += 1
                        level -= 1
                    } else {
                        if isObject[level - 1] { try skipKey() }
                        continue value
                    }
                case UInt8(ascii: "\""): try skipString()
                case UInt8(ascii: "t"): try literal("true")
                case UInt8(ascii: "f"): try literal("false")
                case UInt8(ascii: "n"): try literal("null")
                default: _ = try numberText()
                }
                // A value ended: close the containers that end here, or go on to the next element.
                while level > 0 {
                    skipWhitespace()
                    let object = isObject[level - 1]
                    guard let next = next() else {
                        throw syntax(object ? "unexpected end of data in an object" : "unexpected end of data in an array")
                    }
                    if next == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        level -= 1
                        continue
                    }
                    guard next == UInt8(ascii: ",") else {
                        throw syntax(object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array", at: offset - 1)
                    }
                    if object { try skipKey() }
                    continue value
                }
                return
            }
        }
    }

    /// Skips `"key" :` inside an object.
    mutating func skipKey() throws {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else {
            throw peek() == nil ? syntax("unexpected end of data in an object") : syntax("expected a string key in an object")
        }
        try skipString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
    }

    /// True (and consumed) when the value at the cursor is `null`.
    public mutating func readNull() throws -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Confirms only whitespace follows the top-level value.
    public mutating func expectEnd() throws {
        skipWhitespace()
        if offset < bytes.count { throw syntax("unexpected text after the JSON value") }
    }

    /// Skips a UTF-8 byte order mark at the cursor (some Windows tools write one at the start of a
    /// file; RFC 8259 §8.1 lets a parser ignore it).
    public mutating func skipByteOrderMark() {
        if offset + 3 <= bytes.count, bytes[offset] == 0xEF, bytes[offset + 1] == 0xBB, bytes[offset + 2] == 0xBF { offset += 3 }
    }

    // MARK: scalars

    public mutating func readBool() throws -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            throw typeMismatch("true or false")
        }
    }

    public mutating func readDouble() throws -> Double {
        skipWhitespace()
        guard let first = peek(), first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
            throw typeMismatch("a number")
        }
        let (start, end) = try numberText()
        let length = end - start
        guard length <= Self.maxNumberLength else {
            throw syntax("number of \(length) characters (at most \(Self.maxNumberLength) are read)", at: start)
        }
        // strtod needs a terminated string; numbers are short, so copy into a stack buffer.
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            guard let text = buffer.baseAddress else { throw syntax("invalid number", at: start) }
            for i in 0..<length { buffer[i] = CChar(bitPattern: bytes[start + i]) }
            buffer[length] = 0
            let value = strtod(text, nil)
            guard value.isFinite else { throw syntax("number out of range", at: start) }
            return value
        }
    }

    /// A number that is a whole value exactly representable as an `Int` (JSON has no integer
    /// type: `7` and `7.0` are the same number); nil for any other number.
    public mutating func readWholeNumber() throws -> Int? {
        let value = try readDouble()
        return value.rounded() == value && abs(value) < 9.0e15 ? Int(value) : nil
    }

    public mutating func readString() throws -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw typeMismatch("a string") }
        let start = offset + 1
        let (end, escaped) = try scanString(from: start)
        offset = end + 1
        let content = UnsafeBufferPointer(rebasing: bytes[start..<end])
        return escaped ? try decodeEscapes(content, at: start) : String(decoding: content, as: UTF8.self)
    }

    /// `null` or an array of strings (AI2-THOR writes `null` for empty id lists).
    public mutating func readStringList() throws -> [String] {
        if try readNull() { return [] }
        guard peek() == UInt8(ascii: "[") else { throw typeMismatch("an array of strings") }
        var values: [String] = []
        try readArray { cursor, _ in values.append(try cursor.readString()) }
        return values
    }

    public mutating func readOptionalString() throws -> String? {
        try readNull() ? nil : readString()
    }

    /// Any value, built whole (for small documents: requests, tests). Integers without a fraction
    /// or exponent that fit an `Int` become `.int`, other numbers `.double`. Recursion is bounded
    /// by `maxDepth`.
    public mutating func readValue() throws -> JSONValue {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            try readObject { cursor, key in members[key] = try cursor.readValue() }
            return .object(members)
        case UInt8(ascii: "["):
            var values: [JSONValue] = []
            try readArray { cursor, _ in values.append(try cursor.readValue()) }
            return .array(values)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try readBool())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case nil: throw syntax("unexpected end of data")
        default:
            var probe = self
            let (start, end) = try probe.numberText()
            let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if !text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
               let integer = Int(String(decoding: text, as: UTF8.self)) {
                offset = end
                return .int(integer)
            }
            return .double(try readDouble())
        }
    }

    // MARK: errors

    public func syntax(_ message: String, at position: Int? = nil) -> JSONPathError {
        JSONPathError(path: [], reason: message, offset: position ?? offset, isSyntax: true)
    }

    /// A well-formed value the caller does not accept (an empty identity, a fractional count).
    public func invalid(_ reason: String) -> JSONPathError {
        JSONPathError(path: [], reason: reason, offset: offset, isSyntax: false)
    }

    /// Nesting beyond `maxDepth`: reported with the path to where it happens, not as a syntax error
    /// (the text may well be valid JSON).
    func tooDeep() -> JSONPathError {
        JSONPathError(path: [], reason: "nested deeper than \(Self.maxDepth) levels (byte \(offset))", offset: offset, isSyntax: false)
    }

    public func typeMismatch(_ expected: String) -> JSONPathError {
        let found: String
        switch peek() {
        case let byte? where !Self.startsValue(byte): return syntax("invalid value")
        case UInt8(ascii: "\""): found = "a string"
        case UInt8(ascii: "{"): found = "an object"
        case UInt8(ascii: "["): found = "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
        case UInt8(ascii: "n"): found = "null"
        case nil: found = "the end of the data"
        default: found = "a number"
        }
        return JSONPathError(path: [], reason: "expected \(expected), found \(found)", offset: offset, isSyntax: false)
    }

    // MARK: bytes

    public static func startsValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }

    public func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    public mutating func next() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    public mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else {
            throw peek() == nil ? syntax("unexpected end of data") : syntax("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        offset += 1
    }

    /// Opens an array or object, refusing to go deeper than `maxDepth`.
    mutating func enter(_ open: UInt8) throws {
        skipWhitespace()
        guard depth < Self.maxDepth || peek() != open else { throw tooDeep() }
        try expect(open)
        depth += 1
    }

    mutating func literal(_ word: StaticString) throws {
        let start = offset
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard next() == expected else { throw syntax("invalid literal", at: start) }
        }
    }

    mutating func skipString() throws {
        try expect(UInt8(ascii: "\""))
        offset = try scanString(from: offset).end + 1
    }

    /// The offset of the quote closing the string whose content starts at `start`, and whether the
    /// content has escapes, checking the content: no control characters, valid escapes, surrogate
    /// escapes in pairs. Sixteen bytes at a time while none is a quote, backslash or control byte
    /// (long model responses are most of a results file): as fast as `memchr` here (20 GB/s),
    /// 3× the eight-byte SWAR loop it replaced.
    func scanString(from start: Int) throws -> (end: Int, escaped: Bool) {
        guard let base = bytes.baseAddress else { throw syntax("unterminated string", at: start - 1) }
        let count = bytes.count
        var position = start
        var escaped = false
        let quote = SIMD16<UInt8>(repeating: UInt8(ascii: "\"")), backslash = SIMD16<UInt8>(repeating: UInt8(ascii: "\\"))
        let space = SIMD16<UInt8>(repeating: 0x20), none = SIMD16<UInt8>(repeating: 0)
        while true {
            while position + 16 <= count {
                let block = UnsafeRawPointer(base + position).loadUnaligned(as: SIMD16<UInt8>.self)
                let special = (block .== quote) .| (block .== backslash) .| (block .< space)
                // 0xFF per special byte, read as two little-endian words: the first set bit's byte
                // is the first special byte, so escape-dense text jumps from escape to escape.
                let words = unsafeBitCast(none.replacing(with: 0xFF, where: special), to: SIMD2<UInt64>.self)
                if words[0] != 0 {
                    position += words[0].trailingZeroBitCount >> 3
                    break
                }
                if words[1] != 0 {
                    position += 8 + words[1].trailingZeroBitCount >> 3
                    break
                }
                position += 16
            }
            // At a special byte, or within 16 bytes of the end of the input (then byte by byte).
            guard position < count else { throw syntax("unterminated string", at: start - 1) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { return (position, escaped) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position = try escapeEnd(at: position).end
            } else if byte < 0x20 {
                throw syntax("control character in a string (escape it as \\u00\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16)))", at: position)
            } else {
                position += 1
            }
        }
    }

    /// The escape starting with the backslash at `position`: where it ends and the code point it
    /// stands for. A `\u` high surrogate must be followed by a `\u` low surrogate; a lone low
    /// surrogate is an error (the pair's arithmetic is only done on checked values).
    func escapeEnd(at position: Int) throws -> (end: Int, scalar: UInt32) {
        guard position + 1 < bytes.count else { throw syntax("unterminated string", at: position) }
        switch bytes[position + 1] {
        case UInt8(ascii: "\""): return (position + 2, 0x22)
        case UInt8(ascii: "\\"): return (position + 2, 0x5C)
        case UInt8(ascii: "/"): return (position + 2, 0x2F)
        case UInt8(ascii: "b"): return (position + 2, 0x08)
        case UInt8(ascii: "f"): return (position + 2, 0x0C)
        case UInt8(ascii: "n"): return (position + 2, 0x0A)
        case UInt8(ascii: "r"): return (position + 2, 0x0D)
        case UInt8(ascii: "t"): return (position + 2, 0x09)
        case UInt8(ascii: "u"):
            let code = try hex4(at: position + 2)
            switch code {
            case 0xD800..<0xDC00:
                guard position + 7 < bytes.count, bytes[position + 6] == UInt8(ascii: "\\"), bytes[position + 7] == UInt8(ascii: "u") else {
                    throw syntax("unpaired surrogate \\u\(Self.hex(code)) (a high surrogate must be followed by a \\u low surrogate)", at: position)
                }
                let low = try hex4(at: position + 8)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw syntax("invalid surrogate pair \\u\(Self.hex(code))\\u\(Self.hex(low))", at: position)
                }
                return (position + 12, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
            case 0xDC00..<0xE000:
                throw syntax("unpaired surrogate \\u\(Self.hex(code)) (a low surrogate without a high one)", at: position)
            default:
                return (position + 6, code)
            }
        default:
            let escaped = bytes[position + 1]
            let shown = escaped >= 0x20 && escaped < 0x7F ? String(Character(Unicode.Scalar(escaped))) : "byte 0x\(String(escaped, radix: 16))"
            throw syntax("invalid escape '\\\(shown)'", at: position)
        }
    }

    /// Four upper-case hex digits, as in a `\u` escape.
    static func hex(_ code: UInt32) -> String {
        let digits = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The content of a string with escapes (already checked by `scanString`), decoded.
    func decodeEscapes(_ content: UnsafeBufferPointer<UInt8>, at start: Int) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var position = start
        let end = start + content.count
        while position < end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                position += 1
                continue
            }
            let (next, code) = try escapeEnd(at: position)
            // Checked code points: never a surrogate, never above 0x10FFFF.
            guard let scalar = Unicode.Scalar(code) else { throw syntax("invalid \\u escape", at: position) }
            UTF8.encode(scalar) { out.append($0) }
            position = next
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Calls `body` with each key of the object at the cursor as UTF-8 bytes (no String is made
    /// unless the key has escapes; compare with `JSONCursor.key(_:is:)`). Escapes are decoded, so
    /// `"actio\u006e"` is `action` here as in `readObject` (and in simdjson).
    public mutating func readObjectRawKeys(_ body: (inout JSONCursor, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try enter(UInt8(ascii: "{"))
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw peek() == nil ? syntax("unexpected end of data in an object") : syntax("expected a string key in an object")
            }
            offset += 1
            let (end, escaped) = try scanString(from: offset)
            let key = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            var decoded = escaped ? try decodeEscapes(key, at: offset) : nil
            offset = end + 1
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            do {
                if decoded != nil {
                    try decoded?.withUTF8 { try body(&self, $0) }
                } else {
                    try body(&self, key)
                }
            } catch let error as JSONPathError {
                throw error.inside(key: decoded ?? String(decoding: key, as: UTF8.self))
            }
            skipWhitespace()
            guard let next = next() else { throw syntax("unexpected end of data in an object") }
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw syntax("expected ',' or '}' in an object", at: offset - 1) }
        }
    }

    /// Whether raw key bytes spell `name`.
    @inline(__always)
    public static func key(_ key: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        guard let base = key.baseAddress else { return key.isEmpty }
        return memcmp(base, name.utf8Start, key.count) == 0
    }

    /// The extent of a number per the JSON grammar: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?
    mutating func numberText() throws -> (Int, Int) {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        func digits(_ cursor: inout JSONCursor) -> Int {
            let begin = cursor.offset
            while let byte = cursor.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { cursor.offset += 1 }
            return cursor.offset - begin
        }
        let integerStart = offset
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw syntax(offset > start ? "invalid number" : "invalid value", at: start) }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { throw syntax("invalid number (leading zero)", at: start) }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard digits(&self) > 0 else { throw syntax("invalid number", at: start) }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard digits(&self) > 0 else { throw syntax("invalid number", at: start) }
        }
        return (start, offset)
    }

    /// Four hex digits at `position`.
    func hex4(at position: Int) throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw syntax("unterminated \\u escape", at: position - 2) }
        var value: UInt32 = 0
        for index in position..<(position + 4) {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntax("invalid \\u escape", at: index)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// A JSON problem with where it is: the field path (`[0].objects[12].pickupable`) and byte offset.
public struct JSONPathError: Error {
    public var path: [String]
    public var reason: String
    public var offset: Int
    public var isSyntax: Bool

    public init(path: [String], reason: String, offset: Int, isSyntax: Bool) {
        self.path = path
        self.reason = reason
        self.offset = offset
        self.isSyntax = isSyntax
    }

    public func inside(key: String) -> JSONPathError {
        var copy = self
        copy.path.insert(".\(key)", at: 0)
        return copy
    }

    public func inside(index: Int) -> JSONPathError {
        var copy = self
        copy.path.insert("[\(index)]", at: 0)
        return copy
    }

    /// `[0].objects[12].pickupable`; a path through deep nesting shows its start and end only.
    public var pathText: String {
        let shown = path.count > 12 ? path.prefix(6).joined() + "…" + path.suffix(2).joined() : path.joined()
        return String(shown.trimmingPrefix("."))
    }

    /// "<reason> at line L, column C (byte B)" for a syntax error in `data`.
    public func syntaxDescription(in data: UnsafeBufferPointer<UInt8>) -> String {
        let prefix = data.prefix(offset)
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(reason) at line \(line), column \(column) (byte \(offset))"
    }
}
