import Foundation
import ThorFrames
import ThorGrade
import ThorJSON
import ThorModel
import ThorSim

/// The `thor-lite serve` protocol: one JSON request line in, one JSON reply line out
/// (`docs/serve-protocol.md` lists every op). The session holds one episode for single-env ops
/// (`"task"`, `"action"`/`"response"`) and a `VectorEnvironment` for batched ops (`"tasks"`,
/// `"actions"`); both share one `EpisodeCatalog`, so tasks and scenes are read from the store
/// once. Replies are rendered straight into a byte buffer with `JSONWriter`.
///
/// ```swift
/// var session = ServeSession(catalog: try EpisodeCatalog(store: store))
/// let (reply, _) = session.handle(#"{"op": "reset", "task": 7, "id": 1}"#)
/// // reply: {"id": 1, "info": {...}, "observation": {...}, "ok": true}
/// ```
public struct ServeSession {
    public let catalog: EpisodeCatalog
    public let single: PolicyEnvironment
    public let vector: VectorEnvironment
    /// The type lists sent by id so far (`"lists": "ids"`).
    let lists = ListTable()

    public init(catalog: EpisodeCatalog) {
        self.catalog = catalog
        single = PolicyEnvironment(catalog: catalog)
        vector = VectorEnvironment(catalog: catalog)
    }

    /// What a request produced, rendered once it cannot fail any more.
    enum Reply {
        case closed
        case reset(PolicyEnvironment)
        /// With `delta`, unchanged type lists are written as null (`"delta": true`).
        case step(PolicyEnvironment, delta: Bool)
        case state(PolicyEnvironment)
        case render(RGBImage, path: String?)
        /// A batch's infos and observations, rendered in chunks (`renderChunk`).
        case vectorReset([BatchPart])
        case vectorStep([BatchPart])
        /// A batched step's reply column by column (`"layout": "columns"`), rendered in chunks;
        /// with `listIDs` the type lists by id (`"lists": "ids"`).
        case vectorColumns([ColumnPart], listIDs: Bool)
        case failure(String)
    }

    /// Handles one request line (without its newline) and appends the reply line, newline
    /// included, to `out`. Returns true when the request closes the session.
    public mutating func handle(_ line: UnsafeBufferPointer<UInt8>, into out: inout JSONWriter) -> Bool {
        let request: ServeRequest
        do {
            request = try ServeRequest(line)
        } catch {
            write(.failure("\(error)"), id: nil, into: &out)
            return false
        }
        let reply: Reply
        do {
            reply = try perform(request)
        } catch {
            reply = .failure("\(error)")
        }
        write(reply, id: request.rawID, into: &out)
        if case .closed = reply { return true }
        return false
    }

    /// `handle` for a line held as a string (tests, small tools): the reply line without its
    /// newline, and whether the session ends.
    public mutating func handle(_ line: String) -> (reply: String, close: Bool) {
        var out = JSONWriter()
        var bytes = Array(line.utf8)
        let close = bytes.withUnsafeMutableBufferPointer { handle(UnsafeBufferPointer($0), into: &out) }
        bytes = out.bytes
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return (String(decoding: bytes, as: UTF8.self), close)
    }

