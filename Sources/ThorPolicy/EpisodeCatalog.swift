import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

/// What every episode on one store shares, read from the store once and then kept in memory: the
/// tasks (all of them, in one query, on first use), each scene compiled once, the hand-set
/// approach poses, and the keys of the scene's recorded frames. A reset is then a dictionary
/// lookup, not a SQLite query, and many environments (a `VectorEnvironment`, threads) share one
/// catalog.
///
/// It is a `WorldSource`, so grading can share it too (the CLI's `StoreWorlds` and the other
/// per-command scene caches could become this one).
///
/// Frames indexed by `thor-lite frames import` after a scene was first used are not seen until a
/// new catalog is made (a new `serve` process).
public final class EpisodeCatalog: WorldSource, @unchecked Sendable {
    public let store: ThorStore
    public let approachPoses: [String: ApproachPose]
    /// Set for `serve --backend live`: episodes run on real AI2-THOR through the bridge, each
    /// environment with its own sidecar. Nil (the default) runs them in the simulator.
    public let live: LiveEpisodeOptions?
    // Filled on first use under `lock`; the values handed out are immutable or thread-safe.
    private var tasks: [String: BenchmarkTask]?
    /// Tasks looked up so far, with the outcome of the scorability check.
    private var checked: [String: Result<Entry, any Error>] = [:]
    /// Scenes compiled once and each task's starting world built once (shared with grading).
    private let worlds: EpisodeWorlds
    private var frames: [String: FrameLookup] = [:]
    private var renderedTypeNames: [String: RenderedTypeNames] = [:]
    private let lock = NSLock()

    public init(store: ThorStore, live: LiveEpisodeOptions? = nil) throws {
        self.store = store
        self.live = live
        approachPoses = try store.approachPoses()
        worlds = EpisodeWorlds(approachPoses: approachPoses) { try store.scene(named: $0) }
    }

    /// The task with this identity (`7` and `"7"` are the same task, as in the store), checked
    /// once to be scorable by the reference metric.
    public func task(_ identity: TaskIdentity) throws -> BenchmarkTask {
        try entry(identity).task
    }

    /// A task with what every episode of it reads unchanged, made on its first lookup: the
    /// metric's view of it and its reply fields as JSON. Handed out as one reference (a
    /// `BenchmarkTask` copied is a retain per field, every step).
    final class Entry: Sendable {
        let task: BenchmarkTask
        /// The task's starting world, copied by every reset: no lock, lookup or comparison of
        /// the task with the world's per reset (the world source's check, once here).
        let start: World
        /// The recorded frames of the task's scene.
        let frames: FrameLookup
        /// The scene's type names as JSON (shared by the scene's tasks).
        let typeNames: RenderedTypeNames
        /// The metric before the first entry, copied by every reset (its scored key actions
        /// filtered once per task).
        let emptyMetric: RunningReferenceMetric
        /// The metric reads legal objects only on `end` entries of single_search tasks.
        let readsLegalObjects: Bool
        /// The identity as JSON, typed as in the task file (`7`, `"7a"`).
        let identityJSON: [UInt8]
        /// The info members `scene`, `task`, `taskname`, `taskquery`, `tasktype` (sorted), as
        /// written into an object.
        let infoFields: [UInt8]

        /// Throws for a task the metric cannot score.
        init(_ task: BenchmarkTask, start: World, frames: FrameLookup, typeNames: RenderedTypeNames) throws {
            self.task = task
            self.start = start
            self.frames = frames
            self.typeNames = typeNames
            emptyMetric = try RunningReferenceMetric(task: TaskReference(task))
            readsLegalObjects = task.taskType.utf8.elementsEqual("single_search".utf8)
            var json = JSONWriter(reserving: 16)
            ReportWriters.write(task.identity, into: &json)
            identityJSON = json.bytes
            json = JSONWriter(reserving: 256)
            json.key("scene"); json.string(task.scene)
            json.key("task"); identityJSON.withUnsafeBufferPointer { json.raw($0) }
            json.key("taskname"); json.string(task.taskName)
            json.key("taskquery"); json.string(task.taskQuery)
            json.key("tasktype"); json.string(task.taskType)
            infoFields = json.bytes
        }
    }

    func entry(_ identity: TaskIdentity) throws -> Entry {
        lock.lock()
        defer { lock.unlock() }
        let key = identity.description
        if let checked = checked[key] { return try checked.get() }
        if tasks == nil {
            tasks = Dictionary(try store.allTasks().map { ($0.identity.description, $0) }, uniquingKeysWith: { first, _ in first })
        }
        guard let task = tasks?[key] else { throw PolicyEnvironment.EnvironmentError.unknownTask(identity) }
        // A task the metric cannot score, or whose scene is missing, is refused before an episode
        // starts (so a batched step refuses a reset slot naming it before any environment moves).
        let result = Result { () throws -> Entry in
            let start = try world(for: task)
            return try Entry(task, start: start, frames: frames(scene: task.scene), typeNames: typeNames(start.scene))
        }
        checked[key] = result
        return try result.get()
    }

    /// The scene a task plays in, compiled on first use.
    public func scene(of task: BenchmarkTask) throws -> CompiledScene {
        try world(for: task).scene
    }

    /// A fresh world for a task: its scene at the start pose (a copy of the task's starting world,
    /// built once).
    public func world(for task: BenchmarkTask) throws -> World {
        do {
            return try worlds.world(for: task)
        } catch let missing as EpisodeWorlds.MissingScene {
            throw PolicyEnvironment.EnvironmentError.unknownScene(missing.scene, missing.task)
        }
    }

    /// A scene's type names as JSON, made on first use. Called with `lock` held (by `entry`).
    private func typeNames(_ scene: CompiledScene) -> RenderedTypeNames {
        if let rendered = renderedTypeNames[scene.scene.name], rendered.table == scene.typeNames { return rendered }
        let rendered = RenderedTypeNames(scene.typeNames)
        renderedTypeNames[scene.scene.name] = rendered
        return rendered
    }

    /// The recorded frames of a scene by state and by pose, read on first use.
    /// Called with `lock` held (by `entry`).
    private func frames(scene: String) -> FrameLookup {
        if let lookup = frames[scene] { return lookup }
        let lookup = FrameLookup((try? store.frames(scene: scene)) ?? [])
        frames[scene] = lookup
        return lookup
    }
}

/// A scene's recorded frames by replayed state and by pose: for each key the first frame in the
/// store's order (run, step, path), as `ThorStore.frames(scene:stateKey:poseKey:)` lists them.
struct FrameLookup: Sendable {
    var byState: [String: String] = [:]
    var byPose: [String: String] = [:]

    var isEmpty: Bool { byState.isEmpty && byPose.isEmpty }

    init(_ records: [FrameRecord]) {
        for record in records {
            guard let state = record.state else { continue }
            if byState[state.stateKey] == nil { byState[state.stateKey] = record.path }
            if byPose[state.poseKey] == nil { byPose[state.poseKey] = record.path }
        }
    }

    /// The best frame for a state: one of exactly this state, else one of the same pose.
    func best(_ state: FrameState) -> (path: String, match: FrameMatch)? {
        if let path = byState[state.stateKey] { return (path, .exact) }
        if let path = byPose[state.poseKey] { return (path, .samePose) }
        return nil
    }
}
