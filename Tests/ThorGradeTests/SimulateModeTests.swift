import Foundation
import ThorJSON
import ThorModel
import ThorSim
import ThorStore
import XCTest

@testable import ThorGrade
import ThorTestSupport

/// Worlds from a store, for simulate mode in tests.
final class TestWorlds: WorldSource, @unchecked Sendable {
    let store: ThorStore
    let poses: [String: ApproachPose]
    var scenes: [String: CompiledScene] = [:]
    let lock = NSLock()

    init(_ store: ThorStore) throws {
        self.store = store
        poses = try store.approachPoses()
    }

    func world(for task: BenchmarkTask) throws -> World {
        lock.lock()
        defer { lock.unlock() }
        let scene = try scenes[task.scene] ?? CompiledScene(XCTUnwrap(store.scene(named: task.scene)))
        scenes[task.scene] = scene
        return World(scene: scene, task: task, approachPoses: poses)
    }
}

final class SimulateModeTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func importStore(_ checkout: URL) throws -> ThorStore {
        let file = Scratch.url("grade", suffix: ".sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: checkout))
        return store
    }

    func planLines(_ tasks: [BenchmarkTask]) -> Data {
        Data(tasks.map { task in
            JSONValue.object(["identity": ReportWriters.json(task.identity), "actions": .array(task.keyActionTexts.map(JSONValue.string))]).compact
        }.joined(separator: "\n").utf8)
    }

