import Foundation
import ThorModel

/// Reads one `FloorPlanN/metadata.json` (a one-element array holding an AI2-THOR event metadata
/// dump) and its `originPos.json` into a `Scene`, checking the containment graph.
struct SceneFileReader {
    let directory: UpstreamReader.SceneDirectory

    func read() throws -> (Scene, [ImportWarning]) {
        let metadataURL = directory.url.appendingPathComponent("metadata.json")
        let json = JSONFields(file: metadataURL.path)
        let root = try json.parse(try readFile(metadataURL))
        // Upstream wraps the event in a one-element array; accept the bare event too.
        let event: [String: Any]
        if let list = root as? [Any] {
            guard list.count == 1 else {
                throw json.fail("", "expected a one-element array holding the event metadata, found \(list.count) elements")
            }
            event = try json.object(list[0], "[0]")
        } else {
            event = try json.object(root, "")
        }
        let prefix = root is [Any] ? "[0]" : ""
        let rawObjects = try json.array(event["objects"], "\(prefix).objects")
        var objects: [SceneObject] = []
        objects.reserveCapacity(rawObjects.count)
        var receptacleContents: [[String]] = []
        receptacleContents.reserveCapacity(rawObjects.count)
        for (index, raw) in rawObjects.enumerated() {
            let path = "\(prefix).objects[\(index)]"
            let dict = try json.object(raw, path)
            objects.append(try Self.sceneObject(dict, order: index, json: json, path: path))
            receptacleContents.append(try json.strings(dict["receptacleObjectIds"], "\(path).receptacleObjectIds"))
        }
        var warnings = try checkContainment(objects, receptacleContents: receptacleContents, json: json, prefix: prefix)

        let bounds = try json.object(event["sceneBounds"], "\(prefix).sceneBounds")
        let center = try json.vec3(bounds["center"], "\(prefix).sceneBounds.center")
        let size = try json.vec3(bounds["size"], "\(prefix).sceneBounds.size")
        let originURL = directory.url.appendingPathComponent("originPos.json")
        let startPose: Pose
        let startSource: StartPoseSource
        if FileManager.default.fileExists(atPath: originURL.path) {
            let originJSON = JSONFields(file: originURL.path)
            startPose = try Self.pose(try originJSON.object(try originJSON.parse(try readFile(originURL)), ""), json: originJSON, path: "")
            startSource = .originPos
        } else {
            startPose = try Self.pose(try json.object(event["agent"], "\(prefix).agent"), json: json, path: "\(prefix).agent")
            startSource = .metadataAgent
            warnings.append(ImportWarning(
                file: originURL.path, field: "",
                message: "file not found; the start pose is the metadata dump's agent pose"))
        }
        let scene = Scene(
            name: directory.name, roomKind: directory.roomKind,
            bounds: Box(center: Vec3(center), size: Vec3(size)),
            startPose: startPose, startPoseSource: startSource, objects: objects)
        return (scene, warnings)
    }

    static func sceneObject(_ dict: [String: Any], order: Int, json: JSONFields, path: String) throws -> SceneObject {
        var affordances: Affordances = []
        for (name, flag) in Affordances.fieldNames where try json.bool(dict[name], "\(path).\(name)") {
            affordances.insert(flag)
        }
        let temperatureText = try json.string(dict["temperature"], "\(path).temperature")
        guard let temperature = Temperature(rawValue: temperatureText) else {
            throw json.fail("\(path).temperature", "unknown temperature '\(temperatureText)' (expected RoomTemp, Hot or Cold)")
        }
        let state = ObjectState(
            isOpen: try json.bool(dict["isOpen"], "\(path).isOpen"),
            openness: try json.double(dict["openness"], "\(path).openness"),
            isToggled: try json.bool(dict["isToggled"], "\(path).isToggled"),
            isBroken: try json.bool(dict["isBroken"], "\(path).isBroken"),
            isFilledWithLiquid: try json.bool(dict["isFilledWithLiquid"], "\(path).isFilledWithLiquid"),
            fillLiquid: try json.optionalString(dict["fillLiquid"], "\(path).fillLiquid"),
            isDirty: try json.bool(dict["isDirty"], "\(path).isDirty"),
            isUsedUp: try json.bool(dict["isUsedUp"], "\(path).isUsedUp"),
            isCooked: try json.bool(dict["isCooked"], "\(path).isCooked"),
            isSliced: try json.bool(dict["isSliced"], "\(path).isSliced"),
            isPickedUp: try json.bool(dict["isPickedUp"], "\(path).isPickedUp"),
            temperature: temperature)
        let box = try json.object(dict["axisAlignedBoundingBox"], "\(path).axisAlignedBoundingBox")
        let objectId = try json.string(dict["objectId"], "\(path).objectId")
        guard !objectId.isEmpty else { throw json.fail("\(path).objectId", "empty objectId") }
        return SceneObject(
            objectId: objectId,
            name: try json.string(dict["name"], "\(path).name"),
            objectType: try json.string(dict["objectType"], "\(path).objectType"),
            assetId: try json.optionalString(dict["assetId"], "\(path).assetId"),
            order: order,
            affordances: affordances,
            state: state,
            mass: try json.double(dict["mass"], "\(path).mass"),
            salientMaterials: try json.strings(dict["salientMaterials"], "\(path).salientMaterials"),
            position: Vec3(try json.vec3(dict["position"], "\(path).position")),
            rotation: Vec3(try json.vec3(dict["rotation"], "\(path).rotation")),
            box: Box(
                center: Vec3(try json.vec3(box["center"], "\(path).axisAlignedBoundingBox.center")),
                size: Vec3(try json.vec3(box["size"], "\(path).axisAlignedBoundingBox.size"))),
            parentReceptacles: try json.strings(dict["parentReceptacles"], "\(path).parentReceptacles"),
            controlledObjects: try json.strings(dict["controlledObjects"], "\(path).controlledObjects"))
    }

