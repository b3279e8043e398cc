import _CryptoExtras
import Foundation
import TOMLKit

extension ConfigLoader {
    /// `[github] app_id`, `private_key_file` and `installation_id`, or nil when neither of the
    /// first two is set (token mode). One without the other is an error naming the missing key;
    /// the key file is read and parsed now, so an unreadable or invalid key stops the start-up
    /// with the file's name (never its content).
    static func githubApp(_ table: TOMLTable?, reader: SectionReader, path: String, environment: [String: String]) throws -> GitHubAppSettings? {
        func positiveInt(_ key: String) throws -> Int? {
            guard let value = table?[key] else { return nil }
            guard let int = value.int, int > 0 else {
                throw ConfigError.invalidValue(path: path, section: "github", field: key, reason: "must be a positive whole number (the id GitHub shows for it)")
            }
            return int
        }
        let appID = try positiveInt("app_id")
        let keyFile = try reader.string(table, "github", "private_key_file").flatMap { $0.isEmpty ? nil : $0 }
        let installationID = try positiveInt("installation_id")
        switch (appID, keyFile) {
        case (nil, nil):
            if installationID != nil {
                throw ConfigError.invalidValue(
                    path: path, section: "github", field: "installation_id",
                    reason: "belongs to a GitHub App: set app_id and private_key_file too, or remove it")
            }
            return nil
        case (_?, nil):
            throw ConfigError.invalidValue(
                path: path, section: "github", field: "private_key_file",
                reason: "missing: a GitHub App (app_id is set) needs the path of its private key (the .pem GitHub let you download)")
        case (nil, _?):
            throw ConfigError.invalidValue(
                path: path, section: "github", field: "app_id",
                reason: "missing: private_key_file is set, and a GitHub App also needs its App ID (the App's settings page)")
        case let (appID?, keyFile?):
            let resolved = resolveRelative(expandTilde(keyFile, environment: environment), to: path)
            let (pem, mode) = try readAppKey(resolved, path: path)
            return GitHubAppSettings(
                appID: appID, privateKeyFile: resolved, privateKeyPEM: pem, privateKeyMode: mode, installationID: installationID)
        }
    }

    /// Reads and checks the App's key file; errors name the file and say what to do, never quote it.
    private static func readAppKey(_ file: String, path: String) throws -> (Secret, Int) {
        func fail(_ reason: String) -> ConfigError {
            ConfigError.invalidValue(path: path, section: "github", field: "private_key_file", reason: reason)
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw fail("cannot read \(file): \((error as NSError).localizedDescription); check the path and that this user may read it")
        }
        // The mode of the file itself, not of a symbolic link to it (a link's mode is always 0777).
        let target = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let mode = ((try? FileManager.default.attributesOfItem(atPath: target))?[.posixPermissions] as? NSNumber)?.intValue ?? 0o600
        do {
            _ = try _RSA.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw fail("\(file) is not an RSA private key in PEM form (PKCS#1 \"BEGIN RSA PRIVATE KEY\" or PKCS#8 \"BEGIN PRIVATE KEY\", 2048 bits or more); download a new key from the App's settings page")
        }
        return (Secret(text), mode)
    }
}
