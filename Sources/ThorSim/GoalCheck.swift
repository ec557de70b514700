import ThorModel

/// One fact of a task's intended end state, checked on the final world.
public struct GoalFact: Hashable, Sendable {
    public var description: String
    public var holds: Bool
}

/// Goal-state success, beyond the reference's key-action matching: the end state the task's key
/// actions intend, checked on the final world. The key actions are followed object by object, so
/// only where each object ends up counts: an Egg put in the SinkBasin to be washed and then picked
/// up again and put on a Plate must end on the Plate, not in the basin. The facts are: each placed
/// object in its last receptacle (in the order of those puts), the object still held at the end,
/// each toggled object in the state an odd or even number of toggles leaves it, each opened or
/// closed object as last left, and for search tasks the searched object in view.
public enum GoalCheck {
    public static func facts(for task: BenchmarkTask, in world: World) -> [GoalFact] {
        let scene = world.scene
        func index(_ id: String) -> Int? { id.isEmpty ? nil : scene.indexById[id] }
        var holding: KeyAction?
        /// Each placed object with its last receptacle, in the order of those puts.
        var placements: [(item: KeyAction, receptacle: KeyAction)] = []
        var toggles: [Int: (key: KeyAction, count: Int)] = [:]
        var openState: [Int: (key: KeyAction, open: Bool)] = [:]
        for key in task.keyActions {
            switch key.action {
            case "pickup":
                placements.removeAll { $0.item.objectId == key.objectId }
                holding = key
            case "put":
                guard let item = holding else { continue }
                placements.removeAll { $0.item.objectId == item.objectId }
                placements.append((item, key))
                holding = nil
            case "toggle":
                if let object = index(key.objectId) { toggles[object] = (key, (toggles[object]?.count ?? 0) + 1) }
            case "open", "close":
                if let object = index(key.objectId) { openState[object] = (key, key.action == "open") }
            default: break
            }
        }
        var facts: [GoalFact] = placements.map { item, receptacle in
            guard let object = index(item.objectId), let container = index(receptacle.objectId) else {
                return GoalFact(description: "\(item.objectType) in \(receptacle.objectType) (object not in the scene)", holds: false)
            }
            return GoalFact(description: "\(item.objectType) \(item.objectId) is in \(scene.typeName(ofObject: container)) \(receptacle.objectId)",
                            holds: world.isInside(object, container))
        }
        if let item = holding {
            facts.append(GoalFact(description: "holding \(item.objectType) \(item.objectId)",
                                  holds: index(item.objectId).map { world.held == $0 } ?? false))
        }
        for object in toggles.keys.sorted() {
            let (key, count) = toggles[object]!
            let flipped = !count.isMultiple(of: 2)
            let wanted = scene.scene.objects[object].state.isToggled != flipped
            facts.append(GoalFact(description: "\(key.objectType) \(key.objectId) is switched \(wanted ? "on" : "off")",
                                  holds: world.isToggled[object] == wanted))
        }
        for object in openState.keys.sorted() {
            let (key, open) = openState[object]!
            facts.append(GoalFact(description: "\(key.objectType) \(key.objectId) is \(open ? "open" : "closed")",
                                  holds: world.isOpen[object] == open))
        }
        if task.taskType.hasPrefix("single_search"), let target = task.relatedObjects.first, let object = index(target) {
            facts.append(GoalFact(description: "\(scene.typeName(ofObject: object)) \(target) is in view",
                                  holds: world.interactable.contains(scene.objectType[object]) && !world.isHidden(object)))
        }
        return facts
    }
}
