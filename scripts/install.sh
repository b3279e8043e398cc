#!/usr/bin/env bash
# Installs coordinator under PREFIX (default /usr/local):
#   PREFIX/bin/coordinator                -> ../lib/coordinator/coordinator
#   PREFIX/lib/coordinator/               the binary and its resource bundles
#   PREFIX/share/man/man1/coordinator.1
#   PREFIX/share/bash-completion/completions/coordinator
#   PREFIX/share/zsh/site-functions/_coordinator
#   PREFIX/share/fish/vendor_completions.d/coordinator.fish
#   PREFIX/share/doc/coordinator/         README.md, config.toml (a working example)
#
#   ./install.sh [PREFIX]                 from the unpacked release tarball
#   scripts/install.sh [PREFIX]           from the repository, after scripts/release.sh
#
# Running it again replaces what it installed (an upgrade); it touches nothing else.
set -euo pipefail

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
  -*) printf 'install.sh: unknown option %s; usage: install.sh [PREFIX]\n' "$1" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "install.sh: one PREFIX at most; usage: install.sh [PREFIX]" >&2; exit 2; }
prefix="${1:-/usr/local}"
[ -n "$prefix" ] || die "PREFIX is empty; usage: install.sh [PREFIX]"

# Where the files come from: this script's directory in the tarball, or the staged release
# (dist/coordinator-VERSION-linux-ARCH) in the repository.
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/lib/coordinator/coordinator" ]; then
  src="$here"
elif [ -x "$here/version.sh" ] && [ -f "$here/../Package.swift" ]; then
  version="$("$here/version.sh" --no-tag)" || die "cannot read the version (see above)"
  case "$(uname -m)" in x86_64|amd64) arch=x86_64 ;; aarch64|arm64) arch=aarch64 ;; *) arch="$(uname -m)" ;; esac
  src="$(cd "$here/.." && pwd)/dist/coordinator-$version-linux-$arch"
  [ -x "$src/lib/coordinator/coordinator" ] ||
    die "no release staged at $src: run scripts/release.sh first (or install from the unpacked tarball)"
else
  die "cannot find what to install next to $0: run it from the unpacked release tarball, or as scripts/install.sh in the repository"
fi

for file in lib/coordinator/coordinator share/man/man1/coordinator.1 \
  share/bash-completion/completions/coordinator share/zsh/site-functions/_coordinator \
  share/fish/vendor_completions.d/coordinator.fish share/doc/coordinator/README.md \
  share/doc/coordinator/config.toml; do
  [ -e "$src/$file" ] || die "$src is incomplete: $file is missing (unpack the tarball again, or rerun scripts/release.sh)"
done

mkdir -p "$prefix" 2>/dev/null || die "cannot create $prefix: choose a PREFIX you can write to (e.g. ~/.local), or run it as root"
prefix="$(cd "$prefix" && pwd)"
[ -w "$prefix" ] || die "cannot write to $prefix: run it as root (sudo), or choose a PREFIX you own, e.g. install.sh ~/.local"

echo "installing coordinator from $src into $prefix"

# The binary and its bundles move in as one directory: copied beside the old one, then swapped,
# so an interrupted install leaves the previous version working.
lib="$prefix/lib/coordinator"
mkdir -p "$prefix/lib" "$prefix/bin"
rm -rf "$lib.new"
cp -R "$src/lib/coordinator" "$lib.new"
chmod -R u+rwX,go+rX,go-w "$lib.new"
rm -rf "$lib.old"
if [ -e "$lib" ]; then mv "$lib" "$lib.old"; fi
mv "$lib.new" "$lib"
rm -rf "$lib.old"
echo "  $lib/"

# A relative link: the binary looks for its bundles beside its real path.
if [ -e "$prefix/bin/coordinator" ] && [ ! -L "$prefix/bin/coordinator" ]; then
  rm -f "$prefix/bin/coordinator"   # an older install's plain file
fi
ln -sfn ../lib/coordinator/coordinator "$prefix/bin/coordinator"
echo "  $prefix/bin/coordinator -> ../lib/coordinator/coordinator"

place() { # SOURCE DESTINATION MODE
  install -D -m "$3" "$src/$1" "$prefix/$2"
  echo "  $prefix/$2"
}
place share/man/man1/coordinator.1 share/man/man1/coordinator.1 0644
place share/bash-completion/completions/coordinator share/bash-completion/completions/coordinator 0644
place share/zsh/site-functions/_coordinator share/zsh/site-functions/_coordinator 0644
place share/fish/vendor_completions.d/coordinator.fish share/fish/vendor_completions.d/coordinator.fish 0644
place share/doc/coordinator/README.md share/doc/coordinator/README.md 0644
place share/doc/coordinator/config.toml share/doc/coordinator/config.toml 0644

installed_version="$("$prefix/bin/coordinator" --version 2>&1)" ||
  die "the installed $prefix/bin/coordinator does not run: $installed_version"
echo "installed coordinator $installed_version"

case ":${PATH:-}:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on PATH; add it, or run $prefix/bin/coordinator" ;;
esac
cat <<EOF
next:
  coordinator demo                             # the console on the built-in Sandbox; q quits
  coordinator test REPO --branch-name BRANCH   # your setup: starts REPO's Jenkins job with the environment check
Config: ~/.mcp_coder/config.toml (a commented template is written there on first use);
a working example: $prefix/share/doc/coordinator/config.toml
EOF
