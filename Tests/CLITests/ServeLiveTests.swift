import Foundation
import XCTest

/// `serve --backend live` against the bridge with the fake `ai2thor` (LiveModeTests' setup: the
/// fixtures' store, the expert plans of tasks 1-5, the fake on PYTHONPATH): the same replies as
/// `serve` in the simulator, Unity's faults as error replies, recording in the reference layout.
extension LiveModeTests {
    /// The expert plans written by setUp, by identity, in file order.
    func expertPlans() throws -> [(identity: Int, actions: [String])] {
        try jsonLines(try String(contentsOfFile: plans, encoding: .utf8)).map { line in
            (try XCTUnwrap(line["identity"] as? Int), try XCTUnwrap(line["actions"] as? [String]))
        }
    }

    /// One serve session over `requests`; the replies as dictionaries.
    func serve(_ requests: [[String: Any]], backend: [String], mode: String? = nil) throws -> (replies: [[String: Any]], run: CLI.Run) {
        let lines = try requests.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let run = try CLI.run(["serve", "--store", store] + backend, stdin: Data((lines.joined(separator: "\n") + "\n").utf8),
                              environment: environment(mode: mode))
        XCTAssertEqual(run.status, 0, run.stderr)
        let replies = try jsonLines(run.stdout)
        XCTAssertEqual(replies.count, requests.count, run.stderr)
        return (replies, run)
    }

    var liveBackend: [String] { ["--backend", "live", "--bridge", Self.bridge, "--action-timeout", "5", "--start-timeout", "30"] }

    /// Every plan as reset, its steps (the plan's final `end` included) and a state request.
    func planRequests(_ plans: [(identity: Int, actions: [String])]) -> [[String: Any]] {
        plans.flatMap { plan in [["op": "reset", "task": plan.identity]] + plan.actions.map { ["op": "step", "action": $0] } + [["op": "state"]] }
    }

    /// What both backends must agree on in a reply: everything but the frame, the observation
    /// sets (where Unity's visibility and the simulator's differ is the divergence report's
    /// subject, `grade --mode live --divergence`) and the acted-on object's id (the wrapper names
    /// none for a navigation; compared where it does).
    func comparable(_ reply: [String: Any]) -> NSDictionary {
        var reply = reply
        if var observation = reply["observation"] as? [String: Any] {
            for key in ["frame", "frame_match", "navigable", "interactable", "object_id"] { observation.removeValue(forKey: key) }
            reply["observation"] = observation
        }
        // The trajectory is compared entry by entry; the divergence report is live's own.
        for key in ["trajectory", "divergence", "divergence_steps"] { reply.removeValue(forKey: key) }
        return reply as NSDictionary
    }

