import Foundation
import ThorModel
import ThorSim
import ThorFuzzSupport
import ThorStore
import XCTest

@testable import ThorGrade

/// `RunningReferenceMetric` (the policy API's O(1)-a-step metric) equals `ReferenceMetric.evaluate`
/// on the trajectory so far, field for field, after every entry: of hand-built quirks, of random
/// trajectories, and of every expert plan and random plans run through the simulator.
final class RunningReferenceMetricTests: XCTestCase {
    /// Appends `entries` one at a time, comparing with the full metric after each (and before any).
    func assertMatchesAfterEveryEntry(_ entries: [TrajectoryEntry], task: TaskReference, _ label: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        var running = try RunningReferenceMetric(task: task)
        XCTAssertEqual(running.metrics, try ReferenceMetric.evaluate([], task: task), "\(label): empty", file: file, line: line)
        for count in entries.indices {
            running.append(entries[count])
            let full = try ReferenceMetric.evaluate(Array(entries[...count]), task: task)
            XCTAssertEqual(running.metrics, full, "\(label): after entry \(count) \(entries[count])", file: file, line: line)
            XCTAssertEqual(running.completeness, full.completeness, file: file, line: line)
            XCTAssertEqual(running.count, count + 1, file: file, line: line)
            if running.metrics != full { return }
        }
    }

    func testUnscorableTasksAreRefusedAsTheFullMetricRefusesThem() {
        let task = TaskReference(taskType: "single_search", taskName: "x", keyActions: ["navigate to Fridge", "observe"])
        XCTAssertThrowsError(try ReferenceMetric.evaluate([], task: task))
        XCTAssertThrowsError(try RunningReferenceMetric(task: task)) { XCTAssertTrue($0 is ReferenceMetric.UnscorableTask) }
    }

    func testQuirksEntryByEntry() throws {
        func step(_ action: String, _ object: String? = nil, _ success: RecordedSuccess = .truthy, legal: [String] = []) -> TrajectoryEntry {
            TrajectoryEntry(action: action, object: object, success: success, legalObjects: legal)
        }
        let search = TaskReference(taskType: "single_search", taskName: "Find the Potato.", keyActions: ["navigate to CounterTop", "observe", "end"])
        // A visible `Pot` matches the `Potato` task (substring quirk); a key-action end stops the walk.
        try assertMatchesAfterEveryEntry([step("init"), step("navigate to", "CounterTop"), step("end", legal: ["Pot"]), step("end")], task: search, "substring")
        try assertMatchesAfterEveryEntry(
            [step("init"), step("observe"), step("end"), step("navigate to", "Fridge"), step("pickup", "Apple"), step("end")],
            task: TaskReference(taskType: "single_search", taskName: "Find the Apple.", keyActions: ["observe", "pickup Apple", "end"]), "break")
        let put = TaskReference(taskType: "pickup_and_put", taskName: "x",
                                keyActions: ["navigate to CounterTop", "pickup Apple", "navigate to Fridge", "put Fridge", "pickup Apple", "end"])
        try assertMatchesAfterEveryEntry([
            step("init"), step("pickup", "Apple", .falsyNonZero), step("observe", nil, .falsyNonZero), step("put in", "Fridge"),
            step("pickup", "Apple", .zero), step("pickup", "Apple"), step("pickup", "Apple"), step("navigate to", nil),
            step("navigate to", "Fridge", .zero), step("navigate to", "Fridge"), step("end"),
        ], task: put, "put in, repeated key actions, falsy successes")
        // Beyond 64 distinct navigations the distinct count is kept in a set.
        let many = (0..<150).map { step("navigate to", "Object\($0 % 90)") }
        try assertMatchesAfterEveryEntry([step("init")] + many + [step("navigate to", nil), step("navigate to", nil), step("end")],
                                         task: put, "many navigations")
    }

