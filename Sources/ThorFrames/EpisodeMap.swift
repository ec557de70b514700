import ThorModel
import ThorGrade
import ThorSim

/// Map contents for a task or an episode.
public enum EpisodeMap {
    /// A scene or task map: with a task, its targets (or, for a task without targets, its key
    /// actions' objects) outlined.
    public static func content(for task: BenchmarkTask?, world: World) -> SceneMap.Content {
        let scene = world.scene.scene
        guard let task else {
            return SceneMap.Content(title: scene.name, subtitle: "\(scene.roomKind.rawValue), \(scene.objects.count) objects; agent at the start pose")
        }
        // A task without target objects (a forked task set) is outlined by its key actions'
        // object types, resolved as the simulator resolves them.
        let compiled = world.scene
        let targets = !world.targets.isEmpty ? world.targets.values.flatMap { $0 } + world.related : task.keyActions.compactMap { key in
            compiled.typeIdByName[key.objectType].map { world.object(for: $0) }
        }
        return SceneMap.Content(
            title: "\(scene.name)  task \(task.identity)  \(task.taskType)",
            subtitle: task.taskName + "  |  key actions: " + task.keyActionTexts.joined(separator: ", "),
            targets: Array(Set(targets)).sorted())
    }

    /// An episode's map: the final state, the numbered path, failures with their causes, where a
    /// recorded run disagreed, the end reason and the goal facts.
    public static func draw(_ trace: EpisodeTrace, task: BenchmarkTask, model: String? = nil, recorded: RecordedRun? = nil) -> (image: RGBImage, layout: SceneMap.Layout) {
        var content = content(for: task, world: trace.end)
        content.title += model.map { "  (\($0))" } ?? ""
        content.path = trace.entries.compactMap { entry in
            guard let number = entry.number else { return nil }
            var text = entry.step.object.map { "\(entry.step.action) \($0)" } ?? entry.step.action
            // Where the recorded run's own outcome differs from the simulator's, say so.
            if let recorded = recorded?.step(number: number)?.succeeded, recorded != entry.step.success {
                text += recorded ? "  (the run: ok)" : "  (the run: FAILED)"
            }
            let error = entry.step.error.map { "\($0.rawValue): " } ?? ""
            return SceneMap.PathStep(
                number: number, pose: entry.pose, success: entry.step.success, text: text, cause: entry.cause.map { error + $0 },
                object: entry.step.objectId.flatMap { trace.end.scene.indexById[$0] })
        }
        let illegal = trace.entries.filter { $0.number == nil && $0.step.action != "end" }.count
        if illegal > 0 { content.notes.append(("\(illegal) model call(s) named no executable action (not drawn)", true)) }
        if let reason = trace.endReason { content.notes.append(("episode ended: \(reason.rawValue)", true)) }
        let facts = GoalCheck.facts(for: task, in: trace.end)
        for fact in facts { content.notes.append(("goal: \(fact.description): \(fact.holds ? "met" : "MISSED")", !fact.holds)) }
        return SceneMap.draw(trace.end, content)
    }
}
