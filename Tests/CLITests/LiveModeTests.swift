import Foundation
import XCTest
import ThorTestSupport

/// `grade --mode live` and `live --check` against the bridge with the fake `ai2thor` package
/// (bridge/fake_ai2thor) on PYTHONPATH: no Unity. The fake answers from the fixtures' scene dumps
/// and is told to confirm, fail pickups, crash, hang or answer garbage.
final class LiveModeTests: XCTestCase {
    static let bridge = CLI.packageRoot.appendingPathComponent("bridge/thor_lite_bridge.py").path
    static let fake = CLI.packageRoot.appendingPathComponent("bridge/fake_ai2thor").path

    var work: URL!
    var store: String { work.appendingPathComponent("fixtures.sqlite").path }
    var record: String { work.appendingPathComponent("runs").path }
    var plans: String { work.appendingPathComponent("plans.jsonl").path }
    var python: String!

    /// Actions per task of the expert plans run (tasks 1-5 of the fixtures, FloorPlan30: all
    /// succeed in the simulator, so a fake that confirms every action agrees on every step).
    var planActions: [Int: Int] = [:]

    override func setUpWithError() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
            ?? Self.onPath("python3") else {
            throw XCTSkip("python3 is not installed: the live bridge tests need it (no Unity needed)")
        }
        self.python = python
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.bridge), "the bridge script is part of the repository")
        work = Scratch.url("live")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try CLI.run(["import", CLI.fixtures.appendingPathComponent("upstream").path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let expert = try CLI.run(["tasks", "--plans", "--store", store])
        XCTAssertEqual(expert.status, 0, expert.stderr)
        let lines = expert.stdout.split(separator: "\n").prefix(5)
        try (lines.joined(separator: "\n") + "\n").write(toFile: plans, atomically: true, encoding: .utf8)
        for line in try jsonLines(lines.joined(separator: "\n")) {
            planActions[try XCTUnwrap(line["identity"] as? Int)] = try XCTUnwrap(line["actions"] as? [String]).count
        }
        XCTAssertEqual(planActions.keys.sorted(), [1, 2, 3, 4, 5])
    }

    override func tearDownWithError() throws {
        if let work { try? FileManager.default.removeItem(at: work) }
    }

    static func onPath(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
            .first(where: FileManager.default.isExecutableFile)
    }

    /// The fake on PYTHONPATH, steered by `mode`; its step counter survives restarts (a fault at
    /// step N fires once per run).
    func environment(mode: String?, fake: Bool = true) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = fake ? Self.fake : nil
        environment["THOR_LITE_FAKE_SCENES"] = CLI.fixtures.appendingPathComponent("upstream").path
        environment["THOR_LITE_FAKE_STATE"] = work.appendingPathComponent("fake-state").path
        environment["THOR_LITE_FAKE_MODE"] = mode
        environment["THOR_LITE_PYTHON"] = python
        environment.removeValue(forKey: "DISPLAY")
        return environment
    }

    func live(_ extra: [String], mode: String? = nil, actionTimeout: Int = 5) throws -> CLI.Run {
        try CLI.run(["grade", "--mode", "live", plans, "--store", store, "--bridge", Self.bridge, "--record", record,
                     "--action-timeout", "\(actionTimeout)", "--start-timeout", "30"] + extra, environment: environment(mode: mode))
    }

    func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], path)
    }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
    }

    /// `<record>/unknown/<identity>_<type>_FloorPlan30_0` of each task in `identities`.
    func runDirectories() throws -> [String: String] {
        let model = (record as NSString).appendingPathComponent("unknown")
        var found: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: model) {
            found[String(name.prefix { $0 != "_" })] = (model as NSString).appendingPathComponent(name)
        }
        return found
    }

    func pngs(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".png") }.sorted()
    }

    func testExpertPlansOnAConfirmingControllerAreRecordedInTheReferenceLayoutAndAgreeWithTheSimulatorOnEveryStep() throws {
        let divergence = work.appendingPathComponent("divergence.jsonl").path
        let perTask = work.appendingPathComponent("per_task.jsonl").path
        let run = try live(["--divergence", divergence, "--per-task", perTask])
        XCTAssertEqual(run.status, 0, run.stderr)

        // Reference layout: one directory per task, result.json, one frame per executed step
        // (init plus every plan action but the final end), named as the wrapper names them.
        let directories = try runDirectories()
        XCTAssertEqual(directories.keys.sorted(), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(try pngs(in: try XCTUnwrap(directories["4"])),
                       ["FloorPlan30_1_init.png", "FloorPlan30_2_navigate_Cabinet.png", "FloorPlan30_3_open_Cabinet.png", "FloorPlan30_4_pick_up_Plate.png"])
        var frames = 0
        for (identity, directory) in directories {
            let result = try json((directory as NSString).appendingPathComponent("result.json"))
            let trajectory = try XCTUnwrap(result["trajectory"] as? [[String: Any]])
            let actions = try XCTUnwrap(planActions[try XCTUnwrap(Int(identity))])
            XCTAssertEqual(trajectory.count, actions + 1, "init, the plan's actions, the final end: task \(identity)")
            XCTAssertEqual(trajectory.first?["action"] as? String, "init")
            XCTAssertEqual(trajectory.last?["action"] as? String, "end")
            XCTAssertEqual(trajectory.map { $0["success"] as? Int }, Array(repeating: 1, count: actions + 1))
            XCTAssertEqual(result["scene"] as? String, "FloorPlan30")
            XCTAssertEqual(result["identity"] as? Int, Int(identity))
            XCTAssertEqual(try pngs(in: directory).count, actions, "a frame per executed step: task \(identity)")
            frames += actions
        }

        // Every compared step agrees on success.
        let steps = try jsonLines(try String(contentsOfFile: divergence, encoding: .utf8))
        XCTAssertEqual(steps.count, frames, "one divergence line per executed step")
        XCTAssertTrue(steps.allSatisfy { $0["agrees"] as? Bool == true && $0["unity_success"] as? Bool == true }, "\(steps)")
        XCTAssertTrue(run.stderr.contains("steps: both succeeded \(frames), both failed 0, Unity only 0, simulator only 0"), run.stderr)

        // Simulate mode's per-task lines, from the live trajectories.
        let graded = try jsonLines(try String(contentsOfFile: perTask, encoding: .utf8))
        XCTAssertEqual(graded.map { $0["identity"] as? Int }, [1, 2, 3, 4, 5])
        XCTAssertTrue(graded.allSatisfy { ($0["metrics"] as? [String: Any])?["success"] as? Int == 1 && $0["goal_success"] as? Bool == true }, "\(graded)")

        // The recording is a run directory like any reference run: graded in recorded mode, its
        // frames indexed.
        let recorded = try CLI.run(["grade", "--mode", "recorded", record, "--store", store, "--format", "json"])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(recorded.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["overall"] as? [String: Any])?["count"] as? Int, 5)
        XCTAssertEqual((summary["overall"] as? [String: Any])?["success_rate"] as? Double, 1)
        let imported = try CLI.run(["frames", "import", record, "--store", store])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let info = try CLI.run(["info", "--json", "--store", store])
        let counts = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(counts["frames"] as? Int, frames)
    }

    /// The real benchmark (`../shared/embodied_reasoner` or `$THOR_LITE_ER_DATA`): one task of each
    /// type whose expert plan the simulator accepts, each in its own floor plan's dump.
    func testExpertPlansOfEveryTaskTypeOfTheRealBenchmarkAgreeWithTheSimulatorOnEveryStep() throws {
        let data = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? CLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: data) else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(data); set THOR_LITE_ER_DATA to run this test")
        }
        let realStore = work.appendingPathComponent("real.sqlite").path
        let imported = try CLI.run(["import", data, "--store", realStore, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let tasks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try CLI.run(["tasks", "--json", "--store", realStore]).stdout.utf8)) as? [[String: Any]])
        let audit = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try CLI.run(["tasks", "--check", "--json", "--store", realStore]).stdout.utf8)) as? [String: Any])
        let rejected = Set(try XCTUnwrap(audit["problems"] as? [[String: Any]]).compactMap { $0["identity"] as? Int })
        XCTAssertEqual(rejected.count, 17, "the audit's count on the shared benchmark")
        var chosen: [Int] = [], types: Set<String> = []
        for task in tasks {
            guard let identity = task["identity"] as? Int, let type = task["tasktype"] as? String, !rejected.contains(identity),
                  types.insert(type).inserted else { continue }
            chosen.append(identity)
        }
        XCTAssertEqual(types.count, 11, "every task type of the benchmark")
        let allPlans = try CLI.run(["tasks", "--plans", "--store", realStore]).stdout.split(separator: "\n")
        let lines = try allPlans.filter { line in
            let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return chosen.contains(plan["identity"] as? Int ?? -1)
        }
        XCTAssertEqual(lines.count, chosen.count)
        try (lines.joined(separator: "\n") + "\n").write(toFile: plans, atomically: true, encoding: .utf8)

        var environment = environment(mode: nil)
        environment["THOR_LITE_FAKE_SCENES"] = (data as NSString).appendingPathComponent("data_engine")
        let divergence = work.appendingPathComponent("divergence.jsonl").path
        let run = try CLI.run(["grade", "--mode", "live", plans, "--store", realStore, "--bridge", Self.bridge, "--record", record,
                               "--divergence", divergence, "--action-timeout", "20", "--start-timeout", "60", "--format", "json"],
                              environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let steps = try jsonLines(try String(contentsOfFile: divergence, encoding: .utf8))
        XCTAssertEqual(Set(steps.compactMap { $0["identity"] as? Int }), Set(chosen))
        XCTAssertEqual(steps.filter { $0["agrees"] as? Bool != true }.count, 0, "\(steps.filter { $0["agrees"] as? Bool != true })")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["overall"] as? [String: Any])?["count"] as? Int, 11)
        XCTAssertEqual((summary["overall"] as? [String: Any])?["success_rate"] as? Double, 1)
        let recorded = try CLI.run(["grade", "--mode", "recorded", record, "--store", realStore, "--format", "json"])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let again = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(recorded.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((again["overall"] as? [String: Any])?["success_rate"] as? Double, 1)
    }

    func testResponseAndResultLinesRunThroughTheSameLoopAndOnlyExecutedActionsReachTheBridge() throws {
        let lines = [
            #"{"identity": 3, "model": "org/vlm-7b", "responses": ["<DecisionMaking>navigate to countertop</DecisionMaking>", "I am thinking", "<DecisionMaking>pickup mug</DecisionMaking>", "<DecisionMaking>end</DecisionMaking>"]}"#,
            #"{"identity": 5, "model": "org/vlm-7b", "trajectory": [{"action": "init", "object": null, "success": 1}, {"action": "navigate to", "object": "CoffeeMachine", "success": 0}, {"action": "toggle", "object": "CoffeeMachine", "success": 0}, {"action": "end", "object": null, "success": 1}]}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: plans, atomically: true, encoding: .utf8)
        let run = try live([])
        XCTAssertEqual(run.status, 0, run.stderr)
        let model = (record as NSString).appendingPathComponent("org_vlm-7b")
        let pickup = (model as NSString).appendingPathComponent("3_single_pickup_FloorPlan30_0")
        let result = try json((pickup as NSString).appendingPathComponent("result.json"))
        let trajectory = try XCTUnwrap(result["trajectory"] as? [[String: Any]])
        XCTAssertEqual(trajectory.map { $0["action"] as? String }, ["init", "navigate to", "error", "pickup", "end"])
        XCTAssertEqual(trajectory[2]["error"] as? String, "parse_error")
        XCTAssertEqual(trajectory[2]["response"] as? String, "I am thinking")
        XCTAssertEqual(trajectory[3]["object"] as? String, "Mug")
        XCTAssertEqual(result["model"] as? String, "org/vlm-7b")
        // The illegal entry was not sent: frames for init, navigate and pickup only, numbered as
        // the wrapper counts its executed steps.
        XCTAssertEqual(try pngs(in: pickup), ["FloorPlan30_1_init.png", "FloorPlan30_2_navigate_CounterTop.png", "FloorPlan30_3_pick_up_Mug.png"])
        // A result line's recorded flags are ignored: its actions run again.
        let toggle = try json((model as NSString).appendingPathComponent("5_single_toggle_FloorPlan30_0/result.json"))
        XCTAssertEqual((toggle["trajectory"] as? [[String: Any]])?.map { $0["success"] as? Int }, [1, 1, 1, 1])
    }

    func testAControllerThatFailsEveryPickupIsReportedPickupByPickupWithBothOutcomes() throws {
        let divergence = work.appendingPathComponent("divergence.jsonl").path
        let run = try live(["--divergence", divergence], mode: "fail_pickup")
        XCTAssertEqual(run.status, 0, "every task ran; the failed pickups are the run's outcome: \(run.stderr)")
        let pickups = try jsonLines(try String(contentsOfFile: divergence, encoding: .utf8)).filter { $0["action"] as? String == "pickup" }
        XCTAssertEqual(pickups.map { "\($0["identity"] ?? "") \($0["object"] ?? "")" }, ["3 Mug", "4 Plate"])
        for pickup in pickups {
            XCTAssertEqual(pickup["unity_success"] as? Bool, false)
            XCTAssertEqual(pickup["simulated_success"] as? Bool, true)
            XCTAssertEqual(pickup["agrees"] as? Bool, false)
        }
        XCTAssertTrue(run.stderr.contains("Unity only 0, simulator only 2"), run.stderr)
        // The failed step's kind: Unity refused what the simulator would do.
        let result = try json((try XCTUnwrap(try runDirectories()["3"]) as NSString).appendingPathComponent("result.json"))
        let trajectory = try XCTUnwrap(result["trajectory"] as? [[String: Any]])
        XCTAssertEqual(trajectory[2]["action"] as? String, "pickup")
        XCTAssertEqual(trajectory[2]["success"] as? Int, 0)
        XCTAssertEqual(trajectory[2]["error"] as? String, "unity_rejected")
    }

    func testAKilledSidecarEndsOnlyItsTaskAndResumeCompletesTheRest() throws {
        // The fake's 12th controller call is task 2's OpenObject: the sidecar dies there.
        let crashed = try live([], mode: "crash_at:12")
        XCTAssertEqual(crashed.status, 1, crashed.stderr)
        XCTAssertTrue(crashed.stderr.contains("plans.jsonl:2: task 2 on FloorPlan30 ended at step 3"), crashed.stderr)
        XCTAssertTrue(crashed.stderr.contains("the bridge exited with status 1 during 'step open Fridge'"), crashed.stderr)
        XCTAssertTrue(crashed.stderr.contains("the bridge was restarted 1 time"), crashed.stderr)
        XCTAssertEqual(try runDirectories().keys.sorted(), ["1", "3", "4", "5"], "the other tasks completed; the crashed one left nothing")
        let kept = try runDirectories().mapValues { try Data(contentsOf: URL(fileURLWithPath: ($0 as NSString).appendingPathComponent("result.json"))) }

        let resumed = try live(["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(resumed.stderr.components(separatedBy: "(--resume): skipped").count - 1, 4, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("live: task 2 FloorPlan30: success 1"), resumed.stderr)
        let directories = try runDirectories()
        XCTAssertEqual(directories.keys.sorted(), ["1", "2", "3", "4", "5"])
        for (identity, data) in kept {
            let path = (try XCTUnwrap(directories[identity]) as NSString).appendingPathComponent("result.json")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), data, "task \(identity) was not run again")
        }
        let recorded = try CLI.run(["grade", "--mode", "recorded", record, "--store", store])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
    }

    func testAHangingActionTimesOutAndTheRunGoesOn() throws {
        // The 20th controller call is task 3's PickupObject: it never returns.
        let started = Date()
        let run = try live([], mode: "hang_at:20", actionTimeout: 2)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("task 3 on FloorPlan30 ended at step 3"), run.stderr)
        XCTAssertTrue(run.stderr.contains("the bridge did not answer 'step pickup Mug' within 2 s"), run.stderr)
        XCTAssertEqual(try runDirectories().keys.sorted(), ["1", "2", "4", "5"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 25, "one timeout, not a hang")
    }

    func testGarbageOnTheReplyStreamEndsTheTaskAndRestartsTheSidecar() throws {
        let run = try live([], mode: "garbage_at:12")
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("task 2 on FloorPlan30 ended at step 3"), run.stderr)
        XCTAssertTrue(run.stderr.contains("malformed reply (not JSON"), run.stderr)
        XCTAssertTrue(run.stderr.contains("the bridge was restarted 1 time"), run.stderr)
        XCTAssertEqual(try runDirectories().keys.sorted(), ["1", "3", "4", "5"])
    }

    func testNoDisplayEndsEachTaskWithTheEnvironmentError() throws {
        let run = try live([], mode: "no_display")
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "the bridge refused 'start FloorPlan30' (environment)").count - 1, 5, run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (record as NSString).appendingPathComponent("unknown")), [])
    }

    func testLiveCheckWithoutAI2THORExitsTwoAndListsWhatIsMissing() throws {
        let run = try CLI.run(["live", "--check", "--bridge", Self.bridge], environment: environment(mode: nil, fake: false))
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stdout.contains("ok       python"), run.stdout)
        XCTAssertTrue(run.stdout.contains("MISSING  ai2thor"), run.stdout)
        XCTAssertTrue(run.stdout.contains("fix: pip install -r"), run.stdout)
        XCTAssertTrue(run.stdout.contains("live bridge: missing ai2thor, unity_build, rendering"), run.stdout)

        let noPython = try CLI.run(["live", "--check", "--python", work.appendingPathComponent("no-python").path, "--bridge", Self.bridge])
        XCTAssertEqual(noPython.status, 2)
        XCTAssertTrue(noPython.stdout.contains("live bridge: missing python, ai2thor, unity_build, rendering"), noPython.stdout)
    }

    func testABridgeOfAnotherProtocolVersionStopsTheRunWithAnEnvironmentError() throws {
        let other = work.appendingPathComponent("other_bridge.py").path
        try """
            import json, sys
            for line in sys.stdin:
                request = json.loads(line)
                print(json.dumps({"ok": True, "id": request.get("id"), "protocol": 2, "bridge": "9.0"}), flush=True)
            """.write(toFile: other, atomically: true, encoding: .utf8)
        let run = try CLI.run(["grade", "--mode", "live", plans, "--store", store, "--bridge", other, "--record", record],
                              environment: environment(mode: nil))
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("speaks protocol 2, this thor-lite 1"), run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "protocol 2").count - 1, 1, "stops at the first task: \(run.stderr)")
    }

    func testLiveOptionsOutsideLiveModeAreUsageErrors() throws {
        let run = try CLI.run(["grade", plans, "--store", store, "--record", record])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("--record, --resume and --divergence belong to --mode live"), run.stderr)
        let noBridge = try CLI.run(["grade", "--mode", "live", plans, "--store", store, "--bridge", work.appendingPathComponent("none.py").path])
        XCTAssertEqual(noBridge.status, 2)
        XCTAssertTrue(noBridge.stderr.contains("no bridge script"), noBridge.stderr)
        let blocker = work.appendingPathComponent("a-file").path
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let badRecord = try CLI.run(["grade", "--mode", "live", plans, "--store", store, "--bridge", Self.bridge, "--record", blocker + "/runs"])
        XCTAssertEqual(badRecord.status, 2)
        XCTAssertTrue(badRecord.stderr.contains("cannot create the directory"), badRecord.stderr)
    }
}
