#!/usr/bin/env bash
# `make demo` / `make destroy`: the write-up's setup on this machine, no vCenter or Avi needed.
#
#   scripts/demo.sh [up] [STACK]     ensure the engine, start the simulators the stack needs, run
#                                    `pulumi up`, then print what vCenter's VMs report and each
#                                    virtual service's oper status. The simulators are left
#                                    running so `pulumi` works by hand afterwards.
#   scripts/demo.sh destroy [STACK]  start the simulators if needed, `pulumi destroy`, stop them.
#
# STACK is "local" (default, stacks/Pulumi.local.yaml: two vSphere VMs in vcsim behind an L3 DSR
# virtual service on the Avi simulator, mirroring stacks/Pulumi.lab.yaml) or "existing"
# (stacks/Pulumi.existing.yaml: two existing servers over SSH to a loopback sshd, staged).
#
# Everything lives under ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/: the engine, the file backend
# (state/), and per helper under local/: the Avi simulator's state file and log, vcsim/ (its log
# and the guest hook's), ssh/ (keys of the loopback sshd) and stage/ (the staged server files).
# The demo stacks' passphrase is "avi-dsr-local" unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
PY="$REPO_ROOT/.venv/bin/python"
ACTION=${1:-up}
STACK=${2:-local}
STACK_FILE="stacks/Pulumi.$STACK.yaml"
LOCAL_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr/local"
SIM_PID="$LOCAL_DIR/avisim.pid"
VCSIM_DIR="$LOCAL_DIR/vcsim"

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

[[ -x $PY ]] || die "no virtualenv at .venv: run 'make venv' (or 'make demo', which does)"
[[ -f $STACK_FILE ]] || die "$STACK_FILE is missing (STACK is local or existing)"
mkdir -p "$LOCAL_DIR"

