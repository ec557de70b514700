import ThorFuzzSupport
import XCTest

@testable import ThorSim

final class DecisionParserTests: XCTestCase {
    let parser = DecisionParser(sceneTypes: ["Apple", "CounterTop", "Fridge", "Vase", "Shelf", "GarbageCan", "Tomato", "Box"])

    func testDecisionIsTheFirstTagWithoutANewline() {
        XCTAssertEqual(parser.parse(response: "a <DecisionMaking>open\nFridge</DecisionMaking> b <DecisionMaking>open Fridge</DecisionMaking>").decision, "open Fridge")
        XCTAssertEqual(parser.parse(response: "no tag at all").failure, .parseError)
        XCTAssertEqual(parser.parse(response: "no tag at all").action, "error")
    }

    func testActionIsTheFirstVocabularyPrefixAndPutInWins() {
        XCTAssertEqual(parser.parse(decision: "navigate to apple").action, "navigate to")
        XCTAssertEqual(parser.parse(decision: "put in Fridge").action, "put in")
        XCTAssertEqual(parser.parse(decision: "put Fridge").action, "put")
        XCTAssertEqual(parser.parse(decision: "pick up Apple").action, "error", "the reference has no `pick up`")
        XCTAssertEqual(parser.parse(decision: "pick up Apple").failure, .unknownAction)
    }

    func testObjectlessActionsHaveNoObject() {
        for decision in ["end", "observe", "move forward"] { XCTAssertNil(parser.parse(decision: decision).object) }
    }

    func testObjectIsTheLastWordMatchedToASceneType() {
        XCTAssertEqual(parser.parse(decision: "navigate to apple").object, "Apple")
        XCTAssertEqual(parser.parse(decision: "navigate to vase1").object, "Vase")
        XCTAssertEqual(parser.parse(decision: "navigate to the counter_top").object, "CounterTop")
        XCTAssertEqual(parser.parse(decision: "pickup tomatoes").object, "Tomato")
        XCTAssertEqual(parser.parse(decision: "navigate to shelf21").object, "Shelf")
        XCTAssertEqual(parser.parse(decision: "navigate to GarbageCann").object, "GarbageCan", "fuzzy match above the threshold")
        XCTAssertEqual(parser.parse(decision: "navigate to television").object, ParsedDecision.noSuitableObject)
    }

    func testPutInAnywhereInTheDecisionWinsAlsoInNonASCIIText() {
        XCTAssertEqual(parser.parse(decision: "pickup then put in Fridge").action, "put in")
        XCTAssertEqual(parser.parse(decision: "put in Fridge é").action, "put in", "non-ASCII text takes Foundation's search")
        XCTAssertEqual(parser.parse(decision: "put é Fridge").action, "put")
        XCTAssertEqual(parser.parse(decision: "put inFridge").action, "put in", "the reference tests the substring, not a word")
    }

    func testSharedLowerCasedOrNormalisedNamesGoToTheAlphabeticallyFirstType() {
        let matcher = TypeMatcher(types: ["box", "BOX", "Box"])
        XCTAssertEqual(matcher.match("bOx"), "BOX", "case-insensitive: the first of the sorted names")
        XCTAssertEqual(TypeMatcher(types: ["Pen", "Pens"]).match("pen1"), "Pen")
    }

    func testMatcherIsCaseSensitiveFirst() {
        let matcher = TypeMatcher(types: ["Box", "box"])
        XCTAssertEqual(matcher.match("box"), "box")
        XCTAssertEqual(matcher.match("Box"), "Box")
    }

    /// ASCII decisions are split on bytes; the same text with a non-ASCII character appended to a
    /// non-object part takes the general path, and both must read the same action and last word.
    func testTheByteSplitOfASCIIDecisionsAgreesWithTheCharacterSplit() throws {
        let decisions = ["navigate to apple", "put in Fridge", "put Fridge", "pick up Apple", "end", "endless Apple", "observe now",
                         "move forward", "navigate to", "", " ", "navigate to  Fridge ", "init", "put in", "toggle\r\nFridge",
                         "open Fridge\r\n", "closeFridge", "navigate to Counter Top"]
        for decision in decisions {
            let ascii = try XCTUnwrap(DecisionParser.splitASCII(decision), decision)
            XCTAssertEqual(ascii.action, DecisionParser.actionOrder.first { decision.hasPrefix($0) }.map {
                DecisionParser.containsPutIn(decision) ? "put in" : $0 } ?? (DecisionParser.containsPutIn(decision) ? "put in" : "error"), decision)
            let objectless = DecisionParser.objectless.contains { decision.hasPrefix($0) }
            let word = objectless ? nil : String(decision[(decision.lastIndex(of: " ").map(decision.index(after:)) ?? decision.startIndex)...])
            XCTAssertEqual(ascii.word, word, decision)
        }
        XCTAssertNil(DecisionParser.splitASCII("navigate to é"), "non-ASCII text takes the Character path")
        XCTAssertEqual(parser.parse(decision: "navigate to é Fridge"), parser.parse(decision: "navigate to e Fridge").with(decision: "navigate to é Fridge"),
                       "the Character path reads the same action and object")
    }

