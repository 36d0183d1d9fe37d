// swift-tools-version:6.2
//
// The Swift peers of the network comparison (docs/benchmarks.md, "Network
// peer comparison"; run by scripts/bench-net.sh). A package of its own, apart
// from Benchmarks/Package.swift, so that neither the library nor the
// micro-benchmarks build SwiftNIO or Hummingbird.
//
//   nio-echo        SwiftNIO echo server, ChannelHandler style
//   nio-async-echo  SwiftNIO echo server, NIOAsyncChannel style
//   nio-http        SwiftNIO NIOHTTP1 server: GET / "Hello, World!", POST /echo
//   hb-http         Hummingbird 2 server: the same two routes
//
// Each takes `--host H --port P`, prints `listening on H:P` once bound, and
// runs on one NIO event loop thread (the benchmark pins it to one CPU).

import PackageDescription

let package = Package(
    name: "net-peers",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(name: "PeerSupport", dependencies: [.product(name: "NIOPosix", package: "swift-nio")]),
        .executableTarget(
            name: "nio-echo",
            dependencies: ["PeerSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .executableTarget(
            name: "nio-async-echo",
            dependencies: ["PeerSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .executableTarget(
            name: "nio-http",
            dependencies: [
                "PeerSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "hb-http",
            dependencies: ["PeerSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOPosix", package: "swift-nio")]),
    ]
)