    func testRandomTrajectoriesMatchAfterEveryEntry() throws {
        var random = SeededGenerator(seed: 10)
        let actions = ["init", "observe", "move forward", "navigate to", "pickup", "put", "put in", "open", "close", "toggle",
                       "slice", "end", "error", "blend", "Navigate to"]
        let objects: [String?] = [nil, "Apple", "Fridge", "CounterTop", "Pot", "Potato", "apple", "Mug", "Cabinet", "Égg"]
        let types = ["single_search", "single_pickup", "pickup_and_put", "single_search_from_closerep", "ordered_pickup_two_object_and_put"]
        for round in 0..<400 {
            let keyCount = Int.random(in: 1...6, using: &random)
            var keys = (0..<keyCount).map { _ -> String in
                let action = ["navigate to", "pickup", "put", "open", "observe", "toggle"].randomElement(using: &random)!
                return "\(action) \(objects.compactMap { $0 }.randomElement(using: &random)!)"
            }
            keys.append("end")
            let task = TaskReference(taskType: types.randomElement(using: &random)!, taskName: "Find the \(objects[1...].randomElement(using: &random)!!) here.", keyActions: keys)
            let length = Int.random(in: 0...(round % 10 == 0 ? 120 : 25), using: &random)
            let entries = (0..<length).map { _ in
                TrajectoryEntry(
                    action: actions.randomElement(using: &random)!, object: objects.randomElement(using: &random)!,
                    success: [RecordedSuccess.truthy, .truthy, .truthy, .zero, .falsyNonZero].randomElement(using: &random)!,
                    legalObjects: objects.compactMap { $0 }.filter { _ in Int.random(in: 0..<4, using: &random) == 0 })
            }
            try assertMatchesAfterEveryEntry(entries, task: task, "round \(round)")
        }
    }

    /// Every task's expert plan, and random plans over the scene's types, through the simulator's
    /// loop, the metric fed as the policy API feeds it.
    func checkSimulatedEpisodes(_ store: ThorStore) throws {
        let worlds = try TestWorlds(store)
        var random = SeededGenerator(seed: 29)
        let verbs = ["navigate to", "pickup", "put", "put in", "open", "close", "toggle", "observe", "move forward", "slice", "end"]
        for task in try store.allTasks() {
            let world = try worlds.world(for: task)
            let randomPlans = (0..<2).map { _ in
                (0..<Int.random(in: 1...30, using: &random)).map { _ in
                    "\(verbs.randomElement(using: &random)!) \(world.scene.typeNames.randomElement(using: &random) ?? "Fridge")"
                }
            }
            for (index, plan) in ([task.keyActionTexts] + randomPlans).enumerated() {
                var runner = EpisodeRunner(world: world, taskType: task.taskType)
                let reference = TaskReference(task)
                var running = try RunningReferenceMetric(task: reference)
                var trajectory: [TrajectoryEntry] = []
                var remaining = plan[...]
                runner.advance()
                while true {
                    for step in runner.steps[trajectory.count...] {
                        let entry = TrajectoryEntry(action: step.action, object: step.object, success: step.success, legalObjects: step.legalObjects)
                        trajectory.append(entry)
                        running.append(entry)
                    }
                    XCTAssertEqual(running.metrics, try ReferenceMetric.evaluate(trajectory, task: reference),
                                   "task \(task.identity) plan \(index) after \(trajectory.count) entries")
                    if runner.isDone { break }
                    runner.receive(remaining.popFirst().map(PolicyOutput.planStep))
                    runner.advance()
                }
            }
        }
    }

    func importStore(_ checkout: URL) throws -> ThorStore {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("thor-lite-running-\(UUID().uuidString).sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: checkout))
        return store
    }

    func testFixtureEpisodesMatchAfterEveryStep() throws {
        try checkSimulatedEpisodes(try importStore(SimulateModeTests.packageRoot.appendingPathComponent("fixtures/upstream")))
    }

    func testRealEpisodesMatchAfterEveryStep() throws {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? SimulateModeTests.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        try checkSimulatedEpisodes(try importStore(URL(fileURLWithPath: path)))
    }
}
