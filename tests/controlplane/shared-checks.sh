# shellcheck shell=bash
# Sourced by tests/controlplane/test (which defines $repo, $here, $tmp, wait_until, dead and
# blocker_pid): checks of what the setup scripts and peers share beyond the control plane.
# shellcheck disable=SC2154 # $repo, $here and $tmp come from the test that sources this

# Setup scripts share apt (tests/apt-get-locked).
# On a cold machine run-all's setups install packages side by side, and apt's `update` does not wait
# for its lists lock: two updates at once, or one while another program holds the lock, must both
# wait and succeed. The lock is held here as apt holds it (fcntl on the lists lock file).
apt_cmd=${RF_TEST_APT_UPDATE:-"$repo/tests/apt-get-locked"}
hold_apt_lists_lock() {
  local as_root=()
  [[ $EUID -eq 0 ]] || as_root=(sudo)
  "${as_root[@]}" python3 -c 'import fcntl, sys, time
f = open("/var/lib/apt/lists/lock", "w")
fcntl.lockf(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[1]))' "$1"
}
apt_updates_wait_for_the_lock() {
  local a b rc_a=0 rc_b=0
  hold_apt_lists_lock 3 >"$tmp/apt-hold.out" &
  blocker_pid=$!
  wait_until 10 grep -qs held "$tmp/apt-hold.out" || { echo "could not hold the apt lists lock"; return 1; }
  $apt_cmd update -qq >"$tmp/apt-a.out" 2>&1 &
  a=$!
  $apt_cmd update -qq >"$tmp/apt-b.out" 2>&1 &
  b=$!
  wait "$a" || rc_a=$?
  wait "$b" || rc_b=$?
  wait "$blocker_pid" || true
  blocker_pid=''
  [[ $rc_a -eq 0 && $rc_b -eq 0 ]] || { cat "$tmp/apt-a.out" "$tmp/apt-b.out"; return 1; }
}

# A serve tied to its starter (RF_STOP_WITH_STDIN=1, as the Rust tests' peers start it).
# Closing the write end of serve's stdin is what the starter's death, even by SIGKILL, does to it.
tied_serve_ends_with_its_starter() {
  local tie pid children c
  exec {tie}> >(RF_STOP_WITH_STDIN=1 exec "$here/serve" --dir "$tmp/tied" --plain >"$tmp/tied.out" 2>"$tmp/tied.err")
  pid=$!
  if ! wait_until 180 grep -qs '^READY ' "$tmp/tied.out"; then
    echo "no READY within 180 s"; tail -n 20 "$tmp/tied.err"; kill -TERM "$pid" 2>/dev/null; return 1
  fi
  children=$(pgrep -P "$pid" | tr '\n' ' ' || true)
  exec {tie}>&-
  if ! wait_until 45 dead "$pid"; then
    echo "serve still runs 45 s after its stdin closed"; kill -TERM "$pid" 2>/dev/null; return 1
  fi
  for c in $children; do dead "$c" || { echo "child $c still runs"; return 1; }; done
  [[ -n $children ]] || { echo "serve had no children to stop"; return 1; }
  grep -q "the starter is gone" "$tmp/tied.err" || { tail -n 20 "$tmp/tied.err"; return 1; }
}
