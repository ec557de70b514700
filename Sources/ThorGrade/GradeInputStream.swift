import Foundation

/// Reads an input in bounded chunks and parses its lines on all cores, in input order.
///
/// Nothing is memory-mapped: a mapped file that shrinks while it is read kills the process with
/// SIGBUS, and pipes cannot be mapped at all. Each worker takes the next chunk of whole lines
/// (read under a lock, so reading one chunk overlaps parsing the others), splits and parses it,
/// and hands its results to a reorder buffer that passes them on in input order. Workers stop
/// taking chunks while `window` chunks wait to be passed on, so memory is bounded by the chunk size
/// (and the longest line), never by the input's size.
///
/// Line numbers are absolute on the worker: it splits its chunk into lines first, files the
/// chunk's line count, and takes the number of lines before the chunk once the chunks before it
/// have filed theirs (`ReorderBuffer.lineBase`). Every chunk files its count right after reading
/// and splitting, before any grading, so the wait is rare and short, and there is no serial pass
/// over the bytes beyond the read itself. What a worker renders for its lines (per-task lines) is
/// then final: a chunk's output is handed on whole and written with one copy.
enum GradeInputStream {
    /// Reads `input` and calls `consume` with `transform`'s result for each non-blank line, in
    /// input order. `transform` runs on the worker threads. Returns a problem with the input as a
    /// whole (cannot open, read error), after passing on every line read before it.
    static func forEachLine<T>(
        of input: GradeInput, chunkSize: Int,
        transform: @escaping @Sendable (LineSource, Result<GradeRecord, GradeIssue>) -> T,
        consume: (T) -> Void
    ) -> GradeIssue? {
        forEachLine(of: input, chunkSize: chunkSize, worker: { _ in }, transform: { _, _, line, readable, source in
            transform(source, parse(line, readable: readable, source: source))
        }, consume: consume, output: { _ in })
    }

