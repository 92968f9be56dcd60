#!/usr/bin/env bash
# Run a command with another major version of Node.js on PATH, e.g.
#   scripts/with-node.sh 24 npm test
#   scripts/with-node.sh 22 node dist/bench/main.js --only bare,throughput
#
# The binary comes from the npm registry: the package node-linux-<arch>, the
# official Node.js build republished there (it is what `npx node@22` runs), so
# this works where only the registry is reachable. It is kept in
# $SPLAI_NODE_CACHE (default ~/.cache/splai-worker/node); remove that
# directory to pick up a newer release of the same major.
# One install serves every version: the only native addons in node_modules
# (rolldown's and lightningcss's, under vitest) use Node-API, which is stable
# across Node versions.
set -euo pipefail

major="${1:?usage: scripts/with-node.sh MAJOR COMMAND...}"
shift
[[ "$major" =~ ^[0-9]+$ ]] || { echo "with-node: MAJOR must be a number, got '$major'" >&2; exit 2; }
[[ $# -gt 0 ]] || { echo "usage: scripts/with-node.sh MAJOR COMMAND..." >&2; exit 2; }

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "with-node: no published binary for $(uname -m)" >&2; exit 2 ;;
esac
[[ "$(uname -s)" == Linux ]] || { echo "with-node: Linux only" >&2; exit 2; }

cache="${SPLAI_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/splai-worker/node}"
dir="$cache/$arch-$major"
if [[ ! -x "$dir/bin/node" ]]; then
  mkdir -p "$cache"
  work="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "with-node: fetching node-linux-$arch@$major from the npm registry" >&2
  (cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  tar -xzf "$work"/node-linux-"$arch"-*.tgz -C "$work"
  rm -rf "$dir"
  mv "$work/package" "$dir"
  rm -rf "$work" # before exec, which skips the EXIT trap
  trap - EXIT
fi
export PATH="$dir/bin:$PATH"
echo "with-node: $(node --version)" >&2
exec "$@"
