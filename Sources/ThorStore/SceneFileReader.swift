import Foundation
import ThorModel

/// Reads one `FloorPlanN/metadata.json` (a one-element array holding an AI2-THOR event metadata
/// dump) and its `originPos.json` into a `Scene`, checking the containment graph.
struct SceneFileReader {
    let directory: UpstreamReader.SceneDirectory

    func read() throws -> (Scene, [ImportWarning]) {
        let metadataURL = directory.url.appendingPathComponent("metadata.json")
        let metadata = try MetadataParser.parse(try readFile(metadataURL), file: metadataURL.path)
        let prefix = metadata.wrapped ? "[0]" : ""
        let objects = metadata.objects
        var warnings = try Self.checkContainment(
            objects, receptacleContents: metadata.receptacleContents, file: metadataURL.path, prefix: prefix)

        let originURL = directory.url.appendingPathComponent("originPos.json")
        let startPose: Pose
        let startSource: StartPoseSource
        if FileManager.default.fileExists(atPath: originURL.path) {
            startPose = try MetadataParser.parsePose(try readFile(originURL), file: originURL.path)
            startSource = .originPos
        } else if let agent = metadata.agent {
            startPose = agent
            startSource = .metadataAgent
            warnings.append(ImportWarning(
                file: originURL.path, field: "", message: "file not found; the start pose is the metadata dump's agent pose"))
        } else {
            throw ImportError(file: originURL.path, reason: "file not found, and \(metadataURL.path) has no agent pose to use instead")
        }
        guard let bounds = metadata.bounds else { throw ImportError(file: metadataURL.path, field: "\(prefix).sceneBounds", reason: "required field is missing") }
        let scene = Scene(
            name: directory.name, roomKind: directory.roomKind, bounds: bounds,
            startPose: startPose, startPoseSource: startSource, objects: objects)
        return (scene, warnings)
    }

    /// Every `parentReceptacles` entry must name another object of the scene (error). A link
    /// listed on only one side (`parentReceptacles` vs the parent's `receptacleObjectIds`) is
    /// imported from `parentReceptacles` and reported as a warning.
    static func checkContainment(_ objects: [SceneObject], receptacleContents: [[String]], file: String, prefix: String) throws -> [ImportWarning] {
        var indexById: [String: Int] = [:]
        indexById.reserveCapacity(objects.count)
        for object in objects {
            let field = "\(prefix).objects[\(object.order)].objectId"
            guard !object.objectId.isEmpty else { throw ImportError(file: file, field: field, reason: "empty objectId") }
            if let earlier = indexById[object.objectId] {
                throw ImportError(file: file, field: field, reason: "duplicate objectId '\(object.objectId)' (also objects[\(earlier)])")
            }
            indexById[object.objectId] = object.order
        }
        var listedByParent = Set<[String]>()
        for (parentIndex, contents) in receptacleContents.enumerated() {
            for child in contents { listedByParent.insert([objects[parentIndex].objectId, child]) }
        }
        var warnings: [ImportWarning] = []
        var listedByChild = Set<[String]>()
        for object in objects {
            for (slot, parent) in object.parentReceptacles.enumerated() {
                let field = "\(prefix).objects[\(object.order)].parentReceptacles[\(slot)]"
                guard indexById[parent] != nil else {
                    throw ImportError(file: file, field: field, reason: "parent receptacle '\(parent)' of '\(object.objectId)' is not an object of this scene")
                }
                guard parent != object.objectId else {
                    throw ImportError(file: file, field: field, reason: "'\(parent)' lists itself as its parent receptacle")
                }
                listedByChild.insert([parent, object.objectId])
                if !listedByParent.contains([parent, object.objectId]) {
                    warnings.append(ImportWarning(file: file, field: field, message: "'\(parent)' does not list '\(object.objectId)' in its receptacleObjectIds"))
                }
            }
        }
        for pair in listedByParent.subtracting(listedByChild).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            warnings.append(ImportWarning(
                file: file, field: "\(prefix).objects[\(indexById[pair[0]]!)].receptacleObjectIds",
                message: "'\(pair[1])' is listed as content but does not name '\(pair[0])' among its parentReceptacles; link not imported"))
        }
        return warnings
    }
}
