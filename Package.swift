// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "assent",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .executable(name: "assent", targets: ["assent"]),
        .library(name: "AssentCore", targets: ["AssentCore"]),
        .library(name: "AssentStore", targets: ["AssentStore"]),
        .library(name: "AssentSQLite", targets: ["AssentSQLite"]),
        .library(name: "AssentPostgres", targets: ["AssentPostgres"]),
        .library(name: "AssentServer", targets: ["AssentServer"]),
        .library(name: "AssentMail", targets: ["AssentMail"]),
        .library(name: "AssentKit", targets: ["AssentKit"]),
        .library(name: "AssentScanner", targets: ["AssentScanner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        .target(
            name: "AssentCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentStore",
            dependencies: [
                "AssentCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentSQLite",
            dependencies: [
                "AssentStore", "AssentCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentPostgres",
            dependencies: [
                "AssentStore", "AssentCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentServer",
            dependencies: [
                "AssentCore", "AssentStore", "AssentSQLite", "AssentPostgres", "AssentMail", "AssentScanner",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentKit",
            dependencies: ["AssentCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: upcoming
        ),
        .target(
            name: "AssentScanner",
            dependencies: [
                "AssentCore",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent",
            dependencies: [
                "AssentServer", "AssentScanner", "AssentCore", "AssentStore", "AssentSQLite", "AssentPostgres",
                "AssentMail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent-echo-bench",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/EchoServer",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent-ledger-bench",
            dependencies: [
                "AssentCore", "AssentStore", "AssentSQLite", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LedgerBench",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent-ledger-fill",
            dependencies: [
                "AssentCore", "AssentStore", "AssentServer", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LedgerFill",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent-console-seed",
            dependencies: [
                "AssentCore", "AssentStore", "AssentServer", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ConsoleSeed",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "assent-scan-bench",
            dependencies: [
                "AssentCore", "AssentScanner", "ScanFixtureSite", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ScanBench",
            swiftSettings: upcoming
        ),
        // The scanner's fixture site (a publisher, a tracker and a real Assent server on loopback): a library so that
        // the scanner's tests and its benchmark share it.
        .target(
            name: "ScanFixtureSite",
            dependencies: [
                "AssentScanner", "AssentCore", "AssentServer", "AssentStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ScanFixtureSite",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentCoreTests",
            dependencies: ["AssentCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentStoreTests",
            dependencies: [
                "AssentStore", "AssentCore", "AssentSQLite", "AssentPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentServerTests",
            dependencies: [
                "AssentServer", "AssentCore", "AssentStore", "AssentSQLite", "AssentPostgres",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentScannerTests",
            dependencies: [
                "AssentScanner", "AssentCore", "AssentServer", "AssentStore", "AssentSQLite", "ScanFixtureSite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentMailTests",
            dependencies: ["AssentMail"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AssentKitTests",
            dependencies: [
                "AssentKit", "AssentCore", "AssentServer", "AssentStore", "AssentSQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
    ]
)
