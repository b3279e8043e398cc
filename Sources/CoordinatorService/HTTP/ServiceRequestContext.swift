import Coordinator
import Hummingbird

/// The request context of `serve`'s routes: Hummingbird's basics, plus the operator a bearer token
/// named (set by `OperatorAuthentication` on `/api/*`, nil elsewhere).
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is asking, on an authenticated route.
    public var caller: AuthenticatedOperator?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        caller = nil
    }

    /// The caller, when its role covers `role`; else the `403` (or, off the authenticated
    /// routes, the `401`) to answer with. The one check an endpoint that acts makes first.
    public func requireCaller(_ role: OperatorRole) throws -> AuthenticatedOperator {
        guard let caller else { throw APIError.unauthorized }
        try caller.require(role)
        return caller
    }
}
