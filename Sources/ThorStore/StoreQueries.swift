import Foundation
import GRDB
import ThorModel

/// What `thor-lite info` reports.
public struct StoreCounts: Equatable, Sendable, Codable {
    public var scenes: Int
    public var objects: Int
    public var receptacleLinks: Int
    public var tasks: Int
    public var taskTypes: [String: Int]
    /// Distinct objects with a hand-set approach pose (after the reference's merge).
    public var agentPoses: Int
    public var frames: Int

    enum CodingKeys: String, CodingKey {
        case scenes, objects, tasks, frames
        case receptacleLinks = "receptacle_links"
        case taskTypes = "task_types"
        case agentPoses = "agent_poses"
    }
}

extension ThorStore {
    public func counts() throws -> StoreCounts {
        try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            var taskTypes: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT task_type, COUNT(*) FROM tasks GROUP BY task_type") {
                taskTypes[row[0]] = row[1]
            }
            return StoreCounts(
                scenes: try count("SELECT COUNT(*) FROM scenes"),
                objects: try count("SELECT COUNT(*) FROM objects"),
                receptacleLinks: try count("SELECT COUNT(*) FROM receptacle_links"),
                tasks: try count("SELECT COUNT(*) FROM tasks"),
                taskTypes: taskTypes,
                agentPoses: try count("SELECT COUNT(DISTINCT object_id) FROM agent_poses"),
                frames: try count("SELECT COUNT(*) FROM frames"))
        }
    }

    /// Where the data came from (`thor-lite import`'s argument), if anything was imported.
    public func importedSource() throws -> String? {
        try read { try String.fetchOne($0, sql: "SELECT value FROM store_info WHERE key = 'source'") }
    }

    /// The object types of a scene (the types a key action can name there); nil when the store has
    /// no such scene. Reads only the `objects_by_type` index.
    public func objectTypes(inScene name: String) throws -> Set<String>? {
        try read { db in
            guard let sceneId = try Int64.fetchOne(db, sql: "SELECT id FROM scenes WHERE name = ?", arguments: [name]) else { return nil }
            return Set(try String.fetchAll(db, sql: "SELECT DISTINCT object_type FROM objects WHERE scene_id = ?", arguments: [sceneId]))
        }
    }

    public func sceneNames() throws -> [String] {
        try read { try String.fetchAll($0, sql: "SELECT name FROM scenes ORDER BY id") }
    }

    public func scene(named name: String) throws -> Scene? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM scenes WHERE name = ?", arguments: [name]) else { return nil }
            let sceneId: Int64 = row["id"]
            var parents: [Int64: [String]] = [:]
            for link in try Row.fetchAll(db, sql: """
                SELECT l.object_row, p.object_id FROM receptacle_links l JOIN objects p ON p.id = l.parent_row
                WHERE p.scene_id = ? ORDER BY l.object_row, l.ord
                """, arguments: [sceneId]) {
                parents[link[0], default: []].append(link[1])
            }
            let objects = try Row.fetchAll(db, sql: "SELECT \(Self.objectColumns.joined(separator: ", ")) FROM objects WHERE scene_id = ? ORDER BY ord", arguments: [sceneId])
                .map { Self.sceneObject($0, parents: parents[$0[0]] ?? []) }
            guard let kind = RoomKind(rawValue: row["room_kind"]) else { return nil }
            return Scene(
                name: row["name"], roomKind: kind,
                bounds: Box(
                    center: Vec3(x: row["bounds_cx"], y: row["bounds_cy"], z: row["bounds_cz"]),
                    size: Vec3(x: row["bounds_sx"], y: row["bounds_sy"], z: row["bounds_sz"])),
                startPose: Pose(
                    position: Vec3(x: row["start_x"], y: row["start_y"], z: row["start_z"]),
                    rotation: Vec3(x: row["start_rx"], y: row["start_ry"], z: row["start_rz"]),
                    cameraHorizon: row["start_horizon"], isStanding: row["start_standing"]),
                startPoseSource: StartPoseSource(rawValue: row["start_source"]) ?? .originPos,
                objects: objects)
        }
    }

    /// Reads a row of `objectColumns` in order (by index: GRDB's lookups by column name cost more
    /// than the query here).
    static func sceneObject(_ row: Row, parents: [String]) -> SceneObject {
        var column = 1  // after id
        func next<T: DatabaseValueConvertible>() -> T {
            defer { column += 1 }
            return row[column]
        }
        func vec3() -> Vec3 { Vec3(x: next(), y: next(), z: next()) }
        _ = next() as Int64  // scene_id
        let order: Int = next()
        let objectId: String = next(), name: String = next(), objectType: String = next()
        let assetId: String? = next()
        var affordances: Affordances = []
        for (_, flag) in Affordances.fieldNames where next() as Bool { affordances.insert(flag) }
        let state = ObjectState(
            isOpen: next(), openness: next(), isToggled: next(), isBroken: next(), isFilledWithLiquid: next(),
            fillLiquid: next(), isDirty: next(), isUsedUp: next(), isCooked: next(), isSliced: next(), isPickedUp: next(),
            temperature: Temperature(rawValue: next()) ?? .roomTemp)
        let mass: Double = next()
        let materials = decodeJSONArray(next()), controlled = decodeJSONArray(next())
        let position = vec3(), rotation = vec3(), center = vec3(), size = vec3()
        return SceneObject(
            objectId: objectId, name: name, objectType: objectType, assetId: assetId, order: order,
            affordances: affordances, state: state, mass: mass, salientMaterials: materials,
            position: position, rotation: rotation, box: Box(center: center, size: size),
            parentReceptacles: parents, controlledObjects: controlled)
    }

    public func task(_ identity: TaskIdentity) throws -> BenchmarkTask? {
        try read { db in
            try Self.fetchTasks(db, where: "t.identity = ?", arguments: [identity.description]).first
        }
    }

    /// Every task's identity in task-file order, without reading the tasks (for coverage).
    public func taskIdentities() throws -> [TaskIdentity] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT identity, identity_is_int FROM tasks ORDER BY ord").map { row in
                let text: String = row[0]
                let isInt: Bool = row[1]
                return isInt ? TaskIdentity(parsing: text) : .string(text)
            }
        }
    }

    /// Every task in task-file order.
    public func allTasks() throws -> [BenchmarkTask] {
        try read { db in try Self.fetchTasks(db, where: "1", arguments: []) }
    }

    /// The tasks stored under any of these identity texts, in task-file order: an integer and a
    /// string identity with the same text are both listed (a caller decides between them).
    public func tasks(identityTexts: [String]) throws -> [BenchmarkTask] {
        guard !identityTexts.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: identityTexts.count).joined(separator: ",")
        return try read { db in
            try Self.fetchTasks(db, where: "t.identity IN (\(placeholders))", arguments: StatementArguments(identityTexts))
        }
    }

    static func fetchTasks(_ db: Database, where condition: String, arguments: StatementArguments) throws -> [BenchmarkTask] {
        let rows = try Row.fetchAll(db, sql: """
            -- LEFT JOIN: a task whose scene row is gone (a store edited by hand) is still listed,
            -- under a name no scene has, so `tasks --check` reports it instead of dropping it.
            SELECT t.*, COALESCE(s.name, 'scene#' || t.scene_id) AS scene_name FROM tasks t LEFT JOIN scenes s ON s.id = t.scene_id
            WHERE \(condition) ORDER BY t.ord
            """, arguments: arguments)
        guard !rows.isEmpty else { return [] }
        let ids = rows.map { $0["id"] as Int64 }
        let idList = ids.map(String.init).joined(separator: ",")
        var actions: [Int64: [KeyAction]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM key_actions WHERE task_id IN (\(idList)) ORDER BY task_id, ord") {
            actions[row["task_id"], default: []].append(KeyAction(
                action: row["action"], objectId: row["object_id"], objectType: row["object_type"],
                baseAction: row["base_action"], reward: row["reward"],
                relatedObjects: decodeJSONArray(row["related_objects"])))
        }
        var members: [Int64: [String: [String]]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT task_id, role, value FROM task_objects WHERE task_id IN (\(idList)) ORDER BY task_id, role, ord") {
            members[row["task_id"], default: [:]][row["role"], default: []].append(row["value"])
        }
        return rows.map { row in
            let id: Int64 = row["id"]
            let identityText: String = row["identity"]
            let isInt: Bool = row["identity_is_int"]
            return BenchmarkTask(
                identity: isInt ? TaskIdentity(parsing: identityText) : .string(identityText),
                scene: row["scene_name"], taskType: row["task_type"], instructionIndex: row["instruction_idx"],
                taskName: row["task_name"], taskQuery: row["task_query"], keyActions: actions[id] ?? [],
                targetObjects: members[id]?["target"] ?? [], relatedObjects: members[id]?["related"] ?? [],
                navigableObjects: members[id]?["navigable"] ?? [])
        }
    }

    /// `agent_positions.json` merged as the reference merges it: one pose per objectId, later
    /// task ids overriding earlier ones.
    public func approachPoses() throws -> [String: ApproachPose] {
        try read { db in
            var poses: [String: ApproachPose] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM agent_poses ORDER BY task_ord, object_id") {
                let id: String = row["object_id"]
                poses[id] = ApproachPose(objectId: id, pose: Pose(
                    position: Vec3(x: row["x"], y: row["y"], z: row["z"]),
                    rotation: Vec3(x: row["rx"], y: row["ry"], z: row["rz"]),
                    cameraHorizon: row["camera_horizon"], isStanding: row["is_standing"]))
            }
            return poses
        }
    }
}
