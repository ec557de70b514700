import Foundation

/// One input to grade: a file, standard input, or bytes already in memory (tests, the library).
public struct GradeInput: Sendable {
    public enum Source: Sendable {
        /// A path given by the user or found in a run directory; opened when it is read.
        case file(String)
        case standardInput
        case memory(Data)
    }

    public var source: Source
    /// What messages and per-task lines call it: the path, or `<stdin>`.
    public var name: String
    /// The reference's `result.json`: one JSON document, possibly over many lines. Only files
    /// named exactly `result.json` are read so; everything else is JSON lines.
    public var isWholeDocument: Bool

    public init(source: Source, name: String, isWholeDocument: Bool = false) {
        self.source = source
        self.name = name
        self.isWholeDocument = isWholeDocument
    }

    public static let resultFileName = "result.json"
}

/// What one command-line input stands for: the inputs to read, and the entries of a run directory
/// that cannot be read (each reported as `path: reason`; everything else is still graded).
public struct GradeInputListing: Sendable {
    public var inputs: [GradeInput] = []
    public var issues: [GradeIssue] = []
}

extension GradeInputReader {
    /// Lists what an argument names: `-` is standard input; a directory is every `result.json`
    /// below it in sorted path order; anything else (a file, `/dev/stdin`, a pipe such as
    /// `<(cat f)`, a FIFO, `/dev/null`) is read as given. A missing path throws (a usage error).
    public static func inputs(at argument: String) throws -> GradeInputListing {
        if argument == "-" { return GradeInputListing(inputs: [GradeInput(source: .standardInput, name: "<stdin>")]) }
        var info = stat()
        guard stat(argument, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw GradeInputError.notFound(argument) }
            return GradeInputListing(issues: [GradeIssue(file: argument, reason: "cannot read: \(String(cString: strerror(errno)))")])
        }
        guard FileKind(info) == .directory else {
            let whole = (argument as NSString).lastPathComponent == GradeInput.resultFileName
            return GradeInputListing(inputs: [GradeInput(source: .file(argument), name: argument, isWholeDocument: whole)])
        }
        var walk = DirectoryWalk()
        walk.visit(argument, info)
        guard !walk.found.isEmpty || !walk.listing.issues.isEmpty else { throw GradeInputError.noResults(argument) }
        walk.listing.inputs = walk.found.sorted().map { GradeInput(source: .file($0), name: $0, isWholeDocument: true) }
        walk.listing.issues.sort { $0.source.file < $1.source.file }
        return walk.listing
    }

    /// The paths `inputs(at:)` lists (for callers that read the files themselves).
    public static func files(at path: String) throws -> [String] {
        try inputs(at: path).inputs.compactMap { input in
            if case .file(let path) = input.source { return path }
            return nil
        }
    }
}

/// The kinds of directory entry the walk tells apart (from `st_mode`).
enum FileKind: Equatable {
    case regular, directory, symbolicLink, other(String)

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .other("a FIFO")
        case S_IFSOCK: self = .other("a socket")
        case S_IFCHR: self = .other("a character device")
        case S_IFBLK: self = .other("a block device")
        default: self = .other("not a regular file")
        }
    }
}

/// Finds every `result.json` below a directory without opening anything but directories: each
/// entry is `lstat`ed first, so a FIFO or device named `result.json` is reported, never opened
/// (opening a FIFO blocks until a writer comes). Symbolic links are followed (a run directory of
/// links to runs is common), each directory once, so a link cycle ends.
struct DirectoryWalk {
    var found: [String] = []
    var listing = GradeInputListing()
    var visited = Set<[UInt64]>()

    mutating func visit(_ directory: String, _ info: stat) {
        guard visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { return }
        guard let handle = opendir(directory) else {
            listing.issues.append(GradeIssue(file: directory, reason: "cannot read directory: \(String(cString: strerror(errno)))"))
            return
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(handle)
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let isResult = name == GradeInput.resultFileName
            var entry = stat()
            guard lstat(path, &entry) == 0 else {
                if isResult { listing.issues.append(GradeIssue(file: path, reason: "cannot read: \(String(cString: strerror(errno)))")) }
                continue
            }
            var kind = FileKind(entry)
            if kind == .symbolicLink {
                guard stat(path, &entry) == 0 else {
                    if isResult { listing.issues.append(GradeIssue(file: path, reason: "dangling symbolic link (\(String(cString: strerror(errno))))")) }
                    continue
                }
                kind = FileKind(entry)
            }
            switch kind {
            case .regular where isResult: found.append(path)
            case .directory:
                if isResult { listing.issues.append(GradeIssue(file: path, reason: "is a directory, not a result file")) }
                visit(path, entry)
            case .other(let what) where isResult:
                listing.issues.append(GradeIssue(file: path, reason: "not a regular file (\(what)); not opened"))
            default: break
            }
        }
    }
}

extension GradeInputReader {
    /// Parses one input's lines in order and hands each to `consume` on the calling thread's turn
    /// (parsing runs on all cores, `consume` sees one line at a time, in input order): for callers
    /// that must act on lines one by one, such as live mode. Returns a problem with the input as
    /// a whole (cannot open, read error), if any.
    public static func forEachRecord(of input: GradeInput, consume: (LineSource, Result<GradeRecord, GradeIssue>) -> Void) -> GradeIssue? {
        GradeInputStream.forEachLine(of: input, chunkSize: defaultChunkSize, transform: { ($0, $1) }, consume: { consume($0.0, $0.1) })
    }
}
