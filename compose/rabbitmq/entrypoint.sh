#!/bin/sh
# RabbitMQ with Closebell's two least-privilege users (the same permissions as
# ClosebellTopology.permissions and ops/services): starts the server, waits for it, creates or
# updates `closebell_coordinator` and `closebell_worker` from the passwords in the environment
# (each also as a file named by <VARIABLE>_FILE, for Docker secrets), brings the admin user's
# password up to date as well, marks the broker ready for the health check, then stays in the
# foreground with the server.
set -eu
ready=/tmp/closebell-users-ready
rm -f "$ready"
for var in RABBITMQ_DEFAULT_PASS CLOSEBELL_AMQP_COORDINATOR_PASSWORD CLOSEBELL_AMQP_WORKER_PASSWORD; do
  eval "file=\${${var}_FILE:-}"
  if [ -n "$file" ]; then
    [ -r "$file" ] || { echo "entrypoint: ${var}_FILE: cannot read $file" >&2; exit 78; }
    value="$(cat "$file")"
    export "$var=$value"
    unset "${var}_FILE"
  fi
done
: "${CLOSEBELL_AMQP_COORDINATOR_PASSWORD:?set CLOSEBELL_AMQP_COORDINATOR_PASSWORD (or _FILE)}"
: "${CLOSEBELL_AMQP_WORKER_PASSWORD:?set CLOSEBELL_AMQP_WORKER_PASSWORD (or _FILE)}"
docker-entrypoint.sh rabbitmq-server &
server=$!
trap 'kill -TERM "$server"; wait "$server"; exit $?' TERM INT
rabbitmqctl -q wait --pid "$server" --timeout 120 >/dev/null 2>&1 || rabbitmqctl -q await_startup
add() {
  rabbitmqctl -q add_user "$1" "$2" >/dev/null 2>&1 || rabbitmqctl -q change_password "$1" "$2" >/dev/null
}
if [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then
  add "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS"
  rabbitmqctl -q set_user_tags "$RABBITMQ_DEFAULT_USER" administrator >/dev/null
  rabbitmqctl -q set_permissions -p / "$RABBITMQ_DEFAULT_USER" '.*' '.*' '.*' >/dev/null
fi
add closebell_coordinator "$CLOSEBELL_AMQP_COORDINATOR_PASSWORD"
add closebell_worker "$CLOSEBELL_AMQP_WORKER_PASSWORD"
rabbitmqctl -q set_permissions -p / closebell_coordinator '^closebell(\..*)?$' '^closebell(\..*)?$' '^closebell(\..*)?$'
rabbitmqctl -q set_permissions -p / closebell_worker '^closebell\.control\..+$' \
  '^closebell\.(results|dlx|control\..+)$' '^closebell\.(chunks|chunks\.high|control|control\..+)$'
touch "$ready"
echo "closebell: coordinator and worker users ready"
wait "$server"
