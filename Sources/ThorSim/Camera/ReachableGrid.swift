import Foundation
import ThorModel

/// Where the agent can stand: AI2-THOR's `GetReachablePositions` rebuilt from the floor and the
/// footprints of the objects that block the agent's capsule. Positions lie on a lattice of
/// `gridSize` through the scene's start pose (AI2-THOR walks the grid from the agent), inside the
/// floor by the agent's radius, clear of every obstacle by the radius, and connected to the start
/// by grid steps. Built once per scene.
public struct ReachableGrid: Sendable {
    public struct Position: Hashable, Sendable {
        public var x: Double
        public var z: Double
    }

    /// The reachable positions, in breadth-first order from the start.
    public private(set) var positions: [Position] = []
    /// The floor rectangle (x/z) the agent's centre must stay inside.
    let minX: Double, maxX: Double, minZ: Double, maxZ: Double
    /// Obstacle footprints (x/z rectangles as boxes), not yet grown by the radius.
    let obstacles: [Box]

    public init(scene: Scene) {
        let floors = scene.objects.filter { $0.objectType == "Floor" }
        let floorBox = floors.first?.box ?? scene.bounds
        let r = CameraConstants.agentRadius
        minX = floorBox.center.x - floorBox.size.x / 2 + r
        maxX = floorBox.center.x + floorBox.size.x / 2 - r
        minZ = floorBox.center.z - floorBox.size.z / 2 + r
        maxZ = floorBox.center.z + floorBox.size.z / 2 - r
        let floorTop = floors.isEmpty ? scene.startPose.position.y - 0.9 : floorBox.center.y + floorBox.size.y / 2
        let standing = scene.objects.filter { object in
            guard object.objectType != "Floor" else { return false }
            let low = object.box.center.y - object.box.size.y / 2, high = object.box.center.y + object.box.size.y / 2
            return high > floorTop + CameraConstants.obstacleLow && low < floorTop + CameraConstants.obstacleBase
        }
        // A box whose footprint wholly contains a piece of moveable furniture standing on the floor
        // is not solid: an L-shaped desk with its chair in the corner (task 631). Without the
        // shape, the box is left out rather than walling off the corner the agent stands in.
        let furniture = standing.filter { $0.has(.moveable) }.map(\.box)
        let solid = standing.filter { outer in
            !furniture.contains { inner in inner != outer.box && Self.footprint(outer.box, contains: inner) }
        }
        let counters = scene.objects.filter { $0.objectType == "CounterTop" }.map(\.box)
        // A counter with nothing of the metadata's under it stands on room structure (FloorPlan1's
        // island, 1.1 m high, over open floor in the metadata): the capsule, 1.8 m tall, hits the
        // slab itself, so the whole box is solid. A counter with cabinets under it may be L-shaped
        // (its box then covers the floor inside the L) and blocks only through what stands under it.
        let islands = counters.filter { counter in !standing.contains { Self.footprint(counter, contains: $0.box) } }
        obstacles = solid.map(\.box) + islands + Self.counterGaps(between: solid, under: counters)
        positions = walk(from: scene.startPose.position)
        corner = cornerPose(bounds: scene.bounds)
    }

    /// What holds a counter up between two of its cabinets is often room structure the metadata
    /// does not list (FloorPlan1's dishwasher between the sink cabinet and the drawers). The capsule
    /// hits it all the same: in task 10's run.log Unity's `MoveAhead` toward it fails ("Dishwasher
    /// is blocking Agent 0"), and its frame after `navigate to CounterTop` stands 0.2 m in front of
    /// the cabinets' line. So the gap between two floor-standing objects under the same counter,
    /// facing the same way and next to each other along the line they face out of, at most
    /// `counterGap` apart, is solid too (over the depth both share). Facing the same way keeps an
    /// aisle between two facing runs of a U-shaped counter open.
    static func counterGaps(between solid: [SceneObject], under counters: [Box]) -> [Box] {
        var gaps: [Box] = []
        for counter in counters {
            let under = solid.filter { footprint(counter, contains: $0.box) }
            for (i, first) in under.enumerated() {
                for second in under[(i + 1)...] {
                    guard let facing = quarterTurn(first.rotation.y), facing == quarterTurn(second.rotation.y) else { continue }
                    // Facing ±z (0, 180) the line runs along x; facing ±x (90, 270) along z.
                    let alongX = facing % 2 == 0
                    let a = first.box, b = second.box
                    let (aDepth, bDepth) = alongX ? (span(a, \.z), span(b, \.z)) : (span(a, \.x), span(b, \.x))
                    let (aRun, bRun) = alongX ? (span(a, \.x), span(b, \.x)) : (span(a, \.z), span(b, \.z))
                    let depth = (max(aDepth.0, bDepth.0), min(aDepth.1, bDepth.1))
                    let run = aRun.1 <= bRun.0 ? (aRun.1, bRun.0) : (bRun.1, aRun.0)
                    guard depth.0 < depth.1, run.0 < run.1, run.1 - run.0 <= CameraConstants.counterGap else { continue }
                    let gap = alongX
                        ? Box(center: Vec3(x: (run.0 + run.1) / 2, y: a.center.y, z: (depth.0 + depth.1) / 2), size: Vec3(x: run.1 - run.0, y: a.size.y, z: depth.1 - depth.0))
                        : Box(center: Vec3(x: (depth.0 + depth.1) / 2, y: a.center.y, z: (run.0 + run.1) / 2), size: Vec3(x: depth.1 - depth.0, y: a.size.y, z: run.1 - run.0))
                    if footprint(counter, contains: gap) { gaps.append(gap) }
                }
            }
        }
        return gaps
    }

