/// Where an episode's actions are executed when it is not the symbolic `World`: live AI2-THOR
/// through the bridge (`ThorLive`). The episode loop (`EpisodeRunner`) stays the same: response
/// parsing, the step budget, illegal-action entries, the repeat cut-off and the final `end` are
/// the loop's; only the executed steps' facts come from the backend.
///
/// A class protocol: a backend owns a process and its connection, which a copy must not duplicate.
public protocol EpisodeBackend: AnyObject {
    /// Executes one action the loop decided to execute (`init` first). Throws when the backend
    /// cannot answer at all (a crashed or hung sidecar): the episode then ends without an entry.
    func execute(_ action: Action) throws -> BackendStep
}

/// The facts of one executed step as a backend reports them: what a trajectory entry records.
public struct BackendStep: Hashable, Sendable {
    public var success: Bool
    /// Why the step failed, when the backend can say in thor-lite's taxonomy (nil otherwise).
    public var error: StepError?
    /// The object the action acted on, when the backend names one.
    public var objectId: String?
    /// Navigable types after the step (the reference's `legal_locations`).
    public var legalLocations: [String]
    /// Interactable types after the step (the reference's `legal_objects`).
    public var legalObjects: [String]

    public init(success: Bool, error: StepError? = nil, objectId: String? = nil, legalLocations: [String], legalObjects: [String]) {
        self.success = success
        self.error = error
        self.objectId = objectId
        self.legalLocations = legalLocations
        self.legalObjects = legalObjects
    }
}
