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
    /// Action names in the reference's order: the first the decision starts with wins.
    static let actionOrder = ["init", "navigate to", "pickup", "put", "put in", "toggle", "open", "close", "observe", "move forward", "end"]
    /// Decisions starting with these carry no object.
    static let objectless = ["end", "observe", "move forward", "error"]

    public let matcher: TypeMatcher

    public init(sceneTypes: [String]) {
        matcher = TypeMatcher(types: sceneTypes)
    }

    public func parse(response: String) -> ParsedDecision {
        guard let decision = Self.decisionText(in: response) else {
            return ParsedDecision(action: "error", object: nil, decision: nil, failure: .parseError)
        }
        return parse(decision: decision)
    }

    /// Parses decision text such as `navigate to fridge` (also used for plan steps).
    public func parse(decision: String) -> ParsedDecision {
        var action: String
        var word: String?
        if let ascii = Self.splitASCII(decision) {
            (action, word) = ascii
        } else {
            action = Self.actionOrder.first { decision.hasPrefix($0) } ?? "error"
            if Self.containsPutIn(decision) { action = "put in" }
            if !Self.objectless.contains(where: { decision.hasPrefix($0) }) {
                // The text after the last space (the last of the space-separated words).
                word = String(decision[(decision.lastIndex(of: " ").map(decision.index(after:)) ?? decision.startIndex)...])
            }
        }
        var object: String?
        if let word { object = matcher.match(word) ?? ParsedDecision.noSuitableObject }
        // An unrecognised action keeps its object, as the reference's parser does: the illegal
        // entry records it and the repeat cut-off compares it.
        let failure: StepError? = action == "error" ? .unknownAction : nil
        return ParsedDecision(action: action, object: object, decision: decision, failure: failure)
    }

    /// Foundation's `decision.contains("put in")`, with a byte search for ASCII text (where the two
    /// agree) in front of it: Foundation's goes through NSString and cost more than the rest of a
    /// plan step.
    static func containsPutIn(_ decision: String) -> Bool {
        var text = decision
        let ascii = text.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return find(putInWords, in: bytes, from: 0) != nil
        }
        return ascii ?? decision.contains("put in")
    }

    static let putInWords = Array("put in".utf8)

    /// The action and the object word of ASCII decision text, found on its bytes (nil for other
    /// text). For ASCII the byte tests agree with the Character tests of the general path (the
    /// only multi-scalar character, CR LF, is in no action name and is no space), and they skip
    /// the grapheme breaking that made parsing a plan step cost more than executing it.
    static func splitASCII(_ decision: String) -> (action: String, word: String?)? {
        var text = decision
        return text.withUTF8 { bytes -> (String, String?)? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            func starts(with name: [UInt8]) -> Bool { bytes.count >= name.count && bytes.starts(with: name) }
            var action = actionOrderBytes.firstIndex(where: starts).map { actionOrder[$0] } ?? "error"
            if find(putInWords, in: bytes, from: 0) != nil { action = "put in" }
            guard !objectlessBytes.contains(where: starts) else { return (action, nil) }
            let start = bytes.lastIndex(of: UInt8(ascii: " ")).map { $0 + 1 } ?? 0
            return (action, String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        }
    }

    static let actionOrderBytes = actionOrder.map { Array($0.utf8) }
    static let objectlessBytes = objectless.map { Array($0.utf8) }

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
        guard let base = bytes.baseAddress, let first = pattern.first else { return nil }
        var position = start
        while position + pattern.count <= bytes.count,
              let found = memchr(base + position, Int32(first), bytes.count - position - pattern.count + 1) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + index, pattern, pattern.count) == 0 { return index }
            position = index + 1
        }
        return nil
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
    let types: Set<String>
    /// Lower-cased and normalised name → type; where two types share a key, the alphabetically
    /// first wins (as a scan of the sorted names would find it).
    let lowercased: [String: String]
    let normalised: [String: String]
    /// The normalised names in alphabetical order of their types, for the fuzzy step.
    let fuzzyCandidates: [(key: String, type: String)]

    public init(types: [String]) {
        let sorted = types.sorted()
        self.types = Set(sorted)
        lowercased = Dictionary(sorted.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        fuzzyCandidates = sorted.map { (Self.normalise($0), $0) }
        normalised = Dictionary(fuzzyCandidates.map { ($0.key, $0.type) }, uniquingKeysWith: { first, _ in first })
    }

    /// The longest word (in UTF-8 bytes) the matcher considers: AI2-THOR type names have at most
    /// 20 letters; a longer word names no object (`No Suitable Object`), and the bound keeps the
    /// fuzzy step (edit distance to every type) from growing with the text (a 30 MB word took 17 s).
    public static let maxNameLength = 64

    public func match(_ word: String) -> String? {
        guard word.utf8.count <= Self.maxNameLength else { return nil }
        if types.contains(word) { return word }
        let lower = word.lowercased()
        if let hit = lowercased[lower] { return hit }
        let key = Self.normalise(word)
        guard !key.isEmpty else { return nil }
        if let hit = normalised[key] { return hit }
        var best: (score: Double, type: String)?
        for (candidate, type) in fuzzyCandidates {
            let score = Self.similarity(key, candidate)
            if score >= Self.fuzzyThreshold, score > (best?.score ?? 0) { best = (score, type) }
        }
        return best?.type
    }

    /// Letters only, lower-case, without a plural ending.
    static func normalise(_ text: String) -> String {
        var letters = String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init))
        if letters.hasSuffix("es"), letters.count > 4, ["ches", "shes", "xes", "sses", "toes"].contains(where: letters.hasSuffix) {
            letters.removeLast(2)
        } else if letters.hasSuffix("s"), !letters.hasSuffix("ss"), letters.count > 3 {
            letters.removeLast()
        }
        return letters
    }

    /// 1 − Levenshtein distance / longer length.
    static func similarity(_ a: String, _ b: String) -> Double {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard !x.isEmpty || !y.isEmpty else { return 1 }
        var previous = Array(0...y.count)
        var current = previous
        for i in 1...max(x.count, 1) where !x.isEmpty {
            current[0] = i
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        let distance = x.isEmpty ? y.count : previous[y.count]
        return 1 - Double(distance) / Double(max(x.count, y.count))
    }
}
