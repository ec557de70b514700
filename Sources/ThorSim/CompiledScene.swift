import Foundation
import ThorModel

/// A `Scene` flattened into arrays indexed by object number (metadata order) and type ids, so a
/// simulation step is array lookups. Built once per scene and shared by every episode on it.
public struct CompiledScene: Sendable {
    public let scene: Scene
    /// Type id → type name; ids follow the sorted names, so they are stable for a scene.
    public let typeNames: [String]
    public let typeIdByName: [String: Int]
    public let objectType: [Int]
    public let affordances: [Affordances]
    /// The receptacle each object rests in at the start (its innermost parent), or -1.
    public let initialParent: [Int]
    public let indexById: [String: Int]
    /// Per type: the first object of that type in metadata order (the reference's default resolution).
    public let firstOfType: [Int]
    /// StoveKnob → its StoveBurner(s), as object numbers.
    public let controlled: [[Int]]
    /// Horizontal footprint radius and largest face area of each box, used by the view model.
    public let footprintRadius: [Double]
    public let largestFace: [Double]
    public let volume: [Double]
    public let boxes: [Box]
    /// Closed, these hide what is inside (`PlacementRules.hidesContentsWhenClosed`).
    public let hidesContents: [Bool]
    /// What each object does to its contents when running (nil for most objects).
    public let device: [Device?]
    /// The objects that have a `device` role.
    public let devices: [Int]
    /// Water source → the basins close enough below it to be filled by it.
    public let basinsBelow: [Int: [Int]]
    /// Objects in view and navigable by size from a pose: geometry only, so one answer per pose
    /// serves every episode on the scene (agents revisit the same approach poses).
    let views = ViewCache()

    public init(_ scene: Scene) {
        self.scene = scene
        let names = Array(Set(scene.objects.map(\.objectType))).sorted()
        precondition(names.count <= TypeSet.capacity, "a scene with more than \(TypeSet.capacity) object types")
        typeNames = names
        let typeIds = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        typeIdByName = typeIds
        let types = scene.objects.map { typeIds[$0.objectType]! }
        objectType = types
        affordances = scene.objects.map(\.affordances)
        let ids = Dictionary(uniqueKeysWithValues: scene.objects.enumerated().map { ($1.objectId, $0) })
        indexById = ids
        initialParent = scene.primaryParents().map { $0.flatMap { ids[$0] } ?? -1 }
        var first = Array(repeating: -1, count: names.count)
        for (index, type) in types.enumerated().reversed() { first[type] = index }
        firstOfType = first
        controlled = scene.objects.map { $0.controlledObjects.compactMap { ids[$0] } }
        footprintRadius = scene.objects.map { 0.5 * ($0.box.size.x * $0.box.size.x + $0.box.size.z * $0.box.size.z).squareRoot() }
        largestFace = scene.objects.map { max($0.box.size.x * $0.box.size.y, $0.box.size.y * $0.box.size.z, $0.box.size.x * $0.box.size.z) }
        volume = scene.objects.map(\.box.volume)
        boxes = scene.objects.map(\.box)
        hidesContents = scene.objects.map { $0.has(.openable) && PlacementRules.hidesContentsWhenClosed.contains($0.objectType) }
        let devices = scene.objects.map(Device.init(object:))
        device = devices
        self.devices = devices.indices.filter { devices[$0] != nil }
        var below: [Int: [Int]] = [:]
        for (source, kind) in devices.enumerated() where kind == .waterSource {
            below[source] = scene.objects.indices.filter { basin in
                DeviceRules.basins.contains(scene.objects[basin].objectType)
                    && horizontalDistance(scene.objects[source].box, scene.objects[basin].box) <= DeviceRules.basinReach
            }
        }
        basinsBelow = below
    }

    public var objectCount: Int { objectType.count }

    /// Objects whose box is in the field of view from `pose` and passes the reference's
    /// size/distance rule; whether they are hidden in a closed receptacle is the world's business.
    func objectsInView(from pose: AgentPose) -> [Int] {
        if let cached = views.lookup(pose) { return cached }
        let view = ViewModel.Frustum(pose)
        let objects = (0..<objectCount).filter { object in
            let box = boxes[object]
            return view.contains(box, radius: footprintRadius[object])
                && ViewModel.isNavigableBySize(volume: volume[object], largestFace: largestFace[object], distance: ViewModel.distance(pose, box))
        }
        views.store(objects, for: pose)
        return objects
    }

    public func typeName(ofObject index: Int) -> String { typeNames[objectType[index]] }

    public func names(of set: TypeSet) -> [String] { set.members.map { typeNames[$0] } }
}

/// The part an object plays in AI2-THOR's device side effects (AI2THOR-FACTS §7).
public enum Device: Sendable, Equatable {
    case waterSource
    /// Heats its contents while on; `toasts` says whether bread slices get cooked too.
    case heater(toasts: Bool, mustBeClosed: Bool, fillsWithCoffee: Bool)
    case coldSource

    init?(object: SceneObject) {
        let type = object.objectType
        if DeviceRules.waterSources.contains(type) {
            self = .waterSource
        } else if DeviceRules.heatsContentsWhenOn.contains(type) {
            self = .heater(
                toasts: !DeviceRules.heatsWithoutToasting.contains(type),
                mustBeClosed: DeviceRules.mustBeClosedToTurnOn.contains(type),
                fillsWithCoffee: type == "CoffeeMachine")
        } else if object.has(.isColdSource) {
            self = .coldSource
        } else {
            return nil
        }
    }
}

func horizontalDistance(_ a: Box, _ b: Box) -> Double {
    let dx = a.center.x - b.center.x, dz = a.center.z - b.center.z
    return (dx * dx + dz * dz).squareRoot()
}

/// Per-pose view results shared by all worlds on a scene (and their threads).
final class ViewCache: @unchecked Sendable {
    private var views: [AgentPose: [Int]] = [:]
    private let lock = NSLock()

    func lookup(_ pose: AgentPose) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return views[pose]
    }

    func store(_ objects: [Int], for pose: AgentPose) {
        lock.lock()
        defer { lock.unlock() }
        // Poses from `move forward` walks are unbounded; keep the cache from growing without end.
        if views.count > 4096 { views.removeAll(keepingCapacity: true) }
        views[pose] = objects
    }
}
