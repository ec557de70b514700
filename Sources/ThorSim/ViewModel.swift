import Foundation
import ThorModel

/// Where the agent stands on the floor plan and which way it faces (degrees, AI2-THOR's yaw:
/// 0 looks along +z, 90 along +x).
public struct AgentPose: Hashable, Sendable {
    public var x: Double
    public var z: Double
    public var yaw: Double

    public init(x: Double, z: Double, yaw: Double) {
        self.x = x
        self.z = z
        self.yaw = yaw
    }

    public init(_ pose: Pose) {
        self.init(x: pose.position.x, z: pose.position.z, yaw: pose.rotation.y)
    }

    func turned(by degrees: Double) -> AgentPose {
        AgentPose(x: x, z: z, yaw: (yaw + degrees).truncatingRemainder(dividingBy: 360))
    }
}

/// The deterministic stand-in for rendering: which objects the agent sees from a pose, and which
/// of those count as navigable by the reference's size/distance rule.
///
/// Known differences from AI2-THOR's renderer, by design: no occlusion by other objects (only
/// closed doors of `PlacementRules.hidesContentsWhenClosed` receptacles hide what is inside), no
/// vertical field of view (camera pitch is ignored), and the horizontal field of view is tested
/// against each box's footprint circle rather than its pixels.
public enum ViewModel {
    /// AI2-THOR's default camera field of view (degrees).
    public static let fieldOfView = 90.0
    /// AI2-THOR's default interaction distance (metres, AI2THOR-FACTS §1); measured here from the
    /// agent to the nearest point of the object's footprint.
    public static let reach = 1.5

    /// Horizontal distance from the agent to the box centre (the reference's distance).
    @inline(__always)
    static func distance(_ pose: AgentPose, _ box: Box) -> Double {
        let dx = box.center.x - pose.x, dz = box.center.z - pose.z
        return (dx * dx + dz * dz).squareRoot()
    }

    /// The horizontal field of view from one pose, set up once (two trig calls) and then tested
    /// per object with products and one square root.
    struct Frustum {
        let x: Double, z: Double
        let forwardX: Double, forwardZ: Double
        static let halfAngleCos = cos(fieldOfView * .pi / 360)
        static let halfAngleSin = sin(fieldOfView * .pi / 360)

        init(_ pose: AgentPose) {
            x = pose.x
            z = pose.z
            let yaw = pose.yaw * .pi / 180
            forwardX = sin(yaw)
            forwardZ = cos(yaw)
        }

        /// Whether any part of the footprint circle lies inside the field of view: the angle to the
        /// centre is at most half the field of view plus the circle's angular radius, compared as
        /// cos(angle) ≥ cos(half + β) with sin β = radius / distance.
        @inline(__always)
        func contains(_ box: Box, radius: Double) -> Bool {
            let dx = box.center.x - x, dz = box.center.z - z
            let distanceSquared = dx * dx + dz * dz
            if distanceSquared <= radius * radius { return true }
            let distance = distanceSquared.squareRoot()
            let sinBeta = radius / distance
            let cosBeta = (1 - sinBeta * sinBeta).squareRoot()
            // half + β stays below 135°, so the cosine comparison is monotonic.
            let sumCos = Self.halfAngleCos * cosBeta - Self.halfAngleSin * sinBeta
            return (dx * forwardX + dz * forwardZ) >= sumCos * distance
        }
    }

    /// REFERENCE-EVAL "Legality": an object smaller than 0.01 m³ is navigable only when close or
    /// large enough; a larger one is navigable unless volume/distance ≤ 0.02, in which case the
    /// same face/distance rules apply.
    public static func isNavigableBySize(volume: Double, largestFace: Double, distance: Double) -> Bool {
        func closeOrLargeEnough() -> Bool {
            (largestFace > 0.5 && distance <= 10) || (largestFace > 0.15 && distance <= 4)
                || (largestFace > 0.08 && distance <= 2.5) || (volume > 0.005 && distance <= 2)
                || (volume > 0.001 && distance <= 1.5) || distance <= 1
        }
        if volume < 0.01 { return closeOrLargeEnough() }
        return volume / max(distance, 1e-9) > 0.02 || closeOrLargeEnough()
    }

    /// Horizontal distance from the agent to the nearest point of the object's footprint.
    static func reachDistance(_ pose: AgentPose, _ box: Box) -> Double {
        let dx = max(abs(box.center.x - pose.x) - box.size.x / 2, 0)
        let dz = max(abs(box.center.z - pose.z) - box.size.z / 2, 0)
        return (dx * dx + dz * dz).squareRoot()
    }

    /// Where the agent stands to reach an object when no hand-set pose exists: in front of the box
    /// side that faces the middle of the room, 0.55 m beyond it, facing the box centre, kept
    /// inside the scene bounds.
    public static func approachPose(for box: Box, in bounds: Box) -> AgentPose {
        let towardX = bounds.center.x - box.center.x, towardZ = bounds.center.z - box.center.z
        var x = box.center.x, z = box.center.z
        let standoff = 0.55
        if abs(towardX) >= abs(towardZ) {
            x += (towardX >= 0 ? 1 : -1) * (box.size.x / 2 + standoff)
        } else {
            z += (towardZ >= 0 ? 1 : -1) * (box.size.z / 2 + standoff)
        }
        let margin = 0.2
        x = min(max(x, bounds.center.x - bounds.size.x / 2 + margin), bounds.center.x + bounds.size.x / 2 - margin)
        z = min(max(z, bounds.center.z - bounds.size.z / 2 + margin), bounds.center.z + bounds.size.z / 2 - margin)
        return AgentPose(x: x, z: z, yaw: facing(fromX: x, z: z, to: box))
    }

    /// The yaw that looks from (x, z) at the box centre.
    static func facing(fromX x: Double, z: Double, to box: Box) -> Double {
        let dx = box.center.x - x, dz = box.center.z - z
        if dx == 0 && dz == 0 { return 0 }
        let degrees = atan2(dx, dz) * 180 / .pi
        return degrees < 0 ? degrees + 360 : degrees
    }
}
