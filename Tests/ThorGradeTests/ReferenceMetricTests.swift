import ThorModel
import XCTest

@testable import ThorGrade

/// Each rule and quirk of the reference metric (docs/metric.md, "Per-task metric"), pinned with a hand-built trajectory.
final class ReferenceMetricTests: XCTestCase {
    /// `isScored` compares the unscored words where their first letters stand: it must answer as
    /// a search for each of `unscoredKeyWords` does, for the words anywhere, cut short at the end,
    /// after a false start of the same letter, in other case, and in non-ASCII texts, both as a
    /// `String` and as a span.
    func testIsScoredAnswersAsASearchForEachUnscoredWord() {
        var texts = ["", "o", "m", "n", "end", "pickup Mug", "observe", "move forward", "navigate to", "navigate to Mug",
                     "Observe", "move forwar", "navigate t", "nnavigate to", "oobserve", "mmove forward", "x navigate to",
                     "navigate tomato", "put in Pot", "naïve observe", "ñavigate to", "move  forward", "toggle observer"]
        let pieces = ["o", "ob", "observe", "m", "move ", "move forward", "n", "navigate", "navigate to", " ", "x", "é", "N"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            texts.append((0..<Int.random(in: 1...5, using: &generator)).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined())
        }
        for text in texts {
            let expected = !ReferenceMetric.unscoredKeyWords.contains { text.contains($0) }
            XCTAssertEqual(ReferenceMetric.isScored(text), expected, text)
        }
    }

    func step(_ action: String, _ object: String? = nil, ok: Bool = true, legal: [String] = []) -> TrajectoryEntry {
        TrajectoryEntry(action: action, object: object, success: ok, legalObjects: legal)
    }

    let pickup = TaskReference(taskType: "single_pickup", taskName: "Pick up the Apple.", keyActions: ["navigate to CounterTop", "pickup Apple", "end"])

    func testExpertTrajectoryScoresFullMarks() throws {
        let m = try ReferenceMetric.evaluate([step("init"), step("navigate to", "CounterTop"), step("pickup", "Apple"), step("end")], task: pickup)
        XCTAssertEqual(m, TaskMetrics(success: 1, efficiency: 1.0, completeness: 1.0, completenessOrdered: 1.0, keyActionsSuccess: 0, repeatRate: 0, step: 2))
    }

    func testFailedStepsDoNotScoreButFailedNavigationCountsForRepeatRate() throws {
        let m = try ReferenceMetric.evaluate([
            step("init"), step("navigate to", "Fridge", ok: false), step("navigate to", "Fridge"),
            step("pickup", "Apple", ok: false), step("end"),
        ], task: pickup)
        XCTAssertEqual(m.completeness, 0.5)
        XCTAssertEqual(m.success, 0)
        XCTAssertEqual(m.efficiency, 0.0, "efficiency is 0 unless success")
        XCTAssertEqual(m.repeatRate, 0.5, "two navigations to one distinct object")
    }

    func testOutOfBudgetFinalEndIsCreditedAsASuccessStep() throws {
        let m = try ReferenceMetric.evaluate([step("init"), step("observe"), step("end")], task: pickup)
        XCTAssertEqual(m.completeness, 0.5, "the final end entry scores even though nothing was done")
    }

    func testPutInScoresAsPut() throws {
        let task = TaskReference(taskType: "pickup_and_put", taskName: "x", keyActions: ["navigate to CounterTop", "pickup Apple", "navigate to Fridge", "put Fridge", "end"])
        let m = try ReferenceMetric.evaluate([step("init"), step("pickup", "Apple"), step("put in", "Fridge"), step("end")], task: task)
        XCTAssertEqual(m.success, 1)
        XCTAssertEqual(m.completenessOrdered, 1.0)
    }

    func testRepeatedKeyActionRemovesOneCopyEachTime() throws {
        let task = TaskReference(taskType: "ordered_pickup_two_object_and_put", taskName: "x",
                                 keyActions: ["pickup Apple", "put GarbageCan", "pickup Knife", "put GarbageCan", "end"])
        let once = try ReferenceMetric.evaluate([step("put", "GarbageCan"), step("put", "GarbageCan"), step("put", "GarbageCan"), step("end")], task: task)
        XCTAssertEqual(once.completeness, 3.0 / 5.0, "two copies match, the third put scores nothing")
    }

