#!/usr/bin/env bash
# Print the directory holding `pulumi-language-yaml` (the Pulumi YAML language host), building it
# from the Go module proxy on first use (github.com/pulumi/pulumi-yaml, served there) into
#   ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/yaml/<version>/bin
# It runs examples/yaml, the proof that other languages use the avi-dsr package.
#   scripts/ensure-yaml.sh            build if needed, print the bin directory
#   scripts/ensure-yaml.sh --check    never build: exit 3 when it is not built yet
set -euo pipefail

YAML_VERSION=1.25.0
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
DIR="$CACHE_ROOT/yaml/v$YAML_VERSION"
BIN="$DIR/bin"

log() { echo "ensure-yaml: $*" >&2; }

if [[ -x $BIN/pulumi-language-yaml ]]; then
  echo "$BIN"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  log "pulumi-language-yaml v$YAML_VERSION is not built yet: run scripts/ensure-yaml.sh"
  exit 3
fi
command -v go >/dev/null || { log "Go (1.26+) is needed to build the YAML language host"; exit 1; }
mkdir -p "$CACHE_ROOT/yaml"
exec 9>"$CACHE_ROOT/yaml/.build.lock"
flock -w 3600 9
if [[ ! -x $BIN/pulumi-language-yaml ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat >"$work/go.mod" <<MOD
module avi-dsr.local/yaml

go 1.26.6

require github.com/pulumi/pulumi-yaml v$YAML_VERSION
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"\n' \
    >"$work/tools.go"
  log "building pulumi-language-yaml v$YAML_VERSION (cold: a few minutes)"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy >&2 \
    && go build -trimpath -ldflags "-s -w" -o "$work/bin/" \
      github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2)
  mkdir -p "$DIR"
  mv "$work/bin" "$BIN"
fi
echo "$BIN"
