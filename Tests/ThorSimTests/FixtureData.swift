import Foundation
import ThorStore

/// The project's miniature dataset (fixtures/upstream), imported once per test process.
enum FixtureData {
    static func store() throws -> ThorStore {
        try ImportedCheckouts.store(RealData.packageRoot.appendingPathComponent("fixtures/upstream"), label: "fixtures")
    }
}
