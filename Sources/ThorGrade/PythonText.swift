import Foundation

// The reference compares and lowercases with Python's `str`, which works on code points. Swift's
// `String` compares by canonical equivalence ("e\u{301}" == "é", the Kelvin sign == "K"), its
// `hasPrefix` works on grapheme clusters, and its `lowercased()` lacks the Final_Sigma rule; any
// of these would change a metric on non-ASCII input. The metric uses these helpers instead.
extension String {
    /// Python's `a == b`: equal code points, which for valid UTF-8 means equal bytes.
    func sameCodePoints(as other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }.flatMap { $0 } ?? a.elementsEqual(b)
    }

    /// Python's `a.startswith(prefix)`.
    func startsWithCodePoints(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// Python's `needle in haystack`, on UTF-8 bytes (equivalent for valid UTF-8). Foundation's
    /// `String.contains` also costs thousands of instructions per call on Linux, and this is on
    /// the metric's hot path.
    public func containsBytes(of needle: String) -> Bool {
        let found = utf8.withContiguousStorageIfAvailable { h in needle.utf8.withContiguousStorageIfAvailable { n in h.containsBytes(of: n) } }
        if let found = found.flatMap({ $0 }) { return found }
        var haystack = self, pattern = needle  // bridged or foreign storage: make it contiguous
        return haystack.withUTF8 { h in pattern.withUTF8 { n in h.containsBytes(of: n) } }
    }

    /// Python's `str.lower()`: each code point's full lowercase mapping, except that a capital
    /// sigma becomes final `ς` when it ends a word (CPython's `handle_capital_sigma`).
    func pythonLowercased() -> String {
        if utf8.allSatisfy({ $0 < 0x80 }) { return lowercased() }
        let scalars = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\u{3A3}" {
                out.append(Self.isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Final_Sigma: a cased letter before (skipping case-ignorables) and none after.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let before = scalars[..<index].last { !$0.properties.isCaseIgnorable }
        guard let before, before.properties.isCased else { return false }
        let after = scalars[(index + 1)...].first { !$0.properties.isCaseIgnorable }
        return !(after?.properties.isCased ?? false)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// A naive search (fastest for the short words the metric looks for) with a budget of
    /// comparisons: text built to defeat it (long runs of one letter in a task name and a visible
    /// object) switches to Knuth–Morris–Pratt, linear in both lengths.
    func containsBytes(of pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !pattern.isEmpty else { return true }
        guard count >= pattern.count else { return false }
        var budget = 4 * (count + pattern.count)
        let first = pattern[0]
        for start in 0...(count - pattern.count) where self[start] == first {
            var offset = 1
            while offset < pattern.count, self[start + offset] == pattern[offset] { offset += 1 }
            if offset == pattern.count { return true }
            budget -= offset
            if budget < 0 { return knuthMorrisPrattContains(pattern) }
        }
        return false
    }

    func knuthMorrisPrattContains(_ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        // fallback[i]: the length of the longest proper prefix of pattern[...i] that is also its suffix.
        var fallback = [Int](repeating: 0, count: pattern.count)
        var matched = 0
        for index in pattern.indices.dropFirst() {
            while matched > 0, pattern[index] != pattern[matched] { matched = fallback[matched - 1] }
            if pattern[index] == pattern[matched] { matched += 1 }
            fallback[index] = matched
        }
        matched = 0
        for byte in self {
            while matched > 0, byte != pattern[matched] { matched = fallback[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count { return true }
        }
        return false
    }
}
