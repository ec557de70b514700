import Foundation

/// Reads an input in bounded chunks and parses its lines on all cores, in input order.
///
/// Nothing is memory-mapped: a mapped file that shrinks while it is read kills the process with
/// SIGBUS, and pipes cannot be mapped at all. Each worker takes the next chunk of whole lines
/// (read under a lock, so reading one chunk overlaps parsing the others), splits and parses it,
/// and hands its results to a reorder buffer that passes them on in input order. Workers stop
/// taking chunks while `window` chunks wait to be passed on, so memory is bounded by the chunk size
/// (and the longest line), never by the input's size. Line numbers are counted per chunk by the
/// worker and made absolute when the chunk is passed on, so there is no serial pass over the bytes
/// beyond the read itself.
enum GradeInputStream {
    /// Reads `input` and calls `consume` with `transform`'s result for each non-blank line, in
    /// input order. `transform` runs on the worker threads with a line number relative to its
    /// chunk; `relocate` adds the lines before the chunk. Returns a problem with the input as a
    /// whole (cannot open, read error), after passing on every line read before it.
    static func forEachLine<T>(
        of input: GradeInput, chunkSize: Int,
        transform: @escaping @Sendable (LineSource, Result<GradeRecord, GradeIssue>) -> T,
        relocate: (inout T, Int) -> Void,
        consume: (T) -> Void
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
            let document = reader.readAll()
            if let failure = reader.failure { return GradeIssue(file: input.name, reason: "cannot read: \(failure)") }
            let isBlank = document.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            if isBlank { return nil }
            let source = LineSource(file: input.name, line: 1)
            consume(transform(source, parse(document, source: source)))
            return nil
        }
        let pipeline = ReorderBuffer<T>(window: 4 * ProcessInfo.processInfo.activeProcessorCount)
        let shared = UncheckedSendable((reader: reader, pipeline: pipeline, name: input.name, transform: transform))
        withoutActuallyEscaping(relocate) { relocate in
            withoutActuallyEscaping(consume) { consume in
                let emit = UncheckedSendable((relocate: relocate, consume: consume))
                DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in
                    let (reader, pipeline, name, transform) = shared.value
                    while let (index, chunk) = pipeline.next(from: reader, chunkSize: chunkSize) {
                        var results: [T] = []
                        // A byte order mark at the very start of the input is dropped (RFC 8259 §8.1).
                        let lineCount = (index == 0 ? withoutByteOrderMark(chunk) : chunk).withUnsafeBufferPointer { bytes in
                            forEachLineSpan(in: bytes) { line, readable, number in
                                let source = LineSource(file: name, line: number)
                                results.append(transform(source, parse(line, readable: readable, source: source)))
                            }
                        }
                        pipeline.deliver(index, lines: lineCount, results: results) { result, base in
                            var result = result
                            emit.value.relocate(&result, base)
                            emit.value.consume(result)
                        }
                    }
                }
            }
        }
        if let failure = reader.failure { return GradeIssue(file: input.name, reason: "cannot read: \(failure)") }
        return nil
    }

    static func withoutByteOrderMark(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes
    }

    static func parse(_ line: UnsafeBufferPointer<UInt8>, readable: Int? = nil, source: LineSource) -> Result<GradeRecord, GradeIssue> {
        GradeInputReader.parseRecord(line, readable: readable).mapError { GradeIssue(source: source, reason: $0.reason) }
    }

    static func parse(_ document: ArraySlice<UInt8>, source: LineSource) -> Result<GradeRecord, GradeIssue> {
        document.withUnsafeBufferPointer { parse($0, source: source) }
    }

    /// Calls `body` with each non-blank line of a chunk (without its newline), how many bytes
    /// from its start lie in the chunk (simdjson reads ahead), and its 1-based number in the chunk;
    /// returns the number of lines, blank ones included.
    static func forEachLineSpan(in chunk: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> Void) -> Int {
        guard let base = chunk.baseAddress else { return 0 }
        var number = 0
        var start = 0
        while start < chunk.count {
            let end = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start)
                .map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? chunk.count
            number += 1
            let line = UnsafeBufferPointer(rebasing: chunk[start..<end])
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { body(line, chunk.count - start, number) }
            start = end + 1
        }
        return number
    }
}

