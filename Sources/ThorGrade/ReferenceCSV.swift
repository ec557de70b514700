import Foundation
import ThorModel

/// The reference's `result.csv` (written by its `show_result.py`), column for column and digit for
/// digit, so scripts and spreadsheets built on it read thor-lite's output unchanged:
///
///     model,tasktype,success_rate,efficiency,completeness,completeness_ordered,repeat_rate,tasktype_count,all_count
///
/// Per model, in the order models first appear: the categories S, M, T, C, then `all`, then each
/// task type in the order it first appears for that model; a blank line after each model. Values
/// are Python's `round(x, 4)` printed as Python prints floats. Quirks kept: a space before
/// `repeat_rate`, a task type with no success shows its efficiency as the integer `0`, and model
/// names are not quoted. Where the reference crashes (a category with a type absent) the
/// category averages the types present, and a category with none is left out, as in the table.
public enum ReferenceCSV {
    public static let header = "model,tasktype,success_rate,efficiency,completeness,completeness_ordered,repeat_rate,tasktype_count,all_count"

    struct Sums {
        var count = 0, success = 0
        var efficiency = 0.0, completeness = 0.0, ordered = 0.0, repeatRate = 0.0

        mutating func add(_ m: TaskMetrics) {
            count += 1
            success += m.success
            efficiency += m.efficiency
            completeness += m.completeness
            ordered += m.completenessOrdered
            repeatRate += m.repeatRate
        }

        mutating func add(_ other: Sums) {
            count += other.count
            success += other.success
            efficiency += other.efficiency
            completeness += other.completeness
            ordered += other.ordered
            repeatRate += other.repeatRate
        }
    }

    public static func render(_ tasks: [GradedTask]) -> String {
        var tally = Tally()
        for task in tasks { tally.add(model: task.model, taskType: task.taskType, metrics: task.metrics) }
        return tally.render()
    }

    /// The sums the file is made of, one line at a time in input order (see `GradeTally`).
    struct Tally: Sendable {
        /// Per model, in the order models first appear: the model and task type are looked up
        /// once per distinct pair (`slot`), then each line adds at positions.
        private var models: [ModelSums] = [], modelIndex: [String: Int] = [:]

        struct ModelSums: Sendable {
            var name: String
            var overall = Sums()
            /// Task types in the order they first appear, with their sums at the same positions.
            var typeOrder: [String] = [], typeSums: [Sums] = [], typeIndex: [String: Int] = [:]
        }

        /// Where a line's sums go: its model's position and its task type's within the model.
        struct Slot: Sendable {
            var model: Int, type: Int
        }

        mutating func add(model: String, taskType: String, metrics: TaskMetrics) {
            add(metrics, at: slot(model: model, taskType: taskType))
        }

        /// The slot of a model and task type, made on their first line.
        mutating func slot(model: String, taskType: String) -> Slot {
            let index: Int
            if let known = modelIndex[model] {
                index = known
            } else {
                index = models.count
                modelIndex[model] = index
                models.append(ModelSums(name: model))
            }
            if let type = models[index].typeIndex[taskType] { return Slot(model: index, type: type) }
            let type = models[index].typeOrder.count
            models[index].typeIndex[taskType] = type
            models[index].typeOrder.append(taskType)
            models[index].typeSums.append(Sums())
            return Slot(model: index, type: type)
        }

        mutating func add(_ metrics: TaskMetrics, at slot: Slot) {
            models[slot.model].overall.add(metrics)
            models[slot.model].typeSums[slot.type].add(metrics)
        }

        func render() -> String {
            var out = header + "\n"
            for entry in models {
                let model = entry.name, all = entry.overall
                for category in TaskCategory.allCases {
                    var sums = Sums()
                    for type in category.taskTypes { if let s = entry.typeIndex[type] { sums.add(entry.typeSums[s]) } }
                    if sums.count > 0 { out += row(model, category.rawValue, sums, allCount: all.count, zeroEfficiencyAsInteger: false) }
                }
                out += row(model, "all", all, allCount: all.count, zeroEfficiencyAsInteger: false)
                for (type, sums) in zip(entry.typeOrder, entry.typeSums) {
                    out += row(model, type, sums, allCount: all.count, zeroEfficiencyAsInteger: true)
                }
                out += "\n"
            }
            return out
        }
    }

    static func row(_ model: String, _ key: String, _ s: Sums, allCount: Int, zeroEfficiencyAsInteger: Bool) -> String {
        let n = Double(s.count)
        let efficiency = zeroEfficiencyAsInteger && s.success == 0 ? "0" : pythonRound4(s.efficiency / n)
        return "\(model),\(key),\(pythonRound4(Double(s.success) / n)),\(efficiency),\(pythonRound4(s.completeness / n)),"
            + "\(pythonRound4(s.ordered / n)), \(pythonRound4(s.repeatRate / n)),\(s.count),\(allCount)\n"
    }

    /// `repr(round(x, 4))` in Python: rounded on the exact binary value, then the shortest
    /// digits that read back as the same double (`0.5`, `1.0`, `0.1235`).
    static func pythonRound4(_ x: Double) -> String {
        let rounded = Double(String(format: "%.4f", x)) ?? x
        return "\(rounded == 0 ? 0.0 : rounded)"
    }
}
