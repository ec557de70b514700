import Foundation
import GRDB
import ThorJSON
import ThorModel

extension ThorStore {
    /// Replaces every benchmark table (scenes, objects, links, tasks, poses) with `dataset` in one
    /// transaction: either all of it lands or the store is left exactly as it was. Frames are kept.
    /// Row ids are assigned from the dataset's order, so importing the same data twice gives the
    /// same rows.
    public func replaceBenchmark(with dataset: UpstreamDataset, source: String) throws {
        try write { db in
            var writer = try BenchmarkWriter(replacingContentsOf: db, source: source)
            for scene in dataset.scenes { try writer.write(scene) }
            try writer.writeTasksAndPoses(of: dataset)
        }
    }

    /// Reads an upstream checkout and replaces the benchmark tables with it, writing each scene
    /// while the others are still being parsed. Same guarantee as `replaceBenchmark(with:)`: any
    /// error rolls the whole transaction back.
    @discardableResult
    public func importCheckout(_ reader: UpstreamReader, progress: UpstreamReader.Progress? = nil) throws -> UpstreamDataset {
        try write { db in
            var writer = try BenchmarkWriter(replacingContentsOf: db, source: reader.root.standardizedFileURL.path)
            let dataset = try reader.read(progress: progress) { scene in try writer.write(scene) }
            try writer.writeTasksAndPoses(of: dataset)
            return dataset
        }
    }
}

/// The prepared INSERTs of one import, one per table.
struct BenchmarkWriter {
    var scenes: RowWriter
    var objects: RowWriter
    var links: RowWriter
    var tasks: RowWriter
    var keyActions: RowWriter
    var taskObjects: RowWriter
    var poses: RowWriter
    /// Object rows are numbered across scenes in import order.
    var lastObjectRow: Int64 = 0
    var sceneIds: [String: Int64] = [:]
    let source: String

