public enum SandboxVersion { public static let name = "sandbox" }
