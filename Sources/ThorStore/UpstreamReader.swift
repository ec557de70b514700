import Dispatch
import Foundation
import ThorModel

/// Reads an upstream Embodied-Reasoner checkout (or a dataset in the same layout):
///
///     data/test_809.json                                              tasks
///     data/agent_positions.json                                       hand-set approach poses
///     data_engine/taskgenerate/<room>/<FloorPlanN>/metadata.json      scene metadata dumps
///     data_engine/taskgenerate/<room>/<FloorPlanN>/originPos.json     agent start poses
///
/// Everything is parsed and cross-checked before the store is touched, so a bad file refuses the
/// whole import with an `ImportError` and the previous store stays as it was.
public struct UpstreamReader: Sendable {
    public static let defaultTasksPath = "data/test_809.json"
    public static let agentPositionsPath = "data/agent_positions.json"
    public static let scenesPath = "data_engine/taskgenerate"

    public var root: URL
    /// A task file of the same shape as `data/test_809.json`, used instead of it.
    public var tasksFile: URL?

    public init(root: URL, tasksFile: URL? = nil) {
        self.root = root
        self.tasksFile = tasksFile
    }

    /// Progress callback: stage name, items done, items total.
    public typealias Progress = @Sendable (String, Int, Int) -> Void

    /// Parses the checkout. `eachScene` (if given) is called on the calling thread with each scene,
    /// in floor-plan order, as soon as it is parsed, so a caller can write scenes while the rest
    /// are still being read.
    public func read(progress: Progress? = nil, eachScene: ((Scene) throws -> Void)? = nil) throws -> UpstreamDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImportError(file: root.path, reason: "no such directory (expected an Embodied-Reasoner checkout with data/ and data_engine/)")
        }
        let sceneDirectories = try findSceneDirectories()
        let taskReader = TaskFileReader(file: tasksFile ?? root.appendingPathComponent(Self.defaultTasksPath), namedByUser: tasksFile != nil)
        let poseReader = AgentPositionsReader(file: root.appendingPathComponent(Self.agentPositionsPath))

        // One job per file on all cores; the task file (the largest) starts first.
        let scenes = ResultSlots<(Scene, [ImportWarning])>(count: sceneDirectories.count)
        let records = ResultSlots<[UpstreamTask]>(count: 1)
        let poses = ResultSlots<[UpstreamDataset.ListedApproachPose]>(count: 1)
        let done = Counter()
        let ready = sceneDirectories.map { _ in DispatchSemaphore(value: 0) }
        let workers = DispatchGroup()
        DispatchQueue.global().async(group: workers) {
            DispatchQueue.concurrentPerform(iterations: sceneDirectories.count + 2) { job in
                switch job {
                case 0: records.set(0, Result { try taskReader.decode() })
                case 1: poses.set(0, Result { try poseReader.read() })
                default:
                    let index = job - 2
                    scenes.set(index, Result { try SceneFileReader(directory: sceneDirectories[index]).read() })
                    ready[index].signal()
                    progress?("scenes", done.increment(), sceneDirectories.count)
                }
            }
        }
        // Never return while workers still run, even on an error.
        defer { workers.wait() }
        // Errors are reported in a fixed order (scenes by floor plan, then tasks, then poses) so the
        // message does not depend on thread timing.
        var warnings: [ImportWarning] = []
        var parsedScenes: [Scene] = []
        for index in sceneDirectories.indices {
            ready[index].wait()
            let (scene, sceneWarnings) = try scenes.value(index).get()
            try eachScene?(scene)
            parsedScenes.append(scene)
            warnings += sceneWarnings
        }
        workers.wait()
        let sceneIndex = Dictionary(uniqueKeysWithValues: parsedScenes.map { ($0.name, $0) })
        let tasks = try taskReader.tasks(from: try records.value(0).get(), scenes: sceneIndex, warnings: &warnings)
        return UpstreamDataset(
            scenes: parsedScenes, tasks: tasks, approachPoses: try poses.value(0).get(), warnings: warnings,
            sourceFiles: sceneDirectories.count * 2 + 2)
    }

    struct SceneDirectory {
        var name: String
        var roomKind: RoomKind
        var url: URL
    }

    /// `taskgenerate/<room>/FloorPlanN/` folders, ordered by floor-plan number.
    func findSceneDirectories() throws -> [SceneDirectory] {
        let base = root.appendingPathComponent(Self.scenesPath)
        let fm = FileManager.default
        guard let rooms = try? fm.contentsOfDirectory(atPath: base.path) else {
            throw ImportError(file: base.path, reason: "no such directory (scene metadata lives in \(Self.scenesPath)/<room>/FloorPlanN/)")
        }
        var found: [SceneDirectory] = []
        for room in rooms.sorted() {
            let roomURL = base.appendingPathComponent(room)
            guard let plans = try? fm.contentsOfDirectory(atPath: roomURL.path) else { continue }
            for plan in plans.sorted() where plan.hasPrefix("FloorPlan") {
                let url = roomURL.appendingPathComponent(plan)
                guard fm.fileExists(atPath: url.appendingPathComponent("metadata.json").path) else { continue }
                guard let kind = RoomKind(folderName: room) ?? RoomKind(floorPlan: plan) else {
                    throw ImportError(file: url.path, reason: "cannot tell the room kind: folder '\(room)' is not kitchens/living_rooms/bedrooms/bathrooms and '\(plan)' is outside the iTHOR ranges")
                }
                found.append(SceneDirectory(name: plan, roomKind: kind, url: url))
            }
        }
        guard !found.isEmpty else {
            throw ImportError(file: base.path, reason: "no <room>/FloorPlanN/metadata.json found")
        }
        var seen: [String: URL] = [:]
        for directory in found {
            if let earlier = seen[directory.name] {
                throw ImportError(file: directory.url.path, reason: "scene \(directory.name) appears twice (also in \(earlier.path))")
            }
            seen[directory.name] = directory.url
        }
        return found.sorted { ($0.floorPlanNumber, $0.name) < ($1.floorPlanNumber, $1.name) }
    }
}

extension UpstreamReader.SceneDirectory {
    var floorPlanNumber: Int { Int(name.dropFirst("FloorPlan".count)) ?? Int.max }
}

extension RoomKind {
    /// iTHOR numbering: kitchens 1–30, living rooms 201–230, bedrooms 301–330, bathrooms 401–430.
    public init?(floorPlan: String) {
        guard floorPlan.hasPrefix("FloorPlan"), let number = Int(floorPlan.dropFirst("FloorPlan".count)) else { return nil }
        switch number / 100 {
        case 0: self = .kitchen
        case 2: self = .livingRoom
        case 3: self = .bedroom
        case 4: self = .bathroom
        default: return nil
        }
    }
}

/// Write-once slots filled from concurrent workers.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Result<Value, Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Value, Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func value(_ index: Int) -> Result<Value, Error> {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]!
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
