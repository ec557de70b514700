import Foundation
import ThorModel

/// A `Scene` flattened into arrays indexed by object number (metadata order) and type ids, so a
/// simulation step is array lookups. Built once per scene and shared by every episode on it: a
/// class, immutable, so a world holds one reference to it (as a struct, each world copy and each
/// per-pose cache lookup retained and released its twenty-odd arrays).
public final class CompiledScene: Sendable {
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
    /// Each object's box at the start (a `World` tracks where moved objects are).
    public let boxes: [Box]
    /// Closed, these hide what is inside (`PlacementRules.hidesContentsWhenClosed`).
    public let hidesContents: [Bool]
    /// What each object does to its contents when running (nil for most objects).
    public let device: [Device?]
    /// The objects that have a `device` role.
    public let devices: [Int]
    /// Water source → the basins close enough below it to be filled by it.
    public let basinsBelow: [Int: [Int]]
    /// Receptacles that slide out from under what covers them (`CameraConstants.slidesOut`).
    let slidesOut: [Bool]
    /// Objects an episode can move or hide: the pickupable ones, what closes over its contents,
    /// and everything inside either (at the start). An object is moved only by a pickup, of it
    /// or of something it is in, and hidden only inside a closed container of that kind or in
    /// the hand; where it starts in none of these, neither happens (a moved container is itself
    /// in the set, and so is everything it carried), so the camera need not test it.
    public let canBeMovedOrHidden: [Bool]
    /// Per object, the types of the objects that start inside it (at any depth): what a
    /// navigation to a receptacle read from the episode's start finds in it (`World.navigate`).
    let initialContentTypes: [TypeSet]
    /// The response parser with this scene's type matcher: its lower-cased and normalised names
    /// (Unicode case mapping and letter tests) are built once here, not per episode, where they
    /// cost more than the whole episode.
    public let parser: DecisionParser
    /// What the camera needs of the scene's geometry (visibility points, occluders).
    let sight: SceneSight
    /// Per-pose views, the reachable grid, approach poses, the settled start states and each
    /// task's expert end state: what depends only on the scene (and the task), computed on first
    /// use and shared by every episode on the scene and its threads.
    let cache = GeometryCache()

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
        slidesOut = scene.objects.map { CameraConstants.slidesOut.contains($0.objectType) }
        let hides = hidesContents, affordances = affordances, initialParent = initialParent
        canBeMovedOrHidden = initialParent.indices.map { object in
            var current = object
            while current >= 0 {
                if affordances[current].contains(.pickupable) || hides[current] { return true }
                current = initialParent[current]
            }
            return false
        }
        var contents = [TypeSet](repeating: TypeSet(), count: types.count)
        for item in types.indices {
            var container = initialParent[item]
            while container >= 0 {
                contents[container].insert(types[item])
                container = initialParent[container]
            }
        }
        initialContentTypes = contents
        sight = SceneSight(scene: scene, parent: initialParent)
        parser = DecisionParser(sceneTypes: names)
    }

    public var objectCount: Int { objectType.count }

    /// What `pose` sees of the objects at their starting places (cached per pose).
    func view(from pose: AgentPose) -> PoseView {
        cache.view(pose) { sight.view(from: pose, boxes: boxes, of: self) }
    }

    /// The scene's reachable positions (built on first use).
    public var grid: ReachableGrid {
        cache.grid { ReachableGrid(scene: scene) }
    }

    /// True when `object` starts (directly or further down) inside `container`.
    public func isInitiallyInside(_ object: Int, _ container: Int) -> Bool {
        var current = initialParent[object]
        while current >= 0 {
            if current == container { return true }
            current = initialParent[current]
        }
        return false
    }

    public func typeName(ofObject index: Int) -> String { typeNames[objectType[index]] }

    public func names(of set: TypeSet) -> [String] { set.members.map { typeNames[$0] } }
}

