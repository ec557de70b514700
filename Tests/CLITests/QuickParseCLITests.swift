import Foundation
import XCTest

/// `thor-lite` parses a clean command line with a second root that skips ArgumentParser's
/// completion-script check (cold start); everything that prints help or usage must still come from
/// the real root, naming the tool once.
final class QuickParseCLITests: XCTestCase {
    func testHelpUsageAndCompletionTextNameTheToolOnce() throws {
        for arguments in [[], ["--help"], ["help", "grade"], ["grade", "--help"], ["info", "--bogus"]] {
            let run = try CLI.run(arguments)
            let text = run.stdout + run.stderr
            XCTAssertFalse(text.contains("thor-lite thor-lite"), "\(arguments): \(text)")
            XCTAssertTrue(text.contains("thor-lite"), "\(arguments): \(text)")
        }
        XCTAssertTrue(try CLI.run(["help", "grade"]).stdout.contains("USAGE: thor-lite grade"))
        let bogus = try CLI.run(["info", "--bogus"])
        XCTAssertEqual(bogus.status, 2)
        XCTAssertTrue(bogus.stderr.contains("Usage: thor-lite info"), bogus.stderr)
        let completion = try CLI.run(["--generate-completion-script", "bash"]).stdout
        XCTAssertTrue(completion.hasPrefix("#!/bin/bash"), completion)
        // The script's own last line is the only place the name appears twice in a row.
        XCTAssertEqual(completion.components(separatedBy: "thor-lite thor-lite").count, 2, completion)
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.isEmpty)
    }
}