    func testExpertPlansSucceedForAtLeast99PercentOfExecutableRealTasks() throws {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        let store = try importStore(URL(fileURLWithPath: path))
        let tasks = try store.allTasks()
        let worlds = try TestWorlds(store)
        let notExecutable = Set(try tasks.filter { PlanAudit.check($0, world: try worlds.world(for: $0)) != nil }.map(\.identity))
        XCTAssertLessThanOrEqual(notExecutable.count, 20, "the audit finds about 16 plans that AI2-THOR's rules reject")

        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: worlds)
        let report = grader.grade(planLines(tasks), file: "plans.jsonl")
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.count, 809)
        let executable = report.tasks.filter { !notExecutable.contains($0.identity) }
        let succeeded = executable.filter { $0.metrics.success == 1 }
        XCTAssertGreaterThanOrEqual(Double(succeeded.count) / Double(executable.count), 0.99,
                                    "failing: \(executable.filter { $0.metrics.success != 1 }.map(\.identity))")
        // The expert plan's own end state is its goal: the two successes agree on every executable task.
        XCTAssertEqual(executable.filter { $0.simulation?.goalSuccess != true }.map(\.identity), [])

        // Grading the same file twice gives byte-identical outputs.
        let again = grader.grade(planLines(tasks), file: "plans.jsonl")
        XCTAssertEqual(ReportWriters.summary(report).pretty, ReportWriters.summary(again).pretty)
        XCTAssertEqual(report.tasks.map { ReportWriters.perTask($0).compact }, again.tasks.map { ReportWriters.perTask($0).compact })
    }

    func testFixturePlansAndResponsesAllReachTheGoal() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: try TestWorlds(store))
        for name in ["plans.jsonl", "responses.jsonl"] {
            let data = try Data(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/\(name)"))
            let report = grader.grade(data, file: name)
            XCTAssertEqual(report.issues, [])
            XCTAssertFalse(report.tasks.isEmpty)
            for task in report.tasks {
                XCTAssertEqual(task.metrics.success, 1, "\(name) task \(task.identity)")
                XCTAssertEqual(task.simulation?.goalSuccess, true, "\(name) task \(task.identity): \(task.simulation?.goalFacts ?? [])")
                XCTAssertEqual(task.simulation?.steps.first?.action, "init")
                XCTAssertEqual(task.simulation?.steps.last?.action, "end")
            }
        }
    }

    func testPutWithTheWrongObjectCountsForTheReferenceButNotForTheGoal() throws {
        // Fixture task 6 asks for the Apple in the Bowl; putting the Knife there still matches `put Bowl`.
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: try TestWorlds(store))
        let line = #"{"identity": 6, "actions": ["navigate to CounterTop", "pickup Tomato", "put Bowl", "end"]}"#
        let report = grader.grade(Data(line.utf8), file: "wrong.jsonl")
        let task = try XCTUnwrap(report.tasks.first)
        XCTAssertEqual(task.metrics.completeness, 2.0 / 3.0)
        XCTAssertEqual(task.simulation?.goalSuccess, false)
    }

    /// The metric reads simulated steps in place (`ReferenceMetric.evaluate(entries:)`): on every
    /// fixture plan and response, and on lines with failed steps, a repeat cut-off and an early
    /// end, it gives what the steps copied into a `TrajectoryEntry` list give. A step's legal
    /// lists read the same after either is replaced.
    func testTheMetricReadsStepsInPlaceAsItReadsTheirTrajectory() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: try TestWorlds(store))
        var report = GradeReport()
        for name in ["plans.jsonl", "responses.jsonl"] {
            report.append(grader.grade(try Data(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/\(name)")), file: name))
        }
        let odd = tasks.map { task in
            #"{"identity": \#(task.identity), "actions": ["pickup Fridge", "navigate to Fridge", "navigate to Fridge", "navigate to Fridge", "navigate to Fridge", "end"]}"#
        } + tasks.map { #"{"identity": \#($0.identity), "actions": ["open Banana", "put in Bowl", "end"]}"# }
        report.append(grader.grade(Data(odd.joined(separator: "\n").utf8), file: "odd.jsonl"))
        XCTAssertEqual(report.issues, [])
        XCTAssertTrue(report.tasks.contains { $0.simulation?.endReason == .repeatCutoff }, "a repeat cut-off is exercised")
        for graded in report.tasks {
            let task = try XCTUnwrap(byIdentity[graded.identity])
            let steps = try XCTUnwrap(graded.simulation?.steps)
            let reference = TaskReference(task)
            let scored = reference.keyActions.filter(ReferenceMetric.isScored)
            let copied = steps.map { TrajectoryEntry(action: $0.action, object: $0.object, success: $0.success, legalObjects: $0.legalObjects) }
            let inPlace = try ReferenceMetric.evaluate(entries: steps, task: reference, scored: scored)
            XCTAssertEqual(inPlace, try ReferenceMetric.evaluate(copied, task: reference), "\(graded.source.file):\(graded.source.line)")
            XCTAssertEqual(inPlace, graded.metrics)
            for step in steps {
                var replaced = step
                replaced.legalObjects = ["Apple"]
                XCTAssertEqual(replaced.legalLocations, step.legalLocations)
                replaced.legalLocations = ["Fridge"]
                XCTAssertEqual(replaced.legalObjects, ["Apple"])
                XCTAssertEqual(replaced.legalLocations, ["Fridge"])
            }
        }
    }

    /// Simulate mode asks the lookup and the world source once per identity (`EpisodeStarts`): a
    /// repeated identity grades as its first line did, an identity the lookup lacks is reported on
    /// every line, and setting another lookup takes effect.
    func testTheTaskAndItsWorldAreLookedUpOncePerIdentity() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let asked = Counter()
        var grader = Grader(mode: .simulate, lookup: { identity in asked.add(identity); return byIdentity[identity] }, worlds: try TestWorlds(store))
        let plan = #"{"identity": 6, "actions": ["navigate to CounterTop", "pickup Tomato", "put Bowl", "end"]}"#
        let missing = #"{"identity": 999, "actions": ["end"]}"#
        let input = Data(([plan, missing, plan, missing, plan] + Array(repeating: plan, count: 50)).joined(separator: "\n").utf8)
        let report = grader.grade(input, file: "repeated.jsonl")
        XCTAssertEqual(report.tasks.count, 53)
        XCTAssertEqual(Set(report.tasks.map(\.metrics)).count, 1, "every line of task 6 grades alike")
        XCTAssertEqual(report.issues.map(\.source.line), [2, 4], "the missing task is reported on each of its lines")
        XCTAssertEqual(asked.count(of: .int(6)), 1)
        XCTAssertEqual(asked.count(of: .int(999)), 2, "a lookup that found nothing is asked again")

        var other = try XCTUnwrap(byIdentity[.int(6)])
        other.keyActions.removeLast(2)  // fewer key actions: a different completeness
        let changedTask = other
        grader.lookup = { $0 == .int(6) ? changedTask : nil }
        let changed = grader.grade(Data(plan.utf8), file: "one.jsonl")
        XCTAssertNotEqual(changed.tasks.first?.metrics, report.tasks.first?.metrics, "a new lookup is used")
    }

    /// A worker keeps episode starts direct-mapped by identity (`GradeWorker.episodeStart`):
    /// identities that share a slot (3 and 3 + 1024, mapped to different tasks), interleaved, each
    /// grade as their line alone does.
    func testIdentitiesSharingAWorkersSlotGradeAsTheirOwnTasks() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let first = try XCTUnwrap(tasks.first)
        let second = try XCTUnwrap(tasks.first { $0.scene != first.scene || $0.taskType != first.taskType })
        let grader = Grader(mode: .simulate, lookup: { $0 == .int(3) ? first : $0 == .int(3 + 1024) ? second : nil }, worlds: try TestWorlds(store))
        func line(_ identity: Int, _ task: BenchmarkTask) -> String {
            let actions = task.keyActions.map(\.text).map { "\"\($0)\"" }.joined(separator: ", ")
            return #"{"identity": \#(identity), "actions": [\#(actions)]}"#
        }
        let lines = (0..<12).map { $0 % 3 == 0 ? line(3, first) : line(3 + 1024, second) }
        let report = grader.grade(Data(lines.joined(separator: "\n").utf8), file: "slots.jsonl")
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.count, lines.count)
        for (text, graded) in zip(lines, report.tasks) {
            let alone = try XCTUnwrap(grader.grade(Data(text.utf8), file: "one.jsonl").tasks.first)
            XCTAssertEqual(graded.metrics, alone.metrics, text)
            XCTAssertEqual(graded.taskType, alone.taskType, text)
            XCTAssertEqual(graded.scene, alone.scene, text)
        }
        XCTAssertEqual(report.tasks[0].scene, first.scene)
        XCTAssertEqual(report.tasks[1].scene, second.scene)
        XCTAssertEqual(report.tasks[1].taskType, second.taskType)
    }

    final class Counter: @unchecked Sendable {
        private var counts: [TaskIdentity: Int] = [:]
        private let lock = NSLock()
        func add(_ identity: TaskIdentity) { lock.withLock { counts[identity, default: 0] += 1 } }
        func count(of identity: TaskIdentity) -> Int { lock.withLock { counts[identity] ?? 0 } }
    }

    /// The direct per-task writer gives the general JSON writer's bytes for simulated lines too:
    /// steps that fail with an error kind, a repeat cut-off (end_reason), goal checks that hold and
    /// fail, and a line with a model, a string identity and text that needs escaping.
    func testSimulatedPerTaskLinesFromTheDirectWriterEqualTheJSONWriters() throws {
        let store = try importStore(Self.packageRoot.appendingPathComponent("fixtures/upstream"))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: try TestWorlds(store))
        var data = try Data(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/plans.jsonl"))
        data += Data(#"""

            {"identity": 6, "model": "m \"q\" \u00e9", "actions": ["navigate to CounterTop", "pickup Tomato", "put Bowl", "end"]}
            {"identity": 6, "actions": ["pickup Sofa", "fly away", "navigate to Nothing", "observe", "observe", "observe", "observe"]}
            {"identity": 6, "responses": ["no decision", "<DecisionMaking>open bowl</DecisionMaking>"]}
            """#.utf8)
        let report = grader.grade(data, file: "mixed \"file\".jsonl")
        XCTAssertEqual(report.issues, [])
        XCTAssertEqual(report.tasks.count, try Data(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/plans.jsonl"))
            .split(separator: UInt8(ascii: "\n")).count + 3)
        let simulated = report.tasks.compactMap(\.simulation)
        XCTAssertEqual(simulated.count, report.tasks.count)
        XCTAssertTrue(simulated.contains { $0.endReason == .repeatCutoff }, "a repeat cut-off among the lines")
        XCTAssertTrue(simulated.contains { $0.steps.contains { $0.error != nil } }, "failed steps among the lines")
        XCTAssertTrue(simulated.contains { $0.goalFacts.contains { !$0.holds } }, "failed goal checks among the lines")
        for task in report.tasks {
            var bytes: [UInt8] = []
            ReportWriters.writePerTask(task, into: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), ReportWriters.perTask(task).compact, "line \(task.source.line)")
        }
    }
}
