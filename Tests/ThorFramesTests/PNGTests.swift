import Foundation
import XCTest

@testable import ThorFrames

final class PNGTests: XCTestCase {
    static func gradient(width: Int, height: Int, channels: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 4 % 256), UInt8(y * 6 % 256), UInt8((x ^ y) % 256)]
                if channels == 4 { pixels.append(UInt8((x + y) % 256)) }
            }
        }
        return RGBImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testWrittenRGBPNGDecodesToTheSamePixels() throws {
        let image = Self.gradient(width: 53, height: 37, channels: 3)
        XCTAssertEqual(try PNG.decode(try PNG.encode(image)), image)
    }

    func testWrittenRGBAPNGDecodesToTheSamePixelsAtEveryCompressionLevel() throws {
        let image = Self.gradient(width: 20, height: 9, channels: 4)
        for level in [0, 1, 9] {
            XCTAssertEqual(try PNG.decode(try PNG.encode(image, level: level), alpha: true), image, "level \(level)")
        }
    }

    func testHeaderOfWrittenPNGSaysSizeDepthAndColourType() throws {
        let data = try PNG.encode(Self.gradient(width: 7, height: 3, channels: 4))
        let header = try data.withUnsafeBytes { try PNG.header(of: $0) }
        XCTAssertEqual(header, PNGHeader(width: 7, height: 3, bitDepth: 8, colorType: 6))
    }

    func testEncodeRefusesABufferOfTheWrongSize() {
        XCTAssertThrowsError(try PNG.encode(RGBImage(width: 4, height: 4, pixels: [1, 2, 3])))
    }

    func testRealFramesHeadersAre800By450RGB() throws {
        let runs = try TestData.recordedRuns()
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: runs)).compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }
        XCTAssertEqual(files.count, 26)
        for file in files {
            XCTAssertEqual(try PNG.header(ofFile: runs + "/" + file), PNGHeader(width: 800, height: 450, bitDepth: 8, colorType: 2), file)
        }
        let decoded = try PNG.decode(file: runs + "/" + files[0])
        XCTAssertEqual(decoded.pixels.count, 800 * 450 * 3)
    }

    // MARK: bad files

    func testTruncatedPNGIsAnErrorForTheChunkCheckAndTheDecoder() throws {
        let data = try PNG.encode(Self.gradient(width: 64, height: 64, channels: 3))
        let truncated = data.prefix(data.count / 2)
        XCTAssertNoThrow(try truncated.withUnsafeBytes { try PNG.header(of: $0) }, "the header survives truncation")
        XCTAssertThrowsError(try truncated.withUnsafeBytes { try PNG.checkChunks($0) }) { error in
            XCTAssertTrue(String(describing: error).contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try PNG.decode(Data(truncated)))
    }

    func testCorruptByteInImageDataFailsTheCRCCheck() throws {
        var data = try PNG.encode(Self.gradient(width: 64, height: 64, channels: 3))
        data[data.count - 30] ^= 0xFF  // inside the last IDAT chunk
        XCTAssertThrowsError(try data.withUnsafeBytes { try PNG.checkChunks($0) }) { error in
            XCTAssertTrue(String(describing: error).contains("bad CRC"), "\(error)")
        }
    }

    func testCorruptIHDRIsAHeaderError() throws {
        var data = try PNG.encode(Self.gradient(width: 8, height: 8, channels: 3))
        data[17] ^= 0x01  // the width's low byte: the IHDR CRC no longer matches
        XCTAssertThrowsError(try data.withUnsafeBytes { try PNG.header(of: $0) })
    }

    func testNonPNGBytesAreRejectedWithoutCrashing() {
        for bytes in [Data(), Data("hello, not a png".utf8), Data(repeating: 0x89, count: 100)] {
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try PNG.header(of: $0) }) { error in
                XCTAssertTrue(String(describing: error).contains("not a PNG"), "\(error)")
            }
            XCTAssertThrowsError(try PNG.decode(bytes))
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try PNG.checkChunks($0) })
        }
    }

    func testUnreadableFilesAreErrorsNamingTheReason() throws {
        // CI runs as root, where permission bits do not stop a read: a dangling link and a
        // directory named .png are unreadable for everyone.
        let directory = TestData.temporaryDirectory()
        let dangling = directory.appendingPathComponent("FloorPlan1_1_init.png").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory.appendingPathComponent("gone").path)
        XCTAssertThrowsError(try FileBytes.read(dangling)) { error in
            XCTAssertEqual((error as? FileReadError)?.reason, "No such file or directory")
        }
        let folder = directory.appendingPathComponent("FloorPlan1_2_move_forward.png").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        XCTAssertThrowsError(try FileBytes.read(folder)) { error in
            XCTAssertEqual((error as? FileReadError)?.reason, "Is a directory")
        }
    }

    func testSHA256MatchesTheKnownDigestOfABC() {
        let digest = Data("abc".utf8).withUnsafeBytes { SHA256.hex($0) }
        XCTAssertEqual(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