/// The part an object plays in AI2-THOR's device side effects (docs/simulator-rules.md "Action rules").
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

/// Results shared by all worlds on a scene (and their threads): per-pose views, the reachable
/// grid, per-object approach poses, the resolved approach-pose table, the settled start states,
/// and per task what its expert plan changes.
final class GeometryCache: @unchecked Sendable {
    /// Poses from `move forward` walks are unbounded: the memos are bounded.
    private let views = PoseViewMemo()
    private var reachable: ReachableGrid?
    private struct Placed: Hashable { let object: Int; let box: Box? }
    private let approaches = SharedMemo<Placed, AgentPose?>()
    /// `approaches` of objects where the scene put them, by object number (no hashing): every
    /// navigation to an unmoved object asks. Made on first use; nil: not computed yet.
    private var approachesAtStart: [AgentPose??] = []
    private let lock = NSLock()

    func view(_ pose: AgentPose, compute: () -> PoseView) -> PoseView {
        views.value(pose, compute: compute)
    }

    /// What a task's expert plan changes (`GoalCheck.expertChanges`), per task and approach-pose
    /// table (the two inputs of the replay besides the scene).
    private struct ExpertKey: Hashable { let task: BenchmarkTask; let approachPoses: [Int: AgentPose] }
    private let expert = SharedMemo<ExpertKey, [GoalCheck.ExpertChange]>()

    func expertChanges(_ task: BenchmarkTask, approachPoses: [Int: AgentPose], compute: () -> [GoalCheck.ExpertChange]) -> [GoalCheck.ExpertChange] {
        expert.value(ExpertKey(task: task, approachPoses: approachPoses), compute: compute)
    }

    /// The objects at the start of every episode, in their containers and with their states
    /// after the devices settled them (`World`).
    private var startObjects: [ObjectState]?
    var initialObjects: [ObjectState]? {
        get { lock.lock(); defer { lock.unlock() }; return startObjects }
        set { lock.lock(); defer { lock.unlock() }; startObjects = newValue }
    }

    /// The approach-pose table resolved to this scene's object numbers. Every world passes the same
    /// table, which `==` recognises by its storage without comparing entries; another table is
    /// resolved afresh and kept instead.
    private var approachTable: (table: [String: ApproachPose], resolved: [Int: AgentPose])?

    func approachPoses(_ table: [String: ApproachPose], resolve: () -> [Int: AgentPose]) -> [Int: AgentPose] {
        lock.lock()
        if let cached = approachTable, cached.table == table { lock.unlock(); return cached.resolved }
        lock.unlock()
        let resolved = resolve()
        lock.lock()
        defer { lock.unlock() }
        approachTable = (table, resolved)
        return resolved
    }

    func grid(_ compute: () -> ReachableGrid) -> ReachableGrid {
        lock.lock()
        defer { lock.unlock() }
        if let reachable { return reachable }
        let built = compute()
        reachable = built
        return built
    }

    /// `box` is nil for an object where the scene put it, else where it is now.
    func approach(_ object: Int, at box: Box?, compute: () -> AgentPose?) -> AgentPose? {
        guard box == nil, object >= 0 else { return approaches.value(Placed(object: object, box: box), compute: compute) }
        lock.lock()
        if object < approachesAtStart.count, let known = approachesAtStart[object] { lock.unlock(); return known }
        lock.unlock()
        let computed = compute()
        lock.lock()
        defer { lock.unlock() }
        if object >= approachesAtStart.count { approachesAtStart += Array(repeating: nil, count: object + 1 - approachesAtStart.count) }
        approachesAtStart[object] = .some(computed)
        return computed
    }

    /// Whether an object away from its starting place is in sight (`World.isVisibleWhereItIs`):
    /// a function of the object, where its box is, the pose and the occluders it uncovers, all in
    /// the key (the scene's occluders and kin are fixed). Episodes of one task put objects on the
    /// same spots and look from the same poses again and again.
    private struct Sighting: Hashable { let object: Int; let box: Box; let pose: AgentPose; let uncovered: [Int] }
    private let sightings = SharedMemo<Sighting, Bool>()

