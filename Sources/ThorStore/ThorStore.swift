import Foundation
import GRDB
import GRDBSQLite
import ThorModel

/// The thor-lite SQLite store: one file (WAL, foreign keys on) holding scenes, objects, the
/// containment graph, tasks, approach poses and recorded frames.
///
/// Many processes may use one store at once: readers open it read-only (SQLite never writes the
/// file through such a connection, and in WAL mode an import does not block them); writers wait
/// for each other (`busyTimeout`) instead of failing with "database is locked".
public final class ThorStore: Sendable {
    public let path: String
    public let access: Access
    let database: any DatabaseWriter

    /// How a store is opened.
    public enum Access: Sendable {
        /// Read-only: nothing is migrated or written, so a store the user can only read (a 0444
        /// file, a read-only directory or mount, another user's file) works, and the file stays
        /// byte-for-byte as it was. A store whose schema is older than this thor-lite's is
        /// refused with a message saying how to upgrade it.
        case read
        /// An existing store, migrated to the latest schema if it is behind.
        case write
        /// As `write`, creating the store when the file does not exist (or is empty).
        case create
    }

    /// Environment variable naming the store when `--store` is not given.
    public static let environmentVariable = "THOR_LITE_STORE"
    public static let defaultFileName = "thor-lite.sqlite"

    /// How long a connection waits for another process's lock before giving up. A reader waits only
    /// through SQLite's brief exclusive moments (WAL recovery after a crash, the last connection
    /// cleaning up); a writer waits for a concurrent import to finish.
    static let busyTimeout: TimeInterval = 60

    /// `--store`, else `$THOR_LITE_STORE`, else `./thor-lite.sqlite`.
    public static func resolvePath(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultFileName
    }

    /// Opens an existing store for writing (migrating it if needed); `create` makes a new one when
    /// the file does not exist.
    public convenience init(path: String, create: Bool = false) throws {
        try self.init(path: path, access: create ? .create : .write)
    }

    public init(path: String, access: Access) throws {
        self.path = path
        self.access = access
        let file = try StoreFile.inspect(path)
        if file == .absent || file == .empty {
            guard access == .create else {
                throw file == .absent ? StoreError.missing(path: path) : StoreError.notAStore(path: path, reason: "the file is empty. Create a store with: thor-lite import <embodied_reasoner checkout> --store \(path)")
            }
        } else {
            // Identify the file through a read-only connection before anything can write to it: a
            // file that is not a thor-lite store is refused untouched.
            let reader = try Self.openReader(path)
            let version = try Self.identify(reader, path: path, access: access)
            if access == .read {
                database = reader
                return
            }
            if version == Migrations.latestVersion {
                database = try Self.openWriter(path)
                return
            }
        }
        database = try Self.openWriter(path)
        try Self.mapErrors(path) { try Migrations.apply(to: database, path: path) }
    }

