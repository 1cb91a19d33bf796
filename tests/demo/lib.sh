# shellcheck shell=bash
# Sourced by tests/demo/run (bash, set -euo pipefail, run from the repository root): how a step is
# shown and waited on, and the conditions on the RegionalFailover profile-api that the steps wait
# for. The conditions read the script's globals at call time: KUBECONFIG (each call may override
# it) and, with --two-regions, west_kubeconfig.

step() { step_t0=$(date +%s); printf '\n[%s] %s\n' "$(date +%H:%M:%S)" "$1"; }
done_step() { printf '    done in %ss\n' $(( $(date +%s) - step_t0 )); }
# Polls a command until it succeeds, showing a dot a second, failing after $1 seconds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  printf '    waiting for %s ' "$what"
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || { echo " gave up after ${limit}s"; return 1; }
    printf '.'
    sleep 1
  done
  echo " ok"
}
ready_line() { grep -m1 '^READY' "$1" 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# kubectl against the us-west-2 cluster (--two-regions).
# shellcheck disable=SC2154 # west_kubeconfig: set by tests/demo/run with --two-regions
kw() { kubectl --kubeconfig "$west_kubeconfig" "$@"; }

ready() { [[ $(kubectl get rf profile-api -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]; }
drill_done() { [[ $(kubectl get rf profile-api -o jsonpath='{.status.drill.last.phase}') =~ ^(Succeeded|Failed|Aborted)$ ]]; }
on_primary() { [[ $(kubectl get rf profile-api -o jsonpath='{.status.activeRegion}') == us-east-1 ]]; }
primary_healthy() {
  [[ $(kubectl get rf profile-api -o jsonpath='{.status.activeRegion}/{.status.conditions[?(@.type=="PrimaryHealthy")].status}') == us-east-1/True ]]
}
failed_over() {
  [[ $(kubectl get rf profile-api -o jsonpath='{.status.activeRegion}/{.status.conditions[?(@.type=="PrimaryHealthy")].status}') == us-west-2/False ]]
}
recovered() { [[ $(kubectl get rf profile-api -o jsonpath='{.status.activeRegion}') == us-east-1 ]]; }
west_active() { [[ $(kw get rf profile-api -o jsonpath='{.status.activeRegion}') == us-west-2 ]]; }
west_lists() { [[ $(kw get rf profile-api -o jsonpath='{.status.unreachable[0].code}') == Unreachable ]]; }
# shellcheck disable=SC2154 # west_kubeconfig: set by tests/demo/run with --two-regions
both_back() {
  local side
  for side in "$KUBECONFIG" "$west_kubeconfig"; do
    [[ $(kubectl --kubeconfig "$side" get rf profile-api -o jsonpath='{.status.activeRegion}/{.status.unreachable}') == us-east-1/ ]] ||
      return 1
  done
}
