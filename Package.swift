// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coordinator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "coordinator", targets: ["CoordinatorTUI"]),
        .library(name: "Coordinator", targets: ["Coordinator"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .executable(name: "coordinator-benchmarks", targets: ["CoordinatorBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "Coordinator",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                // `[serve.operators.*]`: SHA-256 of the operators' bearer tokens.
                .product(name: "Crypto", package: "swift-crypto"),
                // GitHub App authentication: RS256 signing of the App's JWT (PKCS#1 v1.5, SHA-256).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Sandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Verifying a GitHub App's RS256 JWT, as GitHub does.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Scenarios")]
        ),
        // `coordinator serve`: the webhook receiver, health, metrics and status API over the core.
        // The only target with a server of its own, so `Coordinator` stays free of one.
        .target(
            name: "CoordinatorService",
            dependencies: [
                "Coordinator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                // `[serve] tls_cert_file` / `tls_key_file`: HTTPS without a proxy in front.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The shared store of several `serve` instances on PostgreSQL: connections, migrations,
        // advisory locks. Only this target (and its tests) imports PostgresNIO.
        .target(
            name: "CoordinatorPostgres",
            dependencies: [
                "CoordinatorService",
                "Coordinator",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The console's pure half (state, reducer, effects, render to a grid): a library so the
        // benchmarks can drive it without a terminal.
        .target(
            name: "CoordinatorConsole",
            dependencies: ["Coordinator"]
        ),
        .executableTarget(
            name: "CoordinatorTUI",
            dependencies: [
                "Coordinator",
                "CoordinatorConsole",
                "CoordinatorService",
                "CoordinatorPostgres",
                "Sandbox",
                "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CoordinatorBenchmarks",
            dependencies: [
                "Coordinator", "CoordinatorConsole", "CoordinatorService", "CoordinatorPostgres", "Sandbox",
                // `serve-events`: clients of the event stream over real HTTP.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/CoordinatorBenchmarks"
        ),
        // Helpers every test target shares (polling); XCTest only.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "CoordinatorTests",
            dependencies: [
                "Coordinator", "Sandbox", "TestSupport",
                // The PostgreSQL store under the core, against a TemporaryPostgres and the Sandbox.
                "CoordinatorPostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                // Throw-away GitHub App keys, made per test: no private key is committed.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "CoordinatorServiceTests",
            dependencies: [
                "CoordinatorService", "Coordinator", "Sandbox", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CoordinatorPostgresTests",
            dependencies: [
                "CoordinatorPostgres", "Coordinator", "CoordinatorService", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "SandboxTests",
            dependencies: [
                "Sandbox", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CoordinatorTUITests",
            dependencies: [
                "CoordinatorTUI", "CoordinatorConsole", "Coordinator", "Sandbox", "TestSupport",
                // The console as a GitHub App: a throw-away key made per test.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ]
)
