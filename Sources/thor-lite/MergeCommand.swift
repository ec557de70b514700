import ArgumentParser
import Foundation
import ThorGrade
import ThorModel

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the per-task files of shards into the reports one grade run would give.",
        discussion: """
            Grade an evaluation in shards (a Slurm array, a Ray job, several machines), each with `grade SHARD --per-task FILE`, then merge the per-task files: the summary, table, CSV and er-csv are the bytes `grade` gives for all the shards' inputs in one run, in the order the files are given (the summary's meta lists the files the lines were graded from). Nothing is graded again, and the store is needed only for coverage.

            Give the files in input order (a shell glob or split's suffixes sort that way): the means are sums taken in that order, as one run takes them. A line graded from the same input line as a line of an earlier file means the shards overlap: it is reported and not merged (exit 1); the same file given twice is a usage error. A task graded from different input lines is counted each time, as grade counts it. Lines a shard could not grade are in no per-task file: see that shard's stderr or summary. Details: docs/sharding.md.

            Exit status: 0 every line merged, 1 some lines not merged (each reported on stderr with file, line and reason), 2 usage error.

            Examples:
              split -n l/3 -d plans.jsonl shard.
              for s in shard.0?; do thor-lite grade $s --per-task $s.per_task; done
              thor-lite merge shard.0?.per_task --summary summary.json
              thor-lite merge results/*.per_task.jsonl --format er-csv > result.csv
            """)

    @Argument(help: ArgumentHelp("Per-task files written by grade --per-task (- for standard input), in input order.", valueName: "per-task-file"))
    var files: [String]

    @Option(help: "Standard output format: table, json, csv, or er-csv (the reference's result.csv, column for column).")
    var format: Grade.Format = .table

    @Flag(help: "With several models, add a table section pooling all their lines.")
    var pooled = false

    @Option(help: ArgumentHelp("Write the summary JSON here.", valueName: "file"))
    var summary: String?

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one per-task file") }
    }

    func run() throws {
        try reportingErrors {
            // Every file is checked before anything is read, as grade checks its inputs.
            var seen: [String: String] = [:]
            for file in files where file != "-" {
                var info = stat()
                guard stat(file, &info) == 0 else { throw CLIError.usage("\(file): \(String(cString: strerror(errno)))") }
                if (info.st_mode & S_IFMT) == S_IFDIR { throw CLIError.usage("\(file): a directory; give the per-task files in it") }
                if let first = seen.updateValue(file, forKey: "\(info.st_dev):\(info.st_ino)") {
                    throw CLIError.usage("\(first) and \(file) are the same file: each shard is merged once")
                }
            }
            // Key-action warnings are not in per-task lines: each merged task is checked again
            // against the store (when there is one), on the input line it was graded from.
            let catalog = StoreCatalog(store: nil) { try storeOptions.openForReading() }
            var warnings = catalog.keyActionWarnings()
            var merge = ShardMerge()
            for file in files {
                merge.merge(file: file) { record in
                    if let origin = record.origin {
                        warnings.check(record.line.identity, scene: record.scene, keyActions: nil, source: origin)
                    }
                }
            }
            merge.setKeyActionWarnings(warnings.warnings)
            for warning in warnings.warnings { printError("warning: \(warning)") }
            var tally = merge.tally
            if tally.graded == 0 && tally.issues.isEmpty {
                printError("no per-task lines: \(files.joined(separator: ", ")) \(files.count == 1 ? "holds" : "hold") none")
                throw ExitCode(1)
            }
            for issue in tally.issues { printError("not merged: \(issue)") }
            let storeTasks = catalog.identities()
            if let storeTasks { tally.finishCoverage(storeTasks: storeTasks) }
            tally.provenance = GradeProvenance(
                version: ThorLiteVersion.current, mode: (merge.mode ?? .recorded).rawValue,
                store: storeTasks == nil ? nil : storeOptions.resolvedPath, inputs: merge.inputs)
            try Grade.write(tally, summary: summary, format: format, pooled: pooled)
            if !tally.issues.isEmpty { throw ExitCode(1) }
        }
    }
}