    func testCompletenessOrderedIsTheLongestCommonSubsequence() throws {
        let task = TaskReference(taskType: "pickup_and_put", taskName: "x", keyActions: ["pickup Apple", "open Fridge", "put Fridge", "end"])
        let m = try ReferenceMetric.evaluate([step("open", "Fridge"), step("pickup", "Apple"), step("put", "Fridge"), step("end")], task: task)
        XCTAssertEqual(m.completeness, 1.0)
        XCTAssertEqual(m.completenessOrdered, 0.75, "open Fridge came before pickup Apple")
    }

    func testSingleSearchSubstringQuirkMatchesPotInPotato() throws {
        let task = TaskReference(taskType: "single_search", taskName: "Look for the Potato in the room.", keyActions: ["navigate to CounterTop", "end"])
        let m = try ReferenceMetric.evaluate([step("init"), step("end", legal: ["Pot"])], task: task)
        XCTAssertEqual(m.success, 1, "a visible Pot matches a task about a Potato")
        XCTAssertEqual(m.keyActionsSuccess, 0)
    }

    func testSingleSearchEndAfterKeyActionSetsFlagAndStopsWalking() throws {
        let task = TaskReference(taskType: "single_search", taskName: "Look for the Mug.", keyActions: ["navigate to CounterTop", "end"])
        let m = try ReferenceMetric.evaluate([
            step("init"), step("navigate to", "CounterTop"), step("end", legal: ["Bowl"]),
            step("end", legal: ["Mug"]),  // after the stop: not counted
        ], task: task)
        XCTAssertEqual(m.keyActionsSuccess, 1)
        XCTAssertEqual(m.completeness, 1.0)
        XCTAssertEqual(m.completenessOrdered, 1.0, "single_search uses reward/total")
    }

    func testSingleSearchEndWithoutVisibleTargetOrKeyActionScoresNothing() throws {
        let task = TaskReference(taskType: "single_search", taskName: "Look for the Mug.", keyActions: ["navigate to CounterTop", "end"])
        let m = try ReferenceMetric.evaluate([step("init"), step("navigate to", "Fridge"), step("end", legal: [])], task: task)
        XCTAssertEqual(m.completeness, 0)
    }

    func testNullLegalObjectsReadAsEmpty() throws {
        let line = #"{"identity": 1, "tasktype": "single_search", "taskname": "Find the Mug", "key_actions": ["navigate to CounterTop", "end"], "trajectory": [{"action": "init", "object": null, "success": 1, "legal_objects": null}, {"action": "end", "object": null, "success": 1, "legal_objects": null}]}"#
        let parsed = GradeInputReader.parse(Data(line.utf8), file: "t.jsonl")
        guard case .success(.result(let result)) = parsed[0].1 else { return XCTFail("\(parsed)") }
        XCTAssertEqual(result.trajectory[1].legalObjects, [])
        let report = Grader(mode: .recorded, lookup: { _ in nil }).grade(parsed)
        XCTAssertEqual(report.tasks.first?.metrics.completeness, 0)
    }

    func testStepIsKeyActionCountMinusOneExceptSearchFromCloseReceptacle() throws {
        let closerep = TaskReference(taskType: "single_search_from_closerep", taskName: "x", keyActions: ["navigate to Fridge", "open Fridge", "close Fridge", "end"])
        XCTAssertEqual(try ReferenceMetric.evaluate([step("end")], task: closerep).step, 2)
        XCTAssertEqual(try ReferenceMetric.evaluate([step("end")], task: pickup).step, 2)
        let longer = TaskReference(taskType: "pickup_and_put", taskName: "x", keyActions: ["a", "b", "c", "d", "end"])
        XCTAssertEqual(try ReferenceMetric.evaluate([step("end")], task: longer).step, 4)
    }

    func testNavigationKeyActionsAreNotScored() throws {
        // total counts only pickup Apple and end.
        let m = try ReferenceMetric.evaluate([step("pickup", "Apple"), step("end")], task: pickup)
        XCTAssertEqual(m.completeness, 1.0)
        XCTAssertEqual(m.efficiency, 4.0 / 2.0, "efficiency is (key actions + 1) / trajectory length, unclamped")
    }

