/// One recorded frame as the store indexes it: the file, what its PNG header says, where it sits
/// in its run, and the symbolic state after its step (when the run could be replayed).
public struct FrameRecord: Hashable, Sendable {
    public var path: String
    /// SHA-256 of the file's bytes (lowercase hex): finds a moved file again.
    public var contentHash: String
    public var byteSize: Int
    /// Modification time (seconds since 1970); with `byteSize`, says a known file is unchanged.
    public var modified: Double
    public var width: Int
    public var height: Int
    public var bitDepth: Int
    public var colorType: Int
    /// `<model>/<run>`: the run folder and its parent.
    public var run: String
    public var model: String
    public var scene: String
    public var taskIdentity: String?
    /// The reference's step counter when the frame was saved (1 is `init`).
    public var step: Int
    /// The vocabulary action (`navigate to`, `move forward`, `pickup`, ...).
    public var action: String
    public var objectType: String?
    /// Observe frames: which turned view (0, 1, 2).
    public var view: Int?
    public var recordedSuccess: Bool?
    public var state: FrameState?
    /// Why `state` is nil, or where the replay disagreed with the run before this step.
    public var stateNote: String?

    public init(
        path: String, contentHash: String, byteSize: Int, modified: Double, width: Int, height: Int, bitDepth: Int,
        colorType: Int, run: String, model: String, scene: String, taskIdentity: String?, step: Int, action: String,
        objectType: String?, view: Int? = nil, recordedSuccess: Bool? = nil, state: FrameState? = nil, stateNote: String? = nil
    ) {
        self.path = path
        self.contentHash = contentHash
        self.byteSize = byteSize
        self.modified = modified
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.run = run
        self.model = model
        self.scene = scene
        self.taskIdentity = taskIdentity
        self.step = step
        self.action = action
        self.objectType = objectType
        self.view = view
        self.recordedSuccess = recordedSuccess
        self.state = state
        self.stateNote = stateNote
    }
}

/// The symbolic state behind a frame: where the agent stands and looks, what it holds, and
/// whether each openable object in view is open.
public struct FrameState: Hashable, Sendable {
    public var x: Double
    public var z: Double
    public var yaw: Double
    /// objectId of the held object.
    public var held: String?
    /// Openable objects in view (objectId → open), sorted by objectId.
    public var openInView: [(id: String, open: Bool)]
    /// Where the state came from: `result.json`, `run.log` or `frame names`.
    public var source: String

    public init(x: Double, z: Double, yaw: Double, held: String?, openInView: [(id: String, open: Bool)], source: String) {
        self.x = x
        self.z = z
        self.yaw = yaw
        self.held = held
        self.openInView = openInView.sorted { $0.id < $1.id }
        self.source = source
    }

    /// `x,z,yaw` rounded to centimetres and whole degrees: two poses with one key look the same.
    public var poseKey: String { Self.poseKey(x: x, z: z, yaw: yaw) }

    public static func poseKey(x: Double, z: Double, yaw: Double) -> String {
        let degrees = Int((yaw.truncatingRemainder(dividingBy: 360) + 360).rounded()) % 360
        return "\(Int((x * 100).rounded())),\(Int((z * 100).rounded())),\(degrees)"
    }

    /// The pose key, the held object and the open/closed objects in view: equal keys, same picture
    /// (as far as the symbolic state can tell).
    public var stateKey: String {
        let doors = openInView.map { "\($0.id)=\($0.open ? "open" : "closed")" }.joined(separator: ";")
        return "\(poseKey)|\(held ?? "-")|\(doors)"
    }

    public static func == (lhs: FrameState, rhs: FrameState) -> Bool {
        lhs.x == rhs.x && lhs.z == rhs.z && lhs.yaw == rhs.yaw && lhs.held == rhs.held && lhs.source == rhs.source
            && lhs.openInView.map(\.id) == rhs.openInView.map(\.id) && lhs.openInView.map(\.open) == rhs.openInView.map(\.open)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(stateKey)
        hasher.combine(source)
    }
}
