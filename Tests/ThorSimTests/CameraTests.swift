import Foundation
import ThorModel
import XCTest

@testable import ThorSim

/// The camera, occlusion, reachable grid and pose rules on small hand-built rooms, where the
/// right answer can be worked out by hand.
final class CameraTests: XCTestCase {
    /// A 4 m × 4 m room centred on the origin (floor top at y 0, the agent's centre at 0.9).
    static func room(_ objects: [(type: String, center: Vec3, size: Vec3, parent: String?, flags: Affordances)]) -> Scene {
        var sceneObjects = [SceneObject(
            objectId: "Floor|+00.00|+00.00|+00.00", name: "Floor", objectType: "Floor", order: 0, affordances: [.receptacle],
            position: .zero, box: Box(center: Vec3(x: 0, y: -0.05, z: 0), size: Vec3(x: 4, y: 0.1, z: 4)))]
        for (index, object) in objects.enumerated() {
            sceneObjects.append(SceneObject(
                objectId: "\(object.type)|\(index)", name: object.type, objectType: object.type, order: index + 1,
                affordances: object.flags, position: object.center, box: Box(center: object.center, size: object.size),
                parentReceptacles: object.parent.map { [$0] } ?? []))
        }
        return Scene(name: "Room", roomKind: .kitchen, bounds: Box(center: Vec3(x: 0, y: 1.25, z: 0), size: Vec3(x: 4, y: 2.7, z: 4)),
                     startPose: Pose(position: Vec3(x: 0, y: 0.9, z: 0), rotation: .zero), objects: sceneObjects)
    }

    static let cup = Vec3(x: 0.1, y: 0.1, z: 0.1)

    func visibleTypes(_ scene: CompiledScene, from pose: AgentPose) -> Set<String> {
        Set(scene.view(from: pose).visible.map { scene.typeName(ofObject: $0) })
    }

    // MARK: camera

    func testTheHorizontalFieldIsAbout121DegreesAndTheVerticalOne90() {
        let camera = Camera(AgentPose(x: 0, z: 0, yaw: 0), agentY: 0.9)
        let eye = camera.eye.y
        XCTAssertEqual(eye, 0.9 + 0.675, accuracy: 1e-9, "the standing camera is 0.675 m above the agent's centre")
        // 60° to the side is inside a 121° field, 62° is not.
        XCTAssertTrue(camera.sees(Vec3(x: sin(60 * .pi / 180) * 2, y: eye, z: cos(60 * .pi / 180) * 2)))
        XCTAssertFalse(camera.sees(Vec3(x: sin(62 * .pi / 180) * 2, y: eye, z: cos(62 * .pi / 180) * 2)))
        // 44° down is inside, 46° down is not (horizon 0).
        XCTAssertTrue(camera.sees(Vec3(x: 0, y: eye - tan(44 * .pi / 180), z: 1)))
        XCTAssertFalse(camera.sees(Vec3(x: 0, y: eye - tan(46 * .pi / 180), z: 1)))
        XCTAssertFalse(camera.sees(Vec3(x: 0, y: eye, z: -1)), "nothing behind the camera")
        XCTAssertFalse(camera.sees(Vec3(x: 0, y: eye, z: 20.5)), "nothing beyond visibilityDistance 20")
    }

    func testPitchingDownBringsTheFloorNearTheFeetIntoView() {
        let level = Camera(AgentPose(x: 0, z: 0, yaw: 90, horizon: 0), agentY: 0.9)
        let down = Camera(AgentPose(x: 0, z: 0, yaw: 90, horizon: 60), agentY: 0.9)
        let nearFeet = Vec3(x: 0.4, y: 0, z: 0)  // 76° below the horizon, straight ahead (yaw 90 looks along +x)
        XCTAssertFalse(level.sees(nearFeet))
        XCTAssertTrue(down.sees(nearFeet))
        XCTAssertFalse(down.sees(Vec3(x: 3, y: 1.575, z: 0)), "looking 60° down, the far wall at eye height is out of view")
    }

