import ArgumentParser
import Foundation
import ThorFrames
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain an episode step by step: response, parsed action, outcome, and why each failure happened.",
        discussion: """
            FILE is a plan, response, result or per-task output line file (every line, or one as FILE:LINE), a result.json or a run directory. Each episode is run through the reference loop and printed as a numbered transcript: the raw response (its <DecisionMaking> text) → the parsed action → the outcome; for each failure its error kind, the specific cause (the closed receptacle hiding the object, how far away it is, the placement rule that forbids the put, ...) and the feedback the reference shows the model; then the reference metrics, the goal facts met and missed, and the frame of each step: the run's own frame for a run directory, else an indexed frame of the same state (exact) or pose (same pose) from `thor-lite frames import`.

            --html DIR writes DIR/index.html with the same transcript, a map per episode and the frames inline (copied into DIR, so the page can be moved or archived).

            Examples:
              run=../shared/recorded_runs/Qwen_Qwen2.5-VL-7B-Instruct
              thor-lite explain $run/10_single_search_FloorPlan1_10
              thor-lite explain fixtures/predictions/responses.jsonl:3
              thor-lite explain per_task.jsonl --html report/
            """)

    @Argument(help: ArgumentHelp("Input file (FILE or FILE:LINE), result.json or run directory.", valueName: "file"))
    var input: String

    @Option(help: ArgumentHelp("Also write a static HTML page with maps and frames into this directory.", valueName: "dir"))
    var html: String?

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let (episodes, issues) = try EpisodeLoader.loadAll(input, store: store)
            let worlds = try WorldBuilder(store: store)
            var explanations: [Explanation] = []
            for episode in episodes {
                explanations.append(try Explanation(episode, trace: try worlds.trace(episode), store: store))
            }
            try Output.print(explanations.map(\.text).joined(separator: "\n"), terminator: "")
            if let html {
                try HTMLReport.write(explanations, to: html, title: input)
                try Output.print("html: \(html)/index.html")
            }
            for issue in issues { printError(issue) }
            if !issues.isEmpty { throw ExitCode(1) }
        }
    }
}

/// One episode, explained: the transcript rows and what the text and HTML outputs share.
struct Explanation {
    struct Row {
        var number: Int?
        var said: String
        var action: String
        var success: Bool
        var error: String?
        var cause: String?
        var feedback: String?
        var recordedSuccess: Bool?
        var frame: String?
        var frameMatch: String?
    }

    var episode: EpisodeSpec
    var trace: EpisodeTrace
    var rows: [Row] = []
    var metrics: TaskMetrics
    var goals: [GoalFact]

    init(_ episode: EpisodeSpec, trace: EpisodeTrace, store: ThorStore) throws {
        self.episode = episode
        self.trace = trace
        var runFrames: [(Int, String)] = []
        if let run = episode.recorded, let directory = run.directory {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            runFrames = files.compactMap { file in
                FrameName(fileName: file).flatMap { run.owns($0) ? ($0.step, directory + "/" + file) : nil }
            }
        }
        for entry in trace.entries {
            let step = entry.step
            var row = Row(
                number: entry.number, said: Self.decision(in: episode.recorded?.step(number: entry.number ?? -1)?.response ?? step.response),
                action: step.object.map { "\(step.action) \($0)" } ?? step.action, success: step.success,
                error: step.error?.rawValue, cause: entry.cause,
                feedback: step.feedback.isEmpty ? nil : Self.firstLine(step.feedback),
                recordedSuccess: entry.number.flatMap { episode.recorded?.step(number: $0)?.succeeded })
            if let number = entry.number {
                if let own = runFrames.first(where: { $0.0 == number }) {
                    row.frame = own.1
                    row.frameMatch = "the run's own"
                } else if episode.recorded == nil {
                    if let exact = try store.frames(scene: episode.task.scene, stateKey: entry.state.stateKey).first {
                        row.frame = exact.path
                        row.frameMatch = "exact"
                    } else if let pose = try store.frames(scene: episode.task.scene, poseKey: entry.state.poseKey).first {
                        row.frame = pose.path
                        row.frameMatch = "same pose"
                    }
                }
            }
            rows.append(row)
        }
        let trajectory = trace.entries.map { TrajectoryEntry(action: $0.step.action, object: $0.step.object, success: $0.step.success, legalObjects: $0.step.legalObjects) }
        metrics = try ReferenceMetric.evaluate(trajectory, task: TaskReference(episode.task))
        goals = GoalCheck.facts(for: episode.task, in: trace.end)
    }

