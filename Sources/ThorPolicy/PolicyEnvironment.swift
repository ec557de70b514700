import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

/// What a policy sees after each step.
public struct Observation: Hashable, Sendable {
    /// The action as the loop read it (`navigate to`, `pickup`, ..., `error`, `end`).
    public var action: String
    public var object: String?
    public var objectId: String?
    public var success: Bool
    /// Why the step failed, from thor-lite's error taxonomy.
    public var error: StepError?
    /// The reference's feedback text (empty on success).
    public var feedback: String
    /// Types navigable so far (the reference's `legal_locations`).
    public var navigable: [String]
    /// Types interactable now (the reference's `legal_objects`).
    public var interactable: [String]
    /// The held object's type and id, if any.
    public var heldType: String?
    public var heldId: String?
    /// Entries in the trajectory so far (init included).
    public var step: Int
    public var isDone: Bool
    /// The best recorded frame for this step's scene, pose and state (indexed by `thor-lite
    /// frames import`), or nil when none is indexed; on a live catalog, the frame Unity rendered.
    public var frame: String?
    /// How `frame` matched: `exact` (same state), `same pose`, or `live` (Unity's own).
    public var frameMatch: FrameMatch? = nil
}

/// A policy's view of one episode at a time: load a task, `reset`, `step` with an action or a raw
/// model response, read `metrics`. The same reference loop `grade --mode simulate` runs, so a
/// policy unit test sees exactly what grading will.
///
/// - Actions: a plain action in key-action form (`navigate to Fridge`, `put in Fridge`, `end`) or
///   a raw model response whose `<DecisionMaking>` text is parsed as the reference parses it.
/// - Observation: `Observation`, the last trajectory entry with the world's view after it.
/// - Reward: `reward`, the completeness the last step gained (the reference's key-action reward,
///   `end` included); over an episode it sums to the final `completeness`.
/// - Termination: `isDone`; `terminated` when the policy said `end` or the repeat cut-off ended
///   the episode, `truncated` when the step budget ran out.
public final class PolicyEnvironment {
    /// Tasks, compiled scenes, poses and frame keys, shared by every environment on the store.
    public let catalog: EpisodeCatalog
    var store: ThorStore { catalog.store }
    var approachPoses: [String: ApproachPose] { catalog.approachPoses }
    var runner: EpisodeRunner?
    /// The recorded frames of the current task's scene.
    var frames: FrameLookup?
    /// The current task with what its episodes share (the metric's view, its reply fields).
    private(set) var entry: EpisodeCatalog.Entry?
    public var task: BenchmarkTask? { entry?.task }
    /// The reference metrics of the trajectory so far, fed each new entry as the runner makes it
    /// (O(1) a step: re-evaluating the whole trajectory after a step that could score was an
    /// eighth of a batched step). Nil before the first reset.
    var metric: RunningReferenceMetric?
    /// The completeness the last step gained (0 after `reset`).
    public private(set) var reward = 0.0
    /// The observation's type lists as last written into a reply (`ServeSession`).
    let encodedNames = EncodedNames()
    /// This environment's sidecar and live episode, on a live catalog (made on first reset).
    var live: LiveSession?

    public convenience init(store: ThorStore) throws {
        self.init(catalog: try EpisodeCatalog(store: store))
    }

    /// An environment sharing `catalog` (tasks read once, scenes compiled once) with others.
    public init(catalog: EpisodeCatalog) {
        self.catalog = catalog
    }

    public enum EnvironmentError: Error, CustomStringConvertible {
        case unknownTask(TaskIdentity)
        case unknownScene(String, TaskIdentity)
        case noEpisode
        case episodeEnded
        /// The live bridge could not run the episode (a crashed or hung sidecar, no display).
        case live(String)

