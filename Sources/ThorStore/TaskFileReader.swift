import Foundation
import ThorJSON
import ThorModel

/// Reads a task file in the shape of `data/test_809.json`: a JSON array of task records.
struct TaskFileReader {
    let file: URL
    /// `--tasks FILE`: read even when it is a pipe or FIFO (see `readFile`).
    var namedByUser = false

    func decode() throws -> [UpstreamTask] {
        try TaskFileParser.parse(readFile(file, namedByUser: namedByUser), file: file.path)
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
                instructionIndex: record.instructionIndex ?? 0, taskName: record.taskname,
                taskQuery: record.taskquery ?? "", keyActions: record.task_metadata.actions.map(\.keyAction),
                targetObjects: record.target_objects ?? [], relatedObjects: record.related_objects ?? [],
                navigableObjects: record.navigable_objects ?? [])
            guard task.keyActionTexts.contains(where: { StoreLimits.isScored(keyAction: $0) }) else {
                throw ImportError(
                    file: file.path, field: "\(path).task_metadata.actions",
                    reason: "task \(identity) has no scored key action (only observe/move forward/navigate to), so the metric cannot score it; the reference ends key actions with \"end\"")
            }
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

/// Parses a task file with `JSONCursor` (the task file is the largest upstream file after the
/// metadata dumps; JSONDecoder spent a sixth of the import's CPU on it). Only the fields thor-lite
/// keeps are read; unknown fields are skipped; a missing or mistyped field is an error naming its
/// path, e.g. `[3].task_metadata.actions[1].action`.
enum TaskFileParser {
    static func parse(_ data: Data, file: String) throws -> [UpstreamTask] {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var cursor = JSONCursor(bytes)
            do {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array of task records") }
                var tasks: [UpstreamTask] = []
                try cursor.readArray { cursor, _ in tasks.append(try readTask(&cursor)) }
                try cursor.expectEnd()
                return tasks
            } catch let error as JSONPathError {
                throw ImportError(json: error, file: file, data: bytes)
            }
        }
    }

    static func readTask(_ cursor: inout JSONCursor) throws -> UpstreamTask {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a task record)") }
        var identity: UpstreamIdentity?, scene: String?, taskType: String?, taskName: String?
        var metadata: UpstreamTaskMetadata?
        var task = UpstreamTask(
            identity: UpstreamIdentity(identity: .int(0), isInteger: true), scene: "", tasktype: "", taskname: "",
            task_metadata: UpstreamTaskMetadata(actions: []))
        try cursor.readObject { cursor, key in
            switch key {
            case "identity": identity = try readIdentity(&cursor)
            case "scene": scene = try cursor.readString()
            case "tasktype": taskType = try cursor.readString()
            case "taskname": taskName = try cursor.readString()
            case "taskquery": task.taskquery = try cursor.readOptionalString()
            case "instruction_idx": task.instructionIndex = try readLenientInt(&cursor)
            case "task_metadata": metadata = try readMetadata(&cursor)
            case "target_objects": task.target_objects = try readOptionalStringList(&cursor)
            case "related_objects": task.related_objects = try readOptionalStringList(&cursor)
            case "navigable_objects": task.navigable_objects = try readOptionalStringList(&cursor)
            default: try cursor.skipValue()
            }
        }
        task.identity = try required(identity, "identity")
        task.scene = try required(scene, "scene")
        task.tasktype = try required(taskType, "tasktype")
        task.taskname = try required(taskName, "taskname")
        task.task_metadata = try required(metadata, "task_metadata")
        return task
    }

    static func readMetadata(_ cursor: inout JSONCursor) throws -> UpstreamTaskMetadata {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object") }
        var actions: [UpstreamKeyAction]?
        var totalReward: Int?
        try cursor.readObject { cursor, key in
            switch key {
            case "actions":
                var list: [UpstreamKeyAction] = []
                guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array") }
                try cursor.readArray { cursor, _ in list.append(try readKeyAction(&cursor)) }
                actions = list
            case "totalreward": totalReward = try cursor.readNull() ? nil : readInt(&cursor)
            default: try cursor.skipValue()
            }
        }
        return UpstreamTaskMetadata(actions: try required(actions, "actions"), totalreward: totalReward)
    }

    static func readKeyAction(_ cursor: inout JSONCursor) throws -> UpstreamKeyAction {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a key action)") }
        var action: String?
        var key = UpstreamKeyAction(action: "")
        try cursor.readObject { cursor, name in
            switch name {
            case "action": action = try cursor.readString()
            case "objectId": key.objectId = try cursor.readOptionalString()
            case "objectType": key.objectType = try cursor.readOptionalString()
            case "baseaction": key.baseaction = try cursor.readOptionalString()
            case "reward": key.reward = try cursor.readNull() ? nil : readInt(&cursor)
            case "relatedObject": key.relatedObject = try readOptionalStringList(&cursor)
            default: try cursor.skipValue()
            }
        }
        key.action = try required(action, "action")
        return key
    }

    /// An integer or a non-empty string.
    static func readIdentity(_ cursor: inout JSONCursor) throws -> UpstreamIdentity {
        if cursor.peek() == UInt8(ascii: "\"") {
            let text = try cursor.readString()
            guard !text.isEmpty else { throw cursor.invalid("empty task identity") }
            return UpstreamIdentity(identity: .string(text), isInteger: false)
        }
        guard let peek = cursor.peek(), peek == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(peek) else {
            throw cursor.typeMismatch("an integer or a string")
        }
        return UpstreamIdentity(identity: .int(try readInt(&cursor)), isInteger: true)
    }

    /// An integer, or one that some upstream records write as a digit string (`"instruction_idx": "3"`).
    static func readLenientInt(_ cursor: inout JSONCursor) throws -> Int? {
        if try cursor.readNull() { return nil }
        guard cursor.peek() == UInt8(ascii: "\"") else { return try readInt(&cursor) }
        let text = try cursor.readString()
        guard let number = Int(text) else { throw cursor.invalid("expected an integer, found the string '\(text)'") }
        return number
    }

    static func readInt(_ cursor: inout JSONCursor) throws -> Int {
        let start = cursor
        guard let value = try cursor.readWholeNumber() else {
            var number = start
            throw cursor.invalid("expected an integer, found \(try number.readDouble())")
        }
        return value
    }

    /// `null` (nil) or an array of strings.
    static func readOptionalStringList(_ cursor: inout JSONCursor) throws -> [String]? {
        if try cursor.readNull() { return nil }
        guard cursor.peek() == UInt8(ascii: "[") else { throw cursor.typeMismatch("an array of strings") }
        return try cursor.readStringList()
    }

    static func required<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw JSONPathError(path: [".\(key)"], reason: "required field is missing", offset: 0, isSyntax: false) }
        return value
    }
}

