import ThorJSON
import ThorModel
import ThorSim

/// A scored key action that no trajectory entry can ever match, so the task can never reach
/// success 1 under the reference metric, whatever the model does.
public struct UnmatchableKeyAction: Hashable, Sendable {
    /// 1-based position in the task's key actions.
    public var position: Int
    /// The key-action string as the metric compares it.
    public var keyAction: String
    public var reason: String

    public init(position: Int, keyAction: String, reason: String) {
        self.position = position
        self.keyAction = keyAction
        self.reason = reason
    }
}

/// Finds key actions the reference metric can never match (`docs/metric.md`, "Per-task metric").
///
/// An entry scores a key action only when `action + " " + object` equals it, where the action is
/// one the metric scores (every `put…` read as `put`) and the object is a type of the scene. So a
/// scored key action must be a vocabulary action that names an object (`ActionKind`, the one
/// vocabulary table), spelt exactly as `Action.text` spells it, with a type the scene has.
/// `end` is always matchable: the end entry scores by its own rule.
public enum KeyActionCheck {
    /// The scored key actions of `keyActions` that can never match. `sceneTypes` is the set of
    /// object types the task's scene has (the check on types is skipped when it is nil);
    /// `sceneName` names it in the reason.
    public static func unmatchable(_ keyActions: [String], sceneTypes: Set<String>?, sceneName: String?) -> [UnmatchableKeyAction] {
        var found: [UnmatchableKeyAction] = []
        for (index, key) in keyActions.enumerated() where ReferenceMetric.isScored(key) {
            if let reason = reason(key, sceneTypes: sceneTypes, sceneName: sceneName) {
                found.append(UnmatchableKeyAction(position: index + 1, keyAction: key, reason: reason))
            }
        }
        return found
    }

    static func reason(_ key: String, sceneTypes: Set<String>?, sceneName: String?) -> String? {
        guard let action = Action(planStep: key) else {
            let word = key.split(separator: " ").first.map(String.init) ?? ""
            return word.isEmpty
                ? "the key action is empty"
                : "'\(word)' starts no action of the vocabulary (\(scoredKinds.map(\.rawValue).joined(separator: ", ")), end)"
        }
        switch action.kind {
        case .end:
            return nil
        case .putIn:
            return "the metric reads every put action as 'put', so 'put in' never matches; the key action should read 'put \(action.objectType ?? "")'"
        case .initialize, .observe, .moveForward, .navigateTo, .error:
            return "'\(action.kind.rawValue)' entries score nothing"
        case .pickup, .put, .toggle, .open, .close:
            guard let type = action.objectType, !type.isEmpty else {
                return "'\(action.kind.rawValue)' names no object type (the task data's objectType is empty)"
            }
            if action.text != key {
                return "the metric compares '\(action.text)' exactly; this key action is spelt differently"
            }
            if let sceneTypes, !sceneTypes.contains(type) {
                return "\(sceneName ?? "the task's scene") has no object of type '\(type)' (types compare exactly, case included)"
            }
            return nil
        }
    }

    /// The vocabulary actions a scored key action can use besides `end`.
    static let scoredKinds: [ActionKind] = ActionKind.allCases.filter { $0.takesObject && $0 != .navigateTo && $0 != .putIn }
}

/// A `grade` warning: a graded line's task has a key action that can never match.
public struct KeyActionWarning: Hashable, Sendable, CustomStringConvertible {
    /// The first graded line of the task.
    public var source: LineSource
    public var identity: TaskIdentity
    public var problem: UnmatchableKeyAction

    public var description: String {
        "\(source.file):\(source.line): task \(identity): key action \(problem.position) '\(problem.keyAction)' can never match: \(problem.reason)"
    }
}

/// Collects `KeyActionWarning`s over a grade run, checking each task once: on the first graded
/// line that names it (later lines of the task cost one set lookup: this runs serially on every
/// line of recorded mode's hot path).
public struct KeyActionWarnings {
    /// A scene's object types by scene name; nil (no store, or a scene it lacks) skips the type check.
    let sceneTypes: (String) -> Set<String>?
    /// The store's key actions of a task, for lines that do not carry their own.
    let storeKeyActions: (TaskIdentity) -> [String]?
    private var checked = IdentitySet()
    public private(set) var warnings: [KeyActionWarning] = []

    public init(sceneTypes: @escaping (String) -> Set<String>?, storeKeyActions: @escaping (TaskIdentity) -> [String]?) {
        self.sceneTypes = sceneTypes
        self.storeKeyActions = storeKeyActions
    }

    /// Checks a graded line's task unless it was checked already; returns the new warnings.
    @discardableResult
    public mutating func check(_ task: GradedTask) -> ArraySlice<KeyActionWarning> {
        check(task.identity, scene: task.scene, keyActions: task.lineKeyActions, source: task.source)
    }

    /// `check(_:)` for a line reduced on its worker; nothing to do for a line whose identity an
    /// earlier line had (`GradedLine.repeatsIdentity`).
    @discardableResult
    public mutating func check(_ line: GradedLine) -> ArraySlice<KeyActionWarning> {
        if line.repeatsIdentity { return warnings[warnings.endIndex...] }
        return check(line.tally.identity, scene: line.scene, keyActions: line.lineKeyActions, source: line.source)
    }

    /// Checks a task unless it was checked already: the line's own key actions when it carried
    /// them, else the store's.
    @discardableResult
    public mutating func check(_ identity: TaskIdentity, scene: String?, keyActions lineKeyActions: [String]?, source: LineSource) -> ArraySlice<KeyActionWarning> {
        let start = warnings.endIndex
        guard checked.insert(identity),
              let keys = lineKeyActions ?? storeKeyActions(identity) else { return warnings[start...] }
        let types = scene.flatMap(sceneTypes)
        for problem in KeyActionCheck.unmatchable(keys, sceneTypes: types, sceneName: scene) {
            warnings.append(KeyActionWarning(source: source, identity: identity, problem: problem))
        }
        return warnings[start...]
    }
}

extension KeyActionWarning {
    /// The summary's `key_action_warnings` entry.
    public var json: JSONValue {
        .object([
            "file": .string(source.file), "line": .int(source.line), "identity": ReportWriters.json(identity),
            "position": .int(problem.position), "key_action": .string(problem.keyAction), "why": .string(problem.reason),
        ])
    }
}
