import Foundation
import ThorModel
import ThorSim

/// One trajectory entry of a traced episode, with where the agent stood after it and, for a
/// failed step, the specific reason in words.
public struct TraceEntry: Sendable {
    /// The reference's step counter after this entry (nil for illegal-action entries and the final end).
    public var number: Int?
    public var step: EpisodeStep
    public var pose: AgentPose
    /// Object number in the hand after the step.
    public var held: Int?
    /// Why the step failed, naming objects, distances and rules; nil on success.
    public var cause: String?
    /// The symbolic state after the step (to find a recorded frame of it).
    public var state: FrameState
}

/// An episode run through the reference loop, entry by entry, keeping the pose, the held object
/// and the world before each step, so failures can be explained and the path drawn.
public struct EpisodeTrace: Sendable {
    public var entries: [TraceEntry] = []
    /// The world at the start (after `init`) and at the end.
    public var start: World
    public var end: World
    public var endReason: StepError?
    public var budget: Int

    public init(world: World, taskType: String, outputs: [PolicyOutput]) {
        var runner = EpisodeRunner(world: world, taskType: taskType)
        var queue = Array(outputs.reversed())
        var counter = 0
        var start: World?
        while !runner.isDone {
            let before = runner.world
            let known = runner.steps.count
            runner.advance()
            for step in runner.steps[known...] {
                let counts = step.action != "end" && ActionKind(rawValue: step.action)?.isExecutable == true
                if counts { counter += 1 }
                entries.append(TraceEntry(
                    number: counts ? counter : nil, step: step, pose: runner.world.pose, held: runner.world.held,
                    cause: step.success && step.error == nil ? nil : FailureCause.explain(step, before: before, budget: runner.budget),
                    state: RunReplay.snapshot(runner.world, source: "simulator")))
            }
            if start == nil { start = runner.world }
            guard !runner.isDone else { break }
            runner.receive(queue.popLast())
        }
        self.start = start ?? runner.world
        end = runner.world
        endReason = runner.endReason
        budget = runner.budget
    }
}

/// The specific cause of a failed step, in words: which closed receptacle hides the object, how
/// far away it is, which rule forbids the action.
public enum FailureCause {
    public static func explain(_ step: EpisodeStep, before world: World, budget: Int) -> String? {
        guard let error = step.error else { return nil }
        let scene = world.scene
        let object = step.objectId.flatMap { scene.indexById[$0] }
        let name = step.object ?? "?"
        func typeName(_ index: Int) -> String { scene.typeName(ofObject: index) }
        switch error {
        case .parseError:
            return "the response has no <DecisionMaking>...</DecisionMaking> on one line"
        case .unknownAction:
            return "\"\(step.object.map { "\(step.action) \($0)" } ?? step.action)\" is not an action of the vocabulary"
        case .unknownObject:
            return "there is no \(name) in \(scene.scene.name)"
        case .notNavigable:
            let seen = scene.names(of: world.navigable)
            return "\(name) has not been seen from any pose yet; navigable so far: \(seen.prefix(10).joined(separator: ", "))\(seen.count > 10 ? ", ..." : "")"
        case .notInteractable:
            guard let object else { return "\(name) is not within reach" }
            if world.held == object { return "the \(name) is already in the hand" }
            if let door = closedContainer(of: object, in: world) {
                return "the \(typeName(object)) is inside the closed \(typeName(door)) (\(scene.scene.objects[door].objectId)): open it first"
            }
            let distance = reachDistance(world.pose, world.boxes[object])
            let location = world.location.map { "from the \(typeName($0))" } ?? "from the start pose"
            guard world.visible.contains(object) else {
                return String(format: "the %@ is not in view %@ (%.2f m away): navigate to it or to what holds it first", typeName(object), location, distance)
            }
            return String(format: "the %@ is in view %@ but %.2f m away and too small for the reference's size rule, and not inside what was navigated to: navigate to it first", typeName(object), location, distance)
        case .notPickupable:
            return "a \(name) cannot be picked up"
        case .handFull:
            return "the hand already holds the \(world.held.map(typeName) ?? "?"): put it somewhere first"
        case .handEmpty:
            return "nothing is held, so there is nothing to put"
        case .notReceptacle:
            return "the \(name) is not a receptacle"
        case .receptacleClosed:
            return "the \(name) is closed: open it before putting anything in"
        case .placementNotAllowed:
            return "AI2-THOR's placement table does not allow a \(world.held.map(typeName) ?? "?") in a \(name)"
        case .notOpenable:
            return "the \(name) has nothing to open"
        case .notToggleable:
            return name == "StoveBurner" ? "a StoveBurner has no switch: toggle its StoveKnob" : "the \(name) has no switch"
        case .mustBeClosed:
            return "the \(name) is open; it turns on only when closed"
        case .mustBeOff:
            return "the \(name) is on; it opens only when off"
        case .receptacleFull:
            return "the \(name) holds one object at a time and already holds the \(object.flatMap { o in (0..<scene.objectCount).first { world.objects[$0].parent == o } }.map(typeName) ?? "?")"
        case .alreadyToggled:
            return "the reference reads the \(name)'s on/off state as the episode started, so toggling it a second time asks for the same state again"
        case .budgetExhausted:
            return "the step budget of \(budget) steps ran out"
        case .repeatCutoff:
            return "the same action three times in a row ended the episode"
        case .unityRejected:
            return "AI2-THOR refused the step where the simulator, from the same state, would succeed (see the divergence report)"
        }
    }

    /// The innermost closed receptacle whose doors hide `object`.
    public static func closedContainer(of object: Int, in world: World) -> Int? {
        var current = world.objects[object].parent
        while current >= 0 {
            if !world.objects[current].isOpen, world.scene.hidesContents[current] { return current }
            current = world.objects[current].parent
        }
        return nil
    }

    /// Horizontal distance from the agent to the nearest point of a box's footprint.
    public static func reachDistance(_ pose: AgentPose, _ box: Box) -> Double {
        let dx = max(abs(box.center.x - pose.x) - box.size.x / 2, 0)
        let dz = max(abs(box.center.z - pose.z) - box.size.z / 2, 0)
        return (dx * dx + dz * dz).squareRoot()
    }
}
