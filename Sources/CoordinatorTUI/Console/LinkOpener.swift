import Foundation

/// `o` in the console: starts the operator's browser on a URL. `$BROWSER` (its first entry when it
/// lists several, split on `:`; `%s` is replaced by the URL, else the URL is the last argument),
/// else `xdg-open`. Never through a shell: the URL is one argument of its own. Used only when a
/// display is set (`DISPLAY` or `WAYLAND_DISPLAY`); otherwise the console shows the URL instead.
public enum LinkOpener {
    /// Whether a browser can be shown: a display is set.
    public static func hasDisplay(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        [environment["DISPLAY"], environment["WAYLAND_DISPLAY"]].contains { !($0 ?? "").isEmpty }
    }

    /// The program and its arguments that open `url`.
    public static func command(for url: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let browser = (environment["BROWSER"] ?? "").split(separator: ":").first.map(String.init) ?? ""
        let words = browser.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return ["xdg-open", url] }
        if words.contains(where: { $0.contains("%s") }) {
            return words.map { $0.replacingOccurrences(of: "%s", with: url) }
        }
        return words + [url]
    }

    /// Starts the browser without waiting for it (its exit is reaped in the background); nil when
    /// it started, else why not.
    @Sendable
    public static func open(_ url: String) async -> String? {
        open(url, environment: ProcessInfo.processInfo.environment)
    }

    static func open(_ url: String, environment: [String: String]) -> String? {
        let argv = command(for: url, environment: environment)
        guard let program = executable(argv[0], path: environment["PATH"]) else {
            return "\(argv[0]): not found" + (environment["BROWSER"] == nil ? " (set BROWSER)" : "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "\(argv[0]): \(error)"
        }
        let watcher = Thread { process.waitUntilExit() }
        watcher.start()
        return nil
    }

    /// `name` itself when it names a file (it has a `/`), else the first executable of that name
    /// on `PATH`.
    static func executable(_ name: String, path: String?) -> String? {
        let manager = FileManager.default
        if name.contains("/") { return manager.isExecutableFile(atPath: name) ? name : nil }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        return directories.lazy.map { ($0 as NSString).appendingPathComponent(name) }.first { manager.isExecutableFile(atPath: $0) }
    }
}
