import ThorModel

/// Merges the per-task files of shards (a Slurm array, a Ray job, several machines) into the
/// reports one `grade` run would give.
///
/// The merge of per-task files `P1 … Pn`, each written by `grade Ii --per-task Pi`, equals
/// `grade I1 … In` byte for byte (summary, table, CSV, er-csv), including the `meta` block: its
/// `inputs` are the files the graded lines came from (each per-task line's `file`), in order.
/// Two things a merge cannot know: the lines a shard could not grade (they are in no per-task
/// file: see each shard's own stderr or summary), and the arguments of a shard that named a
/// directory (its lines name the `result.json` files found in it).
///
/// Shards are added in the order given, like `cat`: the sums of floating means are taken in
/// that order, as one run takes them in input order, so give the shards in input order (a shell
/// glob or `split`'s suffixes sort that way). A line graded from the same input file and line as
/// a line of an earlier shard means the shards overlap (or one was given twice): it is refused
/// with an issue and not counted. A task graded from different input lines (a plan and a response
/// file, two attempts) is counted each time, as `grade` counts it. Lines graded from standard
/// input (`<stdin>`) cannot be told apart and are not checked. Lines of both modes in one merge
/// are refused the same way.
public struct ShardMerge: Sendable {
    public private(set) var tally = GradeTally()
    /// The files the merged lines were graded from, in order of first appearance.
    public private(set) var inputs: [String] = []
    /// The mode the merged lines were graded in (simulate lines carry a goal check).
    public private(set) var mode: GradeMode?
    private var knownInputs: Set<String> = []
    private var shards: [String] = []
    /// Per input file, the runs of consecutive lines each shard merged: a shard cut from one file
    /// is one run, so this stays small however many lines are merged.
    private var runs: [String: [LineRun]] = [:]

    struct LineRun {
        var shard: Int
        var lines: ClosedRange<Int>
    }

    public init() {}

    /// Reads one shard's per-task file (`-` for standard input) and adds its lines; `merged` sees
    /// each line that was added (for checks that need the store, such as key-action warnings).
    public mutating func merge(file path: String, merged: (PerTaskRecord) -> Void = { _ in }) {
        let shard = shards.count
        shards.append(path)
        let failure = PerTaskLines.forEachRecord(inFile: path) { source, record in
            switch record {
            case .success(let record): if add(record, shard: shard, source: source) { merged(record) }
            case .failure(let issue): tally.issues.append(issue)
            }
        }
        if let failure { tally.issues.append(failure) }
    }

    /// One line of shard `shard`; `source` is the per-task line's own position, for messages.
    /// False when the line was refused.
    mutating func add(_ record: PerTaskRecord, shard: Int, source: LineSource) -> Bool {
        let line = record.line, origin = record.origin
        let here = origin.map { " (graded from \($0.file):\($0.line))" } ?? ""
        let lineMode: GradeMode = line.simulation == nil ? .recorded : .simulate
        if let mode, mode != lineMode {
            refuse(source, "graded in \(lineMode.rawValue) mode\(here), the lines merged before in \(mode.rawValue) mode: not merged")
            return false
        }
        if let origin, origin.file != "<stdin>" {
            var fileRuns = runs.removeValue(forKey: origin.file) ?? []
            defer { runs[origin.file] = fileRuns }
            if let earlier = fileRuns.last(where: { $0.shard != shard && $0.lines.contains(origin.line) }) {
                refuse(source, "task \(line.identity) graded from \(origin.file):\(origin.line) was merged from \(shards[earlier.shard]) already: the shards overlap; not merged")
                return false
            }
            if let last = fileRuns.last, last.shard == shard, last.lines.upperBound + 1 == origin.line {
                fileRuns[fileRuns.count - 1].lines = last.lines.lowerBound...origin.line
            } else if fileRuns.last.map({ $0.shard != shard || !$0.lines.contains(origin.line) }) ?? true {
                fileRuns.append(LineRun(shard: shard, lines: origin.line...origin.line))
            }
        }
        mode = lineMode
        if let file = origin?.file, knownInputs.insert(file).inserted { inputs.append(file) }
        tally.add(line)
        return true
    }

    private mutating func refuse(_ source: LineSource, _ reason: String) {
        tally.issues.append(GradeIssue(source: source, reason: reason))
    }
}

extension ShardMerge {
    /// Sets the summary's key-action warnings (a per-task line does not carry them: `merge`
    /// checks each merged task again, against the store's key actions).
    public mutating func setKeyActionWarnings(_ warnings: [KeyActionWarning]) {
        tally.keyActionWarnings = warnings
    }
}
