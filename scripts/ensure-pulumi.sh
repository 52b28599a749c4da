#!/usr/bin/env bash
# Make the Pulumi engine available without downloading a prebuilt CLI.
#
#   scripts/ensure-pulumi.sh          print the directory holding `pulumi` (build it if needed)
#   scripts/ensure-pulumi.sh --env    print `export ...` lines: PATH, PULUMI_HOME, offline
#                                     switches and the local file backend (eval them)
#   scripts/ensure-pulumi.sh --check  like --env, but never build: exit 3 if it would have to
#
# Why: the Pulumi CLI is not on PyPI and release downloads are unreachable here, but the Go
# module proxy is. A `pulumi` already on PATH is used as is (set AVI_DSR_BUILD_ENGINE=1 to
# build anyway). Otherwise we build from Go modules into
#   ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/pulumi/<version>-<builder digest>/bin
# with a stamp file, so a warm run takes milliseconds; Go's module and build caches stay in
# their default places (GOMODCACHE/GOCACHE) so CI on the same machine is warm too.
#
# Versions (why not exactly 3.272.0, the pinned Python SDK):
# - CLI: github.com/pulumi/pulumi/pkg/v3 v3.274.1. The proxy refuses pkg/v3@v3.272.0 ("not
#   available"); it serves v3.260.0, v3.274.0 and v3.274.1. The CLI is backwards compatible with
#   older language SDKs, so the nearest newer release is the safe choice.
# - Language host: the upstream module (sdk/python/cmd/pulumi-language-python/v3) exists only
#   as pseudo-versions and the proxy serves none of them, so engine/builder/cmd/
#   pulumi-language-python is our own small host; it runs the SDK's pulumi-language-python-exec.
# - pulumi-language-python-exec and pulumi-resource-pulumi-python (dynamic providers) come from
#   the sdk/v3 module at the pinned Python SDK version, 3.272.0.
# - pulumi-resource-command: github.com/pulumi/pulumi-command/provider is not served either, so
#   engine/builder/cmd/pulumi-resource-command implements the remote/local Command resources
#   of pulumi_command 1.2.1; it is installed as plugin "resource command 1.2.1".
set -euo pipefail

CLI_VERSION=3.274.1
PYTHON_SDK_VERSION=3.272.0
COMMAND_VERSION=1.2.1

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDER_SRC="$REPO_ROOT/engine/builder"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
PULUMI_HOME_DIR="${AVI_DSR_PULUMI_HOME:-$CACHE_ROOT/pulumi-home}"
BACKEND_DIR="$CACHE_ROOT/state"

log() { echo "ensure-pulumi: $*" >&2; }
die() { log "error: $*"; exit 1; }

mode=bin
build_allowed=1
case "${1:-}" in
  "") ;;
  --env) mode=env ;;
  --check) mode=env build_allowed=0 ;;
  -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --env, --check or nothing)" ;;
esac

# Digest of the builder sources: editing our host/provider rebuilds into a new directory.
builder_digest() {
  (cd "$BUILDER_SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

emit() { # $1 = bin dir, $2 = "built" or "ambient"
  local bin=$1
  if [[ $mode == bin ]]; then
    echo "$bin"
    return
  fi
  echo "export PATH=\"$bin:\$PATH\""
  echo "export PULUMI_SKIP_UPDATE_CHECK=true"
  if [[ $2 == built ]]; then
    echo "export PULUMI_HOME=\"$PULUMI_HOME_DIR\""
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  fi
  echo "export PULUMI_BACKEND_URL=\"\${PULUMI_BACKEND_URL:-file://$BACKEND_DIR}\""
}

if [[ ${AVI_DSR_BUILD_ENGINE:-0} != 1 ]] && ambient=$(command -v pulumi 2>/dev/null) \
  && [[ $ambient != "$CACHE_ROOT"/* ]]; then
  log "using $ambient (set AVI_DSR_BUILD_ENGINE=1 to build the pinned engine instead)"
  emit "$(dirname "$ambient")" ambient
  exit 0
fi

KEY="v$CLI_VERSION-$(builder_digest)"
ENGINE_DIR="$CACHE_ROOT/pulumi/$KEY"
BIN="$ENGINE_DIR/bin"
STAMP="$ENGINE_DIR/.complete"

build_engine() {
  command -v go >/dev/null || die "Go (1.26+) is needed to build the engine; install it or put pulumi on PATH"
  local work="$ENGINE_DIR/src"
  rm -rf "$work" "$BIN"
  mkdir -p "$work" "$BIN" "$ENGINE_DIR/plugins"
  cp -R "$BUILDER_SRC/." "$work/"
  export GOFLAGS=-mod=mod
  cd "$work"
  log "resolving modules (first run downloads ~1 GB into $(go env GOMODCACHE))"
  go mod tidy >&2
  log "building pulumi v$CLI_VERSION and the Python language host (cold: 10-30 min on 2 cores)"
  go build -p 2 -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
    -o "$BIN/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-python >&2
  log "building pulumi-resource-command $COMMAND_VERSION"
  go build -p 2 -trimpath -ldflags "-s -w -X main.version=$COMMAND_VERSION" \
    -o "$ENGINE_DIR/plugins/pulumi-resource-command" ./cmd/pulumi-resource-command >&2

  local sdk
  sdk=$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PYTHON_SDK_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $sdk ]] || die "could not locate sdk/v3@v$PYTHON_SDK_VERSION in the module cache"
  # The module cache keeps no exec bits, hence install -m755.
  install -m755 "$sdk/python/cmd/pulumi-language-python-exec" "$BIN/"
  install -m755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$BIN/"
  rm -rf "$work"
  date -u +%FT%TZ >"$STAMP"
  # Builds of older builder sources are dead weight (~150 MB each).
  find "$CACHE_ROOT/pulumi" -mindepth 1 -maxdepth 1 -type d -name "v$CLI_VERSION-*" ! -name "$KEY" \
    -exec rm -rf {} +
}

if [[ ! -f $STAMP && $build_allowed == 0 ]]; then
  log "no engine built for $KEY yet: run 'make engine' (scripts/ensure-pulumi.sh)"
  exit 3
fi
mkdir -p "$CACHE_ROOT/pulumi" "$BACKEND_DIR"
if [[ ! -f $STAMP ]]; then
  # One builder at a time; the others wait and then find the stamp.
  exec 9>"$CACHE_ROOT/pulumi/.build.lock"
  flock -w 7200 9 || die "timed out waiting for another engine build"
  if [[ ! -f $STAMP ]]; then
    (build_engine)
  fi
  flock -u 9
fi
# The command plugin lives in PULUMI_HOME, shared by every build: (re)install it whenever the
# copy there is missing or is not this build's (plugin install skips an existing version).
PLUGIN_BUILT="$ENGINE_DIR/plugins/pulumi-resource-command"
if ! cmp -s "$PLUGIN_BUILT" "$PULUMI_HOME_DIR/plugins/resource-command-v$COMMAND_VERSION/pulumi-resource-command"; then
  PULUMI_HOME="$PULUMI_HOME_DIR" PULUMI_SKIP_UPDATE_CHECK=true \
    "$BIN/pulumi" plugin install --reinstall resource command "$COMMAND_VERSION" -f "$PLUGIN_BUILT" >&2
fi
emit "$BIN" built
