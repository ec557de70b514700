import Foundation
import XCTest

/// `frames import`, `draw`, `filmstrip` and `explain` as scripts use them, on the fixtures.
extension CLITests {
    func testDrawWritesTheSamePNGTwiceAndRefusesUnknownScenes() throws {
        let first = work.appendingPathComponent("a.png").path, second = work.appendingPathComponent("b.png").path
        for path in [first, second] {
            let drawn = try run(["draw", "FloorPlan30", "--task", "4", "-o", path, "--store", store])
            XCTAssertEqual(drawn.status, 0, drawn.stderr)
            XCTAssertEqual(drawn.stdout, path + "\n")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: first))
        XCTAssertEqual(bytes, try Data(contentsOf: URL(fileURLWithPath: second)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

        let unknown = try run(["draw", "FloorPlan999", "-o", first, "--store", store])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no scene FloorPlan999"), unknown.stderr)
        XCTAssertEqual(try run(["draw", "--store", store]).status, 2)
        let wrongScene = try run(["draw", "FloorPlan230", "--task", "4", "--store", store])
        XCTAssertEqual(wrongScene.status, 2, wrongScene.stderr)
    }

    func testFramesImportReportsABadFileIndexesTheRestAndExitsOne() throws {
        let runDirectory = work.appendingPathComponent("runs/model/4_single_pickup_from_closerep_FloorPlan30_0")
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let map = work.appendingPathComponent("map.png").path
        XCTAssertEqual(try run(["draw", "FloorPlan30", "-o", map, "--store", store]).status, 0)
        try FileManager.default.copyItem(atPath: map, toPath: runDirectory.appendingPathComponent("FloorPlan30_1_init.png").path)
        let bad = runDirectory.appendingPathComponent("FloorPlan30_2_move_forward.png").path
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: bad))

        let imported = try run(["frames", "import", work.appendingPathComponent("runs").path, "--store", store])
        XCTAssertEqual(imported.status, 1)
        XCTAssertTrue(imported.stderr.contains("\(bad): not a PNG file"), imported.stderr)
        let info = try run(["info", "--json", "--store", store])
        XCTAssertTrue(info.stdout.contains("\"frames\": 1"), info.stdout)
        let again = try run(["frames", "import", work.appendingPathComponent("runs").path, "--store", store])
        XCTAssertTrue(again.stdout.contains("0 added, 0 updated, 0 moved, 1 unchanged"), again.stdout)

        let strip = try run(["filmstrip", runDirectory.path, "-o", work.appendingPathComponent("strip.png").path])
        XCTAssertEqual(strip.status, 1, "a frame that is not a PNG cannot be drawn")
        XCTAssertTrue(strip.stderr.contains("\(bad): not a PNG file"), strip.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("strip.png").path), "the other frames are still drawn")
    }

    func testExplainNamesTheCauseAndWritesAPageWhosePicturesExist() throws {
        let plan = work.appendingPathComponent("plan.jsonl")
        try Data(#"{"identity": 4, "actions": ["navigate to Cabinet", "pickup Plate", "end"]}"#.utf8).write(to: plan)
        let html = work.appendingPathComponent("page").path
        let explained = try run(["explain", plan.path + ":1", "--html", html, "--store", store])
        XCTAssertEqual(explained.status, 0, explained.stderr)
        XCTAssertTrue(explained.stdout.contains("pickup Plate → FAILED (not_interactable)"), explained.stdout)
        XCTAssertTrue(explained.stdout.contains("why: the Plate is inside the closed Cabinet"), explained.stdout)
        let page = try String(contentsOfFile: html + "/index.html", encoding: .utf8)
        for image in page.components(separatedBy: "src=\"").dropFirst().map({ String($0.prefix { $0 != "\"" }) }) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: html + "/" + image), image)
        }
        XCTAssertTrue(page.contains("src=\"map-1.png\""))
        XCTAssertEqual(try run(["explain", plan.path + ":7", "--store", store]).status, 1)
    }
}
