# Stand-in images for ops/compose-test, where the upstream registries cannot be reached: a Debian
# bookworm root filesystem (debootstrap --variant=minbase, podman import), and on it Debian's
# rabbitmq-server, PostgreSQL 15 and prometheus with small entrypoints that do what compose/ expects
# of the upstream images, and a Swift build image from the host's own toolchain. Each image is
# labelled with a hash of what made it and rebuilt only when that changes. Sourced; ROOT, CT_CACHE.
# shellcheck shell=bash

CT_STANDIN=localhost/closebell-standin
CT_BASE="$CT_STANDIN/bookworm:12"
CT_RABBITMQ="$CT_STANDIN/rabbitmq:3-management"
CT_POSTGRES="$CT_STANDIN/postgres:15"
CT_PROMETHEUS="$CT_STANDIN/prometheus:2"
CT_SWIFT="$CT_STANDIN/swift:bookworm"
CT_MIRROR="${CLOSEBELL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# SwiftPM's cache of the dependencies' git repositories: the build inside the image clones from
# copies of them (a SwiftPM mirror for each), as the network has no GitHub.
CT_SWIFTPM_REPOS="${CLOSEBELL_SWIFTPM_REPOSITORIES:-$HOME/.cache/org.swift.swiftpm/repositories}"

ct_label() { podman image inspect --format '{{index .Labels "closebell.standin"}}' "$1" 2>/dev/null || true; }
ct_hash() { sha256sum | cut -c1-16; }

ct_base_image() {
  local want; want="$(printf 'minbase bookworm %s v1' "$CT_MIRROR" | ct_hash)"
  [ "$(ct_label "$CT_BASE")" = "$want" ] && { echo "    $CT_BASE: up to date"; return 0; }
  local dir="$CT_CACHE/rootfs"
  rm -rf "$dir"
  nice -n 19 debootstrap --variant=minbase bookworm "$dir" "$CT_MIRROR" >"$CT_CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CT_CACHE/debootstrap.log" >&2; return 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | podman import --change "LABEL closebell.standin=$want" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$CT_BASE" >"$CT_CACHE/import.log" 2>&1 \
    || { cat "$CT_CACHE/import.log" >&2; return 1; }
  rm -rf "$dir"
  echo "    $CT_BASE: imported"
}

# ct_build TAG CONTAINERFILE [FILE...]: builds from a Containerfile (text) with the files beside it.
ct_build() {
  local tag="$1" text="$2" ctx want f; shift 2
  want="$( { ct_label "$CT_BASE"; printf '%s' "$text"; for f in "$@"; do cat "$f"; done; } | ct_hash)"
  [ "$(ct_label "$tag")" = "$want" ] && { echo "    $tag: up to date"; return 0; }
  ctx="$(mktemp -d)"
  printf '%s\n' "$text" >"$ctx/Containerfile"
  for f in "$@"; do cp "$f" "$ctx/"; done
  nice -n 19 podman build -q --label "closebell.standin=$want" -t "$tag" "$ctx" >"$CT_CACHE/standin.log" 2>&1 \
    || { tail -20 "$CT_CACHE/standin.log" >&2; rm -rf "$ctx"; return 1; }
  rm -rf "$ctx"
  echo "    $tag: built"
}

APT='apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends'

