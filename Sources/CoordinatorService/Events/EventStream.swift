import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// `GET /api/events`: the operator events as Server-Sent Events, from the `Last-Event-ID` the
/// client sends when it reconnects. The stream ends when the client goes, falls behind (it then
/// reconnects and resumes), or `serve` shuts down. A comment line every `heartbeat` keeps a quiet
/// stream open through proxies that close idle connections (nginx after 60 s), and tells the
/// client its connection is alive (`ServerClient.events` gives up on one silent for long).
enum EventStream {
    static let heartbeat: Duration = .seconds(15)

    /// The `Last-Event-ID` header of `request`, if it sent one.
    static func lastEventID(of request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "last-event-id" }?.value
    }

    static func response(_ hub: EventHub, lastEventID: String?, heartbeat: Duration = heartbeat) -> Response {
        // An id longer than any of ours is not one of ours: it gets a reload, not a parse.
        let (id, stream) = hub.attach(lastEventID: lastEventID.map { String($0.prefix(64)) })
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                let beat = Task {
                    while (try? await Task.sleep(for: heartbeat)) != nil { hub.keepAlive(id) }
                }
                defer {
                    beat.cancel()
                    hub.detach(id)
                }
                // How long a client waits before reconnecting, and the headers out at once.
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                try await withGracefulShutdownHandler {
                    for await event in stream {
                        try await writer.write(ByteBuffer(string: event.wireText))
                    }
                } onGracefulShutdown: {
                    hub.detach(id)
                }
                try await writer.finish(nil)
            })
    }
}
