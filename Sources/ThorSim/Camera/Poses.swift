import Foundation
import ThorModel

/// Where `navigate to` puts the agent when `agent_positions.json` has no pose for the object:
/// baseAgent.compute_position_8 on the object's interactable positions, then RocAgent.navigate's
/// teleport (horizon 60), adjust_height and adjust_view. Followed rule by rule, quirks included
/// (noted where the code does something other than its comments say).
enum ApproachPlanner {
    typealias Position = ReachableGrid.Position

    /// What the wrapper reads of the object: `position`, `rotation.y`, and the box for
    /// `get_item_volume`/`get_item_surface_area` (rounded to 4 places as they are).
    struct Item {
        let x: Double
        let z: Double
        let yaw: Double
        let volume: Double
        let surface: Double

        init(position: Vec3, yaw: Double, box: Box) {
            x = position.x
            z = position.z
            self.yaw = yaw
            let s = box.size
            volume = ((s.x * s.y * s.z) * 10_000).rounded(.toNearestOrEven) / 10_000
            surface = (max(s.x * s.y, s.x * s.z, s.y * s.z) * 10_000).rounded(.toNearestOrEven) / 10_000
        }

        func distance(_ p: Position) -> Double { ((p.x - x) * (p.x - x) + (p.z - z) * (p.z - z)).squareRoot() }
    }

    /// `min(angles, key=lambda a: abs(a - round(degrees)))` over 0, 45, ..., 360 with 360 → 0
    /// (Python's round: half to even; ties between angles go to the first).
    static func nearestEighth(_ degrees: Double) -> Double {
        let rounded = degrees.rounded(.toNearestOrEven)
        var best = 0.0
        for angle in stride(from: 0.0, through: 360, by: 45) where abs(angle - rounded) < abs(best - rounded) { best = angle }
        return best == 360 ? 0 : best
    }

    /// compute_position_1: the nearest position, facing it (the pose list's own rotation there,
    /// which only matters until adjust_view turns the agent).
    static func nearest(_ item: Item, _ positions: [Position]) -> (Position, Double)? {
        var best: Position?
        var bestDistance = Double.infinity
        for p in positions where item.distance(p) < bestDistance {
            bestDistance = item.distance(p)
            best = p
        }
        return best.map { p in
            let bearing = atan2(item.x - p.x, item.z - p.z) * 180 / .pi
            return (p, (((bearing + 360).truncatingRemainder(dividingBy: 360)) / 90).rounded() * 90)
        }
    }

    /// compute_closest_positions: positions near the line through the object along its rotation
    /// (the reference's A·z + B·x + C with B = −tan(rotation)), then by size the nearest, the
    /// middle one within 1 m, or the farthest within 1 m.
    static func closest(_ item: Item, _ candidates: [Position], gap: Double = 0.1) -> Position? {
        let b = -tan(item.yaw * .pi / 180)
        let c = -item.x - b * item.z
        let norm = (1 + b * b).squareRoot()
        var minimum = Double.infinity
        var near: [Position] = []
        for p in candidates {
            let d = abs(p.z + b * p.x + c) / norm
            if d <= minimum + gap {
                if d < minimum { minimum = d }
                near.append(p)
            }
        }
        if item.volume <= 0.2 && item.surface <= 0.5 {
            return nearest(item, near)?.0
        }
        let within = near.filter { item.distance($0) <= 1 }
        if item.volume <= 1 && item.surface <= 1 {
            let sorted = within.enumerated().sorted { (item.distance($0.element), $0.offset) < (item.distance($1.element), $1.offset) }
            return sorted.isEmpty ? nil : sorted[sorted.count / 2].element
        }
        var best: Position?
        var farthest = 0.0
        for p in within where item.distance(p) > farthest {
            farthest = item.distance(p)
            best = p
        }
        return best
    }

