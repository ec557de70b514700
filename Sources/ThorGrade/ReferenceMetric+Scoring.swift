extension ReferenceMetric {
    /// Whether appending `entry` to a trajectory can change the metric's reward count (and so
    /// `completeness`): rule 2 skips a failed entry and the unscored actions before anything is
    /// scored, so only a successful entry of another action can. The policy API uses this to
    /// re-evaluate the whole trajectory only after such a step; the other fields (efficiency,
    /// repeat rate) it evaluates when asked.
    public static func canScore(_ entry: TrajectoryEntry) -> Bool {
        !(entry.success.equalsZero || unscoredActions.contains(where: entry.action.sameCodePoints))
    }
}
