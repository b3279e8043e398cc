import Foundation
import NIOSSL

/// `[serve] tls_cert_file` and `tls_key_file`: `serve` answers HTTPS with this certificate and
/// key instead of plain HTTP.
///
/// The config loader only resolves the paths (`~`, relative to the config file, as `ca_file`) and
/// insists on both or neither. The files themselves are read by `serve` at start-up (`load`),
/// before it polls or listens: the key is the service's secret, often readable by the service
/// user alone, and no other command needs it, so a `coordinator status` under another account or
/// a cron `run` during a certificate renewal does not stop over it.
public struct ServeTLSFiles: Sendable, Equatable {
    /// The server's certificate, then any intermediates, as PEM (what a CA or certbot's
    /// `fullchain.pem` gives).
    public var certificateFile: String
    /// The certificate's private key, unencrypted PEM (PKCS#8, PKCS#1 RSA or SEC1 EC).
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Neither file is larger than this (a chain of a few certificates is a few KB).
    static let maxFileBytes = 1024 * 1024

    /// Reads and checks both files: a certificate chain, an unencrypted private key, and the key
    /// is the first certificate's.
    /// - Parameter configPath: the config file, for the error.
    /// - Throws: `ConfigError.invalidValue` naming `[serve]`, `tls_cert_file` or `tls_key_file`
    ///   and the file, with what to do. Never the key's content.
    public func load(configPath: String) throws -> ServeTLSIdentity {
        func fail(_ field: String, _ file: String, _ reason: String) -> ConfigError {
            ConfigError.invalidValue(path: configPath, section: "serve", field: field, reason: "\(file): \(reason)")
        }
        let certificateBytes = try Self.read(certificateFile) { fail("tls_cert_file", certificateFile, $0) }
        let chain = (try? NIOSSLCertificate.fromPEMBytes(certificateBytes)) ?? []
        guard !chain.isEmpty else {
            throw fail("tls_cert_file", certificateFile, "no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
        }
        let keyBytes = try Self.read(keyFile) { fail("tls_key_file", keyFile, $0) }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            // The reason is told from the PEM headers alone; the key's bytes never reach a message.
            let text = String(decoding: keyBytes, as: UTF8.self)
            if text.contains("ENCRYPTED") {
                throw fail(
                    "tls_key_file", keyFile,
                    "the private key is encrypted; serve needs it unencrypted (openssl pkey -in KEY -out KEY.pem), readable by the service user only")
            }
            if text.contains("-----BEGIN CERTIFICATE-----") {
                throw fail("tls_key_file", keyFile, "holds a certificate, not a private key: are tls_cert_file and tls_key_file swapped?")
            }
            throw fail(
                "tls_key_file", keyFile,
                "no PEM private key in it (-----BEGIN PRIVATE KEY-----, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A context is what the server makes when it starts; making one now is how BoringSSL
        // checks that the key belongs to the first certificate, while the error can still name
        // the files.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw fail(
                "tls_key_file", keyFile,
                "not the private key of the first certificate in \(certificateFile) (that file must start with the server's own certificate, then its intermediates)")
        }
        return ServeTLSIdentity(files: self, serverConfiguration: configuration)
    }

    /// The file's bytes; `fail` turns why not into the caller's error.
    private static func read(_ file: String, fail: (String) -> ConfigError) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw fail("no such file")
        }
        guard !isDirectory.boolValue else { throw fail("a directory, not a PEM file") }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
        } catch {
            throw fail("cannot be read (\((error as NSError).localizedDescription)); check that the user serve runs as may read it")
        }
        guard data.count <= maxFileBytes else {
            throw fail("larger than \(maxFileBytes / 1024 / 1024) MB, which no PEM certificate or key is")
        }
        return Array(data)
    }
}

/// A certificate chain and its private key, read and checked (`ServeTLSFiles.load`): what
/// `serve` answers HTTPS with.
public struct ServeTLSIdentity: Sendable {
    /// Where they were read from.
    public let files: ServeTLSFiles
    /// NIO's server configuration: TLS 1.2 or later, this chain and key, no client certificates.
    public let serverConfiguration: TLSConfiguration
}
