import ArgumentParser
import Foundation
import ThorModel

@main
struct ThorLite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thor-lite",
        abstract: "Grade and replay AI2-THOR household tasks (Embodied-Reasoner) without Unity.",
        discussion: """
            Typical session:
              # index the benchmark into thor-lite.sqlite
              thor-lite import ../shared/embodied_reasoner
              # what the store holds
              thor-lite info
              # one task and its key actions
              thor-lite task 42
              # reference metrics for a results file
              thor-lite grade predictions.jsonl

            Every command that reads the store takes --store PATH (else $THOR_LITE_STORE, else ./thor-lite.sqlite). Exit status: 0 success, 1 some input could not be processed, 2 usage error or missing store.
            """,
        version: ThorLiteVersion.current,
        // Every command names itself (`commandName:`): ArgumentParser otherwise derives the name
        // with String(describing:) on the type, whose dynamic cast scans all the binary's protocol
        // conformances, at every start, for every command (docs/performance.md, cold start).
        subcommands: [
            Import.self, Info.self, SceneCommand.self, TaskCommand.self, Tasks.self, Grade.self, Merge.self, Compare.self, Diverge.self, Serve.self,
            Frames.self, Draw.self, FilmstripCommand.self, Explain.self,
        ]
    )

    /// As ArgumentParser's, except that a command line it cannot parse exits with 2, the usage
    /// status the rest of thor-lite uses, rather than its own 64.
    static func main() {
        // A closed pipe is a write error reported like any other (EPIPE, exit 2), not a silent
        // death by signal halfway through the output.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            writeStandardError(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}
