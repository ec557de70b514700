import Foundation
import ThorJSON
import ThorModel
import XCTest

@testable import ThorSim

/// Step-by-step agreement of the simulator with real Unity runs of the reference evaluation in
/// shared/recorded_runs (the result.json files record, per step, the success flag and the
/// `legal_locations`/`legal_objects` sets). Replay is synchronised: a step Unity failed is not
/// executed, so later steps compare from the same state.
final class UnityAgreementTests: XCTestCase {
    struct RecordedStep {
        var action = ""
        var object: String?
        var success = false
        var locations: [String]?
        var objects: [String]?
    }

    struct Agreement: CustomStringConvertible {
        var steps = 0, successAgree = 0
        var compared = 0, locationJaccard = 0.0, objectJaccard = 0.0, exact = 0
        var disagreements: [String] = []

        var description: String {
            let s = Double(successAgree) / Double(max(steps, 1))
            let l = locationJaccard / Double(max(compared, 1)), o = objectJaccard / Double(max(compared, 1))
            return String(format: "steps %d success agreement %.3f; sets compared %d: Jaccard locations %.3f objects %.3f exact %.3f",
                          steps, s, compared, l, o, Double(exact) / Double(max(compared, 1)))
        }
    }

    static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        a.isEmpty && b.isEmpty ? 1 : Double(a.intersection(b).count) / Double(a.union(b).count)
    }

    static var runsRoot: String {
        ProcessInfo.processInfo.environment["THOR_LITE_RECORDED_RUNS"]
            ?? RealData.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/recorded_runs").path
    }

    static func readSteps(_ path: String) throws -> (scene: String, steps: [RecordedStep]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var scene = ""
        var steps: [RecordedStep] = []
        try data.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw.bindMemory(to: UInt8.self))
            try cursor.readObject { cursor, key in
                switch key {
                case "scene": scene = try cursor.readString()
                case "trajectory":
                    try cursor.readArray { cursor, _ in
                        var step = RecordedStep()
                        try cursor.readObject { cursor, key in
                            switch key {
                            case "action": step.action = try cursor.readString()
                            case "object": step.object = try cursor.readOptionalString()
                            case "success":
                                if cursor.peek() == UInt8(ascii: "t") || cursor.peek() == UInt8(ascii: "f") {
                                    step.success = try cursor.readBool()
                                } else {
                                    step.success = try cursor.readDouble() != 0
                                }
                            case "legal_locations": step.locations = try cursor.readNull() ? nil : cursor.readStringList()
                            case "legal_objects": step.objects = try cursor.readNull() ? nil : cursor.readStringList()
                            default: try cursor.skipValue()
                            }
                        }
                        steps.append(step)
                    }
                default: try cursor.skipValue()
                }
            }
        }
        return (scene, steps)
    }

    /// Replays one recorded result. These runs are of tasks outside test_809, so the task's
    /// `navigable_objects` (the wrapper's starting legal_locations) are read off the init step:
    /// what it lists beyond what it could interact with.
    func replay(_ path: String, into total: inout Agreement) throws {
        let (sceneName, steps) = try Self.readSteps(path)
        let store = try RealData.store()
        let scene = CompiledScene(try XCTUnwrap(store.scene(named: sceneName)))
        let initial = try XCTUnwrap(steps.first)
        let start = Set(initial.locations ?? []).subtracting(initial.objects ?? [])
        let task = BenchmarkTask(identity: .string("recorded"), scene: sceneName, taskType: "", instructionIndex: 0, taskName: "",
                                 taskQuery: "", keyActions: [], navigableObjects: start.sorted())
        var world = World(scene: scene, task: task, approachPoses: try store.approachPoses())
        for (index, step) in steps.enumerated() where step.action != "end" {
            // The recorded object is what the reference's matcher made of the model's words: a
            // scene type, or a word that names none (then the step cannot succeed).
            var action = Action(planStep: step.action) ?? Action(.error)
            if action.kind.takesObject { action.objectType = step.object }
            // Synchronised: a step Unity failed is predicted but not executed.
            var probe = world
            let outcome = probe.step(action)
            if step.success { world = probe }
            total.steps += 1
            if outcome.success == step.success {
                total.successAgree += 1
            } else {
                total.disagreements.append("\(URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent) #\(index) \(step.action) \(step.object ?? ""): unity \(step.success) sim \(outcome.success)")
            }
            guard step.success, let locations = step.locations, let objects = step.objects, !locations.isEmpty else { continue }
            let simLocations = Set(scene.names(of: world.navigable)), simObjects = Set(scene.names(of: world.interactable))
            total.compared += 1
            total.locationJaccard += Self.jaccard(simLocations, Set(locations))
            total.objectJaccard += Self.jaccard(simObjects, Set(objects))
            if simLocations == Set(locations) && simObjects == Set(objects) { total.exact += 1 }
            if ProcessInfo.processInfo.environment["THOR_LITE_AGREEMENT_VERBOSE"] != nil {
                print("#\(index) \(step.action) \(step.object ?? "") pose \(world.pose)")
                print("   locations missing \(Set(locations).subtracting(simLocations).sorted()) extra \(simLocations.subtracting(locations).sorted())")
                print("   objects   missing \(Set(objects).subtracting(simObjects).sorted()) extra \(simObjects.subtracting(objects).sorted())")
            }
        }
    }

    func testAgreementWithRecordedUnityRuns() throws {
        let root = Self.runsRoot
        guard FileManager.default.fileExists(atPath: root) else {
            throw XCTSkip("recorded runs not found at \(root); set THOR_LITE_RECORDED_RUNS to run this test")
        }
        let results = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix("result.json") }.sorted()
        XCTAssertEqual(results.count, 2, "shared/recorded_runs holds two result.json files")
        var total = Agreement()
        for result in results { try replay(root + "/" + result, into: &total) }
        print("Unity agreement: \(total)")
        for line in total.disagreements { print("  disagree: \(line)") }
        // Before the camera model (horizontal 90° footprint test, recorded start pose): the same
        // success agreement, Jaccard 0.777 / 0.658, no exact step.
        XCTAssertEqual(total.steps, 48)
        XCTAssertEqual(total.successAgree, 47)
        // The one disagreement: test_001 is not a benchmark task, so which Apple it targets (one in
        // the closed Fridge, which Unity cannot approach) is unknown here.
        XCTAssertEqual(total.disagreements, ["test_001_single_pickup_from_closerep_FloorPlan1_0 #1 navigate to Apple: unity false sim true"])
        XCTAssertEqual(total.compared, 19)
        XCTAssertEqual(total.locationJaccard / Double(total.compared), 1.0, accuracy: 1e-9)
        XCTAssertEqual(total.objectJaccard / Double(total.compared), 0.987, accuracy: 5e-4)
        XCTAssertEqual(total.exact, 15)
    }
}
