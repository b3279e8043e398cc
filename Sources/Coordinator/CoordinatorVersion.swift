public enum CoordinatorVersion { public static let current = "0.1.0" }
