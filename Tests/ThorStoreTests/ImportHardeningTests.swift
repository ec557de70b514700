import Foundation
import ThorFuzzSupport
import ThorJSON
import ThorModel
import XCTest

@testable import ThorStore

/// Hostile upstream files: deep nesting in every file the importer reads is an import error naming
/// the file and the JSON path, the store keeps its contents; seeded mutations of real-shaped
/// files give an `ImportError` or a result, never a crash.
extension ImportTests {
    /// `{"a": {"a": ... 1 ... }}`, `depth` levels.
    static func nestedObject(_ depth: Int) -> String {
        String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    }

    func testDeepNestingInAnyUpstreamFileIsAnImportErrorWithItsPath() throws {
        let mini = try MiniCheckout()
        let path = mini.root.appendingPathComponent("store.sqlite").path
        let store = try ThorStore(path: path, create: true)
        try store.importCheckout(UpstreamReader(root: mini.root))
        let before = try dump(path)
        let deep = Self.nestedObject(40_000)
        let cases: [(file: URL, anchor: String, replacement: String, field: String)] = [
            (mini.metadataFile, #""objects":[{"#, #""objects":[{"deep":\#(deep),"#, "[0].objects[0].deep"),
            (mini.sceneDirectory.appendingPathComponent("originPos.json"), "{", #"{"deep":\#(deep),"#, "deep"),
            (mini.tasksFile, "[{", #"[{"deep":\#(deep),"#, "[0].deep"),
            (mini.root.appendingPathComponent("data/agent_positions.json"), #"{"1":{"#, #"{"1":{"deep":{"agent_rotation":\#(deep)},"#, "1.deep.agent_rotation"),
        ]
        for (file, anchor, replacement, field) in cases {
            let original = try Data(contentsOf: file)
            let text = String(decoding: original, as: UTF8.self)
            guard let range = text.range(of: anchor) else { return XCTFail("\(anchor) not in \(file.lastPathComponent)") }
            try Data(text.replacingCharacters(in: range, with: replacement).utf8).write(to: file)
            XCTAssertThrowsError(try store.importCheckout(UpstreamReader(root: mini.root)), file.lastPathComponent) { error in
                guard let error = error as? ImportError else { return XCTFail("not an ImportError: \(error)") }
                XCTAssertEqual(error.file, file.path)
                XCTAssertTrue(error.field.hasPrefix(field), "\(error.field) starts with \(field)")
                XCTAssertTrue(error.reason.hasPrefix("nested deeper than 512 levels"), error.reason)
            }
            XCTAssertEqual(try dump(path), before, "the store is unchanged after \(file.lastPathComponent)")
            try original.write(to: file)
        }
    }

    /// A FIFO or a directory where a file should be is an import error, never a hang.
    func testAFIFOOrDirectoryInPlaceOfAFileIsAnImportError() throws {
        let mini = try MiniCheckout()
        try FileManager.default.removeItem(at: mini.metadataFile)
        XCTAssertEqual(mkfifo(mini.metadataFile.path, 0o644), 0)
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            XCTAssertEqual(error as? ImportError, ImportError(file: mini.metadataFile.path, reason: "not a regular file; not opened"))
        }
        try FileManager.default.removeItem(at: mini.metadataFile)
        try FileManager.default.createDirectory(at: mini.metadataFile, withIntermediateDirectories: false)
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            XCTAssertEqual(error as? ImportError, ImportError(file: mini.metadataFile.path, reason: "is a directory, not a file"))
        }
    }

    /// A task file the user names (`--tasks <(jq ...)`, a FIFO) is read to its end and gives the
    /// same tasks as the regular file; the checkout's own task file as a FIFO is still refused.
    func testATaskFileNamedByTheUserMayBeAPipe() throws {
        let mini = try MiniCheckout()
        let expected = try UpstreamReader(root: mini.root).read().tasks
        let fifo = try TestData.temporaryDirectory().appendingPathComponent("tasks.fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let contents = try Data(contentsOf: mini.tasksFile)
        let writer = Thread { try? contents.write(to: fifo) }
        writer.start()
        let read = try UpstreamReader(root: mini.root, tasksFile: fifo).read().tasks
        XCTAssertEqual(read.map(\.task), expected.map(\.task))
        XCTAssertEqual(read.count, 2)

        try FileManager.default.removeItem(at: mini.tasksFile)
        XCTAssertEqual(mkfifo(mini.tasksFile.path, 0o644), 0)
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            XCTAssertEqual(error as? ImportError, ImportError(file: mini.tasksFile.path, reason: "not a regular file; not opened"))
        }
    }

    /// Seeded mutations of the fixture upstream files through the metadata, pose, task and
    /// agent-position readers: each either reads or throws an `ImportError` naming the file.
    func testMutatedUpstreamFilesGiveImportErrorsNeverCrashes() throws {
        var random = SeededGenerator(seed: 6)
        let upstream = TestData.fixtureCheckout
        let metadata = upstream.appendingPathComponent("data_engine/taskgenerate/kitchens/FloorPlan30/metadata.json")
        let readers: [(name: String, file: URL, read: (Data) throws -> Void)] = [
            ("metadata", metadata, { _ = try MetadataParser.parse($0, file: "m.json") }),
            ("originPos", upstream.appendingPathComponent("data_engine/taskgenerate/kitchens/FloorPlan30/originPos.json"), { _ = try MetadataParser.parsePose($0, file: "m.json") }),
            ("tasks", upstream.appendingPathComponent("data/test_809.json"), { _ = try TaskFileParser.parse($0, file: "m.json") }),
        ]
        var counts: [String: (read: Int, refused: Int)] = [:]
        for (name, file, read) in readers {
            let original = Array(try Data(contentsOf: file))
            XCTAssertNoThrow(try read(Data(original)), "\(name) reads unmutated")
            for mutation in Mutation.allCases {
                for _ in 0..<12 {
                    let mutant = mutation.apply(to: original, using: &random)
                    do {
                        try read(Data(mutant))
                        counts[name, default: (0, 0)].read += 1
                    } catch let error as ImportError {
                        XCTAssertEqual(error.file, "m.json")
                        counts[name, default: (0, 0)].refused += 1
                    } catch {
                        XCTFail("\(name) \(mutation): not an ImportError: \(error)")
                    }
                }
            }
        }
        // Agent positions go through the whole reader (it reads its file itself).
        let mini = try MiniCheckout()
        let positions = mini.root.appendingPathComponent("data/agent_positions.json")
        let original = Array(try Data(contentsOf: positions))
        for mutation in Mutation.allCases {
            for _ in 0..<12 {
                try Data(mutation.apply(to: original, using: &random)).write(to: positions)
                do {
                    _ = try AgentPositionsReader(file: positions).read()
                    counts["agent_positions", default: (0, 0)].read += 1
                } catch let error as ImportError {
                    XCTAssertEqual(error.file, positions.path)
                    counts["agent_positions", default: (0, 0)].refused += 1
                }
            }
        }
        XCTAssertEqual(counts.values.map { $0.read + $0.refused }, Array(repeating: 12 * Mutation.allCases.count, count: 4))
        XCTAssertTrue(counts.values.allSatisfy { $0.refused > 0 })
        print("import fuzz (mutated files read / refused):", counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.read)/\($0.value.refused)" }.joined(separator: ", "))
    }
}
