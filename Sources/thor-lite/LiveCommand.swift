import ArgumentParser
import Foundation
import ThorGrade
import ThorJSON
import ThorLive

/// Where the bridge is and how long to wait for it: shared by `live --check` and `grade --mode live`.
struct BridgeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The bridge script (else $THOR_LITE_BRIDGE, else bridge/thor_lite_bridge.py beside the executable or in the checkout).", valueName: "path"))
    var bridge: String?

    @Option(help: ArgumentHelp("The Python interpreter with the ai2thor package (else $THOR_LITE_PYTHON, else python3 on PATH).", valueName: "path"))
    var python: String?

    @Option(name: .customLong("unity-build"), help: ArgumentHelp("A locally unpacked AI2-THOR Unity build's executable, for machines that cannot download one (passed to the bridge as THOR_LITE_UNITY_BUILD).", valueName: "path"))
    var unityBuild: String?

    @Option(name: .customLong("action-timeout"), help: ArgumentHelp("Seconds to wait for one action before the sidecar is killed and restarted (Unity hangs).", valueName: "seconds"))
    var actionTimeout: Double = 60

    @Option(name: .customLong("start-timeout"), help: ArgumentHelp("Seconds to wait for the handshake, the checks and loading a scene.", valueName: "seconds"))
    var startTimeout: Double = 300

    func validate() throws {
        guard actionTimeout > 0, startTimeout > 0 else { throw ValidationError("timeouts must be positive numbers of seconds") }
    }

    static var executable: String { Bundle.main.executablePath ?? CommandLine.arguments[0] }

    /// The interpreter and script, or a usage error saying which is missing and how to fix it.
    func configuration() throws -> BridgeConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if let unityBuild { environment["THOR_LITE_UNITY_BUILD"] = unityBuild }
        guard let python = BridgeLocator.python(explicit: python, environment: environment) else {
            throw CLIError.usage("no Python interpreter: \(python ?? environment["THOR_LITE_PYTHON"] ?? "python3") not found (install Python 3, or give --python PATH)")
        }
        guard let bridge = BridgeLocator.bridge(explicit: bridge, environment: environment, executable: Self.executable),
              FileManager.default.fileExists(atPath: bridge) else {
            throw CLIError.usage("no bridge script: \(bridge ?? BridgeLocator.relativePath) not found (give --bridge PATH or set THOR_LITE_BRIDGE to thor-lite's \(BridgeLocator.relativePath))")
        }
        return BridgeConfiguration(python: python, bridge: bridge, actionTimeout: actionTimeout, startTimeout: startTimeout, environment: environment)
    }
}

