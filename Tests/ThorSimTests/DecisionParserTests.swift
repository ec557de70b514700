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
}

private extension ParsedDecision {
    func with(decision: String) -> ParsedDecision {
        var copy = self
        copy.decision = decision
        return copy
    }
}
