import _CryptoExtras
import Foundation

extension Scenario {
    /// `github.apps`: unique ids, a public key swift-crypto reads, installations on repositories
    /// the scenario has, a token lifetime GitHub could give.
    func validateApps(repositories: Set<String>, fail: (String, String) -> ScenarioError) throws {
        var appIDs = Set<Int>()
        var installationIDs = Set<Int>()
        for (a, app) in github.apps.enumerated() {
            let at = "github.apps[\(a)]"
            guard app.id > 0, appIDs.insert(app.id).inserted else { throw fail("\(at).id", "must be positive and unique") }
            guard (try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM)) != nil else {
                throw fail("\(at).public_key_pem", "is not an RSA public key in PEM (2048 bits or more)")
            }
            guard (1...86_400).contains(app.tokenTTLSeconds) else {
                throw fail("\(at).token_ttl_seconds", "must be from 1 to 86400")
            }
            for (i, installation) in app.installations.enumerated() {
                let where_ = "\(at).installations[\(i)]"
                guard installation.id > 0, installationIDs.insert(installation.id).inserted else {
                    throw fail("\(where_).id", "must be positive and unique across apps")
                }
                for repo in installation.repositories where !repositories.contains(repo.lowercased()) {
                    throw fail("\(where_).repositories", "\(repo) is not a repository of the scenario (owner/name)")
                }
            }
        }
    }
}
