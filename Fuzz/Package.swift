// swift-tools-version:6.1
//
// libFuzzer harnesses for swift-asyncio's parsers, in a package of their own:
// they link libFuzzer's main, so they build only with -sanitize=fuzzer.
//   make fuzz-http FUZZ_SECONDS=60

import PackageDescription

let package = Package(
    name: "swift-asyncio-fuzz",
    dependencies: [
        .package(name: "swift-asyncio", path: "../"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "HTTPParserFuzzer",
            dependencies: [
                .product(name: "AsyncIOHTTP", package: "swift-asyncio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
