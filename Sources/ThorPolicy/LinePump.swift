import Foundation
import ThorJSON

/// The serve protocol's transport: standard input to standard output (or any two descriptors), a
/// line at a time. Requests are read in large chunks, every complete line in a chunk is handled,
/// and their replies leave in one write before the next read (a client waiting for its reply gets
/// it at once; a client that pipelines requests gets its replies batched).
///
/// Waiting for a request spins briefly before it blocks (`AdaptiveWait`): a process woken from a
/// blocking read on an idle core takes tens of microseconds to run, as long as a whole step, so a
/// policy that answers within `spin` µs finds the server awake.
public enum LinePump {
    /// The longest request accepted; a longer line gets an error reply and is skipped whole.
    public static let maxLine = 64 << 20
    /// Long enough for a Python client's work between a reply and its next request (orjson or
    /// json, bench/serve_bench.py); at most this much CPU per request is spent on a slow policy.
    public static let defaultSpin = 100
    public static let maxSpin = 10_000

    /// Reading or writing failed (the session cannot go on): which stream and why.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs until end of input or until `handle` returns true (a request closed the session).
    /// `handle` gets each non-blank line (without its `\r\n`) and appends its reply to the writer.
    public static func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, spin: Int = defaultSpin,
                           _ handle: (UnsafeBufferPointer<UInt8>, inout JSONWriter) -> Bool) throws(Failure) {
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { buffer.deallocate() }
        var out = JSONWriter(reserving: 1 << 16)
        var start = 0, end = 0
        var skipping = false  // inside a line longer than maxLine
        var closed = false
        var wait = AdaptiveWait(spinNanoseconds: UInt64(spin) * 1000)

        /// Handles one line; false once a request closed the session.
        func line(_ range: Range<Int>) -> Bool {
            var range = range
            if range.upperBound > range.lowerBound, buffer[range.upperBound - 1] == UInt8(ascii: "\r") { range = range.dropLast() }
            let bytes = UnsafeBufferPointer(rebasing: buffer[range])
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
            return !handle(bytes, &out)
        }
        func flush() throws(Failure) {
            guard !out.bytes.isEmpty else { return }
            try writeAll(out.bytes, to: output)
            out.clear()
        }

        while !closed {
            // Every complete line already read.
            while !closed, start < end, let base = buffer.baseAddress,
                  let found = memchr(base + start, Int32(UInt8(ascii: "\n")), end - start) {
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if skipping {
                    skipping = false
                } else {
                    closed = !line(start..<newline)
                }
                start = newline + 1
            }
            try flush()
            if closed { return }
            // Keep the partial line at the front; grow for a long one, up to maxLine.
            if start > 0, let base = buffer.baseAddress {
                if end > start { memmove(base, base + start, end - start) }
                end -= start
                start = 0
            }
            if end == buffer.count {
                if buffer.count >= maxLine {
                    if !skipping {
                        out.object { json in
                            json.key("error"); json.string("request longer than \(maxLine) bytes; skipped")
                            json.key("ok"); json.bool(false)
                        }
                        out.endLine()
                        try flush()
                    }
                    skipping = true
                    end = 0
                } else {
                    let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: min(buffer.count * 4, maxLine))
                    _ = bigger.initialize(from: buffer[..<end])
                    buffer.deallocate()
                    buffer = bigger
                }
            }
            guard let base = buffer.baseAddress else { return }
            wait.untilReadable(input)
            let count = read(input, base + end, buffer.count - end)
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "standard input: cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                // End of input: a last line without its newline is still a request.
                if end > 0, !skipping { _ = line(0..<end) }
                try flush()
                return
            }
            end += count
        }
    }
}

/// Bounded spinning before a blocking wait (the adaptive wait of spin-then-block locks): poll
/// the descriptor without blocking for up to `spinNanoseconds`, then block in `poll`. Spinning
/// pays only while the peer answers within the bound on a core of its own. A spin that runs out
/// of time, or is preempted (a gap between two polls: more runnable threads than cores, where
/// spinning takes the CPU from the very peer it waits for), is a failure, and the next 1, 2, 4,
/// ... 64 waits block at once; a spin that succeeds resets the back-off. So a slow peer (a model
/// taking milliseconds per step, a large batch) costs one bound of CPU every 64 requests, and an
/// idle server blocks: no core is ever burnt. Nor does it spin while the machine has no core to
/// spare (`SpareCore`): there the spinner would hold a core its peer is queued for.
struct AdaptiveWait {
    let spinNanoseconds: UInt64
    /// A gap this long between two polls means the thread was preempted.
    static let preempted: UInt64 = 30_000
    static let maxBackOff = 64
    /// Waits that block without spinning before the next spin, and the back-off after the next
    /// failure.
    var skip = 0
    var backOff = 1
    var spare = SpareCore()

    init(spinNanoseconds: UInt64) {
        self.spinNanoseconds = spinNanoseconds
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Returns once `descriptor` is readable, hung up or in error (the read that follows says
    /// which, and does not block), or when `poll` is interrupted (the read then blocks).
    mutating func untilReadable(_ descriptor: Int32) {
        guard spinNanoseconds > 0 else { return }
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        if poll(&request, 1, 0) != 0 { return }
        if skip > 0 {
            skip -= 1
        } else if !spare.now(at: Self.now()) {
            // Busy machine: block, and ask again in a few milliseconds.
        } else if spin(&request) {
            backOff = 1
            return
        } else {
            skip = backOff
            backOff = min(backOff * 2, Self.maxBackOff)
        }
        _ = poll(&request, 1, -1)
    }

    /// Polls until readable (true), or until the bound or a preemption (false).
    func spin(_ request: inout pollfd) -> Bool {
        let start = Self.now()
        var last = start
        while true {
            if poll(&request, 1, 0) != 0 { return true }
            let now = Self.now()
            if now - start >= spinNanoseconds || now - last >= Self.preempted { return false }
            last = now
        }
    }
}

/// Whether the machine has a core to spare for spinning: the runnable threads (`/proc/loadavg`'s
/// fourth field, this one included) no more than the cores, so the peer, running or about to run,
/// has a core of its own. Read at most every 5 ms (a read costs a few microseconds); true where
/// the file cannot be read (spinning stays bounded by the back-off).
struct SpareCore {
    static let interval: UInt64 = 5_000_000
    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    var answer = true
    var readAt: UInt64?

    mutating func now(at time: UInt64) -> Bool {
        if let readAt, time - readAt < Self.interval { return answer }
        readAt = time
        answer = Self.runnable().map { $0 <= Self.cores } ?? true
        return answer
    }

    /// The runnable threads now (the `r` of `r/t` in `/proc/loadavg`).
    static func runnable() -> Int? {
        let descriptor = open("/proc/loadavg", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: UInt8(ascii: "/")) else { return nil }
        return Int(String(decoding: fields[3][..<slash], as: UTF8.self))
    }
}

extension LinePump {
    /// All of `bytes` to `descriptor`; EINTR retried, anything else a failure.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(Failure) {
        var written = 0
        let error: Int32? = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            while written < buffer.count {
                let count = write(descriptor, base + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return nil
        }
        if let error { throw Failure(description: "standard output: cannot write: \(String(cString: strerror(error)))") }
    }
}