    /// As `forEachLine(of:chunkSize:transform:consume:)`, with `transform` given each line's
    /// bytes (and how many may be read from its start, see `forEachLineSpan`) to read itself,
    /// state of its own on each worker thread (made by `worker` with the worker's number, 0 up to
    /// the number of workers), and its chunk's output bytes to
    /// append to. `output` gets each chunk's output after `consume` got the chunk's results, in
    /// input order (valid during the call): what the workers render (per-task lines) is handed
    /// on by the chunk, so it costs the consumer one call and no allocation per line.
    static func forEachLine<T, Worker>(
        of input: GradeInput, chunkSize: Int,
        worker makeWorker: @escaping @Sendable (Int) -> Worker,
        transform: @escaping @Sendable (inout Worker, inout [UInt8], UnsafeBufferPointer<UInt8>, Int, LineSource) -> T,
        consume: (T) -> Void,
        output emitOutput: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> GradeIssue? {
        let reader: ChunkReader
        switch input.source {
        case .memory(let data): reader = ChunkReader(data: data)
        case .standardInput: reader = ChunkReader(descriptor: STDIN_FILENO, closes: false)
        case .file(let path):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return GradeIssue(file: input.name, reason: "cannot read: \(String(cString: strerror(errno)))") }
            reader = ChunkReader(descriptor: descriptor, closes: true)
        }
        defer { reader.close() }
        if input.isWholeDocument {
            // One document (the reference's result.json, a few hundred KB): read whole, parsed once.
            let buffer = ChunkBuffer()
            reader.readAll(into: buffer)
            if let failure = reader.failure { return GradeIssue(file: input.name, reason: "cannot read: \(failure)") }
            let document = withoutByteOrderMark(buffer.bytes)
            let isBlank = document.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            if isBlank { return nil }
            var worker = makeWorker(0)
            var output: [UInt8] = []
            consume(transform(&worker, &output, document, document.count + ChunkBuffer.padding, LineSource(file: input.name, line: 1)))
            output.withUnsafeBufferPointer(emitOutput)
            return nil
        }
        let pipeline = ReorderBuffer<T>(window: 4 * ProcessInfo.processInfo.activeProcessorCount)
        let shared = UncheckedSendable((reader: reader, pipeline: pipeline, name: input.name, makeWorker: makeWorker, transform: transform))
        withoutActuallyEscaping(consume) { consume in
            withoutActuallyEscaping(emitOutput) { emitOutput in
                let emit = UncheckedSendable((consume, emitOutput))
                DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { number in
                    let (reader, pipeline, sharedName, makeWorker, transform) = shared.value
                    // Each worker's lines carry a copy of the input's name of its own: every line's
                    // source holds it, its reference count changes several times a line, and one
                    // copy for both threads bounced its cache line between the cores (an atomic
                    // increment on a line the other core had just written: 2% of a recorded run).
                    let name = String(decoding: Array(sharedName.utf8), as: UTF8.self)
                    // Each worker reads into its own buffer, reused for every chunk it takes.
                    let buffer = ChunkBuffer()
                    var worker = makeWorker(number)
                    var outputSize = 0, resultCount = 0
                    var lines = LineSpans()
                    while let index = pipeline.next(from: reader, chunkSize: chunkSize, into: buffer) {
                        // A byte order mark at the very start of the input is dropped (RFC 8259 §8.1).
                        let chunk = index == 0 ? withoutByteOrderMark(buffer.bytes) : buffer.bytes
                        lines.split(chunk)
                        let base = pipeline.lineBase(of: index, lines: lines.count)
                        // Sized as the largest chunk's so far: grown by appends, each growth moved
                        // everything appended before (sized as the last chunk's, half the chunks
                        // outgrew it and moved their per-task lines once more).
                        var results: [T] = []
                        results.reserveCapacity(resultCount)
                        // A fresh output per chunk (it is handed on).
                        var output: [UInt8] = []
                        output.reserveCapacity(outputSize)
                        for line in lines.nonBlank {
                            let bytes = UnsafeBufferPointer(rebasing: chunk[line.range])
                            let source = LineSource(file: name, line: base + line.number)
                            results.append(transform(&worker, &output, bytes, chunk.count + ChunkBuffer.padding - line.range.lowerBound, source))
                        }
                        outputSize = max(outputSize, output.count)
                        resultCount = max(resultCount, results.count)
                        pipeline.deliver(index, results: results, output: output) { results, output in
                            let (consume, emitOutput) = emit.value
                            for result in results { consume(result) }
                            output.withUnsafeBufferPointer(emitOutput)
                        }
                    }
                }
            }
        }
        if let failure = reader.failure { return GradeIssue(file: input.name, reason: "cannot read: \(failure)") }
        return nil
    }

    static func withoutByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? UnsafeBufferPointer(rebasing: bytes.dropFirst(3)) : bytes
    }

    static func parse(_ line: UnsafeBufferPointer<UInt8>, readable: Int, source: LineSource) -> Result<GradeRecord, GradeIssue> {
        GradeInputReader.parseRecord(line, readable: readable).mapError { GradeIssue(source: source, reason: $0.reason) }
    }

    /// Calls `body` with each non-blank line of a chunk (without its newline), how many bytes
    /// from its start may be read (the rest of the chunk and the `padding` allocated after it:
    /// simdjson reads ahead), and its 1-based number in the chunk; returns the number of lines,
    /// blank ones included.
    static func forEachLineSpan(in chunk: UnsafeBufferPointer<UInt8>, padding: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> Void) -> Int {
        forEachLineRange(in: chunk) { range, number in
            body(UnsafeBufferPointer(rebasing: chunk[range]), chunk.count + padding - range.lowerBound, number)
        }
    }

    /// Calls `body` with where each non-blank line of a chunk lies (without its newline) and its
    /// 1-based number in the chunk; returns the number of lines, blank ones included.
    static func forEachLineRange(in chunk: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Int) -> Void) -> Int {
        guard let base = chunk.baseAddress else { return 0 }
        var number = 0
        var start = 0
        while start < chunk.count {
            let end = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start)
                .map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? chunk.count
            number += 1
            if !chunk[start..<end].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { body(start..<end, number) }
            start = end + 1
        }
        return number
    }
}

/// The non-blank lines of a chunk, found before any is graded (so the chunk's line count can be
/// filed first, see `ReorderBuffer.lineBase`). Kept by a worker and refilled for every chunk.
struct LineSpans {
    /// A line's bytes in the chunk (without its newline) and its 1-based number in the chunk.
    struct Line {
        var range: Range<Int>, number: Int
    }

