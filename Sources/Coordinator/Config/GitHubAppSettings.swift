import Foundation

/// `[github] app_id` + `private_key_file` (+ `installation_id`): the coordinator acts as a GitHub
/// App instead of a person's token, so an organisation's bot needs no seat and gets a rate limit
/// per installation.
///
/// The key is read when the config is loaded, so a missing or broken key stops the start-up with
/// the file's name rather than the first dispatch. It is kept as a `Secret`: it never reaches a
/// log line, an error or a file of ours.
public struct GitHubAppSettings: Sendable, Equatable {
    /// The App's id (GitHub: the App's settings page, "App ID"); the JWT's `iss`.
    public var appID: Int
    /// The key file as resolved (`~`, relative to the config file), for messages and `doctor`.
    public var privateKeyFile: String
    /// The PEM text of the RSA private key (PKCS#1 or PKCS#8).
    public var privateKeyPEM: Secret
    /// The key file's permission bits when it was read: `doctor` warns when group or others may
    /// read it.
    public var privateKeyMode: Int
    /// `installation_id`: one installation for every repository; nil looks it up per repository.
    public var installationID: Int?

    public init(appID: Int, privateKeyFile: String, privateKeyPEM: Secret, privateKeyMode: Int = 0o600, installationID: Int? = nil) {
        self.appID = appID
        self.privateKeyFile = privateKeyFile
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyMode = privateKeyMode
        self.installationID = installationID
    }

    /// Group or others may read the key: anyone on the machine could act as the App.
    public var keyReadableByOthers: Bool { privateKeyMode & 0o044 != 0 }
}
