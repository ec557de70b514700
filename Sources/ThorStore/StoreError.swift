/// Problems with the store file itself (as opposed to the data imported into it). The CLI reports
/// every one with exit status 2.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case newerSchema(path: String, found: Int, supported: Int)
    /// A read-only open of a store an older thor-lite wrote: only a writer migrates.
    case olderSchema(path: String, found: Int, supported: Int)
    case notAStore(path: String, reason: String)
    case unreadable(path: String, reason: String)
    /// A write through a store opened with `.read`.
    case readOnlyAccess(path: String)
    /// SQLite failed on a store that opened (disk full, read-only mount, lock held too long).
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "no store at \(path). Create one with: thor-lite import <embodied_reasoner checkout> --store \(path)"
        case .newerSchema(let path, let found, let supported):
            "\(path) has schema version \(found), newer than this thor-lite understands (\(supported)); upgrade thor-lite"
        case .olderSchema(let path, let found, let supported):
            "\(path) has schema version \(found), older than this thor-lite's (\(supported)); upgrade the store with: thor-lite import <embodied_reasoner checkout> --store \(path)"
        case .notAStore(let path, let reason):
            "\(path) is not a thor-lite store: \(reason)"
        case .unreadable(let path, let reason):
            "cannot read the store \(path): \(reason)"
        case .readOnlyAccess(let path):
            "\(path) was opened read-only; this needs a writer"
        case .database(let path, let reason):
            "store \(path): \(reason)"
        }
    }
}
