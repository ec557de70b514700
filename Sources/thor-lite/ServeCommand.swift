import ArgumentParser
import Foundation
import ThorJSON
import ThorLive
import ThorPolicy

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run episodes for a policy over JSON lines on stdin/stdout.",
        discussion: """
            One JSON request per line on stdin, one JSON reply per line on stdout, in order. One episode:
              {"op": "reset", "task": 7}
                  start an episode (runs init)
              {"op": "step", "action": "navigate to Fridge"}
              {"op": "step",
               "response": "...<DecisionMaking>open fridge</DecisionMaking>"}
                  one model call: a plain action or a raw response
              {"op": "state"}
                  the trajectory so far, metrics, frame coverage
              {"op": "render", "path": "map.png"}
                  the episode map: width, height, RGB as base64 (path optional)
              {"op": "close"}
                  end the session
            A batch of N episodes (a vector environment), stepped on all cores:
              {"op": "reset", "tasks": [7, 12, 7]}
                  start one episode per task
              {"op": "step", "actions": ["observe", {"reset": 9}, "end"]}
                  one slot per episode: an action or response, or {"reset": task}
              {"op": "state", "env": 1}, {"op": "render", "env": 1}
                  one episode of the batch
            Replies: {"ok": true, "observation": {...}, "reward": r, "terminated": b, "truncated": b, "info": {...}} for one episode; "observations", "rewards", "terminated", "truncated" and "infos" as lists for a batch; {"ok": false, "error": "why"} for a request that cannot be served (the session goes on). An "id" in a request is echoed back exactly as written. A batched episode that ended is reset by the next step on the same task (Gymnasium's next-step autoreset; its action is ignored) unless its slot names another. Tasks and scenes are read from the store once and kept in memory.

            --backend live runs the same episodes on real AI2-THOR through the bridge (see thor-lite live --check): the same observations, error kinds and metrics, with Unity's held object and frame ("frame_match": "live"); every step is also run in the simulator from Unity's state, which names a failure the wrapper did not explain (unity_rejected: the simulator would have succeeded) and holds the state the goal check reads. {"op": "state"} then also carries the episode's divergence report (diverge --json, and one line per step). A sidecar that crashes, hangs (--action-timeout) or answers garbage ends the episode with {"ok": false, "error": "live: ..."}; the next reset starts a new sidecar. With --record DIR each finished episode is written in the reference run layout (grade it with --mode recorded, index its frames with frames import); without it, frames go to a temporary directory removed when serve exits. Batched ops are refused with --backend live. docs/live-mode.md has the details.

            The Python client in python/ wraps this as Gymnasium environments (ThorLiteEnv, ThorLiteVectorEnv); docs/serve-protocol.md describes every field.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Threads a batch of episodes is stepped on (default: every core); lower it when several servers share the machine.")
    var threads: Int?

    enum Backend: String, ExpressibleByArgument, CaseIterable {
        case simulate, live
    }

    @Option(help: ArgumentHelp("How long to poll standard input for the next request before blocking (0: never poll); it backs off while requests come slower (docs/serve-protocol.md).", valueName: "µs"))
    var spin = LinePump.defaultSpin

    @Option(help: "Where episodes run: simulate (thor-lite's simulator) or live (real AI2-THOR through the bridge).")
    var backend: Backend = .simulate

    @OptionGroup(title: "Live backend (real AI2-THOR through the bridge; see thor-lite live --help)") var bridgeOptions: BridgeOptions

    @Option(help: ArgumentHelp("Live backend: write each finished episode in the reference run layout under this directory (frames and result.json).", valueName: "dir"))
    var record: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(0...LinePump.maxSpin).contains(spin) { throw ValidationError("--spin must be 0 to \(LinePump.maxSpin) µs") }
        if backend == .simulate, record != nil || bridgeOptions.bridge != nil || bridgeOptions.python != nil || bridgeOptions.unityBuild != nil {
            throw ValidationError("--record, --bridge, --python and --unity-build belong to --backend live")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            var live: LiveEpisodeOptions?
            if backend == .live {
                if let record {
                    do {
                        try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
                    } catch {
                        throw CLIError.usage("--record \(record): cannot create the directory: \(error.localizedDescription)")
                    }
                }
                live = LiveEpisodeOptions(bridge: try bridgeOptions.configuration(), recordDirectory: record)
            }
            defer { live?.removeScratch() }
            // The session (and with it every sidecar) ends before the scratch frames are removed.
            try serve(EpisodeCatalog(store: store, live: live))
        }
    }

    func serve(_ catalog: EpisodeCatalog) throws {
        var session = ServeSession(catalog: catalog)
        if let threads { session.vector.threads = threads }
        do {
            try LinePump.run(spin: spin) { line, out in session.handle(line, into: &out) }
        } catch {
            throw CLIError.usage(error.description)
        }
    }
}