    /// Empties the benchmark tables (frames stay) and prepares the INSERTs.
    init(replacingContentsOf db: Database, source: String) throws {
        self.source = source
        // Keep the whole import in the page cache instead of spilling to the WAL mid-transaction.
        try db.execute(sql: "PRAGMA cache_size = -65536")
        for table in ["agent_poses", "task_objects", "key_actions", "tasks", "receptacle_links", "objects", "scenes", "store_info"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        try db.execute(sql: "INSERT INTO store_info (key, value) VALUES ('source', ?)", arguments: [source])
        func insert(_ table: String, _ columns: [String]) throws -> RowWriter {
            try RowWriter(db, sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))")
        }
        scenes = try insert("scenes", [
            "id", "name", "room_kind", "bounds_cx", "bounds_cy", "bounds_cz", "bounds_sx", "bounds_sy", "bounds_sz",
            "start_x", "start_y", "start_z", "start_rx", "start_ry", "start_rz", "start_horizon", "start_standing", "start_source",
        ])
        objects = try insert("objects", ThorStore.objectColumns)
        links = try insert("receptacle_links", ["object_row", "parent_row", "ord"])
        tasks = try insert("tasks", [
            "id", "ord", "identity", "identity_is_int", "scene_id", "task_type", "instruction_idx", "task_name",
            "task_query", "total_reward",
        ])
        keyActions = try insert("key_actions", [
            "task_id", "ord", "action", "object_id", "object_type", "base_action", "reward", "related_objects",
        ])
        taskObjects = try insert("task_objects", ["task_id", "role", "ord", "value"])
        poses = try RowWriter(db, sql: """
            INSERT OR REPLACE INTO agent_poses (source_task, task_ord, object_id, scene, x, y, z, rx, ry, rz, camera_horizon, is_standing)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Scenes get ids 1, 2, ... in the order they are written.
    mutating func write(_ scene: Scene) throws {
        let types = Set(scene.objects.map(\.objectType)).count
        guard types <= StoreLimits.objectTypesPerScene else {
            throw ImportError(file: source, reason: "\(scene.name) has \(types) object types; the simulator handles at most \(StoreLimits.objectTypesPerScene) per scene")
        }
        let id = Int64(sceneIds.count + 1)
        sceneIds[scene.name] = id
        scenes.bind(id)
        scenes.bind(scene.name)
        scenes.bind(scene.roomKind.rawValue)
        scenes.bind(scene.bounds.center)
        scenes.bind(scene.bounds.size)
        scenes.bind(scene.startPose.position)
        scenes.bind(scene.startPose.rotation)
        scenes.bind(scene.startPose.cameraHorizon)
        scenes.bind(scene.startPose.isStanding)
        scenes.bind(scene.startPoseSource.rawValue)
        try scenes.insert()

        var rowById: [String: Int64] = [:]
        rowById.reserveCapacity(scene.objects.count)
        for object in scene.objects {
            lastObjectRow += 1
            rowById[object.objectId] = lastObjectRow
            try write(object, row: lastObjectRow, sceneId: id)
        }
        for object in scene.objects {
            for (slot, parent) in object.parentReceptacles.enumerated() {
                guard let parentRow = rowById[parent] else {
                    throw ImportError(file: source, reason: "\(scene.name): parent receptacle \(parent) of \(object.objectId) is not in the scene")
                }
                links.bind(rowById[object.objectId]!)
                links.bind(parentRow)
                links.bind(slot)
                try links.insert()
            }
        }
    }

    mutating func write(_ o: SceneObject, row: Int64, sceneId: Int64) throws {
        objects.bind(row)
        objects.bind(sceneId)
        objects.bind(o.order)
        objects.bind(o.objectId)
        objects.bind(o.name)
        objects.bind(o.objectType)
        objects.bind(o.assetId)
        for (_, flag) in Affordances.fieldNames { objects.bind(o.affordances.contains(flag)) }
        let state = o.state
        objects.bind(state.isOpen)
        objects.bind(state.openness)
        objects.bind(state.isToggled)
        objects.bind(state.isBroken)
        objects.bind(state.isFilledWithLiquid)
        objects.bind(state.fillLiquid)
        objects.bind(state.isDirty)
        objects.bind(state.isUsedUp)
        objects.bind(state.isCooked)
        objects.bind(state.isSliced)
        objects.bind(state.isPickedUp)
        objects.bind(state.temperature.rawValue)
        objects.bind(o.mass)
        objects.bind(jsonArray(o.salientMaterials))
        objects.bind(jsonArray(o.controlledObjects))
        objects.bind(o.position)
        objects.bind(o.rotation)
        objects.bind(o.box.center)
        objects.bind(o.box.size)
        try objects.insert()
    }

    mutating func writeTasksAndPoses(of dataset: UpstreamDataset) throws {
        for (index, stored) in dataset.tasks.enumerated() {
            guard let sceneId = sceneIds[stored.task.scene] else {
                throw ImportError(file: source, reason: "task \(stored.task.identity) names scene \(stored.task.scene), which is not in the dataset")
            }
            try write(stored, id: Int64(index + 1), sceneId: sceneId)
        }
        for listed in dataset.approachPoses {
            try write(listed)
        }
    }

    mutating func write(_ stored: UpstreamDataset.StoredTask, id: Int64, sceneId: Int64) throws {
        let task = stored.task
        tasks.bind(id)
        tasks.bind(id - 1)
        tasks.bind(task.identity.description)
        tasks.bind(stored.identityIsInteger)
        tasks.bind(sceneId)
        tasks.bind(task.taskType)
        tasks.bind(task.instructionIndex)
        tasks.bind(task.taskName)
        tasks.bind(task.taskQuery)
        if let reward = stored.totalReward { tasks.bind(reward) } else { tasks.bind(nil as String?) }
        try tasks.insert()
        for (slot, action) in task.keyActions.enumerated() {
            keyActions.bind(id)
            keyActions.bind(slot)
            keyActions.bind(action.action)
            keyActions.bind(action.objectId)
            keyActions.bind(action.objectType)
            keyActions.bind(action.baseAction)
            keyActions.bind(action.reward)
            keyActions.bind(jsonArray(action.relatedObjects))
            try keyActions.insert()
        }
        for (role, values) in [("target", task.targetObjects), ("related", task.relatedObjects), ("navigable", task.navigableObjects)] {
            for (slot, value) in values.enumerated() {
                taskObjects.bind(id)
                taskObjects.bind(role)
                taskObjects.bind(slot)
                taskObjects.bind(value)
                try taskObjects.insert()
            }
        }
    }

    mutating func write(_ listed: UpstreamDataset.ListedApproachPose) throws {
        let pose = listed.pose.pose
        poses.bind(listed.sourceTask.description)
        poses.bind(listed.taskOrder)
        poses.bind(listed.pose.objectId)
        poses.bind(listed.scene)
        poses.bind(pose.position)
        poses.bind(pose.rotation)
        poses.bind(pose.cameraHorizon)
        poses.bind(pose.isStanding)
        try poses.insert()
    }
}

extension ThorStore {
    /// The `objects` columns in the order the writer binds and the reader reads them.
    static let objectColumns = [
        "id", "scene_id", "ord", "object_id", "name", "object_type", "asset_id",
    ] + affordanceColumns + [
        "is_open", "openness", "is_toggled", "is_broken", "is_filled_with_liquid", "fill_liquid", "is_dirty",
        "is_used_up", "is_cooked", "is_sliced", "is_picked_up", "temperature", "mass", "salient_materials",
        "controlled_objects", "pos_x", "pos_y", "pos_z", "rot_x", "rot_y", "rot_z",
        "box_cx", "box_cy", "box_cz", "box_sx", "box_sy", "box_sz",
    ]

    /// The affordance columns in `Affordances.fieldNames` order.
    static let affordanceColumns = [
        "pickupable", "receptacle", "openable", "toggleable", "sliceable", "cookable", "dirtyable",
        "can_fill_with_liquid", "breakable", "moveable", "can_be_used_up", "is_heat_source", "is_cold_source",
    ]
}

/// Lists of ids are stored as compact JSON arrays, written by the project's one JSON writer
/// (strings only, so no `JSONValue` tree is built: JSONSerialization here once cost more than the
/// SQLite insert itself).
func jsonArray(_ values: [String]) -> String {
    JSONValue.compactStringArray(values)
}

func decodeJSONArray(_ text: String) -> [String] {
    var text = text
    return text.withUTF8 { bytes in
        var cursor = JSONCursor(bytes)
        return (try? cursor.readStringList()) ?? []
    }
}
