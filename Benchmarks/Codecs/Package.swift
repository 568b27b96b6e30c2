// swift-tools-version: 6.1
// Benchmarks of the signal codecs (`scripts/bench-signals`). A package of its own, depending on the root package
// by path, so that `swift build --build-tests` of the root package never builds the benchmark dependencies.
import PackageDescription

let package = Package(
    name: "AssentCodecBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "assent", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SignalCodecs",
            dependencies: [
                .product(name: "AssentCore", package: "assent"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SignalCodecs",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
