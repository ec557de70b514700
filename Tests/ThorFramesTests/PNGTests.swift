import Foundation
import XCTest

@testable import ThorFrames

final class PNGTests: XCTestCase {
    func testWrittenPNGDecodesToTheSamePixels() throws {
        var pixels: [UInt8] = []
        for y in 0..<37 { for x in 0..<53 { pixels += [UInt8(x * 4 % 256), UInt8(y * 6 % 256), UInt8((x ^ y) % 256)] } }
        let image = RGBImage(width: 53, height: 37, pixels: pixels)
        let data = try PNG.encode(image)
        let decoded = try PNG.decode(data)
        XCTAssertEqual(decoded, image)
    }
}