        public var description: String {
            switch self {
            case .unknownTask(let identity): "no task \(identity) in the store"
            case .unknownScene(let scene, let identity): "scene \(scene) of task \(identity) is not in the store"
            case .noEpisode: "call reset with a task first"
            case .episodeEnded: "the episode has ended; call reset to start another"
            case .live(let why): "live: \(why)"
            }
        }
    }

    /// Starts an episode on a task: the world at the start pose, the `init` step executed.
    @discardableResult
    public func reset(task identity: TaskIdentity) throws -> Observation {
        try start(task: identity)
        return observation()
    }

    /// One model call: `text` is a raw response (anything with `<DecisionMaking>`) or a plain
    /// action such as `navigate to Fridge`.
    @discardableResult
    public func step(_ text: String) throws -> Observation {
        try advance(text)
        return observation()
    }

    /// `reset` without building the observation (`serve` writes it from the environment).
    func start(task identity: TaskIdentity) throws {
        try start(try catalog.entry(identity))
    }

    /// `start(task:)` with the task's entry looked up already.
    func start(_ entry: EpisodeCatalog.Entry) throws {
        let task = entry.task
        var runner = EpisodeRunner(world: entry.start, taskType: task.taskType)
        if let options = catalog.live {
            // One sidecar per environment, kept across its episodes.
            let session = live ?? LiveSession(options: options)
            live = session
            runner.backend = try session.begin(task: task, world: runner.world, approachPoses: approachPoses)
        }
        runner.advance()
        if let failure = runner.backendFailure, let live {
            // No episode now: the previous one's state goes too (a state request sees none).
            self.runner = nil
            self.entry = nil
            metric = nil
            reward = 0
            throw live.failed(failure, task: task)
        }
        self.runner = runner
        self.entry = entry
        frames = entry.frames
        metric = entry.emptyMetric
        extendMetric()
        reward = 0
    }

    /// `step` without building the observation.
    func advance(_ text: String) throws {
        guard let done = runner?.isDone else { throw EnvironmentError.noEpisode }
        guard !done else { throw EnvironmentError.episodeEnded }
        // Mutated in place: a copy of the runner would copy its world and trajectory every step.
        runner?.receive(Self.isResponse(text) ? .response(text) : .planStep(text))
        runner?.advance()
        if let failure = runner?.backendFailure, let live, let task {
            // The episode has ended (the runner is done); the next reset starts a new sidecar.
            throw live.failed(failure, task: task)
        }
        let before = metric?.completeness ?? 0
        extendMetric()
        reward = (metric?.completeness ?? 0) - before
        if let live, let runner, runner.isDone, let task, let metrics = metric?.metrics {
            try live.record(task: task, steps: runner.steps, metrics: metrics)
        }
    }

    public var isDone: Bool { runner?.isDone ?? false }

    /// How the episode ended: nil while running or when the policy said `end`.
    public var endReason: StepError? { runner?.endReason }

    /// The episode ended by the policy's `end` or the repeat cut-off (Gymnasium's `terminated`).
    public var terminated: Bool { isDone && endReason != .budgetExhausted }

    /// The episode ended because the step budget ran out (Gymnasium's `truncated`).
    public var truncated: Bool { endReason == .budgetExhausted }

    /// The trajectory so far, in the reference's shape plus error kinds.
    public var steps: [EpisodeStep] { runner?.steps ?? [] }

    /// The reference metrics of the trajectory so far (final once `isDone`).
    public var metrics: TaskMetrics? {
        get throws { metric?.metrics }
    }

    /// Feeds the runner's new steps to the metric. `runner?.steps`, not `guard let runner`:
    /// binding the runner copies it (a retain per field of its world), which was a fifth of a
    /// step's time.
    func extendMetric() {
        guard let steps = runner?.steps, let known = metric?.count, steps.count > known else { return }
        // The metric reads legal objects only where `Grader.score` spells them out: spelling
        // every entry's out was a twentieth of a step.
        let readsLegal = entry?.readsLegalObjects ?? true
        for step in steps[known...] {
            let legal = readsLegal && step.action.containsBytes(of: "end") ? step.legalObjects : []
            metric?.append(TrajectoryEntry(action: step.action, object: step.object, success: step.success, legalObjects: legal))
        }
    }

