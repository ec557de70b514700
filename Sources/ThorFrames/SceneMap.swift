import Foundation
import ThorModel
import ThorSim

/// A top-down picture of a scene in a given state: the floor with a 1 m grid, every object's
/// footprint from its box (receptacles, open and closed doors, small objects told apart by colour,
/// states in the labels), the task's targets outlined in red, the agent with its field of view,
/// and for an episode the path with numbered steps, failures in red and a transcript beside it.
public enum SceneMap {
    /// Colours, named for what they mean (tests look them up here).
    public enum Palette {
        public static let page = RGB(250, 250, 250)
        public static let floor = RGB(238, 230, 214)
        public static let grid = RGB(222, 212, 194)
        public static let receptacle = RGB(190, 206, 228)
        public static let receptacleEdge = RGB(100, 122, 156)
        public static let closed = RGB(164, 112, 66)
        public static let closedEdge = RGB(96, 60, 26)
        public static let open = RGB(146, 214, 146)
        public static let openEdge = RGB(36, 128, 36)
        public static let furniture = RGB(208, 208, 208)
        public static let furnitureEdge = RGB(150, 150, 150)
        public static let item = RGB(84, 84, 84)
        public static let switchedOn = RGB(250, 196, 0)
        public static let target = RGB(222, 32, 32)
        public static let agent = RGB(24, 84, 220)
        public static let fieldOfView = RGB(80, 140, 255)
        public static let failed = RGB(210, 30, 30)
        public static let ink = RGB(30, 30, 30)
        public static let muted = RGB(110, 110, 110)
    }

    /// Where the map sits on the canvas, for turning world coordinates into pixels.
    public struct Layout: Sendable {
        public var originX: Int
        public var originY: Int
        public var scale: Double
        public var minX: Double
        public var maxZ: Double
        public var mapWidth: Int
        public var mapHeight: Int

        /// The pixel of world point (x, z): +x to the right, +z up.
        public func pixel(x: Double, z: Double) -> (x: Double, y: Double) {
            (Double(originX) + (x - minX) * scale, Double(originY) + (maxZ - z) * scale)
        }
    }

    /// A numbered step to draw on the path.
    public struct PathStep: Sendable {
        public var number: Int
        public var pose: AgentPose
        public var success: Bool
        public var text: String
        public var cause: String?
        /// The object the step acted on (object number), if it resolved to one: a failed step
        /// is drawn with a red line from where the agent stood to it.
        public var object: Int?

        public init(number: Int, pose: AgentPose, success: Bool, text: String, cause: String?, object: Int? = nil) {
            self.number = number
            self.pose = pose
            self.success = success
            self.text = text
            self.cause = cause
            self.object = object
        }
    }

    /// What to draw besides the world's own state.
    public struct Content: Sendable {
        public var title: String
        public var subtitle: String
        /// Object numbers to outline as the task's targets.
        public var targets: [Int]
        public var path: [PathStep]
        /// Extra transcript lines (e.g. the end reason, goal facts).
        public var notes: [(text: String, failed: Bool)]

        public init(title: String, subtitle: String = "", targets: [Int] = [], path: [PathStep] = [], notes: [(text: String, failed: Bool)] = []) {
            self.title = title
            self.subtitle = subtitle
            self.targets = targets
            self.path = path
            self.notes = notes
        }
    }

    static let margin = 16
    static let titleHeight = 44
    static let panelWidth = 470

    /// Draws `world` (object states, pose, held object) with `content`.
    public static func draw(_ world: World, _ content: Content) -> (image: RGBImage, layout: Layout) {
        let scene = world.scene
        let bounds = scene.scene.bounds
        let sizeX = max(bounds.size.x, 0.5), sizeZ = max(bounds.size.z, 0.5)
        let scale = min(max(760 / max(sizeX, sizeZ), 60), 150)
        let layout = Layout(
            originX: margin, originY: titleHeight + margin, scale: scale,
            minX: bounds.center.x - sizeX / 2, maxZ: bounds.center.z + sizeZ / 2,
            mapWidth: Int((sizeX * scale).rounded()), mapHeight: Int((sizeZ * scale).rounded()))
        let transcript = transcriptLines(content)
        let panelHeight = 150 + transcript.count * 11
        var canvas = Canvas(
            width: layout.originX + layout.mapWidth + margin + panelWidth,
            height: max(layout.originY + layout.mapHeight + margin + 14, titleHeight + panelHeight),
            background: Palette.page)

        drawFloor(&canvas, layout)
        // The field of view tints the floor only: objects keep their colours on top of it.
        drawFieldOfView(&canvas, world.pose, layout)
        let targets = Set(content.targets)
        let visible = drawObjects(&canvas, world, layout, targets: targets)
        drawPath(&canvas, content.path, layout, boxes: world.scene.boxes)
        drawAgent(&canvas, world, layout)
        drawLabels(&canvas, world, layout, targets: targets, drawn: visible)

        canvas.text(content.title, x: margin, y: 8, Palette.ink, scale: 2)
        canvas.text(content.subtitle, x: margin, y: 28, Palette.muted)
        drawPanel(&canvas, x: layout.originX + layout.mapWidth + margin, y: layout.originY, transcript: transcript)
        return (canvas.image, layout)
    }