    func perform(_ request: ServeRequest) throws -> Reply {
        let op = try request.opName
        if request.env != nil, op != "state", op != "render" {
            throw ServeError("\"env\" selects a batched environment for state and render only")
        }
        if request.layout != nil, op != "step" {
            throw ServeError("\"layout\" chooses how a batched step's reply is laid out (a step with \"actions\")")
        }
        if request.lists != nil, op != "step" {
            throw ServeError("\"lists\" chooses how a column-wise batched step's reply carries the type lists (a step with \"actions\" and \"layout\": \"columns\")")
        }
        switch op {
        case "reset":
            if let tasks = try request.field(request.tasks, "tasks", ServeRequest.readTasks) {
                guard request.task == nil else { throw ServeError("reset takes \"task\" (one episode) or \"tasks\" (a batch), not both") }
                try vector.start(tasks: tasks)
                let chunks = VectorEnvironment.chunks(count: tasks.count, threshold: vector.parallelThreshold, threads: vector.threads)
                return .vectorReset(VectorEnvironment.perChunk(chunks, threads: vector.threads) { range in
                    renderChunk(range, delta: false) { _ in (full: true, reset: false) }
                })
            }
            guard let task = try request.field(request.task, "task", ServeRequest.readTask) else {
                throw ServeError("reset needs \"task\": a task identity (a whole number or a string), or \"tasks\": a list of them")
            }
            try single.start(task: task)
            return .reset(single)
        case "step":
            let delta = try request.field(request.delta, "delta") { try $0.readBool() } ?? false
            let layout = try request.field(request.layout, "layout", ServeRequest.readLayout) ?? .rows
            let listIDs = try request.field(request.lists, "lists", ServeRequest.readListMode) ?? false
            if listIDs, layout != .columns {
                throw ServeError("\"lists\": \"ids\" goes with \"layout\": \"columns\" (a batched step's reply column by column)")
            }
            if let actions = try request.field(request.actions, "actions", ServeRequest.readVectorActions) {
                guard request.action == nil, request.response == nil else {
                    throw ServeError("step takes \"action\"/\"response\" (one episode) or \"actions\" (a batch), not both")
                }
                if layout == .columns {
                    return .vectorColumns(try vector.step(actions) { range, resets in
                        renderColumns(range, delta: delta, resets: resets, listIDs: listIDs)
                    }, listIDs: listIDs)
                }
                return .vectorStep(try vector.step(actions) { range, resets in
                    renderChunk(range, delta: delta) { index in
                        let reset = resets[index - range.lowerBound]
                        return (full: reset, reset: reset)
                    }
                })
            }
            guard layout == .rows else {
                throw ServeError("\"layout\": \"columns\" lays out a batched step's reply (\"actions\"); a single episode's step has one observation")
            }
            guard let text = try request.field(request.action, "action", { try $0.readString() })
                ?? request.field(request.response, "response", { try $0.readString() }) else {
                throw ServeError("step needs \"action\" or \"response\" (a string), or \"actions\": one per batched environment")
            }
            try single.advance(text)
            return .step(single, delta: delta)
        case "state":
            return .state(try environment(request))
        case "render":
            let environment = try environment(request)
            guard let image = environment.map() else { throw ServeError("render needs an episode: reset first") }
            let path = try request.field(request.path, "path") { try $0.readString() }
            if let path { try PNG.write(image, to: path) }
            return .render(image, path: path)
        case "close":
            return .closed
        case nil:
            throw ServeError("a request needs \"op\": reset, step, state, render or close")
        default:
            throw ServeError("unknown op; use reset, step, state, render or close")
        }
    }

    /// The single episode, or batched environment `"env"`.
    func environment(_ request: ServeRequest) throws -> PolicyEnvironment {
        guard let index = try request.field(request.env, "env", ServeRequest.readIndex) else { return single }
        guard index < vector.count else {
            throw ServeError("no environment \(index): the batch has \(vector.count) (reset with \"tasks\")")
        }
        return vector.environments[index]
    }
}

// MARK: replies

/// Part of a batched reply: the infos and the observations of a contiguous run of environments,
/// each as array elements without the brackets (`JSONWriter.array(joining:)`).
struct BatchPart {
    var infos: [UInt8]
    var observations: [UInt8]
}

