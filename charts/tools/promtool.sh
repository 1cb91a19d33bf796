# shellcheck shell=bash
# Sourced by charts/test (bash, set -euo pipefail).
# ensure_promtool prints the path of a promtool: the one on PATH, else the one from Debian's
# `prometheus` package, fetched with apt on first use and cached next to the venvs. Only promtool
# is extracted from the package: installing it would also enable a Prometheus server on the
# machine, which the tests do not want.

ensure_promtool() {
  if command -v promtool >/dev/null 2>&1; then
    command -v promtool
    return 0
  fi
  local cache dir
  cache=$(rf_cache_dir)
  dir="$cache/promtool"
  if [[ -x "$dir/promtool" ]]; then
    printf '%s\n' "$dir/promtool"
    return 0
  fi
  mkdir -p "$cache"
  (
    flock -x 9
    if [[ ! -x "$dir/promtool" ]]; then
      echo "fetching promtool from Debian's prometheus package (first run only)" >&2
      local as_root=() download_opts=()
      if [[ $EUID -ne 0 ]]; then
        as_root=(sudo)
      else
        # As root apt downloads as the _apt user, which cannot write into our private temp dir.
        download_opts=(-o APT::Sandbox::User=root)
      fi
      # Other suites may run apt at the same moment: wait for its lock rather than fail.
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
      local work
      work=$(mktemp -d)
      (cd "$work" && apt-get "${download_opts[@]}" download -qq prometheus >&2)
      dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
      rm -rf "$dir"
      mkdir -p "$dir"
      cp "$work/root/usr/bin/promtool" "$dir/promtool.tmp"
      "$dir/promtool.tmp" --version >&2
      mv "$dir/promtool.tmp" "$dir/promtool"
      rm -rf "$work"
    fi
  ) 9>"$dir.lock"
  printf '%s\n' "$dir/promtool"
}
