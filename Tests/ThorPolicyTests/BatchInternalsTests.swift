import Foundation
import ThorJSON
import ThorSim
import XCTest

@testable import ThorPolicy

/// The pieces a batched step is made of, each against the plain code it stands for: type lists
/// assembled from a scene's flat JSON names, the session's table of lists by id, and the kept
/// worker threads.
final class BatchInternalsTests: XCTestCase {
    /// `RenderedTypeNames.encode` (one sized buffer, unchecked copies) writes exactly what the
    /// JSON writer writes for the same names, for random tables (names needing escapes, non-ASCII,
    /// empty) and random sets, the empty and the full set among them; ids outside the table are
    /// left out.
    func testTypeListsFromFlatNamesEqualTheWriterOnRandomTablesAndSets() {
        var random = SystemRandomNumberGenerator()
        let pieces = ["Apple", "Counter\"Top", "back\\slash", "tab\there", "new\nline", "Ünïcode", "", "\u{1}", "Stove Burner"]
        for round in 0..<300 {
            let count = round == 0 ? TypeSet.capacity : Int.random(in: 0...TypeSet.capacity, using: &random)
            let table = (0..<count).map { index in pieces[index % pieces.count] + "\(index)" + (index % 7 == 0 ? pieces[(index / 7) % pieces.count] : "") }
            let rendered = RenderedTypeNames(table)
            var set = TypeSet()
            let density = Double.random(in: 0...1, using: &random)
            for id in 0..<TypeSet.capacity where round == 0 || Double.random(in: 0...1, using: &random) < density {
                set.insert(id)
            }
            var writer = JSONWriter(reserving: 64)
            writer.strings(set.members.filter { $0 < count }.map { table[$0] })
            var encoded: [UInt8] = Array("stale".utf8)
            TypeList.types(set, table: table).encode(into: &encoded, rendered: rendered)
            XCTAssertEqual(String(decoding: encoded, as: UTF8.self), String(decoding: writer.bytes, as: UTF8.self), "round \(round)")
        }
    }

    /// Each distinct list gets one id, the same every time it is named; a definition is written
    /// the first time only; the table starts afresh only before a reply that might not fit.
    func testListIdsAreStableDefinedOnceAndRestartWhenTheTableIsFull() {
        let table = ["Apple", "Bowl", "Cabinet"]
        let rendered = RenderedTypeNames(table)
        let lists = ListTable()
        lists.capacity = 4
        func slot(_ ids: [Int]) -> ListSlot {
            var set = TypeSet()
            for id in ids { set.insert(id) }
            return ListSlot(list: .types(set, table: table), rendered: rendered)
        }
        var definitions = JSONWriter(reserving: 64)
        lists.prepare(adding: 2)
        XCTAssertEqual(lists.id(of: slot([0, 2]), definitions: &definitions), 0)
        XCTAssertEqual(lists.id(of: slot([1]), definitions: &definitions), 1)
        XCTAssertEqual(lists.id(of: slot([0, 2]), definitions: &definitions), 0)
        // The same names given as names are another key (a live backend's lists): an id of their own.
        XCTAssertEqual(lists.id(of: ListSlot(list: .names(["Apple", "Cabinet"]), rendered: nil), definitions: &definitions), 2)
        XCTAssertEqual(String(decoding: definitions.bytes, as: UTF8.self),
                       #"[0, ["Apple", "Cabinet"]], [1, ["Bowl"]], [2, ["Apple", "Cabinet"]]"#)
        // 3 ids + 1 fits in 4; 3 + 2 does not: the table restarts, ids from 0, defined again.
        lists.prepare(adding: 1)
        definitions = JSONWriter(reserving: 64)
        XCTAssertEqual(lists.id(of: slot([1]), definitions: &definitions), 1)
        XCTAssertEqual(definitions.bytes, [])
        lists.prepare(adding: 2)
        XCTAssertEqual(lists.id(of: slot([1]), definitions: &definitions), 0)
        XCTAssertEqual(String(decoding: definitions.bytes, as: UTF8.self), #"[0, ["Bowl"]]"#)
    }

    /// The choice to spread a batch follows the cheaper way: both measured first, then the
    /// cheaper one with the other tried every 16th batch, following a change within a few probes.
    func testSpreadingFollowsWhicheverCostsLessAndProbesTheOther() {
        var choice = SpreadChoice()
        func run(_ batches: Int, spreadCost: Double, aloneCost: Double) -> Int {
            var spread = 0
            for _ in 0..<batches {
                let spreads = choice.next()
                if spreads { spread += 1 }
                choice.record(spread: spreads, nanoseconds: spreads ? spreadCost : aloneCost)
            }
            return spread
        }
        XCTAssertEqual(run(2, spreadCost: 2000, aloneCost: 3000), 1)  // one of each first
        XCTAssertEqual(run(160, spreadCost: 2000, aloneCost: 3000), 150)  // all but the probes
        // The machine gets busy: spreading now costs more; the probes find it out.
        XCTAssertEqual(run(160, spreadCost: 5000, aloneCost: 3000) < 40, true)
        XCTAssertEqual(run(160, spreadCost: 5000, aloneCost: 3000), 10)  // only the probes
    }

    /// Batches from two threads at once: one gets the worker, the other runs alone; every chunk
    /// of each runs once and the results come in chunk order, for many batches in a row (a
    /// worker that starts late has its job taken back, one that started is waited for).
    func testBatchesFromTwoThreadsAtOnceRunEveryChunkOnceInOrder() {
        let chunks = VectorEnvironment.chunks(count: 64, threshold: 1, threads: 2)
        let failures = NSLock()
        nonisolated(unsafe) var wrong = 0
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for round in 0..<500 {
                var ran = [Int](repeating: 0, count: 64)
                let counts = NSLock()
                let results = VectorEnvironment.perChunk(chunks, threads: 2) { range -> Range<Int> in
                    counts.lock()
                    for index in range { ran[index] += 1 }
                    counts.unlock()
                    // Some chunks take a while, so the worker is sometimes still busy at the end.
                    if (round + range.lowerBound + caller) % 5 == 0 { usleep(20) }
                    return range
                }
                if results != chunks || ran != [Int](repeating: 1, count: 64) {
                    failures.lock()
                    wrong += 1
                    failures.unlock()
                }
            }
        }
        XCTAssertEqual(wrong, 0)
    }
}
