// libFuzzer entry point for ThorJSON, compiled together with Sources/ThorJSON by fuzz/run.sh
// (not part of the package build). Every input must either read or throw a JSONPathError: a trap,
// an overflow or an address-sanitizer report is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func thorJSONFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? JSONCursor.validate(bytes)
    var cursor = JSONCursor(bytes)
    cursor.skipByteOrderMark()
    if let value = try? cursor.readValue() { _ = value.compact }
    // The typed path the grade line reader takes: raw keys, strings, lists, numbers, skipping.
    var typed = JSONCursor(bytes)
    _ = try? typed.readObjectRawKeys { cursor, key in
        if JSONCursor.key(key, is: "actions") {
            _ = try cursor.readStringList()
        } else if JSONCursor.key(key, is: "identity") {
            _ = try cursor.readWholeNumber()
        } else if JSONCursor.key(key, is: "trajectory") {
            try cursor.readArray { cursor, _ in
                try cursor.readObject { cursor, _ in
                    if cursor.peek() == UInt8(ascii: "\"") { _ = try cursor.readString() } else { try cursor.skipValue() }
                }
            }
        } else {
            try cursor.skipValue()
        }
    }
    return 0
}