extension ServeSession {
    /// One reply line; keys are written in sorted order (the project's JSON dialect), `id` among
    /// them, copied verbatim from the request.
    func write(_ reply: Reply, id: UnsafeBufferPointer<UInt8>?, into out: inout JSONWriter) {
        func writeID(_ json: inout JSONWriter) {
            guard let id else { return }
            json.key("id")
            json.raw(id)
        }
        /// A batched step's `ok` and its per-environment outcomes (both layouts).
        func writeOutcomes(_ json: inout JSONWriter) {
            let environments = vector.environments
            json.key("ok"); json.bool(true)
            json.key("rewards"); json.array { json in for e in environments { json.double(e.reward) } }
            json.key("terminated"); json.array { json in for e in environments { json.bool(e.terminated) } }
            json.key("truncated"); json.array { json in for e in environments { json.bool(e.truncated) } }
        }
        out.object { json in
            switch reply {
            case .failure(let message):
                json.key("error"); json.string(message)
                writeID(&json)
                json.key("ok"); json.bool(false)
            case .closed:
                writeID(&json)
                json.key("ok"); json.bool(true)
            case .reset(let environment):
                writeID(&json)
                json.key("info"); Self.writeInfo(environment, full: true, reset: false, into: &json)
                json.key("observation"); Self.writeObservation(environment, delta: false, into: &json)
                json.key("ok"); json.bool(true)
            case .step(let environment, let delta):
                writeID(&json)
                json.key("info"); Self.writeInfo(environment, full: true, reset: false, into: &json)
                json.key("observation"); Self.writeObservation(environment, delta: delta, into: &json)
                json.key("ok"); json.bool(true)
                json.key("reward"); json.double(environment.reward)
                json.key("terminated"); json.bool(environment.terminated)
                json.key("truncated"); json.bool(environment.truncated)
            case .state(let environment):
                if let divergence = environment.divergence {
                    json.key("divergence"); json.value(divergence.json)
                    json.key("divergence_steps"); json.value(.array(divergence.perStep))
                }
                json.key("done"); json.bool(environment.isDone)
                json.key("frame_coverage"); json.value(.object(environment.frameCoverage().mapValues(JSONValue.int)))
                writeID(&json)
                if let metrics = try? environment.metrics { json.key("metrics"); ReportWriters.write(metrics, into: &json) }
                json.key("ok"); json.bool(true)
                json.key("trajectory"); json.array { json in for step in environment.steps { json.value(ReportWriters.json(step)) } }
            case .render(let image, let path):
                json.key("height"); json.int(image.height)
                writeID(&json)
                json.key("ok"); json.bool(true)
                if let path { json.key("path"); json.string(path) }
                json.key("rgb"); json.string(Data(image.pixels).base64EncodedString())
                json.key("width"); json.int(image.width)
            case .vectorReset(let parts):
                writeID(&json)
                json.key("infos"); json.array(joining: parts.map(\.infos))
                json.key("observations"); json.array(joining: parts.map(\.observations))
                json.key("ok"); json.bool(true)
            case .vectorStep(let parts):
                writeID(&json)
                json.key("infos"); json.array(joining: parts.map(\.infos))
                json.key("observations"); json.array(joining: parts.map(\.observations))
                writeOutcomes(&json)
            case .vectorColumns(let parts, let listIDs):
                // By id: each list column's ids (or nulls), and the lists new to the table.
                var ids: [Column: [UInt8]] = [:]
                var definitions = JSONWriter(reserving: listIDs ? 1024 : 0)
                if listIDs {
                    lists.prepare(adding: 2 * vector.count)
                    for (index, field) in ListSlot.columns.enumerated() {
                        var values = JSONWriter(reserving: 4 * vector.count)
                        for part in parts {
                            for slot in part.lists[index] {
                                guard let slot else {
                                    values.null()
                                    continue
                                }
                                values.int(lists.id(of: slot, definitions: &definitions))
                            }
                        }
                        ids[field] = values.bytes
                    }
                }
                func columns(_ fields: [Column], _ json: inout JSONWriter) {
                    json.object { json in
                        for field in fields {
                            json.key(field.name)
                            if let values = ids[field] {
                                json.array(joining: [values])
                            } else {
                                json.array(joining: parts.map { $0.columns[field.rawValue] })
                            }
                        }
                    }
                }
                writeID(&json)
                json.key("infos"); columns(Column.infoColumns, &json)
                if listIDs { json.key("lists"); json.array(joining: [definitions.bytes]) }
                json.key("observations"); columns(Column.observationColumns, &json)
                writeOutcomes(&json)
            }
        }
        out.endLine()
    }

    /// Environments `range` of the batch as array parts (their infos, their observations),
    /// rendered on the thread that stepped them: rendering is a quarter of a batched step's time.
    /// Reads only those environments.
    func renderChunk(_ range: Range<Int>, delta: Bool, _ entry: (Int) -> (full: Bool, reset: Bool)) -> BatchPart {
        let environments = vector.environments
        var infos = JSONWriter(reserving: 64 * range.count)
        var observations = JSONWriter(reserving: 640 * range.count)
        for index in range {
            let (full, reset) = entry(index)
            Self.writeInfo(environments[index], full: full, reset: reset, into: &infos)
            Self.writeObservation(environments[index], delta: delta, into: &observations)
        }
        return BatchPart(infos: infos.bytes, observations: observations.bytes)
    }

    /// The task (its identity typed as in the task file) and, with `full`, its type, scene, name
    /// and query; once the episode is over its metrics and goal success. Batched steps send the
    /// task's other fields only when an environment starts a new episode (`reset: true`).
    static func writeInfo(_ environment: PolicyEnvironment, full: Bool, reset: Bool, into json: inout JSONWriter) {
        json.object { json in
            guard let entry = environment.entry else { return }
            if environment.isDone {
                json.key("goal_success"); json.bool(environment.goalSuccess)
                // Read only (batches are rendered on several threads): the running metric is
                // complete after every step.
                if let metrics = environment.metric?.metrics { json.key("metrics"); ReportWriters.write(metrics, into: &json) }
            }
            if reset { json.key("reset"); json.bool(true) }
            if full {
                json.members(entry.infoFields)
            } else {
                json.key("task"); entry.identityJSON.withUnsafeBufferPointer { json.raw($0) }
            }
        }
    }

