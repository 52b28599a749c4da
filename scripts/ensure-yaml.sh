#!/usr/bin/env bash
# The Pulumi YAML language host, built from the Go module proxy on first use
# (github.com/pulumi/pulumi-yaml, served there) into
#   ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/yaml/<version>/bin
# It runs examples/yaml, the proof that other languages use the avi-dsr package.
#
#   scripts/ensure-yaml.sh [--check] [--into DIR]
#     prints the directory holding pulumi-language-yaml, building it first unless --check (then
#     exit 3 when it is not built). --into DIR links it into DIR, the directory of a `pulumi` this
#     project built: the engine looks for its bundled language hosts next to itself (a user's own
#     pulumi ships YAML already, and DIR outside the cache is left alone).
set -euo pipefail

YAML_VERSION=1.25.0
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
DIR="$CACHE_ROOT/yaml/v$YAML_VERSION"
BIN="$DIR/bin"

log() { echo "ensure-yaml: $*" >&2; }

check=0
into=""
while (($#)); do
  case $1 in
    --check) check=1 ;;
    --into) into=${2:?--into needs a directory}; shift ;;
    *) log "unknown argument '$1' (use --check, --into DIR)"; exit 2 ;;
  esac
  shift
done

build() {
  command -v go >/dev/null || { log "Go (1.26+) is needed to build the YAML language host"; exit 1; }
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
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
}

if [[ ! -x $BIN/pulumi-language-yaml ]]; then
  if ((check)); then
    log "pulumi-language-yaml v$YAML_VERSION is not built yet: run 'make engine'"
    exit 3
  fi
  mkdir -p "$CACHE_ROOT/yaml"
  exec 9>"$CACHE_ROOT/yaml/.build.lock"
  flock -w 3600 9
  [[ -x $BIN/pulumi-language-yaml ]] || build
fi
if [[ -n $into && $into == "$CACHE_ROOT"/* ]]; then
  ln -sfn "$BIN/pulumi-language-yaml" "$into/pulumi-language-yaml"
fi
echo "$BIN"
