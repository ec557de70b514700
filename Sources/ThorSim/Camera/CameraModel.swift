import Foundation
import ThorModel

/// The reference evaluation's camera, agent and wrapper constants in one table. Each names its
/// source: `evaluate.py` (the controller the reference builds), `RocAgent.py`/`baseAgent.py` (the
/// wrapper), AI2-THOR's C# (docs/camera-and-poses.md, "Constants and their sources"), or says that it is an approximation of ours.
public enum CameraConstants {
    /// `Controller(fieldOfView=90)` in evaluate.py: Unity's *vertical* field of view (docs/camera-and-poses.md, "Constants and their sources").
    public static let verticalFieldOfView = 90.0
    /// `Controller(width=800, height=450)` in evaluate.py; the horizontal field of view is
    /// 2·atan(tan(45°)·16/9) ≈ 121°.
    public static let aspect = 800.0 / 450.0
    /// The horizontal field of view that follows (degrees, about 121°): what a top-down map draws.
    public static let horizontalFieldOfView = 2 * atan(tan(verticalFieldOfView * .pi / 360) * aspect) * 180 / .pi
    /// `visibilityDistance=20` in evaluate.py (replaces AI2-THOR's 1.5 m `maxVisibleDistance`).
    public static let visibilityDistance = 20.0
    /// The default ("tall") agent's camera sits 0.675 m above the agent's centre; `Crouch` lowers
    /// it by 0.675 m (PhysicsRemoteFPSAgentController: standing/crouchingLocalCameraPosition).
    public static let standingCameraHeight = 0.675
    public static let crouchingCameraHeight = 0.0
    /// `LookUp`/`LookDown` limits of the default agent (maxUpwardLookAngle 30, maxDownwardLookAngle
    /// 60); baseAgent.adjust_view clamps its pitch to the same range.
    public static let maxLookUp = 30.0
    public static let maxLookDown = 60.0
    /// `gridSize=0.1` in evaluate.py: the spacing of `GetReachablePositions`.
    public static let gridSize = 0.1
    /// The agent's capsule radius (default agent's CharacterController, 0.2 m; prefab value, unconfirmed).
    public static let agentRadius = 0.2
    /// Objects standing on the floor block the agent's capsule: boxes whose bottom is within
    /// `obstacleBase` of the floor and whose top rises above `obstacleLow` (rugs are stepped over).
    /// Counter slabs, wall cabinets and windows start higher; what holds them up is its own object
    /// (cabinets, drawers) or the room's structure (for counters, ReachableGrid adds islands and
    /// the gaps between cabinets). Approximation of the capsule cast.
    public static let obstacleLow = 0.05
    public static let obstacleBase = 0.3
    /// The widest gap between two cabinets under one counter that is taken to be solid structure
    /// missing from the metadata (a dishwasher or an oven is 0.6–0.8 m wide). Ours, from
    /// FloorPlan1's dishwasher (task 10's run.log); ReachableGrid.counterGaps.
    public static let counterGap = 1.0
    /// RocAgent.navigate teleports with horizon 60 before adjust_height/adjust_view.
    public static let approachHorizon = 60.0
    /// baseAgent.adjust_height: crouch when the agent's centre is more than 0.44 m above the top of
    /// the object's box.
    public static let crouchMargin = 0.44
    /// baseAgent.compute_position_8: interactable poses within 1.5 m of the object's position.
    public static let approachRadius = 1.5
    /// RocAgent.move_forward(distance=0.5).
    public static let moveDistance = 0.5
    /// Visibility points: AI2-THOR tests per-prefab points on each object's surface; we use the box
    /// centre and the eight corners pulled toward the centre by this factor (approximation).
    public static let visibilityPointInset = 0.8
    /// RocAgent.get_navigate_location drops the floor from what can be navigated to.
    public static let neverNavigable: Set<String> = ["Floor"]
    /// Types AI2-THOR never reports visible in the reference's runs: in the recorded FloorPlan1 and
    /// FloorPlan2 runs `Sink` never appears among the visible objects while its `SinkBasin` does
    /// (docs/camera-and-poses.md; its visibility points lie under the counter slab).
    public static let neverVisible: Set<String> = ["Sink"]
    /// Opaque occluders whose whole box blocks sight (closed volumes in AI2-THOR's meshes).
    public static let solidOccluders: Set<String> = [
        "Fridge", "Cabinet", "Drawer", "Dresser", "Sofa", "ArmChair", "Bed", "Bathtub", "Toilet",
        "Microwave", "Safe", "LaundryHamper", "Ottoman", "DogBed", "Television", "Curtains",
        "ShowerCurtain", "Blinds", "GarbageCan", "Dishwasher",
    ]
    /// Surfaces that block sight only with their top slab (tables and shelves stand on legs or
    /// frames one sees through); the slab is this thick.
    public static let slabOccluders: Set<String> = [
        "CounterTop", "DiningTable", "CoffeeTable", "SideTable", "Desk", "TVStand", "Shelf",
    ]
    public static let slabThickness = 0.05
    /// Receptacles that slide out when opened, carrying their contents out from under the counter.
    public static let slidesOut: Set<String> = ["Drawer"]
}

