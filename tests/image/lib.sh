# shellcheck shell=bash
# Sourced by tests/image/{build,test,bench} and tests/demo/run (bash, set -euo pipefail).
# One place for what every caller of the image must agree on: the image reference, the cache
# directory and the container engine's settings.

rf_image_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rf_image_cache=${RF_CACHE:-$HOME/.cache/regional-failover}/image

# The crate's version is the image tag, the chart's appVersion and the default tag the chart
# renders (a chart test keeps appVersion equal to it).
rf_image_version() {
  sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$rf_image_root/controller/Cargo.toml" | head -n1
}

# The chart's default reference is the short name regional-failover:<appVersion>; podman and
# buildah store a short name under localhost/, and resolve the short name to it on run.
rf_image_ref() {
  echo "localhost/regional-failover:$(rf_image_version)"
}

rf_image_log() { echo "image: $*" >&2; }

# The settings facts.md found necessary here ("Containers without Docker"): runc (crun fails on
# this hybrid cgroup layout), no default ulimits and no pids limit (the sandbox refuses
# setrlimit), cgroupfs (no systemd). File logs and events: there is no journald. Written to the
# cache, never to /etc, and selected with CONTAINERS_CONF for every podman/buildah we run.
rf_containers_conf() {
  local conf=$rf_image_cache/containers.conf
  mkdir -p "$rf_image_cache"
  local want
  want=$(cat <<'EOF'
# Written by tests/image/lib.sh; selected with CONTAINERS_CONF (system files stay untouched).
[containers]
default_ulimits = []
pids_limit = 0
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
)
  if [[ ! -f $conf || $(cat "$conf") != "$want" ]]; then
    printf '%s\n' "$want" >"$conf.tmp.$$"
    mv "$conf.tmp.$$" "$conf"
  fi
  export CONTAINERS_CONF=$conf
}

# Installs Debian's container tools if any is missing. Other suites may use apt at the same moment
# (tests/apt-get-locked waits for them); a lock of our own keeps parallel callers to one install.
rf_container_tools() {
  local missing=() p
  for p in buildah podman runc skopeo umoci conmon; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    mkdir -p "$rf_image_cache"
    (
      flock 8
      rf_image_log "apt-get install ${missing[*]}"
      "$rf_image_root/tests/apt-get-locked" update -qq >&2
      # runc is named, so podman's "crun | runc" is met by runc (crun fails here); the
      # recommends are for rootless use (fuse-overlayfs, slirp4netns, dbus-user-session).
      "$rf_image_root/tests/apt-get-locked" install -y -qq --no-install-recommends "${missing[@]}" >&2
    ) 8>"$rf_image_cache/apt.lock"
  fi
  rf_containers_conf
}

# org.opencontainers.image.revision: the commit the binary was built from; "-dirty" when the
# workspace's sources differ from it (the binary then matches no commit exactly).
rf_image_revision() {
  local rev
  rev=$(git -C "$rf_image_root" rev-parse HEAD 2>/dev/null) || { echo unknown; return; }
  if [[ -n $(git -C "$rf_image_root" status --porcelain -- Cargo.toml Cargo.lock controller 2>/dev/null) ]]; then
    rev+=-dirty
  fi
  echo "$rev"
}

# org.opencontainers.image.source: RF_IMAGE_SOURCE, else the clone's origin as an https URL
# without credentials, else "unknown" (the repository names no public home of its own).
rf_image_source() {
  local url=${RF_IMAGE_SOURCE:-}
  [[ -n $url ]] || url=$(git -C "$rf_image_root" remote get-url origin 2>/dev/null) || url=''
  if [[ $url =~ ^[^@/]+@([^:/]+):(.+)$ ]]; then # scp-like git@host:owner/repo
    url="https://${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  fi
  url=$(sed -E 's#^(https?://)[^@/]*@#\1#; s#\.git$##' <<<"$url")
  echo "${url:-unknown}"
}

# --- a pod's view of the local control plane (tests/controlplane/serve) -------------------------

# The kubelet hands a pod the cluster CA as ca.crt. serve's own serving certificate is a
# self-signed CA certificate, which rustls refuses as a server's leaf; serve keeps a serving key
# pair it finds in DIR/pki, so seed one signed by a CA of our own (DIR/pki/pod-ca.crt) before
# serve starts, as a real cluster has.
rf_seed_serving_cert() { # CONTROLPLANE_DIR
  local pki=$1/pki
  mkdir -p "$pki"
  [[ ! -s $pki/serving.key ]] || return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj /CN=pod-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$pki/pod-ca.key" -out "$pki/pod-ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=kube-apiserver \
    -keyout "$pki/serving.key" -out "$pki/serving.csr" 2>/dev/null
  openssl x509 -req -in "$pki/serving.csr" -CA "$pki/pod-ca.crt" -CAkey "$pki/pod-ca.key" -CAcreateserial \
    -days 7 -out "$pki/serving.crt" -extfile <(printf '%s\n' \
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth') 2>/dev/null
  rm -f "$pki/serving.csr"
}

# The release namespace with the chart's ServiceAccount and RBAC as rendered (KUBECONFIG: admin).
rf_chart_identity() { # NAMESPACE [charts/render options, e.g. -f VALUES]...
  local ns=$1; shift
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  "$rf_image_root/charts/render" --namespace "$ns" --kube-version v1.20.2 -a policy/v1beta1/PodDisruptionBudget \
    --show-only ServiceAccount --show-only ClusterRole --show-only ClusterRoleBinding --show-only Role \
    --show-only RoleBinding "$@" 2>/dev/null | kubectl apply -f - >/dev/null
}

# What the kubelet projects into a pod for its ServiceAccount: token, ca.crt, namespace (0644).
rf_sa_token_dir() { # DIR SERVICEACCOUNT NAMESPACE CA_FILE
  mkdir -p "$1"
  kubectl create token "$2" -n "$3" >"$1/token"
  cp "$4" "$1/ca.crt"
  printf '%s' "$3" >"$1/namespace"
  chmod 0755 "$1"
  chmod 0644 "$1"/*
}
