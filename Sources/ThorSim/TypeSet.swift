import ThorModel

/// A set of object-type ids (at most 256 per scene) as four machine words, so the navigable and
/// interactable sets of a step are a few bit operations, not a set of strings.
public struct TypeSet: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public static let capacity = StoreLimits.objectTypesPerScene

    public init() {}

    @inline(__always)
    public func contains(_ type: Int) -> Bool {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    @inline(__always)
    public mutating func insert(_ type: Int) {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    public mutating func formUnion(_ other: TypeSet) {
        words.0 |= other.words.0
        words.1 |= other.words.1
        words.2 |= other.words.2
        words.3 |= other.words.3
    }

    /// The members also in `other`.
    func intersection(_ other: TypeSet) -> TypeSet {
        var both = TypeSet()
        both.words = (words.0 & other.words.0, words.1 & other.words.1, words.2 & other.words.2, words.3 & other.words.3)
        return both
    }

    public var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    /// Member ids in ascending order.
    public var members: [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        for (offset, word) in [words.0, words.1, words.2, words.3].enumerated() {
            var rest = word
            while rest != 0 {
                result.append(offset * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return result
    }

    /// Calls `body` with each member id in ascending order, without building `members`.
    @inline(__always)
    public func forEach(_ body: (Int) -> Void) {
        // Word by word, without an array of the words (an allocation per call).
        func each(_ word: UInt64, _ base: Int) {
            var rest = word
            while rest != 0 {
                body(base + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        each(words.0, 0)
        each(words.1, 64)
        each(words.2, 128)
        each(words.3, 192)
    }

    public var count: Int {
        words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount
    }

    public static func == (lhs: TypeSet, rhs: TypeSet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
