# podman for ops/compose-test: installing it from Debian, a private containers.conf, step timings,
# waiting for health checks. Sourced; CT_CACHE is the test's cache folder.
# shellcheck shell=bash

# netavark (and iptables, which it drives) before podman's first use, else podman settles on CNI.
CT_NET_PACKAGES=(netavark aardvark-dns iptables)
CT_PACKAGES=(podman buildah runc debootstrap git curl ca-certificates)

ct_install() {
  local p need=()
  for p in "${CT_NET_PACKAGES[@]}" "${CT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && { echo "    all installed"; return 0; }
  [ "$(id -u)" = 0 ] || { echo "compose-test: missing ${need[*]}; run as root to install them" >&2; return 1; }
  echo "    installing ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${CT_NET_PACKAGES[@]}" >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${CT_PACKAGES[@]}" >/dev/null
}

# A containers.conf of the test's own, named by CONTAINERS_CONF (podman then reads it instead of
# /etc/containers/containers.conf, which is left alone): runc (crun fails on this machine's hybrid
# cgroups), netavark, and explicit ulimits below the hard limits (asking above them fails).
ct_containers_conf() {
  local conf="$CT_CACHE/containers.conf" nofile nproc
  nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] || [ "$nofile" -gt 20000 ] && nofile=20000
  nproc="$(ulimit -Hu)"; [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
  cat >"$conf" <<CONF
# Written by ops/compose-test; used through CONTAINERS_CONF only.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
[network]
network_backend = "netavark"
CONF
  export CONTAINERS_CONF="$conf"
}

# Step timings: ct_step "name"; ...; ct_done. ct_report prints them all.
CT_TIMES=()
ct_step() { CT_STEP="$1"; CT_T0="$(date +%s.%N)"; printf '\n==> %s\n' "$1"; }
ct_done() {
  local dt
  dt="$(awk -v a="$CT_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  CT_TIMES+=("$(printf '%7s s  %s%s' "$dt" "$CT_STEP" "${1:+ ($1)}")")
  printf '    %s s\n' "$dt"
}
ct_report() {
  printf '\n==> timings\n'
  printf '  %s\n' "${CT_TIMES[@]}"
}

# Waits until every named container is healthy, running its health check by hand each round:
# podman 4.3 schedules health checks with systemd timers, which a machine without systemd lacks.
ct_wait_healthy() {   # TIMEOUT CONTAINER...
  local limit="$1" deadline=$((SECONDS + $1)) c pending; shift
  while :; do
    pending=()
    for c in "$@"; do podman healthcheck run "$c" >/dev/null 2>&1 || pending+=("$c"); done
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      echo "compose-test: not healthy after $limit s: ${pending[*]}" >&2
      for c in "${pending[@]}"; do echo "--- $c" >&2; podman logs --tail 30 "$c" >&2 || true; done
      return 1
    fi
    sleep 2
  done
}

ct_wait_exited() {   # TIMEOUT CONTAINER: waits for a one-shot container to exit 0
  local deadline=$((SECONDS + $1)) state code
  while :; do
    state="$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$2" 2>/dev/null || echo missing)"
    read -r state code <<<"$state"
    if [ "$state" = exited ] && [ "$code" = 0 ]; then return 0; fi
    if [ $SECONDS -ge $deadline ]; then
      echo "compose-test: $2 did not finish ($state $code)" >&2; podman logs --tail 30 "$2" >&2 || true; return 1
    fi
    sleep 2
  done
}

ct_free_port() {   # a free TCP port on 127.0.0.1 in 30000..34999 (clear of the local test servers' 55xxx-58xxx)
  local p
  for p in $(shuf -i 30000-34999 -n 50); do
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}
