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
    /// Batches of at least this many environments are spread over threads; a smaller batch is
    /// not worth the hand-over (an estimate: a step costs about 10 µs of CPU, waking a thread
    /// tens). bench/serve_bench.py compares a 64-environment batch on all cores and on one.
    public var parallelThreshold = 16
    /// How many threads a batch is spread over (default: every core). Lower it when several
    /// servers share a machine.
    public var threads = VectorEnvironment.cores
    /// Whether a batch is spread over the threads or stepped on the calling thread alone,
    /// chosen by what each has cost lately (`SpreadChoice`).
    var spread = SpreadChoice()

    public init(catalog: EpisodeCatalog) {
        self.catalog = catalog
    }

    public var count: Int { environments.count }

    /// Starts one episode per task; the batch then has `tasks.count` environments. Nothing changes
    /// when a task is unknown.
    @discardableResult
    public func reset(tasks: [TaskIdentity]) throws -> [Observation] {
        try start(tasks: tasks)
        return environments.map { $0.observation() }
    }

    /// `reset` without building the observations (`serve` writes them from the environments).
    func start(tasks: [TaskIdentity]) throws {
        guard !tasks.isEmpty else { throw ServeError("reset needs at least one task") }
        guard catalog.live == nil else {
            // A batch would need a sidecar and a Unity per slot, and one slot's fault would fail
            // the whole batched reply: live episodes run one per environment.
            throw ServeError("batched episodes run in the simulator only: with --backend live run one episode per serve process (\"task\", not \"tasks\"), each with its own Unity")
        }
        for task in tasks { _ = try catalog.task(task) }
        let fresh = tasks.map { _ in PolicyEnvironment(catalog: catalog) }
        for (environment, task) in zip(fresh, tasks) { try environment.start(task: task) }
        environments = fresh
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
        let environments = self.environments
        return try step(actions) { range, resets in
            zip(range, resets).map { Slot(observation: environments[$0].observation(), wasReset: $1) }
        }.flatMap { $0 }
    }

    /// `step`, with each chunk handed to `render` on the thread that stepped it (the
    /// environments `range`, and for environment `range.lowerBound + i` whether it was reset):
    /// one hand-over to the threads per batch, not one to step and one to render. `render` may
    /// read only the environments of its range. Returns the chunks' results in order.
    func step<Part>(_ actions: [VectorAction], render: (Range<Int>, [Bool]) -> Part) throws -> [Part] {
        guard !environments.isEmpty else { throw ServeError("no environments: reset with \"tasks\" first") }
        guard actions.count == environments.count else {
            throw ServeError("\(actions.count) actions for \(environments.count) environments; send one per environment")
        }
        // Reset slots' tasks looked up once, before any environment moves (a refused batch
        // changes nothing).
        let starts = try actions.map { action -> EpisodeCatalog.Entry? in
            guard case .reset(let task) = action else { return nil }
            return try catalog.entry(task)
        }
        let environments = self.environments
        // A batch that could be spread is, or is not, as `spread` finds cheaper; its time is noted.
        let spreadable = threads > 1 && actions.count >= parallelThreshold
        let spreads = spreadable && spread.next()
        let chunks = Self.chunks(count: actions.count, threshold: parallelThreshold, threads: spreads ? threads : 1)
        // Each chunk steps its own environments; the shared catalog locks its caches.
        let start = AdaptiveWait.now()
        let results = Self.perChunk(chunks, threads: threads) { range in
            Result { render(range, try range.map { try Self.advance(environments[$0], actions[$0], start: starts[$0]) }) }
        }
        if spreadable {
            spread.record(spread: spreads, nanoseconds: Double(AdaptiveWait.now() - start) / Double(actions.count))
        }
        return try results.map { try $0.get() }
    }

    /// Steps or resets one environment (on `start`, the entry of a reset slot's task); true when
    /// it was reset.
    static func advance(_ environment: PolicyEnvironment, _ action: VectorAction, start: EpisodeCatalog.Entry?) throws -> Bool {
        if let start {
            try environment.start(start)
            return true
        }
        switch action {
        case .reset(let task):
            try environment.start(task: task)
            return true
        case .act(let text):
            if environment.isDone, let entry = environment.entry {
                // Autoreset on the task just finished: its entry is at hand.
                try environment.start(entry)
                return true
            }
            try environment.advance(text)
            return false
        }
    }

    /// Read once: `activeProcessorCount` reads cgroup files on Linux, 3% of a batched step's time.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Chunks per thread: a thread that starts late (waking a worker takes tens of µs, a batch's
    /// share a hundred or two) or a chunk that costs more (resets) leaves the rest of the chunks
    /// to the threads already running, instead of every thread waiting for the last one's half.
    static let chunksPerThread = 4

    /// Contiguous index ranges in order: for a batch of at least `threshold` on several threads,
    /// `chunksPerThread` per thread (at most one per environment), else one.
    static func chunks(count: Int, threshold: Int, threads: Int = cores) -> [Range<Int>] {
        let parts = count >= threshold && threads > 1 ? max(1, min(threads * chunksPerThread, count)) : 1
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}

