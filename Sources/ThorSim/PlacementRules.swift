/// AI2-THOR's placement facts (unity/Assets/Scripts/SimObjType.cs, `ReceptacleRestrictions`), the
/// table `PutObject` consults. Kept in this one place; `PlacementRulesTests` checks it against
/// `shared/reference/ai2thor-receptacles.json`.
public enum PlacementRules {
    /// Held type → receptacle types it may be put in or on. A held type that is not a key has no
    /// type restriction (AI2-THOR-FACTS §3.6), e.g. ScrubBrush.
    public static let allowedReceptacles: [String: Set<String>] = [
        "AlarmClock": ["Box", "Dresser", "Desk", "SideTable", "DiningTable", "TVStand", "CoffeeTable", "CounterTop", "Shelf", "Chair", "Stool"],
        "AluminumFoil": ["Dresser", "Drawer", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "Apple": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "GarbageCan", "Dresser"],
        "AppleSliced": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "GarbageCan", "Dresser"],
        "BaseballBat": ["Bed", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "Floor"],
        "BasketBall": ["Sofa", "ArmChair", "Dresser", "Desk", "Bed", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Stool", "Chair", "Floor"],
        "Book": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "Desk", "Bed", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Stool", "Chair", "Floor"],
        "Boots": ["Floor"],
        "Bottle": ["Fridge", "Box", "Dresser", "Desk", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "GarbageCan"],
        "Bowl": ["Microwave", "Fridge", "Dresser", "Desk", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "Box": ["Sofa", "ArmChair", "Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Ottoman", "Stool", "Chair", "Floor"],
        "Bread": ["Microwave", "Fridge", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "GarbageCan", "Plate"],
        "BreadSliced": ["Microwave", "Fridge", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "GarbageCan", "Toaster", "Plate"],
        "ButterKnife": ["Pot", "Pan", "Bowl", "Mug", "Plate", "Cup", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "Desk", "CounterTop", "Drawer"],
        "CD": ["Box", "Ottoman", "Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Safe", "Sofa", "ArmChair", "Stool", "Chair", "Footstool"],
        "Candle": ["Box", "Dresser", "Desk", "Toilet", "Cart", "Bathtub", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Stool", "Chair"],
        "CellPhone": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "Desk", "Bed", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Safe", "Stool", "Chair", "Footstool"],
        "Cloth": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "LaundryHamper", "Desk", "Toilet", "Cart", "BathtubBasin", "Bathtub", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair", "Footstool", "Floor"],
        "CreditCard": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Stool", "Chair", "Footstool"],
        "Cup": ["Microwave", "Fridge", "Dresser", "Desk", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "DishSponge": ["Pot", "Pan", "Bowl", "Plate", "Box", "Toilet", "Cart", "BathtubBasin", "Bathtub", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan"],
        "Dumbbell": ["Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Bed", "Chair", "ArmChair", "Sofa", "Stool", "Footstool", "Floor"],
        "Egg": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "EggCracked": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "Fork": ["Pot", "Pan", "Bowl", "Mug", "Plate", "Cup", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer"],
        "HandTowel": ["HandTowelHolder"],
        "Kettle": ["DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Sink", "SinkBasin", "Cabinet", "StoveBurner", "Shelf"],
        "KeyChain": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Safe", "Stool", "Chair"],
        "Knife": ["Pot", "Pan", "Bowl", "Mug", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer"],
        "Ladle": ["Pot", "Pan", "Bowl", "Plate", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer"],
        "Laptop": ["Sofa", "ArmChair", "Ottoman", "Dresser", "Desk", "Bed", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Stool", "Chair", "Footstool"],
        "Lettuce": ["Pot", "Pan", "Bowl", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "LettuceSliced": ["Pot", "Pan", "Bowl", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "Mug": ["CoffeeMachine", "Microwave", "Fridge", "Plate", "Box", "Dresser", "Desk", "Cart", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "Newspaper": ["Sofa", "ArmChair", "Ottoman", "Dresser", "Desk", "Bed", "Toilet", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair", "Footstool", "Floor"],
        "Pan": ["DiningTable", "CounterTop", "TVStand", "CoffeeTable", "SideTable", "Sink", "SinkBasin", "Cabinet", "StoveBurner", "Fridge"],
        "PaperTowelRoll": ["Box", "Toilet", "Cart", "Bathtub", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "GarbageCan"],
        "Pen": ["Mug", "Box", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair", "Footstool"],
        "Pencil": ["Mug", "Box", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair", "Footstool"],
        "PepperShaker": ["DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer", "Cabinet", "Shelf"],
        "Pillow": ["Sofa", "ArmChair", "Ottoman", "Bed", "Stool", "Chair"],
        "Plate": ["Microwave", "Fridge", "Dresser", "Desk", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "Plunger": ["Cart", "Cabinet", "Floor"],
        "Pot": ["StoveBurner", "Fridge", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "Potato": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "PotatoSliced": ["Pot", "Pan", "Bowl", "Microwave", "Fridge", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "GarbageCan"],
        "RemoteControl": ["Sofa", "ArmChair", "Box", "Ottoman", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Stool", "Chair", "Footstool"],
        "SaltShaker": ["DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer", "Cabinet", "Shelf"],
        "SoapBar": ["Toilet", "Cart", "Bathtub", "BathtubBasin", "Sink", "SinkBasin", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan"],
        "SoapBottle": ["Dresser", "Desk", "Toilet", "Cart", "Bathtub", "Sink", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan"],
        "Spatula": ["Pot", "Pan", "Bowl", "Plate", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer"],
        "Spoon": ["Pot", "Pan", "Bowl", "Mug", "Plate", "Cup", "Sink", "SinkBasin", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Drawer"],
        "SprayBottle": ["Dresser", "Desk", "Toilet", "Cart", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan"],
        "Statue": ["Box", "Dresser", "Desk", "Cart", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Safe"],
        "TableTopDecor": ["Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf"],
        "TargetCircle": ["Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Floor"],
        "TeddyBear": ["Bed", "Sofa", "ArmChair", "Ottoman", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Safe", "Stool", "Chair"],
        "TennisRacket": ["Dresser", "Desk", "Bed", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Stool", "Chair", "Floor"],
        "TissueBox": ["Box", "Dresser", "Desk", "Toilet", "Cart", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair", "Footstool"],
        "ToiletPaper": ["Dresser", "Desk", "Toilet", "ToiletPaperHanger", "Cart", "Bathtub", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool", "Chair"],
        "ToiletPaperRoll": ["Dresser", "Desk", "Toilet", "ToiletPaperHanger", "Cart", "Bathtub", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "GarbageCan", "Stool"],
        "Tomato": ["DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Sink", "SinkBasin", "Pot", "Bowl", "Fridge", "GarbageCan", "Plate"],
        "TomatoSliced": ["DiningTable", "CounterTop", "TVStand", "CoffeeTable", "SideTable", "Sink", "SinkBasin", "Pot", "Bowl", "Fridge", "GarbageCan", "Plate"],
        "Towel": ["TowelHolder"],
        "Vase": ["Box", "Dresser", "Desk", "Cart", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Safe"],
        "Watch": ["Box", "Dresser", "Desk", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Safe", "Stool", "Chair", "Footstool"],
        "WateringCan": ["Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "Drawer", "Stool", "Chair", "Floor"],
        "WineBottle": ["Fridge", "Dresser", "Desk", "Cabinet", "DiningTable", "TVStand", "CoffeeTable", "SideTable", "CounterTop", "Shelf", "GarbageCan"],    ]

    /// Receptacles that must be open before anything can be put in them (§3.4). Safe, Kettle,
    /// Toilet, Laptop and Book are openable but not listed, so AI2-THOR does not check them.
    public static let mustBeOpenToPlaceIn: Set<String> = ["Drawer", "Cabinet", "LaundryHamper", "Microwave", "Fridge", "Box"]

    /// Closed receptacles whose contents cannot be seen (their doors block the visibility rays,
    /// §1): the must-be-open list plus the Safe.
    public static let hidesContentsWhenClosed: Set<String> = mustBeOpenToPlaceIn.union(["Safe"])

    /// Receptacles with an ObjectSpecificReceptacle component (AI2-THOR's SimObjType.cs; docs/simulator-rules.md): one attach
    /// point, so a second object is refused ("is full right now"). The type lists are per prefab;
    /// these are the prefabs the benchmark's scenes use (coffee machines take a Mug, burners a Pot,
    /// Pan or Kettle, toasters a BreadSliced, holders their paper or towel); which types each
    /// accepts is left to the placement table.
    public static let objectSpecificReceptacles: Set<String> = [
        "CoffeeMachine", "StoveBurner", "Toaster", "ToiletPaperHanger", "TowelHolder", "HandTowelHolder",
    ]

    /// Whether `held` may go into or onto `receptacle` by the type table alone.
    public static func allows(held: String, in receptacle: String) -> Bool {
        guard let allowed = allowedReceptacles[held] else { return true }
        return allowed.contains(receptacle)
    }
}

/// Device facts (AI2-THOR-FACTS §5, §7, §8) the simulator's rules and side effects read.
public enum DeviceRules {
    /// Turns on only when closed (CanToggleOnOff.cs): only the Microwave.
    public static let mustBeClosedToTurnOn: Set<String> = ["Microwave"]
    /// Opens only when off (CanOpen_Object.cs): only the Microwave.
    public static let mustBeOffToOpen: Set<String> = ["Microwave"]
    /// Heat while on: what is inside (or on) them gets hot and, if cookable, cooked.
    public static let heatsContentsWhenOn: Set<String> = ["StoveBurner", "Microwave", "Toaster", "CoffeeMachine"]
    /// Heat zones that do not toast bread (HeatZone.cs: microwaves heat BreadSliced without cooking it).
    public static let heatsWithoutToasting: Set<String> = ["Microwave"]
    /// A running faucet's water cleans and fills what is in the basin below (Dirty.cs, Fill.cs).
    public static let waterSources: Set<String> = ["Faucet", "ShowerHead"]
    public static let basins: Set<String> = ["SinkBasin", "BathtubBasin"]
    /// How far (horizontally, metres) a basin may be from a water source and still be "below" it.
    public static let basinReach = 1.0
}
