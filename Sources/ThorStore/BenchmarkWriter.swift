import Foundation
import GRDB
import ThorModel

extension ThorStore {
    /// Replaces every benchmark table (scenes, objects, links, tasks, poses) with `dataset` in one
    /// transaction: either all of it lands or the store is left exactly as it was. Frames are kept.
    /// Row ids are assigned from the dataset's order, so importing the same data twice gives the
    /// same rows.
    public func replaceBenchmark(with dataset: UpstreamDataset, source: String) throws {
        try database.write { db in
            for table in ["agent_poses", "task_objects", "key_actions", "tasks", "receptacle_links", "objects", "scenes", "store_info"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
            try db.execute(sql: "INSERT INTO store_info (key, value) VALUES ('source', ?)", arguments: [source])
            var sceneIds: [String: Int64] = [:]
            var objectRow: Int64 = 0
            for (sceneIndex, scene) in dataset.scenes.enumerated() {
                let sceneId = Int64(sceneIndex + 1)
                sceneIds[scene.name] = sceneId
                try Self.insert(scene: scene, id: sceneId, db: db)
                var rowById: [String: Int64] = [:]
                for object in scene.objects {
                    objectRow += 1
                    rowById[object.objectId] = objectRow
                    try Self.insert(object: object, row: objectRow, sceneId: sceneId, db: db)
                }
                let link = try db.cachedStatement(sql: "INSERT INTO receptacle_links (object_row, parent_row, ord) VALUES (?, ?, ?)")
                for object in scene.objects {
                    for (slot, parent) in object.parentReceptacles.enumerated() {
                        link.setUncheckedArguments([rowById[object.objectId]!, rowById[parent]!, slot])
                        try link.execute()
                    }
                }
            }
            for (taskIndex, stored) in dataset.tasks.enumerated() {
                try Self.insert(stored, id: Int64(taskIndex + 1), sceneId: sceneIds[stored.task.scene]!, db: db)
            }
            let pose = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO agent_poses (source_task, task_ord, object_id, scene, x, y, z, rx, ry, rz, camera_horizon, is_standing)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for listed in dataset.approachPoses {
                let p = listed.pose.pose
                pose.setUncheckedArguments([
                    listed.sourceTask.description, listed.taskOrder, listed.pose.objectId, listed.scene,
                    p.position.x, p.position.y, p.position.z, p.rotation.x, p.rotation.y, p.rotation.z,
                    p.cameraHorizon, p.isStanding,
                ])
                try pose.execute()
            }
        }
    }

    static func insert(scene: Scene, id: Int64, db: Database) throws {
        let b = scene.bounds
        let s = scene.startPose
        try db.execute(
            sql: """
                INSERT INTO scenes (id, name, room_kind, bounds_cx, bounds_cy, bounds_cz, bounds_sx, bounds_sy, bounds_sz,
                    start_x, start_y, start_z, start_rx, start_ry, start_rz, start_horizon, start_standing, start_source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, scene.name, scene.roomKind.rawValue,
                b.center.x, b.center.y, b.center.z, b.size.x, b.size.y, b.size.z,
                s.position.x, s.position.y, s.position.z, s.rotation.x, s.rotation.y, s.rotation.z,
                s.cameraHorizon, s.isStanding, scene.startPoseSource.rawValue,
            ])
    }

    static let objectColumns = [
        "id", "scene_id", "ord", "object_id", "name", "object_type", "asset_id",
        "pickupable", "receptacle", "openable", "toggleable", "sliceable", "cookable", "dirtyable",
        "can_fill_with_liquid", "breakable", "moveable", "can_be_used_up", "is_heat_source", "is_cold_source",
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

    static func insert(object o: SceneObject, row: Int64, sceneId: Int64, db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO objects (\(objectColumns.joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: objectColumns.count).joined(separator: ", ")))
            """)
        var values: [(any DatabaseValueConvertible)?] = [row, sceneId, o.order, o.objectId, o.name, o.objectType, o.assetId]
        for (_, flag) in Affordances.fieldNames { values.append(o.affordances.contains(flag)) }
        let st = o.state
        values += [
            st.isOpen, st.openness, st.isToggled, st.isBroken, st.isFilledWithLiquid, st.fillLiquid, st.isDirty,
            st.isUsedUp, st.isCooked, st.isSliced, st.isPickedUp, st.temperature.rawValue, o.mass,
            jsonArray(o.salientMaterials), jsonArray(o.controlledObjects),
            o.position.x, o.position.y, o.position.z, o.rotation.x, o.rotation.y, o.rotation.z,
            o.box.center.x, o.box.center.y, o.box.center.z, o.box.size.x, o.box.size.y, o.box.size.z,
        ]
        statement.setUncheckedArguments(StatementArguments(values))
        try statement.execute()
    }

    static func insert(_ stored: UpstreamDataset.StoredTask, id: Int64, sceneId: Int64, db: Database) throws {
        let task = stored.task
        try db.cachedStatement(sql: """
            INSERT INTO tasks (id, ord, identity, identity_is_int, scene_id, task_type, instruction_idx, task_name, task_query, total_reward)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                id, id - 1, task.identity.description, stored.identityIsInteger, sceneId, task.taskType,
                task.instructionIndex, task.taskName, task.taskQuery, stored.totalReward,
            ])
        let keyAction = try db.cachedStatement(sql: """
            INSERT INTO key_actions (task_id, ord, action, object_id, object_type, base_action, reward, related_objects)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (slot, action) in task.keyActions.enumerated() {
            keyAction.setUncheckedArguments([
                id, slot, action.action, action.objectId, action.objectType, action.baseAction, action.reward,
                jsonArray(action.relatedObjects),
            ])
            try keyAction.execute()
        }
        let member = try db.cachedStatement(sql: "INSERT INTO task_objects (task_id, role, ord, value) VALUES (?, ?, ?, ?)")
        for (role, values) in [("target", task.targetObjects), ("related", task.relatedObjects), ("navigable", task.navigableObjects)] {
            for (slot, value) in values.enumerated() {
                member.setUncheckedArguments([id, role, slot, value])
                try member.execute()
            }
        }
    }
}

/// Lists of ids are stored as compact JSON arrays with sorted-free, byte-stable output.
func jsonArray(_ values: [String]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

func decodeJSONArray(_ text: String) -> [String] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
}
