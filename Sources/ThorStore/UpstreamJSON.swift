import Foundation
import ThorModel

// Mirrors of the upstream task records (filled by TaskFileParser). Every upstream file is read
// with ThorJSON's cursor (MetadataParser, TaskFileParser, AgentPositionsReader). Only the fields
// thor-lite keeps are declared; unknown fields are ignored.

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
