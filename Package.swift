// swift-tools-version:6.1
//
// swift-asyncio: MicroPython's asyncio programming model for Swift on Linux,
// on a native io_uring core. See docs/architecture.md for the layers.

import PackageDescription

let strictSwift: [SwiftSetting] = [
    // Plain `nonisolated async` helpers run on the caller's executor, so the loop's
    // code never hops to another thread (docs/decisions/0001-loop-executor.md).
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-asyncio",
    products: [
        .library(name: "AsyncIO", targets: ["AsyncIO"]),
        .library(name: "URing", targets: ["URing"]),
        .library(name: "AsyncIOCamera", targets: ["AsyncIOCamera"]),
        .library(name: "AsyncIOHTTP", targets: ["AsyncIOHTTP"]),
        .executable(name: "asyncio-demo", targets: ["asyncio-demo"]),
        .executable(name: "echo-server", targets: ["echo-server"]),
        .executable(name: "http-server", targets: ["http-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // HTTPRequest, HTTPResponse, HTTPFields; without the trait that imports Foundation.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
    ],
    targets: [
        // Layer 0: liburing (Debian liburing-dev) plus the few shims Swift cannot import.
        .target(
            name: "CURing",
            path: "CSupport/CURing",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("uring")]
        ),
        // Linux headers the Glibc module omits: eventfd, epoll (the fallback backend).
        .target(name: "CLinuxSys", path: "CSupport/CLinuxSys", cSettings: [.define("_GNU_SOURCE")]),
        // <linux/videodev2.h> constants and structs Swift cannot import.
        .target(name: "CV4L2", path: "CSupport/CV4L2", cSettings: [.define("_GNU_SOURCE")]),
        // libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev), for the demo's JPEG encoding.
        .target(name: "CTurboJPEG", path: "CSupport/CTurboJPEG", linkerSettings: [.linkedLibrary("turbojpeg")]),
        // Layer 1: the synchronous ring (no concurrency).
        .target(
            name: "URing",
            dependencies: [
                "CURing",
            ],
            swiftSettings: strictSwift
        ),
        // Layer 2: the runtime and the public MicroPython-style API.
        .target(
            name: "AsyncIO",
            dependencies: [
                "URing",
                "CLinuxSys",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strictSwift
        ),
        // Layer 3: zero-copy camera capture (V4L2) on the loop.
        .target(
            name: "AsyncIOCamera",
            dependencies: ["AsyncIO", "CV4L2", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // Layer 3: HTTP/1.1 on streams, strict and bounded (swift-http-types).
        .target(
            name: "AsyncIOHTTP",
            dependencies: [
                "AsyncIO",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "asyncio-demo",
            dependencies: ["DemoServer"],
            swiftSettings: strictSwift
        ),
        // The demo's camera-to-browser server (MJPEG over HTTP); asyncio-demo runs it.
        .target(
            name: "DemoServer",
            dependencies: [
                "AsyncIO", "AsyncIOCamera", "AsyncIOHTTP", "CTurboJPEG", "ServerSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "example-coordination", dependencies: ["AsyncIO"],
            path: "Examples/coordination", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-primitives", dependencies: ["AsyncIO"],
            path: "Examples/primitives", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-custom-async-objects", dependencies: ["AsyncIO"],
            path: "Examples/custom-async-objects", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-pitfalls", dependencies: ["AsyncIO"],
            path: "Examples/pitfalls", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-networking", dependencies: ["AsyncIO"],
            path: "Examples/networking", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-frame-capture", dependencies: ["AsyncIO", "AsyncIOCamera"],
            path: "Examples/frame-capture", swiftSettings: strictSwift),
        // The example servers (tests and the peer comparison use them).
        .target(name: "ServerSupport", dependencies: ["AsyncIO"], swiftSettings: strictSwift),
        .executableTarget(name: "echo-server", dependencies: ["AsyncIO", "ServerSupport"], swiftSettings: strictSwift),
        .executableTarget(
            name: "http-server",
            dependencies: ["AsyncIO", "AsyncIOHTTP", "ServerSupport", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strictSwift),
        // Runnable examples of the tutorial in docs/ (CI builds them).
        .executableTarget(
            name: "example-cooperative-scheduling", dependencies: ["AsyncIO"],
            path: "Examples/cooperative-scheduling", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-tasks", dependencies: ["AsyncIO"],
            path: "Examples/tasks", swiftSettings: strictSwift),
        .executableTarget(
            name: "example-event-loop", dependencies: ["AsyncIO"],
            path: "Examples/event-loop", swiftSettings: strictSwift),
        .target(
            name: "AsyncIOTestSupport",
            dependencies: ["AsyncIO"],
            path: "Tests/AsyncIOTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "URingTests",
            dependencies: ["URing", "CURing", "CLinuxSys"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "AsyncIOCameraTests",
            dependencies: ["AsyncIOCamera", "AsyncIO", "AsyncIOTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "DemoTests",
            dependencies: ["DemoServer", "AsyncIO", "AsyncIOCamera", "AsyncIOTestSupport"],
            swiftSettings: strictSwift
        ),
        // MicroPython's own asyncio tests (tests/extmod/asyncio_*.py and the network ones),
        // ported one Swift test per file and checked against its expected output.
        .testTarget(
            name: "MicroPythonConformanceTests",
            dependencies: ["AsyncIO", "AsyncIOTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "AsyncIOHTTPTests",
            dependencies: ["AsyncIOHTTP", "AsyncIO", "AsyncIOTestSupport", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "AsyncIOTests",
            dependencies: ["AsyncIO", "AsyncIOTestSupport"],
            swiftSettings: strictSwift
        ),
    ]
)
