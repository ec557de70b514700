import ArgumentParser
import Foundation
import ThorJSON
import ThorStore

/// `--store PATH`, shared by every command that reads or writes the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite store file (default: $THOR_LITE_STORE, else ./thor-lite.sqlite).", valueName: "path"))
    var store: String?

    var resolvedPath: String { ThorStore.resolvePath(explicit: store) }

    /// Opens an existing store read-only (nothing migrated or written; see `ThorStore.Access.read`).
    /// A missing store, or a file that is not one, is a usage error (exit 2) with a message saying
    /// what to do.
    func openForReading() throws -> ThorStore {
        do {
            return try ThorStore(path: resolvedPath, access: .read)
        } catch let error as StoreError {
            throw CLIError.usage(error.description)
        }
    }

    /// Opens an existing store to write to it (migrated if its schema is behind); a missing store
    /// is a usage error saying how to create one.
    func openForWriting() throws -> ThorStore {
        do {
            return try ThorStore(path: resolvedPath, access: .write)
        } catch let error as StoreError {
            throw CLIError.usage(error.description)
        }
    }
}

/// Errors the CLI reports on stderr with a fixed exit status.
enum CLIError: Error, CustomStringConvertible {
    /// Bad invocation or missing store: exit 2.
    case usage(String)
    /// Input that could not be processed: exit 1.
    case failed(String)

    var description: String {
        switch self {
        case .usage(let message), .failed(let message): message
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .usage: ExitCode(2)
        case .failed: ExitCode(1)
        }
    }
}

/// Runs a command body, turning thrown errors into "thor-lite: message" on stderr and a stable
/// exit status: 1 for bad data, 2 for usage problems.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CLIError {
        printError(error.description)
        throw error.exitCode
    } catch let error as ExitCode {
        throw error
    } catch let error as ImportError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as StoreError {
        printError(error.description)
        throw ExitCode(2)
    } catch {
        printError(String(describing: error))
        throw ExitCode(1)
    }
}

/// A message on stderr. A failing stderr cannot be reported anywhere, so its errors are ignored
/// (the exit status still tells).
func printError(_ message: String) {
    writeStandardError("thor-lite: \(message)\n")
}

func writeStandardError(_ text: String) {
    try? Output.write(Array(text.utf8), toDescriptor: STDERR_FILENO, name: "standard error")
}

/// Pretty, key-sorted JSON through the project's one writer (`JSONValue`): identical input gives
/// identical bytes, in the same dialect as every other output.
func printJSON(_ value: JSONValue) throws {
    try Output.print(value.pretty)
}

/// True when stderr is a terminal, so progress lines are worth drawing.
var standardErrorIsTerminal: Bool { isatty(2) == 1 }
