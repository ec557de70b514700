/// What a frame's file name says, in the reference evaluator's naming
/// (`RocAgent.save_frame`): `<scene>_<step>_<action>[_<object>].png`, observe views as
/// `<scene>_<step>_<view>_observe.png`.
public struct FrameName: Hashable, Sendable {
    public var scene: String
    /// The reference's step counter when the frame was saved (1 is `init`).
    public var step: Int
    /// The vocabulary action (`navigate to`, `move forward`, `pickup`, `put`, ...).
    public var action: String
    public var object: String?
    /// Observe frames: which of the three turned views.
    public var view: Int?

    /// The file-name word of each action → the vocabulary action it records.
    static let actionWords: [(word: String, action: String)] = [
        ("move_forward", "move forward"), ("navigate", "navigate to"), ("pick_up", "pickup"), ("put_in", "put"),
        ("init", "init"), ("observe", "observe"), ("toggle", "toggle"), ("open", "open"), ("close", "close"),
    ]

    public init(scene: String, step: Int, action: String, object: String?, view: Int?) {
        self.scene = scene
        self.step = step
        self.action = action
        self.object = object
        self.view = view
    }

    public init?(fileName: String) {
        guard fileName.lowercased().hasSuffix(".png") else { return nil }
        let parts = fileName.dropLast(4).split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        // The scene name has no underscore (FloorPlanN); the step is the first number after it.
        guard parts.count >= 3, parts[0].hasPrefix("FloorPlan"), let step = Int(parts[1]), step >= 0 else { return nil }
        scene = parts[0]
        self.step = step
        var rest = Array(parts[2...])
        if rest.count == 2, let view = Int(rest[0]), rest[1] == "observe" {
            self.view = view
            rest.removeFirst()
        }
        let text = rest.joined(separator: "_")
        guard let match = Self.actionWords.first(where: { text == $0.word || text.hasPrefix($0.word + "_") }) else { return nil }
        action = match.action
        let object = String(text.dropFirst(match.word.count)).drop { $0 == "_" }
        self.object = object.isEmpty ? nil : String(object)
    }

    /// `navigate to CounterTop`, `move forward`.
    public var actionText: String { object.map { "\(action) \($0)" } ?? action }
}