    func testCrouchingLowersTheCameraTo0675BelowStanding() {
        let camera = Camera(AgentPose(x: 0, z: 0, yaw: 0, standing: false), agentY: 0.9)
        XCTAssertEqual(camera.eye.y, 0.9, accuracy: 1e-9)
    }

    // MARK: occlusion

    func testAFridgeBetweenTheCameraAndACupHidesIt() throws {
        let scene = CompiledScene(Self.room([
            ("Fridge", Vec3(x: 0, y: 0.9, z: 1), Vec3(x: 0.8, y: 1.8, z: 0.6), nil, [.receptacle, .openable]),
            ("Cup", Vec3(x: 0, y: 1.2, z: 1.8), Self.cup, nil, [.pickupable]),
            ("Mug", Vec3(x: 1.2, y: 1.2, z: 1.8), Self.cup, nil, [.pickupable]),
        ]))
        let seen = visibleTypes(scene, from: AgentPose(x: 0, z: -1, yaw: 0))
        XCTAssertEqual(seen, ["Fridge", "Mug"], "the Cup behind the Fridge is hidden, the Mug beside it is not")
    }

    func testATableTopHidesWhatIsBehindItButNotWhatIsOnOrUnderIt() throws {
        let scene = CompiledScene(Self.room([
            ("DiningTable", Vec3(x: 0, y: 0.4, z: 1.2), Vec3(x: 1.2, y: 0.8, z: 0.8), nil, [.receptacle]),
            ("Apple", Vec3(x: 0, y: 0.85, z: 1.2), Self.cup, "DiningTable|0", [.pickupable]),
            ("Chair", Vec3(x: 0, y: 0.4, z: 1.3), Vec3(x: 0.4, y: 0.8, z: 0.4), nil, [.moveable]),
            ("Cup", Vec3(x: 0, y: 0.4, z: 1.8), Self.cup, nil, [.pickupable]),
        ]))
        let seen = visibleTypes(scene, from: AgentPose(x: 0, z: -0.5, yaw: 0, horizon: 30))
        XCTAssertTrue(seen.isSuperset(of: ["DiningTable", "Apple", "Chair"]), "a table occludes with its top only: the chair under it is seen between the legs \(seen)")
        XCTAssertFalse(seen.contains("Cup"), "the Cup on the floor behind the table is seen only through its top")
    }

    func testAClosedDrawerHidesItsContentsAndAnOpenOneShowsThemPastTheCounter() throws {
        let scene = CompiledScene(Self.room([
            ("CounterTop", Vec3(x: 0, y: 0.92, z: 1.7), Vec3(x: 2, y: 0.04, z: 0.6), nil, [.receptacle]),
            ("Drawer", Vec3(x: 0, y: 0.8, z: 1.7), Vec3(x: 0.5, y: 0.15, z: 0.5), nil, [.receptacle, .openable]),
            ("Fork", Vec3(x: 0, y: 0.78, z: 1.7), Vec3(x: 0.2, y: 0.02, z: 0.04), "Drawer|1", [.pickupable]),
        ]))
        var world = World(scene: scene)
        world.setPose(AgentPose(x: 0, z: 1.0, yaw: 0, horizon: 45))
        XCTAssertFalse(world.visible.contains(3), "inside the closed drawer")
        let drawer = try XCTUnwrap(scene.typeIdByName["Drawer"])
        XCTAssertTrue(world.step(.open, type: drawer).success)
        XCTAssertTrue(world.visible.contains(3), "the open drawer slides out from under the counter")
    }

    func testTheNeverVisibleSinkAndTheFloorAreNotNavigableButTheBasinIs() throws {
        let scene = CompiledScene(Self.room([
            ("Sink", Vec3(x: 0, y: 0.85, z: 1.5), Vec3(x: 0.7, y: 0.3, z: 0.5), nil, [.receptacle]),
            ("SinkBasin", Vec3(x: 0, y: 0.8, z: 1.5), Vec3(x: 0.5, y: 0.2, z: 0.4), "Sink|0", [.receptacle]),
        ]))
        let world = World(scene: scene)
        XCTAssertEqual(Set(scene.names(of: world.navigable)), ["SinkBasin"], "from the corner the basin is seen; the Sink and the Floor never count")
    }

