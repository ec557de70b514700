import Foundation

/// An 8-bit colour.
public struct RGB: Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}

/// A pixel buffer with the few drawing operations the pictures need: rectangles, lines, discs,
/// a field-of-view wedge, alpha blending, 5×7 text, and scaled image copies. Everything is
/// clipped to the canvas, so callers never index outside it.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGB) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        var row = [UInt8]()
        row.reserveCapacity(self.width * 3)
        for _ in 0..<self.width { row += [background.r, background.g, background.b] }
        var all = [UInt8]()
        all.reserveCapacity(self.width * self.height * 3)
        for _ in 0..<self.height { all += row }
        pixels = all
    }

    public var image: RGBImage { RGBImage(width: width, height: height, channels: 3, pixels: pixels) }

    @inline(__always)
    mutating func plot(_ x: Int, _ y: Int, _ color: RGB, alpha: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        if alpha >= 1 {
            pixels[index] = color.r
            pixels[index + 1] = color.g
            pixels[index + 2] = color.b
        } else {
            pixels[index] = UInt8(Double(pixels[index]) * (1 - alpha) + Double(color.r) * alpha)
            pixels[index + 1] = UInt8(Double(pixels[index + 1]) * (1 - alpha) + Double(color.g) * alpha)
            pixels[index + 2] = UInt8(Double(pixels[index + 2]) * (1 - alpha) + Double(color.b) * alpha)
        }
    }

    /// Fills the rectangle [x0, x1) × [y0, y1).
    public mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, alpha: Double = 1) {
        let left = max(x0, 0), right = min(x1, width), top = max(y0, 0), bottom = min(y1, height)
        guard left < right, top < bottom else { return }
        if alpha >= 1 {
            pixels.withUnsafeMutableBufferPointer { buffer in
                for y in top..<bottom {
                    var index = (y * width + left) * 3
                    for _ in left..<right {
                        buffer[index] = color.r
                        buffer[index + 1] = color.g
                        buffer[index + 2] = color.b
                        index += 3
                    }
                }
            }
            return
        }
        for y in top..<bottom { for x in left..<right { plot(x, y, color, alpha: alpha) } }
    }

    /// A rectangle's outline, `thickness` pixels wide, inside [x0, x1) × [y0, y1).
    public mutating func stroke(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, thickness: Int = 1) {
        fill(x0: x0, y0: y0, x1: x1, y1: y0 + thickness, color)
        fill(x0: x0, y0: y1 - thickness, x1: x1, y1: y1, color)
        fill(x0: x0, y0: y0, x1: x0 + thickness, y1: y1, color)
        fill(x0: x1 - thickness, y0: y0, x1: x1, y1: y1, color)
    }

    /// A straight line of the given thickness (square brush).
    public mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: RGB, thickness: Int = 1) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite, max(abs(x1 - x0), abs(y1 - y0)) < 100_000 else { return }
        let steps = max(Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)), 1)
        let half = thickness / 2
        for step in 0...steps {
            let t = Double(step) / Double(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            fill(x0: x - half, y0: y - half, x1: x - half + thickness, y1: y - half + thickness, color)
        }
    }

    /// A filled disc.
    public mutating func disc(_ cx: Double, _ cy: Double, radius: Double, _ color: RGB, alpha: Double = 1) {
        let r2 = radius * radius
        guard let (xs, ys) = span(cx, cy, radius) else { return }
        for y in ys {
            for x in xs {
                let dx = Double(x) - cx, dy = Double(y) - cy
                if dx * dx + dy * dy <= r2 { plot(x, y, color, alpha: alpha) }
            }
        }
    }

    /// A ring of the given thickness.
    public mutating func ring(_ cx: Double, _ cy: Double, radius: Double, _ color: RGB, thickness: Double = 2) {
        let outer = radius * radius, inner = max(radius - thickness, 0) * max(radius - thickness, 0)
        guard let (xs, ys) = span(cx, cy, radius) else { return }
        for y in ys {
            for x in xs {
                let dx = Double(x) - cx, dy = Double(y) - cy, d = dx * dx + dy * dy
                if d <= outer && d >= inner { plot(x, y, color) }
            }
        }
    }

    /// The pixel rows and columns a circle can touch, clipped to the canvas; nil when it touches
    /// none (or its numbers are not finite).
    func span(_ cx: Double, _ cy: Double, _ radius: Double) -> (ClosedRange<Int>, ClosedRange<Int>)? {
        guard cx.isFinite, cy.isFinite, radius.isFinite, radius >= 0 else { return nil }
        let left = max(cx - radius, 0).rounded(.down), right = min(cx + radius, Double(width - 1)).rounded(.up)
        let top = max(cy - radius, 0).rounded(.down), bottom = min(cy + radius, Double(height - 1)).rounded(.up)
        guard left <= right, top <= bottom else { return nil }
        return (Int(left)...Int(right), Int(top)...Int(bottom))
    }

    /// A circular sector centred on (cx, cy): directions within `halfAngle` of `direction`
    /// (radians, image coordinates: 0 points right, π/2 down).
    /// Only pixels inside `clip` (x0, y0, x1, y1) are touched.
    public mutating func wedge(_ cx: Double, _ cy: Double, radius: Double, direction: Double, halfAngle: Double, _ color: RGB, alpha: Double,
                               clip: (x0: Int, y0: Int, x1: Int, y1: Int)) {
        let cosHalf = cos(halfAngle), fx = cos(direction), fy = sin(direction)
        guard let (xs, ys) = span(cx, cy, radius) else { return }
        let top = max(ys.lowerBound, clip.y0), bottom = min(ys.upperBound, clip.y1 - 1)
        let left = max(xs.lowerBound, clip.x0), right = min(xs.upperBound, clip.x1 - 1)
        guard top <= bottom, left <= right else { return }
        for y in top...bottom {
            for x in left...right {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let d = (dx * dx + dy * dy).squareRoot()
                if d <= radius, d > 0, (dx * fx + dy * fy) / d >= cosHalf { plot(x, y, color, alpha: alpha) }
            }
        }
    }

    /// Text in the 5×7 font, top-left at (x, y); with `background`, on a box one pixel wider.
    public mutating func text(_ text: String, x: Int, y: Int, _ color: RGB, scale: Int = 1, background: RGB? = nil, backgroundAlpha: Double = 1) {
        if let background {
            fill(x0: x - 2, y0: y - 2, x1: x + BitmapFont.width(of: text, scale: scale) + 2,
                 y1: y + BitmapFont.glyphHeight * scale + 2, background, alpha: backgroundAlpha)
        }
        var left = x
        for scalar in text.unicodeScalars {
            for (row, bits) in BitmapFont.glyph(scalar).enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    fill(x0: left + column * scale, y0: y + row * scale, x1: left + (column + 1) * scale, y1: y + (row + 1) * scale, color)
                }
            }
            left += BitmapFont.advance * scale
        }
    }

    /// Copies `image` scaled (box filter when shrinking) into the rectangle at (x, y) of the given size.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int, width targetWidth: Int, height targetHeight: Int) {
        guard image.width > 0, image.height > 0, targetWidth > 0, targetHeight > 0 else { return }
        for ty in 0..<targetHeight {
            let sy0 = ty * image.height / targetHeight, sy1 = max((ty + 1) * image.height / targetHeight, sy0 + 1)
            for tx in 0..<targetWidth {
                let sx0 = tx * image.width / targetWidth, sx1 = max((tx + 1) * image.width / targetWidth, sx0 + 1)
                var r = 0, g = 0, b = 0
                for sy in sy0..<sy1 {
                    var index = (sy * image.width + sx0) * image.channels
                    for _ in sx0..<sx1 {
                        r += Int(image.pixels[index])
                        g += Int(image.pixels[index + 1])
                        b += Int(image.pixels[index + 2])
                        index += image.channels
                    }
                }
                let n = (sy1 - sy0) * (sx1 - sx0)
                plot(x + tx, y + ty, RGB(UInt8(r / n), UInt8(g / n), UInt8(b / n)))
            }
        }
    }
}
