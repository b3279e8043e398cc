import Hummingbird

/// Request context that can drop the connection, which the `drop` fault needs and which
/// Hummingbird's basic context cannot do.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Closes the TCP connection without writing a response.
    let closeConnection: @Sendable () -> Void

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        closeConnection = { channel.close(promise: nil) }
    }

    var maxUploadSize: Int { 4 * 1024 * 1024 }
}
