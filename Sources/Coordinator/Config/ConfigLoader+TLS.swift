import Foundation

extension ConfigLoader {
    /// What GitHub's and Jenkins' certificates are checked against (the rule is `TLSTrust`'s):
    /// each service's `ca_file`, else `SSL_CERT_FILE` / `SSL_CERT_DIR`, else the system store.
    ///
    /// A `ca_file` is resolved like `labels_file` (`~`, relative to the config file) and read now:
    /// a missing, unreadable or non-PEM file is a config error naming the file, section and key.
    /// The environment is read only when a service has no `ca_file`, so a stale `SSL_CERT_FILE`
    /// does not stop a configuration that never uses it.
    static func tlsTrust(
        githubCAFile: String?, jenkinsCAFile: String?, path: String, environment: [String: String]
    ) throws -> (github: TLSTrust, jenkins: TLSTrust) {
        func caFile(_ value: String?, section: String) throws -> TLSTrust? {
            guard let value, !value.isEmpty else { return nil }
            let resolved = resolveRelative(expandTilde(value, environment: environment), to: path)
            do {
                return try TLSTrust.caFile(resolved, section: section)
            } catch let error as TLSTrustError {
                throw ConfigError.invalidValue(path: path, section: section, field: "ca_file", reason: error.description)
            }
        }
        let github = try caFile(githubCAFile, section: "github")
        let jenkins = try caFile(jenkinsCAFile, section: "jenkins")
        var fallback = TLSTrust.system
        if github == nil || jenkins == nil {
            do {
                fallback = try TLSTrust.environment(environment) ?? .system
            } catch let error as TLSTrustError {
                throw ConfigError.unusableTLSEnvironment(variable: error.variable ?? "SSL_CERT_FILE", reason: error.description)
            }
        }
        return (github ?? fallback, jenkins ?? fallback)
    }
}
