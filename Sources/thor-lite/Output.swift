import Foundation
import ThorGrade

/// The one way thor-lite writes output: standard output and the files named by options
/// (`--per-task`, `--summary`). Every write is checked, so a full disk, `/dev/full` or a closed
/// pipe is an error (exit 2), never a silent loss with exit 0.
///
/// A file option's path is treated by what it is:
/// - `-`, or the same file as standard output/error (`/dev/stdout`, `/dev/fd/2`, a pipe or file
///   the shell redirected): written to that descriptor, after what is already there;
/// - a regular file, or a symlink to one: replaced whole or not at all, through a temporary file
///   beside the target renamed over it (a symlink stays a symlink; its target is replaced);
/// - anything else (a character device such as `/dev/null`, a FIFO): opened and written in place,
///   never renamed over. Renaming over `/dev/stdout` as root would replace it for the machine.
enum Output {
    /// Standard output, as `print` would write it but checked.
    static func print(_ text: String, terminator: String = "\n") throws {
        try write(Array((text + terminator).utf8), toDescriptor: STDOUT_FILENO, name: "standard output")
    }

    /// Writes a whole output file (see the type's comment for how each kind of path is treated).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let sink = try Sink(path)
        do {
            try sink.write(bytes)
            try sink.finish()
        } catch {
            sink.discard()
            throw error
        }
    }

    /// An output file written piece by piece (`--per-task` lines as they are graded), buffered,
    /// with the same treatment of paths as `write(_:to:)`: a regular file is written to a
    /// temporary file beside it and renamed over it by `finish()`, so it is still replaced whole
    /// or not at all; `discard()` (after an error) leaves the old file as it was.
    final class Sink {
        private enum Target {
            /// Standard output or error, or the file the shell redirected them to: not closed.
            case stream(Int32)
            /// A device or FIFO, opened in place.
            case inPlace(Int32)
            /// A temporary file to rename over `path`.
            case replacing(Int32, temporary: String, path: String)
        }

        private var target: Target?
        /// The path, or which stream: for messages.
        private var name: String
        private var buffer: [UInt8] = []
        /// Bytes held before a write: large enough that a write costs nothing per line, small
        /// enough not to matter for memory.
        static let bufferSize = 1 << 20

        /// Opens `path` for writing (see the type's comment); throws a usage error naming the path.
        init(_ path: String) throws {
            name = path
            if path == "-" {
                name = "standard output"
                target = .stream(STDOUT_FILENO)
                return
            }
            var info = stat()
            let exists = stat(path, &info) == 0
            if exists {
                for (descriptor, stream) in [(STDOUT_FILENO, "standard output"), (STDERR_FILENO, "standard error")] {
                    var open = stat()
                    if fstat(descriptor, &open) == 0, open.st_dev == info.st_dev, open.st_ino == info.st_ino {
                        name = "\(path) (\(stream))"
                        target = .stream(descriptor)
                        return
                    }
                }
                switch info.st_mode & S_IFMT {
                case S_IFREG: break
                case S_IFDIR: throw failure(path, "it is a directory")
                default:
                    target = .inPlace(try Output.open(path, create: false))
                    return
                }
            } else if errno != ENOENT {
                throw failure(path, String(cString: strerror(errno)))
            } else {
                var link = stat()
                // A dangling symlink: create its target through it.
                if lstat(path, &link) == 0 {
                    target = .inPlace(try Output.open(path, create: true))
                    return
                }
            }
            let resolved = resolvingLinks(path)
            let temporary = resolved + ".thor-lite-\(getpid()).tmp"
            let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644)
            guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
            // The new file keeps the old one's permission bits.
            if exists { fchmod(descriptor, info.st_mode & 0o7777) }
            target = .replacing(descriptor, temporary: temporary, path: resolved)
        }

        deinit { discard() }

        /// Appends `bytes`; writes when the buffer is full.
        func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBufferPointer(write)
        }

        /// Appends `bytes` (per-task lines, a chunk's at a time); writes when the buffer is full.
        func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.bufferSize { try flush() }
        }

        private func flush() throws {
            guard let target, !buffer.isEmpty else { return }
            switch target {
            case .stream(let descriptor), .inPlace(let descriptor), .replacing(let descriptor, _, _):
                try Output.write(buffer, toDescriptor: descriptor, name: name)
            }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes what is buffered and closes the file (renaming a temporary file into place).
        func finish() throws {
            try flush()
            guard let target else { return }
            self.target = nil
            switch target {
            case .stream: return
            case .inPlace(let descriptor):
                if close(descriptor) != 0 { throw failure(name, String(cString: strerror(errno))) }
            case .replacing(let descriptor, let temporary, let path):
                var problem: CLIError?
                if close(descriptor) != 0 { problem = failure(name, String(cString: strerror(errno))) }
                if problem == nil, rename(temporary, path) != 0 { problem = failure(name, String(cString: strerror(errno))) }
                if let problem {
                    unlink(temporary)
                    throw problem
                }
            }
        }

        /// Gives up: closes without renaming, removes the temporary file. Safe to call twice.
        func discard() {
            guard let target else { return }
            self.target = nil
            buffer = []
            switch target {
            case .stream: return
            case .inPlace(let descriptor): close(descriptor)
            case .replacing(let descriptor, let temporary, _):
                close(descriptor)
                unlink(temporary)
            }
        }
    }

    static func open(_ path: String, create: Bool) throws -> Int32 {
        let descriptor = Foundation.open(path, create ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY, 0o644)
        guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        return descriptor
    }

    static func failure(_ path: String, _ reason: String) -> CLIError {
        .usage("\(path): cannot write: \(reason)")
    }

    /// All of `bytes` to an open descriptor; EINTR retried, anything else an error naming `name`.
    static func write(_ bytes: [UInt8], toDescriptor descriptor: Int32, name: String) throws {
        var written = 0
        let error: Int32? = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            while written < buffer.count {
                let count = Foundation.write(descriptor, base + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return nil
        }
        if let error { throw failure(name, String(cString: strerror(error))) }
    }

    /// The file a chain of symlinks ends at (the path itself when it is not a symlink).
    static func resolvingLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