/// `grade --mode live` only: recording, resuming, the divergence report.
struct LiveRunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Live mode: write each task in the reference run layout under this directory (frames and result.json).", valueName: "dir"))
    var record: String?

    @Flag(help: "Live mode: skip tasks whose result.json already exists under --record, run the rest.")
    var resume = false

    @Option(help: ArgumentHelp("Live mode: write the divergence report's per-step lines here as each task ends (diverge --per-step format).", valueName: "file"))
    var divergence: String?

    @Option(name: .customLong("divergence-json"), help: ArgumentHelp("Live mode: write the whole divergence report (diverge --json) here at the end.", valueName: "file"))
    var divergenceJSON: String?

    var isUsed: Bool { record != nil || resume || divergence != nil || divergenceJSON != nil }

    func validate() throws {
        if resume && record == nil { throw ValidationError("--resume needs --record DIR: it skips the tasks recorded there") }
    }
}

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Check what the live bridge to real AI2-THOR needs on this machine.",
        discussion: """
            thor-lite runs tasks on real AI2-THOR (Unity) through a Python sidecar, bridge/thor_lite_bridge.py, which needs AllenAI's ai2thor package, a Unity build of AI2-THOR (downloaded by ai2thor on first use, or a local one), and a way to render: a GPU with Vulkan (CloudRendering) or an X display.

            --check runs the sidecar's own checks and prints each with what to do when it fails. Exit status: 0 everything is there, 2 something is missing (or there is no Python or bridge to ask).

            Running tasks: thor-lite grade --mode live (see docs/live-mode.md).

            Examples:
              thor-lite live --check
              thor-lite live --check --python /opt/venv/bin/python --json
            """)

    @Flag(help: "Verify Python, the ai2thor package, the Unity build and rendering.")
    var check = false

    @Flag(help: "Print the checks as JSON.")
    var json = false

    @OptionGroup var bridgeOptions: BridgeOptions

    func validate() throws {
        guard check else { throw ValidationError("live --check is what this command does; tasks run with thor-lite grade --mode live") }
    }

    func run() throws {
        try reportingErrors {
            let checks = Self.checks(bridgeOptions)
            if json {
                try Output.print(JSONValue.object([
                    "ok": .bool(checks.allSatisfy(\.ok)),
                    "checks": .array(checks.map { .object(["name": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail), "fix": .string($0.fix)]) }),
                ]).pretty)
            } else {
                try Output.print(Self.table(checks), terminator: "")
            }
            if !checks.allSatisfy(\.ok) { throw ExitCode(2) }
        }
    }

    struct Check {
        var name: String
        var ok: Bool
        var detail: String
        var fix: String
    }

    /// The bridge's checks, or, when the bridge cannot be asked, what is missing to ask it.
    static func checks(_ options: BridgeOptions) -> [Check] {
        let unchecked = ["ai2thor", "unity_build", "rendering"].map {
            Check(name: $0, ok: false, detail: "not checked: the bridge could not run", fix: "fix the checks above first")
        }
        let configuration: BridgeConfiguration
        do {
            configuration = try options.configuration()
        } catch let error as CLIError {
            let isPython = error.description.hasPrefix("no Python")
            return [
                Check(name: isPython ? "python" : "bridge", ok: false, detail: error.description,
                      fix: isPython ? "install Python 3 (apt-get install python3) or give --python PATH"
                                    : "run from a thor-lite checkout, or give --bridge PATH / THOR_LITE_BRIDGE"),
            ] + unchecked
        } catch {
            return [Check(name: "bridge", ok: false, detail: "\(error)", fix: "")] + unchecked
        }
        do {
            let reply = try BridgeConnection.check(configuration)
            guard case .array(let items)? = reply["checks"] else {
                return [Check(name: "bridge", ok: false, detail: "the bridge's --check answer has no \"checks\" list: \(JSONValue.object(reply).compact.prefix(200))",
                              fix: "use the bridge script of this thor-lite version")] + unchecked
            }
            return items.map { item in
                guard case .object(let fields) = item else {
                    return Check(name: "bridge", ok: false, detail: "malformed check \(item.compact)", fix: "")
                }
                func text(_ key: String) -> String { if case .string(let value)? = fields[key] { value } else { "" } }
                return Check(name: text("name"), ok: fields["ok"] == .bool(true), detail: text("detail"), fix: text("fix"))
            }
        } catch {
            return [Check(name: "bridge", ok: false, detail: "\(configuration.python) \(configuration.bridge) --check: \(error)",
                          fix: "run it by hand to see why; THOR_LITE_BRIDGE_STDERR=1 shows its stderr")] + unchecked
        }
    }

    static func table(_ checks: [Check]) -> String {
        let width = max(checks.map(\.name.count).max() ?? 0, 6)
        var out = ""
        for check in checks {
            out += (check.ok ? "ok       " : "MISSING  ") + check.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + check.detail + "\n"
            if !check.ok && !check.fix.isEmpty { out += String(repeating: " ", count: 9 + width + 2) + "fix: " + check.fix + "\n" }
        }
        let missing = checks.filter { !$0.ok }.map(\.name)
        out += missing.isEmpty ? "live bridge: ready\n" : "live bridge: missing \(missing.joined(separator: ", "))\n"
        return out
    }
}