    // MARK: legality

    func testTheHeldObjectStaysVisibleAndInteractable() throws {
        let scene = CompiledScene(Self.room([
            ("CounterTop", Vec3(x: 0, y: 0.9, z: 1.5), Vec3(x: 1.5, y: 0.04, z: 0.6), nil, [.receptacle]),
            ("Apple", Vec3(x: 0, y: 0.95, z: 1.5), Self.cup, "CounterTop|0", [.pickupable]),
        ]))
        var world = World(scene: scene)
        world.setPose(AgentPose(x: 0, z: 0.8, yaw: 0, horizon: 30))
        let apple = try XCTUnwrap(scene.typeIdByName["Apple"])
        XCTAssertTrue(world.step(.pickup, type: apple).success)
        world.setPose(AgentPose(x: 0, z: 0.8, yaw: 180))
        XCTAssertTrue(world.interactable.contains(apple), "held, facing away")
        XCTAssertEqual(world.step(.pickup, type: apple).error, .handFull)
    }

    func testTheSizeRuleUsesStrictDistancesAsTheReference() {
        // A 0.2 m³ box (0.5 m faces) at exactly 10 m: v/d = 0.02 is not > 0.02, s > 0.5 fails, d < 10 fails.
        XCTAssertFalse(ViewModel.isNavigableBySize(volume: 0.2, largestFace: 0.5, distance: 10))
        XCTAssertTrue(ViewModel.isNavigableBySize(volume: 0.2, largestFace: 0.51, distance: 9.99))
        XCTAssertTrue(ViewModel.isNavigableBySize(volume: 0.0001, largestFace: 0.001, distance: 0.99))
        XCTAssertFalse(ViewModel.isNavigableBySize(volume: 0.0001, largestFace: 0.001, distance: 1.0))
    }

    func testAnObjectPutInTheFridgeIsSeenAndApproachedThere() throws {
        let scene = CompiledScene(Self.room([
            ("CounterTop", Vec3(x: -1.2, y: 0.9, z: 1.5), Vec3(x: 1, y: 0.04, z: 0.6), nil, [.receptacle]),
            ("Apple", Vec3(x: -1.2, y: 0.95, z: 1.5), Self.cup, "CounterTop|0", [.pickupable]),
            ("Fridge", Vec3(x: 1.5, y: 0.9, z: 1.5), Vec3(x: 0.7, y: 1.8, z: 0.7), nil, [.receptacle, .openable]),
        ]))
        let apple = 2, fridge = 3
        var world = World(scene: scene)
        world.setPose(AgentPose(x: -1.2, z: 0.8, yaw: 0, horizon: 30))
        XCTAssertTrue(world.step(.pickup, type: scene.objectType[apple]).success)
        world.setPose(AgentPose(x: 1.5, z: 0.5, yaw: 0, horizon: 30))
        XCTAssertTrue(world.step(.open, type: scene.objectType[fridge]).success)
        XCTAssertTrue(world.step(.put, type: scene.objectType[fridge]).success)
        XCTAssertEqual(world.positionOf(apple), scene.boxes[fridge].center, "inside a receptacle with doors: in its middle")
        XCTAssertTrue(world.visible.contains(apple), "seen in the open fridge")
        let pose = try XCTUnwrap(world.approach(apple))
        XCTAssertLessThanOrEqual(pose.distance(toX: 1.5, z: 1.5), 1.5, "approached at the fridge, not at the counter")
        XCTAssertTrue(world.step(.close, type: scene.objectType[fridge]).success)
        XCTAssertNil(world.approach(apple), "shut in the closed fridge: no pose sees it")
    }