eval "$(scripts/ensure-pulumi.sh --env)"
if [[ -z ${PULUMI_CONFIG_PASSPHRASE:-} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
  export PULUMI_CONFIG_PASSPHRASE=avi-dsr-local
fi

# Ports and key directory come from the stack file, so they cannot drift apart.
read -r SIM_URL VCENTER SSH_PORT SSH_DIR < <("$PY" - "$STACK_FILE" <<'EOF'
import os, sys, urllib.parse, yaml
config = yaml.safe_load(open(sys.argv[1]))["config"]
address = config["avi-dsr:controller"]["address"]
url = urllib.parse.urlsplit(address if "://" in address else "https://" + address)
servers = config.get("avi-dsr:servers", [])
vcenter = "-"
if any(s.get("kind") == "vsphere" for s in servers):
    vcenter = config["avi-dsr:vcenter"]["server"]
port, key_dir = "-", "-"
if any(s.get("kind") == "existing" for s in servers):
    ssh_defaults = config.get("avi-dsr:ssh", {})
    ports = {s.get("ssh", {}).get("port") for s in servers if s.get("kind") == "existing"}
    ports.discard(None)
    port = (ports or {ssh_defaults.get("port", 22)}).pop()
    key_dir = os.path.dirname(os.path.expanduser(ssh_defaults["privateKeyFile"]))
print(f"{url.scheme}://{url.hostname}:{url.port or 443}", vcenter, port, key_dir)
EOF
)
SIM_PORT=${SIM_URL##*:}
[[ $SIM_URL == http://127.0.0.1:* ]] || die "$STACK_FILE must point the controller at http://127.0.0.1:PORT (the simulator)"
[[ $VCENTER == - || $VCENTER == 127.0.0.1:* ]] || die "$STACK_FILE must point vcenter.server at 127.0.0.1:PORT (vcsim)"

simulator_up() { curl -fsS -o /dev/null "$SIM_URL/_avisim/health" 2>/dev/null; }

start_simulator() {
  if simulator_up; then
    echo "Avi simulator already running at $SIM_URL"
    return
  fi
  # The state file lets a restarted simulator (e.g. after a reboot) still hold what `up` made.
  # The networks the stacks' placement names, as a vCenter cloud's port groups would hold them.
  nohup "$PY" -m avisim --port "$SIM_PORT" --state-file "$LOCAL_DIR/avisim-state.json" \
    --network seg-vip=203.0.113.0/24@203.0.113.100-203.0.113.199 \
    --network seg-web=198.51.100.0/24 \
    </dev/null >>"$LOCAL_DIR/avisim.log" 2>&1 &
  echo $! >"$SIM_PID"
  for _ in $(seq 100); do
    simulator_up && { echo "Avi simulator running at $SIM_URL (log: $LOCAL_DIR/avisim.log)"; return; }
    kill -0 "$(cat "$SIM_PID")" 2>/dev/null || die "simulator exited; see $LOCAL_DIR/avisim.log"
    sleep 0.1
  done
  die "simulator did not answer on $SIM_URL within 10 s"
}

stop_simulator() {
  if [[ -f $SIM_PID ]] && kill -0 "$(cat "$SIM_PID")" 2>/dev/null; then
    kill "$(cat "$SIM_PID")"
  fi
  rm -f "$SIM_PID"
}

# vcsim keeps its inventory in memory: a vcsim started now holds none of the stack's VMs, so
# the next pulumi run refreshes first (REFRESH) and drops them from the state.
REFRESH=()
start_vcsim() {
  [[ $VCENTER != - ]] || return 0
  if scripts/vcsim.sh status "$VCSIM_DIR"; then
    echo "vcsim already running at https://$VCENTER/sdk"
    return
  fi
  scripts/vcsim.sh start "$VCSIM_DIR" --port "${VCENTER##*:}" --stack "$STACK_FILE" >/dev/null
  echo "vcsim running at https://$VCENTER/sdk, guests played by vcsim-guest (logs: $VCSIM_DIR)"
  REFRESH=(--refresh)
}

start_sshd() {
  [[ $SSH_PORT != - ]] || return 0
  scripts/local-sshd.sh start "$SSH_DIR" "$SSH_PORT" >/dev/null
  echo "sshd running on 127.0.0.1:$SSH_PORT (keys: $SSH_DIR)"
}

select_stack() {
  pulumi stack select "$STACK" --create >/dev/null
  # The committed stack files carry the simulators' passwords encrypted with the documented
  # passphrase; set them if this copy of a file does not have them.
  if ! pulumi config get avi-dsr:controllerPassword --stack "$STACK" >/dev/null 2>&1; then
    printf admin | pulumi config set --secret avi-dsr:controllerPassword --stack "$STACK"
  fi
  if [[ $VCENTER != - ]] && ! pulumi config get avi-dsr:vcenterPassword --stack "$STACK" >/dev/null 2>&1; then
    printf vcsim-local | pulumi config set --secret avi-dsr:vcenterPassword --stack "$STACK"
  fi
}

show_vms() {
  [[ $VCENTER != - ]] || return 0
  say "VMs in vCenter (vcsim) and the addresses their guests report"
  GOVC_URL=$(sed -n 's/^export GOVC_URL=\([^ ]*\).*/\1/p' "$VCSIM_DIR/govc.env") \
    GOVC_INSECURE=1 GOVC_PERSIST_SESSION=false GOVC="$AVI_DSR_VCSIM_BIN/govc" \
    "$PY" - "$STACK_FILE" <<'EOF'
import json, os, subprocess, sys, yaml
config = yaml.safe_load(open(sys.argv[1]))["config"]
vc = config["avi-dsr:vcenter"]
vips = {s["vip"] for s in config["avi-dsr:services"]} | {s.get("vip6") for s in config["avi-dsr:services"]}
def govc(*args):
    return subprocess.run([os.environ["GOVC"], *args], capture_output=True, text=True, check=True).stdout
folder = f"/{vc['datacenter']}/vm/{vc.get('folder') or ''}".rstrip("/")
print(f"{'vm':<8} {'power':<11} reported by its guest (VIPs marked; the pool takes the others)")
for name in sorted(s["name"] for s in config["avi-dsr:servers"] if s["kind"] == "vsphere"):
    try:
        props = {p["name"]: p.get("val") for p in json.loads(
            govc("object.collect", "-json", f"{folder}/{name}", "runtime.powerState", "guest.net"))}
    except subprocess.CalledProcessError:
        print(f"{name:<8} {'missing':<11}")
        continue
    nets = (props.get("guest.net") or {}).get("_value", [])
    addresses = [a["ipAddress"] for n in nets for a in (n.get("ipConfig") or {}).get("ipAddress", [])]
    shown = [f"{a} (VIP)" if a in vips else a for a in addresses]
    print(f"{name:<8} {props['runtime.powerState']:<11} {', '.join(shown) or '-'}")
EOF
}

show_services() {
  say "virtual services on the Avi simulator"
  "$PY" - "$SIM_URL" <<'EOF'
import sys, requests
base = sys.argv[1]
session = requests.Session()
session.post(f"{base}/login", json={"username": "admin", "password": "admin"}, timeout=10).raise_for_status()
session.headers["X-Avi-Version"] = "22.1.4"
def objects(obj_type):
    return requests.get(f"{base}/_avisim/objects/{obj_type}", timeout=10).json()
vips = {v["uuid"]: [e["ip_address"]["addr"] for e in v.get("vip", [])] for v in objects("vsvip")}
pools = {p["uuid"]: [s["ip"]["addr"] for s in p.get("servers", [])] for p in objects("pool")}
def uuid(ref):
    return (ref or "").split("#")[0].rstrip("/").rsplit("/", 1)[-1]
print(f"{'virtual service':<16} {'oper status':<12} {'vip':<16} pool members")
for vs in objects("virtualservice"):
    runtime = session.get(f"{base}/api/virtualservice/{vs['uuid']}/runtime", timeout=10).json()
    state = runtime.get("oper_status", {}).get("state", "?")
    vip = ", ".join(vips.get(uuid(vs.get("vsvip_ref")), []))
    members = ", ".join(pools.get(uuid(vs.get("pool_ref")), []))
    print(f"{vs['name']:<16} {state:<12} {vip:<16} {members}")
EOF
}

# One step at a time with vcsim: it files the update handler of every session's default
# PropertyCollector under one name, so two VM tasks waited on at once can hang (README).
STEPS=()
[[ $VCENTER == - ]] || STEPS=(--parallel 1)

case $ACTION in
  up)
    say "simulators"
    start_simulator
    start_vcsim
    start_sshd
    say "pulumi up --stack $STACK"
    select_stack
    # per-step checkpoints only where a crash needs them (README, Crash safety)
    settings=$("$REPO_ROOT/.venv/bin/avi-dsr" run-settings --stack "stacks/Pulumi.$STACK.yaml")
    while read -r setting; do [[ -z $setting ]] || export "${setting?}"; done <<<"$settings"
    pulumi up --yes --stack "$STACK" "${STEPS[@]}" "${REFRESH[@]}"
    say "stack outputs"
    pulumi stack output --json --stack "$STACK"
    show_vms
    show_services
    say "left running for pulumi by hand: the Avi simulator ($SIM_URL)$([[ $VCENTER == - ]] || echo ", vcsim ($VCENTER)")$([[ $SSH_PORT == - ]] || echo ", sshd (127.0.0.1:$SSH_PORT)")"
    echo "tear down with: make destroy$([[ $STACK == local ]] || echo " STACK=$STACK")"
    ;;
  destroy)
    start_simulator
    start_vcsim
    start_sshd
    pulumi stack select "$STACK" >/dev/null || die "no '$STACK' stack in $PULUMI_BACKEND_URL: nothing to destroy"
    pulumi destroy --yes --stack "$STACK" "${STEPS[@]}" "${REFRESH[@]}"
    stop_simulator
    [[ $VCENTER == - ]] || scripts/vcsim.sh stop "$VCSIM_DIR"
    [[ $SSH_PORT == - ]] || scripts/local-sshd.sh stop "$SSH_DIR"
    echo "destroyed; simulators stopped"
    ;;
  *) die "unknown command '$ACTION' (up, destroy)" ;;
esac
