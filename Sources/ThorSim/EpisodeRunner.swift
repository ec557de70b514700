import ThorModel

/// One entry of a simulated trajectory, in the reference's shape plus thor-lite's additions
/// (`objectId`, `error`).
///
/// The loop makes one per step and a grader keeps them for every line, so an entry holds no text
/// of its own where it can be derived: the legal lists are the world's type sets with the scene's
/// shared type-name table, spelled out when read, and a plan step's response is its text, wrapped
/// in the decision tags when read.
public struct EpisodeStep: Hashable, Sendable {
    public var response: String {
        get { responseText.text }
        set { responseText = .raw(newValue) }
    }
    public var action: String
    public var object: String?
    /// The object the action resolved to, when it named one that exists.
    public var objectId: String?
    public var success: Bool
    public var error: StepError?
    /// The feedback text the policy sees (empty on success).
    public var feedback: String
    /// Navigable types so far.
    public var legalLocations: [String] {
        get { navigable.names }
        set { navigable = TypeNames(newValue) }
    }
    /// Interactable types after the step.
    public var legalObjects: [String] {
        get { interactable.names }
        set { interactable = TypeNames(newValue) }
    }

    var responseText: ResponseText
    var navigable: TypeNames
    var interactable: TypeNames

    public init(response: String, action: String, object: String?, objectId: String?, success: Bool, error: StepError?,
                feedback: String, legalLocations: [String], legalObjects: [String]) {
        self.init(response: .raw(response), action: action, object: object, objectId: objectId, success: success, error: error,
                  feedback: feedback, navigable: TypeNames(legalLocations), interactable: TypeNames(legalObjects))
    }

    init(response: ResponseText, action: String, object: String?, objectId: String?, success: Bool, error: StepError?,
         feedback: String, navigable: TypeNames, interactable: TypeNames) {
        responseText = response
        self.action = action
        self.object = object
        self.objectId = objectId
        self.success = success
        self.error = error
        self.feedback = feedback
        self.navigable = navigable
        self.interactable = interactable
    }
}

/// A response as the loop received it: raw text, or a plan step that reads as
/// `<DecisionMaking>step</DecisionMaking>` (built only when read).
enum ResponseText: Hashable, Sendable {
    case raw(String)
    case planStep(String)

    var text: String {
        switch self {
        case .raw(let text): text
        case .planStep(let step): "<DecisionMaking>\(step)</DecisionMaking>"
        }
    }

    static func == (a: ResponseText, b: ResponseText) -> Bool { a.text == b.text }
    func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

/// A list of type names, held as a scene's type-id set plus the scene's name table (shared, so
/// holding it costs no allocation), or as plain names for lists made from text.
struct TypeNames: Hashable, Sendable {
    private enum Storage: Sendable {
        case types(TypeSet, table: [String])
        case names([String])
    }
    private let storage: Storage

    init(_ types: TypeSet, table: [String]) { storage = .types(types, table: table) }
    init(_ names: [String]) { storage = .names(names) }

    /// The type-id set and name table, when held as such.
    var types: (types: TypeSet, table: [String])? {
        if case .types(let types, let table) = storage { return (types, table) }
        return nil
    }

    /// The names in the scene's type order (sorted), or as given.
    var names: [String] {
        switch storage {
        case .types(let types, let table): types.members.map { table[$0] }
        case .names(let names): names
        }
    }