    func testWhatAPutObjectCarriesMovesWithIt() throws {
        let scene = CompiledScene(Self.room([
            ("CounterTop", Vec3(x: -1.2, y: 0.9, z: 1.5), Vec3(x: 1, y: 0.04, z: 0.6), nil, [.receptacle]),
            ("Plate", Vec3(x: -1.2, y: 0.93, z: 1.5), Vec3(x: 0.25, y: 0.02, z: 0.25), "CounterTop|0", [.pickupable, .receptacle]),
            ("Apple", Vec3(x: -1.2, y: 0.99, z: 1.5), Self.cup, "Plate|1", [.pickupable]),
            ("DiningTable", Vec3(x: 1.2, y: 0.4, z: 1.2), Vec3(x: 1, y: 0.8, z: 1), nil, [.receptacle]),
        ]))
        let plate = 2, apple = 3, table = 4
        var world = World(scene: scene)
        world.setPose(AgentPose(x: -1.2, z: 0.8, yaw: 0, horizon: 30))
        XCTAssertTrue(world.step(.pickup, type: scene.objectType[plate]).success)
        XCTAssertFalse(world.visible.contains(apple), "on the held plate")
        world.setPose(AgentPose(x: 1.2, z: 0.2, yaw: 0, horizon: 30))
        XCTAssertTrue(world.step(.put, type: scene.objectType[table]).success)
        // The plate lands on the table top at the point nearest the agent: x 1.2, z 0.825.
        XCTAssertEqual(world.positionOf(plate).z, 0.825, accuracy: 1e-9)
        XCTAssertEqual(world.positionOf(apple).z, 0.825, accuracy: 1e-9)
        XCTAssertEqual(world.positionOf(apple).y - world.positionOf(plate).y, 0.06, accuracy: 1e-9)
        XCTAssertTrue(world.visible.contains(apple))
    }

    // MARK: grid and poses

    func testTheGridKeepsTheRadiusFromWallsAndObstaclesAndStepsByTenCentimetres() {
        let scene = CompiledScene(Self.room([
            ("Fridge", Vec3(x: 1.05, y: 0.9, z: 1.05), Vec3(x: 0.8, y: 1.8, z: 0.6), nil, [.receptacle, .openable]),
            ("Window", Vec3(x: -1.95, y: 1.5, z: 0), Vec3(x: 0.1, y: 1, z: 1), nil, []),
        ]))
        let grid = scene.grid
        XCTAssertTrue(grid.isFree(x: 0, z: 0))
        XCTAssertTrue(grid.isFree(x: -1.8, z: 0), "a window high on the wall does not block; the floor edge is 0.2 m away")
        XCTAssertFalse(grid.isFree(x: -1.85, z: 0), "closer than the radius to the floor edge")
        XCTAssertFalse(grid.isFree(x: 1, z: 0.65), "within 0.2 m of the fridge")
        XCTAssertTrue(grid.isFree(x: 1, z: 0.5))
        // 37 × 37 lattice points from −1.8 to 1.8, minus those nearer than 0.2 m to the fridge's
        // footprint (x 0.65–1.45, z 0.75–1.35): x 0.5–1.6 by z 0.6–1.5 without its four corners.
        XCTAssertEqual(grid.positions.count, 37 * 37 - (12 * 10 - 4))
        XCTAssertTrue(grid.positions.allSatisfy { abs(($0.x * 10).rounded() - $0.x * 10) < 1e-6 })
    }

    func testTheGapBetweenTwoCabinetsUnderACounterBlocksTheAgentLikeTheCabinets() {
        // A counter along the south wall (z −2 to −1.4) over cabinets facing +z (rotation 0) with a
        // 0.6 m gap between the first two (x −0.3 to 0.3) where a dishwasher would stand.
        let counter = ("CounterTop", Vec3(x: 0, y: 0.91, z: -1.7), Vec3(x: 3.8, y: 0.02, z: 0.6), nil as String?, Affordances.receptacle)
        func cabinet(_ x: Double, _ width: Double) -> (String, Vec3, Vec3, String?, Affordances) {
            ("Cabinet", Vec3(x: x, y: 0.45, z: -1.75), Vec3(x: width, y: 0.8, z: 0.4), nil, [.receptacle, .openable])
        }
        let grid = CompiledScene(Self.room([counter, cabinet(-0.8, 1), cabinet(0.6, 0.6), cabinet(1.6, 0.2)])).grid
        // The gap is solid over the depth both cabinets share (z −1.95 to −1.55).
        XCTAssertFalse(grid.isFree(x: 0, z: -1.4), "0.15 m from the gap's front")
        XCTAssertTrue(grid.isFree(x: 0, z: -1.3), "0.25 m from the gap's front")
        // 0.6 m between the second and third cabinets (x 0.9 to 1.5) is filled too.
        XCTAssertFalse(grid.isFree(x: 1.2, z: -1.4))
        let apart = CompiledScene(Self.room([counter, cabinet(-1.4, 1), cabinet(1.4, 1)])).grid
        XCTAssertTrue(apart.isFree(x: 0, z: -1.6), "1.8 m apart: open floor under the counter, as before")
        let noCounter = CompiledScene(Self.room([cabinet(-0.8, 1), cabinet(0.6, 0.6)])).grid
        XCTAssertTrue(noCounter.isFree(x: 0, z: -1.6), "no counter over the cabinets: nothing between them")
    }

