import Foundation
import ThorGrade

/// A run's frames downscaled side by side in step order, each bordered green or red by the
/// step's success; steps that saved no frame (failed actions) get a red tile saying what failed.
public enum Filmstrip {
    public static let success = RGB(40, 170, 60)
    public static let failure = RGB(215, 35, 35)
    public static let unknown = RGB(150, 150, 150)

    /// One tile: a step and its frame file, if it has one.
    public struct Tile: Sendable {
        public var number: Int
        public var text: String
        public var success: Bool?
        public var frame: String?
        public var note: String?
    }

    /// The tiles of a run: every counted step in order, with its frames (observe has three).
    public static func tiles(for run: RecordedRun, frames: [String]) -> [Tile] {
        let named = frames.compactMap { path in FrameName(fileName: (path as NSString).lastPathComponent).map { (path, $0) } }
            .sorted { ($0.1.step, $0.1.view ?? -1, $0.0) < ($1.1.step, $1.1.view ?? -1, $1.0) }
        var tiles: [Tile] = []
        var framed = Set<Int>()
        for (path, name) in named {
            let owned = run.owns(name)
            if owned { framed.insert(name.step) }
            let text = name.actionText + (name.view.map { " view \($0)" } ?? "") + (owned ? "" : " (in between)")
            tiles.append(Tile(number: name.step, text: text, success: owned ? run.step(number: name.step)?.succeeded : nil, frame: path))
        }
        for step in run.steps {
            guard let number = step.number, !framed.contains(number) else { continue }
            let text = step.object.map { "\(step.action) \($0)" } ?? step.action
            tiles.append(Tile(number: number, text: text, success: step.succeeded, frame: nil, note: "no frame"))
        }
        return tiles.sorted { ($0.number, $0.frame ?? "") < ($1.number, $1.frame ?? "") }
    }

    /// Draws the tiles, `columns` per row, each frame `tileWidth` wide (aspect kept from the first frame).
    /// A frame that cannot be decoded is drawn as a tile saying so and returned in `issues`.
    public static func draw(title: String, tiles: [Tile], columns: Int = 6, tileWidth: Int = 200) -> (image: RGBImage, issues: [FrameIssue]) {
        var decoded: [String: RGBImage] = [:]
        var issues: [FrameIssue] = []
        var tiles = tiles
        for index in tiles.indices {
            guard let frame = tiles[index].frame else { continue }
            do {
                decoded[frame] = try PNG.decode(file: frame)
            } catch {
                issues.append(FrameIssue(path: frame, reason: String(describing: error)))
                tiles[index].frame = nil
                tiles[index].note = "unreadable frame: \(error)"
            }
        }
        let aspect = decoded.values.first.map { Double($0.height) / Double(max($0.width, 1)) } ?? 0.5625
        let tileHeight = Int((Double(tileWidth) * aspect).rounded())
        let border = 4, caption = 24, gap = 10, top = 34
        let cellWidth = tileWidth + 2 * border + gap, cellHeight = tileHeight + 2 * border + caption + gap
        let count = max(tiles.count, 1)
        let columnCount = min(columns, count)
        let rows = (count + columnCount - 1) / columnCount
        var canvas = Canvas(width: gap + columnCount * cellWidth, height: top + rows * cellHeight + gap, background: SceneMap.Palette.page)
        canvas.text(title, x: gap, y: 10, SceneMap.Palette.ink, scale: 2)
        for (index, tile) in tiles.enumerated() {
            let x = gap + (index % columnCount) * cellWidth, y = top + (index / columnCount) * cellHeight
            let color = tile.success.map { $0 ? success : failure } ?? unknown
            canvas.fill(x0: x, y0: y, x1: x + tileWidth + 2 * border, y1: y + tileHeight + 2 * border, color)
            if let frame = tile.frame, let image = decoded[frame] {
                canvas.draw(image, x: x + border, y: y + border, width: tileWidth, height: tileHeight)
            } else {
                canvas.fill(x0: x + border, y0: y + border, x1: x + border + tileWidth, y1: y + border + tileHeight, RGB(250, 232, 232))
                canvas.text(String((tile.note ?? "").prefix(tileWidth / 6 - 2)), x: x + border + 8, y: y + border + 8, SceneMap.Palette.muted)
                for (line, part) in SceneMap.wrap(tile.text, width: tileWidth / 12).enumerated() {
                    canvas.text(part, x: x + border + 8, y: y + border + 30 + line * 18, failure, scale: 2)
                }
            }
            let label = "\(tile.number)  \(tile.text)"
            canvas.text(String(label.prefix(tileWidth / 6)), x: x, y: y + tileHeight + 2 * border + 5, SceneMap.Palette.ink)
            let outcome = tile.success.map { $0 ? "ok" : "FAILED" } ?? "?"
            canvas.text(outcome, x: x, y: y + tileHeight + 2 * border + 15, color)
        }
        return (canvas.image, issues)
    }
}
