import Foundation
import XCTest

/// `thor-lite merge`: shards graded separately merge into the reports of one run, byte for byte.
extension CLITests {
    /// Splits `lines` into `count` shard files of consecutive lines, as `split -n l/3` does.
    func shards(_ lines: [Substring], count: Int, name: String) throws -> [String] {
        (0..<count).map { shard in
            let file = work.appendingPathComponent("\(name).\(shard)").path
            let part = lines[(shard * lines.count / count)..<((shard + 1) * lines.count / count)]
            FileManager.default.createFile(atPath: file, contents: Data(part.map { $0 + "\n" }.joined().utf8))
            return file
        }
    }

    /// Grades each shard with --per-task and merges the per-task files; compares every output
    /// with one grade run over the same shard files. Returns the merged summary.
    func assertMergeEqualsOneRun(_ shardFiles: [String], mode: String, store: String, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        var perTaskFiles: [String] = []
        for shard in shardFiles {
            let perTask = shard + ".per_task"
            let graded = try run(["grade", "--mode", mode, shard, "--store", store, "--per-task", perTask, "--format", "csv"])
            XCTAssertEqual(graded.status, 0, graded.stderr, file: file, line: line)
            perTaskFiles.append(perTask)
        }
        var merged = Data()
        for format in ["table", "json", "csv", "er-csv"] {
            let one = work.appendingPathComponent("one.json").path, many = work.appendingPathComponent("merged.json").path
            let single = try run(["grade", "--mode", mode] + shardFiles + ["--store", store, "--summary", one, "--format", format])
            let merge = try run(["merge"] + perTaskFiles + ["--store", store, "--summary", many, "--format", format])
            XCTAssertEqual(single.status, 0, single.stderr, file: file, line: line)
            XCTAssertEqual(merge.status, 0, merge.stderr, file: file, line: line)
            XCTAssertEqual(merge.stdout, single.stdout, "--format \(format)", file: file, line: line)
            merged = try Data(contentsOf: URL(fileURLWithPath: many))
            XCTAssertEqual(merged, try Data(contentsOf: URL(fileURLWithPath: one)), "summary", file: file, line: line)
        }
        return merged
    }

    /// The summary without `meta.inputs` (the one field that names the files graded).
    func withoutInputs(_ summary: Data) throws -> NSDictionary {
        var document = try XCTUnwrap(JSONSerialization.jsonObject(with: summary) as? [String: Any])
        var meta = try XCTUnwrap(document["meta"] as? [String: Any])
        meta["inputs"] = nil
        document["meta"] = meta
        // A key-action warning names the input line it was found on: a shard's, or the whole file's.
        if let warnings = document["key_action_warnings"] as? [[String: Any]] {
            document["key_action_warnings"] = warnings.map { warning in warning.filter { $0.key != "file" && $0.key != "line" } }
        }
        return document as NSDictionary
    }