    func isVisible(_ object: Int, at box: Box, from pose: AgentPose, uncovered: [Int], compute: () -> Bool) -> Bool {
        sightings.value(Sighting(object: object, box: box, pose: pose, uncovered: uncovered), compute: compute)
    }
}

/// The per-pose views of a scene (`GeometryCache.view`): `SharedMemo`'s contract (the lock held
/// for the lookup and the insert only, at most `limit` entries, then afresh) on an open-addressing
/// table hashed by the pose's bits with a multiply-xor mix, not `Hasher` (every step looks a pose
/// up; SipHash over the five fields was a tenth of the camera's time). Equal poses (`==`: 0 and
/// -0 alike) hash alike: zero is hashed as +0.
final class PoseViewMemo: @unchecked Sendable {
    static var limit: Int { SharedMemo<AgentPose, PoseView>.limit }
    private var poses: [AgentPose] = []
    private var views: [PoseView?] = []
    private var count = 0
    private let lock = NSLock()

    func value(_ pose: AgentPose, compute: () -> PoseView) -> PoseView {
        lock.lock()
        if let cached = find(pose) { lock.unlock(); return cached }
        lock.unlock()
        let view = compute()
        lock.lock()
        defer { lock.unlock() }
        if let raced = find(pose) { return raced }
        // At most half full, so every probe ends at an empty slot; past `limit`, afresh.
        if (count + 1) * 2 > views.count {
            let kept = count >= Self.limit ? [] : zip(poses, views).compactMap { pose, view in view.map { (pose, $0) } }
            let capacity = kept.isEmpty ? 16 : views.count * 2
            poses = Array(repeating: pose, count: capacity)
            views = Array(repeating: nil, count: capacity)
            count = 0
            for (pose, view) in kept { insert(pose, view) }
        }
        insert(pose, view)
        return view
    }

    private func find(_ pose: AgentPose) -> PoseView? {
        guard !views.isEmpty else { return nil }
        let mask = views.count - 1
        var slot = Self.hash(pose) & mask
        while let view = views[slot] {
            if poses[slot] == pose { return view }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private func insert(_ pose: AgentPose, _ view: PoseView) {
        let mask = views.count - 1
        var slot = Self.hash(pose) & mask
        while views[slot] != nil { slot = (slot + 1) & mask }
        poses[slot] = pose
        views[slot] = view
        count += 1
    }

    static func hash(_ pose: AgentPose) -> Int {
        @inline(__always) func bits(_ value: Double) -> UInt64 { value == 0 ? 0 : value.bitPattern }
        @inline(__always) func mix(_ h: UInt64, _ next: UInt64) -> UInt64 { (h ^ (h >> 31)) &* 0x9E37_79B9_7F4A_7C15 ^ next }
        var h = mix(mix(mix(mix(bits(pose.x), bits(pose.z)), bits(pose.yaw)), bits(pose.horizon)), pose.standing ? 1 : 0)
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}

/// Results computed on first use and shared by every thread, by their inputs: the lock is held
/// only for the lookup and the insert, not while computing (two threads may both compute a
/// missing value; they compute the same). Past `limit` entries it starts afresh, so inputs
/// without bound (poses of `move forward` walks, objects put anywhere) cannot grow it without end.
final class SharedMemo<Key: Hashable, Value>: @unchecked Sendable {
    static var limit: Int { 4096 }
    private var entries: [Key: Value] = [:]
    private let lock = NSLock()

    func value(_ key: Key, compute: () -> Value) -> Value {
        lock.lock()
        if let cached = entries[key] { lock.unlock(); return cached }
        lock.unlock()
        let value = compute()
        lock.lock()
        defer { lock.unlock() }
        if entries.count > Self.limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
        return value
    }
}
