import Foundation

/// What Jenkins' root answered: that the credentials work, and the version it runs.
public struct JenkinsServerInfo: Sendable, Equatable {
    /// The `X-Jenkins` header; nil behind a proxy that strips it.
    public var version: String?

    public init(version: String?) {
        self.version = version
    }
}

/// What `GET …/job/A/job/B/api/json` says about the executor job.
public struct JenkinsJobInfo: Sendable, Equatable {
    /// Jenkins' class for the item (`hudson.model.FreeStyleProject`,
    /// `com.cloudbees.hudson.plugins.folder.Folder`, …); nil when it sent none.
    public var itemClass: String?
    /// The names of the job's build parameters, in Jenkins' order; empty for a job without any.
    public var parameters: [String]

    public init(itemClass: String?, parameters: [String]) {
        self.itemClass = itemClass
        self.parameters = parameters
    }

    /// A folder (or an organisation or multibranch project): something that holds jobs rather
    /// than being one, so it cannot be built with parameters.
    public var isFolder: Bool {
        guard let itemClass else { return false }
        return itemClass.hasSuffix(".Folder") || itemClass.hasSuffix("OrganizationFolder")
            || itemClass.hasSuffix("WorkflowMultiBranchProject")
    }
}

/// The requests `coordinator doctor` makes of Jenkins, through the client's own request helpers
/// (the credentials in one header, one attempt, the same error wording).
extension JenkinsClient {
    /// `GET /api/json`: whether Jenkins answers these credentials at all.
    public func serverInfo() async throws -> JenkinsServerInfo {
        let url = "\(serverURL)/api/json?tree=mode"
        let answer = try await get(url)
        switch answer.status {
        case 200:
            // A login page or a proxy's page answers 200 too; only Jenkins answers JSON.
            do {
                _ = try answer.decoded(JenkinsRootPayload.self)
            } catch {
                throw JenkinsError.malformed(url: url, message: error.message)
            }
            return JenkinsServerInfo(version: answer.header("x-jenkins"))
        case 401:
            throw JenkinsError.unauthorized(url: url)
        default:
            throw JenkinsError.http(status: answer.status, url: url, message: answer.errorText)
        }
    }

    /// The job at `jobPath` ("A/B") with its parameter names; `JenkinsError.jobNotFound` for a `404`.
    public func jobInfo(path jobPath: String) async throws -> JenkinsJobInfo {
        let jobURLPath = Self.jobURLPath(jobPath)
        let url = serverURL + jobURLPath + "/api/json?tree=" + HTTPEncoding.queryComponent(Self.jobTree)
        guard !jobURLPath.isEmpty else { throw JenkinsError.jobNotFound(jobPath: jobPath, url: url) }
        let payload: JenkinsJobPayload
        do {
            payload = try await getJSON(url, as: JenkinsJobPayload.self).payload
        } catch JenkinsError.http(status: 404, url: _, message: _) {
            throw JenkinsError.jobNotFound(jobPath: jobPath, url: url)
        }
        let names = (payload.property ?? [])
            .filter { $0.itemClass == "hudson.model.ParametersDefinitionProperty" }
            .flatMap { $0.parameterDefinitions ?? [] }
            .compactMap(\.name)
        return JenkinsJobInfo(itemClass: payload.itemClass, parameters: names)
    }

    /// Only what `jobInfo` reads (`_class` comes with every object).
    static let jobTree = "property[parameterDefinitions[name]]"
}

private struct JenkinsRootPayload: Decodable {}

private struct JenkinsJobPayload: Decodable {
    struct Property: Decodable {
        struct Definition: Decodable { var name: String? }
        var itemClass: String?
        var parameterDefinitions: [Definition]?

        enum CodingKeys: String, CodingKey {
            case parameterDefinitions
            case itemClass = "_class"
        }
    }
    var itemClass: String?
    var property: [Property]?

    enum CodingKeys: String, CodingKey {
        case property
        case itemClass = "_class"
    }
}
