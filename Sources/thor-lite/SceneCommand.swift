import ArgumentParser
import ThorJSON
import ThorModel
import Foundation
import ThorStore

struct SceneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scene",
        abstract: "Show a scene as a containment tree (receptacle → contents, with open/closed and on/off).",
        discussion: """
            Each object appears once, under its innermost receptacle; "also in" names the others that list it. --json gives the scene's fields, every object with its affordances and states, and the same tree.

            Examples:
              thor-lite scene FloorPlan1
              thor-lite scene FloorPlan1 --json
            """)

    @Argument(help: ArgumentHelp("Scene name, e.g. FloorPlan1 (a bare number works too).", valueName: "scene"))
    var name: String

    @Flag(help: "Machine-readable JSON.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let sceneName = name.allSatisfy(\.isNumber) ? "FloorPlan\(name)" : name
            guard let scene = try store.scene(named: sceneName) else {
                let known = try store.sceneNames()
                throw CLIError.failed("no scene \(sceneName) in \(store.path) (\(known.count) scenes: \(known.prefix(6).joined(separator: ", "))\(known.count > 6 ? ", ..." : ""))")
            }
            let tree = scene.containmentTree()
            if json {
                try printJSON(SceneJSON.scene(scene, tree: tree))
                return
            }
            let links = scene.objects.reduce(0) { $0 + $1.parentReceptacles.count }
            try Output.print("\(scene.name) (\(scene.roomKind.rawValue)): \(scene.objects.count) objects, \(links) receptacle links")
            for (index, node) in tree.enumerated() {
                try printNode(node, prefix: "", isLast: index == tree.count - 1)
            }
        }
    }

    func printNode(_ node: ContainmentNode, prefix: String, isLast: Bool) throws {
        let object = node.object
        var line = prefix + (isLast ? "└─ " : "├─ ") + object.objectType
        let labels = object.stateLabels
        if !labels.isEmpty { line += " [\(labels.joined(separator: ", "))]" }
        line += "  \(object.objectId)"
        if !node.alsoIn.isEmpty { line += "  (also in \(node.alsoIn.joined(separator: ", ")))" }
        try Output.print(line)
        for (index, child) in node.children.enumerated() {
            try printNode(child, prefix: prefix + (isLast ? "   " : "│  "), isLast: index == node.children.count - 1)
        }
    }
}

/// JSON shapes for `scene --json` and `task --json`: upstream field names where upstream has them.
enum SceneJSON {
    static func vec3(_ v: Vec3) -> JSONValue { .object(["x": .double(v.x), "y": .double(v.y), "z": .double(v.z)]) }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    static func pose(_ p: Pose) -> JSONValue {
        .object([
            "position": vec3(p.position), "rotation": vec3(p.rotation), "cameraHorizon": .double(p.cameraHorizon),
            "isStanding": .bool(p.isStanding),
        ])
    }

    static func object(_ o: SceneObject) -> JSONValue {
        var fields: [String: JSONValue] = [
            "objectId": .string(o.objectId), "name": .string(o.name), "objectType": .string(o.objectType), "order": .int(o.order),
            "assetId": o.assetId.map(JSONValue.string) ?? .null, "mass": .double(o.mass), "salientMaterials": strings(o.salientMaterials),
            "position": vec3(o.position), "rotation": vec3(o.rotation),
            "axisAlignedBoundingBox": .object(["center": vec3(o.box.center), "size": vec3(o.box.size)]),
            "parentReceptacles": strings(o.parentReceptacles), "controlledObjects": strings(o.controlledObjects),
            "isOpen": .bool(o.state.isOpen), "openness": .double(o.state.openness), "isToggled": .bool(o.state.isToggled),
            "isBroken": .bool(o.state.isBroken), "isFilledWithLiquid": .bool(o.state.isFilledWithLiquid),
            "fillLiquid": o.state.fillLiquid.map(JSONValue.string) ?? .null, "isDirty": .bool(o.state.isDirty),
            "isUsedUp": .bool(o.state.isUsedUp), "isCooked": .bool(o.state.isCooked), "isSliced": .bool(o.state.isSliced),
            "isPickedUp": .bool(o.state.isPickedUp), "temperature": .string(o.state.temperature.rawValue),
        ]
        for (name, flag) in Affordances.fieldNames { fields[name] = .bool(o.has(flag)) }
        return .object(fields)
    }

    static func node(_ n: ContainmentNode) -> JSONValue {
        .object([
            "objectId": .string(n.object.objectId), "objectType": .string(n.object.objectType), "states": strings(n.object.stateLabels),
            "alsoIn": strings(n.alsoIn), "contents": .array(n.children.map(node)),
        ])
    }

    static func scene(_ s: Scene, tree: [ContainmentNode]) -> JSONValue {
        .object([
            "name": .string(s.name), "room_kind": .string(s.roomKind.rawValue),
            "sceneBounds": .object(["center": vec3(s.bounds.center), "size": vec3(s.bounds.size)]),
            "start_pose": pose(s.startPose), "objects": .array(s.objects.map(object)), "tree": .array(tree.map(node)),
        ])
    }
}
