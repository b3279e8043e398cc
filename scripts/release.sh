#!/usr/bin/env bash
# Builds the release tarball dist/coordinator-VERSION-linux-ARCH.tar.gz: a `coordinator` linked
# with the Swift runtime inside (--static-swift-stdlib), so it runs where only glibc and ncursesw
# exist, with its completions, man page, README, example config and install.sh.
#
#   scripts/release.sh              build and pack; prints the tarball's path
#
# It builds the committed HEAD, not the working tree. VERSION comes from scripts/version.sh
# (CoordinatorVersion.swift, checked against a vX.Y.Z tag on HEAD). The build has its own scratch
# path, .build-dist: the static link must not replace the dynamically linked binaries in .build or
# .build-release. Then scripts/check-release.sh tests the tarball.
#
# Layout, the same inside the tarball and under an install PREFIX:
#   bin/coordinator                      -> ../lib/coordinator/coordinator
#   lib/coordinator/coordinator          the binary, next to its resource bundles (*.resources:
#   lib/coordinator/*.resources/         the Sandbox's scenarios), which it finds beside itself
#   share/man/man1/coordinator.1
#   share/bash-completion/completions/coordinator
#   share/zsh/site-functions/_coordinator
#   share/fish/vendor_completions.d/coordinator.fish
#   share/doc/coordinator/{README.md,config.toml}
#   install.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started=$SECONDS
step() { printf '==> [%4d s] %s\n' "$((SECONDS - started))" "$*"; }
die() { printf 'release.sh: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "release.sh: takes no arguments (got '$1'); see --help" >&2; exit 2 ;;
esac

version="$(scripts/version.sh)" || die "no usable version (see above); nothing was built"
case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) arch="$(uname -m)" ;;
esac
name="coordinator-$version-linux-$arch"
scratch="$root/.build-dist"
stage="$root/dist/$name"
tarball="$root/dist/$name.tar.gz"

# The release is built from the committed HEAD, exported to .build-dist/source: what the tag
# names, never half-made edits in the working tree. The export has an index of its own, so only
# the files that changed since the last release build are rewritten (and recompiled).
if git rev-parse --git-dir >/dev/null 2>&1; then
  git diff --quiet HEAD -- Sources/Coordinator/CoordinatorVersion.swift ||
    die "Sources/Coordinator/CoordinatorVersion.swift has uncommitted changes; the release is built from HEAD: commit them first"
  [ -z "$(git status --porcelain --untracked-files=no)" ] ||
    step "note: uncommitted changes in the working tree are not part of the release (it is built from HEAD)"
  src="$scratch/source"
  mkdir -p "$src"
  # --reset: an edit made inside the export is overwritten, never merged or refused.
  GIT_INDEX_FILE="$scratch/source.index" git --work-tree="$src" read-tree --reset -u HEAD ||
    die "could not export HEAD to $src"
  # The dependency versions the working tree resolved (and tested), when it has them.
  if [ -f Package.resolved ]; then cp Package.resolved "$src/Package.resolved"; fi
  revision="$(git rev-parse --short HEAD)"
else
  src="$root"
  revision="working tree (not a git repository)"
fi

step "building coordinator $version from $revision (release, static Swift runtime) in .build-dist"
build=(swift build -c release --static-swift-stdlib --product coordinator --package-path "$src" --scratch-path "$scratch")
"${build[@]}" || die "the release build failed (see above)"
bin_dir="$("${build[@]}" --show-bin-path)"
binary="$bin_dir/coordinator"
[ -x "$binary" ] || die "the build reported success but $binary is missing"

built_version="$("$binary" --version)" || die "$binary --version failed"
[ "$built_version" = "$version" ] ||
  die "the built binary says '$built_version', CoordinatorVersion.swift says '$version': stale build in $scratch?"

step "man page (swift-argument-parser's generate-manual)"
# The tool behind `swift package plugin generate-manual`, built on its own from the
# swift-argument-parser checkout this build resolved. The plugin itself first builds every
# product of the package in release mode (the benchmarks too), with no way to name one, and then
# documents that dynamically linked build; this documents the binary being shipped, and costs
# the build of one small tool.
parser_checkout="$scratch/checkouts/swift-argument-parser"
[ -f "$parser_checkout/Package.swift" ] ||
  die "no swift-argument-parser checkout at $parser_checkout: did the build above resolve packages?"
tool_build=(swift build -c release --package-path "$parser_checkout" --scratch-path "$scratch/tools"
  --product generate-manual)
"${tool_build[@]}" >/dev/null || { "${tool_build[@]}"; die "building generate-manual failed (see above)"; }
generate_manual="$("${tool_build[@]}" --show-bin-path)/generate-manual"

step "staging $name"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib/coordinator" "$stage/share/man/man1" \
  "$stage/share/bash-completion/completions" "$stage/share/zsh/site-functions" \
  "$stage/share/fish/vendor_completions.d" "$stage/share/doc/coordinator"

install -m 0755 "$binary" "$stage/lib/coordinator/coordinator"
# Debug info is most of the file's size and not needed to run; symbols stay for backtraces.
strip --strip-debug "$stage/lib/coordinator/coordinator"
bundles=0
for bundle in "$bin_dir"/*.resources; do
  [ -d "$bundle" ] || continue
  cp -R "$bundle" "$stage/lib/coordinator/"
  bundles=$((bundles + 1))
done
[ "$bundles" -gt 0 ] || die "no *.resources bundle next to $binary: the Sandbox's scenarios would be missing"
ln -s ../lib/coordinator/coordinator "$stage/bin/coordinator"

shipped="$stage/lib/coordinator/coordinator"
"$shipped" --generate-completion-script bash >"$stage/share/bash-completion/completions/coordinator"
"$shipped" --generate-completion-script zsh >"$stage/share/zsh/site-functions/_coordinator"
"$shipped" --generate-completion-script fish >"$stage/share/fish/vendor_completions.d/coordinator.fish"
for script in "$stage"/share/bash-completion/completions/coordinator "$stage"/share/zsh/site-functions/_coordinator \
  "$stage"/share/fish/vendor_completions.d/coordinator.fish; do
  [ -s "$script" ] || die "the completion script $script came out empty"
done

# The manual's date is the commit's, so the same commit gives the same page.
manual_date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
"$generate_manual" "$shipped" --date "$manual_date" --output-directory "$stage/share/man/man1" >/dev/null ||
  die "generate-manual failed on $shipped"
[ -s "$stage/share/man/man1/coordinator.1" ] || die "generate-manual wrote no coordinator.1"

install -m 0644 "$src/README.md" "$stage/share/doc/coordinator/README.md"
install -m 0644 "$src/examples/config.toml" "$stage/share/doc/coordinator/config.toml"
install -m 0755 "$src/scripts/install.sh" "$stage/install.sh"

step "packing dist/$name.tar.gz"
# Owner, order and times fixed, so the same commit packs the same archive.
mtime="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
tar -C "$root/dist" --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$mtime" \
  -cf - "$name" | gzip -n -9 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd "$root/dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")

step "done: $(du -h "$tarball" | cut -f1)"
echo "$tarball"
