#!/usr/bin/env bash
# Prepares the UI e2e test (ui.test.mjs) and prints the directory of the built
# Backstage app, to export as STACKYARD_UI_APP_DIR:
#   1. a writable copy of the stock Backstage 1.45.3 app (../shared/backstage-app)
#      with its npm dependencies installed (`npm ci`, ~4.5 min, 930 MB);
#   2. that app built (`backstage-cli package build`, ~10 s) with this folder's
#      app-config.yaml, which points catalog/scaffolder/stacks at Stackyard;
#   3. this folder's own dependency, playwright-core (no browser download: the
#      test drives Debian's /usr/bin/chromium).
#
#   e2e/ui/setup.sh [APP_SRC]        default APP_SRC: <repo>/../shared/backstage-app
#   export STACKYARD_UI_APP_DIR=$(e2e/ui/setup.sh)
#
# Idempotent and cached: the copy lives in $STACKYARD_UI_CACHE (default
# /var/tmp)/stackyard-ui-app-<hash of the app's lockfile>, so npm ci runs once
# per lockfile, and the build reruns only when app-config.yaml or the app's
# sources change. Everything but the printed path goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$(cd "${1:-$root/../shared/backstage-app}" && pwd)
[[ -f $src/app/package-lock.json && -f $src/serve.js ]] || {
  echo "setup.sh: $src is not the backstage-app folder (app/package-lock.json, serve.js)" >&2
  exit 1
}
say() { printf 'setup.sh [%3ds]: %s\n' "$SECONDS" "$*" >&2; }

hash=$(cat "$src/app/package-lock.json" "$src/app/package.json" | sha256sum | cut -c1-12)
dir=${STACKYARD_UI_CACHE:-/var/tmp}/stackyard-ui-app-$hash
app=$dir/app

if [[ ! -f $dir/.installed ]]; then
  say "installing the app in $dir (npm ci, about 4.5 min on a cold cache)"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$src"/. "$dir"/
  chmod -R u+w "$dir"
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error) >&2
  touch "$dir/.installed"
else
  say "reusing the installed app in $dir"
  # Refresh everything but node_modules and dist, in case the sources changed.
  (cd "$src" && find . \( -name node_modules -o -name dist \) -prune -o -type f -print0) |
    (cd "$src" && xargs -0 cp --parents -t "$dir")
  chmod -R u+w "$dir"
fi

# The frontend reads its config at build time: bake ours in.
cp "$here/app-config.yaml" "$app/app-config.yaml"
stamp=$( (cat "$app/app-config.yaml" "$app/package.json" "$app/tsconfig.json"
  find "$app/src" "$app/public" -type f -print0 | sort -z | xargs -0 cat) | sha256sum | cut -c1-64)
if [[ "$(cat "$app/dist/.stackyard-build" 2>/dev/null)" != "$stamp" ]]; then
  say "building the app with e2e/ui/app-config.yaml"
  rm -rf "$app/dist"
  if ! (cd "$app" && npx --no-install backstage-cli package build) >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    say "build failed; full log in $dir/build.log"
    exit 1
  fi
  # ui.test.mjs compares this copy with e2e/ui/app-config.yaml.
  cp "$app/app-config.yaml" "$app/dist/.stackyard-app-config.yaml"
  echo "$stamp" >"$app/dist/.stackyard-build"
else
  say "build is up to date"
fi

if [[ ! -f $here/node_modules/playwright-core/package.json ]]; then
  say "npm ci in e2e/ui (playwright-core)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
[[ -x /usr/bin/chromium ]] || say "warning: /usr/bin/chromium is missing (apt-get install chromium)"
say "done"
echo "$app"