    /// The `<DecisionMaking>` text of a response, else its start.
    static func decision(in response: String) -> String {
        if let open = response.range(of: "<DecisionMaking>"), let close = response.range(of: "</DecisionMaking>", range: open.upperBound..<response.endIndex) {
            return String(response[open.upperBound..<close.lowerBound])
        }
        return String(response.prefix(80))
    }

    static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.count > 200 ? String(line.prefix(197)) + "..." : line
    }

    var heading: String {
        let task = episode.task
        return "task \(task.identity) · \(task.taskType) · \(task.scene)" + (episode.model.map { " · \($0)" } ?? "")
    }

    var endText: String {
        switch trace.endReason {
        case nil: "the policy said end"
        case .budgetExhausted?: "the step budget of \(trace.budget) ran out"
        case .repeatCutoff?: "the same action three times in a row ended the episode"
        case let other?: other.rawValue
        }
    }

    /// When the recorded run went on past the simulator's last step (or stopped before it).
    var divergenceNote: String? {
        guard let recorded = episode.recorded, let runLast = recorded.steps.compactMap(\.number).max() else { return nil }
        let simulatedLast = trace.entries.compactMap(\.number).max() ?? 0
        guard runLast != simulatedLast else { return nil }
        return "the recorded run \(runLast > simulatedLast ? "went on to" : "stopped at") step \(runLast); the simulator's episode ended at step \(simulatedLast)"
    }

    var metricsText: String {
        String(format: "success %d, efficiency %.4f, completeness %.4f, ordered completeness %.4f, repeat rate %.4f, steps %d",
               metrics.success, metrics.efficiency, metrics.completeness, metrics.completenessOrdered, metrics.repeatRate, metrics.step)
    }

    var text: String {
        var out = "== \(heading) ==\n"
        if !episode.task.taskName.isEmpty { out += episode.task.taskName + "\n" }
        out += "source: \(episode.source)\n"
        out += "key actions: \(episode.task.keyActionTexts.joined(separator: ", "))\n\n"
        for row in rows {
            let number = row.number.map { String($0) } ?? "-"
            let outcome = row.success ? "ok" : "FAILED (\(row.error ?? "error"))"
            let said = row.said.isEmpty || row.said == row.action ? "" : "\"\(row.said)\" → "
            out += "\(number.leftPadded(4))  \(said)\(row.action) → \(outcome)\n"
            if let cause = row.cause { out += "        why: \(cause)\n" }
            if let feedback = row.feedback { out += "        feedback: \(feedback)\n" }
            if let recorded = row.recordedSuccess, recorded != row.success {
                out += "        the run: \(recorded ? "ok" : "failed") (the simulator and the run disagree here)\n"
            }
            if let frame = row.frame { out += "        frame (\(row.frameMatch ?? "")): \(frame)\n" }
        }
        out += "\nend: \(endText)\n"
        if let note = divergenceNote { out += note + "\n" }
        out += "reference metrics: \(metricsText)\n"
        let met = goals.filter(\.holds), missed = goals.filter { !$0.holds }
        out += "goal facts met: \(met.isEmpty ? "none" : met.map(\.description).joined(separator: "; "))\n"
        out += "goal facts missed: \(missed.isEmpty ? "none" : missed.map(\.description).joined(separator: "; "))\n"
        return out
    }
}

/// A per-task output line of `grade` (simulate mode): identity, model and the steps it took.
struct PerTaskLine {
    var identity: TaskIdentity
    var model: String?
    /// The steps after init, as plan steps.
    var actions: [String]

