import Foundation

/// What the reference reads from one model response (docs/metric.md, "From a response to an action").
public struct ParsedDecision: Hashable, Sendable {
    /// The vocabulary action, or `error`.
    public var action: String
    /// A scene type, the matcher's `No Suitable Object`, or nil for actions without an object.
    public var object: String?
    /// The text inside `<DecisionMaking>…</DecisionMaking>`, if any.
    public var decision: String?
    /// Why the decision is not executable, when it is not.
    public var failure: StepError?

    /// What the reference's matcher answers when nothing fits.
    public static let noSuitableObject = "No Suitable Object"
}

/// The reference's response parser with a deterministic object matcher in place of its
/// embedding/LLM lookup.
public struct DecisionParser: Sendable {
    /// Actions in the reference's order: the first the decision starts with wins.
    static let kindOrder: [ActionKind] = [.initialize, .navigateTo, .pickup, .put, .putIn, .toggle, .open, .close, .observe, .moveForward, .end]
    /// Their names (the reference's action strings are the kinds' raw values).
    static let actionOrder = kindOrder.map(\.rawValue)
    /// Decisions starting with these carry no object.
    static let objectless = ["end", "observe", "move forward", "error"]

    public let matcher: TypeMatcher

    public init(sceneTypes: [String]) {
        matcher = TypeMatcher(types: sceneTypes)
    }

    public func parse(response: String) -> ParsedDecision { read(response: response).parsed }

    /// Parses decision text such as `navigate to fridge` (also used for plan steps).
    public func parse(decision: String) -> ParsedDecision { read(decision: decision).parsed }

    /// A decision as the episode loop steps it: the parsed decision, its action's kind and its
    /// object's type id among the matcher's sorted types, which for a scene's parser are the
    /// scene's type ids (`CompiledScene` builds it from its sorted type names), so the loop
    /// looks neither up by name again.
    struct Read {
        var parsed: ParsedDecision
        var kind: ActionKind
        var type: Int?
    }

    func read(response: String) -> Read {
        guard let decision = Self.decisionText(in: response) else {
            return Read(parsed: ParsedDecision(action: "error", object: nil, decision: nil, failure: .parseError), kind: .error)
        }
        return read(decision: decision)
    }

    func read(decision: String) -> Read {
        var kind = ActionKind.error
        var word: String?
        var exact: (type: Int, name: String)?
        var text = decision
        let isASCII = text.withUTF8 { bytes -> Bool in
            guard let split = Self.splitASCIIBytes(bytes) else { return false }
            kind = split.kind
            guard let range = split.word else { return true }
            // The word's bytes looked up as they are (no `String` made and hashed for it when it
            // names a type exactly, as a plan's words do); otherwise the matcher's steps.
            let wordBytes = UnsafeBufferPointer(rebasing: bytes[range])
            exact = matcher.tables.exactType(wordBytes)
            if exact == nil { word = String(decoding: wordBytes, as: UTF8.self) }
            return true
        }
        if !isASCII {
            kind = Self.kindOrder.first { decision.hasPrefix($0.rawValue) } ?? .error
            if Self.containsPutIn(decision) { kind = .putIn }
            if !Self.objectless.contains(where: { decision.hasPrefix($0) }) {
                // The text after the last space (the last of the space-separated words).
                word = String(decision[(decision.lastIndex(of: " ").map(decision.index(after:)) ?? decision.startIndex)...])
            }
        }
        var object: String?, type: Int?
        if let exact {
            (type, object) = exact
        } else if let word {
            let match = matcher.resolve(word)
            object = match?.name ?? ParsedDecision.noSuitableObject
            type = match?.type
        }
        // An unrecognised action keeps its object, as the reference's parser does: the illegal
        // entry records it and the repeat cut-off compares it.
        let failure: StepError? = kind == .error ? .unknownAction : nil
        return Read(parsed: ParsedDecision(action: kind.rawValue, object: object, decision: decision, failure: failure), kind: kind, type: type)
    }

