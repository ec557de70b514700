import Foundation
import XCTest

/// Runs the built `thor-lite` as a script would. Standard input is written and standard output
/// and error are drained on threads of their own, so a command that writes more than a pipe
/// buffer to either stream (or reads a large input) cannot deadlock the test.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("fixtures")

    /// The built `thor-lite`, beside the test bundle.
    static var binary: URL {
        #if os(macOS)
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") } ?? Bundle.main
        let products = bundle.bundleURL.deletingLastPathComponent()
        #else
        let products = Bundle.main.bundleURL
        #endif
        return products.appendingPathComponent("thor-lite")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal (`status` is then the signal number).
        var signalled = false
    }

    /// Bytes collected by a reader thread.
    final class Collected: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
    }

    static func drain(_ handle: FileHandle) -> Collected {
        let collected = Collected()
        Thread {
            collected.data = handle.readDataToEndOfFile()
            collected.done.signal()
        }.start()
        return collected
    }

    /// A command may exit before reading all of the standard input it is given (a usage error, a
    /// `close` request): writing the rest must be an error for the writer thread, not a SIGPIPE
    /// that kills the test process.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `thor-lite` (or `executable`, e.g. setpriv) with `arguments` to completion.
    /// `stdout` set: standard output goes to that handle (a file, /dev/full) instead of a pipe.
    static func run(_ arguments: [String], stdin: Data? = nil, stdout: FileHandle? = nil,
                    executable: URL? = nil, environment: [String: String]? = nil) throws -> Run {
        _ = ignoreBrokenPipes
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = stdout ?? out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let collectedOut = stdout == nil ? drain(out.fileHandleForReading) : nil
        let collectedErr = drain(err.fileHandleForReading)
        let writer = Thread {
            if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        process.waitUntilExit()
        collectedOut?.done.wait()
        collectedErr.done.wait()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: collectedOut?.data ?? Data(), as: UTF8.self),
            stderr: String(decoding: collectedErr.data, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Starts `thor-lite` without waiting, output to files (for many processes at once, where a
    /// reader thread per pipe would be hundreds of threads).
    static func start(_ arguments: [String], output: URL, stdin: FileHandle? = nil) throws -> Process {
        _ = FileManager.default.createFile(atPath: output.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: output.path + ".err", contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output.path + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output.path + ".err"))
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs as the unprivileged user `nobody` through setpriv, so file permissions bite even when
    /// the tests run as root (CI does). Nil when that is impossible here (not root, no setpriv,
    /// or the binary is not reachable by nobody).
    static func runAsNobody(_ arguments: [String], stdin: Data? = nil) throws -> Run? {
        let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv.path) else { return nil }
        let prefix = ["--reuid=65534", "--regid=65534", "--clear-groups", binary.path]
        guard try run(prefix + ["--help"], executable: setpriv).status == 0 else { return nil }
        return try run(prefix + arguments, stdin: stdin, executable: setpriv)
    }
}
