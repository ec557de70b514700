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
        subcommands: commands
    )

    static let commands: [ParsableCommand.Type] = [
        Import.self, Info.self, SceneCommand.self, TaskCommand.self, Tasks.self, Grade.self, Merge.self, Compare.self, Diverge.self, Serve.self,
        Frames.self, Draw.self, FilmstripCommand.self, Explain.self, Live.self,
    ]

    /// As ArgumentParser's, except that a command line it cannot parse exits with 2, the usage
    /// status the rest of thor-lite uses, rather than its own 64.
    static func main() {
        // A closed pipe is a write error reported like any other (EPIPE, exit 2), not a silent
        // death by signal halfway through the output.
        signal(SIGPIPE, SIG_IGN)
        do {
            // A command line that parses cleanly is parsed by `QuickParse`; anything else (help,
            // --version, completion scripts, a usage error) by this root, which prints it exactly.
            // (`help` and a bare `thor-lite` too: what they print names the command they parsed.)
            let arguments = Array(CommandLine.arguments.dropFirst())
            let quick = arguments.first == "help" ? nil : (try? QuickParse.parseAsRoot(arguments)).flatMap(QuickParse.ownCommand)
            var command = try quick ?? parseAsRoot(arguments)
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            writeStandardError(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}

/// The same command tree as `ThorLite`, for parsing only. ArgumentParser checks every command
/// line for `--generate-completion-script` by parsing it as two extra commands, and the generic
/// types that builds cost the Swift runtime a scan of every protocol conformance in the binary
/// (about 1 ms of a 9 ms start, measured in docs/performance.md, "Cold start"); it skips that
/// check for a root that names a super-command. That name only shows in help and usage text,
/// which this root never prints: a command line it cannot parse is parsed again by `ThorLite`.
struct QuickParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thor-lite", _superCommandName: "thor-lite", subcommands: ThorLite.commands)

    /// The parsed command when it is one of thor-lite's own (not the root, nor ArgumentParser's
    /// help or completion commands, whose output would name this root).
    static func ownCommand(_ command: ParsableCommand) -> ParsableCommand? {
        ownTypes.contains(ObjectIdentifier(type(of: command))) ? command : nil
    }

    static let ownTypes: Set<ObjectIdentifier> = {
        var types: Set<ObjectIdentifier> = []
        var pending = ThorLite.commands
        while let next = pending.popLast() {
            types.insert(ObjectIdentifier(next))
            pending += next.configuration.subcommands
        }
        return types
    }()
}
