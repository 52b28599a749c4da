#!/usr/bin/env bash
# `make demo` / `make destroy`: the whole avi-dsr flow on this machine, no vCenter or Avi needed.
#
#   scripts/demo.sh [up]     ensure the engine, start the Avi simulator and a loopback sshd (the
#                            "existing" servers of stacks/Pulumi.local.yaml), `pulumi up` the local
#                            stack, print its outputs and each virtual service's oper status.
#                            Both helpers are left running so `pulumi destroy` works afterwards.
#   scripts/demo.sh destroy  start the helpers if needed, `pulumi destroy` the stack, stop them.
#
# Everything lives under ${XDG_CACHE_HOME:-~/.cache}/avi-dsr/: the engine, the file backend
# (state/), the simulator's state file and log (local/), the SSH keys (local/ssh/) and the staged
# server files (local/stage/); the key directory is the one stacks/Pulumi.local.yaml names. The local stack's passphrase is "avi-dsr-local" unless
# PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
PY="$REPO_ROOT/.venv/bin/python"
STACK=local
STACK_FILE="stacks/Pulumi.$STACK.yaml"
LOCAL_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr/local"
SIM_PID="$LOCAL_DIR/avisim.pid"

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

[[ -x $PY ]] || die "no virtualenv at .venv: run 'make venv' (or 'make demo', which does)"
[[ -f $STACK_FILE ]] || die "$STACK_FILE is missing"
mkdir -p "$LOCAL_DIR"

eval "$(scripts/ensure-pulumi.sh --env)"
if [[ -z ${PULUMI_CONFIG_PASSPHRASE:-} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
  export PULUMI_CONFIG_PASSPHRASE=avi-dsr-local
fi

# The simulator's port, the sshd port and the key directory come from the stack file, so they
# cannot drift apart.
read -r SIM_URL SSH_PORT SSH_DIR < <("$PY" - "$STACK_FILE" <<'EOF'
import os, sys, urllib.parse, yaml
config = yaml.safe_load(open(sys.argv[1]))["config"]
address = config["avi-dsr:controller"]["address"]
url = urllib.parse.urlsplit(address if "://" in address else "https://" + address)
ports = {s.get("ssh", {}).get("port") for s in config.get("avi-dsr:servers", []) if s.get("kind") == "existing"}
ports.discard(None)
ssh_defaults = config.get("avi-dsr:ssh", {})
port = (ports or {ssh_defaults.get("port", 22)}).pop()
key_dir = os.path.dirname(os.path.expanduser(ssh_defaults["privateKeyFile"]))
print(f"{url.scheme}://{url.hostname}:{url.port or 443}", port, key_dir)
EOF
)
SIM_PORT=${SIM_URL##*:}
[[ $SIM_URL == http://127.0.0.1:* ]] || die "$STACK_FILE must point the controller at http://127.0.0.1:PORT (the simulator)"

simulator_up() { curl -fsS -o /dev/null "$SIM_URL/_avisim/health" 2>/dev/null; }

start_simulator() {
  if simulator_up; then
    echo "simulator already running at $SIM_URL"
    return
  fi
  # The state file lets a restarted simulator (e.g. after a reboot) still hold what `up` made.
  nohup "$PY" -m avisim --port "$SIM_PORT" --state-file "$LOCAL_DIR/avisim-state.json" \
    </dev/null >>"$LOCAL_DIR/avisim.log" 2>&1 &
  echo $! >"$SIM_PID"
  for _ in $(seq 100); do
    simulator_up && { echo "simulator running at $SIM_URL (log: $LOCAL_DIR/avisim.log)"; return; }
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

select_stack() {
  pulumi stack select "$STACK" --create >/dev/null
  # The committed stack file carries the simulator password encrypted with the documented
  # passphrase; set it if this copy of the file does not have it yet.
  if ! pulumi config get avi-dsr:controllerPassword --stack "$STACK" >/dev/null 2>&1; then
    pulumi config set --secret avi-dsr:controllerPassword admin --stack "$STACK"
  fi
}

show_status() {
  say "stack outputs"
  pulumi stack output --json --stack "$STACK"
  say "virtual services on the simulator"
  "$PY" - "$SIM_URL" <<'EOF'
import sys, requests
base = sys.argv[1]
session = requests.Session()
session.post(f"{base}/login", json={"username": "admin", "password": "admin"}, timeout=10).raise_for_status()
session.headers["X-Avi-Version"] = "22.1.4"
def objects(obj_type):
    return requests.get(f"{base}/_avisim/objects/{obj_type}", timeout=10).json()
vips = {v["uuid"]: [e["ip_address"]["addr"] for e in v.get("vip", [])] for v in objects("vsvip")}
print(f"{'virtual service':<20} {'oper status':<12} vip")
for vs in objects("virtualservice"):
    runtime = session.get(f"{base}/api/virtualservice/{vs['uuid']}/runtime", timeout=10).json()
    state = runtime.get("oper_status", {}).get("state", "?")
    vsvip = vs.get("vsvip_ref", "").split("#")[0].rstrip("/").rsplit("/", 1)[-1]
    print(f"{vs['name']:<20} {state:<12} {', '.join(vips.get(vsvip, []))}")
EOF
}

case "${1:-up}" in
  up)
    say "Avi simulator and loopback sshd"
    start_simulator
    scripts/local-sshd.sh start "$SSH_DIR" "$SSH_PORT" >/dev/null
    echo "sshd running on 127.0.0.1:$SSH_PORT (keys: $SSH_DIR)"
    say "pulumi up --stack $STACK"
    select_stack
    pulumi up --yes --stack "$STACK"
    show_status
    say "left running for 'pulumi destroy': simulator ($SIM_URL) and sshd (127.0.0.1:$SSH_PORT)"
    echo "tear down with: make destroy"
    ;;
  destroy)
    start_simulator
    scripts/local-sshd.sh start "$SSH_DIR" "$SSH_PORT" >/dev/null
    pulumi stack select "$STACK" >/dev/null || die "no '$STACK' stack in $PULUMI_BACKEND_URL: nothing to destroy"
    pulumi destroy --yes --stack "$STACK"
    stop_simulator
    scripts/local-sshd.sh stop "$SSH_DIR"
    echo "destroyed; simulator and sshd stopped"
    ;;
  *) die "unknown command '$1' (up, destroy)" ;;
esac
