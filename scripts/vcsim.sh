#!/usr/bin/env bash
# A vCenter for tests and the demo: VMware's vcsim with the write-up's inventory, plus the guest
# hook that plays VMware Tools in its VMs.
#
#   scripts/vcsim.sh start DIR [--port N] [--stack FILE] [-- HOOK-FLAGS...]
#       start vcsim on 127.0.0.1:N (default: a free port), shape the inventory, start vcsim-guest;
#       print key=value lines: url, server, datacenter, cluster, datastore, network, folder,
#       template
#   scripts/vcsim.sh stop DIR
#   scripts/vcsim.sh status DIR          exit 0 if vcsim is running
#
# The inventory names are those of the stack file's avi-dsr:vcenter (default: the write-up's
# dc-01 / cluster-01 / ds-01 / seg-web / folder avi-dsr / template ubuntu-2204-tpl): one
# datacenter, a cluster with one host, a datastore, a distributed port group and an Ubuntu 22.04
# template (2 vCPU, 4 GiB, a 20 GiB thin disk on pvscsi, one vmxnet3 NIC).
#
# Login: vcsim's default, any non-empty user name and password. (With -username, vcsim v0.56.0
# refuses SSO-style names such as administrator@vsphere.local, the stacks' user.) vcsim's URL
# goes to DIR/govc.env for govc and the hook.
# HOOK-FLAGS go to vcsim-guest (engine/govmomi/vcsim-guest): -silent REGEX, -vip-first,
# -boot-delay D, -report-every D.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "vcsim: error: $*" >&2; exit 1; }

cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || die "usage: $0 start DIR [--port N] [--stack FILE] [-- HOOK-FLAGS] | stop DIR | status DIR"
shift 2
mkdir -p "$dir"
chmod 700 "$dir"
dir=$(cd "$dir" && pwd)

