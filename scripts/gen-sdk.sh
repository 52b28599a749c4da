#!/usr/bin/env bash
# Generate the avi-dsr SDK for one language from the package schema.
#
#   scripts/gen-sdk.sh nodejs|go|python OUT_DIR
#
# The schema is what the plugin's GetSchema answers (python -m avi_dsr.provider.dump_schema). The
# generator is engine/sdkgen, pkg/v3's code generators behind a small CLI (the language plugins
# `pulumi package gen-sdk` would call are not served by the Go module proxy), built once into
#   ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/sdkgen/<source digest>/avi-dsr-sdkgen
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
SRC="$REPO_ROOT/engine/sdkgen"
language=${1:?usage: gen-sdk.sh nodejs|go|python OUT_DIR}
out=${2:?usage: gen-sdk.sh nodejs|go|python OUT_DIR}

digest=$(cd "$SRC" && cat main.go go.mod go.sum 2>/dev/null | sha256sum | cut -c1-12)
tool="$CACHE_ROOT/sdkgen/$digest/avi-dsr-sdkgen"
if [[ ! -x $tool ]]; then
  mkdir -p "$CACHE_ROOT/sdkgen"
  exec 9>"$CACHE_ROOT/sdkgen/.build.lock"
  flock -w 3600 9
  if [[ ! -x $tool ]]; then
    echo "gen-sdk: building avi-dsr-sdkgen (cold: a few minutes; pkg/v3 is shared with the CLI)" >&2
    (cd "$SRC" && GOFLAGS=-mod=mod go build -trimpath -o "$tool.tmp" .) >&2
    mv "$tool.tmp" "$tool"
    find "$CACHE_ROOT/sdkgen" -mindepth 1 -maxdepth 1 -type d ! -name "$digest" -exec rm -rf {} +
  fi
fi
schema=$(mktemp)
trap 'rm -f "$schema"' EXIT
"$REPO_ROOT/.venv/bin/python" -m avi_dsr.provider.dump_schema >"$schema"
rm -rf "$out"
"$tool" -schema "$schema" -language "$language" -out "$out"
echo "$out"