    /// The environment's observation; its type lists written from the scene's type sets (or
    /// reused while unchanged), with `delta` an unchanged list as null.
    static func writeObservation(_ environment: PolicyEnvironment, delta: Bool, into json: inout JSONWriter) {
        let view = ObservationView(environment)
        json.object { json in
            for field in Column.observationColumns {
                json.key(field.name)
                view.write(field, delta: delta, into: &json)
            }
        }
    }

    /// Environments `range` of the batch as column parts (`"layout": "columns"`): for each
    /// column, its values for these environments as array elements without the brackets; the
    /// sparse info columns hold entries only for the environments reset (`resets`) or ended in
    /// this step. Rendered on the thread that stepped them, as `renderChunk`.
    func renderColumns(_ range: Range<Int>, delta: Bool, resets: [Bool], listIDs: Bool = false) -> ColumnPart {
        let environments = vector.environments
        // Each column reserved for its chunk at once (a type list's values take about 80 bytes,
        // the others about 16), rather than 23 buffers per chunk each grown from empty by
        // several reallocations, on every thread.
        var columns = Column.allCases.map { column in
            JSONWriter(reserving: (column == .navigable || column == .interactable ? 96 : column == .metrics ? 8 : 24) * range.count)
        }
        // By id, the lists to name (nil: unchanged, written as null), given ids when the reply
        // is written (in slot order, whichever thread rendered the chunk).
        var lists: [[ListSlot?]] = listIDs ? ListSlot.columns.map { _ in [] } : []
        // The shared tables read once per chunk, not per environment: each read retains and
        // releases them, atomics that bounce between the cores rendering chunks at once.
        let fields = Column.observationColumns, listColumns = ListSlot.columns
        for (index, reset) in zip(range, resets) {
            let environment = environments[index]
            let view = ObservationView(environment)
            for field in fields {
                if listIDs, let list = listColumns.firstIndex(of: field) {
                    lists[list].append(view.listToName(field, delta: delta))
                    continue
                }
                view.write(field, delta: delta, into: &columns[field.rawValue])
            }
            guard let entry = environment.entry else {
                columns[Column.task.rawValue].null()
                continue
            }
            entry.identityJSON.withUnsafeBufferPointer { columns[Column.task.rawValue].raw($0) }
            if reset {
                let task = entry.task
                columns[Column.reset.rawValue].int(index)
                columns[Column.scene.rawValue].string(task.scene)
                columns[Column.taskname.rawValue].string(task.taskName)
                columns[Column.taskquery.rawValue].string(task.taskQuery)
                columns[Column.tasktype.rawValue].string(task.taskType)
            }
            if environment.isDone {
                columns[Column.ended.rawValue].int(index)
                columns[Column.goalSuccess.rawValue].bool(environment.goalSuccess)
                // Read only, as in `writeInfo`: the running metric is complete after every step.
                if let metrics = environment.metric?.metrics {
                    ReportWriters.write(metrics, into: &columns[Column.metrics.rawValue])
                } else {
                    columns[Column.metrics.rawValue].null()
                }
            }
        }
        return ColumnPart(columns: columns.map(\.bytes), lists: lists)
    }
}

/// Part of a column-wise batched reply: for each `Column` (by raw value), a contiguous run of
/// environments' values as array elements without the brackets; with the lists by id, for each
/// of `ListSlot.columns` the environments' lists to name (nil: null).
struct ColumnPart {
    var columns: [[UInt8]]
    var lists: [[ListSlot?]] = []
}

/// A type list a reply names by id, with the scene's names in JSON it is written from.
struct ListSlot {
    let list: TypeList
    let rendered: RenderedTypeNames?

    /// The list columns, in the order their ids are given (the reply's key order).
    static let columns: [Column] = [.interactable, .navigable]
}