    func testACounterWithNothingUnderItIsSolidAndOneOverCabinetsBlocksOnlyThroughThem() {
        // An island 1.1 m high over open floor (x −0.5 to 0.5, z −1 to 1): the capsule hits the slab.
        let island = ("CounterTop", Vec3(x: 0, y: 1.11, z: 0), Vec3(x: 1, y: 0.02, z: 2), nil as String?, Affordances.receptacle)
        let grid = CompiledScene(Self.room([island])).grid
        XCTAssertFalse(grid.isFree(x: 0, z: 0))
        XCTAssertFalse(grid.isFree(x: 0.6, z: 0), "0.1 m from the island's side")
        XCTAssertTrue(grid.isFree(x: 0.71, z: 0))
        // The same box over a cabinet may be L-shaped: only the cabinet blocks.
        let cabinet = ("Cabinet", Vec3(x: -0.3, y: 0.45, z: -0.7), Vec3(x: 0.3, y: 0.8, z: 0.5), nil as String?, Affordances([.receptacle, .openable]))
        let counter = CompiledScene(Self.room([island, cabinet])).grid
        XCTAssertTrue(counter.isFree(x: 0.2, z: 0.5))
        XCTAssertFalse(counter.isFree(x: 0, z: -0.7), "0.15 m from the cabinet")
    }

    func testInitStandsAtTheReachablePositionNearestABoundsCornerFacingIn() {
        // Furniture fills three corners, so the position nearest a corner is the free one's.
        let scene = CompiledScene(Self.room([
            ("Fridge", Vec3(x: 1.5, y: 0.9, z: 1.5), Vec3(x: 1, y: 1.8, z: 1), nil, [.receptacle, .openable]),
            ("Cabinet", Vec3(x: -1.5, y: 0.4, z: 1.5), Vec3(x: 1, y: 0.8, z: 1), nil, [.receptacle, .openable]),
            ("Dresser", Vec3(x: -1.5, y: 0.4, z: -1.5), Vec3(x: 1, y: 0.8, z: 1), nil, [.receptacle]),
        ]))
        let pose = World(scene: scene).pose
        XCTAssertEqual(pose.x, 1.8, accuracy: 1e-9)
        XCTAssertEqual(pose.z, -1.8, accuracy: 1e-9)
        XCTAssertEqual(pose.yaw, 315, "corner 3 (max x, min z) faces 315")
        XCTAssertEqual(pose.horizon, 0)
    }

    func testMoveForwardGoesHalfAMetreAndSidestepsWhenBlocked() {
        let scene = CompiledScene(Self.room([
            ("Fridge", Vec3(x: 0, y: 0.9, z: 0.8), Vec3(x: 0.8, y: 1.8, z: 0.6), nil, [.receptacle, .openable]),
        ]))
        var world = World(scene: scene)
        world.setPose(AgentPose(x: 0, z: -1, yaw: 0))
        XCTAssertTrue(world.step(.moveForward, type: nil).success)
        XCTAssertEqual(world.pose.z, -0.5, accuracy: 1e-9)
        XCTAssertTrue(world.step(.moveForward, type: nil).success)
        XCTAssertEqual(world.pose.z, 0, accuracy: 1e-9)
        // Ahead, the fridge's front is 0.5 m away: the agent would come within its radius, so the
        // wrapper steps right instead.
        XCTAssertTrue(world.step(.moveForward, type: nil).success)
        XCTAssertEqual(world.pose.z, 0, accuracy: 1e-9)
        XCTAssertEqual(world.pose.x, 0.5, accuracy: 1e-9, "right of yaw 0 is +x")
    }

