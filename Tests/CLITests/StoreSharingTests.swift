import Foundation
import GRDB
import XCTest
import ThorTestSupport

/// Many processes on one store, and the store under faults: readers are never blocked or refused,
/// writers wait for each other, a killed or failed import leaves the previous contents, and read
/// commands never change the file.
final class StoreSharingTests: XCTestCase {
    var work = URL(fileURLWithPath: "/")
    var store: String { work.appendingPathComponent("store.sqlite").path }
    let upstream = CLI.fixtures.appendingPathComponent("upstream")
    let plans = CLI.fixtures.appendingPathComponent("predictions/plans.jsonl").path
    let results = CLI.fixtures.appendingPathComponent("predictions/results.jsonl").path

    override func setUpWithError() throws {
        work = Scratch.url("share")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let imported = try CLI.run(["import", upstream.path, "--store", store, "-q"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws {
        chmod(work.path, 0o755)
        try? FileManager.default.removeItem(at: work)
    }

    // MARK: helpers

    /// Every read command, as argument lists (serve reads `serveRequests` on stdin).
    var readCommands: [[String]] {
        [["info"], ["info", "--json"], ["task", "1"], ["task", "1", "--json"], ["tasks"], ["tasks", "--check"], ["tasks", "--plans"],
         ["scene", "FloorPlan30"], ["scene", "FloorPlan30", "--json"], ["grade", plans], ["grade", "--mode", "recorded", results], ["serve"]]
    }
    let serveRequests = Data("{\"op\": \"reset\", \"task\": 1}\n{\"op\": \"step\", \"action\": \"navigate to CounterTop\"}\n{\"op\": \"close\"}\n".utf8)

    func scenes(in path: String) throws -> Int? {
        let info = try CLI.run(["info", "--json", "--store", path])
        guard info.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])?["scenes"] as? Int
    }

    /// A checkout in the upstream layout with 90 more scenes (copies of the fixture kitchen), so
    /// an import of it writes for a while and its scene count tells it from the fixtures' 3.
    func largerCheckout() throws -> URL {
        let root = work.appendingPathComponent("larger")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("data_engine/taskgenerate"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: root.appendingPathComponent("data"), withDestinationURL: upstream.appendingPathComponent("data"))
        let scenes = upstream.appendingPathComponent("data_engine/taskgenerate")
        for room in try fm.contentsOfDirectory(atPath: scenes.path) {
            try fm.copyItem(at: scenes.appendingPathComponent(room), to: root.appendingPathComponent("data_engine/taskgenerate/\(room)"))
        }
        let kitchen = scenes.appendingPathComponent("kitchens/FloorPlan30")
        for (room, numbers) in [("kitchens", 1...29), ("living_rooms", 201...229), ("bedrooms", 301...332)] {
            let folder = root.appendingPathComponent("data_engine/taskgenerate/\(room)")
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            for number in numbers { try fm.createSymbolicLink(at: folder.appendingPathComponent("FloorPlan\(number)"), withDestinationURL: kitchen) }
        }
        return root
    }

    /// Whether some process holds the store's write lock: BEGIN IMMEDIATE fails at once with
    /// SQLITE_BUSY (no busy timeout on this probe).
    func writeLockHeld() -> Bool {
        do {
            let probe = try DatabaseQueue(path: store)
            try probe.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "ROLLBACK")
            }
            return false
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return true
        } catch {
            return false
        }
    }

    /// Starts an import of the larger checkout and freezes it (SIGSTOP) while it holds the write
    /// lock inside its transaction.
    func frozenImport() throws -> Process {
        let checkout = try largerCheckout()
        for attempt in 0..<20 {
            let process = try CLI.start(["import", checkout.path, "--store", store, "-q"], output: work.appendingPathComponent("import\(attempt)"))
            while process.isRunning {
                if writeLockHeld() {
                    kill(process.processIdentifier, SIGSTOP)
                    if writeLockHeld() { return process }
                    kill(process.processIdentifier, SIGCONT)
                }
                usleep(500)
            }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "an import finished before it could be frozen")
            // It finished before the probe saw it: restore the fixtures and try again.
            XCTAssertEqual(try CLI.run(["import", upstream.path, "--store", store, "-q"]).status, 0)
        }
        throw XCTSkip("could not catch an import inside its transaction in 20 attempts")
    }

    /// Starts `count` processes per command list at once and waits for all; returns the failures
    /// as "command: exit status: stderr".
    func runConcurrently(_ commands: [[String]], stdin: Data? = nil) throws -> [String] {
        let requests = work.appendingPathComponent("requests.jsonl")
        try serveRequests.write(to: requests)
        var running: [(Process, [String], URL)] = []
        for (index, command) in commands.enumerated() {
            let output = work.appendingPathComponent("run\(index)")
            let input = command.first == "serve" ? try FileHandle(forReadingFrom: requests) : nil
            running.append((try CLI.start(command + ["--store", store], output: output, stdin: input), command, output))
        }
        var failures: [String] = []
        for (process, command, output) in running {
            process.waitUntilExit()
            if process.terminationStatus != 0 || process.terminationReason != .exit {
                let stderr = (try? String(contentsOfFile: output.path + ".err", encoding: .utf8)) ?? ""
                failures.append("\(command.joined(separator: " ")): \(process.terminationStatus): \(stderr)")
            }
        }
        return failures
    }

    /// 64 readers (info, task, tasks, scene, serve) and 16 graders.
    var readersAndGraders: [[String]] {
        let readers: [[String]] = [["info"], ["info", "--json"], ["task", "1"], ["tasks"], ["scene", "FloorPlan30"], ["serve"], ["tasks", "--check"], ["task", "2", "--json"]]
        let graders: [[String]] = [["grade", plans], ["grade", "--mode", "recorded", results]]
        return Array(repeating: readers, count: 8).flatMap { $0 } + Array(repeating: graders, count: 8).flatMap { $0 }
    }

    // MARK: tests

    func testReadCommandsNeverChangeTheStoreFile() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        for command in readCommands {
            let run = try CLI.run(command + ["--store", store], stdin: command == ["serve"] ? serveRequests : nil)
            XCTAssertEqual(run.status, 0, "\(command): \(run.stderr)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before, "\(command) changed the store file")
        }
    }

    func testSixtyFourReadersAndSixteenGradersDuringAnImportAllSucceedAndSeeTheEarlierData() throws {
        let frozen = try frozenImport()
        // A second import started meanwhile must wait for the first, not fail.
        let second = try CLI.start(["import", upstream.path, "--store", store, "-q"], output: work.appendingPathComponent("second"))
        let failures = try runConcurrently(readersAndGraders)
        XCTAssertEqual(failures, [], "\(failures.count) of \(readersAndGraders.count) processes failed while an import held the write lock")
        XCTAssertEqual(try scenes(in: store), 3, "readers see the data from before the import")
        kill(frozen.processIdentifier, SIGCONT)
        frozen.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual(frozen.terminationStatus, 0)
        XCTAssertEqual(second.terminationStatus, 0, (try? String(contentsOfFile: work.appendingPathComponent("second.err").path, encoding: .utf8)) ?? "")
        XCTAssertEqual(try scenes(in: store), 3, "the second import (the fixtures) ran after the first")
    }

    func testConcurrentImportsAndReadersAllSucceed() throws {
        let commands = Array(repeating: ["import", upstream.path, "-q"], count: 4) + Array(readersAndGraders.prefix(40))
        let failures = try runConcurrently(commands)
        XCTAssertEqual(failures, [], "\(failures.count) of \(commands.count) failed")
        XCTAssertEqual(try scenes(in: store), 3)
    }

    func testKillDuringAnImportKeepsTheEarlierDataAndTheStoreUsable() throws {
        let frozen = try frozenImport()
        kill(frozen.processIdentifier, SIGKILL)
        frozen.waitUntilExit()
        XCTAssertEqual(frozen.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try scenes(in: store), 3, "the killed import left nothing behind")
        XCTAssertEqual(try DatabaseQueue(path: store).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }, "ok")
        let again = try CLI.run(["import", work.appendingPathComponent("larger").path, "--store", store, "-q"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try scenes(in: store), 93)
    }

    /// Files that are not thor-lite stores: every command refuses them with exit 2 and a message
    /// saying so, and none is changed.
    func testFilesThatAreNotThorLiteStoresAreRefusedAndLeftUntouched() throws {
        let other = work.appendingPathComponent("other-app.sqlite").path
        try DatabaseQueue(path: other).write { db in
            try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me')")
        }
        let versioned = work.appendingPathComponent("versioned.sqlite").path
        try DatabaseQueue(path: versioned).write { db in
            try db.execute(sql: "CREATE TABLE scenes (id INTEGER PRIMARY KEY); PRAGMA user_version = 1")
        }
        let text = work.appendingPathComponent("text.sqlite").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        var corruptBytes = try Data(contentsOf: URL(fileURLWithPath: store))
        corruptBytes.replaceSubrange(100..<4096, with: Data(repeating: 0xA5, count: 3996))
        let corrupt = work.appendingPathComponent("corrupt.sqlite").path
        try corruptBytes.write(to: URL(fileURLWithPath: corrupt))
        let empty = work.appendingPathComponent("empty.sqlite").path
        FileManager.default.createFile(atPath: empty, contents: nil)
        let directory = work.appendingPathComponent("directory.sqlite").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)

        for path in [other, versioned, text, corrupt, empty, directory] {
            let before = try? Data(contentsOf: URL(fileURLWithPath: path))
            // Recorded results carry every field they need, so that grade never opens the store.
            var commands = readCommands.filter { !$0.contains("recorded") }
            if path != empty { commands.append(["import", upstream.path, "-q"]) }  // an empty file may become a store
            for command in commands {
                let run = try CLI.run(command + ["--store", path], stdin: command == ["serve"] ? serveRequests : nil)
                XCTAssertEqual(run.status, 2, "\(command) on \(path): \(run.stderr)")
                XCTAssertTrue(run.stderr.contains("is not a thor-lite store"), "\(command) on \(path): \(run.stderr)")
                XCTAssertEqual(try? Data(contentsOf: URL(fileURLWithPath: path)), before, "\(command) changed \(path)")
            }
        }
        let listing = try FileManager.default.contentsOfDirectory(atPath: work.path)
        XCTAssertFalse(listing.contains { $0.hasPrefix("other-app.sqlite-") || $0.hasPrefix("versioned.sqlite-") }, "\(listing)")
        XCTAssertEqual(try DatabaseQueue(path: other).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master") }, ["notes"])
    }

    /// A store the user can only read: another user's file, a 0444 file in a 0555 directory. As
    /// root permissions do not bite, so the commands run as `nobody` (setpriv); as another user
    /// they run directly. Nothing is written, nothing is created beside the store.
    func testAStoreTheUserCanOnlyReadServesEveryReadCommand() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        func check(_ situation: String) throws {
            for command in readCommands {
                let arguments = command + ["--store", store]
                let stdin = command == ["serve"] ? serveRequests : nil
                let run = getuid() == 0 ? try CLI.runAsNobody(arguments, stdin: stdin) : try CLI.run(arguments, stdin: stdin)
                guard let run else { throw XCTSkip("running as root without setpriv or a binary nobody can reach: \(situation) not covered") }
                XCTAssertEqual(run.status, 0, "\(situation), \(command): \(run.stderr)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix("store.sqlite") }, ["store.sqlite"])
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
        }
        chmod(work.path, 0o755)
        try check("another user's 0644 store in a 0755 directory")
        chmod(store, 0o444)
        chmod(work.path, 0o555)
        try check("a 0444 store in a 0555 directory")
        if getuid() != 0 {
            let refused = try CLI.run(["import", upstream.path, "--store", store, "-q"])
            XCTAssertEqual(refused.status, 2, refused.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
        }
    }

    /// A read-only mount (a tmpfs remounted read-only; needs root): every read command works, as
    /// root too, and an import is refused with exit 2.
    func testAStoreOnAReadOnlyMountServesEveryReadCommand() throws {
        let mountPoint = try tmpfs("mnt", size: "16m", skip: "read-only mounts are not covered")
        defer { unmount(mountPoint) }
        let mounted = mountPoint.appendingPathComponent("store.sqlite").path
        try FileManager.default.copyItem(atPath: store, toPath: mounted)
        XCTAssertTrue(try mount(["-o", "remount,ro", mountPoint.path]))
        for command in readCommands {
            let run = try CLI.run(command + ["--store", mounted], stdin: command == ["serve"] ? serveRequests : nil)
            XCTAssertEqual(run.status, 0, "\(command): \(run.stderr)")
        }
        let refused = try CLI.run(["import", upstream.path, "--store", mounted, "-q"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: mounted)), try Data(contentsOf: URL(fileURLWithPath: store)))
    }

    /// A full disk under the store (a small tmpfs; needs root): the import fails with exit 2 and
    /// the store keeps its previous contents.
    func testAFullDiskDuringAnImportKeepsThePreviousContents() throws {
        let mountPoint = try tmpfs("small", size: "2m", skip: "a full disk under the store is not covered")
        defer { unmount(mountPoint) }
        let small = mountPoint.appendingPathComponent("store.sqlite").path
        try FileManager.default.copyItem(atPath: store, toPath: small)
        let before = try Data(contentsOf: URL(fileURLWithPath: small))
        // Fill the tmpfs but for room for the -wal/-shm an import needs to start: the larger
        // import (30 times the data) cannot fit.
        let filler = mountPoint.appendingPathComponent("filler")
        try Data(repeating: 0, count: 2 * 1024 * 1024 - before.count - 160 * 1024).write(to: filler)
        let failed = try CLI.run(["import", try largerCheckout().path, "--store", small, "-q"])
        XCTAssertEqual(failed.status, 2, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("disk is full"), failed.stderr)
        XCTAssertEqual(try scenes(in: small), 3, "the store keeps its previous contents")
        XCTAssertEqual(try DatabaseQueue(path: small).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }, "ok")
    }

    /// A tmpfs of `size` mounted at `work/name`; skips the test where mounting is not allowed.
    func tmpfs(_ name: String, size: String, skip: String) throws -> URL {
        let mountPoint = work.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)
        guard try mount(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mountPoint.path]) else {
            throw XCTSkip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); \(skip)")
        }
        return mountPoint
    }

    /// Unmounts a test's tmpfs, lazily: a store this process still holds open (GRDB) must not keep
    /// it busy. A failure is a test failure: every run used to leak its two mounts.
    func unmount(_ mountPoint: URL) {
        XCTAssertEqual(try mount(["-l", mountPoint.path], command: "/usr/bin/umount"), true, "umount \(mountPoint.path)")
    }

    /// Runs mount (or umount); false when it fails (not root, no capability).
    func mount(_ arguments: [String], command: String = "/usr/bin/mount") throws -> Bool {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: command) else { return false }
        return try CLI.run(arguments, executable: URL(fileURLWithPath: command)).status == 0
    }
}
