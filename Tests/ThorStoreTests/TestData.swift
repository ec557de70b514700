import Foundation
import XCTest
import ThorTestSupport

/// Where test data lives: the project's fixtures and the shared upstream checkout.
enum TestData {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtureCheckout = packageRoot.appendingPathComponent("fixtures/upstream")

    /// `$THOR_LITE_ER_DATA`, else `../shared/embodied_reasoner` beside the package.
    static func realCheckout() throws -> URL {
        let path = ProcessInfo.processInfo.environment["THOR_LITE_ER_DATA"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/embodied_reasoner").path
        guard FileManager.default.fileExists(atPath: path + "/data/test_809.json") else {
            throw XCTSkip("real Embodied-Reasoner data not found at \(path); set THOR_LITE_ER_DATA to run this test")
        }
        return URL(fileURLWithPath: path)
    }

    static func temporaryDirectory() throws -> URL {
        try Scratch.directory("store")
    }
}

/// A tiny checkout written by hand: one kitchen with a counter, a bowl on it, an apple in the bowl
/// and a closed fridge holding an egg; two tasks. Tests break one piece at a time.
struct MiniCheckout {
    let root: URL

    static func object(_ id: String, type: String, parents: [String] = [], contents: [String] = [], extra: [String: Any] = [:]) -> [String: Any] {
        var dict: [String: Any] = [
            "name": "\(type)_1", "objectId": id, "objectType": type, "assetId": "\(type)_1",
            "pickupable": false, "receptacle": !contents.isEmpty, "openable": false, "toggleable": false,
            "sliceable": false, "cookable": false, "dirtyable": false, "canFillWithLiquid": false, "breakable": false,
            "moveable": false, "canBeUsedUp": false, "isHeatSource": false, "isColdSource": false,
            "isOpen": false, "openness": 0.0, "isToggled": false, "isBroken": false, "isFilledWithLiquid": false,
            "fillLiquid": NSNull(), "isDirty": false, "isUsedUp": false, "isCooked": false, "isSliced": false,
            "isPickedUp": false, "temperature": "RoomTemp", "mass": 0.5, "salientMaterials": ["Wood"],
            "position": ["x": 0.1, "y": 0.9, "z": 0.47574546933174133],
            "rotation": ["x": 0.0, "y": 90.0, "z": 0.0],
            "axisAlignedBoundingBox": [
                "center": ["x": 0.1, "y": 0.9, "z": 0.5], "size": ["x": 0.2, "y": 0.1, "z": 0.2],
                "cornerPoints": [[0.0, 0.0, 0.0]],
            ],
            "parentReceptacles": parents.isEmpty ? NSNull() : parents,
            "receptacleObjectIds": contents.isEmpty ? NSNull() : contents,
            "controlledObjects": NSNull(), "visible": false, "distance": 1.5, "someFutureField": ["ignored": true],
        ]
        for (key, value) in extra { dict[key] = value }
        return dict
    }

    static let counter = "CounterTop|+00.10|+00.90|+00.48"
    static let bowl = "Bowl|+00.20|+00.95|+00.48"
    static let apple = "Apple|+00.20|+01.00|+00.48"
    static let fridge = "Fridge|-01.00|+00.00|+01.00"
    static let egg = "Egg|-01.00|+01.00|+01.00"

    static func objects() -> [[String: Any]] {
        [
            object(counter, type: "CounterTop", contents: [bowl, apple]),
            object(bowl, type: "Bowl", parents: [counter], contents: [apple], extra: ["pickupable": true]),
            object(apple, type: "Apple", parents: [bowl, counter], extra: ["pickupable": true, "sliceable": true]),
            object(fridge, type: "Fridge", contents: [egg], extra: ["openable": true, "isColdSource": true]),
            object(egg, type: "Egg", parents: [fridge], extra: ["pickupable": true, "temperature": "Cold"]),
        ]
    }

    static func task(_ identity: Any, scene: String = "FloorPlan1", type: String = "single_pickup") -> [String: Any] {
        [
            "identity": identity, "scene": scene, "tasktype": type, "instruction_idx": "2",
            "taskname": "Pick up the Apple.", "taskquery": "Could you pick up the Apple?",
            "task_metadata": [
                "taskname": "Pick up the Apple.", "tasktype": type, "totalreward": 3,
                "actions": [
                    ["action": "navigate to", "objectId": counter, "objectType": "CounterTop", "baseaction": "", "reward": 1, "relatedObject": [counter, apple]],
                    ["action": "pickup", "objectId": apple, "objectType": "Apple", "baseaction": "", "reward": 1, "relatedObject": [counter, apple]],
                    ["action": "end", "objectId": "", "objectType": "", "baseaction": "", "reward": 1, "relatedObject": [counter, apple]],
                ],
            ],
            "target_objects": [counter], "related_objects": [apple], "navigable_objects": ["CounterTop", "Fridge"],
        ]
    }

    var sceneDirectory: URL { root.appendingPathComponent("data_engine/taskgenerate/kitchens/FloorPlan1") }
    var metadataFile: URL { sceneDirectory.appendingPathComponent("metadata.json") }
    var tasksFile: URL { root.appendingPathComponent("data/test_809.json") }

    init(objects: [[String: Any]] = MiniCheckout.objects(), tasks: [[String: Any]] = [task(1), task("test_002", type: "single_search")]) throws {
        root = try TestData.temporaryDirectory()
        try FileManager.default.createDirectory(at: sceneDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        try write(["objects": objects, "sceneBounds": ["center": ["x": 0.0, "y": 1.0, "z": 0.0], "size": ["x": 5.0, "y": 3.0, "z": 5.0]], "agent": ["position": ["x": 0.0, "y": 0.9, "z": 0.0], "rotation": ["x": 0.0, "y": 0.0, "z": 0.0], "cameraHorizon": 0.0, "isStanding": true]], wrapped: true, to: metadataFile)
        try write(["name": "agent", "position": ["x": 1.0, "y": 0.9, "z": 2.0], "rotation": ["x": -0.0, "y": 210.0, "z": 0.0], "cameraHorizon": 0.0, "isStanding": true, "inHighFrictionArea": false], to: sceneDirectory.appendingPathComponent("originPos.json"))
        try write(tasks, to: tasksFile)
        try write([
            "1": ["scene": "FloorPlan1", "tasktype": "single_pickup", "taskname": "x",
                  MiniCheckout.fridge: ["agent_teleport_position": ["x": 0.25, "y": 0.9, "z": -1.5], "agent_cameraHorizon": 0, "agent_isstanding": true, "agent_rotation": ["x": 0.0, "y": 180.0, "z": 0.0]]],
            "2": ["scene": "FloorPlan1", "tasktype": "single_pickup", "taskname": "x",
                  MiniCheckout.fridge: ["agent_teleport_position": ["x": 0.5, "y": 0.9, "z": -1.0], "agent_cameraHorizon": 30, "agent_isstanding": true, "agent_rotation": ["x": 0.0, "y": 90.0, "z": 0.0]]],
        ], to: root.appendingPathComponent("data/agent_positions.json"))
    }

    func write(_ value: Any, wrapped: Bool = false, to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: wrapped ? [value] : value, options: [.sortedKeys])
        try data.write(to: url)
    }
}
