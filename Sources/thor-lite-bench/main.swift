// Simulator and simulate-mode benchmarks on the real benchmark (release build):
//
//   swift run -c release thor-lite-bench [checkout] [seconds]
//
// 1. Simulated actions per second on one core: every task's expert plan, executed again and again
//    through `World.step` on fresh worlds (world creation included).
// 2. The whole 809-task plan file graded in simulate mode, after the store is open (scene loading
//    from SQLite, episode loop, metrics, goal checks), on all cores.
import Foundation
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim
import ThorStore

let arguments = CommandLine.arguments
let checkout = arguments.count > 1 ? arguments[1] : "../shared/embodied_reasoner"
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 3 : 3

let storePath = FileManager.default.temporaryDirectory.appendingPathComponent("thor-lite-bench-\(getpid()).sqlite").path
defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) } }
let store = try ThorStore(path: storePath, create: true)
try store.importCheckout(UpstreamReader(root: URL(fileURLWithPath: checkout)))
let tasks = try store.allTasks()
let poses = try store.approachPoses()

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

// 1. actions per second, one core.
var compiled: [String: CompiledScene] = [:]
var episodes: [(World, [(ActionKind, Int?)])] = []
for task in tasks {
    if compiled[task.scene] == nil { compiled[task.scene] = CompiledScene(try store.scene(named: task.scene)!) }
    let scene = compiled[task.scene]!
    let plan = task.keyActionTexts.compactMap(Action.init(planStep:)).map { action in
        (action.kind, action.objectType.flatMap { scene.typeIdByName[$0] })
    }.filter { !$0.0.takesObject || $0.1 != nil }
    episodes.append((World(scene: scene, task: task, approachPoses: poses), plan))
}
var actions = 0
var successes = 0
let start = now()
var elapsed = 0.0
while elapsed < seconds {
    for (initial, plan) in episodes {
        var world = initial
        for (kind, type) in plan where world.step(kind, type: type).success { successes += 1 }
        actions += plan.count
    }
    elapsed = now() - start
}
print(String(format: "simulated actions: %d in %.2f s = %.0f actions/s on one core (%d succeeded)", actions, elapsed, Double(actions) / elapsed, successes))

// 2. the 809-task plan file in simulate mode, after the store is open.
let loadStart = now()
for name in Set(tasks.map(\.scene)) { _ = CompiledScene(try store.scene(named: name)!) }
print(String(format: "loading and compiling the %d scenes the tasks use: %.1f ms", Set(tasks.map(\.scene)).count, (now() - loadStart) * 1000))
let planFile = Data(tasks.map { task in
    JSONValue.object(["identity": ReportWriters.json(task.identity), "actions": .array(task.keyActionTexts.map(JSONValue.string))]).compact
}.joined(separator: "\n").utf8)
/// The grader's worlds as `thor-lite grade` builds them: scenes compiled on first use, one world
/// per task (`EpisodeWorlds`).
final class Worlds: WorldSource, @unchecked Sendable {
    let worlds: EpisodeWorlds
    init(store: ThorStore, poses: [String: ApproachPose]) { worlds = EpisodeWorlds(approachPoses: poses) { try store.scene(named: $0) } }
    func world(for task: BenchmarkTask) throws -> World { try worlds.world(for: task) }
}
let byIdentity = Dictionary(uniqueKeysWithValues: tasks.map { ($0.identity.description, $0) })
var timings: [Double] = []
for _ in 0..<5 {
    let grader = Grader(mode: .simulate, lookup: { byIdentity[$0.description] }, worlds: Worlds(store: store, poses: poses))
    let t = now()
    let report = grader.grade(planFile, file: "plans.jsonl")
    timings.append(now() - t)
    precondition(report.tasks.count == tasks.count && report.issues.isEmpty)
}
timings.sort()
print(String(format: "809-task plan file, simulate mode (scenes loaded from the store each run): median %.1f ms, best %.1f ms", timings[2] * 1000, timings[0] * 1000))

// 3. Simulate mode streamed as `grade` reads a file: the plan file repeated to `lines` lines (the
//    THOR_LITE_BENCH_LINES environment variable, default 200k), read in chunks on all cores; the
//    consumer only counts (no report kept, nothing rendered), so this is the grader's own rate.
let repeatedLines = Int(ProcessInfo.processInfo.environment["THOR_LITE_BENCH_LINES"] ?? "") ?? 200_000
var repeated = Data()
for copy in 0..<max(1, repeatedLines / tasks.count) {
    if copy > 0 { repeated.append(0x0A) }
    repeated.append(planFile)
}
let sharedWorlds = Worlds(store: store, poses: poses)
var streamTimings: [Double] = []
var streamedActions = 0
for _ in 0..<3 {
    let grader = Grader(mode: .simulate, lookup: { byIdentity[$0.description] }, worlds: sharedWorlds)
    var graded = 0, actionCount = 0, failed = 0
    let t = now()
    grader.grade(GradeInput(source: .memory(repeated), name: "plans.jsonl")) { outcome in
        switch outcome {
        case .success(let task):
            graded += 1
            // The plan's actions, `end` included (as the whole-process figure counts them).
            actionCount += byIdentity[task.identity.description]?.keyActions.count ?? 0
        case .failure: failed += 1
        }
    }
    streamTimings.append(now() - t)
    streamedActions = actionCount
    precondition(failed == 0 && graded > 0)
}
streamTimings.sort()
print(String(format: "plan file repeated to %d lines, simulate mode streamed on all cores (grader only): median %.3f s = %.0f actions/s",
             repeated.count > 0 ? max(1, repeatedLines / tasks.count) * tasks.count : 0, streamTimings[1], Double(streamedActions) / streamTimings[1]))