    init?(_ data: Data) {
        var identity: TaskIdentity?
        var model: String?
        var steps: [String] = []
        let ok: Bool = data.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw.bindMemory(to: UInt8.self))
            cursor.skipWhitespace()
            do {
                try cursor.readObject { cursor, key in
                    switch key {
                    case "identity":
                        if cursor.peek() == UInt8(ascii: "\"") { identity = .string(try cursor.readString()) } else if let n = try cursor.readWholeNumber() { identity = .int(n) }
                    case "model": model = try cursor.readOptionalString()
                    case "steps":
                        try cursor.readArray { cursor, _ in
                            var action = "", object: String?
                            try cursor.readObject { cursor, key in
                                switch key {
                                case "action": action = try cursor.readString()
                                case "object": object = try cursor.readOptionalString()
                                default: try cursor.skipValue()
                                }
                            }
                            steps.append(object.map { "\(action) \($0)" } ?? action)
                        }
                    default: try cursor.skipValue()
                    }
                }
                return true
            } catch {
                return false
            }
        }
        guard ok, let identity, !steps.isEmpty else { return nil }
        self.identity = identity
        self.model = model
        actions = Array(steps.dropFirst())
    }
}

/// The static page: one section per episode with its map and its frames inline.
enum HTMLReport {
    static func write(_ explanations: [Explanation], to directory: String, title: String) throws {
        let frames = directory + "/frames"
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        var body = ""
        var copied: [String: String] = [:]
        for (index, explanation) in explanations.enumerated() {
            let mapName = "map-\(index + 1).png"
            try PNG.write(EpisodeMap.draw(explanation.trace, task: explanation.episode.task, model: explanation.episode.model, recorded: explanation.episode.recorded).image, to: directory + "/" + mapName)
            body += "<section><h2>\(escape(explanation.heading))</h2>\n"
            body += "<p class=task>\(escape(explanation.episode.task.taskName))</p>\n"
            body += "<p>source: <code>\(escape(explanation.episode.source))</code><br>key actions: \(escape(explanation.episode.task.keyActionTexts.joined(separator: ", ")))</p>\n"
            body += "<img class=map src=\"\(mapName)\" alt=\"map of the episode\">\n<table>\n<tr><th>step</th><th>response → action</th><th>outcome</th><th>why / feedback</th><th>frame</th></tr>\n"
            for row in explanation.rows {
                var frameCell = ""
                if let frame = row.frame {
                    let name = copied[frame] ?? {
                        let name = "\(copied.count + 1)-" + (frame as NSString).lastPathComponent
                        try? FileManager.default.removeItem(atPath: frames + "/" + name)
                        try? FileManager.default.copyItem(atPath: frame, toPath: frames + "/" + name)
                        return name
                    }()
                    copied[frame] = name
                    frameCell = "<a href=\"frames/\(name)\"><img class=frame src=\"frames/\(name)\" alt=\"frame\"></a><br><small>\(escape(row.frameMatch ?? ""))</small>"
                }
                let said = row.said.isEmpty || row.said == row.action ? "" : "“\(escape(row.said))” → "
                var why = row.cause.map { "<b>\(escape($0))</b>" } ?? ""
                if let feedback = row.feedback { why += "<br><small>\(escape(feedback))</small>" }
                if let recorded = row.recordedSuccess, recorded != row.success { why += "<br>the run: \(recorded ? "ok" : "failed")" }
                let outcome = row.success ? "ok" : "FAILED \(escape(row.error ?? ""))"
                body += "<tr class=\(row.success ? "ok" : "fail")><td>\(row.number.map(String.init) ?? "–")</td><td>\(said)\(escape(row.action))</td><td>\(outcome)</td><td>\(why)</td><td>\(frameCell)</td></tr>\n"
            }
            let note = explanation.divergenceNote.map { "<br>" + escape($0) } ?? ""
            body += "</table>\n<p>end: \(escape(explanation.endText))\(note)<br>reference metrics: \(escape(explanation.metricsText))</p>\n<ul>"
            for fact in explanation.goals { body += "<li class=\(fact.holds ? "ok" : "fail")>\(escape(fact.description)): \(fact.holds ? "met" : "missed")</li>" }
            body += "</ul></section>\n"
        }
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>thor-lite explain: \(escape(title))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
            tr.fail td{background:#fdecec}li.fail,tr.fail td:nth-child(3){color:#b00}img.map{max-width:100%;border:1px solid #ccc}img.frame{width:240px}.task{font-size:1.2em}</style>
            </head><body><h1>thor-lite explain: \(escape(title))</h1>
            \(body)</body></html>

            """
        try page.write(toFile: directory + "/index.html", atomically: true, encoding: .utf8)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
