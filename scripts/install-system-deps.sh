#!/usr/bin/env bash
# System packages the worker and its tests use, from Debian/Ubuntu apt:
#   bubblewrap  the task sandbox (tool_execution); the sandbox tests fail without it, by design
#   util-linux  prlimit / unshare (resource limits, the fallback sandbox level)
#   git         model_download's git fallback (and its tests, against a local git server)
#   chromium    the inspector's end-to-end browser test (not needed to run the worker)
set -euo pipefail
packages=(bubblewrap util-linux git chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages present: ${packages[*]}"
  exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
