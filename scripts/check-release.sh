#!/usr/bin/env bash
# Checks the release tarball as someone without Swift meets it: unpacked into a temporary
# directory, the binary must link no Swift runtime library, and must work with a clean
# environment (env -i: PATH=/usr/bin:/bin, so no Swift; no LD_LIBRARY_PATH):
#   coordinator --version            prints the version in the tarball's name
#   coordinator sandbox --port 0     answers /_sandbox/, stops on SIGTERM with exit 0
#   coordinator run --all --dry-run  against that Sandbox with the shipped example config:
#                                    exit 0, prints plans, starts no build, moves no label
# then the same from a temporary PREFIX after install.sh, and install.sh a second time.
#
#   scripts/check-release.sh [TARBALL]   default: the one scripts/release.sh built for this commit
#
# While it runs, the build tree's own resource bundle is renamed, so that a binary that found its
# Sandbox scenarios only there (SwiftPM compiles that path in as a fallback) fails here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

case "${1:-}" in
  -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
[ $# -le 1 ] || { echo "check-release.sh: one TARBALL at most" >&2; exit 2; }
if [ $# -eq 1 ]; then
  tarball="$1"
else
  version="$("$root/scripts/version.sh")" || exit 1
  case "$(uname -m)" in x86_64|amd64) arch=x86_64 ;; aarch64|arm64) arch=aarch64 ;; *) arch="$(uname -m)" ;; esac
  tarball="$root/dist/coordinator-$version-linux-$arch.tar.gz"
