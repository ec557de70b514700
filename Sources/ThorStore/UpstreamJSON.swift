import Foundation
import ThorModel

// Mirrors of the upstream records: tasks (filled by TaskFileParser) and approach poses (Decodable;
// the file is small); the 120 metadata dumps go through MetadataParser. Only the fields thor-lite keeps are declared; unknown fields are ignored.
// JSONDecoder rather than JSONSerialization: it parses doubles exactly (JSONSerialization on Linux
// loses the last digit).

struct UpstreamVec3: Decodable {
    var x: Double
    var y: Double
    var z: Double

    var vec3: Vec3 { Vec3(x: x, y: y, z: z) }
}

/// A task identity as written: an integer or a string.
struct UpstreamIdentity {
    var identity: TaskIdentity
    var isInteger: Bool
}

struct UpstreamKeyAction {
    var action: String
    var objectId: String?
    var objectType: String?
    var baseaction: String?
    var reward: Int?
    var relatedObject: [String]?

    var keyAction: KeyAction {
        KeyAction(
            action: action, objectId: objectId ?? "", objectType: objectType ?? "", baseAction: baseaction ?? "",
            reward: reward ?? 1, relatedObjects: relatedObject ?? [])
    }
}

struct UpstreamTaskMetadata {
    var actions: [UpstreamKeyAction]
    var totalreward: Int?
}

/// One record of `data/test_809.json` (read by `TaskFileParser`).
struct UpstreamTask {
    var identity: UpstreamIdentity
    var scene: String
    var tasktype: String
    var instructionIndex: Int?
    var taskname: String
    var taskquery: String?
    var task_metadata: UpstreamTaskMetadata
    var target_objects: [String]?
    var related_objects: [String]?
    var navigable_objects: [String]?
}

/// `data/agent_positions.json` pose entry.
struct UpstreamApproachPose: Decodable {
    var agent_teleport_position: UpstreamVec3
    var agent_rotation: UpstreamVec3
    var agent_cameraHorizon: Double
    var agent_isstanding: Bool?

    var pose: Pose {
        Pose(
            position: agent_teleport_position.vec3, rotation: agent_rotation.vec3,
            cameraHorizon: agent_cameraHorizon, isStanding: agent_isstanding ?? true)
    }
}

/// One task's entry in `agent_positions.json`: `scene`, `tasktype`, `taskname` plus
/// objectId-keyed poses.
struct UpstreamApproachEntry: Decodable {
    var scene: String
    var poses: [(objectId: String, pose: Pose)]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let descriptiveKeys: Set<String> = ["scene", "tasktype", "taskname"]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        scene = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "scene")) ?? ""
        poses = []
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
        where !Self.descriptiveKeys.contains(key.stringValue) {
            poses.append((key.stringValue, try container.decode(UpstreamApproachPose.self, forKey: key).pose))
        }
    }
}

/// Reads and decodes one file, turning every failure into an `ImportError` naming the file and
/// the JSON path (`[0].objects[12].parentReceptacles`).
func decodeFile<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
    let data = try readFile(url)
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
            throw ImportError(file: url.path, reason: "malformed JSON: \(syntaxErrorLocation(in: data))")
        }
        throw ImportError(decoding: error, file: url.path)
    }
}

/// JSONDecoder does not say where a syntax error is; JSONSerialization gives a byte offset
/// ("around character 14"), turned here into line and column. Only runs on the error path.
func syntaxErrorLocation(in data: Data) -> String {
    do {
        _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return "invalid JSON"
    } catch {
        let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "invalid JSON"
        guard let range = message.range(of: #"character (\d+)"#, options: .regularExpression),
              let offset = Int(message[range].dropFirst("character ".count)) else { return message }
        let prefix = data.prefix(offset)
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        let reason = message.replacingOccurrences(of: #" around character \d+\.?"#, with: "", options: .regularExpression)
        return "\(reason) at line \(line), column \(column) (byte \(offset))"
    }
}

extension ImportError {
    init(decoding error: DecodingError, file: String) {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
                .joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(file: file, field: path(context.codingPath + [key]), reason: "required field is missing")
        case .valueNotFound(let type, let context):
            self.init(file: file, field: path(context.codingPath), reason: "expected \(Self.describe(type)), found null")
        case .typeMismatch(let type, let context):
            self.init(file: file, field: path(context.codingPath), reason: "expected \(Self.describe(type))")
        case .dataCorrupted(let context):
            self.init(file: file, field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            self.init(file: file, reason: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type, is Int.Type: "a number"
        case is [Any].Type: "an array"
        case is [String].Type: "an array of strings"
        default: "\(type)".hasPrefix("Upstream") ? "an object" : "\(type)"
        }
    }
}
