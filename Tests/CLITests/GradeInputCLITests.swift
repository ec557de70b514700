import Foundation
import XCTest

/// `grade` inputs as a shell gives them: standard input, pipes, FIFOs, /dev/null, run directories
/// with entries that cannot be read, hostile lines next to good ones.
extension CLITests {
    var fixtureResults: String { CLI.fixtures.appendingPathComponent("predictions/results.jsonl").path }

    func testStandardInputAndDevStdinAreInputs() throws {
        let text = try String(contentsOfFile: fixtureResults, encoding: .utf8)
        let direct = try run(["grade", "--mode", "recorded", fixtureResults, "--store", store, "--format", "csv"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        for name in ["-", "/dev/stdin"] {
            let piped = try run(["grade", "--mode", "recorded", name, "--store", store, "--format", "csv"], stdin: text)
            XCTAssertEqual(piped.status, 0, piped.stderr)
            XCTAssertEqual(piped.stdout, direct.stdout, name)
        }
        let perTask = work.appendingPathComponent("stdin.jsonl")
        let bad = try run(["grade", "--mode", "recorded", "-", "--store", store, "--per-task", perTask.path], stdin: "{\"identity\": 1}\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("<stdin>:1: no trajectory, actions or responses field"), bad.stderr)
    }

    func testAFIFOGivenExplicitlyIsRead() throws {
        let fifo = work.appendingPathComponent("lines.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["grade", "--mode", "recorded", fifo, "--store", store, "--format", "csv"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = try XCTUnwrap(FileHandle(forWritingAtPath: fifo))  // opens once thor-lite opens it for reading
        writer.write(try Data(contentsOf: URL(fileURLWithPath: fixtureResults)))
        try writer.close()
        let csv = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(csv.contains("all,overall,overall,32,"), csv)
    }

    /// No line at all: said on stderr, exit 1, and no NaN in any format.
    func testEmptyInputSaysSoAndPrintsNoNaN() throws {
        let empty = work.appendingPathComponent("empty.jsonl")
        try Data("\n \n".utf8).write(to: empty)
        for input in ["/dev/null", empty.path] {
            for format in ["table", "json", "csv"] {
                let graded = try run(["grade", "--mode", "recorded", input, "--store", store, "--format", format])
                XCTAssertEqual(graded.status, 1, "\(input) \(format)")
                XCTAssertTrue(graded.stderr.contains("no input lines: \(input) holds no JSON lines to grade"), graded.stderr)
                XCTAssertFalse((graded.stdout + graded.stderr).lowercased().contains("nan"), graded.stdout)
            }
        }
        // Every line bad: the summary has zero counts, not NaN.
        let bad = try run(["grade", "--mode", "recorded", "-", "--store", store, "--format", "json"], stdin: "x\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertFalse(bad.stdout.lowercased().contains("nan"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("\"count\": 0"), bad.stdout)
    }

    /// A run directory with a FIFO, a directory and a dangling link named result.json beside a good
    /// run: each reported as `path: reason`, the good run graded, no hang, exit 1.
    func testRunDirectoryEntriesThatCannotBeReadAreReportedAndTheRestGraded() throws {
        let runs = work.appendingPathComponent("runs")
        for run in ["good", "fifo", "dir/result.json", "link"] {
            try FileManager.default.createDirectory(at: runs.appendingPathComponent(run), withIntermediateDirectories: true)
        }
        let firstLine = try XCTUnwrap(try String(contentsOfFile: fixtureResults, encoding: .utf8).split(separator: "\n").first)
        try Data(firstLine.utf8).write(to: runs.appendingPathComponent("good/result.json"))
        XCTAssertEqual(mkfifo(runs.appendingPathComponent("fifo/result.json").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: runs.appendingPathComponent("link/result.json").path, withDestinationPath: "/nonexistent/result.json")
        let graded = try run(["grade", "--mode", "recorded", runs.path, "--store", store, "--format", "csv"])
        XCTAssertEqual(graded.status, 1)
        XCTAssertTrue(graded.stdout.contains("all,overall,overall,1,"), graded.stdout)
        for reason in ["dir/result.json: is a directory, not a result file", "fifo/result.json: not a regular file (a FIFO); not opened",
                       "link/result.json: dangling symbolic link (No such file or directory)"] {
            XCTAssertTrue(graded.stderr.contains("\(runs.path)/\(reason)"), "\(reason) in \(graded.stderr)")
        }
    }

    /// Lines that used to kill the process (a surrogate escape trapped, deep nesting overflowed the
    /// stack) are reported; the good lines around them are graded.
    func testHostileLinesAreReportedAndGoodLinesGraded() throws {
        let good = try String(contentsOfFile: fixtureResults, encoding: .utf8).split(separator: "\n").prefix(2).joined(separator: "\n")
        let hostile = [
            #"{"identity": 1, "trajectory": [{"action": "a\uD800\u0041", "success": 1}]}"#,
            #"{"identity": 1, "x": "# + String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000) + "}",
            #"{"identity": 1, "responses": "open fridge"}"#,
        ].joined(separator: "\n")
        let input = work.appendingPathComponent("hostile.jsonl")
        try Data((hostile + "\n" + good + "\n").utf8).write(to: input)
        let graded = try run(["grade", "--mode", "recorded", input.path, "--store", store, "--format", "csv"])
        XCTAssertEqual(graded.status, 1)
        XCTAssertTrue(graded.stdout.contains("all,overall,overall,2,"), graded.stdout)
        XCTAssertTrue(graded.stderr.contains("hostile.jsonl:1: not valid JSON: invalid surrogate pair"), graded.stderr)
        XCTAssertTrue(graded.stderr.contains("hostile.jsonl:2: field x: nested deeper than 512 levels"), graded.stderr)
        XCTAssertTrue(graded.stderr.contains("hostile.jsonl:3: field responses: expected an array of strings, found a string"), graded.stderr)
    }

    /// simdjson reads most lines and ThorJSON the rest; with `THOR_LITE_JSON_READER=thorjson`
    /// ThorJSON reads every line. Good and bad lines alike must give the same bytes either way.
    func testBothJSONReadersGiveTheSameOutput() throws {
        let good = try String(contentsOfFile: fixtureResults, encoding: .utf8)
        let odd = [
            #"{"identity": 1, "tasktype": "t", "taskname": "n", "key_actions": ["end"], "trajectory": [{"action": "end", "success": 0.0}]}"#,
            #"{"identity": 2, "trajectory": [{"action": "end", "success": 1}], "messages": ["\u00e9 \"q\" tru"], "x": tru}"#,
            #"{"identity": 3, "trajectory": [{"actio\u006e": "end", "success": 1}], "tasktype": 7}"#,
        ].joined(separator: "\n")
        let input = work.appendingPathComponent("readers.jsonl")
        try Data((good + odd + "\n").utf8).write(to: input)
        var outputs: [[String]] = []
        for reader in ["simdjson", "thorjson"] {
            let perTask = work.appendingPathComponent("per-task-\(reader).jsonl")
            var environment = ProcessInfo.processInfo.environment
            environment["THOR_LITE_JSON_READER"] = reader
            let graded = try CLI.run(["grade", "--mode", "recorded", input.path, "--store", store, "--per-task", perTask.path],
                                     environment: environment)
            XCTAssertEqual(graded.status, 1, graded.stderr)
            outputs.append([graded.stdout, graded.stderr, try String(contentsOf: perTask, encoding: .utf8)])
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertTrue(outputs[0][1].contains("readers.jsonl:34: not valid JSON"), outputs[0][1])
        XCTAssertTrue(outputs[0][1].contains("readers.jsonl:35: field tasktype: expected a string, found a number"), outputs[0][1])
    }
}

extension CLITests {
    /// `grade` looks the first identities up one by one and reads the whole task table past 64 of
    /// them: a line grades the same either way (here its task is looked up after 70 unknown
    /// identities, unknown ones counting as lookups), a string identity finds the integer task
    /// with its text, and the summary's coverage still counts the store's tasks.
    func testTasksLookedUpOneByOneOrFromTheWholeTableGradeAlike() throws {
        let plans = try String(contentsOfFile: CLI.fixtures.appendingPathComponent("predictions/plans.jsonl").path, encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let asString = plans[0].replacingOccurrences(of: #"{"identity": 1,"#, with: #"{"identity": "1","#)
        XCTAssertNotEqual(asString, plans[0])
        let unknown = (0..<70).map { #"{"identity": "missing-\#($0)", "actions": ["end"]}"# }
        func grade(_ lines: [String], _ name: String) throws -> (status: Int32, perTask: [String], summary: String) {
            let input = work.appendingPathComponent("\(name).jsonl"), perTask = work.appendingPathComponent("\(name).per_task.jsonl")
            let summary = work.appendingPathComponent("\(name).summary.json")
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
            let graded = try run(["grade", input.path, "--store", store, "--per-task", perTask.path, "--summary", summary.path])
            // Without the line and file fields, which differ between the two inputs.
            let stripped = try String(contentsOf: perTask, encoding: .utf8).split(separator: "\n").map {
                $0.replacingOccurrences(of: #""line": \d+, "#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""file": "[^"]*", "#, with: "", options: .regularExpression)
            }
            return (graded.status, stripped, try String(contentsOf: summary, encoding: .utf8))
        }
        let direct = try grade(plans + [asString], "direct")
        XCTAssertEqual(direct.status, 0)
        let late = try grade(unknown + plans + [asString], "late")
        XCTAssertEqual(late.status, 1, "the unknown identities are not graded")
        XCTAssertEqual(late.perTask, direct.perTask)
        XCTAssertEqual(direct.perTask.last, direct.perTask.first?.replacingOccurrences(of: #""identity": 1,"#, with: #""identity": "1","#))
        for summary in [direct.summary, late.summary] {
            XCTAssertTrue(summary.contains(#""graded": \#(plans.count),"#) && summary.contains(#""total": \#(plans.count)"#), summary)
        }
    }
}
