import GRDB
import GRDBSQLite
import ThorModel

/// Binds values straight into a prepared INSERT and steps it. The importer writes ~20k rows;
/// building a `StatementArguments` array of existentials per row cost more than SQLite itself.
struct RowWriter {
    private let statement: Statement
    private let connection: OpaquePointer?
    private var column: Int32 = 0

    /// SQLite copies bound text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        connection = db.sqliteConnection
    }

    mutating func bind(_ value: Double) {
        column += 1
        sqlite3_bind_double(statement.sqliteStatement, column, value)
    }

    mutating func bind(_ value: Int) {
        column += 1
        sqlite3_bind_int64(statement.sqliteStatement, column, Int64(value))
    }

    mutating func bind(_ value: Int64) {
        column += 1
        sqlite3_bind_int64(statement.sqliteStatement, column, value)
    }

    mutating func bind(_ value: Bool) { bind(value ? 1 : 0) }

    mutating func bind(_ value: String?) {
        column += 1
        guard let value else {
            sqlite3_bind_null(statement.sqliteStatement, column)
            return
        }
        sqlite3_bind_text(statement.sqliteStatement, column, value, -1, Self.transient)
    }

    mutating func bind(_ value: Vec3) {
        bind(value.x)
        bind(value.y)
        bind(value.z)
    }

    /// Runs the INSERT with the values bound since the last `insert()`.
    mutating func insert() throws {
        defer {
            sqlite3_reset(statement.sqliteStatement)
            column = 0
        }
        let code = sqlite3_step(statement.sqliteStatement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(connection)), sql: statement.sql)
        }
    }
}
