#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx in a _test.go file) for a short
# time, all of them even when one fails; exits 1 if any failed.
#   .ci/fuzz.sh [FUZZTIME]    default 10s per target
# A failing input is written to the package's testdata/fuzz/ as usual.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime=${1:-10s}
go=${GO:-go}

mapfile -t dirs < <(grep -rlE '^func Fuzz[A-Z0-9_]' --include='*_test.go' . | xargs -r -n1 dirname | sort -u)
if ((${#dirs[@]} == 0)); then
  echo "no fuzz targets found"
  exit 0
fi
failed=()
for dir in "${dirs[@]}"; do
  for target in $("$go" test -list '^Fuzz' "$dir" | grep '^Fuzz' || true); do
    echo "--- fuzz $dir $target ($fuzztime)"
    if ! "$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir"; then
      failed+=("$dir $target")
    fi
  done
done
if ((${#failed[@]})); then
  printf 'fuzz target failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