    private(set) var nonBlank: [Line] = []
    /// Lines in the chunk, blank ones included.
    private(set) var count = 0

    mutating func split(_ chunk: UnsafeBufferPointer<UInt8>) {
        nonBlank.removeAll(keepingCapacity: true)
        count = GradeInputStream.forEachLineRange(in: chunk) { nonBlank.append(Line(range: $0, number: $1)) }
    }
}

/// Passes chunk results on in input order, holding at most `window` chunks in flight, and tells
/// each chunk how many lines come before it.
final class ReorderBuffer<T>: @unchecked Sendable {
    let window: Int
    private let state = NSCondition()
    private let reading = NSLock()
    private var issued = 0, passed = 0
    private var waiting: [Int: (results: [T], output: [UInt8])] = [:]
    /// A worker is passing results on (see `deliver`).
    private var delivering = false
    /// Line counts filed by chunks whose earlier chunks have not all filed theirs; the lines in
    /// the first `counted` chunks; the number of lines before each chunk counted but not yet told.
    private var counts: [Int: Int] = [:], bases: [Int: Int] = [:]
    private var counted = 0, countedLines = 0

    init(window: Int) { self.window = max(1, window) }

    /// Reads the next chunk into `buffer` and returns its index; nil at the end of the input.
    /// Waits while too many chunks are in flight. The wait never deadlocks: every chunk in flight
    /// is held by a running worker.
    func next(from reader: ChunkReader, chunkSize: Int, into buffer: ChunkBuffer) -> Int? {
        reading.lock()
        defer { reading.unlock() }
        state.lock()
        while issued - passed >= window { state.wait() }
        state.unlock()
        guard reader.nextChunk(size: chunkSize, into: buffer) else { return nil }
        state.lock()
        defer { state.unlock() }
        issued += 1
        return issued - 1
    }

    /// Files chunk `index`'s line count (blank lines included) and returns the number of lines
    /// before it, waiting until every earlier chunk has filed its count. Called once per chunk,
    /// before its lines are graded. The wait never deadlocks: an earlier chunk is held by a
    /// running worker, which files its count before it waits for anything but the read.
    func lineBase(of index: Int, lines: Int) -> Int {
        state.lock()
        defer { state.unlock() }
        counts[index] = lines
        if index == counted {
            while let count = counts.removeValue(forKey: counted) {
                bases[counted] = countedLines
                countedLines += count
                counted += 1
            }
            state.broadcast()
        }
        while true {
            if let base = bases.removeValue(forKey: index) { return base }
            state.wait()
        }
    }

    /// Files a chunk's results (and its output bytes) and passes on every chunk now due, in
    /// order. One worker at a time passes results on, outside the lock: the others go on taking
    /// and parsing chunks meanwhile (under the lock, a slow `pass` stalled every worker and
    /// simulate mode used little more than one core). A worker that finds another passing on just
    /// files its chunk; the passing worker picks it up before it stops.
    func deliver(_ index: Int, results: [T], output: [UInt8], _ pass: ([T], [UInt8]) -> Void) {
        state.lock()
        waiting[index] = (results, output)
        guard !delivering else { return state.unlock() }
        delivering = true
        while let due = waiting.removeValue(forKey: passed) {
            state.unlock()
            pass(due.results, due.output)
            state.lock()
            passed += 1
            state.broadcast()
        }
        delivering = false
        state.unlock()
    }
}

/// Bytes read from an input: `count` bytes at `base`, with `padding` more allocated after them
/// (simdjson reads up to 64 bytes past the end of a line). A worker keeps one for every chunk it
/// reads: reusing it saves a 256 KB allocation and its page faults per chunk.
final class ChunkBuffer {
    /// SIMDJSON_PADDING.
    static let padding = 64
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init() {
        capacity = 0
        base = .allocate(capacity: Self.padding)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Room for `needed` bytes (and the padding), keeping the first `count`.
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let grown = max(needed, capacity * 2)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: grown + Self.padding)
        new.update(from: base, count: count)
        base.deallocate()
        base = new
        capacity = grown
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        reserve(count + bytes.count)
        (base + count).update(from: from, count: bytes.count)
        count += bytes.count
    }
}