    /// Foundation's `decision.contains("put in")`, with a byte search for ASCII text (where the two
    /// agree) in front of it: Foundation's goes through NSString and cost more than the rest of a
    /// plan step.
    static func containsPutIn(_ decision: String) -> Bool {
        var text = decision
        let ascii = text.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return find("put in", in: bytes)
        }
        return ascii ?? decision.contains("put in")
    }

    /// The action and the object word of ASCII decision text, found on its bytes (nil for other
    /// text). For ASCII the byte tests agree with the Character tests of the general path (the
    /// only multi-scalar character, CR LF, is in no action name and is no space), and they skip
    /// the grapheme breaking that made parsing a plan step cost more than executing it.
    static func splitASCII(_ decision: String) -> (action: String, word: String?)? {
        var text = decision
        return text.withUTF8 { bytes in
            splitASCIIBytes(bytes).map { split in
                (split.kind.rawValue, split.word.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) })
            }
        }
    }

    /// `splitASCII` on the decision's bytes, with the action as its kind and the word as its range
    /// (nil for other text).
    static func splitASCIIBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> (kind: ActionKind, word: Range<Int>?)? {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        var action = kind(startingWith: bytes)
        if find("put in", in: bytes) { action = .putIn }
        guard !isObjectless(bytes) else { return (action, nil) }
        let start = bytes.lastIndex(of: UInt8(ascii: " ")).map { $0 + 1 } ?? 0
        return (action, start..<bytes.count)
    }

    /// The kind whose name `bytes` starts with, the first in `kindOrder`, else `error`: the
    /// names compared by their first byte, then as static bytes (a list of names, read on every
    /// plan step, counted a reference per name on storage both worker threads share).
    /// `DecisionParserTests` holds it to the scan of `actionOrder`.
    static func kind(startingWith bytes: UnsafeBufferPointer<UInt8>) -> ActionKind {
        func starts(_ name: StaticString) -> Bool { Self.starts(bytes, with: name) }
        switch bytes.first {
        case UInt8(ascii: "i"): return starts("init") ? .initialize : .error
        case UInt8(ascii: "n"): return starts("navigate to") ? .navigateTo : .error
        case UInt8(ascii: "p"): return starts("pickup") ? .pickup : starts("put") ? .put : .error  // `put in` starts with `put`
        case UInt8(ascii: "t"): return starts("toggle") ? .toggle : .error
        case UInt8(ascii: "o"): return starts("open") ? .open : starts("observe") ? .observe : .error
        case UInt8(ascii: "c"): return starts("close") ? .close : .error
        case UInt8(ascii: "m"): return starts("move forward") ? .moveForward : .error
        case UInt8(ascii: "e"): return starts("end") ? .end : .error
        default: return .error
        }
    }

    /// Whether `bytes` starts with one of `objectless`, likewise.
    static func isObjectless(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func starts(_ name: StaticString) -> Bool { Self.starts(bytes, with: name) }
        switch bytes.first {
        case UInt8(ascii: "e"): return starts("end") || starts("error")
        case UInt8(ascii: "o"): return starts("observe")
        case UInt8(ascii: "m"): return starts("move forward")
        default: return false
        }
    }

    @inline(__always)
    static func starts(_ bytes: UnsafeBufferPointer<UInt8>, with name: StaticString) -> Bool {
        guard name.utf8CodeUnitCount <= bytes.count, let base = bytes.baseAddress else { return name.utf8CodeUnitCount == 0 }
        return memcmp(base, name.utf8Start, name.utf8CodeUnitCount) == 0
    }

    /// Whether `pattern` occurs in `bytes`.
    static func find(_ pattern: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        pattern.withUTF8Buffer { find($0, in: bytes, from: 0) } != nil
    }

    /// The first `<DecisionMaking>(.*?)</DecisionMaking>` whose inner text has no newline (the
    /// reference's regex has no DOTALL). Searches UTF-8 bytes, as the regex matches code points,
    /// in linear time: opening tags before one closing tag share that tag and its last newline,
    /// found once (a search per opening tag was quadratic on hostile responses).
    static func decisionText(in response: String) -> String? {
        var response = response
        return response.withUTF8 { bytes -> String? in
            var searchStart = 0
            var known: (close: Int, lastNewline: Int?)?
            while let open = find(openTag, in: bytes, from: searchStart) {
                let inner = open + openTag.count
                if known.map({ $0.close < inner }) ?? true {
                    guard let close = find(closeTag, in: bytes, from: inner) else { return nil }
                    known = (close, bytes[inner..<close].lastIndex(of: UInt8(ascii: "\n")))
                }
                guard let (close, lastNewline) = known else { return nil }
                if lastNewline.map({ $0 < inner }) ?? true {
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[inner..<close]), as: UTF8.self)
                }
                searchStart = inner
            }
            return nil
        }
    }

    static let openTag = Array("<DecisionMaking>".utf8), closeTag = Array("</DecisionMaking>".utf8)

    /// The offset of the first occurrence of `pattern` at or after `start`.
    static func find(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        pattern.withUnsafeBufferPointer { find($0, in: bytes, from: start) }
    }

    static func find(_ pattern: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, let patternBase = pattern.baseAddress, let first = pattern.first else { return nil }
        var position = start
        while position + pattern.count <= bytes.count,
              let found = memchr(base + position, Int32(first), bytes.count - position - pattern.count + 1) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + index, patternBase, pattern.count) == 0 { return index }
            position = index + 1
        }
        return nil
    }
}