    public var schemaVersion: Int {
        get throws { try read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 } }
    }

    /// A read on the store, with SQLite failures turned into `StoreError`s that name the file.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors(path) { try database.read(body) }
    }

    /// A write transaction (GRDB begins it IMMEDIATE, so a second writer waits for the first
    /// instead of failing half-way); errors other than SQLite's (an `ImportError`) pass through.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        guard access != .read else { throw StoreError.readOnlyAccess(path: path) }
        return try Self.mapErrors(path) { try database.write(body) }
    }

    // MARK: opening

    static func configuration(readonly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.label = "thor-lite"
        configuration.readonly = readonly
        configuration.busyMode = .timeout(busyTimeout)
        if !readonly {
            // In WAL mode NORMAL keeps the file consistent on a crash and skips an fsync per commit;
            // at worst the last import is rolled back, never half-applied.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        return configuration
    }

    static func openWriter(_ path: String) throws -> DatabasePool {
        try mapErrors(path) { try DatabasePool(path: path, configuration: configuration(readonly: false)) }
    }

    /// A read-only connection. SQLite reads a WAL-mode file through its `-wal` and `-shm` files and
    /// creates them when they are absent; where that is impossible (a read-only directory or
    /// mount) or would leave files the store's owner cannot write (the reader cannot write the
    /// store itself), and no writer is active (no `-wal`), the store is read into memory instead
    /// through an `immutable` connection, which takes no locks and creates nothing.
    static func openReader(_ path: String) throws -> any DatabaseWriter {
        let walExists = FileManager.default.fileExists(atPath: path + "-wal")
        if !walExists && !canWrite(path) {
            if let snapshot = try StoreFile.snapshot(path) { return snapshot }
        }
        do {
            return try DatabaseQueue(path: path, configuration: configuration(readonly: true))
        } catch let error as DatabaseError where !walExists && (error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY) {
            if let snapshot = try StoreFile.snapshot(path) { return snapshot }
            throw StoreError.database(path: path, reason: describe(error))
        } catch let error as DatabaseError {
            throw storeError(error, path: path)
        }
    }

    /// Checks the file is a thor-lite store this version can use and returns its schema version.
    static func identify(_ reader: any DatabaseReader, path: String, access: Access) throws -> Int {
        let (version, tables) = try mapErrors(path) {
            try reader.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                 try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
            }
        }
        if version == 0 && tables.isEmpty {
            // An SQLite file with nothing in it yet: an import may make it a store.
            guard access == .create else {
                throw StoreError.notAStore(path: path, reason: "the database is empty. Create a store with: thor-lite import <embodied_reasoner checkout> --store \(path)")
            }
            return 0
        }
        guard version > 0, tables.contains("store_info") else {
            let listed = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
            throw StoreError.notAStore(path: path, reason: "an SQLite database of another application (user_version \(version), tables: \(listed)); thor-lite leaves it untouched")
        }
        guard version <= Migrations.latestVersion else {
            throw StoreError.newerSchema(path: path, found: version, supported: Migrations.latestVersion)
        }
        if version < Migrations.latestVersion && access == .read {
            throw StoreError.olderSchema(path: path, found: version, supported: Migrations.latestVersion)
        }
        return version
    }

    // MARK: errors

    static func mapErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw storeError(error, path: path)
        }
    }

    static func storeError(_ error: DatabaseError, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB: .notAStore(path: path, reason: "the file is not an SQLite database")
        case .SQLITE_CORRUPT: .notAStore(path: path, reason: "the database is corrupt (\(describe(error)))")
        case .SQLITE_FULL: .database(path: path, reason: "the disk is full; nothing was written and the store keeps its previous contents")
        case .SQLITE_READONLY: .database(path: path, reason: "cannot write (a read-only file, directory or mount): \(describe(error))")
        case .SQLITE_BUSY: .database(path: path, reason: "another process held the store for more than \(Int(busyTimeout)) s")
        default: .database(path: path, reason: describe(error))
        }
    }

    static func describe(_ error: DatabaseError) -> String {
        error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
    }
}

/// Whether this process may write the file (`access(2)`, which knows about read-only mounts).
private func canWrite(_ path: String) -> Bool { access(path, W_OK) == 0 }

/// What is at a store path before SQLite opens it.
enum StoreFile: Equatable {
    case absent, empty, database

    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Refuses what SQLite would open badly or create files beside: a directory, a device or
    /// pipe, a file that is not SQLite. Reads only the first 16 bytes.
    static func inspect(_ path: String) throws -> StoreFile {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return .absent }
            throw StoreError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw StoreError.notAStore(path: path, reason: "it is a directory")
        default: throw StoreError.notAStore(path: path, reason: "it is not a regular file")
        }
        if info.st_size == 0 { return .empty }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw StoreError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var header = [UInt8](repeating: 0, count: sqliteHeader.count)
        let count = header.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
        guard count == header.count, header == sqliteHeader else {
            throw StoreError.notAStore(path: path, reason: "the file is not an SQLite database")
        }
        return .database
    }

    /// The store copied into memory through an `immutable` connection (no locks, no -wal/-shm
    /// created). Used only when no writer is active; the copy is kept only if the file did not
    /// change and no writer appeared while it was read, else nil.
    static func snapshot(_ path: String) throws -> DatabaseQueue? {
        func identity() -> [Int]? {
            var info = stat()
            guard stat(path, &info) == 0, !FileManager.default.fileExists(atPath: path + "-wal") else { return nil }
            return [Int(info.st_dev), Int(info.st_ino), Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
        }
        guard let before = identity() else { return nil }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var escaped = ""
        for character in absolute.unicodeScalars {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(character)
            }
        }
        var source: OpaquePointer?
        defer { sqlite3_close_v2(source) }
        let opened = sqlite3_open_v2("file://\(escaped)?immutable=1", &source, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
        guard opened == SQLITE_OK, let source else {
            throw StoreError.unreadable(path: path, reason: source.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(opened)")
        }
        let memory = try DatabaseQueue(configuration: ThorStore.configuration(readonly: false))
        try memory.writeWithoutTransaction { db in
            guard let backup = sqlite3_backup_init(db.sqliteConnection, "main", source, "main") else {
                throw StoreError.database(path: path, reason: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let stepped = sqlite3_backup_step(backup, -1)
            sqlite3_backup_finish(backup)
            guard stepped == SQLITE_DONE else {
                throw ThorStore.storeError(DatabaseError(resultCode: ResultCode(rawValue: stepped), message: String(cString: sqlite3_errmsg(source))), path: path)
            }
            try db.execute(sql: "PRAGMA query_only = 1")
        }
        return identity() == before ? memory : nil
    }
}
