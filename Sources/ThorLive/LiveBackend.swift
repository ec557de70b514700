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
    public var navigable: [String]
    public var interactable: [String]
    /// The frame the bridge wrote, if it wrote one (the wrapper saves none for a step it refused).
    public var frame: String?

    /// Reads a reply's members; a missing or mistyped required field is a malformed reply.
    init(_ members: [String: JSONValue], number: Int, request: String) throws {
        func fail(_ reason: String) -> BridgeError {
            BridgeError.malformed(request: request, reply: JSONValue.object(members).compact, reason: reason)
        }
        func strings(_ key: String) throws -> [String] {
            guard case .array(let values)? = members[key] else { throw fail("\"\(key)\" is not an array of type names") }
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
        self.number = number
        self.success = success
        message = try optionalString("message") ?? ""
        objectId = try optionalString("object_id")
        agent = members["agent"] ?? .null
        held = try optionalString("held")
        navigable = try strings("navigable")
        interactable = try strings("interactable")
        frame = try optionalString("frame")
    }
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
        let number = replies.count + 1
        var fields: [String: JSONValue] = [:]
        if let frameDirectory {
            let name = Self.frameName(scene: task.scene, number: number, action: action)
            fields["frame"] = .string((frameDirectory as NSString).appendingPathComponent(name))
        }
        let op: String
        if action.kind == .initialize {
            op = "start"
            fields.merge(startFields) { _, new in new }
        } else {
            op = "step"
            fields["action"] = .string(action.kind.rawValue)
            if let object = action.objectType { fields["object"] = .string(object) }
        }
        // Starting loads a scene (and may build the controller): the longer timeout.
        let timeout = op == "start" ? connection.configuration.startTimeout : connection.configuration.actionTimeout
        let members = try connection.request(op, fields, timeout: timeout)
        let reply = try LiveStepReply(members, number: number, request: BridgeConnection.describe(op, fields))
        replies.append(reply)
        return BackendStep(success: reply.success, objectId: reply.objectId, legalLocations: reply.navigable, legalObjects: reply.interactable)
    }

    /// The `start` request's task fields: what the reference wrapper is built with
    /// (`RocAgent(target_objects, related_objects, navigable_objects, taskid)`) and the hand-set
    /// approach poses of `agent_positions.json` given for this scene's objects.
    var startFields: [String: JSONValue] {
        var poses: [String: JSONValue] = [:]
        for approach in approachPoses.values {
            let pose = approach.pose
            poses[approach.objectId] = .object([
                "position": .object(["x": .double(pose.position.x), "y": .double(pose.position.y), "z": .double(pose.position.z)]),
                "rotation": .object(["x": .double(pose.rotation.x), "y": .double(pose.rotation.y), "z": .double(pose.rotation.z)]),
                "horizon": .double(pose.cameraHorizon), "standing": .bool(pose.isStanding),
            ])
        }
        return [
            "scene": .string(task.scene),
            "task": .object([
                "identity": ReportWriters.json(task.identity),
                "tasktype": .string(task.taskType),
                "target_objects": .array(task.targetObjects.map(JSONValue.string)),
                "related_objects": .array(task.relatedObjects.map(JSONValue.string)),
                "navigable_objects": .array(task.navigableObjects.map(JSONValue.string)),
            ]),
            "agent_poses": .object(poses),
        ]
    }

    /// `<scene>_<step>_<action word>[_<object type>].png`, the reference's `save_frame` naming
    /// (read back by `FrameName`): `navigate`, `pick_up`, `put_in`, `move_forward`; observe's
    /// joined view is `<scene>_<step>_observe.png`.
    public static func frameName(scene: String, number: Int, action: Action) -> String {
        let word: String
        switch action.kind {
        case .navigateTo: word = "navigate"
        case .pickup: word = "pick_up"
        case .put, .putIn: word = "put_in"
        case .moveForward: word = "move_forward"
        case .initialize, .toggle, .open, .close, .observe, .end, .error: word = action.kind.rawValue
        }
        let object = action.kind.takesObject ? action.objectType.map { "_" + $0 } ?? "" : ""
        return "\(scene)_\(number)_\(word)\(object).png"
    }
}