/// Reads `data/agent_positions.json`: task id -> {scene, tasktype, taskname, <objectId>: pose},
/// with `JSONCursor` like every other upstream file (bounded nesting, errors with the JSON path).
struct AgentPositionsReader {
    let file: URL

    static let descriptiveKeys: Set<String> = ["scene", "tasktype", "taskname"]

    func read() throws -> [UpstreamDataset.ListedApproachPose] {
        let data = try readFile(file)
        let entries = try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var cursor = JSONCursor(bytes)
            do {
                cursor.skipByteOrderMark()
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object keyed by task id") }
                var entries: [String: (scene: String, poses: [String: Pose])] = [:]
                try cursor.readObject { cursor, taskKey in entries[taskKey] = try Self.readEntry(&cursor) }
                try cursor.expectEnd()
                return entries
            } catch let error as JSONPathError {
                throw ImportError(json: error, file: file.path, data: bytes)
            }
        }
        // Upstream lists task ids ascending, so sorting the ids restores file order, which decides
        // which pose wins when the reference merges them.
        let taskKeys = entries.keys.sorted { TaskIdentity(parsing: $0) < TaskIdentity(parsing: $1) }
        var poses: [UpstreamDataset.ListedApproachPose] = []
        for (taskOrder, key) in taskKeys.enumerated() {
            guard let entry = entries[key] else { continue }
            for objectId in entry.poses.keys.sorted() {
                guard let pose = entry.poses[objectId] else { continue }
                poses.append(UpstreamDataset.ListedApproachPose(
                    sourceTask: TaskIdentity(parsing: key), taskOrder: taskOrder, scene: entry.scene,
                    pose: ApproachPose(objectId: objectId, pose: pose)))
            }
        }
        return poses
    }

    /// One task's entry: `scene` (and descriptive fields) plus objectId-keyed poses.
    static func readEntry(_ cursor: inout JSONCursor) throws -> (scene: String, poses: [String: Pose]) {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (a task's poses)") }
        var scene = ""
        var poses: [String: Pose] = [:]
        try cursor.readObject { cursor, key in
            switch key {
            case "scene": scene = try cursor.readString()
            case _ where descriptiveKeys.contains(key): try cursor.skipValue()
            default: poses[key] = try readPose(&cursor)
            }
        }
        return (scene, poses)
    }

    /// `{"agent_teleport_position", "agent_rotation", "agent_cameraHorizon", "agent_isstanding"?}`.
    static func readPose(_ cursor: inout JSONCursor) throws -> Pose {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (an approach pose)") }
        var position: Vec3?, rotation: Vec3?, horizon: Double?
        var standing = true
        try cursor.readObject { cursor, key in
            switch key {
            case "agent_teleport_position": position = try MetadataParser.readVec3(&cursor)
            case "agent_rotation": rotation = try MetadataParser.readVec3(&cursor)
            case "agent_cameraHorizon": horizon = try cursor.readDouble()
            case "agent_isstanding": standing = try cursor.readNull() ? true : cursor.readBool()
            default: try cursor.skipValue()
            }
        }
        return Pose(
            position: try TaskFileParser.required(position, "agent_teleport_position"),
            rotation: try TaskFileParser.required(rotation, "agent_rotation"),
            cameraHorizon: try TaskFileParser.required(horizon, "agent_cameraHorizon"), isStanding: standing)
    }
}
