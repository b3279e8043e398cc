import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS

/// The certificate and key a Sandbox serves HTTPS with (`SandboxServer.start(…, tls:)`).
///
/// Meant for test CAs such as `Tests/Fixtures/tls/`: the coordinator is then pointed at the CA
/// through `[github] ca_file`, `[jenkins] ca_file` or `SSL_CERT_FILE`, exactly as it would be at a
/// company Jenkins with a certificate of its own.
public struct SandboxTLS: Sendable {
    /// The server certificate, then any intermediates, as PEM.
    public var certificateChainPEM: String
    /// The server certificate's private key, as PEM.
    public var privateKeyPEM: String

    public init(certificateChainPEM: String, privateKeyPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Reads both PEM files.
    /// - Throws: `SandboxTLSError` naming the file that cannot be read.
    public init(certificateFile: String, keyFile: String) throws {
        func read(_ path: String, _ what: String) throws -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SandboxTLSError(message: "cannot read the TLS \(what) \(path): \(error.localizedDescription)")
            }
        }
        self.init(certificateChainPEM: try read(certificateFile, "certificate"), privateKeyPEM: try read(keyFile, "key"))
    }

    /// HTTP/1.1 inside TLS 1.2 or 1.3 with this certificate and key.
    /// - Throws: `SandboxTLSError` when either is not PEM of its kind.
    func serverBuilder() throws -> HTTPServerBuilder {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
        } catch {
            throw SandboxTLSError(message: "the TLS certificate is not a PEM certificate: \(error)")
        }
        guard !chain.isEmpty else {
            throw SandboxTLSError(message: "the TLS certificate holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw SandboxTLSError(message: "the TLS key is not a PEM private key: \(error)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch {
            throw SandboxTLSError(message: "the TLS certificate and key cannot be used together: \(error)")
        }
    }
}

/// A Sandbox TLS certificate or key that cannot be used.
public struct SandboxTLSError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
