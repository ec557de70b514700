import Foundation
import ThorJSON
import ThorModel
import ThorStore
import XCTest

@testable import ThorPolicy
import ThorTestSupport

/// The serve protocol, request by request, on the fixture store: each op, bad requests, ids,
/// batches with mixed done and running episodes, autoreset.
final class ServeSessionTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One catalog for the whole class: the fixture store imported once.
    nonisolated(unsafe) static var sharedCatalog: EpisodeCatalog?

    func catalog() throws -> EpisodeCatalog { try Self.fixtureCatalog() }

    static func fixtureCatalog() throws -> EpisodeCatalog {
        if let catalog = sharedCatalog { return catalog }
        let file = Scratch.url("serve", suffix: ".sqlite")
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: packageRoot.appendingPathComponent("fixtures/upstream")))
        let catalog = try EpisodeCatalog(store: store)
        sharedCatalog = catalog
        return catalog
    }

    func session() throws -> ServeSession { ServeSession(catalog: try catalog()) }

    /// The fixture tasks' expert plans, as `thor-lite tasks --plans` gives them.
    static let plans: [Int: [String]] = [
        1: ["navigate to CounterTop", "end"],
        4: ["navigate to Cabinet", "open Cabinet", "pickup Plate", "end"],
        7: ["navigate to CounterTop", "pickup Tomato", "navigate to Fridge", "open Fridge", "put Fridge", "close Fridge", "end"],
        13: ["navigate to Box", "open Box", "pickup KeyChain", "navigate to CoffeeTable", "put CoffeeTable", "end"],
    ]

    /// Sends one request line; returns the reply's members (failing the test if it is not one
    /// JSON object) and whether the session closed.
    @discardableResult
    func send(_ session: inout ServeSession, _ line: String, file: StaticString = #filePath, line number: UInt = #line) throws -> [String: JSONValue] {
        let (reply, _) = session.handle(line)
        var bytes = Array(reply.utf8)
        bytes.append(0)
        let value = try bytes.withUnsafeBufferPointer { whole -> JSONValue in
            var cursor = JSONCursor(UnsafeBufferPointer(rebasing: whole[..<(whole.count - 1)]))
            let value = try cursor.readValue()
            try cursor.expectEnd()
            return value
        }
        guard case .object(let members) = value else {
            XCTFail("reply is not an object: \(reply)", file: file, line: number)
            return [:]
        }
        return members
    }

    func ok(_ reply: [String: JSONValue], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply["ok"], .bool(true), "\(reply)", file: file, line: line)
    }

    func error(_ reply: [String: JSONValue]) -> String? {
        guard reply["ok"] == .bool(false), case .string(let message)? = reply["error"] else { return nil }
        return message
    }

    // MARK: one episode

    func testResetTypesTheTaskIdentityAndEchoesTheIDAsWritten() throws {
        var session = try session()
        let (line, close) = session.handle(#"{"id": 1e300, "op": "reset", "task": "4"}"#)
        XCTAssertFalse(close)
        XCTAssertTrue(line.hasPrefix(#"{"id": 1e300, "info": {"scene": "FloorPlan30", "task": 4, "#), line)
        let reply = try send(&session, #"{"op": "reset", "task": 4.0, "id": {"a": [true, null]}}"#)
        ok(reply)
        XCTAssertEqual(reply["id"], .object(["a": .array([.bool(true), .null])]))
        guard case .object(let observation)? = reply["observation"] else { return XCTFail("no observation") }
        XCTAssertEqual(observation["action"], .string("init"))
        XCTAssertEqual(observation["step"], .int(1))
        XCTAssertNil(reply["reward"], "a reset has no reward")
    }

    func testExpertPlanRewardsSumToTheFinalCompleteness() throws {
        var session = try session()
        ok(try send(&session, #"{"op": "reset", "task": 4}"#))
        var total = 0.0
        var last: [String: JSONValue] = [:]
        for action in Self.plans[4] ?? [] {
            last = try send(&session, #"{"op": "step", "action": "\#(action)"}"#)
            ok(last)
            guard case .double(let reward)? = last["reward"] else { return XCTFail("no reward in \(last)") }
            total += reward
        }
        XCTAssertEqual(last["terminated"], .bool(true))
        XCTAssertEqual(last["truncated"], .bool(false))
        guard case .object(let info)? = last["info"], case .object(let metrics)? = info["metrics"] else { return XCTFail("no metrics") }
        XCTAssertEqual(metrics["success"], .int(1))
        XCTAssertEqual(metrics["completeness"], .double(1.0))
        XCTAssertEqual(info["goal_success"], .bool(true))
        XCTAssertEqual(total, 1.0, accuracy: 1e-12)
        XCTAssertEqual(error(try send(&session, #"{"op": "step", "action": "observe"}"#)), "the episode has ended; call reset to start another")
    }

    func testResponsesAreParsedAsTheReferenceParsesThem() throws {
        var session = try session()
        ok(try send(&session, #"{"op": "reset", "task": 4}"#))
        let reply = try send(&session, #"{"op": "step", "response": "I will go.<DecisionMaking>navigate to cabinet</DecisionMaking>"}"#)
        guard case .object(let observation)? = reply["observation"] else { return XCTFail("no observation") }
        XCTAssertEqual(observation["action"], .string("navigate to"))
        XCTAssertEqual(observation["object"], .string("Cabinet"))
        XCTAssertEqual(observation["success"], .bool(true))
    }

    func testStateListsTheTrajectoryAndCloseEndsTheSession() throws {
        var session = try session()
        ok(try send(&session, #"{"op": "reset", "task": 4}"#))
        ok(try send(&session, #"{"op": "step", "action": "pickup Plate"}"#))
        let state = try send(&session, #"{"op": "state", "id": 3}"#)
        ok(state)
        XCTAssertEqual(state["id"], .int(3))
        XCTAssertEqual(state["done"], .bool(false))
        guard case .array(let trajectory)? = state["trajectory"] else { return XCTFail("no trajectory") }
        XCTAssertEqual(trajectory.count, 2)
        XCTAssertEqual(trajectory.last, .object([
            "action": .string("pickup"), "object": .string("Plate"), "object_id": .string("Plate|+00.80|+00.30|-01.90"),
            "success": .bool(false), "error": .string("not_interactable"),
        ]))
        let (line, close) = session.handle(#"{"op": "close", "id": "bye"}"#)
        XCTAssertEqual(line, #"{"id": "bye", "ok": true}"#)
        XCTAssertTrue(close)
    }

    func testBadRequestsGetClearErrorsAndTheSessionGoesOn() throws {
        var session = try session()
        let cases: [(String, String)] = [
            (#"{"op": "reset", "task": 4"#, "not valid JSON: unexpected end of data in an object at line 1, column 26 (byte 25)"),
            (#"[1, 2]"#, #"a request is a JSON object, e.g. {"op": "reset", "task": 7}"#),
            (#"{"task": 4}"#, #"a request needs "op": reset, step, state, render or close"#),
            (#"{"op": 5}"#, #""op": expected a string, found a number"#),
            (#"{"op": "jump"}"#, "unknown op; use reset, step, state, render or close"),
            (#"{"op": "step", "action": "observe"}"#, "call reset with a task first"),
            (#"{"op": "reset"}"#, #"reset needs "task": a task identity (a whole number or a string), or "tasks": a list of them"#),
            (#"{"op": "reset", "task": 7.5}"#, #""task": a task identity is a whole number or a string, not 7.5"#),
            (#"{"op": "reset", "task": true}"#, #""task": expected a task identity (a whole number or a string), found a boolean"#),
            (#"{"op": "reset", "task": 999}"#, "no task 999 in the store"),
            (#"{"op": "reset", "task": 4, "tasks": [4]}"#, #"reset takes "task" (one episode) or "tasks" (a batch), not both"#),
            (#"{"op": "reset", "tasks": []}"#, "reset needs at least one task"),
            (#"{"op": "reset", "tasks": [4, null]}"#, #""tasks[1]": expected a task identity (a whole number or a string), found null"#),
            (#"{"op": "step", "actions": ["observe"]}"#, #"no environments: reset with "tasks" first"#),
            (#"{"op": "state", "env": 0}"#, #"no environment 0: the batch has 0 (reset with "tasks")"#),
            (#"{"op": "step", "env": 0, "action": "observe"}"#, #""env" selects a batched environment for state and render only"#),
            (#"{"op": "render"}"#, "render needs an episode: reset first"),
        ]
        for (request, expected) in cases {
            let reply = try send(&session, request)
            XCTAssertEqual(error(reply), expected, request)
            XCTAssertNil(reply["id"], request)
        }
        // An error reply still echoes the id, and nothing above broke the session.
        XCTAssertEqual(try send(&session, #"{"op": "reset", "task": 999, "id": 9}"#)["id"], .int(9))
        ok(try send(&session, #"{"op": "reset", "task": 4}"#))
        let reply = try send(&session, #"{"op": "step", "action": 5}"#)
        XCTAssertEqual(error(reply), #""action": expected a string, found a number"#)
        ok(try send(&session, #"{"op": "step", "action": "observe"}"#))
    }

    // MARK: batches

    func testBatchWithMixedDoneAndRunningEpisodesAutoresetsTheDoneOnes() throws {
        var session = try session()
        let reset = try send(&session, #"{"op": "reset", "tasks": [4, 7, 13], "id": "r"}"#)
        ok(reset)
        guard case .array(let resetObservations)? = reset["observations"], case .array(let resetInfos)? = reset["infos"] else {
            return XCTFail("no lists in \(reset)")
        }
        XCTAssertEqual(resetObservations.count, 3)
        XCTAssertEqual(resetInfos.map { $0.member("task") }, [.int(4), .int(7), .int(13)])

        let first = try send(&session, #"{"op": "step", "actions": ["end", "navigate to CounterTop", "observe"]}"#)
        ok(first)
        XCTAssertEqual(first["terminated"], .array([.bool(true), .bool(false), .bool(false)]))
        XCTAssertEqual(first["truncated"], .array([.bool(false), .bool(false), .bool(false)]))
        guard case .array(let infos)? = first["infos"] else { return XCTFail("no infos") }
        XCTAssertNotNil(infos[0].member("metrics"), "the ended episode reports its metrics")
        XCTAssertEqual(infos[1], .object(["task": .int(7)]), "a running episode's info names its task only")

        // Next step: episode 0 ended, so it restarts on its task (its action ignored); the others step.
        let second = try send(&session, #"{"op": "step", "actions": ["pickup Plate", "pickup Tomato", "observe"]}"#)
        ok(second)
        guard case .array(let observations)? = second["observations"], case .array(let secondInfos)? = second["infos"],
              case .array(let rewards)? = second["rewards"] else { return XCTFail("no lists") }
        XCTAssertEqual(observations.map { $0.member("action") }, [.string("init"), .string("pickup"), .string("observe")])
        XCTAssertEqual(observations.map { $0.member("step") }, [.int(1), .int(3), .int(3)])
        XCTAssertEqual(rewards[0], .double(0))
        XCTAssertEqual(second["terminated"], .array([.bool(false), .bool(false), .bool(false)]))
        XCTAssertEqual(secondInfos[0].member("reset"), .bool(true))
        XCTAssertEqual(secondInfos[0].member("tasktype"), .string("single_pickup_from_closerep"))
        XCTAssertNil(secondInfos[1].member("reset"))
    }

    func testAResetSlotStartsTheNamedTask() throws {
        var session = try session()
        ok(try send(&session, #"{"op": "reset", "tasks": [4, 4]}"#))
        let reply = try send(&session, #"{"op": "step", "actions": [{"reset": 13}, "navigate to Cabinet"]}"#)
        guard case .array(let infos)? = reply["infos"], case .array(let observations)? = reply["observations"] else { return XCTFail("no lists") }
        XCTAssertEqual(infos[0].member("task"), .int(13))
        XCTAssertEqual(infos[0].member("reset"), .bool(true))
        XCTAssertEqual(observations[0].member("action"), .string("init"))
        XCTAssertEqual(observations[1].member("object"), .string("Cabinet"))
        let state = try send(&session, #"{"op": "state", "env": 0}"#)
        guard case .array(let trajectory)? = state["trajectory"] else { return XCTFail("no trajectory") }
        XCTAssertEqual(trajectory.count, 1, "the reset episode has only its init entry")
    }

    func testARefusedBatchStepMovesNoEpisode() throws {
        var session = try session()
        ok(try send(&session, #"{"op": "reset", "tasks": [4, 7]}"#))
        let cases: [(String, String)] = [
            (#"{"op": "step", "actions": ["observe"]}"#, "1 actions for 2 environments; send one per environment"),
            (#"{"op": "step", "actions": ["observe", {"reset": 999}]}"#, "no task 999 in the store"),
            (#"{"op": "step", "actions": ["observe", 3]}"#, #""actions[1]": expected an action (a string) or {"reset": task}, found a number"#),
            (#"{"op": "step", "actions": [{}, "observe"]}"#, #""actions[0]": {} is no action; a slot is an action or {"reset": task}"#),
            (#"{"op": "step", "actions": [{"task": 4}, "observe"]}"#, #""actions[0].task": unknown member "task"; a slot is an action or {"reset": task}"#),
            (#"{"op": "step", "actions": ["observe", "observe"], "action": "end"}"#, #"step takes "action"/"response" (one episode) or "actions" (a batch), not both"#),
        ]
        for (request, expected) in cases {
            XCTAssertEqual(error(try send(&session, request)), expected, request)
        }
        for env in 0..<2 {
            let state = try send(&session, #"{"op": "state", "env": \#(env)}"#)
            guard case .array(let trajectory)? = state["trajectory"] else { return XCTFail("no trajectory") }
            XCTAssertEqual(trajectory.count, 1, "environment \(env) moved")
        }
    }

    /// A batch large enough to be stepped on all cores gives, slot for slot, the replies one
    /// episode at a time gives.
    func testABatchSteppedInParallelEqualsEpisodesSteppedOneByOne() throws {
        var session = try session()
        let tasks = (0..<40).map { [1, 4, 7, 13][$0 % 4] }
        XCTAssertGreaterThanOrEqual(tasks.count, session.vector.parallelThreshold)
        let longest = Self.plans.values.map(\.count).max() ?? 0
        ok(try send(&session, #"{"op": "reset", "tasks": \#(tasks)}"#))
        var batched: [[JSONValue]] = Array(repeating: [], count: tasks.count)
        for turn in 0..<longest {
            let actions = tasks.map { task -> String in
                let plan = Self.plans[task] ?? []
                return turn < plan.count ? plan[turn] : ["observe", "move forward"][turn % 2]
            }
            let reply = try send(&session, #"{"op": "step", "actions": [\#(actions.map { "\"\($0)\"" }.joined(separator: ", "))]}"#)
            guard case .array(let observations)? = reply["observations"] else { return XCTFail("no observations in \(reply)") }
            for (index, observation) in observations.enumerated() { batched[index].append(observation) }
        }
        for (index, task) in tasks.enumerated().prefix(4) {
            var single = try self.session()
            ok(try send(&single, #"{"op": "reset", "task": \#(task)}"#))
            var expected: [JSONValue] = []
            let plan = Self.plans[task] ?? []
            for turn in 0..<longest {
                if turn == plan.count {
                    // The batch restarts an ended episode on its task and ignores the action.
                    let reset = try send(&single, #"{"op": "reset", "task": \#(task)}"#)
                    expected.append(reset["observation"] ?? .null)
                    continue
                }
                let action = turn < plan.count ? plan[turn] : ["observe", "move forward"][turn % 2]
                expected.append(try send(&single, #"{"op": "step", "action": "\#(action)"}"#)["observation"] ?? .null)
            }
            XCTAssertEqual(batched[index], expected, "task \(task)")
            XCTAssertEqual(batched[index + 4], expected, "task \(task), second copy")
        }
    }

    /// `"delta": true` writes a type list as null exactly where it equals the environment's
    /// previous observation's list, and the reply is otherwise the full reply byte for byte; two
    /// sessions, one asking for it and one not, step the same batches (40 environments: on
    /// several threads) and the same single episode.
    func testDeltaRepliesLeaveOutExactlyTheUnchangedLists() throws {
        var compact = try session(), full = try session()
        let tasks = (0..<40).map { [1, 4, 7, 13][$0 % 4] }
        let reset = #"{"op": "reset", "tasks": \#(tasks)}"#
        var previous = try send(&full, reset)
        XCTAssertEqual(try send(&compact, reset), previous, "a reset reply has every list")
        var nulls = 0, lists = 0
        let verbs = ["navigate to CounterTop", "navigate to Fridge", "open Fridge", "pickup Tomato", "observe", "put Fridge", "end"]
        for turn in 0..<30 {
            let actions = tasks.indices.map { index in index % 9 == turn % 9 ? #"{"reset": 7}"# : "\"\(verbs[(turn + index) % verbs.count])\"" }
            let step = #"{"op": "step", "actions": [\#(actions.joined(separator: ", "))]"#
            let compactReply = try send(&compact, step + #", "delta": true}"#)
            let fullReply = try send(&full, step + "}")
            guard case .array(let shortObservations)? = compactReply["observations"],
                  case .array(let observations)? = fullReply["observations"] else { return XCTFail("no observations") }
            let before: [JSONValue]
            if case .array(let kept)? = previous["observations"] { before = kept } else { before = [] }
            for (index, (short, whole)) in zip(shortObservations, observations).enumerated() {
                var filled = short
                for key in ["navigable", "interactable"] {
                    lists += 1
                    let unchanged = index < before.count && before[index].member(key) == whole.member(key)
                    XCTAssertEqual(short.member(key) == .null, unchanged, "turn \(turn) env \(index) \(key)")
                    if short.member(key) == .null {
                        nulls += 1
                        if case .object(var members) = filled { members[key] = whole.member(key); filled = .object(members) }
                    }
                }
                XCTAssertEqual(filled, whole, "turn \(turn) env \(index)")
            }
            var rest = compactReply, wholeRest = fullReply
            rest["observations"] = nil
            wholeRest["observations"] = nil
            XCTAssertEqual(rest, wholeRest)
            previous = fullReply
        }
        XCTAssertGreaterThan(nulls, lists / 4)
        XCTAssertLessThan(nulls, lists)
        // The single episode: the same rule against its own previous observation.
        ok(try send(&compact, #"{"op": "reset", "task": 7}"#))
        var last = try send(&full, #"{"op": "reset", "task": 7}"#)["observation"]
        for action in Self.plans[7] ?? [] {
            let short = try send(&compact, #"{"op": "step", "action": "\#(action)", "delta": true}"#)["observation"]
            let whole = try send(&full, #"{"op": "step", "action": "\#(action)"}"#)["observation"]
            for key in ["navigable", "interactable"] {
                XCTAssertEqual(short?.member(key) == .null, last?.member(key) == whole?.member(key), "\(action) \(key)")
            }
            last = whole
        }
        // A delta that is not a boolean is refused, naming the member.
        let refused = try send(&compact, #"{"op": "step", "action": "observe", "delta": 1}"#)
        XCTAssertEqual(refused["error"], .string("\"delta\": expected true or false, found a number"))
    }

    func testEveryChunkIsRunOnceAndTheResultsComeInChunkOrder() {
        for (count, threads) in [(64, 2), (64, 3), (17, 8), (1000, 2), (5, 1)] {
            let chunks = VectorEnvironment.chunks(count: count, threshold: 1, threads: threads)
            let runs = NSLock()
            nonisolated(unsafe) var ran = [Int](repeating: 0, count: count)
            let results = VectorEnvironment.perChunk(chunks, threads: threads) { range -> Range<Int> in
                runs.lock()
                for index in range { ran[index] += 1 }
                runs.unlock()
                return range
            }
            XCTAssertEqual(results, chunks, "\(count) on \(threads)")
            XCTAssertEqual(ran, [Int](repeating: 1, count: count), "\(count) on \(threads)")
        }
    }

    func testChunksCoverTheBatchOnceInOrder() {
        for count in [1, 2, 15, 16, 17, 64, 1000] {
            let chunks = VectorEnvironment.chunks(count: count, threshold: 16)
            XCTAssertEqual(chunks.flatMap { Array($0) }, Array(0..<count), "\(count)")
            if count < 16 { XCTAssertEqual(chunks.count, 1) }
            XCTAssertEqual(VectorEnvironment.chunks(count: count, threshold: 16, threads: 1), [0..<count])
            XCTAssertEqual(VectorEnvironment.chunks(count: count, threshold: 1, threads: 3).count,
                           min(3 * VectorEnvironment.chunksPerThread, count))
        }
    }
}

extension JSONValue {
    /// An object's member (nil for anything else).
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}
