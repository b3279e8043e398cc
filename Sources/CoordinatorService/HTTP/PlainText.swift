import Hummingbird

/// The daemon's short answers: one line of text for a person reading `curl` output or GitHub's
/// "Recent Deliveries" page.
enum PlainText {
    static func response(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        return Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: line)))
    }
}