    static func == (a: TypeNames, b: TypeNames) -> Bool { a.names == b.names }
    func hash(into hasher: inout Hasher) { hasher.combine(names) }
}

/// What a policy answers when the loop asks it for the next action.
public enum PolicyOutput: Sendable {
    /// A raw model response; its `<DecisionMaking>` text is parsed as the reference does.
    case response(String)
    /// A plan step in key-action form (`navigate to Fridge`, `put in Fridge`, `end`).
    case planStep(String)
}

/// The reference episode loop (docs/metric.md, "The episode loop"): init entry, step budget per task
/// type, illegal-action entries that do not move the step counter, the repeat cut-off, three
/// model calls without an executed step, and the final `end` entry.
public struct EpisodeRunner {
    public var world: World
    public let budget: Int
    public let parser: DecisionParser
    public private(set) var steps: [EpisodeStep] = []
    /// How the loop ended: nil (the policy said end), `budgetExhausted` or `repeatCutoff`.
    public private(set) var endReason: StepError?
    public private(set) var isDone = false
    /// Executes the loop's actions in place of `world` when set (live mode); `world` still parses
    /// responses and names types. Nil (the default) keeps simulate mode as it is.
    public var backend: (any EpisodeBackend)?
    /// Why the backend could not execute a step: the episode ended there, without an entry.
    public private(set) var backendFailure: (any Error)?
    /// The backend's last observation sets, which entries it did not execute carry (as the
    /// reference's loop variables do).
    var backendLegal: (locations: [String], objects: [String])?

    // Loop state, as named in the reference.
    var action = "init"
    var item: String?
    /// `action` as a kind and `item` as the world's type id (nil when it names no type), as the
    /// parser read them.
    var kind = ActionKind.initialize
    var itemType: Int?
    var response = ResponseText.raw("")
    var stepCount = 0
    var calls = 0
    var repeats = 0
    var previous: (String, String?) = ("init", nil)
    var stepCountAtLastIteration = 0

    public init(world: World, taskType: String) {
        self.world = world
        // The world's task knows its budget when the type is its own (one lookup per task).
        if let known = world.taskFacts.stepBudget, known.taskType == taskType {
            budget = known.budget
        } else {
            budget = TaskTypes.stepBudget(taskType)
        }
        parser = world.scene.parser
    }

    /// Room for `count` entries before the loop runs (a plan of n steps makes at most n + 2):
    /// the entries are large, and growing the list step by step copied them several times.
    public mutating func reserveSteps(_ count: Int) {
        steps.reserveCapacity(count)
    }

    /// Runs the whole loop, asking `policy` once per model call; a policy that runs out (nil)
    /// counts as saying `end`.
    public mutating func run(_ policy: () -> PolicyOutput?) {
        while !isDone {
            advance()
            guard !isDone else { return }
            receive(policy())
        }
    }

    /// Executes the current action (the first call executes `init`).
    public mutating func advance() {
        guard !isDone else { return }
        guard action != "end", stepCount < budget, calls < 3 else { return finish() }
        if action == previous.0 && item == previous.1 {
            repeats += 1
            if repeats >= 3 {
                // evaluate.py writes this entry with empty legal lists.
                var cutoff = entry(action: "end", object: nil, outcome: .failed(.repeatCutoff), feedback: "")
                cutoff.legalLocations = []
                cutoff.legalObjects = []
                steps.append(cutoff)
                endReason = .repeatCutoff
                isDone = true
                return
            }
        } else {
            repeats = 0
        }
        previous = (action, item)
        if kind.isExecutable {
            stepCount += 1
            if let backend { return execute(Action(kind, item), on: backend) }
            // `world.step(Action(kind, item))` without looking the type up by name again.
            let outcome = !kind.takesObject ? world.step(kind, type: nil) : itemType.map { world.step(kind, type: $0) } ?? .failed(.unknownObject)
            steps.append(entry(action: action, object: item, outcome: outcome, feedback: outcome.success ? "" : Feedback.text(for: outcome, action: action, object: item, decision: lastDecision)))
        } else {
            let error = pendingFailure ?? .unknownAction
            steps.append(entry(action: action, object: item, outcome: .failed(error), feedback: Feedback.illegalAction))
        }
    }

