import Dispatch
import Foundation
import ThorGrade
import ThorModel

/// A file the frame importer could not index, and why.
public struct FrameIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// What a scan found: frame records ready for the store, and the files it could not index.
public struct FrameScan: Sendable {
    public var records: [FrameRecord] = []
    public var issues: [FrameIssue] = []
    /// Files whose bytes were read (new or changed); the others matched the store by size and mtime.
    public var filesRead = 0
    public var runs = 0
}

/// Walks run directories and builds a `FrameRecord` per PNG: header (IHDR, through libpng),
/// chunk/CRC integrity, SHA-256, run fields, and the replayed state after the frame's step.
public enum FrameImporter {
    /// Scans `roots` (run directories, or any directory above them, or single PNG files).
    /// `known` (the store's frames by path) lets unchanged files be skipped without reading them.
    public static func scan(_ roots: [String], known: [String: FrameRecord] = [:], replay: ReplaySource?) -> FrameScan {
        var scan = FrameScan()
        var byDirectory: [String: [String]] = [:]
        for root in roots {
            let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                // A missing root (or a dangling link given as one) is reported; the others are scanned.
                scan.issues.append(FrameIssue(path: absolute, reason: "no such file or directory"))
                continue
            }
            if !isDirectory.boolValue {
                byDirectory[(absolute as NSString).deletingLastPathComponent, default: []].append(absolute)
                continue
            }
            guard let walker = FileManager.default.enumerator(atPath: absolute) else {
                scan.issues.append(FrameIssue(path: absolute, reason: "cannot list the directory"))
                continue
            }
            while let relative = walker.nextObject() as? String {
                guard relative.lowercased().hasSuffix(".png") else { continue }
                let path = absolute + "/" + relative
                byDirectory[(path as NSString).deletingLastPathComponent, default: []].append(path)
            }
        }
        // Runs are read and replayed on all cores, then every file is read on all cores, then the
        // records are put together run by run in path order.
        let directories = byDirectory.keys.sorted()
        let filesByDirectory = directories.map { Array(Set(byDirectory[$0] ?? [])).sorted() }
        let prepared = ResultSlots<(run: RecordedRun, named: [(path: String, name: FrameName)], replayed: RunReplay?, issues: [FrameIssue])>(count: directories.count)
        let runWorkers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), max(directories.count, 1))
        DispatchQueue.concurrentPerform(iterations: runWorkers) { worker in
            var index = worker
            while index < directories.count {
                var issues = FrameScan()
                let run = prepareRun(directory: directories[index], files: filesByDirectory[index], replay: replay, into: &issues)
                prepared.set(index, (run.run, run.named, run.replayed, issues.issues))
                index += runWorkers
            }
        }
        var runs: [(run: RecordedRun, named: [(path: String, name: FrameName)], replayed: RunReplay?)] = []
        for entry in prepared.values {
            scan.issues += entry.issues
            runs.append((entry.run, entry.named, entry.replayed))
        }
        scan.runs = runs.count
        let contents = readAll(runs.flatMap { $0.named.map(\.path) }, known: known)
        var next = 0
        for (run, named, replayed) in runs {
            let files = contents[next..<next + named.count]
            next += named.count
            assemble(run: run, named: named, replayed: replayed, contents: Array(files), into: &scan)
        }
        return scan
    }

    /// Reads a run's record, checks its frame names and replays it.
    static func prepareRun(directory: String, files: [String], replay: ReplaySource?, into scan: inout FrameScan)
        -> (run: RecordedRun, named: [(path: String, name: FrameName)], replayed: RunReplay?) {
        let run: RecordedRun
        do {
            run = try RecordedRun.read(directory: directory)
        } catch {
            // The frames are still worth indexing; the run's own record is reported.
            scan.issues.append(FrameIssue(path: directory, reason: String(describing: error)))
            run = RecordedRun(directory: directory)
        }
        var named: [(path: String, name: FrameName)] = []
        for file in files {
            if let name = FrameName(fileName: (file as NSString).lastPathComponent) {
                named.append((file, name))
            } else {
                scan.issues.append(FrameIssue(path: file, reason: "the name does not follow <scene>_<step>_<action>[_<object>].png"))
            }
        }
        return (run, named, replay.map { RunReplay(run: run, frames: named.map(\.name), source: $0) })
    }

    /// One record per readable frame of a run; the others become issues.
    static func assemble(run: RecordedRun, named: [(path: String, name: FrameName)], replayed: RunReplay?,
                         contents: [Result<FileFacts, FrameIssue>], into scan: inout FrameScan) {
        for ((path, name), content) in zip(named, contents) {
            switch content {
            case .failure(let issue):
                scan.issues.append(issue)
            case .success(let file):
                if file.wasRead { scan.filesRead += 1 }
                let owned = run.owns(name)
                var state = owned ? replayed?.states[name.step] : nil
                if let view = name.view, var turned = state {
                    // observe saves three views, turning left 90° before each (RocAgent.observe).
                    turned.yaw = ((turned.yaw - 90 * Double(view + 1)).truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360)
                    state = turned
                }
                let note: String? = if !owned {
                    "an intermediate frame: the run records \(run.step(number: name.step)?.action ?? "?") at step \(name.step), not \(name.action)"
                } else if let replayed {
                    state == nil ? (replayed.failure ?? "the replay has no step \(name.step)") : replayed.notes[name.step]
                } else {
                    "not replayed (no store)"
                }
                scan.records.append(FrameRecord(
                    path: path, contentHash: file.hash, byteSize: file.size, modified: file.modified,
                    width: file.header.width, height: file.header.height, bitDepth: file.header.bitDepth,
                    colorType: file.header.colorType, run: run.run ?? "", model: run.modelFolder ?? "", scene: run.scene ?? name.scene,
                    taskIdentity: run.identity?.description, step: name.step, action: name.action, objectType: name.object,
                    view: name.view, recordedSuccess: owned ? run.step(number: name.step)?.succeeded : nil,
                    state: state, stateNote: note))
            }
        }
    }

    /// What reading one file gave.
    struct FileFacts: Sendable {
        var header: PNGHeader
        var hash: String
        var size: Int
        var modified: Double
        var wasRead: Bool
    }

    /// Reads files on all cores: stat, and for new or changed files the bytes, the IHDR, the
    /// chunk check and the SHA-256. Results come back in input order.
    static func readAll(_ paths: [String], known: [String: FrameRecord]) -> [Result<FileFacts, FrameIssue>] {
        let results = ResultSlots<Result<FileFacts, FrameIssue>>(count: paths.count)
        let workers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), max(paths.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var buffer = Data()
            var index = worker
            while index < paths.count {
                results.set(index, read(paths[index], known: known[paths[index]], buffer: &buffer))
                index += workers
            }
        }
        return results.values
    }

    static func read(_ path: String, known: FrameRecord?, buffer: inout Data) -> Result<FileFacts, FrameIssue> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(FrameIssue(path: path, reason: "cannot read: \(String(cString: strerror(errno)))"))
        }
        let size = Int(info.st_size)
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if let known, known.byteSize == size, known.modified == modified, !known.contentHash.isEmpty {
            let header = PNGHeader(width: known.width, height: known.height, bitDepth: known.bitDepth, colorType: known.colorType)
            return .success(FileFacts(header: header, hash: known.contentHash, size: size, modified: modified, wasRead: false))
        }
        do {
            try FileBytes.read(path, into: &buffer)
            return try buffer.withUnsafeBytes { bytes in
                let header = try PNG.header(of: UnsafeRawBufferPointer(rebasing: bytes.prefix(33)))
                try PNG.checkChunks(bytes)
                return .success(FileFacts(header: header, hash: SHA256.hex(bytes), size: bytes.count, modified: modified, wasRead: true))
            }
        } catch let error as FileReadError {
            return .failure(FrameIssue(path: path, reason: "cannot read: \(error.reason)"))
        } catch {
            return .failure(FrameIssue(path: path, reason: String(describing: error)))
        }
    }
}

/// Fixed slots filled from several threads, each index written once.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [T] { slots.compactMap { $0 } }
}
