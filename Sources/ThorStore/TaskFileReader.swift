import Foundation
import ThorModel

/// Reads a task file in the shape of `data/test_809.json`: a JSON array of task records.
struct TaskFileReader {
    let file: URL

    func read(scenes: [String: Scene], warnings: inout [ImportWarning]) throws -> [UpstreamDataset.StoredTask] {
        let json = JSONFields(file: file.path)
        let records = try json.array(try json.parse(try readFile(file)), "")
        var tasks: [UpstreamDataset.StoredTask] = []
        tasks.reserveCapacity(records.count)
        var firstIndexByIdentity: [String: Int] = [:]
        for (index, raw) in records.enumerated() {
            let path = "[\(index)]"
            let dict = try json.object(raw, path)
            let (identity, isInteger) = try Self.identity(dict["identity"], json: json, path: "\(path).identity")
            if let earlier = firstIndexByIdentity[identity.description] {
                throw json.fail("\(path).identity", "duplicate task identity \(identity) (also [\(earlier)].identity)")
            }
            firstIndexByIdentity[identity.description] = index

            let sceneName = try json.string(dict["scene"], "\(path).scene")
            guard let scene = scenes[sceneName] else {
                throw json.fail("\(path).scene", "task \(identity) uses scene '\(sceneName)', which was not imported (no \(UpstreamReader.scenesPath)/<room>/\(sceneName)/metadata.json)")
            }
            let metadata = try json.object(dict["task_metadata"], "\(path).task_metadata")
            let rawActions = try json.array(metadata["actions"], "\(path).task_metadata.actions")
            var keyActions: [KeyAction] = []
            for (slot, rawAction) in rawActions.enumerated() {
                let actionPath = "\(path).task_metadata.actions[\(slot)]"
                let action = try json.object(rawAction, actionPath)
                keyActions.append(KeyAction(
                    action: try json.string(action["action"], "\(actionPath).action"),
                    objectId: try json.optionalString(action["objectId"], "\(actionPath).objectId") ?? "",
                    objectType: try json.optionalString(action["objectType"], "\(actionPath).objectType") ?? "",
                    baseAction: try json.optionalString(action["baseaction"], "\(actionPath).baseaction") ?? "",
                    reward: action["reward"] == nil ? 1 : try json.int(action["reward"], "\(actionPath).reward"),
                    relatedObjects: try json.strings(action["relatedObject"], "\(actionPath).relatedObject")))
            }
            guard !keyActions.isEmpty else { throw json.fail("\(path).task_metadata.actions", "a task needs at least one key action") }
            let task = BenchmarkTask(
                identity: identity,
                scene: sceneName,
                taskType: try json.string(dict["tasktype"], "\(path).tasktype"),
                instructionIndex: dict["instruction_idx"] == nil ? 0 : try json.intOrDigits(dict["instruction_idx"], "\(path).instruction_idx"),
                taskName: try json.string(dict["taskname"], "\(path).taskname"),
                taskQuery: try json.optionalString(dict["taskquery"], "\(path).taskquery") ?? "",
                keyActions: keyActions,
                targetObjects: try json.strings(dict["target_objects"], "\(path).target_objects"),
                relatedObjects: try json.strings(dict["related_objects"], "\(path).related_objects"),
                navigableObjects: try json.strings(dict["navigable_objects"], "\(path).navigable_objects"))
            warnings += Self.unknownObjectWarnings(task, scene: scene, file: file.path, path: path)
            tasks.append(UpstreamDataset.StoredTask(
                task: task, identityIsInteger: isInteger,
                totalReward: metadata["totalreward"] == nil ? nil : try json.int(metadata["totalreward"], "\(path).task_metadata.totalreward")))
        }
        return tasks
    }

    static func identity(_ value: Any?, json: JSONFields, path: String) throws -> (TaskIdentity, Bool) {
        if let text = value as? String {
            guard !text.isEmpty else { throw json.fail(path, "empty task identity") }
            return (.string(text), false)
        }
        guard value is NSNumber else { throw json.fail(path, "expected an integer or a string, found \(JSONFields.kind(value))") }
        return (.int(try json.int(value, path)), true)
    }

    /// Object ids a task names that its scene lacks: kept (the reference would fail on them at run
    /// time, which is what the audit should show) but reported.
    static func unknownObjectWarnings(_ task: BenchmarkTask, scene: Scene, file: String, path: String) -> [ImportWarning] {
        let ids = Set(scene.objects.map(\.objectId))
        var warnings: [ImportWarning] = []
        for (slot, id) in task.targetObjects.enumerated() where !ids.contains(id) {
            warnings.append(ImportWarning(file: file, field: "\(path).target_objects[\(slot)]", message: "'\(id)' is not an object of \(scene.name)"))
        }
        for (slot, id) in task.relatedObjects.enumerated() where !ids.contains(id) {
            warnings.append(ImportWarning(file: file, field: "\(path).related_objects[\(slot)]", message: "'\(id)' is not an object of \(scene.name)"))
        }
        for (slot, action) in task.keyActions.enumerated() where !action.objectId.isEmpty && !ids.contains(action.objectId) {
            warnings.append(ImportWarning(file: file, field: "\(path).task_metadata.actions[\(slot)].objectId", message: "'\(action.objectId)' is not an object of \(scene.name)"))
        }
        return warnings
    }
}

/// Reads `data/agent_positions.json`: task id -> {scene, tasktype, taskname, <objectId>: pose}.
struct AgentPositionsReader {
    let file: URL

    func read() throws -> [UpstreamDataset.ListedApproachPose] {
        let json = JSONFields(file: file.path)
        let root = try json.object(try json.parse(try readFile(file)), "")
        // JSONSerialization forgets key order; upstream lists task ids ascending, so sorting the ids
        // restores file order, which decides which pose wins when the reference merges them.
        let taskKeys = root.keys.sorted { TaskIdentity(parsing: $0) < TaskIdentity(parsing: $1) }
        var poses: [UpstreamDataset.ListedApproachPose] = []
        for (taskOrder, key) in taskKeys.enumerated() {
            let entry = try json.object(root[key], key)
            let scene = try json.optionalString(entry["scene"], "\(key).scene") ?? ""
            for objectId in entry.keys.sorted() where entry[objectId] is [String: Any] {
                let path = "\(key).\(objectId)"
                let pose = try json.object(entry[objectId], path)
                poses.append(UpstreamDataset.ListedApproachPose(
                    sourceTask: TaskIdentity(parsing: key), taskOrder: taskOrder, scene: scene,
                    pose: ApproachPose(objectId: objectId, pose: Pose(
                        position: Vec3(try json.vec3(pose["agent_teleport_position"], "\(path).agent_teleport_position")),
                        rotation: Vec3(try json.vec3(pose["agent_rotation"], "\(path).agent_rotation")),
                        cameraHorizon: try json.double(pose["agent_cameraHorizon"], "\(path).agent_cameraHorizon"),
                        isStanding: pose["agent_isstanding"] == nil ? true : try json.bool(pose["agent_isstanding"], "\(path).agent_isstanding")))))
            }
        }
        return poses
    }
}