    /// The action's kind and whether it takes no object are read by first byte and static names
    /// (`kind(startingWith:)`, `isObjectless`): on every name, its prefixes, extensions and
    /// near misses they answer as the scan of `actionOrder` and `objectless` in order does.
    func testKindsByFirstByteAreTheFirstNameInOrderTheDecisionStartsWith() {
        var texts = ["", " ", "x", "error", "errors", "e", "put in Fridge", "pickup", "pick", "openobserve", "observed", "p", "m"]
        for name in DecisionParser.actionOrder + DecisionParser.objectless {
            texts += [name, name + " Apple", name + "x", String(name.dropLast()), String(name.dropFirst()), name.uppercased(), " " + name]
        }
        for text in texts {
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                let words = UnsafeBufferPointer(buffer)
                XCTAssertEqual(DecisionParser.kind(startingWith: words), DecisionParser.kindOrder.first { text.hasPrefix($0.rawValue) } ?? .error, text)
                XCTAssertEqual(DecisionParser.isObjectless(words), DecisionParser.objectless.contains { text.hasPrefix($0) }, text)
            }
        }
    }

    /// Seeded random decisions made of action names, type names, their near misses, spaces,
    /// `put in` anywhere, control and non-ASCII characters: the parser (byte paths, first-byte
    /// kinds, words found by their bytes) reads each as the plain reading does (Character
    /// prefixes, Foundation's `contains`, the last space-separated word resolved by the matcher).
    func testRandomDecisionsReadAsThePlainReadingReadsThem() {
        let types = ["Apple", "Bowl", "CounterTop", "Fridge", "GarbageCan", "K", "\u{212A}", "Sink", "SinkBasin", "StoveBurner"]
        let parser = DecisionParser(sceneTypes: types)
        let pieces = DecisionParser.actionOrder + DecisionParser.objectless + types + types.map { $0.lowercased() + "s" }
            + ["put in", " ", "  ", "x", "é", "\r\n", "\u{0}", "navigate", "pick up", "Fridge1", "", String(repeating: "Long", count: 20)]
        var generator = SeededGenerator(seed: 10)
        for _ in 0..<3000 {
            let decision = (0..<Int(generator.next() % 5)).map { _ in generator.pick(pieces) }
                .joined(separator: generator.next() % 3 == 0 ? "" : " ")
            var kind = DecisionParser.kindOrder.first { decision.hasPrefix($0.rawValue) } ?? .error
            if decision.contains("put in") { kind = .putIn }
            var word: String?
            if !DecisionParser.objectless.contains(where: { decision.hasPrefix($0) }) {
                word = String(decision[(decision.lastIndex(of: " ").map(decision.index(after:)) ?? decision.startIndex)...])
            }
            let match = word.flatMap { parser.matcher.resolve($0) }
            let read = parser.read(decision: decision)
            XCTAssertEqual(read.kind, kind, decision)
            XCTAssertEqual(read.parsed.action, kind.rawValue, decision)
            XCTAssertEqual(read.parsed.object, word.map { _ in match?.name ?? ParsedDecision.noSuitableObject }, decision)
            XCTAssertEqual(read.type, match?.type, decision)
        }
    }

    /// A word is first looked up by its bytes (`Tables.exactType`, `ByteKeyedTable`): for every
    /// name, a word a byte off, a prefix, an empty word, a name past `maxNameLength` and names
    /// that compare equal as `String`s but not as bytes (U+212A KELVIN SIGN is canonically `K`), it
    /// answers what `resolve` answers for a word it finds and nothing for the others, and a
    /// parsed decision is the same whichever way the word was found.
    func testAWordFoundByItsBytesIsWhatTheMatcherResolvesItTo() {
        let long = String(repeating: "Long", count: 20)
        let names = ["Apple", "Bowl", "CounterTop", "Fridge", "K", "\u{212A}", "StoveBurner", "apple", long] + (0..<40).map { "Type\($0)" }
        let matcher = TypeMatcher(types: names)
        let table = ByteKeyedTable(keys: names.map { Array($0.utf8) })
        var words = names + ["", "Appl", "Applf", "Fridge1", "k", "\u{212A}x", "Type40", "ype1"]
        words += names.map { String($0.dropFirst()) + "z" }
        for word in words {
            var bytes = Array(word.utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                let found = matcher.tables.exactType(UnsafeBufferPointer(buffer))
                let position = table.index(of: UnsafeBufferPointer(buffer))
                XCTAssertEqual(position.map { names[$0] }, names.contains(word) ? word : nil, word)
                if let found {
                    XCTAssertEqual(found.name, word)
                    XCTAssertEqual(found.type, matcher.resolve(word)?.type, word)
                    XCTAssertEqual(found.name, matcher.resolve(word)?.name, word)
                } else {
                    XCTAssertTrue(!names.contains(word) || word.utf8.count > TypeMatcher.maxNameLength, word)
                }
            }
            let parser = DecisionParser(sceneTypes: names)
            let read = parser.read(decision: "pickup \(word)")
            XCTAssertEqual(read.parsed.object, parser.matcher.resolve(word)?.name ?? ParsedDecision.noSuitableObject, word)
            XCTAssertEqual(read.type, parser.matcher.resolve(word)?.type, word)
        }
    }

    /// The fuzzy step's edit distance reuses its rows across candidates and the normalisation
    /// has an ASCII path: on seeded random words (ASCII and not) both give what the plain
    /// algorithms give, and one row set used for many pairs in a row answers as fresh rows do.
    func testTheFuzzyStepsDistanceAndTheASCIINormalisationAgreeWithThePlainAlgorithms() {
        func plainSimilarity(_ a: String, _ b: String) -> Double {
            let x = Array(a.utf8), y = Array(b.utf8)
            guard !x.isEmpty || !y.isEmpty else { return 1 }
            var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
            for i in 0...x.count { table[i][0] = i }
            for j in 0...y.count { table[0][j] = j }
            for i in x.indices { for j in y.indices {
                table[i + 1][j + 1] = min(table[i][j + 1] + 1, table[i + 1][j] + 1, table[i][j] + (x[i] == y[j] ? 0 : 1))
            } }
            return 1 - Double(table[x.count][y.count]) / Double(max(x.count, y.count))
        }
        func plainNormalise(_ text: String) -> String {
            var letters = String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init))
            if letters.hasSuffix("es"), letters.count > 4, ["ches", "shes", "xes", "sses", "toes"].contains(where: letters.hasSuffix) {
                letters.removeLast(2)
            } else if letters.hasSuffix("s"), !letters.hasSuffix("ss"), letters.count > 3 {
                letters.removeLast()
            }
            return letters
        }
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let alphabet = Array("aAbBcCeEhHsSoOtTxX_ 1-9é\u{212A}Ä")
        var rows = TypeMatcher.EditDistanceRows()
        for _ in 0..<2000 {
            let a = String((0..<next(12)).map { _ in alphabet[next(alphabet.count)] })
            let b = String((0..<next(12)).map { _ in alphabet[next(alphabet.count)] })
            XCTAssertEqual(TypeMatcher.similarity(a, b), plainSimilarity(a, b), "\(a) \(b)")
            XCTAssertEqual(TypeMatcher.similarity(Array(a.utf8), Array(b.utf8), rows: &rows), plainSimilarity(a, b), "\(a) \(b)")
            XCTAssertEqual(TypeMatcher.normalise(a), plainNormalise(a), a)
        }
        for word in ["Boxes", "Glasses", "Tomatoes", "Dishes", "Bus", "Counter_Top1", "VASE2", ""] {
            XCTAssertEqual(TypeMatcher.normalise(word), plainNormalise(word), word)
        }
    }
}

private extension ParsedDecision {
    func with(decision: String) -> ParsedDecision {
        var copy = self
        copy.decision = decision
        return copy
    }
}