fi
[ -f "$tarball" ] || { echo "check-release.sh: no tarball at $tarball; run scripts/release.sh first" >&2; exit 1; }
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
name="$(basename "$tarball" .tar.gz)"
expected_version="$(printf '%s' "$name" | sed -n 's/^coordinator-\(.*\)-linux-[^-]*$/\1/p')"
[ -n "$expected_version" ] || { echo "check-release.sh: '$name.tar.gz' is not named coordinator-VERSION-linux-ARCH.tar.gz" >&2; exit 1; }
command -v curl >/dev/null || { echo "check-release.sh: needs curl (apt-get install curl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "check-release.sh: needs python3" >&2; exit 1; }

failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
ok() { printf 'ok:   %s\n' "$*"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/coordinator-check-release.XXXXXX")"
sandbox_pid=""
hidden=()
cleanup() {
  if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then kill -KILL "$sandbox_pid" 2>/dev/null || true; fi
  local path
  for path in ${hidden[@]+"${hidden[@]}"}; do mv "$path.hidden-by-check-release" "$path" || echo "could not restore $path" >&2; done
  if [ "$failures" -eq 0 ]; then rm -rf "$work"; else echo "kept $work for inspection"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/home"
# What a machine without Swift gives the binary: no Swift on PATH, no LD_LIBRARY_PATH, no locale.
clean_env=(env -i HOME="$work/home" PATH=/usr/bin:/bin TERM=dumb)
clean() { "${clean_env[@]}" "$@"; }

echo "checking $tarball ($expected_version)"
tar -xzf "$tarball" -C "$work" || { fail "expected $tarball to unpack with tar -xzf"; exit 1; }
unpacked="$work/$name"
for file in bin/coordinator lib/coordinator/coordinator share/man/man1/coordinator.1 \
  share/bash-completion/completions/coordinator share/zsh/site-functions/_coordinator \
  share/fish/vendor_completions.d/coordinator.fish share/doc/coordinator/README.md \
  share/doc/coordinator/config.toml install.sh; do
  [ -e "$unpacked/$file" ] || fail "expected $name/$file in the tarball"
done
compgen -G "$unpacked/lib/coordinator/*.resources" >/dev/null ||
  fail "expected the Sandbox's resource bundle (*.resources) in $name/lib/coordinator/"
[ "$failures" -eq 0 ] || exit 1
ok "tarball holds the binary, its resource bundle, man page, completions, docs and install.sh"

# Linked libraries: nothing of the Swift toolchain, nothing missing, and nothing beyond glibc,
# ncursesw (with tinfo), and the C++ runtime and zlib the static Swift runtime and Foundation
# need (libstdc++6, libgcc-s1, zlib1g: in every Debian and Ubuntu base image).
binary="$unpacked/lib/coordinator/coordinator"
libraries="$(ldd "$binary" 2>&1)" || { fail "expected ldd to read $binary: $libraries"; exit 1; }
swift_runtime="$(printf '%s\n' "$libraries" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|not found' || true)"
unexpected="$(printf '%s\n' "$libraries" | awk '{print $1}' | grep -vE \
  '^(linux-vdso\.so|(/lib64/|/lib/)?ld-linux|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libutil\.so|libncursesw\.so|libtinfo\.so|libstdc\+\+\.so|libgcc_s\.so|libz\.so)' || true)"
if [ -n "$swift_runtime" ]; then
  fail "expected no Swift runtime library and nothing missing in ldd's list, got:"$'\n'"$swift_runtime"
elif [ -n "$unexpected" ]; then
  fail "expected only glibc, ncursesw/tinfo, libstdc++, libgcc_s and zlib in ldd's list, also got:"$'\n'"$unexpected"
else
  ok "ldd lists no Swift runtime library: $(printf '%s\n' "$libraries" | awk '{print $1}' | tr '\n' ' ')"
fi

# Hide the build tree's copies of the resource bundles (paths compiled into the binary).
while IFS= read -r path; do
  # A check killed before its clean-up left one hidden: put it back first.
  if [ ! -e "$path" ] && [ -d "$path.hidden-by-check-release" ]; then mv "$path.hidden-by-check-release" "$path"; fi
  [ -d "$path" ] || continue
  case "$path" in
    "$root"/.build-dist/*)
      mv "$path" "$path.hidden-by-check-release" && hidden+=("$path") ;;
    *) fail "expected no resource bundle at $path, compiled into the binary as a fallback: the check cannot tell whether the shipped one is used" ;;
  esac
done < <(grep -aoE '/[[:alnum:]_./+-]+\.resources' "$binary" | sort -u)

# Polls COMMAND every 0.1 s until it succeeds or SECONDS_LIMIT pass.
wait_until() {
  local limit=$1 deadline
  shift
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# The three commands with BINARY, WHERE naming it in messages.
exercise() {
  local binary=$1 where=$2 out rc control port
  out="$(clean timeout 60 "$binary" --version 2>&1)" && rc=0 || rc=$?
  if [ "$rc" -eq 0 ] && [ "$out" = "$expected_version" ]; then
    ok "$where: coordinator --version prints $expected_version"
  else
    fail "$where: expected 'coordinator --version' to print $expected_version and exit 0, got exit $rc: $out"
  fi

  local log="$work/sandbox-$where.log"
  # Not through the function: $! must be the sandbox itself (env execs it), not a subshell.
  "${clean_env[@]}" "$binary" sandbox --port 0 >"$log" 2>&1 &
  sandbox_pid=$!
  # Ready, or dead (then there is no point in waiting longer).
  wait_until 30 bash -c "grep -q '^Control: *http://' \"\$1\" || ! kill -0 $sandbox_pid" _ "$log" || true
  if ! grep -q '^Control: *http://' "$log"; then
    fail "$where: expected 'coordinator sandbox --port 0' to print its Control URL within 30 s; it printed:"$'\n'"$(cat "$log")"
    kill -KILL "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=""
    return
  fi
  control="$(sed -n 's/^Control: *\(http:[^ ]*\).*/\1/p' "$log" | head -1)"
  port="$(printf '%s' "$control" | sed -n 's#^http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p')"
  if [ -z "$port" ] || ! wait_until 30 curl -fsS --max-time 5 "$control/"; then
    fail "$where: expected the Sandbox to answer $control/ within 30 s"
  else
    ok "$where: coordinator sandbox answers $control/"

    # The shipped example config, moved to this Sandbox's port.
    local config="$work/config-$where.toml"
    sed "s#http://127\.0\.0\.1:8765#http://127.0.0.1:$port#g" "$unpacked/share/doc/coordinator/config.toml" >"$config"
    grep -q "127.0.0.1:$port" "$config" ||
      fail "$where: expected share/doc/coordinator/config.toml to point at http://127.0.0.1:8765 (the Sandbox it documents)"
    out="$(clean timeout 120 "$binary" run --all --dry-run --config "$config" 2>&1)" && rc=0 || rc=$?
    if [ "$rc" -ne 0 ]; then
      fail "$where: expected 'coordinator run --all --dry-run' with the example config to exit 0, got exit $rc:"$'\n'"$out"
    elif ! printf '%s' "$out" | grep -q 'Coordinator/mcp_coder/executor' || ! printf '%s' "$out" | grep -q 'COMMAND'; then
      fail "$where: expected the dry run to print plans (job Coordinator/mcp_coder/executor, its COMMAND), got:"$'\n'"$out"
    else
      ok "$where: coordinator run --all --dry-run prints plans ($(printf '%s\n' "$out" | grep -c 'Coordinator/.*/executor') lines naming a job)"
    fi
    # A dry run reads from the Sandbox and changes nothing: no build queued, no request but reads
    # (and the GraphQL branch lookup, a POST).
    local changes
    changes="$(curl -fsS --max-time 5 "$control/builds" "$control/requests" | python3 -c '
import json, sys
text = sys.stdin.read()
decoder = json.JSONDecoder()
builds, end = decoder.raw_decode(text)
requests, _ = decoder.raw_decode(text[end:].lstrip())
if not requests: print("no request reached the Sandbox: the dry run did not read from it")
for b in builds: print("queued build of", b.get("job_path"))
for r in requests:
    if r["method"] != "GET" and not (r["method"] == "POST" and r["path"].endswith("/graphql")):
        print(r["method"], r["path"])
' 2>&1)" || changes="could not read $control/builds and /requests: $changes"
    if [ -n "$changes" ]; then
      fail "$where: expected the dry run to change nothing on the Sandbox, got:"$'\n'"$changes"
    else
      ok "$where: the dry run queued no build and sent no write"
    fi
  fi

  kill -TERM "$sandbox_pid" 2>/dev/null || true
  if wait_until 15 bash -c "! kill -0 $sandbox_pid"; then
    wait "$sandbox_pid" && rc=0 || rc=$?
    if [ "$rc" -eq 0 ] && grep -q 'sandbox stopped' "$log"; then
      ok "$where: coordinator sandbox stops on SIGTERM (exit 0)"
    else
      fail "$where: expected the sandbox to print 'sandbox stopped' and exit 0 on SIGTERM, got exit $rc:"$'\n'"$(cat "$log")"
    fi
  else
    fail "$where: expected the sandbox to exit within 15 s of SIGTERM; killed it"
    kill -KILL "$sandbox_pid" 2>/dev/null || true
  fi
  sandbox_pid=""
}

exercise "$unpacked/bin/coordinator" tarball

if bash -n "$unpacked/share/bash-completion/completions/coordinator"; then ok "bash completion parses"; else fail "expected the bash completion to parse (bash -n)"; fi
if grep -q '^\.Sh ' "$unpacked/share/man/man1/coordinator.1" && grep -q 'sandbox' "$unpacked/share/man/man1/coordinator.1"; then
  ok "man page is mdoc and documents the subcommands"
else
  fail "expected share/man/man1/coordinator.1 to be an mdoc page (.Sh sections) naming the subcommands"
fi

# install.sh into a PREFIX with a space in it, twice: the second run must succeed and change no path.
prefix="$work/prefix dir"
if out="$(clean bash "$unpacked/install.sh" "$prefix" 2>&1)"; then
  ok "install.sh installs into a fresh PREFIX"
  exercise "$prefix/bin/coordinator" installed
  before="$(cd "$prefix" && find . | sort)"
  if out="$(clean bash "$unpacked/install.sh" "$prefix" 2>&1)" && [ "$(cd "$prefix" && find . | sort)" = "$before" ]; then
    ok "install.sh run again succeeds and installs the same files"
  else
    fail "expected install.sh run a second time to succeed and leave the same files, got:"$'\n'"$out"
  fi
  [ -s "$prefix/share/doc/coordinator/config.toml" ] || fail "expected install.sh to install share/doc/coordinator/config.toml"
else
  fail "expected 'install.sh PREFIX' to succeed, got:"$'\n'"$out"
fi

if [ "$failures" -eq 0 ]; then
  echo "release check passed: $name"
else
  echo "release check FAILED: $failures problem(s) above"
  exit 1
fi
