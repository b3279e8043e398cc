/// The product version, shown by `coordinator --version`.
///
/// The one place the version lives: `scripts/version.sh` reads it from this line, and
/// `scripts/release.sh` names the tarball after it and refuses to build when HEAD carries a
/// `vX.Y.Z` tag that says otherwise. To release: change it here, commit, tag that commit `vX.Y.Z`.
public enum CoordinatorVersion {
    public static let current = "0.1.0"
}