    static func drawFloor(_ canvas: inout Canvas, _ layout: Layout) {
        canvas.fill(x0: layout.originX, y0: layout.originY, x1: layout.originX + layout.mapWidth, y1: layout.originY + layout.mapHeight, Palette.floor)
        // A line every metre, on whole world coordinates, so distances can be read off.
        let maxX = layout.minX + Double(layout.mapWidth) / layout.scale
        var x = layout.minX.rounded(.up)
        while x < maxX {
            let px = Int(layout.pixel(x: x, z: 0).x)
            canvas.fill(x0: px, y0: layout.originY, x1: px + 1, y1: layout.originY + layout.mapHeight, Palette.grid)
            x += 1
        }
        let minZ = layout.maxZ - Double(layout.mapHeight) / layout.scale
        var z = minZ.rounded(.up)
        while z < layout.maxZ {
            let py = Int(layout.pixel(x: 0, z: z).y)
            canvas.fill(x0: layout.originX, y0: py, x1: layout.originX + layout.mapWidth, y1: py + 1, Palette.grid)
            z += 1
        }
        canvas.stroke(x0: layout.originX - 1, y0: layout.originY - 1, x1: layout.originX + layout.mapWidth + 1, y1: layout.originY + layout.mapHeight + 1, Palette.muted)
        // Scale bar: one metre.
        let barY = layout.originY + layout.mapHeight + 6
        canvas.fill(x0: layout.originX, y0: barY, x1: layout.originX + Int(layout.scale), y1: barY + 3, Palette.ink)
        canvas.text("1 m", x: layout.originX + Int(layout.scale) + 6, y: barY - 2, Palette.ink)
    }