/// Reads a descriptor (or in-memory bytes) as chunks of whole lines: each chunk ends with a
/// newline except the input's last; a line longer than the chunk size grows the chunk.
/// Not thread-safe (the reorder buffer serialises it).
final class ChunkReader: @unchecked Sendable {
    private let descriptor: Int32
    private let closes: Bool
    private let data: Data?
    private var dataOffset = 0
    /// The start of the line the last chunk cut off, which begins the next chunk.
    private var carry: [UInt8] = []
    private var atEnd = false
    /// Why reading stopped early (strerror), if it did.
    private(set) var failure: String?

    init(descriptor: Int32, closes: Bool) {
        self.descriptor = descriptor
        self.closes = closes
        data = nil
    }

    init(data: Data) {
        descriptor = -1
        closes = false
        self.data = data
    }

    func close() {
        if closes { _ = Foundation.close(descriptor) }
    }

    /// Reads the next chunk into `buffer` (replacing what it held); false at the end of the input.
    func nextChunk(size: Int, into buffer: ChunkBuffer) -> Bool {
        guard !atEnd else { return false }
        buffer.count = 0
        carry.withUnsafeBufferPointer { buffer.append($0) }
        carry.removeAll(keepingCapacity: true)
        var searched = buffer.count
        while true {
            let before = buffer.count
            // A line longer than a chunk doubles the buffer, so reading it stays linear.
            fill(buffer, upTo: buffer.count + max(1, size, searched))
            if buffer.count == before || atEnd {
                atEnd = true
                return buffer.count > 0
            }
            if let last = Self.lastNewline(in: buffer.bytes, from: searched) {
                carry.append(contentsOf: UnsafeBufferPointer(rebasing: buffer.bytes[(last + 1)...]))
                buffer.count = last + 1
                return true
            }
            searched = buffer.count
        }
    }

    static func lastNewline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        // Backwards, so only the last, partial line is scanned: half a line a chunk, 1% of a
        // recorded run byte by byte, under the reading lock. Eight bytes at a time: a word with
        // a newline has a zero byte once XORed with newlines (the test may also flag a byte above
        // a zero one, so a flagged word is then read byte by byte).
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A, ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let first = max(start, 0)
        var end = bytes.count  // bytes[first ..< end] are left to scan
        while end > first {
            if end - 8 >= first {  // a whole word within first ..< end
                let word = raw.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) ^ newlines
                if (word &- ones) & ~word & highs == 0 {
                    end -= 8
                    continue
                }
                for index in stride(from: end - 1, through: end - 8, by: -1) where bytes[index] == UInt8(ascii: "\n") { return index }
                end -= 8
            } else {
                end -= 1
                if bytes[end] == UInt8(ascii: "\n") { return end }
            }
        }
        return nil
    }

    /// Reads the whole input into `buffer`.
    func readAll(into buffer: ChunkBuffer) {
        buffer.count = 0
        while !atEnd {
            let before = buffer.count
            fill(buffer, upTo: buffer.count + max(1 << 20, buffer.count))
            if buffer.count == before { atEnd = true }
        }
    }

    /// Appends bytes until `buffer` holds `target` bytes or the input ends (then `atEnd` is set;
    /// a read error also records `failure`). Pipes return short reads; they are retried.
    private func fill(_ buffer: ChunkBuffer, upTo target: Int) {
        buffer.reserve(target)
        if let data {
            let count = min(target - buffer.count, data.count - dataOffset)
            let start = data.startIndex + dataOffset
            data.copyBytes(to: buffer.base + buffer.count, from: start..<(start + count))
            buffer.count += count
            dataOffset += count
            if dataOffset == data.count { atEnd = true }
            return
        }
        while buffer.count < target {
            let got = read(descriptor, buffer.base + buffer.count, target - buffer.count)
            if got > 0 {
                buffer.count += got
            } else if got == 0 {
                atEnd = true
                return
            } else if errno != EINTR {
                failure = String(cString: strerror(errno))
                atEnd = true
                return
            }
        }
    }
}
