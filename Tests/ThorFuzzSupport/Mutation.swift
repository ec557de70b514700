// Seeded mutation fuzzing shared by the grade-input and import fuzz tests.

/// A deterministic pseudo-random source (SplitMix64), so every fuzz run tests the same inputs.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One of `items` (which must not be empty).
    public mutating func pick<T>(_ items: [T]) -> T {
        items[Int(next() % UInt64(items.count))]
    }
}

/// Ways to damage a JSON line, in the spirit of mutation fuzzers; `apply` never adds a newline, so
/// one damaged line stays one line.
public enum Mutation: String, CaseIterable, Sendable {
    case byteFlip, bitFlip, truncation, duplication, deepNesting, unclosedNesting, hugeString, badEscape, controlCharacter, deletion

    public func apply(to line: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = line
        guard !bytes.isEmpty else { return bytes }
        let at = Int.random(in: 0...max(0, bytes.count - 1), using: &random)
        switch self {
        case .byteFlip:
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        case .bitFlip: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case .truncation: bytes = Array(bytes[..<at])
        case .duplication:
            let end = Int.random(in: at...bytes.count, using: &random)
            bytes.insert(contentsOf: bytes[at..<end], at: end)
        case .deepNesting, .unclosedNesting:
            // A value nested far beyond the limit, in place of the value after a random colon.
            let depth = Int.random(in: 600...40_000, using: &random)
            var value = Array(repeating: UInt8(ascii: "["), count: depth)
            if self == .deepNesting { value += Array(repeating: UInt8(ascii: "]"), count: depth) }
            let colon = bytes[at...].firstIndex(of: UInt8(ascii: ":")) ?? bytes.firstIndex(of: UInt8(ascii: ":")) ?? 0
            bytes.insert(contentsOf: value + Array(",".utf8), at: min(bytes.count, colon + 1))
        case .hugeString:
            // Inside the first string after a random point (or anywhere): 256 KB to 1 MB of one
            // letter (kept small enough for debug-build tests; the release path is timed separately).
            let quote = bytes[at...].firstIndex(of: UInt8(ascii: "\"")) ?? at
            let size = Int.random(in: 1...4, using: &random) << 18
            bytes.insert(contentsOf: repeatElement(UInt8.random(in: 0x41...0x5A, using: &random), count: size), at: min(bytes.count, quote + 1))
        case .badEscape:
            let escapes = [#"\x"#, #"\uD800"#, #"\uD800\u0041"#, #"\uDC00"#, #"\u12"#, #"\uZZZZ"#, "\\", #"\uDBFF\uDBFF"#]
            let quote = bytes[at...].firstIndex(of: UInt8(ascii: "\"")) ?? at
            bytes.insert(contentsOf: Array(random.pick(escapes).utf8), at: min(bytes.count, quote + 1))
        case .controlCharacter: bytes.insert(UInt8.random(in: 0...0x1F, using: &random), at: at)
        case .deletion:
            let end = Int.random(in: at...min(bytes.count, at + 40), using: &random)
            bytes.removeSubrange(at..<end)
        }
        switch self {
        case .byteFlip, .bitFlip, .controlCharacter: return bytes.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
        default: return bytes  // no newline added
        }
    }
}
