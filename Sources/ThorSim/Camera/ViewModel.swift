import Foundation
import ThorModel

/// The reference wrapper's legality rules on top of AI2-THOR's `visible` flag
/// (RocAgent.get_navigate_location).
public enum ViewModel {
    /// Horizontal distance from the agent to the box centre (the reference's distance `d`).
    @inline(__always)
    static func distance(_ pose: AgentPose, _ box: Box) -> Double {
        pose.distance(toX: box.center.x, z: box.center.z)
    }

    /// The reference wrapper's legality (RocAgent.get_navigate_location; docs/camera-and-poses.md): a visible object smaller than
    /// 0.01 m³ is navigable only when close or large enough; a larger one is navigable unless
    /// volume/distance ≤ 0.02, in which case the same face/distance rules apply.
    public static func isNavigableBySize(volume: Double, largestFace: Double, distance: Double) -> Bool {
        func closeOrLargeEnough() -> Bool {
            (largestFace > 0.5 && distance < 10) || (largestFace > 0.15 && distance < 4)
                || (largestFace > 0.08 && distance < 2.5) || (volume > 0.005 && distance < 2)
                || (volume > 0.001 && distance < 1.5) || distance < 1
        }
        if volume < 0.01 { return closeOrLargeEnough() }
        return volume / max(distance, 1e-9) > 0.02 || closeOrLargeEnough()
    }
}

/// What one pose sees of a scene's objects at their starting places: the visible objects and,
/// for each, whether the size rule makes it navigable. Depends only on the scene and the pose, so
/// it is computed once per pose and shared by every episode on the scene.
/// A class: the per-pose cache hands it to every step that looks from the pose (one reference
/// count instead of one per list).
final class PoseView: Sendable {
    let visible: [Int]
    let navigable: [Bool]
    /// The visible objects that an episode can move or hide (`CompiledScene.canBeMovedOrHidden`);
    /// the others are always seen where the scene put them.
    let changeable: [Int]
    /// The positions in `visible` of the changeable objects, ascending; and the types of the
    /// others (and of those of them navigable by size), which every look from the pose sees as
    /// the view does, so a look tests only the changeable objects (`World.seenObjectByObject`).
    let changeablePositions: [Int]
    let fixedTypes: TypeSet
    let fixedNavigableTypes: TypeSet
    /// The camera at the pose (its sines and cosines), for the objects tested where they are now.
    let camera: Camera

    init(visible: [Int], navigable: [Bool], camera: Camera, in scene: CompiledScene) {
        self.visible = visible
        self.navigable = navigable
        self.camera = camera
        changeablePositions = visible.indices.filter { scene.canBeMovedOrHidden[visible[$0]] }
        changeable = changeablePositions.map { visible[$0] }
        var fixedTypes = TypeSet(), fixedNavigableTypes = TypeSet()
        for (k, object) in visible.enumerated() where !scene.canBeMovedOrHidden[object] {
            fixedTypes.insert(scene.objectType[object])
            if navigable[k] { fixedNavigableTypes.insert(scene.objectType[object]) }
        }
        self.fixedTypes = fixedTypes
        self.fixedNavigableTypes = fixedNavigableTypes
    }
}

/// The per-scene geometry the camera needs, computed once: visibility points, occluding boxes,
/// and for each object the objects that never hide it (its containers and its contents). A class:
/// immutable, shared by every world on the scene without copying its arrays.
final class SceneSight: Sendable {
    let agentY: Double
    let points: [[Vec3]]
    /// Boxes that block sight; a slab (a counter or table top, a shelf board) does not hide what
    /// stands under it: the fronts of cabinets, drawers and lower shelves are seen past its edge.
    let occluders: [(object: Int, box: Box, isSlab: Bool)]
    /// Initial containers and contents of each object, sorted.
    let kin: [[Int]]
    /// Occluders that do not hide an object because it sits in a drawer that slides out from
    /// under them (`slidesOut` receptacles; closed ones hide their contents anyway).
    let uncovered: [[Int]]
    /// Objects AI2-THOR reports visible at all (`neverVisible` types and the floor are not).
    let canBeSeen: [Bool]
    /// The size rule's inputs.
    let volume: [Double]
    let largestFace: [Double]

