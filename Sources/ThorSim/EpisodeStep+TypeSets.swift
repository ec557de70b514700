extension EpisodeStep {
    /// The navigable list as the scene's type-id set with its name table (ids index the table),
    /// when the simulator made it; nil for a list given as names (a live backend's, the repeat
    /// cut-off's, hand-built ones). `serve` compares and writes the lists from these without
    /// spelling out names.
    public var navigableTypes: (types: TypeSet, table: [String])? {
        if case .types(let navigable, _, let table) = legal { return (navigable, table) }
        return nil
    }

    /// The interactable list, likewise.
    public var interactableTypes: (types: TypeSet, table: [String])? {
        if case .types(_, let interactable, let table) = legal { return (interactable, table) }
        return nil
    }
}
