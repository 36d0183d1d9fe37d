// swift-tools-version:6.1
//
// Runtime micro-benchmarks for swift-asyncio, each beside a twin on Swift's
// default executor (docs/benchmarks.md). A package of its own so that the
// library does not depend on the benchmark harness. Run: scripts/bench-core.sh

import PackageDescription

let package = Package(
    name: "swift-asyncio-benchmarks",
    dependencies: [
        // `name:` because a path dependency's identity is its folder's name,
        // which differs between checkouts (and CI's clone).
        .package(name: "swift-asyncio", path: "../"),
        // The trait list replaces the harness's defaults: it leaves out its
        // Swift 6.3 ARC runtime interposer (not needed for these metrics).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AsyncIO", package: "swift-asyncio"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The default-executor twins again, outside the harness, so that the
        // default executor has its whole cooperative pool (see its main.swift).
        .executableTarget(
            name: "DefaultExecutorFullPool",
            path: "Sources/DefaultExecutorFullPool"
        ),
    ]
)
