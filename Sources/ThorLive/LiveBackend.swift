import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim

/// One executed step as the bridge reported it (the protocol's STEP REPLY): what the trajectory
/// entry records plus what only a live run knows (the wrapper's message, the pose, the frame).
public struct LiveStepReply: Sendable {
    /// The reference step counter after the step (1 is `init`): the number in the frame's name.
    public var number: Int
    public var success: Bool
    /// The reference wrapper's feedback or error text.
    public var message: String
    /// The object the wrapper chose.
    public var objectId: String?
    /// `{"x", "y", "z", "rotation", "horizon"}` as the bridge sent it.
    public var agent: JSONValue
    public var held: String?
    /// Nil where the wrapper returns no lists (a `navigate to` with no approach position), as the
    /// reference records such a step.
    public var navigable: [String]?
    public var interactable: [String]?
    /// Why the wrapper did not act, in thor-lite's taxonomy (the bridge's `refusal`), or nil.
    public var refusal: StepError?
    /// The frame the bridge wrote, if it wrote one (the wrapper saves none for a step it refused).
    public var frame: String?
    /// Why the frame could not be written (a full disk): the step itself stands.
    public var frameError: String?

    /// Reads a reply's members; a missing or mistyped required field is a malformed reply.
    init(_ members: [String: JSONValue], number: Int, request: String) throws {
        func fail(_ reason: String) -> BridgeError {
            BridgeError.malformed(request: request, reply: JSONValue.object(members).compact, reason: reason)
        }
        func strings(_ key: String) throws -> [String]? {
            if members[key] == .null { return nil }
            guard case .array(let values)? = members[key] else { throw fail("\"\(key)\" is neither an array of type names nor null") }
            return try values.map { value in
                guard case .string(let text) = value else { throw fail("\"\(key)\" holds a non-string") }
                return text
            }
        }
        func optionalString(_ key: String) throws -> String? {
            switch members[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw fail("\"\(key)\" is neither a string nor null")
            }
        }
        guard case .bool(let success)? = members["success"] else { throw fail("no boolean \"success\"") }
        if case .int(let step)? = members["step"] { self.number = step } else { self.number = number }
        refusal = try optionalString("refusal").map { refusal in
            guard let kind = Self.refusals[refusal] else { throw fail("unknown refusal \"\(refusal)\"") }
            return kind
        }
        self.success = success
        message = try optionalString("message") ?? ""
        objectId = try optionalString("object_id")
        agent = members["agent"] ?? .null
        held = try optionalString("held")
        navigable = try strings("navigable")
        interactable = try strings("interactable")
        frame = try optionalString("frame")
        frameError = try optionalString("frame_error")
    }

    /// The bridge's refusals (the wrapper's own legality checks) in thor-lite's taxonomy.
    static let refusals: [String: StepError] = [
        "not_navigable": .notNavigable, "not_interactable": .notInteractable,
        // An action that needs an object got none; a type with no approach position: neither is
        // in the scene's reach, as the simulator reports an object it cannot resolve or see.
        "no_object": .unknownObject, "no_pose": .notNavigable,
    ]
}

/// Executes an episode's actions on real AI2-THOR through the bridge: `init` starts the task's
/// scene (the reference's controller settings and corner pose), every later action is one `step`.
/// Each executed step asks for its frame under `frameDirectory`, named as the reference names it.
public final class LiveBackend: EpisodeBackend {
    let connection: BridgeConnection
    let task: BenchmarkTask
    /// Hand-set approach poses of the scene's objects, by object id.
    let approachPoses: [String: ApproachPose]
    let frameDirectory: String?
    /// The replies of the executed steps, in order.
    public private(set) var replies: [LiveStepReply] = []

    public init(connection: BridgeConnection, task: BenchmarkTask, approachPoses: [String: ApproachPose], frameDirectory: String?) {
        self.connection = connection
        self.task = task
        self.approachPoses = approachPoses
        self.frameDirectory = frameDirectory
    }

    public func execute(_ action: Action) throws -> BackendStep {
        let op: String
        var fields: [String: JSONValue] = [:]
        if action.kind == .initialize {
            op = "start"
            fields = startFields
        } else {
            op = "step"
            fields["action"] = .string(action.kind.rawValue)
            if let object = action.objectType { fields["object"] = .string(object) }
        }
        // Starting loads a scene (and may build the controller): the longer timeout.
        let timeout = op == "start" ? connection.configuration.startTimeout : connection.configuration.actionTimeout
        let members = try connection.request(op, fields, timeout: timeout)
        let reply = try LiveStepReply(members, number: replies.count + 1, request: BridgeConnection.describe(op, fields))
        replies.append(reply)
        return BackendStep(success: reply.success, error: reply.refusal, objectId: reply.objectId,
                           legalLocations: reply.navigable ?? [], legalObjects: reply.interactable ?? [])
    }

    /// The `start` request: the scene, what the reference wrapper is built with
    /// (`RocAgent(target_objects, related_objects, navigable_objects, taskid)`), the hand-set
    /// approach poses in `agent_positions.json`'s shape, and where the frames go (the bridge names
    /// them as the wrapper's `save_frame` does, which `FrameName` reads back).
    var startFields: [String: JSONValue] {
        var poses: [String: JSONValue] = [:]
        for approach in approachPoses.values {
            let pose = approach.pose
            poses[approach.objectId] = .object([
                "agent_teleport_position": .object(["x": .double(pose.position.x), "y": .double(pose.position.y), "z": .double(pose.position.z)]),
                "agent_rotation": .object(["x": .double(pose.rotation.x), "y": .double(pose.rotation.y), "z": .double(pose.rotation.z)]),
                "agent_cameraHorizon": .double(pose.cameraHorizon), "agent_isstanding": .bool(pose.isStanding),
            ])
        }
        var fields: [String: JSONValue] = [
            "scene": .string(task.scene),
            "task": .object([
                "identity": ReportWriters.json(task.identity),
                "target_objects": .array(task.targetObjects.map(JSONValue.string)),
                "related_objects": .array(task.relatedObjects.map(JSONValue.string)),
                "navigable_objects": .array(task.navigableObjects.map(JSONValue.string)),
            ]),
            "agent_positions": .object(poses),
        ]
        if let frameDirectory { fields["frames_dir"] = .string(frameDirectory) }
        return fields
    }
}