extension VectorEnvironment {
    /// `body` over each chunk on up to `threads` threads (the caller and `threads - 1` of the
    /// kept `BatchWorkers`), each thread taking the next chunk not yet taken until none is left;
    /// the results in chunk order. `body` must touch only what its chunk owns.
    static func perChunk<T>(_ chunks: [Range<Int>], threads: Int, _ body: (Range<Int>) -> T) -> [T] {
        guard chunks.count > 1, threads > 1 else { return chunks.map(body) }
        var results = [T?](repeating: nil, count: chunks.count)
        let next = ChunkClaims(count: chunks.count)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            results.withUnsafeMutableBufferPointer { buffer in
                let out = UncheckedSendable(buffer)
                // Each chunk is claimed once, so each cell is written by one thread. The caller
                // takes chunks from the front, the workers from the back: from one batch to the
                // next an environment mostly stays on the core whose cache holds its world.
                BatchWorkers.shared.run(helpers: min(threads, chunks.count) - 1) { fromBack in
                    while let index = next.claim(fromBack: fromBack) { out.value[index] = work.value(chunks[index]) }
                }
            }
        }
        return results.compactMap { $0 }
    }
}

/// Hands out the chunk indices 0..<count once each, to whichever thread asks first: from the
/// front or from the back.
final class ChunkClaims: @unchecked Sendable {
    private var front = 0
    private var back: Int
    private let lock = NSLock()

    init(count: Int) { back = count }

    func claim(fromBack: Bool = false) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard front < back else { return nil }
        if fromBack {
            back -= 1
            return back
        }
        front += 1
        return front - 1
    }
}

/// Threads kept for batched steps, each waiting for its part of the next batch. A batch hands
/// its chunks to the caller and to these threads directly: `DispatchQueue.concurrentPerform`
/// measured no gain over one thread at 64 environments, its hand-over costing what the second
/// core gained. A worker that has not started when the caller has run out of chunks is not
/// waited for (its job is taken back), so a late wake-up costs the batch nothing.
final class BatchWorkers: @unchecked Sendable {
    static let shared = BatchWorkers()

    private let lock = NSLock()
    private var workers: [Worker] = []
    /// A batch is using the workers (another thread's batch, at the same time, runs alone).
    private var busy = false

    /// Runs `body(false)` on the calling thread and `body(true)` on up to `helpers` workers at
    /// once; returns when every started copy has returned.
    func run(helpers: Int, _ body: (_ helper: Bool) -> Void) {
        lock.lock()
        guard helpers > 0, !busy else {
            lock.unlock()
            return body(false)
        }
        busy = true
        while workers.count < helpers { workers.append(Worker()) }
        let team = workers.prefix(helpers)
        lock.unlock()
        withoutActuallyEscaping(body) { body in
            let job = UncheckedSendable(body)
            for worker in team { worker.post { job.value(true) } }
            body(false)
            for worker in team { worker.finish() }
        }
        lock.lock()
        busy = false
        lock.unlock()
    }

    /// One kept thread: it sleeps until a job is posted, runs it, and says so.
    final class Worker: @unchecked Sendable {
        private let condition = NSCondition()
        private var job: (@Sendable () -> Void)?
        private var running = false

        init() {
            let thread = Thread { [unowned self] in loop() }
            thread.name = "thor-lite batch worker"
            thread.start()
        }

        private func loop() {
            while true {
                condition.lock()
                while job == nil { condition.wait() }
                var body = job
                job = nil
                running = true
                condition.unlock()
                body?()
                // Released before the caller is told: it borrowed the batch's closure
                // (`withoutActuallyEscaping`), which must not outlive the call.
                body = nil
                condition.lock()
                running = false
                condition.signal()
                condition.unlock()
            }
        }

        func post(_ body: @escaping @Sendable () -> Void) {
            condition.lock()
            job = body
            condition.signal()
            condition.unlock()
        }

        /// Returns once the posted job has run, or takes it back when it has not started. The
        /// worker is at most one chunk behind (tens of µs): its end is polled for a while before
        /// sleeping on it, since being woken costs about as much again. Between two looks the
        /// lock is left free for a moment, for the worker to take it and say it is done.
        func finish() {
            condition.lock()
            if job != nil {
                job = nil
                return condition.unlock()
            }
            let start = AdaptiveWait.now()
            var now = start
            while running, now - start < Self.pollNanoseconds {
                condition.unlock()
                for _ in 0..<8 { now = AdaptiveWait.now() }
                condition.lock()
            }
            while running { condition.wait() }
            condition.unlock()
        }

        static let pollNanoseconds: UInt64 = 50_000
    }
}

/// Whether the next batch is spread over the threads or stepped on the calling thread alone,
/// by which has cost less per environment lately (wall time of stepping and rendering, a moving
/// average over about 8 batches each). Spreading pays only while the other core is free: on a
/// 2-core machine busy with other processes it measured 0.73–0.86× one thread at 64
/// environments (a helper kept from its core makes the batch wait), with the core free 1.10×. Every 16th
/// batch tries the other way, so a change in the machine's load is seen within tens of batches;
/// until both have been measured, batches are spread.
struct SpreadChoice {
    static let probeEvery = 16
    static let weight = 0.125
    var spreadCost: Double?
    var aloneCost: Double?
    var batches = 0

    /// Whether this batch is spread.
    mutating func next() -> Bool {
        batches += 1
        guard let spreadCost, let aloneCost else { return spreadCost == nil }
        let spreadIsCheaper = spreadCost <= aloneCost
        return batches % Self.probeEvery == 0 ? !spreadIsCheaper : spreadIsCheaper
    }

    /// Notes what a batch cost per environment.
    mutating func record(spread: Bool, nanoseconds: Double) {
        func average(_ old: Double?) -> Double { old.map { $0 + Self.weight * (nanoseconds - $0) } ?? nanoseconds }
        if spread { spreadCost = average(spreadCost) } else { aloneCost = average(aloneCost) }
    }
}

/// A value handed to another thread whose thread safety the code around it guarantees.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
