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
        var childrenByParent: [String: [SceneObject]] = [:]
        var roots: [SceneObject] = []
        var primary: [String: String] = [:]
        for (object, parent) in zip(objects, primaryParents()) {
            if let parent {
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

extension Scene {
    /// Each object's innermost receptacle (by objectId), or nil: of the parents an object lists,
    /// the one that itself rests in another listed parent (the bowl, not the counter under it).
    /// AI2-THOR's overlap-based containment can list loops (two cabinets inside each other, the
    /// floor inside something on it); each loop is cut above its largest object, which is the
    /// one that cannot be inside the others.
    public func primaryParents() -> [String?] {
        let index = Dictionary(uniqueKeysWithValues: objects.enumerated().map { ($1.objectId, $0) })
        var parent: [Int?] = objects.map { object in
            let parents = object.parentReceptacles.compactMap { index[$0] }
            return parents.first { candidate in
                objects[candidate].parentReceptacles.contains { index[$0].map(parents.contains) ?? false }
            } ?? parents.first
        }
        for start in objects.indices {
            var chain: [Int] = []
            var seen = Set<Int>()
            var current: Int? = start
            while let node = current, !seen.contains(node) {
                seen.insert(node)
                chain.append(node)
                current = parent[node]
            }
            guard let repeated = current else { continue }
            let loop = chain[chain.firstIndex(of: repeated)!...]
            let largest = loop.max { (objects[$0].box.volume, -$0) < (objects[$1].box.volume, -$1) }!
            parent[largest] = nil
        }
        return parent.map { $0.map { objects[$0].objectId } }
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
