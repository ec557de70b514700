import Foundation
import ThorModel
import ThorSim
import ThorStore
import XCTest

@testable import ThorPolicy
import ThorTestSupport

/// An example of a policy unit test: a small scripted policy that looks at the observation to
/// decide, run to success on a fixture task.
final class ScriptedPolicyTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func fixtureEnvironment() throws -> PolicyEnvironment {
        let file = Scratch.url("policy", suffix: ".sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: Self.packageRoot.appendingPathComponent("fixtures/upstream")))
        return try PolicyEnvironment(store: store)
    }

    /// Go where the target can be found, open it if it is closed, pick the target up, end.
    struct FetchPolicy {
        let target: String
        let container: String

        func act(_ observation: Observation) -> String {
            if observation.heldType == target { return "end" }
            if observation.interactable.contains(target) { return "<DecisionMaking>pickup \(target.lowercased())</DecisionMaking>" }
            if observation.action == "navigate to" && observation.object == container { return "open \(container)" }
            return "navigate to \(container)"
        }
    }

    func testScriptedPolicyFetchesThePlateFromTheClosedCabinet() throws {
        let env = try fixtureEnvironment()
        var observation = try env.reset(task: .int(4))  // single_pickup_from_closerep: the Plate in a Cabinet
        XCTAssertEqual(observation.action, "init")
        XCTAssertFalse(observation.interactable.contains("Plate"), "the Plate is behind a closed door")
        let policy = FetchPolicy(target: "Plate", container: "Cabinet")
        while !env.isDone { observation = try env.step(policy.act(observation)) }
        XCTAssertEqual(env.steps.map(\.action), ["init", "navigate to", "open", "pickup", "end"])
        XCTAssertEqual(try env.metrics?.success, 1)
        XCTAssertTrue(env.goalFacts.allSatisfy(\.holds))
        XCTAssertNil(env.endReason)
    }

    func testFailedStepsReportTheirErrorKindAndFeedback() throws {
        let env = try fixtureEnvironment()
        try env.reset(task: .int(4))
        let observation = try env.step("pickup Plate")
        XCTAssertFalse(observation.success)
        XCTAssertEqual(observation.error, .notInteractable)
        XCTAssertTrue(observation.feedback.contains("is currently unavailable for interaction"))
        XCTAssertThrowsError(try env.reset(task: .int(999)))
    }
}
