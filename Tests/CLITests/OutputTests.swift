import Foundation
import XCTest
import ThorTestSupport

/// Output paths: `-` and streams are written in place, regular files replaced whole, symlinks
/// followed and kept, and every write error is reported with exit 2.
final class OutputTests: XCTestCase {
    var work = URL(fileURLWithPath: "/")
    var store: String { work.appendingPathComponent("fixtures.sqlite").path }
    let results = CLI.fixtures.appendingPathComponent("predictions/results.jsonl").path

    override func setUpWithError() throws {
        work = Scratch.url("out")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try CLI.run(["import", CLI.fixtures.appendingPathComponent("upstream").path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    func grade(_ extra: [String], stdout: FileHandle? = nil) throws -> CLI.Run {
        try CLI.run(["grade", "--mode", "recorded", results, "--store", store, "--format", "csv"] + extra, stdout: stdout)
    }

    /// stdout redirected to a file, as `thor-lite ... > file` does.
    func redirected(_ name: String) throws -> (URL, FileHandle) {
        let file = work.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        return (file, try FileHandle(forWritingTo: file))
    }

    func linkTarget(_ path: String) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    func testPerTaskToDevStdoutOrDashWithStdoutRedirectedPutsTheLinesInTheFileAndLeavesDevStdoutAlone() throws {
        let before = try linkTarget("/dev/stdout")
        for option in ["/dev/stdout", "-"] {
            let (file, handle) = try redirected("out\(option.count).txt")
            let graded = try grade(["--per-task", option], stdout: handle)
            try handle.close()
            XCTAssertEqual(graded.status, 0, graded.stderr)
            let text = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("{\"") }.count, 32, "per-task lines of \(option)")
            XCTAssertTrue(text.contains("model,group,name,count"), "the table follows the per-task lines")
            XCTAssertEqual(try linkTarget("/dev/stdout"), before, "/dev/stdout is still the same symlink")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("-").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "-"), "no file named '-' in the working directory")
    }

    func testASymlinkToARegularFileIsFollowedTheTargetReplacedAndTheLinkKept() throws {
        let target = work.appendingPathComponent("target.jsonl"), link = work.appendingPathComponent("link.jsonl")
        try Data("old\n".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let graded = try grade(["--per-task", link.path, "--summary", work.appendingPathComponent("summary.json").path])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        XCTAssertEqual(try linkTarget(link.path), target.path, "the symlink is still a symlink to the same file")
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8).split(separator: "\n").count, 32)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [], "no temporary file left behind")
    }

    func testDevicesAndFIFOsAreWrittenInPlace() throws {
        XCTAssertEqual(try grade(["--per-task", "/dev/null", "--summary", "/dev/null"]).status, 0)
        let fifo = work.appendingPathComponent("lines.fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let reader = CLI.Collected()
        Thread {
            // Opening blocks until thor-lite opens the FIFO for writing.
            reader.data = FileHandle(forReadingAtPath: fifo.path)?.readDataToEndOfFile() ?? Data()
            reader.done.signal()
        }.start()
        let graded = try grade(["--per-task", fifo.path])
        XCTAssertEqual(graded.status, 0, graded.stderr)
        reader.done.wait()
        XCTAssertEqual(String(decoding: reader.data, as: UTF8.self).split(separator: "\n").count, 32)
        var info = stat()
        XCTAssertEqual(lstat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
    }

    func testWriteErrorsExitWithTwoNeverZero() throws {
        let full = try XCTUnwrap(FileHandle(forWritingAtPath: "/dev/full"))
        for arguments in [["grade", "--mode", "recorded", results], ["info"], ["tasks"], ["task", "1"], ["scene", "FloorPlan30"], ["tasks", "--plans"]] {
            let run = try CLI.run(arguments + ["--store", store], stdout: full)
            XCTAssertEqual(run.status, 2, "\(arguments) > /dev/full")
            XCTAssertTrue(run.stderr.contains("standard output: cannot write: No space left on device"), run.stderr)
        }
        for option in ["--per-task", "--summary"] {
            let run = try grade([option, "/dev/full"])
            XCTAssertEqual(run.status, 2, option)
            XCTAssertTrue(run.stderr.contains("/dev/full: cannot write: No space left on device"), run.stderr)
        }
        let directory = try grade(["--per-task", work.path])
        XCTAssertEqual(directory.status, 2)
        XCTAssertTrue(directory.stderr.contains("it is a directory"), directory.stderr)
    }

    func testAClosedPipeIsReportedAsAWriteErrorNotASignal() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let run = try CLI.run(["tasks", "--plans", "--store", store], stdout: pipe.fileHandleForWriting)
        XCTAssertFalse(run.signalled, "thor-lite ignores SIGPIPE")
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("Broken pipe"), run.stderr)
    }

    /// Thousands of bad lines write far more than a pipe buffer to stderr; the runner drains both
    /// pipes at once, so this finishes (the old helper read stdout to the end first and hung).
    func testALargeStderrDoesNotBlockTheRun() throws {
        let input = work.appendingPathComponent("bad.jsonl")
        try Data(String(repeating: "{\"identity\": 404, \"actions\": [\"end\"]}\n", count: 5000).utf8).write(to: input)
        let run = try CLI.run(["grade", input.path, "--store", store])
        XCTAssertEqual(run.status, 1)
        XCTAssertGreaterThan(run.stderr.utf8.count, 65536)
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.contains("task 404 is not in the store") }.count, 5000)
    }
}
