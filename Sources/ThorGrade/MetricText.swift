import Foundation
import ThorSim

/// UTF-8 text as the reference metric reads it: a Swift `String`, or a span of the simdjson
/// reader's buffers (`simd_record_text`), so recorded mode grades a line without making a `String`
/// of each of its texts (about 25 a line, the key actions mostly too long for a small string).
/// The metric only compares bytes (Python compares code points, which for valid UTF-8 is the
/// same), so one metric serves both (`ReferenceMetric.evaluate`).
protocol MetricText {
    /// Calls `body` with the text's UTF-8 bytes (valid UTF-8).
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
    /// The number of UTF-8 bytes.
    var utf8Count: Int { get }
    /// The text as a `String` (for Python's `lower()`, on single_search end entries only).
    var string: String { get }
}

/// A trajectory entry as the metric reads it: a recorded one (`TrajectoryEntry`, or a span
/// entry of the simdjson reader, `SimdLine.Entry`), or a simulated step read in place.
protocol MetricEntry {
    associatedtype Text: MetricText
    var action: Text { get }
    var object: Text? { get }
    var recordedSuccess: RecordedSuccess { get }
    /// Whether some legal object passes `test` (asked only on `end` entries of single_search
    /// tasks).
    func containsLegalObject(where test: (Text) -> Bool) -> Bool
}

extension String: MetricText {
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self  // bridged or foreign storage: made contiguous
        return copy.withUTF8(body)
    }

    var utf8Count: Int { utf8.count }
    var string: String { self }
}

extension TrajectoryEntry: MetricEntry {
    var recordedSuccess: RecordedSuccess { success }
    func containsLegalObject(where test: (String) -> Bool) -> Bool { legalObjects.contains(where: test) }
}

extension EpisodeStep: MetricEntry {
    /// The simulator's flag, as `TrajectoryEntry(success:)` reads it.
    var recordedSuccess: RecordedSuccess { success ? .truthy : .zero }
    /// The legal objects are spelled out only here, when the metric asks.
    func containsLegalObject(where test: (String) -> Bool) -> Bool { legalObjects.contains(where: test) }
}

extension UnsafeBufferPointer<UInt8> {
    /// Equal bytes. The metric compares short texts (actions, type names, key actions): eight
    /// bytes at a time inline, where a call of `memcmp` cost more than the comparison.
    @inline(__always)
    func sameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard count > 0, let a = baseAddress, let b = other.baseAddress else { return true }
        guard count <= 64 else { return memcmp(a, b, count) == 0 }
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        var offset = 0
        // Within bounds: offset + 8 <= count for each word, then single bytes below count.
        while offset + 8 <= count {
            if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        while offset < count {
            if a[offset] != b[offset] { return false }
            offset += 1
        }
        return true
    }
}

extension StaticString {
    /// The literal's UTF-8 bytes (every literal the metric uses is ASCII, so stored as UTF-8).
    @inline(__always)
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}

extension MetricText {
    /// Python's `a == b`.
    @inline(__always)
    func same<Other: MetricText>(as other: Other) -> Bool {
        guard utf8Count == other.utf8Count else { return false }
        return withUTF8Bytes { a in other.withUTF8Bytes { b in a.sameBytes(as: b) } }
    }

    @inline(__always)
    func same(as literal: StaticString) -> Bool {
        utf8Count == literal.utf8CodeUnitCount && withUTF8Bytes { $0.sameBytes(as: literal.bytes) }
    }

    /// Python's `literal in self`.
    @inline(__always)
    func contains(_ literal: StaticString) -> Bool { withUTF8Bytes { $0.containsBytes(of: literal.bytes) } }

    /// Python's `self.lower() in lowered` for a `lowered` already lower-case: an ASCII text is
    /// lowered on the stack, byte by byte (Python's and Swift's `lower` agree there), without
    /// making a `String` of it; any other goes through `pythonLowercased`.
    func loweredIsContained(in lowered: String) -> Bool {
        withUTF8Bytes { text in
            guard text.allSatisfy({ $0 < 0x80 }) else { return lowered.containsBytes(of: string.pythonLowercased()) }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { lower in
                for (index, byte) in text.enumerated() {
                    lower[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                }
                return lowered.withUTF8Bytes { $0.containsBytes(of: UnsafeBufferPointer(lower)) }
            }
        }
    }

    /// Python's `self.startswith(literal)`.
    @inline(__always)
    func starts(with literal: StaticString) -> Bool {
        utf8Count >= literal.utf8CodeUnitCount
            && withUTF8Bytes { UnsafeBufferPointer(rebasing: $0[..<literal.utf8CodeUnitCount]).sameBytes(as: literal.bytes) }
    }
}
