/// The four iTHOR room kinds; the floor-plan number decides which (1–30, 201–230, 301–330, 401–430).
public enum RoomKind: String, Sendable, Codable, CaseIterable {
    case kitchen, livingRoom = "living_room", bedroom, bathroom

    /// The upstream folder name under `data_engine/taskgenerate/`.
    public var folderName: String {
        switch self {
        case .kitchen: "kitchens"
        case .livingRoom: "living_rooms"
        case .bedroom: "bedrooms"
        case .bathroom: "bathrooms"
        }
    }

    public init?(folderName: String) {
        guard let kind = RoomKind.allCases.first(where: { $0.folderName == folderName }) else { return nil }
        self = kind
    }
}

/// Affordances AI2-THOR reports per object (`pickupable`, `receptacle`, ...), as a bit set so a
/// world step tests one bit instead of walking a dictionary.
public struct Affordances: OptionSet, Hashable, Sendable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let pickupable = Affordances(rawValue: 1 << 0)
    public static let receptacle = Affordances(rawValue: 1 << 1)
    public static let openable = Affordances(rawValue: 1 << 2)
    public static let toggleable = Affordances(rawValue: 1 << 3)
    public static let sliceable = Affordances(rawValue: 1 << 4)
    public static let cookable = Affordances(rawValue: 1 << 5)
    public static let dirtyable = Affordances(rawValue: 1 << 6)
    public static let canFillWithLiquid = Affordances(rawValue: 1 << 7)
    public static let breakable = Affordances(rawValue: 1 << 8)
    public static let moveable = Affordances(rawValue: 1 << 9)
    public static let canBeUsedUp = Affordances(rawValue: 1 << 10)
    public static let isHeatSource = Affordances(rawValue: 1 << 11)
    public static let isColdSource = Affordances(rawValue: 1 << 12)

    /// Metadata field name of each flag, in bit order; the store and the importer share this table.
    public static let fieldNames: [(name: String, flag: Affordances)] = [
        ("pickupable", .pickupable), ("receptacle", .receptacle), ("openable", .openable),
        ("toggleable", .toggleable), ("sliceable", .sliceable), ("cookable", .cookable),
        ("dirtyable", .dirtyable), ("canFillWithLiquid", .canFillWithLiquid), ("breakable", .breakable),
        ("moveable", .moveable), ("canBeUsedUp", .canBeUsedUp), ("isHeatSource", .isHeatSource),
        ("isColdSource", .isColdSource),
    ]
}

/// Object temperature as AI2-THOR names it.
public enum Temperature: String, Sendable, Codable, CaseIterable {
    case roomTemp = "RoomTemp", hot = "Hot", cold = "Cold"
}

/// The mutable state fields of an object at the time the metadata was dumped.
public struct ObjectState: Hashable, Sendable, Codable {
    public var isOpen: Bool
    public var openness: Double
    public var isToggled: Bool
    public var isBroken: Bool
    public var isFilledWithLiquid: Bool
    public var fillLiquid: String?
    public var isDirty: Bool
    public var isUsedUp: Bool
    public var isCooked: Bool
    public var isSliced: Bool
    public var isPickedUp: Bool
    public var temperature: Temperature

    public init(
        isOpen: Bool = false, openness: Double = 0, isToggled: Bool = false, isBroken: Bool = false,
        isFilledWithLiquid: Bool = false, fillLiquid: String? = nil, isDirty: Bool = false,
        isUsedUp: Bool = false, isCooked: Bool = false, isSliced: Bool = false, isPickedUp: Bool = false,
        temperature: Temperature = .roomTemp
    ) {
        self.isOpen = isOpen
        self.openness = openness
        self.isToggled = isToggled
        self.isBroken = isBroken
        self.isFilledWithLiquid = isFilledWithLiquid
        self.fillLiquid = fillLiquid
        self.isDirty = isDirty
        self.isUsedUp = isUsedUp
        self.isCooked = isCooked
        self.isSliced = isSliced
        self.isPickedUp = isPickedUp
        self.temperature = temperature
    }
}

/// One object of a scene's metadata dump.
public struct SceneObject: Hashable, Sendable, Codable {
    /// `Type|x|y|z` (basins: `Sink|x|y|z|SinkBasin`).
    public var objectId: String
    /// Unity object name, e.g. `Mug_3fef4551` (AI2-THOR's put errors quote this, not the id).
    public var name: String
    public var objectType: String
    public var assetId: String?
    /// Position in the scene's `objects` array; object resolution "first object of type T" relies on it.
    public var order: Int
    public var affordances: Affordances
    public var state: ObjectState
    public var mass: Double
    public var salientMaterials: [String]
    public var position: Vec3
    public var rotation: Vec3
    public var box: Box
    /// `parentReceptacles`, in metadata order (an object may rest in several, e.g. a bowl and the counter).
    public var parentReceptacles: [String]
    /// `controlledObjects` (a StoveKnob lists its StoveBurner).
    public var controlledObjects: [String]

    public init(
        objectId: String, name: String, objectType: String, assetId: String? = nil, order: Int,
        affordances: Affordances, state: ObjectState = ObjectState(), mass: Double = 0,
        salientMaterials: [String] = [], position: Vec3, rotation: Vec3 = .zero, box: Box,
        parentReceptacles: [String] = [], controlledObjects: [String] = []
    ) {
        self.objectId = objectId
        self.name = name
        self.objectType = objectType
        self.assetId = assetId
        self.order = order
        self.affordances = affordances
        self.state = state
        self.mass = mass
        self.salientMaterials = salientMaterials
        self.position = position
        self.rotation = rotation
        self.box = box
        self.parentReceptacles = parentReceptacles
        self.controlledObjects = controlledObjects
    }

    public func has(_ flag: Affordances) -> Bool { affordances.contains(flag) }
}

/// Where a scene's start pose came from. Upstream lacks `originPos.json` for one scene
/// (FloorPlan21); its metadata dump's `agent` pose stands in there.
public enum StartPoseSource: String, Hashable, Sendable, Codable {
    case originPos = "originPos.json"
    case metadataAgent = "metadata.agent"
}

/// An immutable AI2-THOR floor plan: objects in metadata order plus where the agent starts.
public struct Scene: Hashable, Sendable, Codable {
    /// `FloorPlanN`.
    public var name: String
    public var roomKind: RoomKind
    public var bounds: Box
    /// Agent start pose (`originPos.json`).
    public var startPose: Pose
    public var startPoseSource: StartPoseSource
    public var objects: [SceneObject]

    public init(
        name: String, roomKind: RoomKind, bounds: Box, startPose: Pose,
        startPoseSource: StartPoseSource = .originPos, objects: [SceneObject]
    ) {
        self.name = name
        self.roomKind = roomKind
        self.bounds = bounds
        self.startPose = startPose
        self.startPoseSource = startPoseSource
        self.objects = objects
    }

    public func object(id: String) -> SceneObject? { objects.first { $0.objectId == id } }

    /// Objects whose `parentReceptacles` name `id`, in metadata order.
    public func contents(of id: String) -> [SceneObject] {
        objects.filter { $0.parentReceptacles.contains(id) }
    }
}
