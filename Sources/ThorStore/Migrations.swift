import GRDB

/// Versioned schema files (`schema/vN.sql`, embedded at build time), applied in order by
/// `PRAGMA user_version`. A new schema version is a new file plus one line here.
enum Migrations {
    static let all: [(version: Int, sql: [UInt8])] = [
        (1, PackageResources.v1_sql),
        (2, PackageResources.v2_sql),
        (3, PackageResources.v3_sql),
    ]

    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Brings the store to the latest version in one IMMEDIATE transaction: a second process
    /// migrating at the same time waits, then finds nothing left to do.
    static func apply(to writer: some DatabaseWriter, path: String) throws {
        try writer.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard current <= latestVersion else {
                    throw StoreError.newerSchema(path: path, found: current, supported: latestVersion)
                }
                for migration in all where migration.version > current {
                    try db.execute(sql: String(decoding: migration.sql, as: UTF8.self))
                    try db.execute(sql: "PRAGMA user_version = \(migration.version)")
                }
                return .commit
            }
        }
    }
}
