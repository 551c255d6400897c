#!/bin/sh
# docker-entrypoint.sh of ops/compose-test's stand-in for the upstream `rabbitmq` image, on Debian's
# rabbitmq-server. What compose/ relies on, and no more: RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS
# create that user on the first boot (as upstream: no guest user then), logs go to the console,
# /etc/rabbitmq/enabled_plugins is honoured, the server runs as `rabbitmq` in the foreground with
# the PID of this script, and rabbitmqctl / rabbitmq-diagnostics work as root (HOME holds the cookie).
set -eu
if [ "${1:-}" != rabbitmq-server ]; then exec "$@"; fi
conf=/etc/rabbitmq/rabbitmq.conf
{
  echo "loopback_users = none"
  echo "log.console = true"
  echo "log.file = false"
  if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
    echo "default_user = $RABBITMQ_DEFAULT_USER"
    echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-}"
    echo "default_user_tags.administrator = true"
  fi
} >"$conf"
chmod 640 "$conf"
chown root:rabbitmq "$conf"
mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
shift
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