/// Where the agent stands, which way it faces and how its camera is pitched: AI2-THOR's
/// `agent.position` x/z, `rotation.y` (0 looks along +z, 90 along +x), `cameraHorizon` (positive
/// looks down) and `isStanding`.
public struct AgentPose: Hashable, Sendable {
    public var x: Double
    public var z: Double
    public var yaw: Double
    public var horizon: Double
    public var standing: Bool

    public init(x: Double, z: Double, yaw: Double, horizon: Double = 0, standing: Bool = true) {
        self.x = x
        self.z = z
        self.yaw = yaw
        self.horizon = horizon
        self.standing = standing
    }

    public init(_ pose: Pose) {
        self.init(x: pose.position.x, z: pose.position.z, yaw: pose.rotation.y, horizon: pose.cameraHorizon, standing: pose.isStanding)
    }

    /// `RotateRight` by `degrees` (negative turns left), yaw kept in [0, 360).
    func turned(by degrees: Double) -> AgentPose {
        var copy = self
        let yaw = (yaw + degrees).truncatingRemainder(dividingBy: 360)
        copy.yaw = yaw < 0 ? yaw + 360 : yaw
        return copy
    }

    /// The horizontal distance to a point.
    func distance(toX x: Double, z: Double) -> Double {
        let dx = x - self.x, dz = z - self.z
        return (dx * dx + dz * dz).squareRoot()
    }
}

/// The agent's camera at one pose: a Unity perspective camera with the reference's vertical field
/// of view and aspect, pitched by the horizon.
struct Camera {
    let eye: Vec3
    let forward: Vec3
    let right: Vec3
    let up: Vec3
    static let tanHalfVertical = tan(CameraConstants.verticalFieldOfView * .pi / 360)
    static let tanHalfHorizontal = tanHalfVertical * CameraConstants.aspect

    /// `agentY` is the agent's centre height (`agent.position.y` of the scene's start pose).
    init(_ pose: AgentPose, agentY: Double) {
        let height = pose.standing ? CameraConstants.standingCameraHeight : CameraConstants.crouchingCameraHeight
        eye = Vec3(x: pose.x, y: agentY + height, z: pose.z)
        let yaw = pose.yaw * .pi / 180, pitch = pose.horizon * .pi / 180
        let (sy, cy, sp, cp) = (sin(yaw), cos(yaw), sin(pitch), cos(pitch))
        // Unity: yaw about +y, then pitch about the camera's right axis (positive pitches down).
        forward = Vec3(x: sy * cp, y: -sp, z: cy * cp)
        right = Vec3(x: cy, y: 0, z: -sy)
        up = Vec3(x: sy * sp, y: cp, z: cy * sp)
    }

    /// Inside the viewport (strictly, as AI2-THOR's `CheckIfVisibilityPointInViewport`) and within
    /// the visibility distance.
    @inline(__always)
    func sees(_ p: Vec3) -> Bool {
        let v = Vec3(x: p.x - eye.x, y: p.y - eye.y, z: p.z - eye.z)
        let depth = v.x * forward.x + v.y * forward.y + v.z * forward.z
        guard depth > 0 else { return false }
        if v.x * v.x + v.y * v.y + v.z * v.z > CameraConstants.visibilityDistance * CameraConstants.visibilityDistance { return false }
        let across = v.x * right.x + v.z * right.z
        let upward = v.x * up.x + v.y * up.y + v.z * up.z
        return abs(across) < depth * Self.tanHalfHorizontal && abs(upward) < depth * Self.tanHalfVertical
    }
}

/// Box geometry used by the camera: visibility points and the segment-versus-box occlusion test.
enum Sight {
    /// The box centre and its eight corners pulled toward the centre (`visibilityPointInset`).
    static func visibilityPoints(of box: Box) -> [Vec3] {
        var points: [Vec3] = []
        points.reserveCapacity(9)
        _ = anyVisibilityPoint(of: box) { points.append($0); return false }
        return points
    }

