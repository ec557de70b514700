import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorStore
import XCTest

@testable import ThorPolicy

/// The column-wise batched step reply (`"layout": "columns"`, protocol version 3) is the row reply
/// transposed: sessions stepped with the same requests, one asking for columns and one for rows,
/// give the same observations, infos, rewards and outcomes, for every combination of the step's
/// options, on the fixtures and on the real benchmark's 809 expert plans with autoresets.
final class ColumnLayoutTests: XCTestCase {
    typealias Members = [String: JSONValue]

    func send(_ session: inout ServeSession, _ line: String) -> (text: String, members: Members) {
        let (reply, _) = session.handle(line)
        var bytes = Array(reply.utf8)
        bytes.append(0)  // as ServeSessionTests.send: the cursor reads the reply without it
        let value = bytes.withUnsafeBufferPointer { whole -> JSONValue? in
            var cursor = JSONCursor(UnsafeBufferPointer(rebasing: whole[..<(whole.count - 1)]))
            guard let value = try? cursor.readValue(), (try? cursor.expectEnd()) != nil else { return nil }
            return value
        }
        guard case .object(let members)? = value else {
            XCTFail("reply is not one JSON object: \(reply)")
            return (reply, [:])
        }
        return (reply, members)
    }

    static func list(_ value: JSONValue?) -> [JSONValue]? {
        guard case .array(let values)? = value else { return nil }
        return values
    }

