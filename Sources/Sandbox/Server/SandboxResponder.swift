import Foundation
import Hummingbird

/// Bridges Hummingbird to the Sandbox: control requests go to the control API; everything
/// else passes the fault gate, then the simulated GitHub or Jenkins.
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext

    let world: SandboxWorld
    /// Host used in absolute URLs when a client sends no `Host` header (HTTP/1.0).
    let fallbackAuthority: String
    /// "http" or "https": the scheme of the absolute URLs in answers (`Link`, `Location`).
    var scheme = "http"

    struct ConnectionDropped: Error {}

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body: Data
        do {
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            body = Data(buffer.readableBytesView)
        } catch {
            return Self.convert(.json(413, .object([("message", .string("Request body too large"))])))
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let authority = request.head.authority ?? headers["host"] ?? fallbackAuthority
        let incoming = IncomingRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: headers, body: body, origin: "\(scheme)://\(authority)"
        )

        let segments = incoming.pathSegments
        if segments.first == ControlAPI.prefix {
            let response = await ControlAPI(world: world).handle(incoming, segments: Array(segments.dropFirst()))
            return Self.convert(response)
        }

        switch await world.takeFault(method: incoming.method, path: incoming.path) {
        case .drop(let milliseconds)?:
            if milliseconds > 0 { try await Task.sleep(for: .milliseconds(milliseconds)) }
            await world.record(incoming, status: 0)
            context.closeConnection()
            throw ConnectionDropped()
        case .status(let status, let faultHeaders, let faultBody)?:
            await world.record(incoming, status: status)
            var response = OutgoingResponse(
                status: status,
                headers: [("Content-Type", "application/json; charset=utf-8")] + faultHeaders.sorted { $0.key < $1.key },
                body: Data((faultBody ?? JSONValue.object([("message", .string("Sandbox fault: HTTP \(status)"))]).serialized).utf8)
            )
            if status == 304 || status == 204 { response.body = Data() }
            return Self.convert(response)
        case .delay(let milliseconds)?:
            try await Task.sleep(for: .milliseconds(milliseconds))
        case .loseAnswer?:
            // The world changes (and logs the real status); the client never hears of it.
            _ = await world.respond(to: incoming)
            context.closeConnection()
            throw ConnectionDropped()
        case .endlessPages?:
            var response = await world.respond(to: incoming)
            if (200..<300).contains(response.status) {
                response.headers.removeAll { $0.0.lowercased() == "link" }
                response.headers.append(("Link", IssueListing.paging(incoming).endlessLinkHeader(request: incoming)))
            }
            return Self.convert(response)
        case nil:
            break
        }
        return Self.convert(await world.respond(to: incoming))
    }

    private static func convert(_ response: OutgoingResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            // HTTPField is reachable only through HTTPFields, which Hummingbird re-exports.
            guard let fieldName = HTTPFields.Element.Name(name) else { continue }
            fields.append(HTTPFields.Element(name: fieldName, value: value))
        }
        let body: ResponseBody = response.body.isEmpty ? .init() : .init(byteBuffer: ByteBuffer(bytes: response.body))
        return Response(status: HTTPResponse.Status(code: response.status), headers: fields, body: body)
    }
}
