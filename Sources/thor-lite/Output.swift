import Foundation

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
        if path == "-" { return try write(bytes, toDescriptor: STDOUT_FILENO, name: "standard output") }
        var target = stat()
        let exists = stat(path, &target) == 0
        if exists {
            for (descriptor, name) in [(STDOUT_FILENO, "standard output"), (STDERR_FILENO, "standard error")] {
                var stream = stat()
                if fstat(descriptor, &stream) == 0, stream.st_dev == target.st_dev, stream.st_ino == target.st_ino {
                    return try write(bytes, toDescriptor: descriptor, name: "\(path) (\(name))")
                }
            }
            switch target.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw failure(path, "it is a directory")
            default: return try writeInPlace(bytes, to: path)
            }
        } else if errno != ENOENT {
            throw failure(path, String(cString: strerror(errno)))
        } else {
            var link = stat()
            // A dangling symlink: create its target through it.
            if lstat(path, &link) == 0 { return try writeInPlace(bytes, to: path, create: true) }
        }
        try replace(resolvingLinks(path), with: bytes, mode: exists ? target.st_mode & 0o7777 : nil)
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

    /// A device or FIFO: written where it is (no temporary file, no rename).
    static func writeInPlace(_ bytes: [UInt8], to path: String, create: Bool = false) throws {
        let descriptor = open(path, create ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY, 0o644)
        guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        var problem: Error?
        do { try write(bytes, toDescriptor: descriptor, name: path) } catch { problem = error }
        if close(descriptor) != 0, problem == nil { problem = failure(path, String(cString: strerror(errno))) }
        if let problem { throw problem }
    }

    /// The file a chain of symlinks ends at (the path itself when it is not a symlink).
    static func resolvingLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Replaces a regular file whole: a temporary file beside it, written, then renamed over it,
    /// keeping the old file's permission bits.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t?) throws {
        let temporary = path + ".thor-lite-\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        var problem: Error?
        if let mode { fchmod(descriptor, mode) }
        do { try write(bytes, toDescriptor: descriptor, name: path) } catch { problem = error }
        if close(descriptor) != 0, problem == nil { problem = failure(path, String(cString: strerror(errno))) }
        if let problem {
            unlink(temporary)
            throw problem
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw failure(path, reason)
        }
    }
}