    /// The row reply a column reply stands for (docs/serve-protocol.md, "Column-wise batched
    /// replies"); nil, with a test failure, when the columns are malformed (lengths that differ,
    /// slot lists out of order or out of range).
    static func rows(fromColumns reply: Members) -> Members? {
        guard case .object(let columns)? = reply["observations"], case .object(let infoColumns)? = reply["infos"],
              let tasks = list(infoColumns["task"]) else {
            XCTFail("no observation or info columns in \(reply)")
            return nil
        }
        let count = tasks.count
        var observations = [Members](repeating: [:], count: count)
        for (key, column) in columns {
            guard let values = list(column), values.count == count else {
                XCTFail("observation column \(key) does not have \(count) values")
                return nil
            }
            for (index, value) in values.enumerated() { observations[index][key] = value }
        }
        var infos = tasks.map { ["task": $0] as Members }
        func slots(_ name: String, with fields: [String]) -> [(slot: Int, values: [JSONValue])]? {
            guard let indices = list(infoColumns[name]) else { return nil }
            let slots = indices.compactMap { value -> Int? in if case .int(let slot) = value, (0..<count).contains(slot) { slot } else { nil } }
            guard slots.count == indices.count, zip(slots, slots.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            let values = fields.map { list(infoColumns[$0]) ?? [] }
            guard values.allSatisfy({ $0.count == slots.count }) else { return nil }
            return slots.enumerated().map { n, slot in (slot, values.map { $0[n] }) }
        }
        let taskFields = ["scene", "taskname", "taskquery", "tasktype"]
        guard let reset = slots("reset", with: taskFields), let ended = slots("ended", with: ["goal_success", "metrics"]),
              infoColumns.count == 9 else {
            XCTFail("malformed info columns: \(infoColumns)")
            return nil
        }
        for (slot, values) in reset {
            infos[slot]["reset"] = .bool(true)
            for (key, value) in zip(taskFields, values) { infos[slot][key] = value }
        }
        for (slot, values) in ended {
            infos[slot]["goal_success"] = values[0]
            if values[1] != .null { infos[slot]["metrics"] = values[1] }
        }
        var rows = reply
        rows["observations"] = .array(observations.map(JSONValue.object))
        rows["infos"] = .array(infos.map(JSONValue.object))
        return rows
    }

    /// The option combinations of a batched step: `delta` absent, false or true; `layout`
    /// absent, rows or columns; then columns with the lists by id (`"lists": "ids"`, protocol
    /// version 4) with each `delta`. Each session gets the same actions.
    static let options: [(delta: String, layout: String)] = ["", #", "delta": false"#, #", "delta": true"#].flatMap { delta in
        ["", #", "layout": "rows""#, #", "layout": "columns""#].map { (delta, $0) }
    } + ["", #", "delta": false"#, #", "delta": true"#].map { ($0, #", "layout": "columns", "lists": "ids""#) }

    /// A column reply with the lists by id (`"lists": "ids"`) as the column reply with the lists
    /// in full: the reply's definitions added to `table` (the session's lists by id), each id in
    /// the list columns replaced by its list, the `lists` member removed. Nil, with a test
    /// failure, for an id neither defined now nor before, or a malformed definition.
    static func resolvingListIDs(_ reply: Members, table: inout [Int: JSONValue]) -> Members? {
        guard let definitions = list(reply["lists"]), case .object(var columns)? = reply["observations"] else {
            XCTFail("no lists or observation columns in \(reply)")
            return nil
        }
        for definition in definitions {
            guard let pair = list(definition), pair.count == 2, case .int(let id) = pair[0], list(pair[1]) != nil else {
                XCTFail("malformed list definition \(definition)")
                return nil
            }
            table[id] = pair[1]
        }
        for key in ["navigable", "interactable"] {
            guard let values = list(columns[key]) else { return nil }
            var lists: [JSONValue] = []
            for value in values {
                switch value {
                case .null: lists.append(.null)
                case .int(let id):
                    guard let named = table[id] else {
                        XCTFail("list id \(id) was never defined")
                        return nil
                    }
                    lists.append(named)
                default:
                    XCTFail("\(key): \(value) is neither a list id nor null")
                    return nil
                }
            }
            columns[key] = .array(lists)
        }
        var resolved = reply
        resolved["lists"] = nil
        resolved["observations"] = .object(columns)
        return resolved
    }

    /// Steps one session per option combination through `batches` (each a list of slots, as
    /// JSON) after a reset on `tasks`, and checks every reply against the plain rows reply: an
    /// explicit "rows" and `"delta": false` byte for byte, columns transposed equal to the rows of
    /// the same `delta`. Returns how many slots the column replies listed as reset and as ended.
    @discardableResult
    func compareLayouts(catalog: EpisodeCatalog, tasks: [String], batches: [[String]], file: StaticString = #filePath, line: UInt = #line) -> (resets: Int, ends: Int) {
        var sessions = Self.options.map { _ in ServeSession(catalog: catalog) }
        // Lists by id: a small table in one session, so it starts afresh many times.
        sessions[Self.options.count - 1].lists.capacity = 300
        var tables = Self.options.map { _ in [Int: JSONValue]() }
        let reset = #"{"op": "reset", "tasks": [\#(tasks.joined(separator: ", "))]}"#
        for index in sessions.indices { _ = send(&sessions[index], reset) }
        var columnReplies = 0, resets = 0, ends = 0
        for (turn, slots) in batches.enumerated() {
            let step = #"{"id": \#(turn), "op": "step", "actions": [\#(slots.joined(separator: ", "))]"#
            var replies: [(text: String, members: Members)] = []
            for (index, option) in Self.options.enumerated() {
                replies.append(send(&sessions[index], step + option.delta + option.layout + "}"))
            }
            let plain = replies[0], compact = replies[6]
            XCTAssertEqual(plain.members["ok"], .bool(true), "turn \(turn): \(plain.text.prefix(300))", file: file, line: line)
            for (index, option) in Self.options.enumerated() {
                let reply = replies[index]
                let sameDelta = option.delta.contains("true") ? compact : plain
                if option.layout.contains("columns") {
                    columnReplies += 1
                    var members = reply.members
                    if option.layout.contains("ids") {
                        guard let resolved = Self.resolvingListIDs(members, table: &tables[index]) else { return (resets, ends) }
                        members = resolved
                    }
                    guard let rows = Self.rows(fromColumns: members) else { return (resets, ends) }
                    if case .object(let infos)? = reply.members["infos"] {
                        resets += Self.list(infos["reset"])?.count ?? 0
                        ends += Self.list(infos["ended"])?.count ?? 0
                    }
                    XCTAssertEqual(rows, sameDelta.members, "turn \(turn), options\(option.delta)\(option.layout)", file: file, line: line)
                } else {
                    XCTAssertEqual(reply.text, sameDelta.text, "turn \(turn), options\(option.delta)\(option.layout)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(columnReplies, 6 * batches.count, file: file, line: line)
        return (resets, ends)
    }

    func testColumnRepliesAreTheRowRepliesTransposedOnTheFixtures() throws {
        let catalog = try ServeSessionTests.fixtureCatalog()
        // 40 environments: stepped on several threads, in chunks; reset slots, autoresets,
        // episodes ending by `end` and by failed steps.
        let tasks = (0..<40).map { [1, 4, 7, 13][$0 % 4] }
        let verbs = ["navigate to CounterTop", "navigate to Fridge", "open Fridge", "pickup Tomato", "observe", "put Fridge", "end", "navigate to Cabinet"]
        let batches = (0..<30).map { turn in
            tasks.indices.map { index in index % 9 == turn % 9 ? #"{"reset": \#(tasks[(index + turn) % 4])}"# : "\"\(verbs[(turn + index) % verbs.count])\"" }
        }
        let (resets, ends) = compareLayouts(catalog: catalog, tasks: tasks.map(String.init), batches: batches)
        XCTAssertGreaterThan(resets, 100)
        XCTAssertGreaterThan(ends, 100)
        // A batch below the parallel threshold (one chunk), following the expert plans.
        let plans = ServeSessionTests.plans
        let small = plans.keys.sorted()
        let longest = plans.values.map(\.count).max() ?? 0
        let planBatches = (0..<(2 * longest + 2)).map { turn in
            small.map { task -> String in
                let plan = plans[task] ?? ["observe"]
                return "\"\(plan[turn % plan.count])\""
            }
        }
        compareLayouts(catalog: catalog, tasks: small.map(String.init), batches: planBatches)
    }

    /// Every one of the real benchmark's tasks, its expert plan followed by batches of 64
    /// environments; an environment whose plan is done gets the next task's reset slot, and an
    /// episode that ended early is autoreset on its task.
    func testColumnRepliesAreTheRowRepliesTransposedOnTheRealExpertPlans() throws {
        let catalog = try EpisodeCatalog(store: try Self.realStore())
        let plans = try catalog.store.allTasks().map { (identity: String(decoding: Self.jsonText(identity: $0.identity), as: UTF8.self), actions: $0.keyActionTexts) }
        XCTAssertEqual(plans.count, 809)
        let envs = 64
        let first = (0..<envs).map { plans[$0 % plans.count].identity }
        var current = (0..<envs).map { $0 }, position = [Int](repeating: 0, count: envs), next = envs
        var batches: [[String]] = []
        while next < plans.count + envs {
            batches.append((0..<envs).map { slot in
                let plan = plans[current[slot] % plans.count]
                if position[slot] < plan.actions.count {
                    position[slot] += 1
                    return String(decoding: Self.json(.string(plan.actions[position[slot] - 1])), as: UTF8.self)
                }
                current[slot] = next
                next += 1
                position[slot] = 0
                return #"{"reset": \#(plans[current[slot] % plans.count].identity)}"#
            })
        }
        let (resets, ends) = compareLayouts(catalog: catalog, tasks: first, batches: batches)
        // Every task started (the first 64 by the batch's reset, the rest by reset slots, plus
        // autoresets) and most episodes ended (an expert plan ends with `end`), each counted in
        // six replies (the six column sessions).
        let resetSlots = batches.joined().filter { $0.hasPrefix("{") }.count
        XCTAssertGreaterThanOrEqual(resetSlots, plans.count - envs)
        XCTAssertGreaterThanOrEqual(resets, 6 * resetSlots)
        XCTAssertGreaterThan(ends, 6 * (plans.count - envs))
    }

    func testLayoutIsRefusedWhereItDoesNotApplyAndARefusedColumnStepMovesNothing() throws {
        var session = ServeSession(catalog: try ServeSessionTests.fixtureCatalog())
        XCTAssertEqual(send(&session, #"{"op": "reset", "tasks": [4, 7], "layout": "columns"}"#).members["error"],
                       .string(#""layout" chooses how a batched step's reply is laid out (a step with "actions")"#))
        XCTAssertEqual(send(&session, #"{"op": "reset", "tasks": [4, 7]}"#).members["ok"], .bool(true))
        _ = send(&session, #"{"op": "reset", "task": 4}"#)
        let cases: [(String, String)] = [
            (#"{"op": "step", "actions": ["observe"], "layout": "columns"}"#, "1 actions for 2 environments; send one per environment"),
            (#"{"op": "step", "actions": ["observe", {"reset": 999}], "layout": "columns"}"#, "no task 999 in the store"),
            (#"{"op": "step", "actions": ["observe", "observe"], "layout": "column"}"#, #""layout": expected "rows" or "columns", not "column""#),
            (#"{"op": "step", "actions": ["observe", "observe"], "layout": 2}"#, #""layout": expected "rows" or "columns", found a number"#),
            (#"{"op": "step", "action": "observe", "layout": "columns"}"#, #""layout": "columns" lays out a batched step's reply ("actions"); a single episode's step has one observation"#),
            (#"{"op": "state", "layout": "rows"}"#, #""layout" chooses how a batched step's reply is laid out (a step with "actions")"#),
            (#"{"op": "step", "actions": ["observe", "observe"], "lists": "ids"}"#, #""lists": "ids" goes with "layout": "columns" (a batched step's reply column by column)"#),
            (#"{"op": "step", "actions": ["observe", "observe"], "layout": "columns", "lists": "id"}"#, #""lists": expected "inline" or "ids", not "id""#),
            (#"{"op": "step", "action": "observe", "lists": "ids"}"#, #""lists": "ids" goes with "layout": "columns" (a batched step's reply column by column)"#),
            (#"{"op": "reset", "tasks": [4, 7], "lists": "ids"}"#, #""lists" chooses how a column-wise batched step's reply carries the type lists (a step with "actions" and "layout": "columns")"#),
        ]
        for (request, expected) in cases {
            XCTAssertEqual(send(&session, request).members["error"], .string(expected), request)
        }
        for env in [0, 1] {
            guard let trajectory = Self.list(send(&session, #"{"op": "state", "env": \#(env)}"#).members["trajectory"]) else { return XCTFail("no trajectory") }
            XCTAssertEqual(trajectory.count, 1, "environment \(env) moved")
        }
        guard let single = Self.list(send(&session, #"{"op": "state"}"#).members["trajectory"]) else { return XCTFail("no trajectory") }
        XCTAssertEqual(single.count, 1, "the single episode moved")
        // "rows" on a single step is the default, accepted.
        XCTAssertEqual(send(&session, #"{"op": "step", "action": "observe", "layout": "rows"}"#).members["ok"], .bool(true))
    }

    static func json(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter(reserving: 32)
        writer.value(value)
        return writer.bytes
    }

    static func jsonText(identity: TaskIdentity) -> [UInt8] {
        var writer = JSONWriter(reserving: 16)
        writer.value(ReportWriters.json(identity))
        return writer.bytes
    }

    /// The real benchmark (`$THOR_LITE_ER_DATA`, else `../shared/embodied_reasoner`) imported once.
    nonisolated(unsafe) static var imported: ThorStore?

    static func realStore() throws -> ThorStore {
        if let imported { return imported }
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? ServeSessionTests.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thor-lite-columns-\(UUID().uuidString).sqlite")
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: URL(fileURLWithPath: path)))
        imported = store
        return store
    }
}
