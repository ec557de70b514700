import ThorJSON
import XCTest

/// Accept/reject cases in the spirit of the JSON test suites (JSONTestSuite's y_/n_/i_ files),
/// written for this reader: `y` must be accepted, `n` rejected, `i` (what RFC 8259 leaves to the
/// implementation) is pinned to what thor-lite does.
final class JSONConformanceTests: XCTestCase {
    func accepts(_ text: [UInt8]) -> Bool {
        text.withUnsafeBufferPointer { (try? JSONCursor.validate($0)) != nil }
    }

    func accepts(_ text: String) -> Bool { accepts(Array(text.utf8)) }

    /// The error `validate` gives, or nil when the text is accepted.
    func error(_ text: String) -> JSONPathError? {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            do {
                try JSONCursor.validate(bytes)
                return nil
            } catch {
                return error as? JSONPathError
            }
        }
    }

    func value(_ text: String) throws -> JSONValue {
        try Array(text.utf8).withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes)
            let value = try cursor.readValue()
            try cursor.expectEnd()
            return value
        }
    }

    func string(_ text: String) throws -> String {
        try Array(text.utf8).withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes)
            return try cursor.readString()
        }
    }

    static let accepted: [String] = [
        "[]", "{}", "[[]]", "[{}]", #"{"a":{}}"#, "[1]", "[-0]", "[0]", "[0.5]", "[-0.0e-0]", "[0e1]", "[1E+2]", "[1e-2]",
        "[-1.5e-300]", "[123456789012345678901234567890]", "[1e400]", #"["\u0041"]"#, #"["\uD834\uDD1E"]"#,
        #"["\"\\\/\b\f\n\r\t"]"#, #"{"a":[{"b":null}],"c":true,"d":false}"#, " \t\r\n[ true , false , null ] \n",
        #""x""#, "123", "-1", "null", "true", #"["日本語 ü"]"#, #"{"":0}"#, #"{"a":1,"a":2}"#, #"["\u0000"]"#,
        #"["a\/b"]"#, "[\"\u{7F}\"]", #"[[[[[["deep"]]]]]]"#, #"{"\u00e9":"é"}"#,
    ]

    static let rejected: [String] = [
        "", " ", "[", "]", "{", "}", "[1,]", "[,1]", "[1,,2]", #"{"a"}"#, #"{"a":1,}"#, "{a:1}", "{'a':1}", #"{"a" 1}"#,
        #"{"a":1 "b":2}"#, "[1 2]", "[] []", "[1]x", "{} 1", "[01]", "[-01]", "[00]", "[1.]", "[.5]", "[+1]", "[-]", "[-a]",
        "[NaN]", "[-NaN]", "[Infinity]", "[-Infinity]", "[1e]", "[1e+]", "[1E-]", "[0x10]", "[1.2.3]", "[1e2e3]", "[tru]", "[nul]",
        "[True]", "[nulll]", "[\"a\u{0}\"]", "[\"a\nb\"]", "[\"a\tb\"]", "[\"\u{1F}\"]", #"["\x"]"#, #"["\a"]"#, #"["\'"]"#,
        #"["\u12"]"#, #"["\u12G4"]"#, #"["\uD800"]"#, #"["\uD800\u0041"]"#, #"["\uD800x"]"#, #"["\uDC00"]"#,
        #"["\uDFFF\uD800"]"#, #"["\uD800\uD800"]"#, #"["\uD800\n"]"#, #"["abc"#, #"["\"#, #"[""#, "[\"]", "[\"a\"",
        #"{"a":"b"#, #"{"a":"#, #"{"a""#, "{\"a", "[1", "[1,", "{\"a\":1", "/* c */ []", "[] // c", "[1]]", "[[1]",
        "{\"a\":1}}", "\u{FEFF}[]", "[\"\u{FEFF}\"]x",
    ]

    func testAcceptsValidDocuments() {
        for text in Self.accepted { XCTAssertTrue(accepts(text), "y: \(text)") }
    }

    func testRejectsInvalidDocuments() {
        for text in Self.rejected { XCTAssertFalse(accepts(text), "n: \(text.debugDescription)") }
    }

    /// Every proper prefix of a document that is an array or object is an error, never a trap.
    func testTruncationAtEveryPositionIsAnError() {
        let documents = Self.accepted.filter { $0.trimmingCharacters(in: .whitespacesAndNewlines).first.map { "[{".contains($0) } ?? false }
            + [#"{"identity": 7, "trajectory": [{"action": "pickup", "object": "Apple", "success": 1, "legal_objects": ["A\u00e9\uD834\uDD1E"]}]}"#]
        for document in documents {
            let bytes = Array(document.utf8)
            let end = bytes.lastIndex { !" \t\r\n".utf8.contains($0) } ?? 0
            for length in 0...end {
                XCTAssertFalse(accepts(Array(bytes[0..<length])), "prefix \(length) of \(document)")
            }
        }
    }

    func testEscapesAndSurrogatePairsDecode() throws {
        XCTAssertEqual(try string(#""\uD834\uDD1E""#), "\u{1D11E}")
        XCTAssertEqual(try string(#""\u00e9\u00C9""#), "éÉ")
        XCTAssertEqual(try string(#""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{C}\n\r\t")
        XCTAssertEqual(try string(#""a\u0000b""#), "a\u{0}b")
        XCTAssertEqual(try string(#""\uDBFF\uDFFF""#), "\u{10FFFF}")
        XCTAssertEqual(try string(#""日本""#), "日本")
    }

    /// The string scanner reads sixteen bytes at a time: a special byte at every offset within a
    /// block must be found.
    func testSpecialBytesAreFoundAtEveryOffset() throws {
        for before in 0..<40 {
            for after in [0, 1, 7, 15, 16, 17] {
                let a = String(repeating: "a", count: before), b = String(repeating: "b", count: after)
                XCTAssertEqual(try string("\"\(a)\\\"\(b)\""), "\(a)\"\(b)")
                XCTAssertEqual(try string("\"\(a)\\\\\(b)\"  "), "\(a)\\\(b)")
                XCTAssertEqual(try string("\"\(a)\"\(b)\""), a)
                let control = error("[\"\(a)\u{1}\(b)\"]")
                XCTAssertEqual(control?.offset, 2 + before, "control byte after \(before)")
                XCTAssertTrue(control?.reason.hasPrefix("control character in a string") ?? false)
                XCTAssertEqual(try string("\"\(a)é\(b)\u{7F}\""), "\(a)é\(b)\u{7F}")
            }
        }
    }

    func testErrorsSayWhatAndWhere() {
        XCTAssertEqual(error("[1,]")?.offset, 3)
        XCTAssertEqual(error("[01]")?.reason, "invalid number (leading zero)")
        XCTAssertEqual(error(#"["\uD800\u0041"]"#)?.reason, #"invalid surrogate pair \uD800\u0041"#)
        XCTAssertEqual(error(#"["\uDC00"]"#)?.reason, #"unpaired surrogate \uDC00 (a low surrogate without a high one)"#)
        XCTAssertEqual(error(#"["\q"]"#)?.reason, #"invalid escape '\q'"#)
        XCTAssertEqual(error("[\"a\u{0}\"]")?.reason, #"control character in a string (escape it as \u0000)"#)
        XCTAssertEqual(error("[\"a\u{1F}\"]")?.reason, #"control character in a string (escape it as \u001f)"#)
        XCTAssertEqual(error("")?.reason, "unexpected end of data")
        XCTAssertEqual(error("[] x")?.reason, "unexpected text after the JSON value")
    }

    /// What RFC 8259 leaves to the implementation.
    func testImplementationDefinedCases() throws {
        // Invalid UTF-8 inside a string is replaced, not an error (and never a trap).
        for bad: [UInt8] in [[0xFF], [0xC3], [0xE6, 0x97], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]] {
            let document = Array("[\"a".utf8) + bad + Array("b\"]".utf8)
            XCTAssertTrue(accepts(document), "\(bad)")
            let decoded = try document.withUnsafeBufferPointer { bytes -> String in
                var cursor = JSONCursor(bytes)
                var text = ""
                try cursor.readArray { cursor, _ in text = try cursor.readString() }
                return text
            }
            XCTAssertTrue(decoded.hasPrefix("a\u{FFFD}") && decoded.hasSuffix("b"), decoded.debugDescription)
        }
        // A byte order mark is skipped where a caller asks for it (at the start of a file), else an error.
        let withMark = Array("\u{FEFF}[1]".utf8)
        XCTAssertFalse(accepts(withMark))
        try withMark.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes)
            cursor.skipByteOrderMark()
            try cursor.skipValue()
            try cursor.expectEnd()
        }
        // A number beyond a double's range is valid JSON to skip but cannot be read as a number.
        XCTAssertTrue(accepts("[1e400]"))
        XCTAssertThrowsError(try value("1e400"))
        XCTAssertThrowsError(try value("-1e400"))
        XCTAssertEqual(try value("1e-400"), .double(0))
        XCTAssertEqual(try value("1" + String(repeating: "0", count: 30)), .double(1e30))
        // A number longer than maxNumberLength is refused by readDouble (but skipped fine).
        let long = "0." + String(repeating: "1", count: JSONCursor.maxNumberLength)
        XCTAssertTrue(accepts("[\(long)]"))
        XCTAssertThrowsError(try value(long))
        // Huge exponents do not trap.
        XCTAssertEqual(try value("1e-99999999999999999999999"), .double(0))
        XCTAssertThrowsError(try value("1e99999999999999999999999"))
    }

    func testReadValueBuildsTheDocument() throws {
        XCTAssertEqual(try value(#" {"a": [1, 2.5, -3e2, "x", true, false, null], "b": {}} "#), .object([
            "a": .array([.int(1), .double(2.5), .double(-300), .string("x"), .bool(true), .bool(false), .null]), "b": .object([:]),
        ]))
        XCTAssertEqual(try value("-0"), .int(0))
        XCTAssertEqual(try value("12345678901234567890"), .double(1.2345678901234567e19))
        XCTAssertEqual(try value(#"{"k": "v\n"}"#).compact, #"{"k": "v\n"}"#)
    }

    func testWholeNumbers() throws {
        func whole(_ text: String) throws -> Int? {
            try Array(text.utf8).withUnsafeBufferPointer { bytes in
                var cursor = JSONCursor(bytes)
                return try cursor.readWholeNumber()
            }
        }
        XCTAssertEqual(try whole("7"), 7)
        XCTAssertEqual(try whole("7.0"), 7)
        XCTAssertEqual(try whole("-0"), 0)
        XCTAssertNil(try whole("7.5"))
        XCTAssertNil(try whole("1e300"))
        XCTAssertThrowsError(try whole("\"7\""))
    }
}
