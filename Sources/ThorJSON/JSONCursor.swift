import Foundation

/// A forward-only JSON reader over UTF-8 bytes for bulk inputs (the 120 metadata dumps, results
/// files with 100k trajectories). It reads only the fields a caller asks for and skips the rest
/// without building values, which is several times faster than JSONDecoder. Numbers go through `strtod`, so
/// doubles are exact. Errors carry the byte offset; `JSONPathError` adds the field path on the way
/// out.
public struct JSONCursor {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var offset = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: structure

    /// Calls `body` with each key of the object at the cursor; `body` must consume the value.
    public mutating func readObject(_ body: (inout JSONCursor, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
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
        try expect(UInt8(ascii: "["))
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

    /// Skips one value of any kind, checking its syntax.
    public mutating func skipValue() throws {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"): try readObject { cursor, _ in try cursor.skipValue() }
        case UInt8(ascii: "["): try readArray { cursor, _ in try cursor.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case nil: throw syntax("unexpected end of data")
        default: _ = try numberText()
        }
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
        // strtod needs a terminated string; numbers are short, so copy into a stack buffer.
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buffer in
            for i in 0..<(end - start) { buffer[i] = CChar(bitPattern: bytes[start + i]) }
            buffer[end - start] = 0
            guard let value = Optional(strtod(buffer.baseAddress!, nil)), value.isFinite else {
                throw syntax("number out of range", at: start)
            }
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
        offset += 1
        let start = offset
        // Fast path: no escapes and no control characters before the closing quote.
        let end = try endOfString(from: start)
        let content = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if !content.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            offset = end + 1
            return String(decoding: content, as: UTF8.self)
        }
        var scalars = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = next() else { throw syntax("unterminated escape") }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), peek() == UInt8(ascii: "\\") {
                        offset += 1
                        guard next() == UInt8(ascii: "u") else { throw syntax("invalid surrogate pair") }
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    scalars.append(contentsOf: Array(String(scalar).utf8))
                default:
                    throw syntax("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'", at: offset - 1)
                }
            default:
                if byte < 0x20 { throw syntax("control character in a string", at: offset - 1) }
                scalars.append(byte)
            }
        }
        throw syntax("unterminated string", at: start - 1)
    }

    /// `null` or an array of strings (AI2-THOR writes `null` for empty id lists).
    public mutating func readStringList() throws -> [String] {
        if try readNull() { return [] }
        var values: [String] = []
        try readArray { cursor, _ in values.append(try cursor.readString()) }
        return values
    }

    public mutating func readOptionalString() throws -> String? {
        try readNull() ? nil : readString()
    }

    // MARK: errors

    public func syntax(_ message: String, at position: Int? = nil) -> JSONPathError {
        JSONPathError(path: [], reason: message, offset: position ?? offset, isSyntax: true)
    }

    /// A well-formed value the caller does not accept (an empty identity, a fractional count).
    public func invalid(_ reason: String) -> JSONPathError {
        JSONPathError(path: [], reason: reason, offset: offset, isSyntax: false)
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

    mutating func literal(_ word: StaticString) throws {
        let start = offset
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard next() == expected else { throw syntax("invalid literal", at: start) }
        }
    }

    mutating func skipString() throws {
        try expect(UInt8(ascii: "\""))
        offset = try endOfString(from: offset) + 1
    }

    /// The offset of the quote closing the string whose content starts at `start`. Jumps from
    /// quote to quote with memchr (long model responses are most of a results file) and counts
    /// the backslashes before each to tell escaped quotes apart.
    func endOfString(from start: Int) throws -> Int {
        guard let base = bytes.baseAddress else { throw syntax("unterminated string", at: start - 1) }
        var position = start
        while position < bytes.count {
            guard let found = memchr(base + position, Int32(UInt8(ascii: "\"")), bytes.count - position) else { break }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 >= start, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote }
            position = quote + 1
        }
        throw syntax("unterminated string", at: start - 1)
    }

    /// Calls `body` with each key of the object at the cursor as raw bytes (no String is made;
    /// compare with `JSONCursor.key(_:is:)`). Keys with escapes are passed undecoded.
    public mutating func readObjectRawKeys(_ body: (inout JSONCursor, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return
        }
        while true {
            skipWhitespace()
            try expect(UInt8(ascii: "\""))
            let end = try endOfString(from: offset)
            let key = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            offset = end + 1
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            do {
                try body(&self, key)
            } catch let error as JSONPathError {
                throw error.inside(key: String(decoding: key, as: UTF8.self))
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
        key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
    }

    /// The extent of a number per the JSON grammar.
    mutating func numberText() throws -> (Int, Int) {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        func digits(_ cursor: inout JSONCursor) -> Int {
            let begin = cursor.offset
            while let byte = cursor.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { cursor.offset += 1 }
            return cursor.offset - begin
        }
        guard digits(&self) > 0 else { throw syntax("invalid value", at: start) }
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

    mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next() else { throw syntax("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntax("invalid \\u escape", at: offset - 1)
            }
            value = value * 16 + UInt32(digit)
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

    public var pathText: String { String(path.joined().trimmingPrefix(".")) }

    /// "<reason> at line L, column C (byte B)" for a syntax error in `data`.
    public func syntaxDescription(in data: UnsafeBufferPointer<UInt8>) -> String {
        let prefix = data.prefix(offset)
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(reason) at line \(line), column \(column) (byte \(offset))"
    }
}
