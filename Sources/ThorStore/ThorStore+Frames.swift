import Foundation
import GRDB
import ThorJSON
import ThorModel

/// What one `indexFrames` call changed.
public struct FrameIndexChanges: Hashable, Sendable {
    public var added = 0
    /// Known path, new content or new metadata/state.
    public var updated = 0
    /// Found again by content hash at a new path.
    public var moved = 0
    public var unchanged = 0

    public init() {}
}

extension ThorStore {
    /// Every indexed frame by path (the importer skips re-reading files whose size and mtime match).
    public func knownFrames() throws -> [String: FrameRecord] {
        try database.read { db in
            var known: [String: FrameRecord] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM frames") {
                let record = Self.frameRecord(row)
                known[record.path] = record
            }
            return known
        }
    }

    /// Adds or updates frames in one transaction. A path already indexed is updated in place; a
    /// new path whose content hash belongs to an indexed frame whose file is gone is that frame,
    /// moved (its row keeps its id, with the new path); anything else is a new row.
    ///
    /// The index is read once up front (one query, one `stat` per indexed file), so a batch of
    /// n frames costs O(n) lookups, not a query per frame.
    public func indexFrames(_ records: [FrameRecord]) throws -> FrameIndexChanges {
        try database.write { db in
            var changes = FrameIndexChanges()
            var byPath: [String: (id: Int64, record: FrameRecord)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM frames") {
                let record = Self.frameRecord(row)
                byPath[record.path] = (row["id"], record)
            }
            let incoming = Set(records.map(\.path))
            // Rows whose file is gone, by content hash: the candidates for a moved file.
            var gone: [String: [(id: Int64, path: String)]] = [:]
            for (path, entry) in byPath.sorted(by: { $0.value.id < $1.value.id })
            where !incoming.contains(path) && !FileManager.default.fileExists(atPath: path) {
                gone[entry.record.contentHash, default: []].append((entry.id, path))
            }
            for record in records {
                if let existing = byPath[record.path] {
                    if existing.record == record {
                        changes.unchanged += 1
                    } else {
                        try Self.writeFrame(db, record, id: existing.id)
                        changes.updated += 1
                    }
                    continue
                }
                let name = (record.path as NSString).lastPathComponent
                if var candidates = gone[record.contentHash], !candidates.isEmpty {
                    let pick = candidates.firstIndex { ($0.path as NSString).lastPathComponent == name } ?? 0
                    let moved = candidates.remove(at: pick)
                    gone[record.contentHash] = candidates
                    try Self.writeFrame(db, record, id: moved.id)
                    byPath[record.path] = (moved.id, record)
                    changes.moved += 1
                } else {
                    try Self.writeFrame(db, record, id: nil)
                    byPath[record.path] = (db.lastInsertedRowID, record)
                    changes.added += 1
                }
            }
            return changes
        }
    }

    /// Frames of one run in step order (observe views in view order).
    public func frames(run: String) throws -> [FrameRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM frames WHERE run = ? ORDER BY step, view, path", arguments: [run]).map(Self.frameRecord)
        }
    }

    /// The recorded frames of a scene whose replayed state equals `state` (`exact`), else those
    /// taken from the same pose (`samePose`).
    public func frames(scene: String, stateKey: String? = nil, poseKey: String? = nil) throws -> [FrameRecord] {
        try database.read { db in
            if let stateKey {
                return try Row.fetchAll(db, sql: "SELECT * FROM frames WHERE scene = ? AND state_key = ? ORDER BY run, step, path", arguments: [scene, stateKey]).map(Self.frameRecord)
            }
            if let poseKey {
                return try Row.fetchAll(db, sql: "SELECT * FROM frames WHERE scene = ? AND pose_key = ? ORDER BY run, step, path", arguments: [scene, poseKey]).map(Self.frameRecord)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM frames WHERE scene = ? ORDER BY run, step, path", arguments: [scene]).map(Self.frameRecord)
        }
    }

    static let frameColumns = [
        "run", "task_identity", "scene", "step", "action", "object_type", "path", "width", "height", "byte_size",
        "model", "content_hash", "modified", "bit_depth", "color_type", "view", "recorded_success",
        "pose_x", "pose_z", "pose_yaw", "held", "open_in_view", "pose_key", "state_key", "state_source", "state_note",
    ]

    static func writeFrame(_ db: Database, _ record: FrameRecord, id: Int64?) throws {
        let state = record.state
        let open: String? = state.map { state in
            JSONValue.object(Dictionary(state.openInView.map { ($0.id, JSONValue.string($0.open ? "open" : "closed")) }, uniquingKeysWith: { first, _ in first })).compact
        }
        let values: [DatabaseValueConvertible?] = [
            record.run, record.taskIdentity, record.scene, record.step, record.action, record.objectType, record.path,
            record.width, record.height, record.byteSize, record.model, record.contentHash, record.modified,
            record.bitDepth, record.colorType, record.view, record.recordedSuccess,
            state?.x, state?.z, state?.yaw, state?.held, open, state?.poseKey, state?.stateKey, state?.source, record.stateNote,
        ]
        if let id {
            let assignments = frameColumns.map { "\($0) = ?" }.joined(separator: ", ")
            try db.cachedStatement(sql: "UPDATE frames SET \(assignments) WHERE id = ?").execute(arguments: StatementArguments(values + [id]))
        } else {
            let marks = Array(repeating: "?", count: frameColumns.count).joined(separator: ", ")
            try db.cachedStatement(sql: "INSERT INTO frames (\(frameColumns.joined(separator: ", "))) VALUES (\(marks))").execute(arguments: StatementArguments(values))
        }
    }

    static func frameRecord(_ row: Row) -> FrameRecord {
        var state: FrameState?
        if let source = row["state_source"] as String?, let x = row["pose_x"] as Double?, let z = row["pose_z"] as Double?,
           let yaw = row["pose_yaw"] as Double? {
            state = FrameState(x: x, z: z, yaw: yaw, held: row["held"], openInView: decodeOpenInView(row["open_in_view"]), source: source)
        }
        return FrameRecord(
            path: row["path"], contentHash: row["content_hash"] ?? "", byteSize: row["byte_size"] ?? 0,
            modified: row["modified"] ?? 0, width: row["width"] ?? 0, height: row["height"] ?? 0,
            bitDepth: row["bit_depth"] ?? 0, colorType: row["color_type"] ?? 0, run: row["run"], model: row["model"] ?? "",
            scene: row["scene"], taskIdentity: row["task_identity"], step: row["step"], action: row["action"],
            objectType: row["object_type"], view: row["view"], recordedSuccess: row["recorded_success"],
            state: state, stateNote: row["state_note"])
    }

    /// `{"Cabinet|...": "closed", ...}` as written by `writeFrame`.
    static func decodeOpenInView(_ text: String?) -> [(id: String, open: Bool)] {
        guard let text else { return [] }
        var pairs: [(id: String, open: Bool)] = []
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor = JSONCursor(UnsafeBufferPointer(buffer))
            try? cursor.readObject { cursor, key in pairs.append((key, try cursor.readString() == "open")) }
        }
        return pairs
    }
}