    func testMergedShardsOfRecordedResultsOfTwoModelsGiveTheReportsOfOneRun() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        let merged = try assertMergeEqualsOneRun(try shards(lines, count: 3, name: "results"), mode: "recorded", store: store)
        // Against the unsplit file, only the names of the files graded differ.
        let whole = work.appendingPathComponent("whole.json").path
        XCTAssertEqual(try run(["grade", "--mode", "recorded", results, "--store", store, "--summary", whole]).status, 0)
        XCTAssertEqual(try withoutInputs(merged), try withoutInputs(try Data(contentsOf: URL(fileURLWithPath: whole))))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: merged) as? [String: Any])
        XCTAssertEqual((document["meta"] as? [String: Any])?["inputs"] as? [String], (0..<3).map { work.appendingPathComponent("results.\($0)").path })
        XCTAssertEqual((document["models"] as? [String: Any])?.keys.sorted(), ["model-a", "model-b"])
    }

    func testMergedShardsOfSimulatedPlansAndResponsesGiveTheReportsOfOneRun() throws {
        let predictions = Self.fixtures.appendingPathComponent("predictions")
        let lines = try ["plans.jsonl", "responses.jsonl"].flatMap {
            try String(contentsOf: predictions.appendingPathComponent($0), encoding: .utf8).split(separator: "\n")
        }
        let merged = try assertMergeEqualsOneRun(try shards(lines, count: 3, name: "mixed"), mode: "simulate", store: store)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: merged) as? [String: Any])
        XCTAssertEqual((document["meta"] as? [String: Any])?["mode"] as? String, "simulate")
        XCTAssertNotNil(document["simulation"], "the simulation block is rebuilt from the per-task lines")
    }

    func testTheRealExpertPlansGradedInThreeShardsMergeIntoTheSummaryOfOneRun() throws {
        let data = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? CLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: data) else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(data); set THOR_LITE_ER_DATA to run this test")
        }
        let realStore = work.appendingPathComponent("real.sqlite").path
        let imported = try run(["import", data, "--store", realStore, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let plans = try run(["tasks", "--plans", "--store", realStore])
        XCTAssertEqual(plans.status, 0, plans.stderr)
        let lines = plans.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 809)
        let merged = try assertMergeEqualsOneRun(try shards(lines, count: 3, name: "plans"), mode: "simulate", store: realStore)
        let planFile = work.appendingPathComponent("plans.jsonl")
        try Data(plans.stdout.utf8).write(to: planFile)
        let whole = work.appendingPathComponent("whole.json").path
        XCTAssertEqual(try run(["grade", planFile.path, "--store", realStore, "--summary", whole]).status, 0)
        XCTAssertEqual(try withoutInputs(merged), try withoutInputs(try Data(contentsOf: URL(fileURLWithPath: whole))))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: merged) as? [String: Any])
        XCTAssertEqual(document["tasks"] as? Int, 809)
        // The 13 tasks whose key actions can never match are found again by the merge.
        XCTAssertEqual((document["key_action_warnings"] as? [Any])?.count, 13)
        XCTAssertEqual(((document["coverage"] as? [String: Any])?["unknown"] as? [String: Any])?["graded"] as? Int, 809)
    }

    func testShardsGivenInAnotherOrderEqualOneRunOverTheirInputsInThatOrder() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        let files = try shards(lines, count: 3, name: "results")
        _ = try assertMergeEqualsOneRun(Array(files.reversed()), mode: "recorded", store: store)
    }

    func testOverlappingShardsAreReportedPerLineAndCountedOnceAndAShardGivenTwiceIsAUsageError() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let perTask = work.appendingPathComponent("per_task.jsonl").path, copy = work.appendingPathComponent("copy.jsonl").path
        XCTAssertEqual(try run(["grade", "--mode", "recorded", results, "--store", store, "--per-task", perTask]).status, 0)
        try FileManager.default.copyItem(atPath: perTask, toPath: copy)
        let same = try run(["merge", perTask, perTask, "--store", store])
        XCTAssertEqual(same.status, 2)
        XCTAssertTrue(same.stderr.contains("are the same file"), same.stderr)
        let once = work.appendingPathComponent("once.json").path, twice = work.appendingPathComponent("twice.json").path
        XCTAssertEqual(try run(["merge", perTask, "--store", store, "--summary", once]).status, 0)
        let merged = try run(["merge", perTask, copy, "--store", store, "--summary", twice, "--format", "json"])
        XCTAssertEqual(merged.status, 1, "lines not merged")
        XCTAssertTrue(merged.stderr.contains("\(copy):1: task 1 graded from \(results):1 was merged from \(perTask) already"), merged.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: twice))) as? [String: Any])
        let single = try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: once))) as? [String: Any])
        XCTAssertEqual(document["tasks"] as? Int, single["tasks"] as? Int)
        XCTAssertEqual((document["errors"] as? [Any])?.count, single["tasks"] as? Int, "every line of the second copy is listed")
        XCTAssertEqual(document["overall"] as? NSDictionary, single["overall"] as? NSDictionary)
    }

    func testMergeRefusesInputsThatAreNotPerTaskFilesAndMissingPaths() throws {
        let results = Self.fixtures.appendingPathComponent("predictions/results.jsonl").path
        let refused = try run(["merge", results, "--store", store])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("\(results):1: trajectory: an input line (it has trajectory), not a per-task line: grade it first"), refused.stderr)
        XCTAssertEqual(try run(["merge", work.appendingPathComponent("absent.jsonl").path]).status, 2)
        XCTAssertEqual(try run(["merge", work.path]).status, 2, "a directory")
        let empty = work.appendingPathComponent("empty.jsonl").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let nothing = try run(["merge", empty])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertTrue(nothing.stderr.contains("no per-task lines"), nothing.stderr)
    }
}
