import ThorJSON
import XCTest

/// `JSONWriter` writes the bytes `JSONValue.compact` writes for the same document, so the fast
/// replies and every other output share one dialect.
final class JSONWriterTests: XCTestCase {
    func testWriterBytesEqualJSONValueForTheSameDocument() {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} é 🍅"
        let value = JSONValue.object([
            "a": .array([.int(-3), .double(0.1 + 0.2), .double(1e-7), .double(2.0), .null, .bool(false)]),
            "b": .object([:]),
            "c": .array([]),
            "d": .string(text),
            "e": .object(["x": .array([.array([.string("")])]), "y": .bool(true)]),
        ])
        var json = JSONWriter()
        json.object { json in
            json.key("a")
            json.array { json in
                json.int(-3); json.double(0.1 + 0.2); json.double(1e-7); json.double(2.0)
                json.string(nil as String?); json.bool(false)
            }
            json.key("b"); json.object { _ in }
            json.key("c"); json.strings([])
            json.key("d"); json.string(text)
            json.key("e"); json.value(.object(["x": .array([.array([.string("")])]), "y": .bool(true)]))
        }
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), value.compact)
    }

    /// Integers are written as Swift prints them, appended after what the buffer holds: the
    /// extremes, powers of ten and their neighbours, zero, and random values of every length.
    func testIntegersAreTheirDecimalText() {
        var values = [0, 1, -1, 9, 10, -10, Int.max, Int.min, Int.max - 1, Int.min + 1]
        var power = 1
        while power <= Int.max / 10 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0..<63, using: &generator)) }
        for value in values {
            var out = Array("x".utf8)
            JSONValue.writeInt(value, into: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "x\(value)")
        }
    }

    /// Keys are written in one piece with their separator: an empty key, a long one, the first
    /// member and the ones after it.
    func testKeysOfAnyLengthEqualJSONValues() {
        let long = "a_member_name_longer_than_any_small_buffer_would_expect_to_hold"
        let value = JSONValue.object(["": .int(1), long: .object(["k": .null]), "z": .string("")])
        var json = JSONWriter()
        json.object { json in
            json.key(""); json.int(1)
            json.key("a_member_name_longer_than_any_small_buffer_would_expect_to_hold"); json.object { $0.key("k"); $0.null() }
            json.key("z"); json.string("")
        }
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), value.compact)
    }

    func testIntegersAreWrittenAsTheirDecimalText() {
        for value in [0, 7, -7, 10, 100, 1234567890, -1000, Int.max, Int.min] {
            var json = JSONWriter()
            json.int(value)
            XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), String(value))
        }
    }

    func testAnArrayJoinedFromPartsEqualsOneWrittenWhole() {
        var whole = JSONWriter()
        whole.strings(["a", "b", "c", "d"])
        var parts: [[UInt8]] = []
        for slice in [["a"], [], ["b", "c"], ["d"]] {
            var part = JSONWriter()
            for value in slice { part.string(value) }
            parts.append(part.bytes)
        }
        var joined = JSONWriter()
        joined.array(joining: parts)
        XCTAssertEqual(String(decoding: joined.bytes, as: UTF8.self), String(decoding: whole.bytes, as: UTF8.self))
    }

    func testLinesStartFreshAfterEndLineAndClearKeepsNothing() {
        var json = JSONWriter()
        json.object { $0.key("ok"); $0.bool(true) }
        json.endLine()
        json.object { json in
            json.key("id")
            Array("[1, \"x\"]".utf8).withUnsafeBufferPointer { json.raw($0) }
        }
        json.endLine()
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), "{\"ok\": true}\n{\"id\": [1, \"x\"]}\n")
        json.clear()
        json.int(1)
        XCTAssertEqual(json.bytes, Array("1".utf8))
    }
}