    func testApproachOfASmallObjectIsTheNearestPositionThenFacesIt() {
        // compute_position_1 for a cup, then adjust_view: yaw to the nearest 45°, pitch truncated.
        let item = ApproachPlanner.Item(position: Vec3(x: 0, y: 0.95, z: 1), yaw: 0, box: Box(center: Vec3(x: 0, y: 0.95, z: 1), size: Self.cup))
        let positions = [ReachableGrid.Position(x: 0, z: 0), ReachableGrid.Position(x: 0.1, z: 0.4), ReachableGrid.Position(x: 1, z: 1)]
        let (chosen, _) = try! XCTUnwrap(ApproachPlanner.position8(item, positions))
        XCTAssertEqual(chosen, ReachableGrid.Position(x: 0.1, z: 0.4))
        let pose = ApproachPlanner.settle(at: chosen, yaw: 0, box: Box(center: Vec3(x: 0, y: 0.95, z: 1), size: Self.cup), agentY: 0.9) { _ in true }
        XCTAssertEqual(pose.yaw, 0, "bearing −9.5° wraps to 350.5 and rounds to 0")
        // pitch = asin(−0.625 / √0.760625) = −45.78°, truncated to −45: horizon 45.
        XCTAssertEqual(pose.horizon, 45)
        XCTAssertTrue(pose.standing, "the box top (1.0) is not 0.44 m below the agent's centre")
    }

    func testApproachOfALargeObjectFacingMinusZComesFromTheFrontAlongItsX() {
        // A fridge rotated 180 (its door faces −z): compute_position_8 takes positions with x within
        // 0.1 of the fridge's and z in front of it, then the nearest to the line... middle or far.
        let box = Box(center: Vec3(x: 0, y: 0.9, z: 1), size: Vec3(x: 0.8, y: 1.8, z: 0.7))
        let item = ApproachPlanner.Item(position: box.center, yaw: 180, box: box)
        let positions = stride(from: -0.5, through: 0.5, by: 0.1).flatMap { x in
            stride(from: -0.4, through: 0.3, by: 0.1).map { ReachableGrid.Position(x: x, z: $0) }
        } + [ReachableGrid.Position(x: 0, z: 2)]
        let (chosen, yaw) = try! XCTUnwrap(ApproachPlanner.position8(item, positions))
        XCTAssertEqual(yaw, 0)
        XCTAssertEqual(chosen.z, 0.0, accuracy: 1e-9, "volume > 1: the farthest front position within 1 m of the fridge")
        XCTAssertLessThanOrEqual(abs(chosen.x), 0.1)
    }

    func testACrouchFollowsFromALowObjectAndTheViewTurnsToIt() {
        let box = Box(center: Vec3(x: 1, y: 0.2, z: 0), size: Vec3(x: 0.3, y: 0.4, z: 0.3))
        let pose = ApproachPlanner.settle(at: ReachableGrid.Position(x: 0, z: 0), yaw: 0, box: box, agentY: 0.9) { _ in true }
        XCTAssertFalse(pose.standing, "0.9 > 0.4 + 0.44")
        XCTAssertEqual(pose.yaw, 90)
        // From the crouched camera (0.9) to the centre (0.2, 1 m away): −34.99°, truncated to −34.
        XCTAssertEqual(pose.horizon, 34)
        let notSeen = ApproachPlanner.settle(at: ReachableGrid.Position(x: 0, z: 0), yaw: 0, box: box, agentY: 0.9) { _ in false }
        XCTAssertTrue(notSeen.standing, "stands up again when the crouched view misses the object")
    }
}
