import ArgumentParser
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
    static func vec3(_ v: Vec3) -> [String: Any] { ["x": v.x, "y": v.y, "z": v.z] }

    static func pose(_ p: Pose) -> [String: Any] {
        ["position": vec3(p.position), "rotation": vec3(p.rotation), "cameraHorizon": p.cameraHorizon, "isStanding": p.isStanding]
    }

    static func object(_ o: SceneObject) -> [String: Any] {
        var dict: [String: Any] = [
            "objectId": o.objectId, "name": o.name, "objectType": o.objectType, "order": o.order,
            "assetId": o.assetId ?? NSNull(), "mass": o.mass, "salientMaterials": o.salientMaterials,
            "position": vec3(o.position), "rotation": vec3(o.rotation),
            "axisAlignedBoundingBox": ["center": vec3(o.box.center), "size": vec3(o.box.size)],
            "parentReceptacles": o.parentReceptacles, "controlledObjects": o.controlledObjects,
            "isOpen": o.state.isOpen, "openness": o.state.openness, "isToggled": o.state.isToggled,
            "isBroken": o.state.isBroken, "isFilledWithLiquid": o.state.isFilledWithLiquid,
            "fillLiquid": o.state.fillLiquid ?? NSNull(), "isDirty": o.state.isDirty,
            "isUsedUp": o.state.isUsedUp, "isCooked": o.state.isCooked, "isSliced": o.state.isSliced,
            "isPickedUp": o.state.isPickedUp, "temperature": o.state.temperature.rawValue,
        ]
        for (name, flag) in Affordances.fieldNames { dict[name] = o.has(flag) }
        return dict
    }

    static func node(_ n: ContainmentNode) -> [String: Any] {
        ["objectId": n.object.objectId, "objectType": n.object.objectType, "states": n.object.stateLabels,
         "alsoIn": n.alsoIn, "contents": n.children.map(node)]
    }

    static func scene(_ s: Scene, tree: [ContainmentNode]) -> [String: Any] {
        ["name": s.name, "room_kind": s.roomKind.rawValue,
         "sceneBounds": ["center": vec3(s.bounds.center), "size": vec3(s.bounds.size)],
         "start_pose": pose(s.startPose), "objects": s.objects.map(object), "tree": tree.map(node)]
    }
}
