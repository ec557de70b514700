import Foundation

/// Typed access to a `JSONSerialization` tree that turns every mismatch into an `ImportError`
/// naming the file and the JSON path. Paths are built only when an error is thrown.
struct JSONFields {
    let file: String

    func parse(_ data: Data) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ImportError(file: file, reason: "malformed JSON: \(Self.describe(error))")
        }
    }

    /// JSONSerialization's message carries the position ("around line 3, column 7").
    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let debug = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return debug }
        return ns.localizedDescription
    }

    func fail(_ path: @autoclosure () -> String, _ reason: String) -> ImportError {
        ImportError(file: file, field: path(), reason: reason)
    }

    func object(_ value: Any?, _ path: @autoclosure () -> String) throws -> [String: Any] {
        guard let dict = value as? [String: Any] else { throw fail(path(), "expected an object, found \(Self.kind(value))") }
        return dict
    }

    func array(_ value: Any?, _ path: @autoclosure () -> String) throws -> [Any] {
        guard let list = value as? [Any] else { throw fail(path(), "expected an array, found \(Self.kind(value))") }
        return list
    }

    /// An array that may be `null` or missing (AI2-THOR writes `null` for empty id lists).
    func optionalArray(_ value: Any?, _ path: @autoclosure () -> String) throws -> [Any] {
        if value == nil || value is NSNull { return [] }
        return try array(value, path())
    }

    func string(_ value: Any?, _ path: @autoclosure () -> String) throws -> String {
        guard let text = value as? String else { throw fail(path(), "expected a string, found \(Self.kind(value))") }
        return text
    }

    func optionalString(_ value: Any?, _ path: @autoclosure () -> String) throws -> String? {
        if value == nil || value is NSNull { return nil }
        return try string(value, path())
    }

    func strings(_ value: Any?, _ path: @autoclosure () -> String) throws -> [String] {
        let list = try optionalArray(value, path())
        var result: [String] = []
        result.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            result.append(try string(item, "\(path())[\(index)]"))
        }
        return result
    }

    func double(_ value: Any?, _ path: @autoclosure () -> String) throws -> Double {
        guard let number = value as? NSNumber else {
            throw fail(path(), "expected a number, found \(Self.kind(value))")
        }
        return number.doubleValue
    }

    func int(_ value: Any?, _ path: @autoclosure () -> String) throws -> Int {
        guard let number = value as? NSNumber else {
            throw fail(path(), "expected an integer, found \(Self.kind(value))")
        }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 9e15 else { throw fail(path(), "expected an integer, found \(double)") }
        return Int(double)
    }

    /// An integer that some upstream records write as a digit string (`"instruction_idx": "3"`).
    func intOrDigits(_ value: Any?, _ path: @autoclosure () -> String) throws -> Int {
        if let text = value as? String {
            guard let number = Int(text) else { throw fail(path(), "expected an integer, found the string '\(text)'") }
            return number
        }
        return try int(value, path())
    }

    func bool(_ value: Any?, _ path: @autoclosure () -> String) throws -> Bool {
        guard let number = value as? NSNumber else { throw fail(path(), "expected true/false, found \(Self.kind(value))") }
        return number.boolValue
    }

    /// `{"x":..,"y":..,"z":..}`.
    func vec3(_ value: Any?, _ path: @autoclosure () -> String) throws -> (Double, Double, Double) {
        let dict = try object(value, path())
        return (
            try double(dict["x"], "\(path()).x"),
            try double(dict["y"], "\(path()).y"),
            try double(dict["z"], "\(path()).z")
        )
    }

    static func kind(_ value: Any?) -> String {
        switch value {
        case nil: "nothing (field missing)"
        case is NSNull: "null"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case let number as NSNumber: isJSONBoolean(number) ? "a boolean" : "a number"
        default: "an unsupported value"
        }
    }
}

/// Foundation bridges JSON booleans to NSNumber too; their Objective-C type tells them apart.
func isJSONBoolean(_ number: NSNumber) -> Bool {
    let type = String(cString: number.objCType)
    return type == "c" || type == "B"
}
