import Foundation
import ThorModel

/// Starting worlds for episodes of many tasks, as simulate mode grades them: each scene compiled
/// once (on its first task, so a run loads only the scenes its input names), and one world per
/// task built once and handed out as copies. Everything a world derives from its scene and task
/// (the resolved approach poses, the start view, the goal checks) is then computed once per task,
/// not once per episode; a copy costs a few reference-count increments. Safe to use from several
/// threads.
public final class EpisodeWorlds: @unchecked Sendable {
    private let loadScene: (String) throws -> Scene?
    public let approachPoses: [String: ApproachPose]
    private var scenes: [String: CompiledScene] = [:]
    private var prototypes: [TaskIdentity: World] = [:]
    private let lock = NSLock()

    /// `loadScene` returns nil for a scene it does not have; it is called at most once per scene
    /// name that loads, under this object's lock.
    public init(approachPoses: [String: ApproachPose], loadScene: @escaping (String) throws -> Scene?) {
        self.approachPoses = approachPoses
        self.loadScene = loadScene
    }

    public struct MissingScene: Error, CustomStringConvertible {
        public let scene: String
        public let task: TaskIdentity
        public var description: String { "scene \(scene) of task \(task) is not in the store" }
    }

    /// A fresh world for an episode of `task` (a copy of the task's world, which nothing mutates).
    public func world(for task: BenchmarkTask) throws -> World {
        lock.lock()
        defer { lock.unlock() }
        // A different task under a known identity (another task file) gets its own world.
        if let prototype = prototypes[task.identity], prototype.isMade(for: task) { return prototype }
        let compiled: CompiledScene
        if let known = scenes[task.scene] {
            compiled = known
        } else {
            guard let scene = try loadScene(task.scene) else { throw MissingScene(scene: task.scene, task: task.identity) }
            compiled = CompiledScene(scene)
            scenes[task.scene] = compiled
        }
        let world = World(scene: compiled, task: task, approachPoses: approachPoses)
        prototypes[task.identity] = world
        return world
    }
}
