#!/usr/bin/env bash
# Installs a writable copy of the reference peer (the real Backstage backend)
# and prints its directory. The source folder is read-only, so the copy goes to
# /var/tmp, keyed by the lockfile: a later run with the same lockfile reuses
# the installed copy instead of spending ~3 minutes in npm ci again.
#   .ci/peer.sh ../shared/peer-backstage   -> /var/tmp/stackyard-peer-<hash>
set -euo pipefail
src=$(cd "${1:?usage: peer.sh PEER_SRC}" && pwd)
[[ -f $src/package-lock.json ]] || { echo "$src is not the peer folder" >&2; exit 1; }

hash=$(cat "$src/package-lock.json" "$src/package.json" | sha256sum | cut -c1-12)
dir=/var/tmp/stackyard-peer-$hash
if [[ ! -f $dir/.installed ]]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$src"/. "$dir"/
  chmod -R u+w "$dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  touch "$dir/.installed"
else
  # Refresh everything but node_modules, in case fixtures or scripts changed.
  (cd "$src" && find . -path ./node_modules -prune -o -type f -print0) |
    (cd "$src" && xargs -0 cp --parents -t "$dir")
  chmod -R u+w "$dir"
fi
rm -f "$dir/run/backstage.pid"
echo "$dir"
