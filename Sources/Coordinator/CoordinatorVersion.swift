/// The product version, shown by `coordinator --version`.
public enum CoordinatorVersion {
    public static let current = "0.1.0"
}
