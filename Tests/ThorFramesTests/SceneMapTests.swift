import Foundation
import ThorModel
import ThorSim
import ThorStore
import XCTest

@testable import ThorFrames

final class SceneMapTests: XCTestCase {
    /// A pixel inside `object`'s footprint that no other drawn object covers.
    func freePixel(of object: Int, in world: World, layout: SceneMap.Layout, drawn: [Int]) throws -> (Int, Int) {
        let scene = world.scene
        let box = scene.boxes[object]
        for fx in stride(from: -0.4, through: 0.4, by: 0.05) {
            for fz in stride(from: -0.4, through: 0.4, by: 0.05) {
                let x = box.center.x + fx * box.size.x, z = box.center.z + fz * box.size.z
                let covered = drawn.contains { other in
                    guard other != object else { return false }
                    let b = scene.boxes[other]
                    return abs(x - b.center.x) <= b.size.x / 2 + 0.03 && abs(z - b.center.z) <= b.size.z / 2 + 0.03
                }
                // Labels sit at box centres: keep off the middle.
                if !covered && (abs(fx) > 0.15 || abs(fz) > 0.15) {
                    let p = layout.pixel(x: x, z: z)
                    return (Int(p.x), Int(p.y))
                }
            }
        }
        throw XCTSkip("no uncovered point in object \(object)")
    }

    func color(_ image: RGBImage, _ point: (Int, Int)) -> RGB {
        let (r, g, b) = image.rgb(x: point.0, y: point.1)
        return RGB(r, g, b)
    }

    func testFridgeIsDrawnClosedThenOpenAfterOpeningIt() throws {
        let store = try TestData.benchmarkStore()
        let scene = CompiledScene(try XCTUnwrap(try store.scene(named: "FloorPlan1")))
        var world = World(scene: scene, approachPoses: try store.approachPoses())
        let fridge = try XCTUnwrap(scene.firstOfType[try XCTUnwrap(scene.typeIdByName["Fridge"])] as Int?)
        let everything = Array(0..<scene.objectCount).filter { !world.isHidden($0) && scene.typeName(ofObject: $0) != "Floor" && $0 != fridge }

        let (closedPicture, layout) = SceneMap.draw(world, SceneMap.Content(title: "closed"))
        let decodedClosed = try PNG.decode(try PNG.encode(closedPicture))
        let point = try freePixel(of: fridge, in: world, layout: layout, drawn: everything)
        XCTAssertEqual(color(decodedClosed, point), SceneMap.Palette.closed)

        XCTAssertTrue(world.step(Action(.navigateTo, "Fridge")).success)
        XCTAssertTrue(world.step(Action(.open, "Fridge")).success)
        let (openPicture, openLayout) = SceneMap.draw(world, SceneMap.Content(title: "open"))
        XCTAssertEqual(openLayout.scale, layout.scale)
        let decodedOpen = try PNG.decode(try PNG.encode(openPicture))
        XCTAssertEqual(color(decodedOpen, point), SceneMap.Palette.open)
        // The agent stands where the simulator put it, drawn in the agent's colour.
        let agent = openLayout.pixel(x: world.pose.x, z: world.pose.z)
        XCTAssertEqual(color(decodedOpen, (Int(agent.x), Int(agent.y))), SceneMap.Palette.agent)
    }

    func testTaskTargetIsOutlinedInRedAndCounterTopIsAReceptacle() throws {
        let store = try TestData.benchmarkStore()
        let task = try XCTUnwrap(try store.task(.int(10)))
        let scene = CompiledScene(try XCTUnwrap(try store.scene(named: task.scene)))
        let world = World(scene: scene, task: task, approachPoses: try store.approachPoses())
        let target = try XCTUnwrap(world.targets.values.first?.first)
        XCTAssertEqual(scene.typeName(ofObject: target), "CounterTop")
        let (picture, layout) = SceneMap.draw(world, SceneMap.Content(title: "task 10", targets: [target]))
        let decoded = try PNG.decode(try PNG.encode(picture))
        let rect = SceneMap.footprint(scene.boxes[target], layout)
        // The outline runs 4 px outside the footprint, 3 px thick; labels may cover a few pixels of it.
        for column in [rect.x0 - 3, rect.x1 + 2] {
            let side = (rect.y0...rect.y1).map { color(decoded, (column, $0)) }
            let red = side.filter { $0 == SceneMap.Palette.target }.count
            XCTAssertGreaterThan(Double(red) / Double(side.count), 0.9, "column \(column): \(red) of \(side.count) pixels red")
        }
        // Outside the scene's floor there is only page.
        XCTAssertEqual(color(decoded, (2, decoded.height - 2)), SceneMap.Palette.page)
    }

    func testLabelsAreDrawnInTheBitmapFont() {
        var canvas = Canvas(width: 40, height: 12, background: .white)
        canvas.text("I", x: 1, y: 1, .black)
        // 'I' is .###. / ..#.. x5 / .###.: the middle column is ink on every row, the corners are not.
        for row in 0..<7 { XCTAssertEqual(canvas.image.rgb(x: 1 + 2, y: 1 + row).0, 0, "row \(row)") }
        XCTAssertEqual(canvas.image.rgb(x: 1, y: 1).0, 255)
        XCTAssertEqual(BitmapFont.width(of: "abc"), 17)
    }
}
