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
        // Peers of the primitive benchmarks only: AsyncChannel, and Deque for
        // the actor twins (the library's own queues use it too).
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The clock, the loop thread and the switch hand-off every target shares.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "AsyncIO", package: "swift-asyncio")],
            path: "Sources/BenchmarkSupport"
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AsyncIO", package: "swift-asyncio"),
                "BenchmarkSupport",
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The default-executor twins again, outside the harness, so that the
        // default executor has its whole cooperative pool (see its main.swift).
        .executableTarget(
            name: "DefaultExecutorFullPool",
            dependencies: ["BenchmarkSupport"],
            path: "Sources/DefaultExecutorFullPool"
        ),
        // Camera completion-to-user latency, zero-copy beside copying (docs/benchmarks.md, "Camera").
        .executableTarget(
            name: "CameraLatency",
            dependencies: [
                .product(name: "AsyncIO", package: "swift-asyncio"),
                .product(name: "AsyncIOCamera", package: "swift-asyncio"),
                "BenchmarkSupport",
            ],
            path: "Sources/CameraLatency"
        ),
        // Synchronisation primitives (Event, Lock, Queue) beside actor twins on
        // the default executor and AsyncChannel. The workloads live in a library
        // so that the harness target and the full-pool runner share them.
        // Run: scripts/bench-primitives.sh
        .target(
            name: "PrimitiveWorkloads",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "AsyncIO", package: "swift-asyncio"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/PrimitiveWorkloads"
        ),
        .executableTarget(
            name: "PrimitiveBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "PrimitiveWorkloads",
            ],
            path: "Benchmarks/PrimitiveBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The default-executor twins and AsyncChannel again, from `main`, with
        // the whole cooperative pool (as DefaultExecutorFullPool does for the core).
        .executableTarget(
            name: "PrimitivesFullPool",
            dependencies: ["PrimitiveWorkloads"],
            path: "Sources/PrimitivesFullPool"
        ),
        // The loop workloads outside the harness, for quick checks and profiling.
        .executableTarget(
            name: "PrimitivesLoop",
            dependencies: ["PrimitiveWorkloads"],
            path: "Sources/PrimitivesLoop"
        ),
    ]
)
