import Foundation
import ThorJSON
import ThorPolicy
import XCTest

/// `LinePump`, the transport `thor-lite serve` runs the protocol over: every non-blank line is
/// handed over once, in order, without its line ending; a request that closes the session stops
/// the reading; the replies come out in order.
final class LinePumpTests: XCTestCase {
    /// Runs the pump over `input` with a handler that replies `[n, "line"]` (the line's first 100
    /// characters: the replies must fit the pipe, read only after the pump ends) and closes on
    /// `close`.
    func pump(_ input: String, spin: Int = 0) throws -> (lines: [String], output: String) {
        var toPump: [Int32] = [0, 0], fromPump: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&toPump), 0)
        XCTAssertEqual(pipe(&fromPump), 0)
        let bytes = Array(input.utf8), writeEnd = toPump[1]
        let writer = Thread {
            bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count, let base = buffer.baseAddress {
                    let count = write(writeEnd, base + written, buffer.count - written)
                    if count <= 0 { break }
                    written += count
                }
            }
            close(writeEnd)
        }
        writer.start()
        var lines: [String] = []
        try LinePump.run(input: toPump[0], output: fromPump[1], spin: spin) { line, out in
            let text = String(decoding: line, as: UTF8.self)
            lines.append(text)
            out.array { json in
                json.int(lines.count)
                json.string(String(text.prefix(100)))
            }
            out.endLine()
            return text == "close"
        }
        close(toPump[0])
        close(fromPump[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fromPump[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            output += chunk[..<count]
        }
        close(fromPump[0])
        return (lines, String(decoding: output, as: UTF8.self))
    }

    func testEveryLineOnceInOrderWithoutItsLineEndingAndBlankLinesSkipped() throws {
        let (lines, output) = try pump("first\n\n  \t\r\nsecond\r\n{\"op\": \"state\"}\nlast without a newline")
        XCTAssertEqual(lines, ["first", "second", #"{"op": "state"}"#, "last without a newline"])
        XCTAssertEqual(output.split(separator: "\n").count, 4)
        XCTAssertTrue(output.hasPrefix(#"[1, "first"]"#), output)
        XCTAssertTrue(output.hasSuffix("\"last without a newline\"]\n"), output)
    }

    func testAClosingRequestStopsTheReading() throws {
        let (lines, output) = try pump("a\nclose\nnever read\n", spin: 100)
        XCTAssertEqual(lines, ["a", "close"])
        XCTAssertEqual(output.split(separator: "\n").count, 2)
    }

    /// Lines longer than the 64 KiB first buffer (it grows) arrive whole.
    func testALongLineArrivesWhole() throws {
        let long = String(repeating: "x", count: 300_000)
        let (lines, _) = try pump("short\n\(long)\nafter\n")
        XCTAssertEqual(lines.map(\.count), [5, 300_000, 5])
    }

    func testAnOutputThatCannotBeWrittenIsAFailure() throws {
        var toPump: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&toPump), 0)
        XCTAssertEqual(write(toPump[1], "a\n", 2), 2)
        close(toPump[1])
        defer { close(toPump[0]) }
        XCTAssertThrowsError(try LinePump.run(input: toPump[0], output: -1, spin: 0) { _, out in
            out.null()
            return false
        }) { error in
            XCTAssertTrue("\(error)".hasPrefix("standard output: cannot write: "), "\(error)")
        }
    }
}