    /// Whether `test` holds for one of the box's visibility points, tried in `visibilityPoints`
    /// order, without building the list (the camera tests moved objects on every step).
    @inline(__always)
    static func anyVisibilityPoint(of box: Box, _ test: (Vec3) -> Bool) -> Bool {
        if test(box.center) { return true }
        let k = CameraConstants.visibilityPointInset / 2
        // Corner i: x, y, z on the minus side for bits 2, 1, 0 clear (x slowest, minus first).
        for corner in 0..<8 {
            let sx: Double = corner & 4 == 0 ? -1 : 1, sy: Double = corner & 2 == 0 ? -1 : 1, sz: Double = corner & 1 == 0 ? -1 : 1
            let point = Vec3(x: box.center.x + sx * k * box.size.x, y: box.center.y + sy * k * box.size.y,
                             z: box.center.z + sz * k * box.size.z)
            if test(point) { return true }
        }
        return false
    }

    /// The part of an object's box that blocks sight, or nil when it does not occlude.
    static func occludingBox(type: String, box: Box) -> Box? {
        if CameraConstants.solidOccluders.contains(type) { return box }
        if CameraConstants.slabOccluders.contains(type) {
            let thickness = min(CameraConstants.slabThickness, box.size.y)
            let top = box.center.y + box.size.y / 2
            return Box(center: Vec3(x: box.center.x, y: top - thickness / 2, z: box.center.z),
                       size: Vec3(x: box.size.x, y: thickness, z: box.size.z))
        }
        return nil
    }

    /// Below the box, within its footprint.
    static func isUnder(_ p: Vec3, _ box: Box) -> Bool {
        p.y < box.center.y - box.size.y / 2 && abs(p.x - box.center.x) <= box.size.x / 2 && abs(p.z - box.center.z) <= box.size.z / 2
    }

    static func overlaps(_ a: Box, _ b: Box) -> Bool {
        abs(a.center.x - b.center.x) <= (a.size.x + b.size.x) / 2 && abs(a.center.y - b.center.y) <= (a.size.y + b.size.y) / 2
            && abs(a.center.z - b.center.z) <= (a.size.z + b.size.z) / 2
    }

    @inline(__always)
    static func contains(_ box: Box, _ p: Vec3, margin: Double = 1e-3) -> Bool {
        abs(p.x - box.center.x) <= box.size.x / 2 + margin && abs(p.y - box.center.y) <= box.size.y / 2 + margin
            && abs(p.z - box.center.z) <= box.size.z / 2 + margin
    }

    /// Clips the parameter range [t0, t1] of a segment to one axis of a box (the slab method);
    /// false when the segment misses that slab.
    @inline(__always)
    private static func clip(_ start: Double, _ end: Double, _ centre: Double, _ half: Double, _ t0: inout Double, _ t1: inout Double) -> Bool {
        let d = end - start
        let low = centre - half, high = centre + half
        if abs(d) < 1e-12 { return start >= low && start <= high }
        var ta = (low - start) / d, tb = (high - start) / d
        if ta > tb { swap(&ta, &tb) }
        t0 = max(t0, ta)
        t1 = min(t1, tb)
        return t0 <= t1
    }

    /// The parameter range of the segment from `a` to `b` inside the box, or nil when it misses.
    @inline(__always)
    private static func span(_ box: Box, from a: Vec3, to b: Vec3) -> (Double, Double)? {
        var t0 = 0.0, t1 = 1.0
        guard clip(a.x, b.x, box.center.x, box.size.x / 2, &t0, &t1),
              clip(a.y, b.y, box.center.y, box.size.y / 2, &t0, &t1),
              clip(a.z, b.z, box.center.z, box.size.z / 2, &t0, &t1) else { return nil }
        return (t0, t1)
    }

    /// Where the segment from `a` to `b` first enters the box, as a fraction of its length (0 when
    /// `a` is inside; 1 when it never enters).
    static func entry(into box: Box, from a: Vec3, to b: Vec3) -> Double {
        if contains(box, a, margin: 0) { return 0 }
        return span(box, from: a, to: b)?.0 ?? 1
    }

    /// Whether the segment from `a` to `b` passes through the box (slab test). A box holding
    /// either end does not block: the camera inside a box sees out of it, and a point inside a box
    /// (a drawer under the counter slab, a cup inside a cabinet's carcass) is that box's business.
    @inline(__always)
    static func blocks(_ box: Box, from a: Vec3, to b: Vec3) -> Bool {
        if contains(box, a) || contains(box, b) { return false }
        return span(box, from: a, to: b) != nil
    }
}
