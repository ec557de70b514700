import ArgumentParser
import Foundation
import ThorFrames
import ThorJSON
import ThorModel
import ThorGrade
import ThorSim
import ThorStore

struct Frames: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Index recorded frames (PNG files of evaluation runs) into the store.",
        subcommands: [FramesImport.self, FramesList.self])
}

struct FramesImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Index the frames of run directories: PNG header, content hash, run, step, action, replayed state.",
        discussion: """
            Walks each DIR for run directories in the reference layout (<model>/<run>/ holding <scene>_<step>_<action>[_<object>].png, and result.json or run.log) and indexes each frame: path, SHA-256, byte size, width, height, bit depth and colour type from the PNG header (IHDR, read with libpng), the chunk structure checked (CRCs, IEND: a truncated or corrupt file is caught without decoding it), run, model, scene, task identity, step, action, object, the run's success flag for the step, and the symbolic state after the step (agent pose, held object, open/closed state of what is in view), found by replaying the run's recorded actions in the simulator. Replaying needs the benchmark in the store (thor-lite import); without it frames are indexed without state.

            Importing again adds nothing; a file whose size and mtime are unchanged is not re-read; a moved file is found again by its hash (its row gets the new path). A file that cannot be indexed (not a PNG, truncated, corrupt, unreadable, badly named) is reported on stderr as "path: reason"; the others are indexed and committed, and the exit status is 1.

            Examples:
              thor-lite frames import ../shared/recorded_runs
              thor-lite frames import runs/Qwen_Qwen2.5-VL-7B-Instruct --store my.sqlite
            """)

    @Argument(help: ArgumentHelp("Run directories, directories above them, or PNG files.", valueName: "dir"))
    var directories: [String]

    @Flag(name: .shortAndLong, help: "No summary line.")
    var quiet = false

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let started = Date()
            let store = try storeOptions.openForWriting()
            let scan = FrameImporter.scan(directories, known: try store.knownFrames(), replay: try StoreReplay.source(store))
            let changes = try store.indexFrames(scan.records)
            for issue in scan.issues { printError(issue.description) }
            if !quiet {
                let stateless = scan.records.filter { $0.state == nil }.count
                try Output.print("frames: \(scan.records.count) indexed from \(scan.runs) run director\(scan.runs == 1 ? "y" : "ies") "
                    + "(\(changes.added) added, \(changes.updated) updated, \(changes.moved) moved, \(changes.unchanged) unchanged; "
                    + "\(scan.filesRead) files read), \(stateless) without state, \(scan.issues.count) not indexed, "
                    + "in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
            }
            if !scan.issues.isEmpty { throw ExitCode(1) }
        }
    }
}

struct FramesList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the indexed frames of a run (<model>/<run>) or a scene.",
        discussion: """
            Examples:
              thor-lite frames list \\
                Qwen_Qwen2.5-VL-7B-Instruct/10_single_search_FloorPlan1_10
              thor-lite frames list FloorPlan1 --json
            """)

    @Argument(help: ArgumentHelp("A run (<model>/<run>) or a scene name.", valueName: "run-or-scene"))
    var key: String

    @Flag(help: "One JSON object per frame, one per line.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            var frames = try store.frames(run: key)
            if frames.isEmpty { frames = try store.frames(scene: key) }
            guard !frames.isEmpty else { throw CLIError.failed("no frames indexed for \(key)") }
            for frame in frames {
                if json {
                    try Output.print(FrameJSON.value(frame).compact)
                } else {
                    let pose = frame.state.map { String(format: "(%.2f, %.2f) %3.0f°", $0.x, $0.z, $0.yaw) + ($0.held.map { " holding \($0)" } ?? "") } ?? "no state"
                    try Output.print("\(frame.run) step \(frame.step) \(frame.action)\(frame.objectType.map { " " + $0 } ?? "")  \(frame.width)×\(frame.height)  \(pose)  \(frame.path)")
                }
            }
        }
    }
}

/// Frame records as JSON (the project's one writer).
enum FrameJSON {
    static func value(_ frame: FrameRecord) -> JSONValue {
        var fields: [String: JSONValue] = [
            "path": .string(frame.path), "sha256": .string(frame.contentHash), "bytes": .int(frame.byteSize),
            "width": .int(frame.width), "height": .int(frame.height), "bit_depth": .int(frame.bitDepth),
            "color_type": .int(frame.colorType), "run": .string(frame.run), "model": .string(frame.model),
            "scene": .string(frame.scene), "task": frame.taskIdentity.map { ReportWriters.json(TaskIdentity(parsing: $0)) } ?? .null,
            "step": .int(frame.step), "action": .string(frame.action), "object": frame.objectType.map(JSONValue.string) ?? .null,
            "recorded_success": frame.recordedSuccess.map(JSONValue.bool) ?? .null,
            "state_note": frame.stateNote.map(JSONValue.string) ?? .null,
        ]
        if let view = frame.view { fields["view"] = .int(view) }
        fields["state"] = frame.state.map { state in
            .object([
                "x": .double(state.x), "z": .double(state.z), "yaw": .double(state.yaw),
                "held": state.held.map(JSONValue.string) ?? .null, "source": .string(state.source),
                "open_in_view": .object(Dictionary(state.openInView.map { ($0.id, JSONValue.bool($0.open)) }, uniquingKeysWith: { a, _ in a })),
            ])
        } ?? .null
        return .object(fields)
    }
}

/// Scenes, tasks and approach poses from the store, for replaying runs (scenes compiled once).
enum StoreReplay {
    static func source(_ store: ThorStore) throws -> ReplaySource {
        let cache = SceneCache(store: store)
        let poses = try store.approachPoses()
        return ReplaySource(
            scene: { cache.scene($0) },
            task: { try? store.task($0) },
            approachPoses: poses)
    }
}

/// Compiled scenes by name, built on first use.
final class SceneCache: @unchecked Sendable {
    let store: ThorStore
    private var scenes: [String: CompiledScene?] = [:]
    private let lock = NSLock()

    init(store: ThorStore) { self.store = store }

    func scene(_ name: String) -> CompiledScene? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = scenes[name] { return cached }
        let compiled = (try? store.scene(named: name)).flatMap { $0 }.map(CompiledScene.init)
        scenes[name] = compiled
        return compiled
    }
}