    /// A yaw as a count of quarter turns, 0–3; nil for a yaw that is not a number.
    private static func quarterTurn(_ yaw: Double) -> Int? {
        guard yaw.isFinite else { return nil }
        let turns = (yaw.truncatingRemainder(dividingBy: 360) / 90).rounded()
        return (Int(turns) % 4 + 4) % 4
    }

    /// A box's extent along one axis (low, high).
    private static func span(_ box: Box, _ axis: KeyPath<Vec3, Double>) -> (Double, Double) {
        (box.center[keyPath: axis] - box.size[keyPath: axis] / 2, box.center[keyPath: axis] + box.size[keyPath: axis] / 2)
    }

    /// The `init` pose (standing), computed once.
    public private(set) var corner: AgentPose?

    static func footprint(_ outer: Box, contains inner: Box) -> Bool {
        abs(inner.center.x - outer.center.x) + inner.size.x / 2 <= outer.size.x / 2
            && abs(inner.center.z - outer.center.z) + inner.size.z / 2 <= outer.size.z / 2
    }

    /// Whether the agent's centre may be at (x, z).
    public func isFree(x: Double, z: Double) -> Bool {
        guard x >= minX - 1e-9, x <= maxX + 1e-9, z >= minZ - 1e-9, z <= maxZ + 1e-9 else { return false }
        let r2 = CameraConstants.agentRadius * CameraConstants.agentRadius
        for box in obstacles {
            let dx = max(abs(x - box.center.x) - box.size.x / 2, 0), dz = max(abs(z - box.center.z) - box.size.z / 2, 0)
            if dx * dx + dz * dz < r2 { return false }
        }
        return true
    }

    /// Whether the agent can slide in a straight line from one point to another (`MoveAhead`'s
    /// capsule cast), checked every 5 cm.
    public func isPathFree(fromX x0: Double, z z0: Double, toX x1: Double, z z1: Double) -> Bool {
        let length = ((x1 - x0) * (x1 - x0) + (z1 - z0) * (z1 - z0)).squareRoot()
        let steps = max(1, Int((length / 0.05).rounded(.up)))
        for step in 1...steps {
            let t = Double(step) / Double(steps)
            if !isFree(x: x0 + t * (x1 - x0), z: z0 + t * (z1 - z0)) { return false }
        }
        return true
    }

    /// Breadth-first walk over the lattice from the free lattice point nearest the start.
    private func walk(from start: Vec3) -> [Position] {
        let g = CameraConstants.gridSize
        let iMin = Int(((minX - start.x) / g).rounded(.down)), iMax = Int(((maxX - start.x) / g).rounded(.up))
        let jMin = Int(((minZ - start.z) / g).rounded(.down)), jMax = Int(((maxZ - start.z) / g).rounded(.up))
        guard iMin <= iMax, jMin <= jMax else { return [] }
        let width = iMax - iMin + 1, depth = jMax - jMin + 1
        func point(_ i: Int, _ j: Int) -> Position { Position(x: start.x + Double(i) * g, z: start.z + Double(j) * g) }
        var free = [Bool](repeating: false, count: width * depth)
        var seed: (Int, Int)?
        var seedDistance = Double.infinity
        for i in iMin...iMax {
            for j in jMin...jMax {
                let p = point(i, j)
                guard isFree(x: p.x, z: p.z) else { continue }
                free[(i - iMin) * depth + (j - jMin)] = true
                let d = Double(i * i + j * j)
                if d < seedDistance { seedDistance = d; seed = (i, j) }
            }
        }
        guard let (si, sj) = seed else { return [] }
        var seen = [Bool](repeating: false, count: width * depth)
        var queue = [(si, sj)]
        seen[(si - iMin) * depth + (sj - jMin)] = true
        var head = 0
        var result: [Position] = []
        while head < queue.count {
            let (i, j) = queue[head]
            head += 1
            result.append(point(i, j))
            for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let ni = i + di, nj = j + dj
                guard ni >= iMin, ni <= iMax, nj >= jMin, nj <= jMax else { continue }
                let k = (ni - iMin) * depth + (nj - jMin)
                if free[k], !seen[k] {
                    seen[k] = true
                    queue.append((ni, nj))
                }
            }
        }
        return result
    }

    /// RocAgent.init_agent_corner: the reachable position nearest one of the scene bounds' four
    /// floor corners (cornerPoints 2, 3, 6, 7), facing into the room (yaw 225, 315, 135, 45), horizon 0.
    public func cornerPose(bounds: Box, standing: Bool = true) -> AgentPose? {
        let hx = bounds.size.x / 2, hz = bounds.size.z / 2
        let corners: [(x: Double, z: Double, yaw: Double)] = [
            (bounds.center.x + hx, bounds.center.z + hz, 225), (bounds.center.x + hx, bounds.center.z - hz, 315),
            (bounds.center.x - hx, bounds.center.z + hz, 135), (bounds.center.x - hx, bounds.center.z - hz, 45),
        ]
        var best: (Position, Double)?
        var bestDistance = Double.infinity
        for corner in corners {
            for p in positions {
                let d = ((p.x - corner.x) * (p.x - corner.x) + (p.z - corner.z) * (p.z - corner.z)).squareRoot()
                if d < bestDistance { bestDistance = d; best = (p, corner.yaw) }
            }
        }
        return best.map { AgentPose(x: $0.0.x, z: $0.0.z, yaw: $0.1, horizon: 0, standing: standing) }
    }
}