    /// Whether a step's text is a raw model response: it holds `<DecisionMaking>` as Foundation's
    /// `contains` finds it (through `NSString`: a twentieth of a step), decided on bytes when that
    /// gives the same answer. No other byte sequence is canonically equivalent to the ASCII tag,
    /// so without its bytes there is no match; in ASCII text every byte is a character, so with
    /// them there is one. Only non-ASCII text with the tag's bytes asks Foundation (a combining
    /// mark after `>` makes another character).
    static func isResponse(_ text: String) -> Bool {
        guard text.containsBytes(of: "<DecisionMaking>") else { return false }
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return true }
        return text.contains("<DecisionMaking>")
    }

    /// Live only: where Unity and the simulator disagreed in this episode so far (nil in the
    /// simulator, or before the first live reset).
    public var divergence: DivergenceReport? {
        guard let live, let runner, let task else { return nil }
        return live.divergence(task: task, steps: runner.steps)
    }

    /// Whether every required end-state fact holds: `goalFacts.allSatisfy(\.holds)` without
    /// comparing the task with the world's (the world was made for it: `Entry.start`).
    var goalSuccess: Bool {
        if let shadow = live?.episode?.shadow { return GoalCheck.reportOnOwnTask(in: shadow).success }
        // Read in place: binding the runner's world copies it (a retain per field).
        return runner?.world.ownGoalHolds ?? true
    }

    /// The end-state facts of the task, checked on the current world.
    public var goalFacts: [GoalFact] {
        guard let runner, let task else { return [] }
        // Live: the shadow simulator's state (the runner's world is not stepped).
        return GoalCheck.facts(for: task, in: live?.episode?.shadow ?? runner.world)
    }

    /// What the policy sees after the last step (`serve` writes the same values straight from
    /// the step, `ObservationView`).
    func observation() -> Observation {
        guard let steps = runner?.steps, let last = steps.last, let isDone = runner?.isDone else {
            return Observation(action: "", success: false, feedback: "", navigable: [], interactable: [], step: 0, isDone: false)
        }
        let (held, frame) = heldAndFrame()
        return Observation(
            action: last.action, object: last.object, objectId: last.objectId, success: last.success, error: last.error,
            feedback: last.feedback, navigable: last.legalLocations, interactable: last.legalObjects, heldType: held.type,
            heldId: held.id, step: steps.count, isDone: isDone, frame: frame?.path, frameMatch: frame?.match)
    }

    /// The held object's type and id and the step's frame: Unity's on a live episode, else the
    /// world's held object and the best recorded frame.
    func heldAndFrame() -> (held: (type: String?, id: String?), frame: (path: String, match: FrameMatch)?) {
        if let episode = live?.episode {
            return ((episode.held?.type, episode.held?.id), episode.frame.map { ($0, .live) })
        }
        guard let held = runner?.world.held else { return ((nil, nil), recordedFrame()) }
        return ((runner?.world.scene.typeName(ofObject: held), runner?.world.scene.scene.objects[held].objectId), recordedFrame())
    }
}

/// A legal list of an observation: the scene's type-id set with its sorted name table (the
/// simulator's), or names (a live backend's, the repeat cut-off's empty lists).
enum TypeList {
    case types(TypeSet, table: [String])
    case names([String])

    init(_ types: (types: TypeSet, table: [String])?, names: () -> [String]) {
        self = types.map { .types($0.types, table: $0.table) } ?? .names(names())
    }

