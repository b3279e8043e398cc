import Foundation
import NIOSSL

/// The service a transport talks to: names the config section an operator fixes.
enum HTTPService: String, Sendable {
    case github, jenkins
    /// `serve`, for a console or command attached to it.
    case serve

    /// The key that holds this service's host name.
    var urlKey: String {
        switch self {
        case .github: return "api_url (or repo_url)"
        case .jenkins: return "server_url"
        case .serve: return "--server (or [client] server_url)"
        }
    }
}

/// Recognises a TLS certificate the client refused and words it as the operator's fix, not as a
/// network fault: a certificate that will not be trusted on the next attempt either is a
/// configuration matter (`ca_file`, `SSL_CERT_FILE`, the URL's host name).
enum CertificateFailure {
    /// A transport failure worded for the operator when `error` is a refused server certificate,
    /// else `nil`. Never retriable (the next attempt meets the same certificate), and the request
    /// never left: the handshake failed before anything was sent.
    static func transportFailure(_ error: Error, url: String, service: HTTPService) -> HTTPTransportFailure? {
        message(error, host: host(of: url), service: service).map {
            HTTPTransportFailure(message: $0, retriable: false, mayHaveArrived: false)
        }
    }

    static func message(_ error: Error, host: String, service: HTTPService) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "TLS certificate of \(host) is not valid for that host name (it names other hosts): "
                + "use a host name the certificate names in [\(service.rawValue)] \(service.urlKey)"
        }
        if case let .handshakeFailed(.sslError(stack))? = error as? NIOSSLError,
            stack.contains(where: { $0.description.contains("CERTIFICATE_VERIFY_FAILED") })
        {
            return "TLS certificate of \(host) not trusted (certificate verify failed): "
                + "set [\(service.rawValue)] ca_file to the CA bundle, or SSL_CERT_FILE"
        }
        return nil
    }

    /// The host of `url` (without brackets for IPv6), or `url` itself if it has none.
    static func host(of url: String) -> String {
        URLComponents(string: url)?.host.flatMap { $0.isEmpty ? nil : $0 } ?? url
    }
}
