// Frame and picture benchmarks: swift run -c release thor-lite-frames-bench STORE [FRAMES_DIR]
// (bench/frames_bench.sh builds the inputs). Prints per-operation times; medians of repeated runs.
import Dispatch
import Foundation
import ThorGrade
import ThorFrames
import ThorModel
import ThorSim
import ThorStore

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: thor-lite-frames-bench STORE [FRAMES_DIR]\n".utf8))
    exit(2)
}
let store = try ThorStore(path: arguments[1])

// Scene maps: every scene drawn in its start state (median of 5 per scene), and PNG encoding.
var draws: [Double] = [], encodes: [Double] = [], fastEncodes: [Double] = [], sizes: [Int] = [], bytes: [Double] = [], fastBytes: [Double] = []
let poses = try store.approachPoses()
for name in try store.sceneNames() {
    guard let scene = try store.scene(named: name) else { continue }
    let world = World(scene: CompiledScene(scene), approachPoses: poses)
    var picture: RGBImage?
    draws.append(median((0..<5).map { _ in milliseconds { picture = SceneMap.draw(world, SceneMap.Content(title: name)).image } }))
    if let picture {
        var data = Data()
        encodes.append(try milliseconds { data = try PNG.encode(picture, level: 6) })
        bytes.append(Double(data.count))
        fastEncodes.append(try milliseconds { data = try PNG.encode(picture, level: 1) })
        fastBytes.append(Double(data.count))
        sizes.append(picture.width * picture.height)
    }
}
print(String(format: "scene maps: %d scenes, %.2f Mpixel median; draw median %.2f ms, max %.2f ms; PNG encode level 1 (Sub filter) median %.2f ms, max %.2f ms, %.0f kB; level 6 (adaptive filters) median %.2f ms, max %.2f ms, %.0f kB",
             draws.count, Double(median(sizes.map(Double.init))) / 1e6, median(draws), draws.max() ?? 0,
             median(fastEncodes), fastEncodes.max() ?? 0, median(fastBytes) / 1000, median(encodes), encodes.max() ?? 0, median(bytes) / 1000))

// Frame indexing without the store write: scan (headers, chunk check, SHA-256, replay).
if arguments.count >= 3 {
    let directory = arguments[2]
    var scan: FrameScan?
    let cold = milliseconds { scan = FrameImporter.scan([directory], replay: nil) }
    guard let scan else { exit(1) }
    let known: [String: FrameRecord] = Dictionary(scan.records.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    var headerOnly: [Double] = []
    for _ in 0..<3 {
        headerOnly.append(milliseconds {
            for record in scan.records { _ = try? PNG.header(ofFile: record.path) }
        })
    }
    // The new-file work, phase by phase, on one core.
    var buffer = Data()
    var readTime = 0.0, crcTime = 0.0, hashTime = 0.0
    for record in scan.records {
        readTime += try milliseconds { try FileBytes.read(record.path, into: &buffer) }
        try buffer.withUnsafeBytes { bytes in
            crcTime += try milliseconds { try PNG.checkChunks(bytes) }
            hashTime += milliseconds { _ = SHA256.hex(bytes) }
        }
    }
    let directories = Set(scan.records.map { ($0.path as NSString).deletingLastPathComponent })
    let runReading = try milliseconds { for directory in directories { _ = try RecordedRun.read(directory: directory) } }
    let walking = milliseconds { _ = FileManager.default.enumerator(atPath: directory)?.allObjects.count }
    print(String(format: "one core, per phase for all files: read %.0f ms, chunk CRCs %.0f ms, SHA-256 %.0f ms; reading %d runs' result.json/run.log %.0f ms; directory walk %.0f ms",
                 readTime, crcTime, hashTime, directories.count, runReading, walking))
    var warm: FrameScan?
    let unchanged = milliseconds { warm = FrameImporter.scan([directory], known: known, replay: nil) }
    let n = Double(scan.records.count)
    print(String(format: "frame scan: %d frames in %d runs; new files (read, IHDR, CRCs, SHA-256): %.0f ms = %.0f frames/s; "
                 + "IHDR only (libpng, 33 bytes each): %.0f ms = %.0f frames/s; unchanged (stat only): %.0f ms = %.0f frames/s (%d read)",
                 scan.records.count, scan.runs, cold, n / cold * 1000, median(headerOnly), n / median(headerOnly) * 1000,
                 unchanged, n / unchanged * 1000, warm?.filesRead ?? -1))
}
