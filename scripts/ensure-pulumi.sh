#!/usr/bin/env bash
# The Pulumi engine, the two provider plugins and the vCenter simulator, from upstream sources.
#
#   scripts/ensure-pulumi.sh          build what is missing, install the plugins, print the
#                                     directory holding `pulumi`
#   scripts/ensure-pulumi.sh --env    the same, then print `export ...` lines (eval them): PATH,
#                                     PULUMI_HOME, offline switches, the local file backend,
#                                     AVI_DSR_VCSIM_BIN (vcsim, govc), AVI_DSR_VCSIM_GUEST
#   scripts/ensure-pulumi.sh --check  like --env, but never build or install: exit 3 if it would
#
# What a machine already has is used as it is. A `pulumi` on PATH is the engine (set
# AVI_DSR_BUILD_ENGINE=1 to build the pinned one anyway), and plugins already installed in its
# PULUMI_HOME are used; a missing plugin is first asked of `pulumi plugin install` (online). The
# builds below are the offline fallback: the CLI from the Go module proxy, the rest from upstream
# sources the proxy refuses, found in <project root>/../shared/third_party and referenced by the
# go.mod replace directives under engine/ (never copied into the repo). Each part is cached
# under ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/ by version and a digest of its inputs, with a stamp,
# so a warm run takes milliseconds; Go's module and build caches stay where `go env` puts them.
#
# Versions:
# - CLI: github.com/pulumi/pulumi/pkg/v3 v3.274.1 (engine/pulumi-cli). The proxy refuses v3.272.0,
#   the pinned Python SDK; the CLI runs older SDKs, so the nearest newer release is used.
# - Python language host: upstream pulumi-language-python v3.259.0 (engine/language-python), the
#   newest source in reach; it runs the SDK's pulumi-language-python-exec and the dynamic-provider
#   host pulumi-resource-pulumi-python, both copied from sdk/v3 v3.272.0 (the pinned SDK).
# - resource vsphere 4.18.2 (engine/plugin-vsphere): pulumi-vsphere commit ebffcdf0 (v4.17.0 + 19
#   commits, the newest source in reach) with terraform-provider-vsphere v2.16.1, stamped 4.18.2,
#   the version the pulumi_vsphere Python package pins and therefore asks the engine for.
# - resource command 1.2.1 (engine/plugin-command): pulumi-command v1.2.1.
# - vcsim and govc from govmomi v0.56.0, plus our vcsim-guest hook (engine/govmomi).
set -euo pipefail

CLI_VERSION=3.274.1
LANGUAGE_HOST_VERSION=3.259.0
PYTHON_SDK_VERSION=3.272.0
VSPHERE_VERSION=4.18.2
COMMAND_VERSION=1.2.1
GOVMOMI_VERSION=0.56.0

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENGINE_SRC="$REPO_ROOT/engine"
THIRD_PARTY="$REPO_ROOT/../shared/third_party"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
BACKEND_DIR="$CACHE_ROOT/state"

log() { echo "ensure-pulumi: $*" >&2; }
die() { log "error: $*"; exit 1; }

mode=bin
build_allowed=1
case "${1:-}" in
  "") ;;
  --env) mode=env ;;
  --check) mode=env build_allowed=0 ;;
  -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --env, --check or nothing)" ;;
esac

# Digest of files and folders (names and contents): a changed input builds into a new directory.
digest() {
  (cd "$REPO_ROOT" && { find "$@" -type f ! -name '.*' -print0 2>/dev/null || true; } | sort -z \
    | xargs -0r sha256sum | sha256sum | cut -c1-12)
}

# ------------------------------------------------------------------ which engine