    /// Whether both spell the same list. Tables compare by identity first (`Array ==`), so two
    /// sets of one scene compare in a few word operations.
    func spellsSame(as other: TypeList) -> Bool {
        switch (self, other) {
        case (.types(let a, let tableA), .types(let b, let tableB)) where tableA == tableB: a == b
        case (.names(let a), .names(let b)): a == b
        // A new environment's first list, and the repeat cut-off's, against an empty list.
        case (.types(let set, _), .names(let names)) where names.isEmpty, (.names(let names), .types(let set, _)) where names.isEmpty:
            set.isEmpty
        // Sets of two scenes (a reset): most differ in size already.
        case (.types(let a, _), .types(let b, _)) where a.count != b.count: false
        default: names == other.names
        }
    }

    var names: [String] {
        switch self {
        case .types(let set, let table): table.indices.filter(set.contains).map { table[$0] }
        case .names(let names): names
        }
    }

    /// Replaces `json` with the list as a JSON array, in the order `EpisodeStep`'s lists spell
    /// it (ascending type id); a set of `rendered`'s table is copied from its names already in
    /// JSON.
    func encode(into json: inout [UInt8], rendered: RenderedTypeNames?) {
        json.removeAll(keepingCapacity: true)
        if case .types(let set, let table) = self, let rendered, rendered.table == table {
            return rendered.encode(set, into: &json)
        }
        var writer = JSONWriter(reserving: 16 * names.count + 2)
        writer.strings(names)
        json.append(contentsOf: writer.bytes)
    }
}

/// A scene's type names as JSON strings, by type id, made once per scene: a list is then written
/// by copying bytes, without checking each name for characters to escape.
final class RenderedTypeNames: Sendable {
    let table: [String]
    /// Every name as a JSON string, back to back; name `id` is `names[offsets[id]..<offsets[id + 1]]`.
    let names: [UInt8]
    let offsets: [Int]

    init(_ table: [String]) {
        self.table = table
        var names: [UInt8] = []
        names.reserveCapacity(table.count * 16)
        var offsets = [0]
        for name in table {
            var one = JSONWriter(reserving: name.utf8.count + 2)
            one.string(name)
            names.append(contentsOf: one.bytes)
            offsets.append(names.count)
        }
        self.names = names
        self.offsets = offsets
    }

    /// Appends the JSON array of the names in `set` (a set of this table's ids) to `json`: sized
    /// first, assembled in one temporary buffer and appended in one piece. Writing each name
    /// through the writer (a capacity and uniqueness check per piece) was a twelfth of a batched
    /// step's time.
    func encode(_ set: TypeSet, into json: inout [UInt8]) {
        var size = 2, count = 0
        set.forEach { id in
            // Ids outside the table (none: the set was made from it) are left out.
            guard id + 1 < offsets.count else { return }
            size += offsets[id + 1] - offsets[id]
            count += 1
        }
        size += 2 * max(0, count - 1)
        names.withUnsafeBufferPointer { names in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { piece in
                // `size` is exactly the bytes written below: the brackets, each name's bytes
                // (the same ids as above) and two separator bytes between names.
                var at = 0
                piece[at] = UInt8(ascii: "[")
                at += 1
                set.forEach { id in
                    guard id + 1 < offsets.count else { return }
                    if at > 1 {
                        piece[at] = UInt8(ascii: ",")
                        piece[at + 1] = UInt8(ascii: " ")
                        at += 2
                    }
                    let start = offsets[id], end = offsets[id + 1]
                    _ = UnsafeMutableBufferPointer(rebasing: piece[at..<(at + end - start)])
                        .initialize(from: UnsafeBufferPointer(rebasing: names[start..<end]))
                    at += end - start
                }
                piece[at] = UInt8(ascii: "]")
                json.append(contentsOf: UnsafeBufferPointer(piece))
            }
        }
    }
}

extension World {
    /// Whether the goal facts of the world's own task hold (`PolicyEnvironment.goalSuccess`).
    var ownGoalHolds: Bool { GoalCheck.reportOnOwnTask(in: self).success }
}
