import Foundation
import ThorJSON
import ThorModel

/// What thor-lite keeps of one `metadata.json`.
struct ParsedMetadata {
    var objects: [SceneObject] = []
    /// Each object's `receptacleObjectIds`, for the containment cross-check.
    var receptacleContents: [[String]] = []
    var bounds: Box?
    /// The dump's own `agent` pose (the start pose when `originPos.json` is missing).
    var agent: Pose?
    /// Upstream wraps the event in a one-element array; a bare event is accepted too.
    var wrapped = false
}

/// Parses AI2-THOR event metadata dumps with `JSONCursor`, field by field. Fields it does not
/// name are skipped; a required field that is missing or of the wrong type is an error naming
/// its path.
enum MetadataParser {
    static func parse(_ data: Data, file: String) throws -> ParsedMetadata {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var cursor = JSONCursor(bytes)
            do {
                var parsed = ParsedMetadata()
                cursor.skipWhitespace()
                if cursor.peek() == UInt8(ascii: "[") {
                    parsed.wrapped = true
                    var count = 0
                    try cursor.readArray { cursor, index in
                        count += 1
                        guard index == 0 else {
                            throw JSONPathError(path: [], reason: "expected a one-element array holding the event metadata", offset: cursor.offset, isSyntax: false)
                        }
                        try readEvent(&cursor, into: &parsed)
                    }
                    guard count == 1 else {
                        throw JSONPathError(path: [], reason: "expected a one-element array holding the event metadata, found an empty array", offset: 0, isSyntax: false)
                    }
                } else {
                    try readEvent(&cursor, into: &parsed)
                }
                try cursor.expectEnd()
                return parsed
            } catch let error as JSONPathError {
                throw ImportError(json: error, file: file, data: bytes)
            }
        }
    }

    static func readEvent(_ cursor: inout JSONCursor, into parsed: inout ParsedMetadata) throws {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (the event metadata)") }
        var sawObjects = false
        try cursor.readObject { cursor, key in
            switch key {
            case "objects":
                sawObjects = true
                try cursor.readArray { cursor, order in
                    let (object, contents) = try readObject(&cursor, order: order)
                    parsed.objects.append(object)
                    parsed.receptacleContents.append(contents)
                }
            case "sceneBounds": parsed.bounds = try readBox(&cursor)
            case "agent": parsed.agent = try cursor.readNull() ? nil : readPose(&cursor)
            default: try cursor.skipValue()
            }
        }
        if !sawObjects { throw missing("objects") }
        if parsed.bounds == nil { throw missing("sceneBounds") }
    }

    static func missing(_ key: String) -> JSONPathError {
        JSONPathError(path: [".\(key)"], reason: "required field is missing", offset: 0, isSyntax: false)
    }

    /// Every object field the parser reads, looked up once per key so the per-key work is one hash.
    enum ObjectField: CaseIterable {
        case name, objectId, objectType, assetId
        case isOpen, openness, isToggled, isBroken, isFilledWithLiquid, fillLiquid, isDirty, isUsedUp
        case isCooked, isSliced, isPickedUp, temperature, mass, salientMaterials
        case position, rotation, axisAlignedBoundingBox, parentReceptacles, receptacleObjectIds, controlledObjects
        case affordance(Affordances)

        static var allCases: [ObjectField] {
            [.name, .objectId, .objectType, .assetId, .isOpen, .openness, .isToggled, .isBroken, .isFilledWithLiquid,
             .fillLiquid, .isDirty, .isUsedUp, .isCooked, .isSliced, .isPickedUp, .temperature, .mass,
             .salientMaterials, .position, .rotation, .axisAlignedBoundingBox, .parentReceptacles,
             .receptacleObjectIds, .controlledObjects]
                + Affordances.fieldNames.map { .affordance($0.flag) }
        }

        /// The metadata key, e.g. `isOpen` or `pickupable`.
        var key: String {
            if case .affordance(let flag) = self { return Affordances.fieldNames.first { $0.flag == flag }!.name }
            return "\(self)"
        }

        /// Fields an object may omit (or write as null).
        var isOptional: Bool {
            switch self {
            case .assetId, .fillLiquid, .salientMaterials, .parentReceptacles, .receptacleObjectIds, .controlledObjects: true
            default: false
            }
        }
    }

    static let objectFields: [(field: ObjectField, bit: UInt64)] = ObjectField.allCases.enumerated().map { ($1, 1 << UInt64($0)) }
    static let objectFieldByKey = Dictionary(uniqueKeysWithValues: objectFields.map { ($0.field.key, $0) })
    static let requiredObjectBits = objectFields.filter { !$0.field.isOptional }.reduce(UInt64(0)) { $0 | $1.bit }

    static func readObject(_ cursor: inout JSONCursor, order: Int) throws -> (SceneObject, [String]) {
        var object = SceneObject(objectId: "", name: "", objectType: "", order: order, affordances: [], position: .zero, box: Box(center: .zero, size: .zero))
        var contents: [String] = []
        var seen: UInt64 = 0
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object") }
        try cursor.readObject { cursor, key in
            guard let (field, bit) = objectFieldByKey[key] else { return try cursor.skipValue() }
            seen |= bit
            switch field {
            case .affordance(let flag): if try cursor.readBool() { object.affordances.insert(flag) }
            case .name: object.name = try cursor.readString()
            case .objectId: object.objectId = try cursor.readString()
            case .objectType: object.objectType = try cursor.readString()
            case .assetId: object.assetId = try cursor.readOptionalString()
            case .isOpen: object.state.isOpen = try cursor.readBool()
            case .openness: object.state.openness = try cursor.readDouble()
            case .isToggled: object.state.isToggled = try cursor.readBool()
            case .isBroken: object.state.isBroken = try cursor.readBool()
            case .isFilledWithLiquid: object.state.isFilledWithLiquid = try cursor.readBool()
            case .fillLiquid: object.state.fillLiquid = try cursor.readOptionalString()
            case .isDirty: object.state.isDirty = try cursor.readBool()
            case .isUsedUp: object.state.isUsedUp = try cursor.readBool()
            case .isCooked: object.state.isCooked = try cursor.readBool()
            case .isSliced: object.state.isSliced = try cursor.readBool()
            case .isPickedUp: object.state.isPickedUp = try cursor.readBool()
            case .temperature:
                let text = try cursor.readString()
                guard let temperature = Temperature(rawValue: text) else {
                    throw JSONPathError(path: [], reason: "unknown temperature '\(text)' (expected RoomTemp, Hot or Cold)", offset: cursor.offset, isSyntax: false)
                }
                object.state.temperature = temperature
            case .mass: object.mass = try cursor.readDouble()
            case .salientMaterials: object.salientMaterials = try cursor.readStringList()
            case .position: object.position = try readVec3(&cursor)
            case .rotation: object.rotation = try readVec3(&cursor)
            case .axisAlignedBoundingBox: object.box = try readBox(&cursor)
            case .parentReceptacles: object.parentReceptacles = try cursor.readStringList()
            case .receptacleObjectIds: contents = try cursor.readStringList()
            case .controlledObjects: object.controlledObjects = try cursor.readStringList()
            }
        }
        if seen & requiredObjectBits != requiredObjectBits {
            throw missing(objectFields.first { !$0.field.isOptional && seen & $0.bit == 0 }!.field.key)
        }
        return (object, contents)
    }

    static func readVec3(_ cursor: inout JSONCursor) throws -> Vec3 {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object with x, y, z") }
        var x: Double?, y: Double?, z: Double?
        try cursor.readObject { cursor, key in
            switch key {
            case "x": x = try cursor.readDouble()
            case "y": y = try cursor.readDouble()
            case "z": z = try cursor.readDouble()
            default: try cursor.skipValue()
            }
        }
        guard let x else { throw missing("x") }
        guard let y else { throw missing("y") }
        guard let z else { throw missing("z") }
        return Vec3(x: x, y: y, z: z)
    }

    /// `{"center", "size", ...}`; corner points are skipped (centre and size determine them).
    static func readBox(_ cursor: inout JSONCursor) throws -> Box {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object with center and size") }
        var center: Vec3?, size: Vec3?
        try cursor.readObject { cursor, key in
            switch key {
            case "center": center = try readVec3(&cursor)
            case "size": size = try readVec3(&cursor)
            default: try cursor.skipValue()
            }
        }
        guard let center else { throw missing("center") }
        guard let size else { throw missing("size") }
        return Box(center: center, size: size)
    }

    /// `{"position", "rotation", "cameraHorizon", "isStanding"}`: `originPos.json` and `agent`.
    static func readPose(_ cursor: inout JSONCursor) throws -> Pose {
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.typeMismatch("an object (an agent pose)") }
        var position: Vec3?, rotation: Vec3?, horizon: Double?
        var standing = true
        try cursor.readObject { cursor, key in
            switch key {
            case "position": position = try readVec3(&cursor)
            case "rotation": rotation = try readVec3(&cursor)
            case "cameraHorizon": horizon = try cursor.readDouble()
            case "isStanding": standing = try cursor.readNull() ? true : cursor.readBool()
            default: try cursor.skipValue()
            }
        }
        guard let position else { throw missing("position") }
        guard let rotation else { throw missing("rotation") }
        guard let horizon else { throw missing("cameraHorizon") }
        return Pose(position: position, rotation: rotation, cameraHorizon: horizon, isStanding: standing)
    }

    /// Parses a whole `originPos.json`.
    static func parsePose(_ data: Data, file: String) throws -> Pose {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var cursor = JSONCursor(bytes)
            do {
                cursor.skipWhitespace()
                let pose = try readPose(&cursor)
                try cursor.expectEnd()
                return pose
            } catch let error as JSONPathError {
                throw ImportError(json: error, file: file, data: bytes)
            }
        }
    }
}

