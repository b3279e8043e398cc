import ArgumentParser

/// `--port`: a TCP port or 0 for an ephemeral one. Checked here because the socket layer takes
/// any `Int` and quietly binds it modulo 65536 (70000 listened on 4464).
enum PortOption {
    static func validate(_ port: Int) throws {
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port must be from 0 (any free port) to 65535, not \(port)")
        }
    }
}
