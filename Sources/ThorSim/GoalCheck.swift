import ThorModel

/// One fact of a task's intended end state, checked on the final world.
public struct GoalFact: Hashable, Sendable {
    public var description: String
    public var holds: Bool
}

/// Goal-state success, beyond the reference's key-action matching: the end state the task's key
/// actions intend (the object held, the object inside/on the receptacle, the object toggled, the
/// container left open or closed, the searched object in view), checked on the final world.
public enum GoalCheck {
    public static func facts(for task: BenchmarkTask, in world: World) -> [GoalFact] {
        let scene = world.scene
        func index(_ id: String) -> Int? { id.isEmpty ? nil : scene.indexById[id] }
        var facts: [GoalFact] = []
        var holding: KeyAction?
        var toggled: [Int: KeyAction] = [:]
        var openState: [Int: (KeyAction, Bool)] = [:]
        for key in task.keyActions {
            switch key.action {
            case "pickup": holding = key
            case "put":
                guard let item = holding else { continue }
                if let object = index(item.objectId), let receptacle = index(key.objectId) {
                    facts.append(GoalFact(description: "\(item.objectType) \(item.objectId) is in \(key.objectType) \(key.objectId)",
                                          holds: world.isInside(object, receptacle)))
                } else {
                    facts.append(GoalFact(description: "\(item.objectType) in \(key.objectType) (object not in the scene)", holds: false))
                }
                holding = nil
            case "toggle":
                if let object = index(key.objectId) { toggled[object] = key }
            case "open", "close":
                if let object = index(key.objectId) { openState[object] = (key, key.action == "open") }
            default: break
            }
        }
        if let item = holding {
            facts.append(GoalFact(description: "holding \(item.objectType) \(item.objectId)",
                                  holds: index(item.objectId).map { world.held == $0 } ?? false))
        }
        for object in toggled.keys.sorted() {
            let key = toggled[object]!
            let initial = scene.scene.objects[object].state.isToggled
            facts.append(GoalFact(description: "\(key.objectType) \(key.objectId) is switched \(initial ? "off" : "on")",
                                  holds: world.isToggled[object] != initial))
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
