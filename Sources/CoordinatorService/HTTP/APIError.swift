import Coordinator
import Foundation
import Hummingbird

/// An error of the operator API, answered as `{"error": CODE, "message": …}` (`APIErrorDocument`)
/// with its HTTP status. Messages never hold a token.
public struct APIError: HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    /// `unauthorized`, `forbidden`, `not_found`, `bad_request`, `internal_error`.
    public var code: String
    public var message: String

    public init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized",
        message: "missing or unknown API token: send Authorization: Bearer <an operator's token>")

    public static func forbidden(operator name: String, role: OperatorRole, needed: OperatorRole) -> APIError {
        APIError(
            status: .forbidden, code: "forbidden",
            message: "operator \(name) has role \(role.rawValue); this needs role \(needed.rawValue)")
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(status: .internalServerError, code: "internal_error", message: message)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = APIJSON.response(APIErrorDocument(error: code, message: message), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// The API's JSON answers: `JSONText` (sorted keys, snake_case), `application/json`.
enum APIJSON {
    static func response(_ document: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        var status = status
        do {
            data = try JSONText.data(document)
        } catch {
            status = .internalServerError
            data = Data(#"{"error":"internal_error","message":"the answer could not be encoded"}"#.utf8)
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
