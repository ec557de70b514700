import Foundation
import ThorModel
import XCTest

@testable import ThorStore

/// Each kind of bad input is refused with the file, the field and the reason.
final class BadInputTests: XCTestCase {
    func assertImportFails(_ checkout: MiniCheckout, file: URL, field: String, reasonContains text: String, line: UInt = #line) {
        XCTAssertThrowsError(try UpstreamReader(root: checkout.root).read(), line: line) { error in
            guard let error = error as? ImportError else { return XCTFail("not an ImportError: \(error)", line: line) }
            XCTAssertEqual(error.file, file.path, line: line)
            XCTAssertEqual(error.field, field, line: line)
            XCTAssertTrue(error.reason.contains(text), "reason: \(error.reason)", line: line)
        }
    }

    func testMissingDirectoryIsReported() {
        let missing = URL(fileURLWithPath: "/nonexistent/checkout")
        XCTAssertThrowsError(try UpstreamReader(root: missing).read()) { error in
            XCTAssertEqual((error as? ImportError)?.file, missing.path)
        }
    }

    func testMissingTaskFileIsReported() throws {
        let mini = try MiniCheckout()
        try FileManager.default.removeItem(at: mini.tasksFile)
        assertImportFails(mini, file: mini.tasksFile, field: "", reasonContains: "file not found")
    }

    func testMalformedJSONNamesTheFileAndPosition() throws {
        let mini = try MiniCheckout()
        try Data("[{\"objects\": [}]".utf8).write(to: mini.metadataFile)
        XCTAssertThrowsError(try UpstreamReader(root: mini.root).read()) { error in
            let error = error as? ImportError
            XCTAssertEqual(error?.file, mini.metadataFile.path)
            XCTAssertTrue(error?.reason.contains("malformed JSON") ?? false)
            XCTAssertTrue(error?.reason.contains("line 1") ?? false, "position named: \(String(describing: error))")
        }
    }

    func testParentThatDoesNotExistIsRefused() throws {
        var objects = MiniCheckout.objects()
        objects[4]["parentReceptacles"] = ["Fridge|+09.00|+00.00|+09.00"]
        let mini = try MiniCheckout(objects: objects)
        assertImportFails(mini, file: mini.metadataFile, field: "[0].objects[4].parentReceptacles[0]", reasonContains: "is not an object of this scene")
    }

    func testWrongFieldTypeNamesTheField() throws {
        var objects = MiniCheckout.objects()
        objects[2]["pickupable"] = "yes"
        let mini = try MiniCheckout(objects: objects)
        assertImportFails(mini, file: mini.metadataFile, field: "[0].objects[2].pickupable", reasonContains: "expected true or false")
    }

    func testMissingRequiredFieldIsNamed() throws {
        var objects = MiniCheckout.objects()
        objects[1].removeValue(forKey: "objectType")
        let mini = try MiniCheckout(objects: objects)
        assertImportFails(mini, file: mini.metadataFile, field: "[0].objects[1].objectType", reasonContains: "missing")
    }

    func testDuplicateTaskIdentityIsRefused() throws {
        let mini = try MiniCheckout(tasks: [MiniCheckout.task(5), MiniCheckout.task(6), MiniCheckout.task(5)])
        assertImportFails(mini, file: mini.tasksFile, field: "[2].identity", reasonContains: "duplicate task identity 5 (also [0].identity)")
    }

    func testTaskRecordFieldErrorsNameTheRecordAndField() throws {
        func failing(_ edit: (inout [String: Any]) -> Void, field: String, reason: String, line: UInt = #line) throws {
            var task = MiniCheckout.task(2)
            edit(&task)
            let mini = try MiniCheckout(tasks: [MiniCheckout.task(1), task])
            assertImportFails(mini, file: mini.tasksFile, field: field, reasonContains: reason, line: line)
        }
        try failing({ $0.removeValue(forKey: "scene") }, field: "[1].scene", reason: "required field is missing")
        try failing({ $0["identity"] = 2.5 }, field: "[1].identity", reason: "expected an integer, found 2.5")
        try failing({ $0["identity"] = "" }, field: "[1].identity", reason: "empty task identity")
        try failing({ $0["identity"] = [2] }, field: "[1].identity", reason: "expected an integer or a string, found an array")
        try failing({ $0["instruction_idx"] = "two" }, field: "[1].instruction_idx", reason: "found the string 'two'")
        try failing({ $0["target_objects"] = "Apple" }, field: "[1].target_objects", reason: "expected an array of strings, found a string")
        try failing({ task in
            var metadata = task["task_metadata"] as? [String: Any] ?? [:]
            var actions = metadata["actions"] as? [[String: Any]] ?? [[:]]
            actions[0].removeValue(forKey: "action")
            metadata["actions"] = actions
            task["task_metadata"] = metadata
        }, field: "[1].task_metadata.actions[0].action", reason: "required field is missing")
    }

    func testTaskRecordsReadDigitStringIndicesNullListsAndStringIdentities() throws {
        var second = MiniCheckout.task("test_002")
        second["instruction_idx"] = "3"
        second["related_objects"] = NSNull()
        let mini = try MiniCheckout(tasks: [MiniCheckout.task(1), second])
        let tasks = try UpstreamReader(root: mini.root).read().tasks.map(\.task)
        XCTAssertEqual(tasks.map(\.identity), [.int(1), .string("test_002")])
        XCTAssertEqual(tasks[1].instructionIndex, 3)
        XCTAssertEqual(tasks[1].relatedObjects, [])
    }

    func testTaskWhoseSceneWasNotImportedIsRefused() throws {
        let mini = try MiniCheckout(tasks: [MiniCheckout.task(1), MiniCheckout.task(2, scene: "FloorPlan7")])
        assertImportFails(mini, file: mini.tasksFile, field: "[1].scene", reasonContains: "'FloorPlan7', which was not imported")
    }

    func testOneSidedContainmentLinkIsAWarningNotAnError() throws {
        var objects = MiniCheckout.objects()
        objects[3]["receptacleObjectIds"] = NSNull()  // fridge forgets its egg; the egg still names the fridge
        let mini = try MiniCheckout(objects: objects)
        let dataset = try UpstreamReader(root: mini.root).read()
        XCTAssertEqual(dataset.receptacleLinkCount, 4)
        XCTAssertEqual(dataset.warnings.map(\.field), ["[0].objects[4].parentReceptacles[0]"])
    }

    func testUnknownExtraFieldsAreIgnored() throws {
        // MiniCheckout objects carry `someFutureField`, `visible`, `distance`, `cornerPoints`.
        let dataset = try UpstreamReader(root: try MiniCheckout().root).read()
        XCTAssertEqual(dataset.objectCount, 5)
    }
}
