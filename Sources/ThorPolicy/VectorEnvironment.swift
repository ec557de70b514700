import Foundation
import ThorModel

/// What one slot of a batched step asks of its environment.
public enum VectorAction: Hashable, Sendable {
    /// One model call: a plain action or a raw response (see `PolicyEnvironment.step`).
    case act(String)
    /// Start a new episode on this task instead of stepping.
    case reset(TaskIdentity)
}

/// N episodes stepped together, for vectorised policies: one `step` call advances every
/// environment, on all cores when the batch is large enough to pay for the threads. The
/// environments share one `EpisodeCatalog`, so each scene is compiled once for the whole batch.
///
/// Autoreset follows Gymnasium 1.x's default (`AutoresetMode.NEXT_STEP`): an environment whose
/// episode ended on the previous step is reset by the next `step` call instead of stepped, its
/// action ignored; the slot reports the reset's observation with reward 0, neither terminated
/// nor truncated, and `wasReset`. It restarts on the task its slot names (`.reset(task)`), else
/// on the task it just finished.
public final class VectorEnvironment {
    public let catalog: EpisodeCatalog
    public private(set) var environments: [PolicyEnvironment] = []
    /// Batches of at least this many environments are stepped on all cores: below it, handing
    /// work to threads costs more than the steps (measured with bench/serve_bench.py).
    public var parallelThreshold = 16

    public init(catalog: EpisodeCatalog) {
        self.catalog = catalog
    }

    public var count: Int { environments.count }

    /// Starts one episode per task; the batch then has `tasks.count` environments. Nothing changes
    /// when a task is unknown.
    @discardableResult
    public func reset(tasks: [TaskIdentity]) throws -> [Observation] {
        guard !tasks.isEmpty else { throw ServeError("reset needs at least one task") }
        guard catalog.live == nil else {
            // A batch would need a sidecar and a Unity per slot, and one slot's fault would fail
            // the whole batched reply: live episodes run one per environment.
            throw ServeError("batched episodes run in the simulator only: with --backend live run one episode per serve process (\"task\", not \"tasks\"), each with its own Unity")
        }
        for task in tasks { _ = try catalog.task(task) }
        let fresh = tasks.map { _ in PolicyEnvironment(catalog: catalog) }
        let observations = try zip(fresh, tasks).map { try $0.reset(task: $1) }
        environments = fresh
        return observations
    }

    /// What a batched step did to one environment.
    public struct Slot {
        public var observation: Observation
        /// The environment was reset in this step (an explicit `.reset` or autoreset).
        public var wasReset: Bool
    }

    /// Steps every environment with its slot's action (see the type's comment for resets).
    /// `actions.count` must equal `count`; unknown reset tasks refuse the whole call before any
    /// environment moves.
    public func step(_ actions: [VectorAction]) throws -> [Slot] {
        guard !environments.isEmpty else { throw ServeError("no environments: reset with \"tasks\" first") }
        guard actions.count == environments.count else {
            throw ServeError("\(actions.count) actions for \(environments.count) environments; send one per environment")
        }
        for case .reset(let task) in actions { _ = try catalog.task(task) }
        var slots = [Slot?](repeating: nil, count: actions.count)
        var failure: (any Error)?
        let environments = self.environments
        let run = { (range: Range<Int>, out: UnsafeMutablePointer<Slot?>) -> (any Error)? in
            do {
                for index in range { out[index] = try Self.advance(environments[index], actions[index]) }
                return nil
            } catch {
                return error
            }
        }
        slots.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let chunks = Self.chunks(count: actions.count, threshold: parallelThreshold)
            if chunks.count == 1 {
                failure = run(chunks[0], base)
                return
            }
            let out = UncheckedSendable(base)
            let errors = UncheckedSendable(UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: chunks.count))
            errors.value.initialize(repeating: nil)
            defer { errors.value.deallocate() }
            // Each chunk writes its own slots and its own error cell; the environments of a chunk
            // are touched by that chunk only, and the shared catalog locks its caches.
            let work = UncheckedSendable(run)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
                errors.value[index] = work.value(chunks[index], out.value)
            }
            failure = errors.value.compactMap { $0 }.first
        }
        if let failure { throw failure }
        return slots.compactMap { $0 }
    }

    static func advance(_ environment: PolicyEnvironment, _ action: VectorAction) throws -> Slot {
        switch action {
        case .reset(let task):
            return Slot(observation: try environment.reset(task: task), wasReset: true)
        case .act(let text):
            if environment.isDone, let task = environment.task {
                return Slot(observation: try environment.reset(task: task.identity), wasReset: true)
            }
            return Slot(observation: try environment.step(text), wasReset: false)
        }
    }

    /// Read once: `activeProcessorCount` reads cgroup files on Linux, 3% of a batched step's time.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Contiguous index ranges, one per core for a batch of at least `threshold`, else one.
    static func chunks(count: Int, threshold: Int) -> [Range<Int>] {
        let parts = count >= threshold ? min(cores, count) : 1
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}

/// A value handed to `concurrentPerform` whose thread safety the code around it guarantees.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
