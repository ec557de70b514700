import ThorModel
import XCTest

@testable import ThorSim

/// The episode loop on a backend other than the symbolic world (live mode's hook): the loop's
/// rules stay the loop's, the executed steps' facts are the backend's.
final class EpisodeBackendTests: XCTestCase {
    /// Answers from a script: each executed action gets the next step, or an error.
    final class ScriptedBackend: EpisodeBackend {
        var script: [Result<BackendStep, Error>]
        var received: [Action] = []

        init(_ script: [Result<BackendStep, Error>]) { self.script = script }

        func execute(_ action: Action) throws -> BackendStep {
            received.append(action)
            guard !script.isEmpty else { throw Hung() }
            return try script.removeFirst().get()
        }
    }

    struct Hung: Error {}

    func runner(_ backend: EpisodeBackend) throws -> EpisodeRunner {
        let store = try FixtureData.store()
        let task = try XCTUnwrap(store.task(.int(3)))
        let world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        var runner = EpisodeRunner(world: world, taskType: task.taskType)
        runner.backend = backend
        return runner
    }

    func testExecutedStepsCarryTheBackendsOutcomeAndSetsAndTheLoopKeepsItsOwnEntries() throws {
        let backend = ScriptedBackend([
            .success(BackendStep(success: true, legalLocations: ["CounterTop"], legalObjects: ["Mug"])),
            .success(BackendStep(success: false, error: .notInteractable, objectId: "Mug|x", legalLocations: ["CounterTop", "Sink"], legalObjects: [])),
        ])
        var r = try runner(backend)
        var outputs: [PolicyOutput] = [.planStep("end"), .response("no decision here"), .planStep("pickup Mug")]
        r.run { outputs.popLast() }
        XCTAssertEqual(backend.received, [Action(.initialize), Action(.pickup, "Mug")])
        XCTAssertEqual(r.steps.map(\.action), ["init", "pickup", "error", "end"])
        XCTAssertEqual(r.steps[1].success, false)
        XCTAssertEqual(r.steps[1].error, .notInteractable)
        XCTAssertEqual(r.steps[1].objectId, "Mug|x")
        XCTAssertTrue(r.steps[1].feedback.contains("Object: Mug is currently unavailable for interaction"), r.steps[1].feedback)
        // Entries the backend did not execute carry its last sets, as the reference's loop variables.
        XCTAssertEqual(r.steps[2].legalLocations, ["CounterTop", "Sink"])
        XCTAssertEqual(r.steps[3].legalLocations, ["CounterTop", "Sink"])
        XCTAssertEqual(r.steps[2].error, .parseError)
        XCTAssertNil(r.backendFailure)
        // The world itself never moved.
        XCTAssertNil(r.world.held)
    }

    func testABackendThatCannotAnswerEndsTheEpisodeWithoutAnEntry() throws {
        let backend = ScriptedBackend([
            .success(BackendStep(success: true, legalLocations: ["CounterTop"], legalObjects: [])),
            .failure(Hung()),
        ])
        var r = try runner(backend)
        var outputs: [PolicyOutput] = [.planStep("end"), .planStep("pickup Mug"), .planStep("navigate to CounterTop")]
        r.run { outputs.popLast() }
        XCTAssertEqual(r.steps.map(\.action), ["init"])
        XCTAssertTrue(r.isDone)
        XCTAssertTrue(r.backendFailure is Hung)
        XCTAssertEqual(backend.received.count, 2)
    }
}
