import Coordinator
import Hummingbird
import Logging

/// An operator whose bearer token was recognised: what a handler knows about who asks. Never the
/// token.
public struct AuthenticatedOperator: Sendable, Equatable {
    public var name: String
    public var role: OperatorRole

    public init(name: String, role: OperatorRole) {
        self.name = name
        self.role = role
    }

    /// Throws the `403` when this operator's role does not cover `needed`.
    public func require(_ needed: OperatorRole) throws {
        guard role.allows(needed) else { throw APIError.forbidden(operator: name, role: role, needed: needed) }
    }
}

/// The configured operators, and who an `Authorization` header names.
///
/// The presented token is hashed (SHA-256, as the config keeps it) and its digest compared with
/// every operator's digest in constant time, all of them, with no early exit: how long a guess
/// takes says nothing about which bytes, or which operator, it came close to.
struct OperatorDirectory: Sendable {
    let operators: [ServeOperator]
    /// `ConstantTime.equal`; a test swaps in a counting one.
    let compare: @Sendable ([UInt8], [UInt8]) -> Bool

    /// nil without any operator: then the API is not served at all.
    init?(_ operators: [ServeOperator], compare: @escaping @Sendable ([UInt8], [UInt8]) -> Bool = ConstantTime.equal) {
        guard !operators.isEmpty else { return nil }
        self.operators = operators
        self.compare = compare
    }

    /// The operator `authorization` (`Bearer <token>`, the scheme in any case, as RFC 9110
    /// allows) names, or nil.
    func authenticate(authorization: String?) -> AuthenticatedOperator? {
        guard let token = Self.bearerToken(authorization) else { return nil }
        let presented = TokenDigest(of: token).bytes
        var found: ServeOperator?
        for candidate in operators {
            // Every operator is compared, whatever matched before.
            let matches = compare(presented, candidate.tokenDigest.bytes)
            if matches, found == nil { found = candidate }
        }
        return found.map { AuthenticatedOperator(name: $0.name, role: $0.role) }
    }

    /// The token of a `Bearer` header; nil for another scheme or an empty token.
    static func bearerToken(_ authorization: String?) -> Substring? {
        guard let authorization else { return nil }
        let scheme = "bearer "
        guard authorization.utf8.count > scheme.utf8.count, authorization.prefix(scheme.count).lowercased() == scheme else { return nil }
        return authorization.dropFirst(scheme.count)
    }
}

extension TokenDigest {
    init(of token: Substring) { self.init(of: String(token)) }
}

/// Comparison whose time depends only on the lengths (public: digests are 32 bytes), never on
/// where the bytes differ.
enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// `/api/*`'s gate: a request without a valid bearer token gets `401` and goes no further; with
/// one, the operator is put in the context (and its name in the log metadata) for the handler.
/// The token is never logged or echoed.
struct OperatorAuthentication: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let directory: OperatorDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = directory.authenticate(authorization: request.headers[.authorization]) else {
            context.logger.info("API request refused: no valid bearer token", metadata: ["http.path": .string(request.uri.path)])
            throw APIError.unauthorized
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "operator"] = .string(caller.name)
        context.logger.debug("API request", metadata: ["http.method": .string(request.method.rawValue), "http.path": .string(request.uri.path)])
        return try await next(request, context)
    }
}