alive() { [[ -f $dir/$1.pid ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

stop_one() {
  if alive "$1"; then
    local pid
    pid=$(cat "$dir/$1.pid")
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/$1.pid"
}

# Inventory names: from the stack file's avi-dsr:vcenter, else the write-up's.
inventory() { # [stack file]
  local python="$REPO_ROOT/.venv/bin/python"
  if [[ -z ${1:-} ]]; then
    printf '%s\n' datacenter=dc-01 cluster=cluster-01 datastore=ds-01 network=seg-web \
      folder=avi-dsr template=ubuntu-2204-tpl
    return
  fi
  [[ -x $python ]] || die "--stack needs the virtualenv (.venv): run 'make venv'"
  "$python" - "$1" <<'EOF'
import sys, yaml
vc = (yaml.safe_load(open(sys.argv[1])).get("config") or {}).get("avi-dsr:vcenter") or {}
missing = [k for k in ("datacenter", "cluster", "datastore", "network", "template") if not vc.get(k)]
if missing:
    sys.exit(f"vcsim: error: {sys.argv[1]}: avi-dsr:vcenter has no {', '.join(missing)}")
for key in ("datacenter", "cluster", "datastore", "network", "folder", "template"):
    print(f"{key}={vc.get(key) or ''}")
EOF
}

start() {
  local port=0 stack="" hook_flags=()
  while (($#)); do
    case $1 in
      --port) port=${2:?--port needs a number}; shift 2 ;;
      --stack) stack=${2:?--stack needs a file}; shift 2 ;;
      --) shift; hook_flags=("$@"); break ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  [[ $port =~ ^[0-9]+$ ]] || die "--port must be a number, got '$port'"
  local names
  names=$(inventory "$stack")
  local key value datacenter="" cluster="" datastore="" network="" folder="" template=""
  while IFS='=' read -r key value; do
    case $key in
      datacenter) datacenter=$value ;;
      cluster) cluster=$value ;;
      datastore) datastore=$value ;;
      network) network=$value ;;
      folder) folder=$value ;;
      template) template=$value ;;
    esac
  done <<<"$names"

  local bin=${AVI_DSR_VCSIM_BIN:-} hook=${AVI_DSR_VCSIM_GUEST:-}
  if [[ -z $bin || -z $hook ]]; then
    read -r bin hook < <(eval "$("$REPO_ROOT/scripts/ensure-pulumi.sh" --check)" \
      && echo "$AVI_DSR_VCSIM_BIN $AVI_DSR_VCSIM_GUEST") || true
  fi
  [[ -x ${bin:-}/vcsim && -x ${bin:-}/govc && -x ${hook:-} ]] \
    || die "vcsim is not built: run 'make engine' (scripts/ensure-pulumi.sh)"

  stop_one guest
  stop_one vcsim
  : >"$dir/govc.env"
  # A clean model each start (no -load): the stack's VMs are created by `pulumi up`.
  # shellcheck disable=SC2086 # VCSIM_FLAGS: extra vcsim flags for debugging, e.g. "-trace"
  setsid "$bin/vcsim" -l "127.0.0.1:$port" -E "$dir/govc.env" -dc 1 -cluster 1 -host 1 \
    -standalone-host 0 -ds 0 -pg 1 -vm 0 -pool 0 -app 0 -folder 0 ${VCSIM_FLAGS:-} \
    </dev/null >>"$dir/vcsim.log" 2>&1 &
  echo $! >"$dir/vcsim.pid"
  for _ in $(seq 200); do
    [[ -s $dir/govc.env ]] && break
    alive vcsim || die "vcsim exited; see $dir/vcsim.log"
    sleep 0.05
  done
  [[ -s $dir/govc.env ]] || die "vcsim did not start within 10 s; see $dir/vcsim.log"
  local GOVC_URL
  GOVC_URL=$(sed -n 's/^export GOVC_URL=\([^ ]*\).*/\1/p' "$dir/govc.env")
  export GOVC_URL GOVC_INSECURE=1 GOVC_PERSIST_SESSION=false
  local server=${GOVC_URL#*@}
  server=${server%%/*}

  # Shape vcsim's default model into the stack's inventory.
  local govc="$bin/govc"
  {
    "$govc" object.rename /DC0 "$datacenter"
    "$govc" object.rename "/$datacenter/host/DC0_C0" "$cluster"
    # vcsim cannot rename a datastore: the model has none, a local one (a folder of DIR) is added,
    # emptied first like the rest of the model (VM files of an earlier start would clash)
    rm -rf "$dir/datastores"
    mkdir -p "$dir/datastores/$datastore"
    "$govc" datastore.create -type local -name "$datastore" -path "$dir/datastores/$datastore" \
      "/$datacenter/host/$cluster/DC0_C0_H0"
    "$govc" object.rename "/$datacenter/network/DC0_DVPG0" "$network"
    local vm_folder="/$datacenter/vm"
    if [[ -n $folder ]]; then
      "$govc" folder.create "/$datacenter/vm/$folder" >/dev/null
    fi
    "$govc" vm.create -on=false -folder "$vm_folder" -pool "/$datacenter/host/$cluster/Resources" \
      -ds "$datastore" -net "$network" -net.adapter vmxnet3 -disk 20GB -disk.controller pvscsi \
      -g ubuntu64Guest -c 2 -m 4096 "$template"
    "$govc" vm.markastemplate "$vm_folder/$template"
  } >>"$dir/vcsim.log" 2>&1 || die "shaping the inventory failed; see $dir/vcsim.log"

  setsid "$hook" "${hook_flags[@]}" </dev/null >>"$dir/guest.log" 2>&1 &
  echo $! >"$dir/guest.pid"
  sleep 0.2
  alive guest || die "vcsim-guest exited; see $dir/guest.log"

  echo "url=https://$server/sdk"
  echo "server=$server"
  echo "$names"
}

case $cmd in
  start) start "$@" ;;
  stop)
    stop_one guest
    stop_one vcsim
    ;;
  status) alive vcsim ;;
  *) die "unknown command '$cmd' (start, stop, status)" ;;
esac
