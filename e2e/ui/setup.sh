#!/usr/bin/env bash
# Prepares the UI e2e test (ui.test.mjs) and prints the directory of the built
# Backstage app, to export as STACKYARD_UI_APP_DIR:
#   1. a writable copy of the stock Backstage 1.45.3 app (../shared/backstage-app)
#      with its npm dependencies installed (`npm ci`, ~4.5 min, 930 MB);
#   2. that app built (`backstage-cli package build`, ~10 s) with this folder's
#      app-config.yaml, which points catalog/scaffolder/stacks at Stackyard;
#   3. this folder's own dependency, playwright-core (no browser download: the
#      test drives Debian's /usr/bin/chromium);
#   4. Stackyard's own Backstage plugin (<repo>/frontend-plugin) in that app:
#      copied to app/plugins/stacks, linked as node_modules/@stackyard/
#      backstage-plugin-stacks (it needs no package the app lacks, so no
#      second npm install), and mounted by patching the copy's App.tsx: a
#      "Stack" tab on the entity page of entities with the
#      stackyard.dev/stack annotation, and /stacks. The stock ../shared app
#      is never written. (TestUI_PluginUnit type-checks and unit-tests that
#      copy with the app's tsc and jest.)
#
#   e2e/ui/setup.sh [APP_SRC]        default APP_SRC: <repo>/../shared/backstage-app
#   export STACKYARD_UI_APP_DIR=$(e2e/ui/setup.sh)
#
# Idempotent and cached: the copy lives in $STACKYARD_UI_CACHE (default
# /var/tmp)/stackyard-ui-app-<hash of the app's lockfile>, so npm ci runs once
# per lockfile, and the build reruns only when app-config.yaml, the app's
# sources or the plugin's change. Runs on one cache are serialized with
# flock. Everything but the printed path goes to stderr.
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

# One run at a time per cache: two would rewrite one app and one dist.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9

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

# Stackyard's plugin, as a local package of the app (the refresh above has
# just put back the stock App.tsx, so the patch applies to it every run).
plugin_src=$root/frontend-plugin
rm -rf "$app/plugins/stacks" "$app/node_modules/@stackyard"
if [[ -f $plugin_src/package.json ]]; then
  mkdir -p "$app/plugins/stacks" "$app/node_modules/@stackyard"
  (cd "$plugin_src" && tar -cf - --exclude=./node_modules --exclude=./dist --exclude=./dist-types .) |
    (cd "$app/plugins/stacks" && tar -xf -)
  ln -s ../../plugins/stacks "$app/node_modules/@stackyard/backstage-plugin-stacks"
  # Each anchor must be found exactly once, or the stock app changed shape.
  node - "$app/src/App.tsx" <<'EOF'
const fs = require('fs');
const file = process.argv[2];
let s = fs.readFileSync(file, 'utf8');
const once = (anchor, replacement) => {
  const n = s.split(anchor).length - 1;
  if (n !== 1) throw new Error(`setup.sh: ${file}: expected ${JSON.stringify(anchor)} once, found it ${n} times`);
  s = s.replace(anchor, replacement);
};
once("import { ScaffolderPage, scaffolderPlugin } from '@backstage/plugin-scaffolder';\n",
  "import { ScaffolderPage, scaffolderPlugin } from '@backstage/plugin-scaffolder';\n" +
  "import { EntityStackContent, isStackAvailable, StacksFleetPage, stacksPlugin } from '@stackyard/backstage-plugin-stacks';\n" +
  "import StacksIcon from '@material-ui/icons/Layers';\n");
once('  bindRoutes({ bind }) {\n',
  '  bindRoutes({ bind }) {\n' +
  '    bind(stacksPlugin.externalRoutes, { scaffolderTask: scaffolderPlugin.routes.ongoingTask });\n');
once('    </EntityLayout.Route>\n  </EntityLayout>\n',
  '    </EntityLayout.Route>\n' +
  '    <EntityLayout.Route path="/stack" title="Stack" if={isStackAvailable}>\n' +
  '      <EntityStackContent />\n' +
  '    </EntityLayout.Route>\n' +
  '  </EntityLayout>\n');
once('    <Route path="/create" element={<ScaffolderPage />} />\n',
  '    <Route path="/create" element={<ScaffolderPage />} />\n' +
  '    <Route path="/stacks" element={<StacksFleetPage />} />\n');
once('<SidebarItem icon={CreateComponentIcon} to="create" text="Create..." />\n',
  '<SidebarItem icon={CreateComponentIcon} to="create" text="Create..." />\n' +
  '          <SidebarItem icon={StacksIcon} to="stacks" text="Stacks" />\n');
fs.writeFileSync(file, s);
EOF
fi

stamp=$( (cat "$app/app-config.yaml" "$app/package.json" "$app/tsconfig.json"
  find "$app/src" "$app/public" "$app/plugins" -type f -print0 2>/dev/null | sort -z | xargs -0 cat) | sha256sum | cut -c1-64)
if [[ "$(cat "$app/dist/.stackyard-build" 2>/dev/null)" != "$stamp" ]]; then
  say "building the app with e2e/ui/app-config.yaml$([[ -d $app/plugins/stacks ]] && echo ' and frontend-plugin')"
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