    /// Footprint rectangle of an object in pixels.
    static func footprint(_ box: Box, _ layout: Layout) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        let a = layout.pixel(x: box.center.x - box.size.x / 2, z: box.center.z + box.size.z / 2)
        let b = layout.pixel(x: box.center.x + box.size.x / 2, z: box.center.z - box.size.z / 2)
        return (Int(a.x.rounded()), Int(a.y.rounded()), max(Int(b.x.rounded()), Int(a.x.rounded()) + 3), max(Int(b.y.rounded()), Int(a.y.rounded()) + 3))
    }

    /// The fill and edge colour of an object in this state.
    public static func colors(of object: Int, in world: World) -> (fill: RGB, edge: RGB?) {
        let affordances = world.scene.affordances[object]
        if affordances.contains(.openable) && !affordances.contains(.pickupable) {
            return world.objects[object].isOpen ? (Palette.open, Palette.openEdge) : (Palette.closed, Palette.closedEdge)
        }
        if affordances.contains(.pickupable) { return (Palette.item, nil) }
        if affordances.contains(.receptacle) { return (Palette.receptacle, Palette.receptacleEdge) }
        return (Palette.furniture, Palette.furnitureEdge)
    }

    /// Objects are drawn largest footprint first, so what stands on a counter shows on top of it.
    /// Objects hidden in a closed receptacle or held are left out, unless they are targets.
    static func drawObjects(_ canvas: inout Canvas, _ world: World, _ layout: Layout, targets: Set<Int>) -> [Int] {
        let scene = world.scene
        let order = (0..<scene.objectCount).filter { object in
            scene.typeName(ofObject: object) != "Floor" && world.held != object && (!world.isHidden(object) || targets.contains(object))
        }.sorted { a, b in
            let areaA = scene.boxes[a].size.x * scene.boxes[a].size.z, areaB = scene.boxes[b].size.x * scene.boxes[b].size.z
            return areaA != areaB ? areaA > areaB : a < b
        }
        for object in order {
            let rect = footprint(scene.boxes[object], layout)
            let (fill, edge) = colors(of: object, in: world)
            canvas.fill(x0: rect.x0, y0: rect.y0, x1: rect.x1, y1: rect.y1, fill)
            if let edge { canvas.stroke(x0: rect.x0, y0: rect.y0, x1: rect.x1, y1: rect.y1, edge) }
            if scene.affordances[object].contains(.toggleable) && world.objects[object].isToggled {
                let centre = layout.pixel(x: scene.boxes[object].center.x, z: scene.boxes[object].center.z)
                canvas.disc(centre.x, centre.y, radius: 5, Palette.ink)
                canvas.disc(centre.x, centre.y, radius: 4, Palette.switchedOn)
            }
        }
        for object in targets.sorted() {
            let rect = footprint(scene.boxes[object], layout)
            canvas.stroke(x0: rect.x0 - 4, y0: rect.y0 - 4, x1: rect.x1 + 4, y1: rect.y1 + 4, Palette.target, thickness: 3)
        }
        return order
    }

    /// The map direction of a yaw: 0 looks along +z (up on the map), 90 along +x (right).
    static func direction(_ yaw: Double) -> Double { (yaw - 90) * .pi / 180 }

    static func drawFieldOfView(_ canvas: inout Canvas, _ pose: AgentPose, _ layout: Layout) {
        let centre = layout.pixel(x: pose.x, z: pose.z)
        canvas.wedge(centre.x, centre.y, radius: 2.5 * layout.scale, direction: direction(pose.yaw), halfAngle: CameraConstants.horizontalFieldOfView / 2 * .pi / 180,
                     Palette.fieldOfView, alpha: 0.22,
                     clip: (layout.originX, layout.originY, layout.originX + layout.mapWidth, layout.originY + layout.mapHeight))
    }

    static func drawAgent(_ canvas: inout Canvas, _ world: World, _ layout: Layout) {
        let pose = world.pose
        let centre = layout.pixel(x: pose.x, z: pose.z)
        let direction = direction(pose.yaw)
        canvas.disc(centre.x, centre.y, radius: 9, .white)
        canvas.disc(centre.x, centre.y, radius: 7, Palette.agent)
        canvas.line(centre.x, centre.y, centre.x + cos(direction) * 18, centre.y + sin(direction) * 18, Palette.agent, thickness: 3)
        if let held = world.held {
            canvas.text("holding \(world.scene.typeName(ofObject: held))", x: Int(centre.x) + 12, y: Int(centre.y) + 8, Palette.agent, background: .white, backgroundAlpha: 0.85)
        }
    }

    static func drawPath(_ canvas: inout Canvas, _ path: [PathStep], _ layout: Layout, boxes: [Box]) {
        guard !path.isEmpty else { return }
        for (a, b) in zip(path, path.dropFirst()) {
            let p = layout.pixel(x: a.pose.x, z: a.pose.z), q = layout.pixel(x: b.pose.x, z: b.pose.z)
            canvas.line(p.x, p.y, q.x, q.y, Palette.agent, thickness: 2)
        }
        // A failed action on an object: a red line from where the agent stood to the object.
        for step in path where !step.success {
            guard let object = step.object, boxes.indices.contains(object) else { continue }
            let p = layout.pixel(x: step.pose.x, z: step.pose.z)
            let q = layout.pixel(x: boxes[object].center.x, z: boxes[object].center.z)
            canvas.line(p.x, p.y, q.x, q.y, Palette.failed, thickness: 1)
            canvas.ring(q.x, q.y, radius: 6, Palette.failed, thickness: 2)
        }
        // Markers at one spot are stacked to the right so every number stays readable.
        var stacked: [String: Int] = [:]
        for step in path {
            let p = layout.pixel(x: step.pose.x, z: step.pose.z)
            let key = "\(Int(p.x / 4)),\(Int(p.y / 4))"
            let slot = stacked[key, default: 0]
            stacked[key] = slot + 1
            let x = p.x + 14 + Double(slot % 8) * 17, y = p.y - 14 + Double(slot / 8) * 17
            let color = step.success ? Palette.agent : Palette.failed
            canvas.disc(x, y, radius: 8, .white)
            canvas.disc(x, y, radius: 7, color)
            let label = String(step.number)
            canvas.text(label, x: Int(x) - BitmapFont.width(of: label) / 2, y: Int(y) - 3, .white)
        }
    }

    /// Labels with their state, placed where they do not cover another label: targets first,
    /// then larger objects; small objects are labelled only when they are targets.
    static func drawLabels(_ canvas: inout Canvas, _ world: World, _ layout: Layout, targets: Set<Int>, drawn: [Int]) {
        let scene = world.scene
        var placed: [(Int, Int, Int, Int)] = []
        let candidates = drawn.filter { object in
            targets.contains(object) || (!scene.affordances[object].contains(.pickupable)
                && scene.boxes[object].size.x * scene.boxes[object].size.z * layout.scale * layout.scale > 120)
        }
        let ordered = candidates.filter { targets.contains($0) } + candidates.filter { !targets.contains($0) }
        for object in ordered {
            var label = scene.typeName(ofObject: object)
            let affordances = scene.affordances[object]
            if affordances.contains(.openable) { label += world.objects[object].isOpen ? " (open)" : " (closed)" }
            if affordances.contains(.toggleable) { label += world.objects[object].isToggled ? " (on)" : " (off)" }
            if targets.contains(object), let door = FailureCause.closedContainer(of: object, in: world) {
                label += " in closed \(scene.typeName(ofObject: door))"
            }
            let centre = layout.pixel(x: scene.boxes[object].center.x, z: scene.boxes[object].center.z)
            let width = BitmapFont.width(of: label)
            let x = min(max(Int(centre.x) - width / 2, 2), canvas.width - width - 2), y = Int(centre.y) - 3
            let box = (x - 3, y - 3, x + width + 3, y + BitmapFont.glyphHeight + 3)
            let overlaps = placed.contains { $0.0 < box.2 && box.0 < $0.2 && $0.1 < box.3 && box.1 < $0.3 }
            if overlaps && !targets.contains(object) { continue }
            placed.append(box)
            let isTarget = targets.contains(object)
            canvas.text(label, x: x, y: y, isTarget ? Palette.target : Palette.ink, background: .white, backgroundAlpha: 0.8)
        }
    }

    static func transcriptLines(_ content: Content) -> [(text: String, color: RGB)] {
        var lines: [(text: String, color: RGB)] = []
        for step in content.path {
            let mark = step.success ? "ok" : "FAILED"
            lines.append(("\(String(step.number).leftPadded(3))  \(step.text)  \(mark)", step.success ? Palette.ink : Palette.failed))
            if let cause = step.cause {
                for part in wrap(cause, width: 68) { lines.append(("       " + part, Palette.failed)) }
            }
        }
        for note in content.notes {
            for part in wrap(note.text, width: 74) { lines.append((part, note.failed ? Palette.failed : Palette.ink)) }
        }
        return lines
    }

    static func drawPanel(_ canvas: inout Canvas, x: Int, y: Int, transcript: [(text: String, color: RGB)]) {
        let keys: [(RGB, RGB?, String)] = [
            (Palette.receptacle, Palette.receptacleEdge, "receptacle"),
            (Palette.closed, Palette.closedEdge, "closed (door, drawer, fridge...)"),
            (Palette.open, Palette.openEdge, "open"),
            (Palette.furniture, Palette.furnitureEdge, "other object"),
            (Palette.item, nil, "small object (pickupable)"),
            (Palette.switchedOn, Palette.ink, "switched on"),
        ]
        var top = y
        for (fill, edge, text) in keys {
            canvas.fill(x0: x, y0: top, x1: x + 16, y1: top + 10, fill)
            if let edge { canvas.stroke(x0: x, y0: top, x1: x + 16, y1: top + 10, edge) }
            canvas.text(text, x: x + 22, y: top + 2, Palette.ink)
            top += 14
        }
        canvas.stroke(x0: x - 1, y0: top - 1, x1: x + 17, y1: top + 11, Palette.target, thickness: 2)
        canvas.text("task target", x: x + 22, y: top + 2, Palette.ink)
        top += 14
        canvas.disc(Double(x + 8), Double(top + 5), radius: 5, Palette.agent)
        canvas.text("agent, field of view; numbered steps (red: failed)", x: x + 22, y: top + 2, Palette.ink)
        top += 24
        for line in transcript {
            canvas.text(line.text, x: x, y: top, line.color)
            top += 11
        }
    }

    /// Splits text into lines of at most `width` characters at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

extension String {
    /// Right-aligned in `width` columns (for numbered transcripts).
    public func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
