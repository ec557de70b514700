/// A point or extent in AI2-THOR world coordinates (metres; y is up).
public struct Vec3: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public var z: Double

    public init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let zero = Vec3(x: 0, y: 0, z: 0)
}

/// An axis-aligned bounding box, as AI2-THOR reports it (`axisAlignedBoundingBox.center/size`).
public struct Box: Hashable, Sendable, Codable {
    public var center: Vec3
    public var size: Vec3

    public init(center: Vec3, size: Vec3) {
        self.center = center
        self.size = size
    }

    public var volume: Double { size.x * size.y * size.z }
}

/// Where the agent stands and looks: position, rotation in degrees (yaw is `rotation.y`) and camera pitch.
public struct Pose: Hashable, Sendable, Codable {
    public var position: Vec3
    public var rotation: Vec3
    public var cameraHorizon: Double
    public var isStanding: Bool

    public init(position: Vec3, rotation: Vec3, cameraHorizon: Double = 0, isStanding: Bool = true) {
        self.position = position
        self.rotation = rotation
        self.cameraHorizon = cameraHorizon
        self.isStanding = isStanding
    }
}