/// The type lists a session has sent by id (`"lists": "ids"`, protocol version 4): each distinct
/// list (a scene's type set, or names) gets the next id the first time a reply names it, and is
/// defined in that reply's `"lists"`; later replies send the id alone. A type list is the bulk
/// of a column reply's values and of the client's decoding (two thirds of it): by id, an
/// environment's list costs the client an integer, and a list sent under one id is one Python
/// list wherever it recurs. At `capacity` lists the table starts afresh (before a reply, never within one),
/// ids from 0 again, each redefined when next sent. Touched only by the thread writing replies.
final class ListTable {
    var capacity = 1 << 16
    private var ids: [Key: Int] = [:]

    /// A list by the scene's name table (held, so its identity is never reused) and the type set,
    /// or by its names.
    struct Key: Hashable {
        let scene: RenderedTypeNames?
        let types: TypeSet
        let names: [String]

        static func == (a: Key, b: Key) -> Bool { a.scene === b.scene && a.types == b.types && a.names == b.names }

        func hash(into hasher: inout Hasher) {
            hasher.combine(scene.map(ObjectIdentifier.init))
            hasher.combine(types)
            hasher.combine(names)
        }
    }

    /// Empties the table when `count` more lists might not fit (so a reply's ids are all of one
    /// table).
    func prepare(adding count: Int) {
        if ids.count + count > capacity { ids.removeAll(keepingCapacity: true) }
    }

    /// The list's id; a list new to the table gets the next one, and its definition `[id,
    /// [names]]` is appended to `definitions`.
    func id(of slot: ListSlot, definitions: inout JSONWriter) -> Int {
        let key: Key
        if case .types(let set, let table) = slot.list, let rendered = slot.rendered, rendered.table == table {
            key = Key(scene: rendered, types: set, names: [])
        } else {
            key = Key(scene: nil, types: TypeSet(), names: slot.list.names)
        }
        if let id = ids[key] { return id }
        let id = ids.count
        ids[key] = id
        var names: [UInt8] = []
        slot.list.encode(into: &names, rendered: slot.rendered)
        definitions.array { json in
            json.int(id)
            names.withUnsafeBufferPointer { json.raw($0) }
        }
        return id
    }
}

/// The lists of a column-wise batched step reply (`"layout": "columns"`): the observation's keys,
/// one value per environment, then the infos' (`task` for every environment; `reset` and
/// `ended` the slots reset or ended in this step, the columns after each one value per slot
/// listed there). Each group is in its reply's key order (sorted), which `observationColumns`
/// and `infoColumns` keep.
enum Column: Int, CaseIterable {
    case action, done, error, feedback, frame, frameMatch, held, heldID, interactable, navigable, object, objectID, step, success
    case ended, goalSuccess, metrics, reset, scene, task, taskname, taskquery, tasktype

    static let observationColumns: [Column] = [.action, .done, .error, .feedback, .frame, .frameMatch, .held, .heldID, .interactable, .navigable, .object, .objectID, .step, .success]
    static let infoColumns: [Column] = [.ended, .goalSuccess, .metrics, .reset, .scene, .task, .taskname, .taskquery, .tasktype]

    var name: StaticString {
        switch self {
        case .action: "action"
        case .done: "done"
        case .error: "error"
        case .feedback: "feedback"
        case .frame: "frame"
        case .frameMatch: "frame_match"
        case .held: "held"
        case .heldID: "held_id"
        case .interactable: "interactable"
        case .navigable: "navigable"
        case .object: "object"
        case .objectID: "object_id"
        case .step: "step"
        case .success: "success"
        case .ended: "ended"
        case .goalSuccess: "goal_success"
        case .metrics: "metrics"
        case .reset: "reset"
        case .scene: "scene"
        case .task: "task"
        case .taskname: "taskname"
        case .taskquery: "taskquery"
        case .tasktype: "tasktype"
        }
    }
}

/// What an observation's values are written from, read once per environment: the same values
/// whether the reply is laid out in rows (an object per environment) or in columns. The values
/// are written from the last trajectory entry, copied once, not from an `Observation` built
/// first: building one per environment (a second copy of its strings, retained and released,
/// and a third of the entry for its type lists) was a tenth of a batched step's rendering.
struct ObservationView {
    let environment: PolicyEnvironment
    /// The last trajectory entry (nil before the first reset), copied once: a field read through
    /// the array copies the whole entry each time.
    let last: EpisodeStep?
    let count: Int
    let isDone: Bool
    let held: (type: String?, id: String?)
    let frame: (path: String, match: FrameMatch)?

