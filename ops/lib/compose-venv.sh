# The Python tools of ops/ (check-jsonschema, podman-compose, ...) in one venv, .venv-ops/, made from
# ops/requirements-ops.txt and made again whenever that file changes. Sourced by ops/compose-check
# and ops/compose-test (and in the same way by ops/k8s/validate); ROOT is the repository.
# shellcheck shell=bash

ops_venv() {   # ensures the venv; prints its bin folder
  local venv="$ROOT/.venv-ops" req="$ROOT/ops/requirements-ops.txt" want have
  want="$(sha256sum "$req" | cut -d' ' -f1)"   # the same stamp as ops/k8s/validate's
  have="$(cat "$venv/.requirements.sha256" 2>/dev/null || true)"
  if [ "$want" != "$have" ] || [ ! -x "$venv/bin/python" ]; then
    if [ ! -x "$venv/bin/python" ]; then
      if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        [ "$(id -u)" = 0 ] || { echo "ops_venv: python3 -m venv failed (install python3-venv)" >&2; return 1; }
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >/dev/null
        python3 -m venv "$venv" >/dev/null
      fi
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    echo "$want" >"$venv/.requirements.sha256"
  fi
  echo "$venv/bin"
}
