/// A scene's containment graph as a forest: each object appears once, under its innermost parent.
public struct ContainmentNode: Hashable, Sendable {
    public var object: SceneObject
    public var children: [ContainmentNode]
    /// Other receptacles that also list this object (e.g. the counter under the bowl it sits in).
    public var alsoIn: [String]
}

extension Scene {
    /// Roots are objects without parents, in metadata order. An object with several parents sits
    /// under the one nested deepest (a bowl's apple goes under the bowl, not the counter below it).
    public func containmentTree() -> [ContainmentNode] {
        let byId = Dictionary(uniqueKeysWithValues: objects.map { ($0.objectId, $0) })
        func primaryParent(_ object: SceneObject) -> String? {
            let parents = object.parentReceptacles.filter { byId[$0] != nil }
            // Prefer a parent that itself rests in another listed parent.
            return parents.first { candidate in
                byId[candidate]!.parentReceptacles.contains { parents.contains($0) }
            } ?? parents.first
        }
        var childrenByParent: [String: [SceneObject]] = [:]
        var roots: [SceneObject] = []
        var primary: [String: String] = [:]
        for object in objects {
            if let parent = primaryParent(object) {
                childrenByParent[parent, default: []].append(object)
                primary[object.objectId] = parent
            } else {
                roots.append(object)
            }
        }
        var visiting = Set<String>()
        func node(_ object: SceneObject) -> ContainmentNode {
            visiting.insert(object.objectId)
            defer { visiting.remove(object.objectId) }
            // A containment cycle would recurse forever; cut it where it closes.
            let children = (childrenByParent[object.objectId] ?? []).filter { !visiting.contains($0.objectId) }.map(node)
            return ContainmentNode(
                object: object, children: children,
                alsoIn: object.parentReceptacles.filter { $0 != primary[object.objectId] })
        }
        return roots.map(node)
    }
}

extension SceneObject {
    /// Short state words for listings: open/closed, on/off, and any unusual state.
    public var stateLabels: [String] {
        var labels: [String] = []
        if has(.openable) { labels.append(state.isOpen ? "open" : "closed") }
        if has(.toggleable) { labels.append(state.isToggled ? "on" : "off") }
        if state.isDirty { labels.append("dirty") }
        if state.isFilledWithLiquid { labels.append("filled" + (state.fillLiquid.map { " with \($0)" } ?? "")) }
        if state.isCooked { labels.append("cooked") }
        if state.isSliced { labels.append("sliced") }
        if state.isBroken { labels.append("broken") }
        if state.isUsedUp { labels.append("used up") }
        if state.temperature != .roomTemp { labels.append(state.temperature.rawValue.lowercased()) }
        return labels
    }
}