    init(_ environment: PolicyEnvironment) {
        self.environment = environment
        last = environment.runner?.steps.last
        count = environment.runner?.steps.count ?? 0
        isDone = environment.runner?.isDone ?? false
        (held, frame) = environment.heldAndFrame()
    }

    /// The list `field` (`.navigable` or `.interactable`) for a reply that names lists by id:
    /// nil where `delta` leaves it out (unchanged since the list last sent). Kept as the last
    /// list sent either way.
    func listToName(_ field: Column, delta: Bool) -> ListSlot? {
        let list = list(field)
        let unchanged = encodedNames(field).send(list)
        return unchanged && delta ? nil : ListSlot(list: list, rendered: environment.entry?.typeNames)
    }

    /// The last step's navigable or interactable list (empty before the first reset).
    func list(_ field: Column) -> TypeList {
        guard let last else { return .names([]) }
        return field == .navigable ? TypeList(last.navigableTypes, names: { last.legalLocations })
            : TypeList(last.interactableTypes, names: { last.legalObjects })
    }

    /// The environment's last list written of `field` (`.navigable` or `.interactable`).
    func encodedNames(_ field: Column) -> EncodedNames.List {
        field == .navigable ? environment.encodedNames.navigable : environment.encodedNames.interactable
    }

    /// One observation value (`field` is one of `Column.observationColumns`), as
    /// `PolicyEnvironment.observation()` has it. The type lists go through the environment's
    /// `EncodedNames`, which remember the last list written, so each list is written once per
    /// reply.
    func write(_ field: Column, delta: Bool, into json: inout JSONWriter) {
        guard let last else {
            // Before the first reset: the empty observation.
            switch field {
            case .action, .feedback: json.string("")
            case .done, .success: json.bool(false)
            case .step: json.int(0)
            case .interactable, .navigable: encodedNames(field).write(list(field), rendered: nil, unchangedAsNull: delta, into: &json)
            default: json.null()
            }
            return
        }
        switch field {
        case .action: json.string(last.action)
        case .done: json.bool(isDone)
        case .error: json.string(last.error?.rawValue)
        case .feedback: json.string(last.feedback)
        case .frame: json.string(frame?.path)
        case .frameMatch: json.string(frame?.match.rawValue)
        case .held: json.string(held.type)
        case .heldID: json.string(held.id)
        case .interactable, .navigable:
            encodedNames(field).write(list(field), rendered: environment.entry?.typeNames, unchangedAsNull: delta, into: &json)
        case .object: json.string(last.object)
        case .objectID: json.string(last.objectId)
        case .step: json.int(count)
        case .success: json.bool(last.success)
        // Info columns are written by `renderColumns` from the environment, not the observation;
        // callers pass observation columns only.
        case .ended, .goalSuccess, .metrics, .reset, .scene, .task, .taskname, .taskquery, .tasktype: json.null()
        }
    }
}

/// An environment's last navigable and interactable lists as JSON, rewritten only when a list
/// changes: on the expert plans about half of them are the same as the step before (54% and
/// 48%). A list is compared as the scene's type set (four words), not as names, and written
/// from the set (`TypeList`). Touched only by the thread rendering its environment.
final class EncodedNames {
    final class List {
        private var last = TypeList.names([])
        private var json: [UInt8] = Array("[]".utf8)
        /// `json` spells `last` (false after a list sent by id, until a reply writes it in full).
        private var jsonIsLast = true

        /// Writes `current`; when it spells the same list as the last one written, the kept
        /// bytes, or with `unchangedAsNull` null (the `delta` protocol option).
        func write(_ current: TypeList, rendered: RenderedTypeNames?, unchangedAsNull: Bool, into out: inout JSONWriter) {
            if current.spellsSame(as: last) {
                if unchangedAsNull { return out.null() }
                if !jsonIsLast {
                    current.encode(into: &json, rendered: rendered)
                    jsonIsLast = true
                }
                json.withUnsafeBufferPointer { out.raw($0) }
                return
            }
            jsonIsLast = true
            // Kept in the same storage (no allocation once it has grown).
            current.encode(into: &json, rendered: rendered)
            json.withUnsafeBufferPointer { out.raw($0) }
            last = current
        }
    }

    let navigable = List()
    let interactable = List()
}

extension EncodedNames.List {
    /// Notes `current` as sent by id (its JSON is written when a reply next needs it in full);
    /// true when it spells the same list as the last one sent.
    func send(_ current: TypeList) -> Bool {
        if current.spellsSame(as: last) { return true }
        last = current
        jsonIsLast = false
        return false
    }
}
