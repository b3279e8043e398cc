import _CryptoExtras

/// `ServeHarness` as a GitHub App: the key is made per test (only its public half goes to the
/// Sandbox) and the App's installation covers every repository of the harness.
struct ServeHarnessApp {
    static let appID = 5150
    static let installationID = 6160

    let key: _RSA.Signing.PrivateKey
    /// How long the Sandbox's installation tokens live.
    let tokenTTLSeconds: Int

    init(tokenTTLSeconds: Int) throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.tokenTTLSeconds = tokenTTLSeconds
    }
}
