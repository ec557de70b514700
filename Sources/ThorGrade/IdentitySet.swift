import ThorModel

/// A set of task identities that answers "first time?" per graded line without hashing the usual
/// identity. Whole numbers in `0 ..< bitLimit` (the reference's identities run from 1 to a few
/// thousand) are bits in an array grown to the largest one seen; every other identity (negative
/// or larger numbers, strings) goes to a `Set`. The consumer asks this twice a line (coverage, the
/// key-action warnings): as `Set<TaskIdentity>` the two inserts hashed the enum with SipHash, 2–3%
/// of a recorded run's CPU. `.int(7)` and `.string("7")` stay distinct, as in a `Set`.
struct IdentitySet: Sendable {
    /// Whole numbers below this are bits: 128 KB at most per set.
    static let bitLimit = 1 << 20
    private var bits: [UInt64] = []
    private var others: Set<TaskIdentity> = []

    /// Adds `identity`; true when it was not in the set.
    mutating func insert(_ identity: TaskIdentity) -> Bool {
        guard case .int(let value) = identity, value >= 0, value < Self.bitLimit else { return others.insert(identity).inserted }
        let word = value >> 6, bit = UInt64(1) << UInt64(value & 63)
        if word >= bits.count {
            // Grown geometrically (at least to 1,024 identities), never past the limit.
            bits.append(contentsOf: repeatElement(0, count: max(word + 1, min(2 * bits.count, Self.bitLimit >> 6), 16) - bits.count))
        }
        if bits[word] & bit != 0 { return false }
        bits[word] |= bit
        return true
    }
}
