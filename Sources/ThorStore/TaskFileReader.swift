import Foundation
import ThorModel

/// Reads a task file in the shape of `data/test_809.json`: a JSON array of task records.
struct TaskFileReader {
    let file: URL

    func decode() throws -> [UpstreamTask] {
        try decodeFile([UpstreamTask].self, at: file)
    }

    /// Checks decoded records against the imported scenes.
    func tasks(from records: [UpstreamTask], scenes: [String: Scene], warnings: inout [ImportWarning]) throws -> [UpstreamDataset.StoredTask] {
        let objectIds = scenes.mapValues { Set($0.objects.map(\.objectId)) }
        var tasks: [UpstreamDataset.StoredTask] = []
        tasks.reserveCapacity(records.count)
        var firstIndexByIdentity: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            let path = "[\(index)]"
            let identity = record.identity.identity
            if let earlier = firstIndexByIdentity[identity.description] {
                throw ImportError(file: file.path, field: "\(path).identity", reason: "duplicate task identity \(identity) (also [\(earlier)].identity)")
            }
            firstIndexByIdentity[identity.description] = index
            guard let scene = scenes[record.scene] else {
                throw ImportError(
                    file: file.path, field: "\(path).scene",
                    reason: "task \(identity) uses scene '\(record.scene)', which was not imported (no \(UpstreamReader.scenesPath)/<room>/\(record.scene)/metadata.json)")
            }
            guard !record.task_metadata.actions.isEmpty else {
                throw ImportError(file: file.path, field: "\(path).task_metadata.actions", reason: "a task needs at least one key action")
            }
            let task = BenchmarkTask(
                identity: identity, scene: record.scene, taskType: record.tasktype,
                instructionIndex: record.instruction_idx?.value ?? 0, taskName: record.taskname,
                taskQuery: record.taskquery ?? "", keyActions: record.task_metadata.actions.map(\.keyAction),
                targetObjects: record.target_objects ?? [], relatedObjects: record.related_objects ?? [],
                navigableObjects: record.navigable_objects ?? [])
            warnings += Self.unknownObjectWarnings(task, sceneObjectIds: objectIds[scene.name]!, file: file.path, path: path)
            tasks.append(UpstreamDataset.StoredTask(
                task: task, identityIsInteger: record.identity.isInteger, totalReward: record.task_metadata.totalreward))
        }
        return tasks
    }

    /// Object ids a task names that its scene lacks: kept (the reference would fail on them at run
    /// time, which is what an audit should show) but reported.
    static func unknownObjectWarnings(_ task: BenchmarkTask, sceneObjectIds ids: Set<String>, file: String, path: String) -> [ImportWarning] {
        var named: [(field: String, id: String)] = []
        named += task.targetObjects.enumerated().map { ("\(path).target_objects[\($0)]", $1) }
        named += task.relatedObjects.enumerated().map { ("\(path).related_objects[\($0)]", $1) }
        named += task.keyActions.enumerated().map { ("\(path).task_metadata.actions[\($0)].objectId", $1.objectId) }
        return named.filter { !$0.id.isEmpty && !ids.contains($0.id) }.map {
            ImportWarning(file: file, field: $0.field, message: "'\($0.id)' is not an object of \(task.scene)")
        }
    }
}

/// Reads `data/agent_positions.json`: task id -> {scene, tasktype, taskname, <objectId>: pose}.
struct AgentPositionsReader {
    let file: URL

    func read() throws -> [UpstreamDataset.ListedApproachPose] {
        let entries = try decodeFile([String: UpstreamApproachEntry].self, at: file)
        // Decoding forgets key order; upstream lists task ids ascending, so sorting the ids restores
        // file order, which decides which pose wins when the reference merges them.
        let taskKeys = entries.keys.sorted { TaskIdentity(parsing: $0) < TaskIdentity(parsing: $1) }
        var poses: [UpstreamDataset.ListedApproachPose] = []
        for (taskOrder, key) in taskKeys.enumerated() {
            let entry = entries[key]!
            for (objectId, pose) in entry.poses {
                poses.append(UpstreamDataset.ListedApproachPose(
                    sourceTask: TaskIdentity(parsing: key), taskOrder: taskOrder, scene: entry.scene,
                    pose: ApproachPose(objectId: objectId, pose: pose)))
            }
        }
        return poses
    }
}
