import ThorModel
import ThorStore
import XCTest

@testable import ThorSim

/// Where `navigate to` leaves the agent, pinned to what real Unity runs show.
final class NavigationPoseTests: XCTestCase {
    /// Runs plan steps of a benchmark task; returns the pose after each.
    func poses(_ steps: [String], task identity: Int) throws -> [(StepOutcome, AgentPose)] {
        let store = try RealData.store()
        let task = try XCTUnwrap(store.task(.int(identity)))
        var world = World(scene: CompiledScene(try XCTUnwrap(store.scene(named: task.scene))), task: task, approachPoses: try store.approachPoses())
        return try steps.map { step in
            let outcome = world.step(try XCTUnwrap(Action(planStep: step), "not a plan step: \(step)"))
            return (outcome, world.pose)
        }
    }

    /// The steps of task 10's recorded Unity run (`recorded_runs/.../10_single_search_FloorPlan1_10/run.log`).
    static let run10 = ["init", "navigate to Mug", "navigate to Cabinet", "pickup Bottle", "move forward",
                        "navigate to CounterTop", "pickup Cup", "move forward", "navigate to Sink", "move forward"]

    func testRun10NavigatingToTheCounterFacesTheMugAcrossTheDishwasherAsUnityDid() throws {
        let after = try poses(Self.run10, task: 10)
        XCTAssertEqual(after.map(\.0.success), [true, false, true, false, true, true, false, true, false, true])
        // Step 6 (no hand-set pose printed in run.log): the wrapper redirects from the counter to
        // the Mug on it (a related object), takes the nearest interactable position and turns to
        // it. Unity's frame after step 6 faces −x with the dishwasher front below the counter edge
        // and the Mug at the centre, and step 8's MoveAhead fails with "Dishwasher is blocking
        // Agent 0 from moving by (-0.5000, 0.0000, 0.0000)": the agent stands 0.2 m in front of
        // the cabinets' line (x −1.52), not under the counter where the dishwasher is.
        let step6 = after[5].1
        XCTAssertEqual(step6.x, -1.3, accuracy: 1e-6)
        XCTAssertEqual(step6.z, -0.6, accuracy: 1e-6)
        XCTAssertEqual(step6.yaw, 270)
        // adjust_view's pitch to the Mug's box centre, truncated (52.6° down): not clamped at 60,
        // so the Mug sits at the frame's centre, as in Unity's frame.
        XCTAssertEqual(step6.horizon, 52)
        XCTAssertTrue(step6.standing)
        // Step 8's move forward is blocked ahead: the agent never moves along −x.
        XCTAssertEqual(after[7].1.x, -1.3, accuracy: 1e-6)
        XCTAssertEqual(after[7].1.yaw, 270)
        // Step 10 is blocked again and ends at step 6's pose; Unity's step 10 frame shows step 6's view.
        XCTAssertEqual(after[9].1.x, step6.x, accuracy: 1e-6)
        XCTAssertEqual(after[9].1.z, step6.z, accuracy: 1e-6)
        XCTAssertEqual(after[9].1.yaw, step6.yaw)
    }

    func testRun10CabinetUsesTheFirstCabinetsHandSetPose() throws {
        // Step 3: run.log prints the hand-set poses; the first Cabinet of the scene
        // (Cabinet|+00.68|+00.50|-02.20) has (0.25, −1.5), yaw 180, horizon 60, standing. Step 5's
        // MoveAhead fails moving by (0, 0, −0.5): facing −z.
        let after = try poses(Array(Self.run10.prefix(3)), task: 10)
        let pose = after[2].1
        XCTAssertEqual(pose.x, 0.25, accuracy: 1e-6)
        XCTAssertEqual(pose.z, -1.5, accuracy: 1e-6)
        XCTAssertEqual(pose.yaw, 180)
        XCTAssertEqual(pose.horizon, 60)
        XCTAssertTrue(pose.standing)
    }
}
