#!/bin/sh
# RabbitMQ with Closebell's two least-privilege users (the same permissions as
# ClosebellTopology.permissions and ops/services): starts the server, waits for it, creates or
# updates `closebell_coordinator` and `closebell_worker` from the passwords in the environment,
# then stays in the foreground with the server.
set -eu
: "${CLOSEBELL_AMQP_COORDINATOR_PASSWORD:?set CLOSEBELL_AMQP_COORDINATOR_PASSWORD}"
: "${CLOSEBELL_AMQP_WORKER_PASSWORD:?set CLOSEBELL_AMQP_WORKER_PASSWORD}"
docker-entrypoint.sh rabbitmq-server &
server=$!
trap 'kill -TERM "$server"; wait "$server"' TERM INT
rabbitmqctl -q wait --pid "$server" --timeout 120 >/dev/null 2>&1 || rabbitmqctl -q await_startup
add() {
  rabbitmqctl -q add_user "$1" "$2" >/dev/null 2>&1 || rabbitmqctl -q change_password "$1" "$2" >/dev/null
}
add closebell_coordinator "$CLOSEBELL_AMQP_COORDINATOR_PASSWORD"
add closebell_worker "$CLOSEBELL_AMQP_WORKER_PASSWORD"
rabbitmqctl -q set_permissions -p / closebell_coordinator '^closebell(\..*)?$' '^closebell(\..*)?$' '^closebell(\..*)?$'
rabbitmqctl -q set_permissions -p / closebell_worker '^closebell\.control\..+$' \
  '^closebell\.(results|dlx|control\..+)$' '^closebell\.(chunks|chunks\.high|control|control\..+)$'
echo "closebell: coordinator and worker users ready"
wait "$server"