extension ImportError {
    /// Names the file, and the line and column of a syntax error or the path of a bad field.
    init(json error: JSONPathError, file: String, data: UnsafeBufferPointer<UInt8>) {
        if error.isSyntax {
            self.init(file: file, reason: "malformed JSON: \(error.syntaxDescription(in: data))")
        } else {
            self.init(file: file, field: error.pathText, reason: error.reason)
        }
    }
}

/// Reads a whole file, naming it when it is missing, unreadable or not a regular file. A file the
/// import finds by itself that is not a regular file is never opened (a FIFO in a checkout would
/// block the import forever); one the user named (`--tasks <(jq ... tasks.json)`, `/dev/stdin`, a
/// FIFO) is read to its end, as `grade` reads the paths it is given.
func readFile(_ url: URL, namedByUser: Bool = false) throws -> Data {
    var info = stat()
    guard stat(url.path, &info) == 0 else {
        throw ImportError(file: url.path, reason: errno == ENOENT ? "file not found" : "cannot read: \(String(cString: strerror(errno)))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw ImportError(file: url.path, reason: "is a directory, not a file")
    case _ where namedByUser:
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ImportError(file: url.path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw ImportError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    default: throw ImportError(file: url.path, reason: "not a regular file; not opened")
    }
    do {
        return try Data(contentsOf: url)
    } catch {
        throw ImportError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
    }
}