/// Distinct byte strings and their positions, found by their bytes: an open-addressing table
/// (FNV-1a hash, linear probing, at most half full), so a lookup hashes the bytes once and
/// compares them with one key, without making a `String` (a scene's type names: a few dozen).
struct ByteKeyedTable: Sendable {
    /// The keys end to end, key i at `offsets[i]..<offsets[i + 1]` (one array: a lookup counts
    /// no reference on an array per key).
    private let storage: [UInt8]
    private let offsets: [Int]
    /// Key position + 1 per slot; 0 is an empty slot.
    private let slots: [Int32]
    private let mask: Int

    init(keys: [[UInt8]]) {
        storage = keys.flatMap { $0 }
        var offsets = [0]
        for key in keys { offsets.append(offsets[offsets.count - 1] + key.count) }
        self.offsets = offsets
        var capacity = 8
        while capacity < keys.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var slots = [Int32](repeating: 0, count: capacity)
        for (position, key) in keys.enumerated() {
            var slot = key.withUnsafeBufferPointer { Self.hash($0) } & (capacity - 1)
            while slots[slot] != 0 {
                // A repeated key keeps its first position.
                if keys[Int(slots[slot]) - 1] == key { break }
                slot = (slot + 1) & (capacity - 1)
            }
            if slots[slot] == 0 { slots[slot] = Int32(position + 1) }
        }
        self.slots = slots
    }

