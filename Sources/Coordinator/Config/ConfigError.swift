/// A configuration problem, worded so the user can fix it: the file, the section, the field.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No config file; a commented template was written at `path`.
    case templateWritten(path: String)
    case unreadable(path: String, reason: String)
    case invalidTOML(path: String, line: Int, column: Int, reason: String)
    /// Fields missing, per section, all reported together.
    case missingFields(path: String, missing: [MissingFields])
    case invalidValue(path: String, section: String, field: String, reason: String)
    case noRepositories(path: String)
    case unknownRepository(path: String, name: String, known: [String])
    case unreadableLabelsFile(path: String, reason: String)
    case invalidLabelsFile(path: String, reason: String)
    case labelMappingMismatch(source: String, problems: [String])
    /// `[coordinator.workflows]` in `path` does not fit the label set from `labelSource` (a labels
    /// file, or the built-in set); each problem names its workflow and key.
    case workflowMismatch(path: String, labelSource: String, problems: [String])
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR` names something that holds no usable certificate.
    case unusableTLSEnvironment(variable: String, reason: String)

    public struct MissingFields: Sendable, Equatable {
        public var section: String
        public var fields: [String]

        public init(section: String, fields: [String]) {
            self.section = section
            self.fields = fields
        }
    }

    public var description: String {
        switch self {
        case let .templateWritten(path):
            return """
                No config file at \(path). A commented template was written there: fill in [github] token, \
                [jenkins] server_url/username/api_token, and one [coordinator.repos.NAME] section per repository \
                (repo_url, executor_job_path, github_credentials_id), then run again.
                """
        case let .unreadable(path, reason):
            return "Cannot read config file \(path): \(reason)"
        case let .invalidTOML(path, line, column, reason):
            return "Invalid TOML in \(path) at line \(line), column \(column): \(reason)"
        case let .missingFields(path, missing):
            let parts = missing.map { "[\($0.section)] is missing \($0.fields.joined(separator: ", "))" }
            return "Config \(path): " + parts.joined(separator: "; ")
        case let .invalidValue(path, section, field, reason):
            return "Config \(path): [\(section)] \(field): \(reason)"
        case let .noRepositories(path):
            return "Config \(path) has no [coordinator.repos.NAME] section: add one per repository"
        case let .unknownRepository(path, name, known):
            return "No repository '\(name)' in \(path); configured: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case let .unreadableLabelsFile(path, reason):
            return "Cannot read labels file \(path): \(reason)"
        case let .invalidLabelsFile(path, reason):
            return "Labels file \(path) is not in the labels.json shape: \(reason)"
        case let .labelMappingMismatch(source, problems):
            return "The workflow mapping does not fit the label set from \(source): " + problems.joined(separator: "; ")
        case let .workflowMismatch(path, labelSource, problems):
            let fix = labelSource == ConfigLoader.builtInLabelSource
                ? "set [coordinator] labels_file to a labels.json that defines the labels, or change the workflows"
                : "change the workflows or the labels file"
            return "Config \(path): the workflows do not fit the label set from \(labelSource): "
                + problems.joined(separator: "; ") + " (\(fix))"
        case let .unusableTLSEnvironment(variable, reason):
            let wanted = variable == "SSL_CERT_DIR" ? "directories of PEM certificates (separated by ':')" : "a PEM CA bundle"
            return "\(variable): \(reason); point it to \(wanted), or unset it to trust the system store"
        }
    }
}
