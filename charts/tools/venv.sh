# shellcheck shell=bash
# Sourced by charts/test and charts/render (bash, set -euo pipefail).
# ensure_venv NAME REQUIREMENTS prints the path of a venv with exactly those pins.
# The venv lives in the project cache, keyed by the requirements file and the
# interpreter version, so a warm call is a stat; a flock makes concurrent callers
# (e.g. two test suites started together) build it once.

rf_cache_dir() {
  printf '%s\n' "${RF_CACHE:-$HOME/.cache/regional-failover}"
}

ensure_venv() {
  local name=$1 requirements=$2 python=${RF_PYTHON:-python3}
  local key dir cache
  cache=$(rf_cache_dir)
  key=$( { cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
  dir="$cache/venv-$name-$key"
  if [[ -f "$dir/.complete" ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  mkdir -p "$cache"
  (
    flock -x 9
    if [[ ! -f "$dir/.complete" ]]; then
      echo "setting up $dir (first run only)" >&2
      rm -rf "$dir"
      "$python" -m venv "$dir"
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$requirements" >&2
      touch "$dir/.complete"
    fi
  ) 9>"$dir.lock"
  printf '%s\n' "$dir"
}
