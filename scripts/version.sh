#!/usr/bin/env bash
# Prints the release version: the one in Sources/Coordinator/CoordinatorVersion.swift, which is
# also what `coordinator --version` prints. A git tag is not a second source: when HEAD carries
# version tags (`vX.Y.Z`), every one must name that same version, or this refuses (exit 1).
#
#   scripts/version.sh            the version, checked against HEAD's tags
#   scripts/version.sh --no-tag   the version only (no git needed)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source_file="$root/Sources/Coordinator/CoordinatorVersion.swift"

check_tag=1
case "${1:-}" in
  "") ;;
  --no-tag) check_tag=0 ;;
  -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "version.sh: unknown option '$1' (expected --no-tag or nothing)" >&2; exit 2 ;;
esac

[ -f "$source_file" ] || { echo "version.sh: $source_file is missing" >&2; exit 1; }
# The line is `public static let current = "X.Y.Z"`; exactly one such line is expected.
matches="$(sed -n 's/^[[:space:]]*public static let current = "\([^"]*\)".*$/\1/p' "$source_file")"
if [ -z "$matches" ] || [ "$(printf '%s\n' "$matches" | wc -l)" -ne 1 ]; then
  echo "version.sh: expected one line 'public static let current = \"X.Y.Z\"' in $source_file" >&2
  exit 1
fi
version="$matches"
# SemVer: X.Y.Z with an optional -prerelease; it becomes part of file names, so nothing else.
if ! printf '%s' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$'; then
  echo "version.sh: '$version' in $source_file is not a version like 1.2.3 or 1.2.3-rc.1" >&2
  exit 1
fi

if [ "$check_tag" = 1 ] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  while IFS= read -r tag; do
    [ -n "$tag" ] || continue
    if [ "$tag" != "v$version" ]; then
      echo "version.sh: HEAD is tagged $tag but $source_file says $version." >&2
      echo "  Make them agree: set CoordinatorVersion.current to \"${tag#v}\", commit, and move the tag" >&2
      echo "  to that commit ('git tag -f $tag'); or, if the tag is the mistake, 'git tag -d $tag'." >&2
      exit 1
    fi
  done < <(git -C "$root" tag --points-at HEAD --list 'v[0-9]*')
fi
printf '%s\n' "$version"
