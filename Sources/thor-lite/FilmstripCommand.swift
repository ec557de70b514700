import ArgumentParser
import Foundation
import ThorGrade
import ThorFrames

struct FilmstripCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filmstrip",
        abstract: "Draw a run's frames side by side in step order, bordered green or red by each step's success.",
        discussion: """
            RUN is a run directory in the reference layout (frames named <scene>_<step>_<action>[_<object>].png, with result.json or run.log for the steps' outcomes). Steps that saved no frame (failed actions) appear as red tiles naming the action. A frame that cannot be decoded is drawn as a tile saying so, reported on stderr, and the exit status is 1. No store is needed.

            Examples:
              run=../shared/recorded_runs/Qwen_Qwen2.5-VL-7B-Instruct
              thor-lite filmstrip $run/10_single_search_FloorPlan1_10 -o run10.png
            """)

    @Argument(help: ArgumentHelp("Run directory.", valueName: "run"))
    var directory: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output PNG (default: <run folder>-filmstrip.png).", valueName: "file"))
    var output: String?

    @Option(help: "Tiles per row.")
    var columns = 6

    @Option(help: "Width of each frame in pixels.")
    var tileWidth = 200

    func run() throws {
        try reportingErrors {
            guard columns > 0, (16...1600).contains(tileWidth) else { throw CLIError.usage("--columns must be positive and --tile-width 16...1600") }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError.failed("\(directory): not a run directory")
            }
            let recorded = try RecordedRun.read(directory: directory)
            let frames = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.lowercased().hasSuffix(".png") }.map { directory + "/" + $0 }
            let tiles = Filmstrip.tiles(for: recorded, frames: frames)
            guard !tiles.isEmpty else { throw CLIError.failed("\(directory): no frames and no recorded steps") }
            let (image, issues) = Filmstrip.draw(title: recorded.run ?? directory, tiles: tiles, columns: columns, tileWidth: tileWidth)
            let path = output ?? (URL(fileURLWithPath: directory).lastPathComponent + "-filmstrip.png")
            try Output.write(Array(PNG.encode(image, level: 1)), to: path)
            try Output.print(path)
            for issue in issues { printError(issue.description) }
            if !issues.isEmpty { throw ExitCode(1) }
        }
    }
}
