// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thor-lite",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "thor-lite", targets: ["thor-lite"]),
        .library(name: "ThorModel", targets: ["ThorModel"]),
        .library(name: "ThorStore", targets: ["ThorStore"]),
        .library(name: "ThorSim", targets: ["ThorSim"]),
        .library(name: "ThorGrade", targets: ["ThorGrade"]),
        .library(name: "ThorPolicy", targets: ["ThorPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // Value types only; no I/O.
        .target(name: "ThorModel"),
        // A fast forward-only JSON reader for bulk inputs.
        .target(name: "ThorJSON"),
        // SQLite schema, migrations, upstream importer, queries that build Scene/Task values.
        .target(
            name: "ThorStore",
            dependencies: [
                "ThorModel",
                "ThorJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            resources: [.embedInCode("schema")]
        ),
        // World state, AI2-THOR action rules, visibility/legality model, response parsing, the
        // reference episode loop.
        .target(name: "ThorSim", dependencies: ["ThorModel"]),
        // Reference-exact trajectory metrics, aggregation, report writers.
        .target(name: "ThorGrade", dependencies: ["ThorModel", "ThorJSON", "ThorSim"]),
        // The policy API: reset/step/metrics over the reference loop, for policy unit tests and `serve`.
        .target(name: "ThorPolicy", dependencies: ["ThorModel", "ThorStore", "ThorSim", "ThorGrade"]),
        // The command line: parses flags, calls the libraries.
        .executableTarget(
            name: "thor-lite",
            dependencies: [
                "ThorModel", "ThorStore", "ThorSim", "ThorGrade", "ThorPolicy", "ThorJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Simulator benchmarks: swift run -c release thor-lite-bench
        .executableTarget(
            name: "thor-lite-bench",
            dependencies: ["ThorModel", "ThorStore", "ThorSim", "ThorGrade", "ThorJSON"]
        ),
        .testTarget(
            name: "ThorStoreTests",
            dependencies: ["ThorStore", "ThorModel", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "ThorGradeTests", dependencies: ["ThorGrade", "ThorModel", "ThorStore"]),
        .testTarget(name: "ThorSimTests", dependencies: ["ThorSim", "ThorModel", "ThorStore"]),
        // Runs the built thor-lite: exit statuses, output files, determinism, many processes on one store.
        // GRDB: to build files that are not thor-lite stores and to check a store's integrity.
        .testTarget(name: "CLITests", dependencies: ["thor-lite", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ThorPolicyTests", dependencies: ["ThorPolicy", "ThorSim", "ThorModel", "ThorStore"]),
    ]
)
