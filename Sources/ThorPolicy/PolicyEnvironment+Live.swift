import Foundation
import ThorGrade
import ThorJSON
import ThorLive
import ThorModel
import ThorSim

/// How `serve --backend live` (and a `PolicyEnvironment` on a live catalog) runs episodes: on real
/// AI2-THOR through the bridge, each environment with its own sidecar.
///
/// ```swift
/// let live = LiveEpisodeOptions(bridge: BridgeConfiguration(python: "/usr/bin/python3", bridge: "bridge/thor_lite_bridge.py"))
/// let environment = PolicyEnvironment(catalog: try EpisodeCatalog(store: store, live: live))
/// try environment.reset(task: 7)   // starts a sidecar, loads the scene, runs init in Unity
/// ```
public struct LiveEpisodeOptions: Sendable {
    public var bridge: BridgeConfiguration
    /// When set, each finished episode is written here in the reference run layout
    /// (`<dir>/<model>/<identity>_<tasktype>_<scene>_<instruction>/`: frames, then `result.json`),
    /// as `grade --mode live --record` writes it; a task played again replaces its directory.
    public var recordDirectory: String?
    /// The model folder and `model` field of recorded runs.
    public var model: String
    /// Where frames go when not recording: one subdirectory per environment, emptied at each
    /// reset (a policy reads a frame before its next reset). `removeScratch()` deletes it.
    public var scratchDirectory: String

    public init(bridge: BridgeConfiguration, recordDirectory: String? = nil, model: String = "unknown", scratchDirectory: String? = nil) {
        self.bridge = bridge
        self.recordDirectory = recordDirectory
        self.model = model
        self.scratchDirectory = scratchDirectory
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("thor-lite-live-\(UUID().uuidString)")
    }

    /// Deletes the frames written outside a record directory.
    public func removeScratch() {
        try? FileManager.default.removeItem(atPath: scratchDirectory)
    }
}

/// One live episode: the bridge executes each action, and the simulator replays it from the state
/// Unity was in (the synchronised replay of `diverge`: a step Unity refused is tried on a copy,
/// then dropped). The shadow names the kind of a failure the wrapper did not explain
/// (`unity_rejected` when the simulator would have succeeded) and holds the state the goal check
/// reads, as `grade --mode live` does after the episode.
final class ShadowedLiveBackend: EpisodeBackend {
    let live: LiveBackend
    private(set) var shadow: World
    /// The task's world before `init`, where the divergence replay starts.
    let start: World
    /// The run directory when recording.
    let runDirectory: String?
    let started = Date()

    init(live: LiveBackend, shadow: World, runDirectory: String?) {
        self.live = live
        self.shadow = shadow
        start = shadow
        self.runDirectory = runDirectory
    }

    func execute(_ action: Action) throws -> BackendStep {
        var step = try live.execute(action)
        var trial = shadow
        let simulated = trial.step(action)
        if step.success {
            shadow = trial
        } else if step.error == nil {
            step.error = simulated.success ? .unityRejected : simulated.error
        }
        return step
    }

    /// The held object (the bridge's id) as the observation gives it: type and id.
    var held: (type: String, id: String)? {
        guard let id = live.replies.last?.held else { return nil }
        let objects = shadow.scene.scene.objects
        guard let index = objects.firstIndex(where: { $0.objectId == id }) else { return (String(id.prefix { $0 != "|" }), id) }
        return (shadow.scene.typeName(ofObject: index), id)
    }

    /// The latest frame Unity rendered: a step the wrapper refused takes none, so the view is the
    /// previous step's.
    var frame: String? { live.replies.last(where: { $0.frame != nil })?.frame }
}

/// The live side of one environment: its own sidecar connection, kept across episodes (the
/// connection starts a new sidecar after a crash, hang or garbage), closed with the environment.
final class LiveSession {
    let options: LiveEpisodeOptions
    let connection: BridgeConnection
    /// This environment's frames when not recording.
    let scratch: String
    var episode: ShadowedLiveBackend?

    init(options: LiveEpisodeOptions) {
        self.options = options
        connection = BridgeConnection(configuration: options.bridge)
        scratch = (options.scratchDirectory as NSString).appendingPathComponent(UUID().uuidString)
    }

    deinit { connection.close() }

    /// A backend for a new episode on `task`, its frames in a fresh directory.
    func begin(task: BenchmarkTask, world: World, approachPoses: [String: ApproachPose]) throws -> ShadowedLiveBackend {
        let runDirectory = options.recordDirectory.map { LiveGrader.runDirectory(root: $0, model: options.model, task: task) }
        let frames = runDirectory ?? scratch
        // A previous episode's frames (or an unfinished recording) are not this episode's.
        try? FileManager.default.removeItem(atPath: frames)
        do {
            try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        } catch {
            throw PolicyEnvironment.EnvironmentError.live("cannot create the frame directory \(frames): \(error.localizedDescription)")
        }
        let objects = Set(world.scene.scene.objects.map(\.objectId))
        let live = LiveBackend(connection: connection, task: task, approachPoses: approachPoses.filter { objects.contains($0.key) },
                               frameDirectory: frames)
        let backend = ShadowedLiveBackend(live: live, shadow: world, runDirectory: runDirectory)
        episode = backend
        return backend
    }

    /// The error for an episode the bridge could not finish; its partial recording is removed.
    func failed(_ failure: any Error, task: BenchmarkTask) -> PolicyEnvironment.EnvironmentError {
        let step = (episode?.live.replies.count ?? 0) + 1
        if let directory = episode?.runDirectory { try? FileManager.default.removeItem(atPath: directory) }
        episode = nil
        return .live("task \(task.identity) on \(task.scene) ended at step \(step): \(failure) (reset to start another episode; a new sidecar is started)")
    }

    /// The divergence report of the episode so far (`diverge`'s synchronised replay of the live
    /// trajectory, as `grade --mode live` reports it per task).
    func divergence(task: BenchmarkTask, steps: [EpisodeStep]) -> DivergenceReport? {
        guard let episode else { return nil }
        let run = LiveGrader.recordedRun(steps, replies: episode.live.replies, task: task, model: options.model,
                                         source: LineSource(file: "serve", line: 0))
        var report = DivergenceReport(mode: .synchronised)
        report.runs = [Divergence.replay(run, world: episode.start, reference: TaskReference(task), mode: .synchronised)]
        return report
    }

    /// Writes a finished episode's `result.json`, last and atomically, as `grade --mode live` does.
    func record(task: BenchmarkTask, steps: [EpisodeStep], metrics: TaskMetrics) throws {
        guard let episode, let directory = episode.runDirectory else { return }
        let document = LiveGrader.resultDocument(
            task: task, model: options.model, steps: steps, replies: episode.live.replies, metrics: metrics,
            seconds: Int(Date().timeIntervalSince(episode.started)), runDirectory: directory, bridge: connection.hello)
        let path = (directory as NSString).appendingPathComponent(GradeInput.resultFileName)
        do {
            try Data((document.pretty + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PolicyEnvironment.EnvironmentError.live("the episode ended but cannot be recorded: cannot write \(path): \(error.localizedDescription)")
        }
    }
}