    /// One executed step on the backend; a backend that cannot answer ends the episode.
    mutating func execute(_ action: Action, on backend: any EpisodeBackend) {
        do {
            let step = try backend.execute(action)
            backendLegal = (step.legalLocations, step.legalObjects)
            let outcome = StepOutcome(success: step.success, error: step.success ? nil : step.error, object: nil)
            let feedback = step.success ? "" : Feedback.text(for: outcome, action: self.action, object: item, decision: lastDecision)
            var executed = entry(action: self.action, object: item, outcome: outcome, feedback: feedback)
            executed.objectId = step.objectId
            steps.append(executed)
        } catch {
            backendFailure = error
            isDone = true
        }
    }

    /// The decision text behind the current action (feedback quotes it).
    var lastDecision: String?
    /// Why the current action is not executable (parse error or unknown action).
    var pendingFailure: StepError?

    /// Takes the policy's next output (one model call).
    public mutating func receive(_ output: PolicyOutput?) {
        guard !isDone else { return }
        calls += 1
        if stepCount != stepCountAtLastIteration {
            calls = 0
            stepCountAtLastIteration = stepCount
        }
        let read: DecisionParser.Read
        switch output {
        case nil:
            read = .init(parsed: ParsedDecision(action: "end", object: nil, decision: "end", failure: nil), kind: .end)
            response = .raw("")
        case .response(let text):
            response = .raw(text)
            read = parser.read(response: text)
        case .planStep(let text):
            response = .planStep(text)
            read = parser.read(decision: text)
        }
        let decision = read.parsed
        action = decision.action
        item = decision.object
        kind = read.kind
        itemType = read.type
        lastDecision = decision.decision
        pendingFailure = decision.failure
    }

    /// Appends the final `end` entry (also when the budget ran out).
    mutating func finish() {
        guard !isDone else { return }
        let exhausted = action != "end" && stepCount >= budget
        steps.append(entry(action: "end", object: nil, outcome: .ok(), feedback: ""))
        if exhausted {
            steps[steps.count - 1].error = .budgetExhausted
            endReason = .budgetExhausted
        }
        isDone = true
    }

    func entry(action: String, object: String?, outcome: StepOutcome, feedback: String) -> EpisodeStep {
        EpisodeStep(
            response: response, action: action, object: object,
            objectId: outcome.object.map { world.scene.scene.objects[$0].objectId },
            success: outcome.success, error: outcome.error, feedback: feedback,
            navigable: backendLegal.map { TypeNames($0.locations) } ?? TypeNames(world.navigable, table: world.scene.typeNames),
            interactable: backendLegal.map { TypeNames($0.objects) } ?? TypeNames(world.interactable, table: world.scene.typeNames))
    }
}

/// Feedback shown to the policy after a failed step: the reference's texts (evaluate.py,
/// `INVALID_ACTION_PROMPT` in prompt.py), spelling included.
public enum Feedback {
    public static let illegalAction = "Action is illegal. Please select an action from the Available_Actions."

    public static func text(for outcome: StepOutcome, action: String, object: String?, decision: String?) -> String {
        let name = object ?? ""
        let said = decision ?? (object.map { "\(action) \($0)" } ?? action)
        let unmatched = object == ParsedDecision.noSuitableObject
        if action == "navigate to" {
            if unmatched {
                return "<|feedback|>Action: \"\(action)\" is illegal, the name of the navigated object doesn't quite match the obejct in the image, please try navigating to another object first.\n"
            }
            return "<|feedback|>Action: \"navigate to\" is illegal, \"\(name)\" is the most relevant item in this room and \"\(said)\". Object: \"\(name)\" is not currently navigable, you can try \"navigate to <object>\" to reach nearby, larger objects for closer observation.\n"
        }
        if unmatched {
            return "<|feedback|>Action: \"\(action)\" is illegal, the name of the object doesn't quite match the obejct in the image, Please try interacting with another object or navigating to another object.\n"
        }
        return "<|feedback|>Action: \(said) is illegal, Object: \(name) is currently unavailable for interaction. Possible situations include: \(name) does not exist in your current view; you are too far away from \(name); the \(name) cannot perform operation \(action).\nYou can try \"move forward\" to approach the target object or \"navigate to <object>\" to reach nearby, larger objects for closer inspection."
    }
}