ct_rabbitmq_image() {
  ct_build "$CT_RABBITMQ" "FROM $CT_BASE
RUN $APT rabbitmq-server >/dev/null && rm -rf /var/lib/apt/lists/* /var/lib/rabbitmq/mnesia
COPY compose-standin-rabbitmq.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV HOME=/var/lib/rabbitmq PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 5672 15672 15692
ENTRYPOINT [\"docker-entrypoint.sh\"]
CMD [\"rabbitmq-server\"]" "$ROOT/ops/lib/compose-standin-rabbitmq.sh"
}

ct_postgres_image() {
  ct_build "$CT_POSTGRES" "FROM $CT_BASE
RUN mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && $APT postgresql-15 postgresql-client-15 >/dev/null && rm -rf /var/lib/apt/lists/*
COPY compose-standin-postgres.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT [\"docker-entrypoint.sh\"]
CMD [\"postgres\"]" "$ROOT/ops/lib/compose-standin-postgres.sh"
}

ct_prometheus_image() {
  ct_build "$CT_PROMETHEUS" "FROM $CT_BASE
RUN $APT prometheus >/dev/null && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT [\"/usr/bin/prometheus\"]
CMD [\"--config.file=/etc/prometheus/prometheus.yml\", \"--storage.tsdb.path=/prometheus\"]"
}

# The Swift build image: what the upstream swift:*-bookworm images hold (the toolchain's own
# dependencies), the host's toolchain (that of `which swift`) copied in without its debugger and
# editor tools, and a bare copy of each cached dependency with a SwiftPM mirror pointing at it.
ct_swift_image() {
  local swift toolchain want ctr mnt repo url name mirrors=""
  swift="$(command -v swift)" || { echo "compose-test: no swift on PATH (the host's toolchain)" >&2; return 1; }
  toolchain="$(cd "$(dirname "$(readlink -f "$swift")")/../.." && pwd)"   # …/usr/bin/swift → …
  [ -d "$CT_SWIFTPM_REPOS" ] || { echo "compose-test: no SwiftPM cache at $CT_SWIFTPM_REPOS" >&2; return 1; }
  want="$( { ct_label "$CT_BASE"; "$swift" --version 2>&1; echo "$toolchain v1"
             for repo in "$CT_SWIFTPM_REPOS"/*/; do git -C "$repo" for-each-ref --format='%(objectname)'; done
           } | ct_hash)"
  [ "$(ct_label "$CT_SWIFT")" = "$want" ] && { echo "    $CT_SWIFT: up to date"; return 0; }
  ctr="$(buildah from --quiet "$CT_BASE")"
  nice -n 19 buildah run "$ctr" -- sh -c "$APT binutils gcc g++ libc6-dev libstdc++-12-dev libgcc-12-dev git \
    pkg-config libcurl4-openssl-dev libxml2-dev uuid-dev zlib1g-dev libedit2 libsqlite3-0 libncurses6 tzdata \
    ca-certificates >/dev/null 2>&1 && rm -rf /var/lib/apt/lists/*"
  mnt="$(buildah mount "$ctr")"
  mkdir -p "$mnt/opt/swift" "$mnt/deps" "$mnt/root/.swiftpm/configuration"
  tar -C "$toolchain" -c --exclude='usr/bin/lldb*' --exclude=usr/bin/sourcekit-lsp --exclude=usr/bin/clangd \
    --exclude=usr/bin/docc --exclude=usr/bin/swift-format --exclude='usr/lib/liblldb*' \
    --exclude='usr/lib/libsourcekitd*' usr | tar -C "$mnt/opt/swift" -x
  for repo in "$CT_SWIFTPM_REPOS"/*/; do
    url="$(git -C "$repo" config remote.origin.url)" || continue
    url="${url%.git}"; name="${url##*/}"
    git clone -q --bare "$repo" "$mnt/deps/$name.git"
    mirrors+="${mirrors:+,}{\"original\":\"$url\",\"mirror\":\"file:///deps/$name.git\"}"
    mirrors+=",{\"original\":\"$url.git\",\"mirror\":\"file:///deps/$name.git\"}"
  done
  printf '{"object":[%s],"version":1}\n' "$mirrors" >"$mnt/root/.swiftpm/configuration/mirrors.json"
  buildah umount "$ctr" >/dev/null
  buildah config --env HOME=/root --env PATH=/opt/swift/usr/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label "closebell.standin=$want" "$ctr"
  buildah commit --quiet --rm "$ctr" "$CT_SWIFT" >/dev/null
  echo "    $CT_SWIFT: built ($("$swift" --version 2>&1 | head -1))"
}

# The hash of everything the Closebell image is built from.
ct_source_hash() {
  (cd "$ROOT" && find Package.swift Package.resolved Sources Tests compose/Dockerfile -type f -print0 2>/dev/null \
     | sort -z | xargs -0 sha256sum) | ct_hash
}
