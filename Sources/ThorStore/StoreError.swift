/// Problems with the store file itself (as opposed to the data imported into it).
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case notAStore(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "no store at \(path). Create one with: thor-lite import <embodied_reasoner checkout> --store \(path)"
        case .newerSchema(let path, let found, let supported):
            "\(path) has schema version \(found), newer than this thor-lite understands (\(supported)); upgrade thor-lite"
        case .notAStore(let path, let reason):
            "\(path) is not a thor-lite store: \(reason)"
        }
    }
}