    func testOnlySuccessEqualToZeroIsSkippedAndOnlyTruthySuccessBecomesPrevious() throws {
        // A null success is not `== 0`: the reference scores the pickup.
        let scored = try ReferenceMetric.evaluate([step("pickup", "Apple"), TrajectoryEntry(action: "end", success: .falsyNonZero)], task: pickup)
        XCTAssertEqual(scored.completeness, 1.0)
        XCTAssertEqual(try ReferenceMetric.evaluate([TrajectoryEntry(action: "pickup", object: "Apple", success: .falsyNonZero), step("end")], task: pickup).success, 1)
    }

    func testFalsySuccessOnANavigationLeavesTheEarlierPreviousInPlace() throws {
        let search = TaskReference(taskType: "single_search", taskName: "Find the Mug.", keyActions: ["navigate to CounterTop", "end"])
        let m = try ReferenceMetric.evaluate([
            step("navigate to", "Fridge"), TrajectoryEntry(action: "navigate to", object: "CounterTop", success: .falsyNonZero), step("end"),
        ], task: search)
        XCTAssertEqual(m.keyActionsSuccess, 0, "prev stayed \"navigate to Fridge\"")
        XCTAssertEqual(m.completeness, 0)
        XCTAssertEqual(m.repeatRate, 0, "Fridge and CounterTop are distinct")
    }

    func testStringsCompareByCodePointsNotByCanonicalEquivalence() throws {
        let knife = TaskReference(taskType: "single_pickup", taskName: "x", keyActions: ["pickup Knife", "end"])
        // U+212A KELVIN SIGN is canonically equivalent to "K" (Swift's == says equal), not to Python.
        XCTAssertEqual(try ReferenceMetric.evaluate([step("pickup", "\u{212A}nife"), step("end")], task: knife).completeness, 0.5)
        let navigations = try ReferenceMetric.evaluate([step("navigate to", "Caf\u{E9}"), step("navigate to", "Cafe\u{301}"), step("end")], task: knife)
        XCTAssertEqual(navigations.repeatRate, 0, "precomposed and decomposed é are different objects to Python")
    }

    func testPutRewriteLooksAtCodePointsNotCharacters() throws {
        let task = TaskReference(taskType: "pickup_and_put", taskName: "x", keyActions: ["put Fridge", "end"])
        // "put\u{301}" starts with "put" to Python, though its third Character is "t́".
        XCTAssertEqual(try ReferenceMetric.evaluate([step("put\u{301} in", "Fridge"), step("end")], task: task).success, 1)
    }

    func testSingleSearchLowercasesLikePythonIncludingFinalSigma() throws {
        let task = TaskReference(taskType: "single_search", taskName: "Find the ΟΔΟΣ", keyActions: ["navigate to CounterTop", "end"])
        XCTAssertEqual(try ReferenceMetric.evaluate([step("end", legal: ["ΟΣ"])], task: task).completeness, 1.0, "ος in οδος")
        XCTAssertEqual(try ReferenceMetric.evaluate([step("end", legal: ["οσ"])], task: task).completeness, 0, "Python lowers the final Σ to ς")
    }

    /// The longest common subsequence of equal lists is their length (the shortcut), and on
    /// seeded random lists, equal, near-equal or not, the metric's agrees with a plain table.
    func testLongestCommonSubsequenceAgreesWithAPlainTableAndItsShortcut() {
        func plain(_ a: [String], _ b: [String]) -> Int {
            var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in a.indices { for j in b.indices { table[i + 1][j + 1] = a[i] == b[j] ? table[i][j] + 1 : max(table[i][j + 1], table[i + 1][j]) } }
            return table[a.count][b.count]
        }
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let words = ["pickup Apple", "put Fridge", "open Fridge", "end", "put\u{212A}", "toggle Faucet"]
        for _ in 0..<500 {
            let a = (0..<next(7)).map { _ in words[next(words.count)] }
            var b = a
            if next(2) == 0, !b.isEmpty { b[next(b.count)] = words[next(words.count)] }
            if next(3) == 0 { b = (0..<next(7)).map { _ in words[next(words.count)] } }
            XCTAssertEqual(ReferenceMetric.longestCommonSubsequence(a.count, b.count) { a[$0].sameCodePoints(as: b[$1]) }, plain(a, b), "\(a) \(b)")
            XCTAssertEqual(ReferenceMetric.longestCommonSubsequence(a.count, a.count) { a[$0].sameCodePoints(as: a[$1]) }, a.count)
        }
    }
}
