import ThorModel

/// Everything an upstream Embodied-Reasoner checkout holds, parsed and checked, ready to be written
/// to the store in one transaction.
public struct UpstreamDataset: Sendable {
    public var scenes: [Scene]
    public var tasks: [StoredTask]
    public var approachPoses: [ListedApproachPose]
    public var warnings: [ImportWarning]
    /// Files read, for the summary line.
    public var sourceFiles: Int

    /// A task plus the fields only the store keeps.
    public struct StoredTask: Sendable {
        public var task: BenchmarkTask
        public var identityIsInteger: Bool
        public var totalReward: Int?
    }

    /// One entry of `agent_positions.json`, still tagged with the task it was listed under.
    public struct ListedApproachPose: Sendable {
        public var sourceTask: TaskIdentity
        public var taskOrder: Int
        public var scene: String
        public var pose: ApproachPose
    }

    public var objectCount: Int { scenes.reduce(0) { $0 + $1.objects.count } }
    public var receptacleLinkCount: Int {
        scenes.reduce(0) { total, scene in total + scene.objects.reduce(0) { $0 + $1.parentReceptacles.count } }
    }
}