    /// compute_position_8 on the interactable positions within 1.5 m: small objects take the
    /// nearest; others are approached from the side their rotation faces.
    static func position8(_ item: Item, _ reachable: [Position]) -> (Position, Double)? {
        guard !reachable.isEmpty else { return nil }
        if item.volume <= 0.1 && item.surface <= 1 { return nearest(item, reachable) }
        let rotation = nearestEighth(item.yaw)
        func alongAxis(_ key: (Position) -> Double, _ value: Double) -> [Position] {
            for tolerance in [0.1, 0.2, 0.3, 0.4, 0.5] {
                let found = reachable.filter { abs(key($0) - value) <= tolerance }
                if !found.isEmpty { return found }
            }
            return []
        }
        /// The first non-empty group whose closest position exists; `fallThrough: false` is the
        /// reference's `elif` (a non-empty group without a closest position ends the search).
        func first(_ options: [(positions: [Position], yaw: Double)], fallThrough: Bool = true) -> (Position, Double)? {
            for option in options where !option.positions.isEmpty {
                if let p = closest(item, option.positions) { return (p, option.yaw) }
                if !fallThrough { return nil }
            }
            return nil
        }
        var chosen: (Position, Double)?
        switch rotation {
        case 180:
            // The reference tests `target_rotation is None` before trying the back, which never
            // holds, so only the front counts.
            let line = alongAxis(\.x, item.x)
            chosen = first([(line.filter { $0.z < item.z }, 0)])
        case 270:
            let line = alongAxis(\.z, item.z)
            chosen = first([(line.filter { $0.x < item.x }, 90), (line.filter { $0.x > item.x }, 270)])
        case 0:
            // The candidates are taken along z (the comment says x); front and back are both
            // tried and the nearer kept, and the rotation is 0 whenever a back exists.
            let line = alongAxis(\.z, item.z)
            let front = line.filter { $0.z > item.z }, back = line.filter { $0.z < item.z }
            let yaw = back.isEmpty ? 180.0 : 0.0
            let f = front.isEmpty ? nil : closest(item, front)
            let b = back.isEmpty ? nil : closest(item, back)
            switch (f, b) {
            case let (f?, b?): chosen = (item.distance(f) < item.distance(b) ? f : b, yaw)
            case let (f?, nil): chosen = (f, yaw)
            case let (nil, b?): chosen = (b, yaw)
            case (nil, nil): chosen = nil
            }
        case 90:
            let line = alongAxis(\.z, item.z)
            chosen = first([(line.filter { $0.x > item.x }, 270), (line.filter { $0.x < item.x }, 90)], fallThrough: false)
        case 45:
            chosen = first([(reachable.filter { $0.x > item.x && $0.z > item.z }, 225),
                            (reachable.filter { $0.x < item.x && $0.z < item.z }, 45)])
        case 135:
            chosen = first([(reachable.filter { $0.x > item.x && $0.z < item.z }, 315),
                            (reachable.filter { $0.x < item.x && $0.z > item.z }, 135),
                            (reachable.filter { $0.x > item.x && $0.z > item.z }, 225),
                            (reachable.filter { $0.x < item.x && $0.z < item.z }, 45)])
        case 225:
            chosen = first([(reachable.filter { $0.x < item.x && $0.z < item.z }, 45),
                            (reachable.filter { $0.x > item.x && $0.z > item.z }, 225)])
        default: // 315
            chosen = first([(reachable.filter { $0.x < item.x && $0.z > item.z }, 135),
                            (reachable.filter { $0.x > item.x && $0.z < item.z }, 315)])
        }
        return chosen ?? nearest(item, reachable)
    }

    /// RocAgent.navigate after the teleport (horizon 60): adjust_height crouches when the agent's
    /// centre is more than 0.44 m above the box top and stands again if the object is then not
    /// visible; adjust_view pitches toward the box centre (clamped to 30 up, 60 down, truncated to
    /// whole degrees) and turns to the nearest multiple of 45° toward it.
    static func settle(at position: Position, yaw: Double, box: Box, agentY: Double, isVisible: (AgentPose) -> Bool) -> AgentPose {
        let top = box.center.y + box.size.y / 2
        var pose = AgentPose(x: position.x, z: position.z, yaw: yaw, horizon: CameraConstants.approachHorizon,
                             standing: !(agentY > top + CameraConstants.crouchMargin))
        if !pose.standing && !isVisible(pose) { pose.standing = true }
        let eyeY = agentY + (pose.standing ? CameraConstants.standingCameraHeight : CameraConstants.crouchingCameraHeight)
        let dx = box.center.x - pose.x, dy = box.center.y - eyeY, dz = box.center.z - pose.z
        let norm = (dx * dx + dy * dy + dz * dz).squareRoot()
        let pitch = norm > 0 ? asin(dy / norm) * 180 / .pi : 0
        let whole = pitch.rounded(.towardZero)
        let target = whole > 0 ? min(CameraConstants.maxLookUp, whole) : max(-CameraConstants.maxLookDown, whole)
        pose.horizon = target == 0 ? 0 : -target
        var bearing = atan2(dx, dz) * 180 / .pi
        if bearing.rounded(.towardZero) < 0 { bearing += 360 }
        pose.yaw = nearestEighth(bearing)
        return pose
    }
}
