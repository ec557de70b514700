import ThorJSON
import XCTest

/// Nesting beyond `JSONCursor.maxDepth` is an error with a path, at any depth of input and through
/// every entry point: skipping, typed reading and building values. 40,000 levels used to overflow
/// the stack.
final class NestingLimitTests: XCTestCase {
    static let hostileDepth = 40_000

    func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "1") -> [UInt8] {
        Array((String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)).utf8)
    }

    func testTheLimitItselfIsAcceptedAndOneMoreIsNot() {
        for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
            let atLimit = nested(JSONCursor.maxDepth, open: open, close: close)
            XCTAssertNoThrow(try atLimit.withUnsafeBufferPointer { try JSONCursor.validate($0) })
            let beyond = nested(JSONCursor.maxDepth + 1, open: open, close: close)
            XCTAssertThrowsError(try beyond.withUnsafeBufferPointer { try JSONCursor.validate($0) }) { error in
                XCTAssertEqual((error as? JSONPathError)?.reason, "nested deeper than 512 levels (byte \(JSONCursor.maxDepth * open.utf8.count))")
            }
        }
    }

    func testHostileNestingIsAnErrorThroughEveryEntryPoint() throws {
        for (open, close) in [("[", "]"), (#"{"a":"#, "}"), ("[{\"b\":", "}]")] {
            // Truncated too: the error must come before the missing end is noticed.
            for document in [nested(Self.hostileDepth, open: open, close: close), Array(String(repeating: open, count: Self.hostileDepth).utf8)] {
                try document.withUnsafeBufferPointer { bytes in
                    XCTAssertThrowsError(try JSONCursor.validate(bytes))
                    var cursor = JSONCursor(bytes)
                    XCTAssertThrowsError(try cursor.readValue()) { error in
                        XCTAssertTrue((error as? JSONPathError)?.reason.hasPrefix("nested deeper than 512 levels") ?? false, "\(error)")
                    }
                }
            }
        }
    }

    /// A typed reader that reads a known field and skips the rest: depth counts across both, and the
    /// path names where the limit was crossed.
    func testTypedReadersCountDepthAndNameThePath() throws {
        let text = Array(#"{"keep": [1], "messages": "#.utf8) + nested(Self.hostileDepth) + Array("}".utf8)
        try text.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes)
            XCTAssertThrowsError(try cursor.readObject { cursor, key in
                if key == "keep" { try cursor.readArray { cursor, _ in _ = try cursor.readDouble() } } else { try cursor.skipValue() }
            }) { error in
                let error = error as? JSONPathError
                XCTAssertEqual(error?.pathText, "messages")
                XCTAssertEqual(error?.isSyntax, false)
            }
        }
        let deepTyped = Array(#"{"a": "#.utf8) + nested(Self.hostileDepth) + Array("}".utf8)
        try deepTyped.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes)
            func readNested(_ cursor: inout JSONCursor) throws {
                if cursor.peek() == UInt8(ascii: "[") { try cursor.readArray { cursor, _ in try readNested(&cursor) } } else { _ = try cursor.readDouble() }
            }
            XCTAssertThrowsError(try cursor.readObject { cursor, _ in try readNested(&cursor) }) { error in
                let error = error as? JSONPathError
                XCTAssertEqual(error?.path.count, JSONCursor.maxDepth)
                XCTAssertEqual(error?.pathText, "a[0][0][0][0][0]…[0][0]")
            }
        }
    }
}