    /// The position of the key with these bytes, if any.
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(bytes) & mask
        return storage.withUnsafeBufferPointer { all -> Int? in
            // The table is at most half full, so an empty slot ends every probe.
            while slots[slot] != 0 {
                let position = Int(slots[slot]) - 1
                let start = offsets[position], count = offsets[position + 1] - start
                if count == bytes.count {
                    guard count > 0, let key = all.baseAddress, let word = bytes.baseAddress else { return position }
                    if memcmp(key + start, word, count) == 0 { return position }
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}

/// Maps the word a model wrote to a scene object type, deterministically:
/// 1. exact (case-sensitive) type name;
/// 2. case-insensitive exact;
/// 3. normalised: letters only, lower-case, singular (`vase1` → Vase, `Counter_Top` → CounterTop,
///    `apples` → Apple);
/// 4. fuzzy: normalised Levenshtein similarity of at least `fuzzyThreshold` (0.8) to a normalised
///    type name, best score first, then alphabetical.
/// Below the threshold there is no match (the reference's `No Suitable Object`).
public struct TypeMatcher: Sendable {
    public static let fuzzyThreshold = 0.8

    /// The lookup tables, in one class: every episode copies its scene's parser, and a copy
    /// then counts one reference instead of one per table.
    final class Tables: Sendable {
        /// The types in sorted order; a type's id is its position (the scene's type id when the
        /// types are a scene's sorted type names, as `CompiledScene` passes them).
        let names: [String]
        /// Exact, lower-cased and normalised name → type id; where two types share a key, the
        /// alphabetically first wins (as a scan of the sorted names would find it).
        let exact: [String: Int]
        let lowercased: [String: Int]
        let normalised: [String: Int]
        /// The normalised names in alphabetical order of their types, for the fuzzy step, and
        /// their UTF-8 bytes (the edit distance compares bytes).
        let fuzzyCandidates: [(key: String, type: Int)]
        let fuzzyBytes: [[UInt8]]
        /// `exact` keyed by the names' UTF-8 bytes (`exactType`): the names' positions, and
        /// what `exact` gives for each name (names longer than `maxNameLength` match nothing).
        let exactBytes: ByteKeyedTable
        let exactTypeOfName: [Int?]

        init(types: [String]) {
            let sorted = types.sorted()
            names = sorted
            let exact = Dictionary(sorted.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            self.exact = exact
            lowercased = Dictionary(sorted.enumerated().map { ($1.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            fuzzyCandidates = sorted.enumerated().map { (TypeMatcher.normalise($1), $0) }
            normalised = Dictionary(fuzzyCandidates.map { ($0.key, $0.type) }, uniquingKeysWith: { first, _ in first })
            fuzzyBytes = fuzzyCandidates.map { Array($0.key.utf8) }
            exactBytes = ByteKeyedTable(keys: sorted.map { Array($0.utf8) })
            exactTypeOfName = sorted.map { name in name.utf8.count <= TypeMatcher.maxNameLength ? exact[name] : nil }
        }

        /// What `resolve` answers for a word whose UTF-8 bytes are a type's name as written, found
        /// by those bytes: nil when no name has them (`resolve` then takes its other steps). The
        /// type is `exact`'s for that name (the first of names that compare equal) and the name
        /// has the word's bytes, so it reads as the word itself, as `resolve` returns it.
        func exactType(_ word: UnsafeBufferPointer<UInt8>) -> (type: Int, name: String)? {
            guard let index = exactBytes.index(of: word), let type = exactTypeOfName[index] else { return nil }
            return (type, names[index])
        }
    }
    let tables: Tables

    public init(types: [String]) {
        tables = Tables(types: types)
    }

    /// The longest word (in UTF-8 bytes) the matcher considers: AI2-THOR type names have at most
    /// 20 letters; a longer word names no object (`No Suitable Object`), and the bound keeps the
    /// fuzzy step (edit distance to every type) from growing with the text (a 30 MB word took 17 s).
    public static let maxNameLength = 64

    public func match(_ word: String) -> String? { resolve(word)?.name }

    /// The type `word` means, by id, and its name: the word itself when it is one (as written),
    /// else the type's name.
    func resolve(_ word: String) -> (type: Int, name: String)? {
        guard word.utf8.count <= Self.maxNameLength else { return nil }
        let tables = tables
        if let hit = tables.exact[word] { return (hit, word) }
        let lower = word.lowercased()
        if let hit = tables.lowercased[lower] { return (hit, tables.names[hit]) }
        let key = Self.normalise(word)
        guard !key.isEmpty else { return nil }
        if let hit = tables.normalised[key] { return (hit, tables.names[hit]) }
        var best: (score: Double, type: Int)?
        // The word's bytes and the distance table's rows, made once for all candidates (per
        // candidate, four arrays were allocated: a misspelt word cost hundreds).
        let keyBytes = Array(key.utf8)
        var rows = EditDistanceRows()
        for index in tables.fuzzyCandidates.indices {
            let type = tables.fuzzyCandidates[index].type
            let score = Self.similarity(keyBytes, tables.fuzzyBytes[index], rows: &rows)
            if score >= Self.fuzzyThreshold, score > (best?.score ?? 0) { best = (score, type) }
        }
        return best.map { ($0.type, tables.names[$0.type]) }
    }

    /// Letters only, lower-case, without a plural ending.
    static func normalise(_ text: String) -> String {
        var letters: String
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: the alphabetic scalars are exactly A–Z and a–z, and lower-casing maps A–Z
            // to a–z, so the general path below gives these bytes (without a Character per scalar).
            letters = String(decoding: text.utf8.compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                case UInt8(ascii: "a")...UInt8(ascii: "z"): byte
                default: nil
                }
            }, as: UTF8.self)
        } else {
            letters = String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init))
        }
        if letters.hasSuffix("es"), letters.count > 4, ["ches", "shes", "xes", "sses", "toes"].contains(where: letters.hasSuffix) {
            letters.removeLast(2)
        } else if letters.hasSuffix("s"), !letters.hasSuffix("ss"), letters.count > 3 {
            letters.removeLast()
        }
        return letters
    }

    /// 1 − Levenshtein distance / longer length.
    static func similarity(_ a: String, _ b: String) -> Double {
        var rows = EditDistanceRows()
        return similarity(Array(a.utf8), Array(b.utf8), rows: &rows)
    }

    /// The two rows of the distance table, kept across candidates (their storage is reused).
    struct EditDistanceRows {
        var previous: [Int] = [], current: [Int] = []
    }

    /// `similarity` on UTF-8 bytes, with the table's rows in `rows`.
    static func similarity(_ x: [UInt8], _ y: [UInt8], rows: inout EditDistanceRows) -> Double {
        guard !x.isEmpty || !y.isEmpty else { return 1 }
        rows.previous.removeAll(keepingCapacity: true)
        rows.previous.append(contentsOf: 0...y.count)
        rows.current.removeAll(keepingCapacity: true)
        rows.current.append(contentsOf: 0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            rows.current[0] = i
            for j in 1...max(y.count, 1) where !y.isEmpty {
                rows.current[j] = min(rows.previous[j] + 1, rows.current[j - 1] + 1, rows.previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&rows.previous, &rows.current)
        }
        let distance = x.isEmpty ? y.count : rows.previous[y.count]
        return 1 - Double(distance) / Double(max(x.count, y.count))
    }
}
