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
        .library(name: "ThorFrames", targets: ["ThorFrames"]),
        .library(name: "ThorLive", targets: ["ThorLive"]),
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
        .target(name: "ThorGrade", dependencies: ["ThorModel", "ThorJSON", "ThorSim", "CSimdRecord"]),
        // simdjson (Debian's libsimdjson-dev) reading the fields of a result line the grader needs,
        // ThorJSON reading every line it declines; why simdjson is in CSimdRecord.cpp.
        .target(name: "CSimdRecord", linkerSettings: [.linkedLibrary("simdjson")]),
        // The policy API: reset/step/metrics over the reference loop, for policy unit tests and `serve`
        // (simulated, or live through ThorLive's bridge).
        .target(name: "ThorPolicy", dependencies: ["ThorModel", "ThorStore", "ThorSim", "ThorGrade", "ThorFrames", "ThorLive"]),
        // libpng (Debian's libpng-dev), for every PNG read and written.
        // No pkgConfig: SwiftPM would put `-L/usr/lib/<triple>` first on the link line, ahead of the
        // static archives scripts/build-release.sh links (libpng's header is /usr/include/png.h).
        // Homebrew's prefix is not searched: on macOS add `-Xcc -I$(brew --prefix)/include
        // -Xlinker -L$(brew --prefix)/lib` to `swift build`.
        .systemLibrary(name: "CPNG", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // The C side of ThorFrames: every libpng call behind setjmp (libpng's longjmp must not
        // cross Swift frames), the chunk/CRC check, and SHA-256 from OpenSSL's libcrypto
        // (libssl-dev: SHA instructions, no build time, unlike building swift-crypto's BoringSSL).
        .target(name: "CPNGShim", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("crypto"), .linkedLibrary("z")]),
        // PNG read/write, the frame index (run layout, headers, replayed state), scene maps,
        // filmstrips, episode explanations.
        .target(name: "ThorFrames", dependencies: ["ThorModel", "ThorJSON", "ThorSim", "ThorGrade", "CPNGShim"]),
        // The live bridge's Swift side: the sidecar process (bridge/thor_lite_bridge.py), the live
        // episode backend, live grading with the simulator as a shadow, reference-layout recording.
        .target(name: "ThorLive", dependencies: ["ThorModel", "ThorJSON", "ThorSim", "ThorGrade"]),
        // The command line: parses flags, calls the libraries.
        .executableTarget(
            name: "thor-lite",
            dependencies: [
                "ThorModel", "ThorStore", "ThorSim", "ThorGrade", "ThorPolicy", "ThorJSON", "ThorFrames", "ThorLive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Simulator benchmarks: swift run -c release thor-lite-bench
        .executableTarget(
            name: "thor-lite-bench",
            dependencies: ["ThorModel", "ThorStore", "ThorSim", "ThorGrade", "ThorJSON"]
        ),
        // Frame and picture benchmarks: bench/frames_bench.sh
        .executableTarget(name: "thor-lite-frames-bench", dependencies: ["ThorFrames", "ThorGrade", "ThorStore", "ThorSim", "ThorModel"]),
        .testTarget(
            name: "ThorStoreTests",
            dependencies: ["ThorStore", "ThorModel", "ThorFuzzSupport", "ThorTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The JSON reader on its own: accept/reject cases, nesting, truncation.
        .testTarget(name: "ThorJSONTests", dependencies: ["ThorJSON"]),
        // Seeded mutations for the fuzz tests of the grade line reader and the upstream readers.
        .target(name: "ThorFuzzSupport", path: "Tests/ThorFuzzSupport"),
        // Every test's files in one directory per test process, removed when the process exits.
        .target(name: "ThorTestSupport", path: "Tests/ThorTestSupport"),
        .testTarget(name: "ThorGradeTests", dependencies: ["ThorGrade", "ThorModel", "ThorStore", "ThorFuzzSupport", "ThorTestSupport"]),
        .testTarget(name: "ThorSimTests", dependencies: ["ThorSim", "ThorModel", "ThorStore", "ThorFuzzSupport", "ThorTestSupport"]),
        // Runs the built thor-lite: exit statuses, output files, determinism, many processes on one store.
        // GRDB: to build files that are not thor-lite stores and to check a store's integrity.
        .testTarget(name: "CLITests", dependencies: ["thor-lite", "ThorTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ThorFramesTests", dependencies: ["ThorFrames", "ThorGrade", "ThorStore", "ThorSim", "ThorModel", "ThorPolicy", "ThorTestSupport"]),
        .testTarget(name: "ThorPolicyTests", dependencies: ["ThorPolicy", "ThorSim", "ThorModel", "ThorStore", "ThorJSON", "ThorGrade", "ThorFuzzSupport", "ThorTestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)
