import Foundation
import NIOSSL

/// The certificate authorities one service's HTTPS connections trust.
///
/// The rule, per service (GitHub, Jenkins), first match wins and is the whole trust:
/// 1. `[github] ca_file` / `[jenkins] ca_file`: that PEM bundle alone (a company CA, or a
///    self-signed Jenkins' own certificate);
/// 2. else `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (a colon-separated list of
///    directories of PEM files), together: they replace the system store, as they do for
///    OpenSSL-based tools (curl, git, Python);
/// 3. else the system trust store.
///
/// Replacing rather than adding keeps the narrowest statement the operator made: a ca_file for a
/// self-signed Jenkins trusts that certificate and nothing else for Jenkins, as `curl --cacert`
/// and git's `http.sslCAInfo` do. Verification itself (chain and host name) is never turned off.
///
/// The certificates are read once, when the configuration is loaded, so a bad file is a
/// configuration error at start-up and never a surprise in the middle of a dispatch.
public struct TLSTrust: Sendable, Hashable, CustomStringConvertible {
    /// Where the trusted certificates come from.
    public enum Source: Sendable, Hashable {
        case system
        /// `SSL_CERT_FILE` and/or `SSL_CERT_DIR` (each directory of the list).
        case environment(file: String?, directories: [String])
        /// A service's `ca_file`, with its section ("github", "jenkins").
        case caFile(section: String, path: String)
    }

    public let source: Source
    /// The roots for every source but `.system`; never empty then.
    let roots: [NIOSSLCertificate]

    /// The system trust store.
    public static let system = TLSTrust(source: .system, roots: [])

    /// The `ca_file` this trust comes from, if any.
    public var caFile: String? {
        if case let .caFile(_, path) = source { return path }
        return nil
    }

    /// How many certificates are trusted; `nil` for the system store.
    public var certificateCount: Int? { source == .system ? nil : roots.count }

    public var description: String {
        switch source {
        case .system:
            return "the system trust store"
        case let .environment(file, directories):
            let parts = (file.map { ["SSL_CERT_FILE=\($0)"] } ?? []) + (directories.isEmpty ? [] : ["SSL_CERT_DIR=\(directories.joined(separator: ":"))"])
            return parts.joined(separator: " and ") + " (\(roots.count) certificates)"
        case let .caFile(section, path):
            return "[\(section)] ca_file \(path) (\(roots.count) certificates)"
        }
    }

    /// NIO's client configuration: full certificate and host name verification against these roots.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if source != .system { configuration.trustRoots = .certificates(roots) }
        return configuration
    }

    // MARK: Loading

    /// A service's `ca_file`.
    /// - Throws: `TLSTrustError` saying why the file cannot be used (missing, unreadable, no PEM
    ///   certificate); the caller names the section and key.
    public static func caFile(_ path: String, section: String) throws -> TLSTrust {
        let roots = try certificates(inBundle: path)
        return TLSTrust(source: .caFile(section: section, path: path), roots: roots)
    }

    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` from `environment`, or `nil` when neither is set (or both
    /// are empty). In `SSL_CERT_DIR`, files that are not PEM certificates are passed over, as
    /// OpenSSL does (a certificate directory holds CRLs, READMEs, bundles); a directory list that
    /// yields no certificate at all is an error.
    /// - Throws: `TLSTrustError`, its `variable` naming the variable at fault.
    public static func environment(_ environment: [String: String]) throws -> TLSTrust? {
        let file = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let directories = (environment["SSL_CERT_DIR"] ?? "").split(separator: ":").map(String.init)
        guard file != nil || !directories.isEmpty else { return nil }
        var roots: [NIOSSLCertificate] = []
        if let file {
            do {
                roots += try certificates(inBundle: file)
            } catch var error as TLSTrustError {
                error.variable = "SSL_CERT_FILE"
                throw error
            }
        }
        if !directories.isEmpty {
            var found: [NIOSSLCertificate] = []
            for directory in directories {
                found += try certificates(inDirectory: directory)
            }
            guard !found.isEmpty else {
                throw TLSTrustError(
                    variable: "SSL_CERT_DIR",
                    reason: "\(directories.joined(separator: ":")) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            }
            roots += found
        }
        return TLSTrust(source: .environment(file: file, directories: directories), roots: unique(roots))
    }

    /// A file larger than this is not a CA bundle (the whole Mozilla store is about 200 KB).
    static let maxBundleBytes = 16 * 1024 * 1024

    /// Every certificate of the PEM bundle at `path`.
    static func certificates(inBundle path: String) throws -> [NIOSSLCertificate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TLSTrustError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw TLSTrustError(path: path, reason: "a directory, not a PEM bundle")
        }
        let data: Data
        do {
            data = try readBounded(path)
        } catch let error as TLSTrustError {
            throw error
        } catch {
            throw TLSTrustError(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(Array(data))) ?? []
        guard !certificates.isEmpty else {
            throw TLSTrustError(path: path, reason: "no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    /// The certificates of every PEM file in `directory` (symbolic links followed, subdirectories
    /// and other files passed over), in name order.
    static func certificates(inDirectory directory: String) throws -> [NIOSSLCertificate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TLSTrustError(variable: "SSL_CERT_DIR", reason: "\(directory) is not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw TLSTrustError(variable: "SSL_CERT_DIR", reason: "\(directory) cannot be listed (\(error.localizedDescription))")
        }
        var found: [NIOSSLCertificate] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            var entryIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue,
                let data = try? readBounded(path)
            else { continue }
            found += (try? NIOSSLCertificate.fromPEMBytes(Array(data))) ?? []
        }
        return found
    }

    /// The file's bytes, refusing files larger than `maxBundleBytes`.
    private static func readBounded(_ path: String) throws -> Data {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: maxBundleBytes + 1) ?? Data()
        guard data.count <= maxBundleBytes else {
            throw TLSTrustError(path: path, reason: "larger than \(maxBundleBytes / 1024 / 1024) MB, which no CA bundle is")
        }
        return data
    }

    /// `certificates` without repeats, in first-seen order (a certificate directory lists most
    /// certificates twice: by name and by hash link).
    private static func unique(_ certificates: [NIOSSLCertificate]) -> [NIOSSLCertificate] {
        var seen = Set<NIOSSLCertificate>()
        return certificates.filter { seen.insert($0).inserted }
    }
}

/// A CA bundle, certificate directory or TLS environment variable that cannot be used.
public struct TLSTrustError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable it came from (`SSL_CERT_FILE`, `SSL_CERT_DIR`), if any.
    public var variable: String?
    /// The file at fault, if one.
    public var path: String?
    /// Why, without the path.
    public var reason: String

    init(variable: String? = nil, path: String? = nil, reason: String) {
        self.variable = variable
        self.path = path
        self.reason = reason
    }

    /// "PATH: REASON" or "REASON".
    public var description: String {
        path.map { "\($0): \(reason)" } ?? reason
    }
}
