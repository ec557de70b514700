/// Why a step failed (or how an episode ended early): the fixed taxonomy thor-lite reports per
/// step, next to the reference's plain success flag.
public enum StepError: String, Sendable, Codable, CaseIterable {
    /// No `<DecisionMaking>...</DecisionMaking>` in the response.
    case parseError = "parse_error"
    /// The decision names no action of the vocabulary (e.g. `pick up Apple`).
    case unknownAction = "unknown_action"
    /// The object type is not in the scene (or the matcher found nothing close enough).
    case unknownObject = "unknown_object"
    case notNavigable = "not_navigable"
    case notInteractable = "not_interactable"
    case notPickupable = "not_pickupable"
    case handFull = "hand_full"
    case handEmpty = "hand_empty"
    case notReceptacle = "not_receptacle"
    case placementNotAllowed = "placement_not_allowed"
    case receptacleClosed = "receptacle_closed"
    /// An object-specific receptacle (a CoffeeMachine, a StoveBurner, ...) already holds an object.
    case receptacleFull = "receptacle_full"
    case notOpenable = "not_openable"
    case notToggleable = "not_toggleable"
    /// Switching on what is already on (or off what is off): the reference reads a non-target
    /// object's state as the episode started, so its second toggle asks for the same state again.
    case alreadyToggled = "already_toggled"
    /// A microwave turns on only when closed.
    case mustBeClosed = "must_be_closed"
    /// A microwave opens only when off.
    case mustBeOff = "must_be_off"
    /// Live mode: AI2-THOR reported the step failed where the simulator, from the same state,
    /// predicts success (a failure both agree on gets the simulator's kind); see the divergence report.
    case unityRejected = "unity_rejected"
    /// The episode ran out of its step budget.
    case budgetExhausted = "budget_exhausted"
    /// The same action and object three times in a row ended the episode.
    case repeatCutoff = "repeat_cutoff"
}
