import Foundation
import GRDB
import ThorModel

/// The thor-lite SQLite store: one file (WAL, foreign keys on) holding scenes, objects, the
/// containment graph, tasks, approach poses and recorded frames.
public final class ThorStore: Sendable {
    public let path: String
    let database: DatabasePool

    /// Environment variable naming the store when `--store` is not given.
    public static let environmentVariable = "THOR_LITE_STORE"
    public static let defaultFileName = "thor-lite.sqlite"

    /// `--store`, else `$THOR_LITE_STORE`, else `./thor-lite.sqlite`.
    public static func resolvePath(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultFileName
    }

    /// Opens a store; `create` makes a new one when the file does not exist.
    public init(path: String, create: Bool = false) throws {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.missing(path: path)
        }
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.label = "thor-lite"
        // In WAL mode NORMAL keeps the file consistent on a crash and skips an fsync per commit;
        // at worst the last import is rolled back, never half-applied.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try Migrations.apply(to: database, path: path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path, reason: "the file is not an SQLite database")
        }
    }

    public var schemaVersion: Int {
        get throws { try database.read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 } }
    }
}
