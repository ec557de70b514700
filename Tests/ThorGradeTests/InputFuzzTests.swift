import Foundation
import ThorJSON
import ThorModel
import ThorSim
import ThorFuzzSupport
import ThorStore
import XCTest

@testable import ThorGrade
import ThorTestSupport

/// Seeded mutation fuzzing of the grade line reader: damaged lines interleaved with good ones, in
/// simulate and recorded mode, read in small and default chunks. Nothing may crash; every good
/// line gets exactly the metrics it gets alone; every other line is graded as it is alone or
/// reported with its file and line. Bounded in time (a few seconds in a debug build).
final class InputFuzzTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let mutantsPerMutation = 40

    /// What a graded line must reproduce exactly when graded again.
    struct Fingerprint: Hashable {
        var identity: TaskIdentity
        var model: String
        var taskType: String
        var metrics: TaskMetrics
        var steps: [EpisodeStep]?
        var goalFacts: [GoalFact]?

        init(_ task: GradedTask) {
            identity = task.identity
            model = task.model
            taskType = task.taskType
            metrics = task.metrics
            steps = task.simulation?.steps
            goalFacts = task.simulation?.goalFacts
        }
    }

    func graders() throws -> [Grader] {
        let file = Scratch.url("fuzz", suffix: ".sqlite")
        addTeardownBlock { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) } }
        let store = try ThorStore(path: file.path, create: true)
        try store.importCheckout(UpstreamReader(root: Self.packageRoot.appendingPathComponent("fixtures/upstream")))
        let tasks = Dictionary(uniqueKeysWithValues: try store.allTasks().map { ($0.identity, $0) })
        let worlds = try TestWorlds(store)
        return [Grader(mode: .simulate, lookup: { tasks[$0] }, worlds: worlds), Grader(mode: .recorded, lookup: { tasks[$0] })]
    }

    /// The fixture predictions, and generated result lines with random trajectories and success values.
    func seedLines(_ random: inout SeededGenerator) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for name in ["results", "plans", "responses"] {
            let text = try String(contentsOf: Self.packageRoot.appendingPathComponent("fixtures/predictions/\(name).jsonl"), encoding: .utf8)
            lines += text.split(separator: "\n").map { Array($0.utf8) }
        }
        XCTAssertEqual(lines.count, 52, "the fixture predictions changed; update this count")
        let actions = ["navigate to", "pickup", "put", "open", "close", "toggle", "observe", "end"]
        let objects = ["CounterTop", "Fridge", "Mug", "Cabinet", "Plate", "Apple", "Drawer", "Sink"]
        for index in 0..<40 {
            let steps = (0..<Int.random(in: 1...12, using: &random)).map { _ -> JSONValue in
                let action = random.pick(actions)
                return .object([
                    "action": .string(action), "object": action == "end" ? .null : .string(random.pick(objects)),
                    "success": random.pick([.int(1), .int(0), .bool(true), .null, .double(0.5)]),
                    "legal_objects": .array(objects.shuffled(using: &random).prefix(3).map(JSONValue.string)),
                    "errorInfo": .string("feedback \u{1F}é\u{1D11E} \(index)"),
                ])
            }
            let line = JSONValue.object([
                "identity": .int(Int.random(in: 1...6, using: &random)), "model": .string("gen"), "tasktype": .string("single_pickup"),
                "taskname": .string("Pick up the Mug."), "key_actions": .array(["navigate to CounterTop", "pickup Mug", "end"].map(JSONValue.string)),
                "trajectory": .array([.object(["action": .string("init"), "success": .int(1)])] + steps),
            ])
            lines.append(Array(line.compact.utf8))
        }
        return lines
    }

    func testDamagedLinesNeverCrashAndNeverDisturbGoodLines() throws {
        var random = SeededGenerator(seed: 8)
        let seeds = try seedLines(&random)
        var mutants: [(Mutation, [UInt8])] = []
        for mutation in Mutation.allCases {
            for _ in 0..<Self.mutantsPerMutation {
                mutants.append((mutation, mutation.apply(to: random.pick(seeds), using: &random)))
            }
        }
        // Interleave: a good line, a damaged one, sometimes a blank or CRLF line.
        var file: [UInt8] = []
        var kinds: [Int: Mutation?] = [:]  // line number -> nil for a good line
        var lineNumber = 0
        var goods = seeds.makeIterator()
        for (mutation, mutant) in mutants {
            if let good = goods.next() ?? Optional(random.pick(seeds)) {
                lineNumber += 1
                file += good + Array((lineNumber % 7 == 0 ? "\r\n" : "\n").utf8)
                kinds[lineNumber] = .some(nil)
            }
            lineNumber += 1
            file += mutant + [UInt8(ascii: "\n")]
            kinds[lineNumber] = .some(mutation)
            if lineNumber % 11 == 0 {
                lineNumber += 1
                file += Array("  \n".utf8)
            }
        }
        let data = Data(file)
        var graded = 0, reported = 0, crashesWouldBe = 0
        for grader in try graders() {
            var alone: [Int: Result<Fingerprint, GradeIssue>] = [:]
            // Each line graded alone: the expected outcome.
            let lines = file.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where kinds[index + 1] != nil {
                let report = grader.grade(Data(line), file: "fuzz.jsonl")
                XCTAssertEqual(report.tasks.count + report.issues.count, 1, "line \(index + 1) alone")
                alone[index + 1] = report.tasks.first.map { .success(Fingerprint($0)) } ?? .failure(report.issues[0])
            }
            for chunkSize in [4096, GradeInputReader.defaultChunkSize] {
                var outcomes: [Int: Result<Fingerprint, GradeIssue>] = [:]
                grader.grade(GradeInput(source: .memory(data), name: "fuzz.jsonl"), chunkSize: chunkSize) { outcome in
                    switch outcome {
                    case .success(let task):
                        XCTAssertNil(outcomes[task.source.line], "line \(task.source.line) twice")
                        outcomes[task.source.line] = .success(Fingerprint(task))
                    case .failure(let issue):
                        XCTAssertEqual(issue.source.file, "fuzz.jsonl")
                        XCTAssertNil(outcomes[issue.source.line], "line \(issue.source.line) twice")
                        outcomes[issue.source.line] = .failure(issue)
                    }
                }
                XCTAssertEqual(Set(outcomes.keys), Set(kinds.keys), "every non-blank line is graded or reported, chunk \(chunkSize)")
                for (number, kind) in kinds.sorted(by: { $0.key < $1.key }) {
                    switch (outcomes[number], alone[number]) {
                    case (.success(let got)?, .success(let expected)?):
                        XCTAssertEqual(got, expected, "line \(number) (\(kind?.rawValue ?? "good")) differs from alone")
                        graded += 1
                    case (.failure(let got)?, .failure(let expected)?):
                        XCTAssertEqual(got.source.line, number)
                        XCTAssertEqual(got.reason, expected.reason)
                        XCTAssertFalse(kind == nil && grader.mode == .simulate, "good line \(number) not graded: \(got)")
                        reported += 1
                    default:
                        crashesWouldBe += 1
                        XCTFail("line \(number) (\(String(describing: kind))): \(String(describing: outcomes[number])) vs alone \(String(describing: alone[number]))")
                    }
                }
            }
        }
        XCTAssertEqual(crashesWouldBe, 0)
        XCTAssertGreaterThan(reported, 0)
        XCTAssertGreaterThan(graded, 0)
        print("input fuzz: \(mutants.count) damaged lines (\(Self.mutantsPerMutation) per mutation: \(Mutation.allCases.map(\.rawValue).joined(separator: ", "))), \(seeds.count) seed lines; outcomes over 2 modes x 2 chunk sizes: \(graded) graded, \(reported) reported")
    }
}
