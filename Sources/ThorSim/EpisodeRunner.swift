import ThorModel

/// One entry of a simulated trajectory, in the reference's shape plus thor-lite's additions
/// (`objectId`, `error`).
public struct EpisodeStep: Hashable, Sendable {
    public var response: String
    public var action: String
    public var object: String?
    /// The object the action resolved to, when it named one that exists.
    public var objectId: String?
    public var success: Bool
    public var error: StepError?
    /// The feedback text the policy sees (empty on success).
    public var feedback: String
    /// Navigable types so far.
    public var legalLocations: [String]
    /// Interactable types after the step.
    public var legalObjects: [String]
}

/// What a policy answers when the loop asks it for the next action.
public enum PolicyOutput: Sendable {
    /// A raw model response; its `<DecisionMaking>` text is parsed as the reference does.
    case response(String)
    /// A plan step in key-action form (`navigate to Fridge`, `put in Fridge`, `end`).
    case planStep(String)
}

/// The reference episode loop (REFERENCE-EVAL "The episode loop"): init entry, step budget per task
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
    var response = ""
    var stepCount = 0
    var calls = 0
    var repeats = 0
    var previous: (String, String?) = ("init", nil)
    var stepCountAtLastIteration = 0

    public init(world: World, taskType: String) {
        self.world = world
        budget = TaskTypes.stepBudget(taskType)
        parser = world.scene.parser
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
        if let kind = ActionKind(rawValue: action), kind.isExecutable {
            stepCount += 1
            if let backend { return execute(Action(kind, item), on: backend) }
            let outcome = world.step(Action(kind, item))
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
        let decision: ParsedDecision
        switch output {
        case nil:
            decision = ParsedDecision(action: "end", object: nil, decision: "end", failure: nil)
            response = ""
        case .response(let text):
            response = text
            decision = parser.parse(response: text)
        case .planStep(let text):
            response = "<DecisionMaking>\(text)</DecisionMaking>"
            decision = parser.parse(decision: text)
        }
        action = decision.action
        item = decision.object
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
            legalLocations: backendLegal?.locations ?? world.scene.names(of: world.navigable),
            legalObjects: backendLegal?.objects ?? world.scene.names(of: world.interactable))
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