ambient=""
if [[ ${AVI_DSR_BUILD_ENGINE:-0} != 1 ]] && found=$(command -v pulumi 2>/dev/null) \
  && [[ $found != "$CACHE_ROOT"/* ]]; then
  ambient=$found
fi

if [[ -n $ambient ]]; then
  BIN=$(dirname "$ambient")
  PULUMI_HOME_DIR="${PULUMI_HOME:-$HOME/.pulumi}"
  ENGINE_STAMP=""
else
  BIN="$CACHE_ROOT/pulumi/v$CLI_VERSION-$(digest engine/pulumi-cli engine/language-python)/bin"
  PULUMI_HOME_DIR="${AVI_DSR_PULUMI_HOME:-$CACHE_ROOT/pulumi-home}"
  ENGINE_STAMP="$(dirname "$BIN")/.complete"
fi

# Where this build of each plugin lives (computed once: hashing the sources is most of a warm run).
PLUGIN_DIR_vsphere="$CACHE_ROOT/plugins/vsphere-$VSPHERE_VERSION-$(digest engine/plugin-vsphere \
  ../shared/third_party/pulumi-vsphere-provider ../shared/third_party/terraform-provider-vsphere)"
PLUGIN_DIR_command="$CACHE_ROOT/plugins/command-$COMMAND_VERSION-$(digest engine/plugin-command \
  ../shared/third_party/pulumi-command-provider)"
plugin_dir() { # name -> where this build of the plugin lives
  local var="PLUGIN_DIR_$1"
  echo "${!var}"
}
VCSIM_BIN="$CACHE_ROOT/vcsim/v$GOVMOMI_VERSION-$(digest engine/govmomi/go.mod engine/govmomi/go.sum ../shared/third_party/govmomi-cmd)/bin"
VCSIM_STAMP="$(dirname "$VCSIM_BIN")/.complete"
GUEST_DIR="$CACHE_ROOT/vcsim-guest/$(digest engine/govmomi)"

# ------------------------------------------------------------------ builds

need_sources() {
  command -v go >/dev/null || die "Go (1.26+) is needed to build $1; install it (or put pulumi and its plugins on this machine)"
  [[ -d $THIRD_PARTY ]] || die "upstream sources for $1 are expected in $(cd "$REPO_ROOT/.." && pwd)/shared/third_party (the go.mod replaces under engine/ point there)"
}

# go build in a builder module, in place and read-only: nothing is written to the repo or to the
# third-party trees; outputs go to the cache.
go_build() { # module-dir output ldflags [extra go flags...] -- packages...
  local module=$1 out=$2 ldflags=$3
  shift 3
  local flags=()
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  (cd "$ENGINE_SRC/$module" && GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -trimpath "${flags[@]}" -ldflags "-s -w $ldflags" -o "$out" "$@") >&2
}

# Builds of other sources next to a new one are dead weight (~50-200 MB each), unless another
# checkout still uses them: only those whose stamp is over a week old go.
prune() { # the new build's directory
  local old
  for old in "$(dirname "$1")"/*; do
    [[ -d $old && $old != "$1" && $old != *.tmp ]] || continue
    if [[ -z $(find "$old/.complete" -mtime -7 2>/dev/null) ]]; then rm -rf "$old"; fi
  done
}

timed() { # label command...
  local start=$SECONDS
  "${@:2}"
  log "$1 built in $((SECONDS - start)) s"
}

build_engine() {
  local dir work sdk
  dir=$(dirname "$BIN")
  work="$dir.tmp"
  rm -rf "$work" && mkdir -p "$work/bin"
  log "building pulumi v$CLI_VERSION (cold: ~10 min on 2 cores; first run downloads ~1 GB of modules)"
  timed "pulumi v$CLI_VERSION" go_build pulumi-cli "$work/bin/" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
    -tags osusergo,grpcnotrace -- github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  log "building the Python language host v$LANGUAGE_HOST_VERSION"
  timed "pulumi-language-python v$LANGUAGE_HOST_VERSION" go_build language-python \
    "$work/bin/pulumi-language-python" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGUAGE_HOST_VERSION" \
    -- github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
  # The executor and the dynamic-provider host are scripts in the sdk/v3 module of the pinned
  # Python SDK; the module cache keeps no exec bits, hence install -m755.
  sdk=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json \
    "github.com/pulumi/pulumi/sdk/v3@v$PYTHON_SDK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $sdk ]] || die "could not fetch github.com/pulumi/pulumi/sdk/v3@v$PYTHON_SDK_VERSION"
  install -m755 "$sdk/python/cmd/pulumi-language-python-exec" "$work/bin/"
  install -m755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$work/bin/"
  rm -rf "$dir" && mv "$work" "$dir"
  date -u +%FT%TZ >"$ENGINE_STAMP"
  prune "$dir"
}

build_plugin() { # name version -> $dir/pulumi-resource-<name>
  local name=$1 version=$2 dir work ldflags overlay=()
  dir=$(plugin_dir "$name")
  work="$dir.tmp"
  rm -rf "$work" && mkdir -p "$work"
  case $name in
    vsphere)
      # Upstream generates schema-embed.json (schema.json with the version set) before building;
      # it is written to the cache and laid over the read-only tree with go build -overlay.
      local provider="$THIRD_PARTY/pulumi-vsphere-provider/cmd/pulumi-resource-vsphere"
      python3 - "$provider/schema.json" "$version" "$work/schema-embed.json" <<'EOF'
import json, sys
schema = json.load(open(sys.argv[1]))
schema["version"] = sys.argv[2]
open(sys.argv[3], "w").write(json.dumps(schema, separators=(",", ":")))
EOF
      printf '{"Replace": {"%s/schema-embed.json": "%s/schema-embed.json"}}\n' \
        "$(cd "$provider" && pwd)" "$work" >"$work/overlay.json"
      overlay=(-overlay "$work/overlay.json")
      ldflags="-X github.com/pulumi/pulumi-vsphere/provider/v4/pkg/version.Version=$version"
      set -- github.com/pulumi/pulumi-vsphere/provider/v4/cmd/pulumi-resource-vsphere
      ;;
    command)
      ldflags="-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$version"
      set -- github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command
      ;;
  esac
  log "building pulumi-resource-$name $version from upstream source (cold: ~3-5 min on 2 cores)"
  timed "pulumi-resource-$name $version" go_build "plugin-$name" "$work/pulumi-resource-$name" \
    "$ldflags" "${overlay[@]}" -- "$@"
  rm -f "$work/overlay.json" "$work/schema-embed.json"
  rm -rf "$dir" && mv "$work" "$dir"
  date -u +%FT%TZ >"$dir/.complete"
  prune "$dir"
}

build_vcsim() {
  local dir work cmd
  dir=$(dirname "$VCSIM_BIN")
  work="$dir.tmp"
  rm -rf "$work" && mkdir -p "$work/bin"
  cmd=$(cd "$THIRD_PARTY/govmomi-cmd" && pwd)
  # vcsim's and govc's main.go are laid over engine/govmomi/{vcsim,govc} (go build -overlay).
  printf '{"Replace": {"%s/vcsim/main.go": "%s/vcsim/main.go", "%s/govc/main.go": "%s/govc/main.go"}}\n' \
    "$ENGINE_SRC/govmomi" "$cmd" "$ENGINE_SRC/govmomi" "$cmd" >"$work/overlay.json"
  log "building vcsim and govc (govmomi v$GOVMOMI_VERSION)"
  timed "vcsim" go_build govmomi "$work/bin/vcsim" "-X main.buildVersion=v$GOVMOMI_VERSION" \
    -overlay "$work/overlay.json" -- ./vcsim
  timed "govc" go_build govmomi "$work/bin/govc" \
    "-X github.com/vmware/govmomi/cli/flags.BuildVersion=v$GOVMOMI_VERSION" \
    -overlay "$work/overlay.json" -- ./govc
  rm -f "$work/overlay.json"
  rm -rf "$dir" && mv "$work" "$dir"
  date -u +%FT%TZ >"$VCSIM_STAMP"
  prune "$dir"
}

build_guest_hook() {
  local work="$GUEST_DIR.tmp"
  rm -rf "$work" && mkdir -p "$work"
  timed "vcsim-guest" go_build govmomi "$work/vcsim-guest" "" -- ./vcsim-guest
  rm -rf "$GUEST_DIR" && mv "$work" "$GUEST_DIR"
  date -u +%FT%TZ >"$GUEST_DIR/.complete"
  prune "$GUEST_DIR"
}

# ------------------------------------------------------------------ plugins in PULUMI_HOME

installed_plugin() { # name version -> path of the plugin binary in PULUMI_HOME
  echo "$PULUMI_HOME_DIR/plugins/resource-$1-v$2/pulumi-resource-$1"
}

# For the built engine, the installed copy must be this build's (a stamp records which); for an
# ambient engine, whatever is installed at that version is the user's and is used as it is.
plugin_ok() { # name version
  local installed stamp
  installed=$(installed_plugin "$1" "$2")
  [[ -x $installed && ! -e "$PULUMI_HOME_DIR/plugins/resource-$1-v$2.partial" ]] || return 1
  [[ -n $ambient ]] && return 0
  stamp="$PULUMI_HOME_DIR/plugins/.avi-dsr-resource-$1-v$2"
  [[ -f $stamp && $(<"$stamp") == "$(plugin_dir "$1")" ]]
}

pulumi_cli() { PULUMI_HOME="$PULUMI_HOME_DIR" PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" "$@"; }

ensure_plugin() { # name version
  local name=$1 version=$2 dir
  plugin_ok "$name" "$version" && return 0
  if [[ -n $ambient ]]; then
    log "resource $name $version is not installed in $PULUMI_HOME_DIR: trying 'pulumi plugin install'"
    if timeout 300 env PULUMI_HOME="$PULUMI_HOME_DIR" "$BIN/pulumi" plugin install resource "$name" "$version" >&2; then
      return 0
    fi
    log "no download (offline?): building resource $name $version from ../shared/third_party instead"
  fi
  dir=$(plugin_dir "$name")
  if [[ ! -f $dir/.complete ]]; then
    need_sources "pulumi-resource-$name"
    build_plugin "$name" "$version"
  fi
  pulumi_cli plugin install --reinstall resource "$name" "$version" -f "$dir/pulumi-resource-$name" >&2
  [[ -n $ambient ]] || echo "$dir" >"$PULUMI_HOME_DIR/plugins/.avi-dsr-resource-$name-v$version"
}

# ------------------------------------------------------------------ main

missing=()
[[ -z $ENGINE_STAMP || -f $ENGINE_STAMP ]] || missing+=("pulumi v$CLI_VERSION")
plugin_ok vsphere "$VSPHERE_VERSION" || missing+=("resource vsphere $VSPHERE_VERSION")
plugin_ok command "$COMMAND_VERSION" || missing+=("resource command $COMMAND_VERSION")
[[ -f $VCSIM_STAMP ]] || missing+=("vcsim v$GOVMOMI_VERSION")
[[ -f $GUEST_DIR/.complete ]] || missing+=("vcsim-guest")

if ((${#missing[@]})); then
  if [[ $build_allowed == 0 ]]; then
    log "not built or installed yet: ${missing[*]}; run 'make engine' (scripts/ensure-pulumi.sh)"
    exit 3
  fi
  [[ -n $ambient ]] && log "using $ambient (set AVI_DSR_BUILD_ENGINE=1 to build the pinned engine instead)"
  mkdir -p "$CACHE_ROOT" "$PULUMI_HOME_DIR/plugins"
  # One builder at a time; the others wait and then find the stamps.
  exec 9>"$CACHE_ROOT/.build.lock"
  flock -w 7200 9 || die "timed out waiting for another engine build"
  if [[ -n $ENGINE_STAMP && ! -f $ENGINE_STAMP ]]; then
    need_sources "the Python language host"
    build_engine
  fi
  ensure_plugin vsphere "$VSPHERE_VERSION"
  ensure_plugin command "$COMMAND_VERSION"
  if [[ ! -f $VCSIM_STAMP ]]; then
    need_sources vcsim
    build_vcsim
  fi
  if [[ ! -f $GUEST_DIR/.complete ]]; then
    need_sources vcsim-guest
    build_guest_hook
  fi
  flock -u 9
fi

if [[ $mode == bin ]]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$BACKEND_DIR"
echo "export PATH=\"$BIN:\$PATH\""
echo "export PULUMI_SKIP_UPDATE_CHECK=true"
if [[ -z $ambient ]]; then
  echo "export PULUMI_HOME=\"$PULUMI_HOME_DIR\""
  echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
fi
echo "export PULUMI_BACKEND_URL=\"\${PULUMI_BACKEND_URL:-file://$BACKEND_DIR}\""
echo "export AVI_DSR_VCSIM_BIN=\"$VCSIM_BIN\""
echo "export AVI_DSR_VCSIM_GUEST=\"$GUEST_DIR/vcsim-guest\""