    func testServeLiveGivesSimulateModesRepliesOnAConfirmingControllerAndRecordsEachEpisode() throws {
        let plans = try expertPlans()
        let requests = planRequests(plans)
        let simulated = try serve(requests, backend: []).replies
        let (live, run) = try serve(requests, backend: liveBackend + ["--record", record])
        XCTAssertEqual(live.filter { $0["ok"] as? Bool != true }.count, 0, "\(live)")
        // Observations, error kinds, rewards, metrics and goal checks: the same, step by step.
        for (index, (unity, simulator)) in zip(live, simulated).enumerated() {
            XCTAssertEqual(comparable(unity), comparable(simulator), "reply \(index)")
            if let id = (unity["observation"] as? [String: Any])?["object_id"] as? String {
                XCTAssertEqual(id, (simulator["observation"] as? [String: Any])?["object_id"] as? String, "reply \(index)")
            }
        }
        let named = live.compactMap { ($0["observation"] as? [String: Any])?["object_id"] as? String }
        XCTAssertEqual(named.count, 5, "the two opens, two pickups and the toggle name their object: \(named)")
        // The trajectories agree on every entry but the sets.
        for (unity, simulator) in zip(live, simulated) where unity["trajectory"] != nil {
            let entries = { (reply: [String: Any]) in (reply["trajectory"] as? [[String: Any]] ?? []).map { entry in
                ["action", "object", "success", "error", "feedback"].map { "\(entry[$0] ?? "nil")" }.joined(separator: " ")
            } }
            XCTAssertEqual(entries(unity), entries(simulator))
        }
        let states = live.filter { $0["trajectory"] != nil }
        XCTAssertEqual(states.count, 5)
        XCTAssertTrue(states.allSatisfy { ($0["metrics"] as? [String: Any])?["success"] as? Int == 1 }, "\(states)")
        // The divergence report of each episode: every executed step (init and the plan's actions
        // but end) compared, all agreeing; the simulator's replies have none.
        for (state, plan) in zip(states, plans) {
            let totals = try XCTUnwrap((state["divergence"] as? [String: Any])?["steps"] as? [String: Any], "\(state)")
            XCTAssertEqual(totals["compared"] as? Int, plan.actions.count)
            XCTAssertEqual(totals["both_succeeded"] as? Int, plan.actions.count)
            let steps = try XCTUnwrap(state["divergence_steps"] as? [[String: Any]])
            XCTAssertEqual(steps.map { $0["identity"] as? Int }, Array(repeating: plan.identity, count: plan.actions.count))
            XCTAssertTrue(steps.allSatisfy { $0["agrees"] as? Bool == true })
        }
        XCTAssertTrue(simulated.allSatisfy { $0["divergence"] == nil })
        let ends = live.filter { ($0["observation"] as? [String: Any])?["action"] as? String == "end" }
        XCTAssertEqual(ends.map { ($0["info"] as? [String: Any])?["goal_success"] as? Bool }, Array(repeating: true, count: 5), "the shadow's goal check")

        // Each executed step shows the frame Unity rendered, inside the task's run directory.
        let directories = try runDirectories()
        XCTAssertEqual(directories.keys.sorted(), ["1", "2", "3", "4", "5"], run.stderr)
        let task4 = try XCTUnwrap(directories["4"])
        let framesOf4 = live.compactMap { $0["observation"] as? [String: Any] }.compactMap { $0["frame"] as? String }
            .filter { $0.hasPrefix(task4) }
        XCTAssertEqual(framesOf4.map { ($0 as NSString).lastPathComponent },
                       ["FloorPlan30_1_init.png", "FloorPlan30_2_navigate_Cabinet.png", "FloorPlan30_3_open_Cabinet.png",
                        "FloorPlan30_4_pick_up_Plate.png", "FloorPlan30_4_pick_up_Plate.png"], "the end step keeps the last view")
        XCTAssertTrue(live.compactMap { $0["observation"] as? [String: Any] }.allSatisfy { $0["frame_match"] as? String == "live" })
        for frame in framesOf4 { XCTAssertTrue(FileManager.default.fileExists(atPath: frame), frame) }
        let result = try json((task4 as NSString).appendingPathComponent("result.json"))
        XCTAssertEqual((result["trajectory"] as? [[String: Any]])?.map { $0["action"] as? String }, ["init", "navigate to", "open", "pickup", "end"])
        XCTAssertEqual((result["thor_lite"] as? [String: Any])?["backend"] as? String, "live")

        // A recording like any reference run.
        let recorded = try CLI.run(["grade", "--mode", "recorded", record, "--store", store, "--format", "json"])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(recorded.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["overall"] as? [String: Any])?["count"] as? Int, 5)
        XCTAssertEqual((summary["overall"] as? [String: Any])?["success_rate"] as? Double, 1)
    }

    func testServeLiveWithoutRecordKeepsFramesOnlyWhileServing() throws {
        let plan = try XCTUnwrap(try expertPlans().first { $0.identity == 4 })
        let (live, _) = try serve(planRequests([plan]), backend: liveBackend)
        let frames = live.compactMap { ($0["observation"] as? [String: Any])?["frame"] as? String }
        XCTAssertEqual(frames.count, plan.actions.count + 1, "init, each action")
        XCTAssertFalse(frames.contains { FileManager.default.fileExists(atPath: $0) }, "the scratch frames are removed when serve exits")
        XCTAssertFalse(FileManager.default.fileExists(atPath: record), "nothing is recorded without --record")
    }

    func testServeLiveReportsEachPickupUnityRefusedAsUnityRejected() throws {
        let plans = try expertPlans().filter { [3, 4].contains($0.identity) }
        let (live, _) = try serve(planRequests(plans), backend: liveBackend, mode: "fail_pickup")
        let pickups = live.compactMap { $0["observation"] as? [String: Any] }.filter { $0["action"] as? String == "pickup" }
        XCTAssertEqual(pickups.map { $0["object"] as? String }, ["Mug", "Plate"])
        for pickup in pickups {
            XCTAssertEqual(pickup["success"] as? Bool, false)
            XCTAssertEqual(pickup["error"] as? String, "unity_rejected", "the simulator would have picked it up")
            XCTAssertEqual(pickup["held"] as? NSNull, NSNull())
            XCTAssertTrue((pickup["feedback"] as? String)?.contains("is currently unavailable for interaction") == true, "\(pickup)")
        }
        let states = live.filter { $0["trajectory"] != nil }
        XCTAssertEqual(states.map { ($0["metrics"] as? [String: Any])?["success"] as? Int }, [0, 0])
        // The divergence report lists each pickup with both outcomes.
        let disagreements = states.flatMap { ($0["divergence_steps"] as? [[String: Any]] ?? []).filter { $0["agrees"] as? Bool == false } }
        XCTAssertEqual(disagreements.map { "\($0["identity"] ?? "") \($0["action"] ?? "") \($0["object"] ?? "")" }, ["3 pickup Mug", "4 pickup Plate"])
        XCTAssertTrue(disagreements.allSatisfy { $0["unity_success"] as? Bool == false && $0["simulated_success"] as? Bool == true })
        XCTAssertEqual(states.map { (($0["divergence"] as? [String: Any])?["steps"] as? [String: Any])?["unity_failed_simulator_succeeded"] as? Int }, [1, 1])
    }

    func testServeLiveEndsAnEpisodeWhoseSidecarCrashedWithAClearErrorAndTheNextResetWorks() throws {
        // As in grade: the fake's 12th controller call is task 2's OpenObject.
        let plans = try expertPlans().filter { [1, 2].contains($0.identity) }
        let task2 = try XCTUnwrap(plans.last)
        var requests = planRequests(plans)
        requests += [["op": "reset", "task": 2]] + task2.actions.map { ["op": "step", "action": $0] } + [["op": "state"]]
        let (replies, run) = try serve(requests, backend: liveBackend, mode: "crash_at:12")
        let failures = replies.enumerated().filter { $0.element["ok"] as? Bool == false }
        let crash = try XCTUnwrap(failures.first)
        XCTAssertEqual(crash.offset, 1 + plans[0].actions.count + 1 + 2, "task 2's third entry (open Fridge): \(run.stdout)")
        let error = try XCTUnwrap(crash.element["error"] as? String)
        XCTAssertTrue(error.hasPrefix("live: task 2 on FloorPlan30 ended at step 3: the bridge exited with status 1 during 'step open Fridge'"), error)
        XCTAssertTrue(error.contains("reset to start another episode"), error)
        // The rest of the crashed episode: refused, the session serving on.
        let rest = failures.dropFirst().map { $0.element["error"] as? String }
        XCTAssertEqual(rest, Array(repeating: "the episode has ended; call reset to start another", count: task2.actions.count - 2))
        // The next reset starts a new sidecar; the replayed task succeeds.
        let last = try XCTUnwrap(replies.last)
        XCTAssertEqual((last["metrics"] as? [String: Any])?["success"] as? Int, 1, "\(last)")
        XCTAssertEqual((last["trajectory"] as? [Any])?.count, task2.actions.count + 1)
    }

    func testServeLiveEndsTheEpisodeOnAHangOrGarbageAndTheNextResetStartsANewSidecar() throws {
        // Task 4 alone: init takes the fake's step calls 1-3, navigate 4, open Cabinet 5.
        let plan = try XCTUnwrap(try expertPlans().first { $0.identity == 4 })
        let requests = planRequests([plan]) + planRequests([plan])
        let faults = [
            ("hang_at:5", "the bridge did not answer 'step open Cabinet' within 2 s (Unity hangs?): sidecar killed"),
            ("garbage_at:5", "the bridge answered 'step open Cabinet' with a malformed reply (not JSON"),
        ]
        for (mode, why) in faults {
            // The fake counts its calls across restarts in this file: each mode starts from 1.
            try? FileManager.default.removeItem(at: work.appendingPathComponent("fake-state"))
            let backend = liveBackend.map { $0 == "5" ? "2" : $0 }
            let (replies, _) = try serve(requests, backend: backend, mode: mode)
            let failures = replies.enumerated().filter { $0.element["ok"] as? Bool == false }
            XCTAssertEqual(failures.first?.offset, 2, "\(mode): the open fails: \(replies)")
            let error = try XCTUnwrap(failures.first?.element["error"] as? String)
            XCTAssertTrue(error.hasPrefix("live: task 4 on FloorPlan30 ended at step 3: \(why)"), "\(mode): \(error)")
            XCTAssertEqual(failures.map(\.offset), [2, 3, 4], "\(mode): the open, then the plan's pickup and end on the ended episode: \(replies)")
            let last = try XCTUnwrap(replies.last)
            XCTAssertEqual((last["metrics"] as? [String: Any])?["success"] as? Int, 1, "\(mode): the replay on a new sidecar: \(last)")
        }
    }

    func testServeLiveResetWithoutADisplayFailsClearlyAndLeavesNoEpisode() throws {
        let (replies, _) = try serve([["op": "reset", "task": 1], ["op": "state"], ["op": "step", "action": "observe"]],
                                     backend: liveBackend, mode: "no_display")
        let error = try XCTUnwrap(replies[0]["error"] as? String, "\(replies)")
        XCTAssertTrue(error.hasPrefix("live: task 1 on FloorPlan30 ended at step 1: the bridge refused 'start FloorPlan30' (environment)"), error)
        XCTAssertEqual(replies[1]["ok"] as? Bool, true)
        XCTAssertEqual((replies[1]["trajectory"] as? [Any])?.count, 0, "no episode: \(replies[1])")
        XCTAssertNil(replies[1]["metrics"])
        XCTAssertEqual(replies[2]["error"] as? String, "call reset with a task first")
    }

    func testServeRefusesLiveBatchesAndLiveOptionsWithoutTheLiveBackend() throws {
        let (replies, _) = try serve([["op": "reset", "tasks": [1, 2]], ["op": "reset", "task": 1]], backend: liveBackend)
        XCTAssertEqual(replies.first?["ok"] as? Bool, false)
        XCTAssertTrue((replies.first?["error"] as? String)?.hasPrefix("batched episodes run in the simulator only") == true, "\(replies)")
        XCTAssertEqual(replies.last?["ok"] as? Bool, true, "the session serves on")

        let misplaced = try CLI.run(["serve", "--store", store, "--record", record], stdin: Data())
        XCTAssertEqual(misplaced.status, 2)
        XCTAssertTrue(misplaced.stderr.contains("--record, --bridge, --python and --unity-build belong to --backend live"), misplaced.stderr)
        let noBridge = try CLI.run(["serve", "--store", store, "--backend", "live", "--bridge", work.appendingPathComponent("none.py").path], stdin: Data())
        XCTAssertEqual(noBridge.status, 2)
        XCTAssertTrue(noBridge.stderr.contains("no bridge script"), noBridge.stderr)
    }
}