/// Passes chunk results on in input order, holding at most `window` chunks in flight.
final class ReorderBuffer<T>: @unchecked Sendable {
    let window: Int
    private let state = NSCondition()
    private let reading = NSLock()
    private var issued = 0, passed = 0, lineBase = 0
    private var waiting: [Int: (lines: Int, results: [T])] = [:]
    /// A worker is passing results on (see `deliver`).
    private var delivering = false

    init(window: Int) { self.window = max(1, window) }

    /// The next chunk and its index; nil at the end of the input. Waits while too many chunks
    /// are in flight. The wait never deadlocks: every chunk in flight is held by a running worker.
    func next(from reader: ChunkReader, chunkSize: Int) -> (Int, ArraySlice<UInt8>)? {
        reading.lock()
        defer { reading.unlock() }
        state.lock()
        while issued - passed >= window { state.wait() }
        state.unlock()
        guard let chunk = reader.nextChunk(size: chunkSize) else { return nil }
        state.lock()
        defer { state.unlock() }
        issued += 1
        return (issued - 1, chunk)
    }

    /// Files a chunk's results and passes on every chunk now due, in order, with the number of
    /// lines before it. One worker at a time passes results on, outside the lock: the others go on
    /// taking and parsing chunks meanwhile (under the lock, a slow `pass` stalled every worker and
    /// simulate mode used little more than one core). A worker that finds another passing on just
    /// files its chunk; the passing worker picks it up before it stops.
    func deliver(_ index: Int, lines: Int, results: [T], _ pass: (T, Int) -> Void) {
        state.lock()
        waiting[index] = (lines, results)
        guard !delivering else { return state.unlock() }
        delivering = true
        while let due = waiting.removeValue(forKey: passed) {
            let base = lineBase
            lineBase += due.lines
            state.unlock()
            for result in due.results { pass(result, base) }
            state.lock()
            passed += 1
            state.broadcast()
        }
        delivering = false
        state.unlock()
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

    func nextChunk(size: Int) -> ArraySlice<UInt8>? {
        guard !atEnd else { return nil }
        var buffer = carry
        carry = []
        var searched = buffer.count
        while true {
            let before = buffer.count
            // A line longer than a chunk doubles the buffer, so reading it stays linear.
            fill(&buffer, upTo: buffer.count + max(1, size, searched))
            if buffer.count == before || atEnd {
                atEnd = true
                return buffer.isEmpty ? nil : buffer[...]
            }
            if let last = Self.lastNewline(in: buffer, from: searched) {
                carry = Array(buffer[(last + 1)...])
                return buffer[...last]
            }
            searched = buffer.count
        }
    }

    static func lastNewline(in buffer: [UInt8], from start: Int) -> Int? {
        buffer.withUnsafeBufferPointer { bytes in
            // Backwards: only the last, partial line is scanned.
            var index = bytes.count - 1
            while index >= start {
                if bytes[index] == UInt8(ascii: "\n") { return index }
                index -= 1
            }
            return nil
        }
    }

    func readAll() -> ArraySlice<UInt8> {
        var buffer: [UInt8] = []
        while !atEnd {
            let before = buffer.count
            fill(&buffer, upTo: buffer.count + max(1 << 20, buffer.count))
            if buffer.count == before { atEnd = true }
        }
        return GradeInputStream.withoutByteOrderMark(buffer[...])
    }

    /// Appends bytes until `buffer` holds `target` bytes or the input ends (then `atEnd` is set;
    /// a read error also records `failure`). Pipes return short reads; they are retried.
    private func fill(_ buffer: inout [UInt8], upTo target: Int) {
        if let data {
            let count = min(target - buffer.count, data.count - dataOffset)
            buffer += data[(data.startIndex + dataOffset)..<(data.startIndex + dataOffset + count)]
            dataOffset += count
            if dataOffset == data.count { atEnd = true }
            return
        }
        // Read straight into a new array's uninitialised tail (no zero-filling, one copy of what
        // the buffer held).
        var stop = false
        let held = buffer
        buffer = [UInt8](unsafeUninitializedCapacity: target) { storage, count in
            guard let base = storage.baseAddress else { return }
            held.withUnsafeBytes { old in
                if let from = old.baseAddress { memcpy(base, from, old.count) }
                count = old.count
            }
            while count < target, !stop {
                let got = read(descriptor, base + count, target - count)
                if got > 0 {
                    count += got
                } else if got == 0 {
                    stop = true
                } else if errno != EINTR {
                    failure = String(cString: strerror(errno))
                    stop = true
                }
            }
        }
        if stop { atEnd = true }
    }
}