    init(scene: Scene, parent: [Int]) {
        agentY = scene.startPose.position.y
        points = scene.objects.map { Sight.visibilityPoints(of: $0.box) }
        occluders = scene.objects.enumerated().compactMap { index, object in
            Sight.occludingBox(type: object.objectType, box: object.box).map {
                (index, $0, CameraConstants.slabOccluders.contains(object.objectType))
            }
        }
        var kin = Array(repeating: [Int](), count: scene.objects.count)
        for object in parent.indices {
            var current = parent[object]
            while current >= 0 {
                kin[object].append(current)
                kin[current].append(object)
                current = parent[current]
            }
        }
        self.kin = kin.map { Array(Set($0)).sorted() }
        let occluders = self.occluders
        func covering(_ container: Int) -> [Int] {
            occluders.filter { Sight.overlaps($0.box, scene.objects[container].box) }.map(\.object)
        }
        uncovered = parent.indices.map { object in
            var result: [Int] = []
            var current = parent[object]
            while current >= 0 {
                if CameraConstants.slidesOut.contains(scene.objects[current].objectType) { result += covering(current) }
                current = parent[current]
            }
            return result
        }
        canBeSeen = scene.objects.map {
            !CameraConstants.neverVisible.contains($0.objectType) && !CameraConstants.neverNavigable.contains($0.objectType)
        }
        volume = scene.objects.map(\.box.volume)
        largestFace = scene.objects.map { max($0.box.size.x * $0.box.size.y, $0.box.size.y * $0.box.size.z, $0.box.size.x * $0.box.size.z) }
    }

    /// AI2-THOR's visibility test: some visibility point is in the viewport and the ray from the
    /// camera reaches the object there, passing through no occluder other than the object's kin.
    func isVisible(_ object: Int, box: Box, points: [Vec3], from camera: Camera, alsoIgnoring extra: [Int] = []) -> Bool {
        for point in points where camera.sees(point) {
            if isUnoccluded(object, box: box, point, from: camera.eye, alsoIgnoring: extra) { return true }
        }
        return false
    }

    /// Unity's raycast stops at the object's collider, so only the part of the ray before it enters
    /// the object's box can be blocked (a drawer front under the counter's overhang is still hit).
    func isUnoccluded(_ object: Int, box: Box, _ point: Vec3, from eye: Vec3, alsoIgnoring extra: [Int] = []) -> Bool {
        let t = max(0, Sight.entry(into: box, from: eye, to: point) - 1e-3)
        if t == 0 { return true }
        let end = Vec3(x: eye.x + t * (point.x - eye.x), y: eye.y + t * (point.y - eye.y), z: eye.z + t * (point.z - eye.z))
        for occluder in occluders where occluder.object != object && Sight.blocks(occluder.box, from: eye, to: end) {
            if occluder.isSlab && Sight.isUnder(point, occluder.box) { continue }
            if kin[object].contains(occluder.object) || extra.contains(occluder.object) || uncovered[object].contains(occluder.object) { continue }
            return false
        }
        return true
    }

    func isNavigableBySize(_ object: Int, box: Box, from pose: AgentPose) -> Bool {
        ViewModel.isNavigableBySize(volume: volume[object], largestFace: largestFace[object], distance: ViewModel.distance(pose, box))
    }

    /// The view of the objects at their starting places.
    func view(from pose: AgentPose, boxes: [Box], of scene: CompiledScene) -> PoseView {
        let camera = Camera(pose, agentY: agentY)
        var visible: [Int] = [], navigable: [Bool] = []
        for object in points.indices where canBeSeen[object] && isVisible(object, box: boxes[object], points: points[object], from: camera) {
            visible.append(object)
            navigable.append(isNavigableBySize(object, box: boxes[object], from: pose))
        }
        return PoseView(visible: visible, navigable: navigable, camera: camera, in: scene)
    }
}

extension SceneSight {
    /// Whether some pose at (x, z) sees the object (AI2-THOR's `GetInteractablePoses` tries yaws
    /// 0/90/180/270, horizons −30/0/30/60, standing and crouching): the four yaws with a 121°
    /// horizontal field cover every bearing and the horizons every pitch up to 75° above the
    /// horizon, so what remains is the distance, that limit, and occlusion.
    func isVisibleFromSomePose(_ object: Int, box: Box, points: [Vec3], x: Double, z: Double, alsoIgnoring extra: [Int] = []) -> Bool {
        let maxUp = tan((CameraConstants.maxLookUp + CameraConstants.verticalFieldOfView / 2) * .pi / 180)
        for height in [CameraConstants.standingCameraHeight, CameraConstants.crouchingCameraHeight] {
            let eye = Vec3(x: x, y: agentY + height, z: z)
            for point in points {
                let dx = point.x - x, dy = point.y - eye.y, dz = point.z - z
                let flat = (dx * dx + dz * dz).squareRoot()
                guard dy <= maxUp * flat, flat * flat + dy * dy <= CameraConstants.visibilityDistance * CameraConstants.visibilityDistance else { continue }
                if isUnoccluded(object, box: box, point, from: eye, alsoIgnoring: extra) { return true }
            }
        }
        return false
    }
}
