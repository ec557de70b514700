import Foundation
import ThorModel
import ThorStore
import XCTest

@testable import ThorGrade
import ThorTestSupport

/// The streaming reports: a per-task line carries everything the reports need, and a merge of
/// shards' per-task lines gives the reports of one run.
final class GradeTallyTests: XCTestCase {
    /// The fixtures' expert plans, their responses and a failing plan, graded in simulate mode.
    func fixtureReport() throws -> GradeReport {
        let root = SimulateModeTests.packageRoot.appendingPathComponent("fixtures")
        let file = Scratch.url("tally", suffix: ".sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: root.appendingPathComponent("upstream")))
        let tasks = try store.allTasks()
        let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity, $0) })
        let grader = Grader(mode: .simulate, lookup: { byIdentity[$0] }, worlds: try TestWorlds(store))
        let predictions = root.appendingPathComponent("predictions")
        var report = grader.grade(try Data(contentsOf: predictions.appendingPathComponent("plans.jsonl")), file: "plans.jsonl")
        report.append(grader.grade(try Data(contentsOf: predictions.appendingPathComponent("responses.jsonl")), file: "responses.jsonl"))
        // Failed steps, so step errors and a goal failure travel through the per-task lines too.
        let failing = #"{"identity": \#(tasks[0].identity), "actions": ["pickup Fridge", "open Banana", "move forward", "end"], "model": "m2"}"#
        report.append(grader.grade(Data(failing.utf8), file: "failing.jsonl"))
        return report
    }

    func perTaskLine(_ task: GradedTask) -> [UInt8] {
        var bytes: [UInt8] = []
        ReportWriters.writePerTask(task, into: &bytes)
        return bytes
    }

    func testAPerTaskLineReadsBackAsTheSameTallyLineAndOrigin() throws {
        let report = try fixtureReport()
        XCTAssertGreaterThan(report.tasks.count, 4)
        XCTAssertTrue(report.tasks.contains { $0.simulation?.steps.contains { $0.error != nil } == true }, "step errors are exercised")
        XCTAssertTrue(report.tasks.contains { $0.simulation?.goalSuccess == false }, "a goal failure is exercised")
        for task in report.tasks {
            let record = try perTaskLine(task).withUnsafeBufferPointer { PerTaskLines.parse($0, source: LineSource(file: "p", line: 1)) }.get()
            XCTAssertEqual(record.line, TallyLine(task), "\(task.source.file):\(task.source.line)")
            XCTAssertEqual(record.origin, task.source)
        }
    }

    func testMergingPerTaskLinesOfShardsGivesTheSummaryTableAndCSVsOfOneRun() throws {
        let report = try fixtureReport()
        let lines = report.tasks.map(perTaskLine)
        let cuts = [0, lines.count / 3, 2 * lines.count / 3, lines.count]
        let directory = Scratch.url("tally")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        var merge = ShardMerge()
        for shard in 0..<3 {
            let file = directory.appendingPathComponent("shard\(shard).jsonl")
            try Data(lines[cuts[shard]..<cuts[shard + 1]].map { $0 + [10] }.joined()).write(to: file)
            merge.merge(file: file.path)
        }
        XCTAssertEqual(merge.tally.issues, [])
        XCTAssertEqual(merge.mode, .simulate)
        XCTAssertEqual(merge.inputs, ["plans.jsonl", "responses.jsonl", "failing.jsonl"])
        let single = report.tally
        XCTAssertEqual(merge.tally.graded, report.tasks.count)
        XCTAssertEqual(ReportWriters.summary(merge.tally).pretty, ReportWriters.summary(single).pretty)
        XCTAssertEqual(ReportWriters.table(merge.tally), ReportWriters.table(single))
        XCTAssertEqual(ReportWriters.csv(merge.tally), ReportWriters.csv(single))
        XCTAssertEqual(merge.tally.referenceCSVText, ReferenceCSV.render(report.tasks))
        XCTAssertNotNil(single.simulationSummary, "the simulation block is compared too")
    }

    func testAnInputLineInTwoShardsIsRefusedWithBothNamedAndCountedOnce() throws {
        let report = try fixtureReport()
        let directory = Scratch.url("tally")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("a.jsonl"), second = directory.appendingPathComponent("b.jsonl")
        try Data((perTaskLine(report.tasks[0]) + [10] + perTaskLine(report.tasks[1]) + [10])).write(to: first)
        try Data((perTaskLine(report.tasks[1]) + [10] + perTaskLine(report.tasks[2]) + [10])).write(to: second)
        var merge = ShardMerge()
        merge.merge(file: first.path)
        merge.merge(file: second.path)
        XCTAssertEqual(merge.tally.graded, 3, "tasks 0, 1 and 2, task 1 once")
        XCTAssertEqual(merge.tally.issues.map(\.source), [LineSource(file: second.path, line: 1)])
        let reason = try XCTUnwrap(merge.tally.issues.first?.reason)
        XCTAssertTrue(reason.contains("task \(report.tasks[1].identity) graded from plans.jsonl:2"), reason)
        XCTAssertTrue(reason.contains("merged from \(first.path) already"), reason)
    }

    func testLinesOfTheOtherModeAndInputLinesAreRefusedNotMerged() throws {
        let report = try fixtureReport()
        var recorded = report.tasks[1]
        recorded.simulation = nil
        recorded.identity = .string("recorded-only")
        let file = Scratch.url("tally", suffix: ".jsonl")
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        let input = Array(#"{"identity": 3, "actions": ["end"], "metrics": {}}"#.utf8)
        try Data([perTaskLine(report.tasks[0]), perTaskLine(recorded), input].map { $0 + [10] }.joined()).write(to: file)
        var merge = ShardMerge()
        merge.merge(file: file.path)
        XCTAssertEqual(merge.tally.graded, 1)
        XCTAssertEqual(merge.tally.issues.map(\.source.line), [2, 3])
        XCTAssertTrue(merge.tally.issues[0].reason.contains("graded in recorded mode"), merge.tally.issues[0].reason)
        XCTAssertTrue(merge.tally.issues[1].reason.contains("not a per-task line: grade it first"), merge.tally.issues[1].reason)
    }

    /// A worker's cache writes simulated lines through the JSON writer and recorded ones from kept
    /// parts: both must be the bytes of the line rendered alone, for every line number, with a
    /// file name that holds the key's own text (inside a JSON string every quote is escaped).
    func testAPerTaskLineFromACacheIsTheLineRenderedAlone() throws {
        var tasks = try fixtureReport().tasks
        var recorded = tasks[0]
        recorded.simulation = nil
        recorded.source.file = #"odd", "line": 5, "x.jsonl"#
        tasks.append(recorded)
        XCTAssertTrue(tasks.contains { $0.simulation != nil })
        // One cache for every line, as a worker keeps it: later lines take parts rendered earlier.
        var cache = PerTaskLineCache()
        for task in tasks {
            for number in [1, 7, 1_234_567, Int.max] {
                var task = task
                task.source.line = number
                var output = Array("earlier line\n".utf8)
                cache.writeLine(task, into: &output)
                XCTAssertEqual(String(decoding: output, as: UTF8.self), "earlier line\n" + String(decoding: perTaskLine(task) + [10], as: UTF8.self))
            }
        }
    }

    /// The consumer skips coverage and the key-action warnings for a line its worker marks as
    /// repeating an identity and model it graded before (`GradedLine.repeatsIdentity`): over lines
    /// whose models, whole-number and text identities (`7` and `"7"`) interleave, in chunks small
    /// enough that both workers take turns, the coverage and warnings must be those of checking
    /// every line, and most lines must have been skipped.
    func testLinesRepeatingAnIdentityAndModelAddNothingToCoverageOrWarnings() throws {
        let lines = try Self.interleavedLines(rounds: 12) { round, _ in "\"model-\(round % 3)\"" }
        let input = GradeInput(source: .memory(Data(lines.joined(separator: "\n").utf8)), name: "interleaved.jsonl")
        let grader = Grader(mode: .recorded, lookup: { _ in nil })
        var skipping = GradeTally(), checking = GradeTally()
        var skippingWarnings = Self.warnings(), checkingWarnings = Self.warnings()
        var repeats = 0
        grader.grade(input, chunkSize: 3000, renderingPerTask: false, tallying: { outcome in
            guard case .success(let line) = outcome else { return XCTFail("\(outcome)") }
            if line.repeatsIdentity { repeats += 1 }
            skippingWarnings.check(line)
            skipping.add(line.tally, repeatsIdentity: line.repeatsIdentity)
            checkingWarnings.check(line.tally.identity, scene: line.scene, keyActions: line.lineKeyActions, source: line.source)
            checking.add(line.tally)
        })
        XCTAssertGreaterThan(repeats, lines.count / 2)
        skipping.finishCoverage(storeTasks: Self.storeTasks)
        checking.finishCoverage(storeTasks: Self.storeTasks)
        XCTAssertEqual(skipping.coverage, checking.coverage)
        XCTAssertEqual(skipping.coverage?.count, 4)
        XCTAssertEqual(skippingWarnings.warnings.map(\.description), checkingWarnings.warnings.map(\.description))
        XCTAssertGreaterThan(skippingWarnings.warnings.count, 10)
    }

    /// `grade`'s consumer (`Grader.grade(_:chunkSize:renderingPerTask:into:warnings:perTask:)`)
    /// receives a line whose identity, model and task type its worker handed on before as its
    /// metrics and a pair number (`TallyItem.repeated`), and adds it at the slots it kept for the
    /// pair. Over lines with more models than a worker numbers by bytes (`maxModels`), more task
    /// types than it numbers (`maxTypes`), an identity whose task type changes between lines, a
    /// null model, text identities and `7` beside `"7"`, in chunks small enough that both workers
    /// take turns, with and without per-task lines, every report (summary, table, CSV, er-csv,
    /// coverage, warnings, per-task bytes) must be that of adding each whole line; and most lines
    /// must take the short way.
    func testLinesTalliedByPairNumberGiveTheReportsOfWholeLines() throws {
        let lines = try Self.interleavedLines(rounds: 40) { round, n in
            round % 13 == 12 ? "null" : "\"model-\((round + n) % 11)\""
        } edit: { line, round, n in
            // Task types past `maxTypes`, and identity 3's type changing from round to round.
            n % 5 == 1 ? line.replacingOccurrences(of: #""tasktype": ""#, with: #""tasktype": "t\#(round % 37)-"#) : line
        }
        let input = GradeInput(source: .memory(Data(lines.joined(separator: "\n").utf8)), name: "pairs.jsonl")
        let grader = Grader(mode: .recorded, lookup: { _ in nil })
        func reports(_ tally: GradeTally, _ warnings: KeyActionWarnings) -> [String] {
            var tally = tally
            tally.finishCoverage(storeTasks: Self.storeTasks)
            let totals = tally.totals
            return [ReportWriters.summary(tally, totals).pretty, ReportWriters.table(tally, totals, pooled: false), ReportWriters.csv(tally, totals),
                    tally.referenceCSVText, warnings.warnings.map(\.description).joined(separator: "\n")]
        }
        for (chunkSize, renderingPerTask) in [(2500, false), (2500, true), (1 << 16, false)] {
            var whole = GradeTally(), byPair = GradeTally()
            var wholeWarnings = Self.warnings(), byPairWarnings = Self.warnings()
            var wholePerTask: [UInt8] = [], byPairPerTask: [UInt8] = []
            grader.grade(input, chunkSize: chunkSize, renderingPerTask: renderingPerTask, tallying: { outcome in
                guard case .success(let line) = outcome else { return XCTFail("\(outcome)") }
                wholeWarnings.check(line)
                whole.add(line.tally, repeatsIdentity: line.repeatsIdentity)
            }, perTask: { wholePerTask += $0 })
            grader.grade(input, chunkSize: chunkSize, renderingPerTask: renderingPerTask, into: &byPair, warnings: &byPairWarnings,
                         perTask: { byPairPerTask += $0 })
            XCTAssertEqual(byPair.graded, lines.count)
            XCTAssertEqual(reports(byPair, byPairWarnings), reports(whole, wholeWarnings), "chunks of \(chunkSize)")
            XCTAssertEqual(byPairPerTask, wholePerTask)
            XCTAssertGreaterThan(byPairWarnings.warnings.count, 10)
        }
        // One worker, line by line: most lines take the short way.
        var worker = GradeWorker()
        var repeated = 0
        for (number, line) in lines.enumerated() {
            let graded = Array(line.utf8).withUnsafeBufferPointer {
                grader.tallyItem(line: $0, readable: $0.count, source: LineSource(file: "f", line: number + 1), worker: &worker)
            }
            switch graded {
            case .success(.repeated): repeated += 1
            case .success(.line): break
            case .failure(let issue): XCTFail("\(issue)")
            }
        }
        XCTAssertGreaterThan(repeated, lines.count / 3)
    }

    /// The fixture's result lines, repeated `rounds` times: each line's model replaced by the JSON
    /// value `model(round, n)` (n: the line's position in the fixture), a key action that can never
    /// match put first (so each task's first line warns), every fourth line's identity the text
    /// `"7"` (beside the whole number 7), then `edit(line, round, n)`.
    static func interleavedLines(
        rounds: Int, model: (Int, Int) -> String, edit: (String, Int, Int) -> String = { line, _, _ in line }
    ) throws -> [String] {
        let root = SimulateModeTests.packageRoot.appendingPathComponent("fixtures/predictions/results.jsonl")
        let fixture = try String(contentsOf: root, encoding: .utf8).split(separator: "\n").map(String.init)
        var lines: [String] = []
        for round in 0..<rounds {
            for (n, line) in fixture.enumerated() {
                var line = line.replacingOccurrences(of: #""model": "model-a""#, with: #""model": \#(model(round, n))"#)
                line = line.replacingOccurrences(of: #""key_actions": ["#, with: #""key_actions": ["pick up Apple", "#)
                if (n + round) % 4 == 0 { line = line.replacingOccurrences(of: #"{"identity": "#, with: #"{"identity": "7", "x": "#) }
                lines.append(edit(line, round, n))
            }
        }
        return lines
    }

    /// Key-action warnings with no store and no scenes: only the lines' own key actions are checked.
    static func warnings() -> KeyActionWarnings { KeyActionWarnings(sceneTypes: { _ in nil }, storeKeyActions: { _ in nil }) }

    /// The tasks coverage is finished against in `interleavedLines`' tests.
    static let storeTasks = (0..<40).map { TaskIdentity.int($0) } + [.string("7")]

    /// Coverage and the key-action warnings ask an `IdentitySet` whether a line's identity is new:
    /// it must answer as a `Set<TaskIdentity>` does, for whole numbers kept as bits (around word
    /// boundaries and the limit) and for everything else (negative and large numbers, strings,
    /// `"7"` beside `7`), in any order.
    func testAnIdentitySetAnswersAsASetOfIdentities() {
        let limit = IdentitySet.bitLimit
        var values: [TaskIdentity] = [0, 1, 63, 64, 65, 1023, 1024, 5000, limit - 1, limit, limit + 1, -1, Int.min, Int.max].map { .int($0) }
        values += ["7", "0", "", "x"].map { .string($0) } + [.int(7)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(.int(Int.random(in: -100..<(limit + 100), using: &generator))) }
        for _ in 0..<500 { values.append(.int(Int.random(in: 0..<3000, using: &generator))) }
        for order in [values, values.reversed(), values.shuffled()] {
            var expected = Set<TaskIdentity>(), set = IdentitySet()
            for identity in order + order {
                XCTAssertEqual(set.insert(identity), expected.insert(identity).inserted, "\(identity)")
            }
        }
    }

    /// A worker renders the parts of per-task lines that repeat (the file name, the metrics
    /// object, the model, scene and task type) once and copies them after: lines whose metrics
    /// differ only in the sign of a zero, in one double's last bit or in one count, whose file
    /// names alternate, whose texts differ only inside (the same length, first and last eight
    /// bytes), in a null or empty scene or need escapes, with text and negative identities, and
    /// simulated lines between them, must each get the bytes of their own line rendered alone.
    func testPartsRenderedForEarlierLinesAreTheBytesOfEachLineAlone() throws {
        var base = try fixtureReport().tasks[0]
        base.simulation = nil
        let doubles: [Double] = [0.0, -0.0, 0.5, 0.5.nextUp, 1.0 / 3.0, 2.0 / 3.0, 1.0]
        var lines: [GradedTask] = []
        for (n, value) in doubles.enumerated() {
            for field in 0..<7 {
                var task = base
                switch field {
                case 0: task.metrics.efficiency = value
                case 1: task.metrics.completeness = value
                case 2: task.metrics.completenessOrdered = value
                case 3: task.metrics.repeatRate = value
                case 4: task.metrics.success = n % 2
                case 5: task.metrics.keyActionsSuccess = n
                default: task.metrics.step = n
                }
                task.source.file = field % 2 == 0 ? "a.jsonl" : #"b "quoted".jsonl"#
                lines.append(task)
            }
        }
        // More distinct values than the cache has slots, and more bytes than its arena holds:
        // slots taken by another value, and the cache started over, mid-stream.
        var generator = SystemRandomNumberGenerator()
        for n in 0..<10_000 {
            var task = base
            task.metrics.efficiency = Double(n) / 10_007
            task.metrics.completeness = Double(UInt32.random(in: 0..<4, using: &generator)) / 3
            task.metrics.step = n % 7
            lines.append(task)
        }
        // Texts alike but for their middle, and more distinct ones than the cache has slots and
        // its arena holds (long scene names).
        let texts = ["", "m", "model-a", "model-ab", "prefix--A--suffix", "prefix--B--suffix", #"say "hi"\ now"#, "tab\there", "ünïcode ✓"]
        for (n, text) in texts.enumerated() {
            for field in 0..<3 {
                var task = base
                switch field {
                case 0: task.model = text
                case 1: task.scene = n % 3 == 0 ? nil : text
                default: task.taskType = text
                }
                task.identity = n % 2 == 0 ? .string(text) : .int(-n)
                lines.append(task)
            }
        }
        for n in 0..<6000 {
            var task = base
            task.scene = String(repeating: "s", count: 200) + String(n) + String(repeating: "e", count: 8)
            task.taskType = n % 3 == 0 ? "single_search" : "pickup_and_put_in_closerep"
            task.model = "model-\(n % 5)"
            lines.append(task)
        }
        let simulated = try fixtureReport().tasks.filter { $0.simulation != nil }
        XCTAssertFalse(simulated.isEmpty)
        for (n, task) in simulated.enumerated() { lines.insert(task, at: n * 97 % lines.count) }
        var cache = PerTaskLineCache()
        for task in lines + lines.reversed() {
            var output: [UInt8] = []
            cache.writeLine(task, into: &output)
            XCTAssertEqual(String(decoding: output, as: UTF8.self), ReportWriters.perTask(task).compact + "\n")
        }
    }

    /// The tally looks a line's model and task type up once (the last pair, then every pair
    /// seen) and adds at slots: interleaved models and types, a model spelt in a fresh string,
    /// `7` and `"7"`, steps of every bucket and a negative one must give what each group summed
    /// on its own gives.
    func testSlotsOfInterleavedModelsAndTaskTypesGiveEachGroupsOwnSums() throws {
        let types = ["pickup_and_put", "single_search", "ordered_pickup_two_object_and_put", "single_toggle"]
        var tasks: [GradedTask] = []
        for n in 0..<200 {
            // A fresh string per line for "model-b" (not the storage of the line before).
            let model = n % 3 == 0 ? "a" : String(["model-", "b"].joined())
            let identity: TaskIdentity = n % 5 == 0 ? .string(String(n % 40)) : .int(n % 40)
            let metrics = TaskMetrics(
                success: n % 2, efficiency: Double(n % 7) / 7, completeness: Double(n % 3) / 3, completenessOrdered: 0.1 * Double(n % 4),
                keyActionsSuccess: 0, repeatRate: Double(n % 11) / 11, step: n == 17 ? -1 : n % 12)
            tasks.append(GradedTask(
                source: LineSource(file: "f", line: n + 1), identity: identity, model: model,
                taskType: types[(n / 3 + n % 2) % types.count], scene: nil, metrics: metrics))
        }
        var tally = GradeTally()
        for task in tasks { tally.add(TallyLine(task)) }
        XCTAssertEqual(tally.totals.all, MetricTotals(tasks).all)
        XCTAssertEqual(tally.totals.models, MetricTotals(tasks).models)
        XCTAssertEqual(tally.referenceCSVText, ReferenceCSV.render(tasks))
        for model in ["a", "model-b"] {
            var own = StepSuccess()
            for task in tasks where task.model == model { own.add(task.metrics) }
            XCTAssertEqual(tally.byStep[model], own, model)
            XCTAssertEqual(tally.byStep[model]?.buckets, own.buckets, model)
        }
        XCTAssertEqual(tally.byStep["a"]?.buckets["-1"]?.count, nil)
        XCTAssertEqual(tally.byStep["model-b"]?.buckets["-1"]?.count, 1, "line 18 (n = 17) is model-b's")
        tally.finishCoverage(storeTasks: (0..<50).map(TaskIdentity.int))
        let coverage = try XCTUnwrap(tally.coverage)
        XCTAssertEqual(coverage.map(\.model), ["a", "model-b"])
        for entry in coverage {
            let graded = Set(tasks.filter { $0.model == entry.model }.map(\.identity.description))
            XCTAssertEqual(entry.graded, graded.count, entry.model)
            XCTAssertEqual(entry.missing.count, 50 - graded.count, entry.model)
        }
    }
}