    /// Every `parentReceptacles` entry must name an object of the scene (error). A link listed on
    /// only one side (`parentReceptacles` vs the parent's `receptacleObjectIds`) is imported from
    /// `parentReceptacles` and reported as a warning.
    func checkContainment(_ objects: [SceneObject], receptacleContents: [[String]], json: JSONFields, prefix: String) throws -> [ImportWarning] {
        var indexById: [String: Int] = [:]
        indexById.reserveCapacity(objects.count)
        for object in objects {
            if let earlier = indexById[object.objectId] {
                throw json.fail("\(prefix).objects[\(object.order)].objectId", "duplicate objectId '\(object.objectId)' (also objects[\(earlier)])")
            }
            indexById[object.objectId] = object.order
        }
        var warnings: [ImportWarning] = []
        var listedByParent = Set<[String]>()
        for (parentIndex, contents) in receptacleContents.enumerated() {
            for child in contents { listedByParent.insert([objects[parentIndex].objectId, child]) }
        }
        var listedByChild = Set<[String]>()
        for object in objects {
            for (slot, parent) in object.parentReceptacles.enumerated() {
                let field = "\(prefix).objects[\(object.order)].parentReceptacles[\(slot)]"
                guard indexById[parent] != nil else {
                    throw json.fail(field, "parent receptacle '\(parent)' of '\(object.objectId)' is not an object of this scene")
                }
                if parent == object.objectId { throw json.fail(field, "'\(parent)' lists itself as its parent receptacle") }
                listedByChild.insert([parent, object.objectId])
                if !listedByParent.contains([parent, object.objectId]) {
                    warnings.append(ImportWarning(file: json.file, field: field, message: "'\(parent)' does not list '\(object.objectId)' in its receptacleObjectIds"))
                }
            }
        }
        for pair in listedByParent.subtracting(listedByChild).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let parentIndex = indexById[pair[0]]!
            warnings.append(ImportWarning(
                file: json.file, field: "\(prefix).objects[\(parentIndex)].receptacleObjectIds",
                message: "'\(pair[1])' is listed as content but does not name '\(pair[0])' among its parentReceptacles; link not imported"))
        }
        return warnings
    }

    /// `{"position", "rotation", "cameraHorizon", "isStanding"}`, the shape of both `originPos.json`
    /// and the metadata's `agent`.
    static func pose(_ dict: [String: Any], json: JSONFields, path: String) throws -> Pose {
        let field = { (name: String) in path.isEmpty ? name : "\(path).\(name)" }
        return Pose(
            position: Vec3(try json.vec3(dict["position"], field("position"))),
            rotation: Vec3(try json.vec3(dict["rotation"], field("rotation"))),
            cameraHorizon: try json.double(dict["cameraHorizon"], field("cameraHorizon")),
            isStanding: dict["isStanding"] == nil || dict["isStanding"] is NSNull ? true : try json.bool(dict["isStanding"], field("isStanding")))
    }
}

extension Vec3 {
    init(_ triple: (Double, Double, Double)) {
        self.init(x: triple.0, y: triple.1, z: triple.2)
    }
}
