# RabbitMQ for ops/services (sourced): one node, or with CLOSEBELL_RABBIT_CLUSTER=3 a cluster of
# three on loopback — one Erlang cookie, three node names, ports 100 apart (node i listens on
# $AMQP_PORT + 100·i, likewise management, Prometheus, distribution and TLS) — where quorum
# queues keep a replica on every node. Node 0 is the single node of old (same folder and name).

RABBIT_NODES="${CLOSEBELL_RABBIT_CLUSTER:-1}"
case "$RABBIT_NODES" in 1|3) ;; *) echo "services: CLOSEBELL_RABBIT_CLUSTER must be 1 or 3" >&2; exit 64 ;; esac

# Sets NODE, NODE_DIR and the node's ports (N_AMQP, N_AMQPS, N_MGMT, N_PROM, N_DIST) for node $1.
select_node() {
  local off=$(( ${1:-0} * 100 ))
  N_AMQP=$((AMQP_PORT + off)); N_AMQPS=$((AMQPS_PORT + off)); N_MGMT=$((MGMT_PORT + off))
  N_PROM=$((PROM_PORT + off)); N_DIST=$((DIST_PORT + off))
  NODE="closebell-$N_AMQP@localhost"   # one node per port: test and dev brokers run side by side
  if [ "${1:-0}" = 0 ]; then NODE_DIR="$DIR/rabbitmq"; else NODE_DIR="$DIR/rabbitmq-$1"; fi
}
select_node 0

rabbit_env() {
  export HOME="$NODE_DIR"   # the Erlang cookie lives here (the same file on every node), not in the user's home
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_BASE="$NODE_DIR"
  export RABBITMQ_MNESIA_BASE="$NODE_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$NODE_DIR/log"
  export RABBITMQ_PID_FILE="$NODE_DIR/rabbit.pid"
  export RABBITMQ_CONFIG_FILE="$NODE_DIR/rabbitmq"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$NODE_DIR/enabled_plugins"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$N_AMQP"
  export RABBITMQ_DIST_PORT="$N_DIST"
  export ERL_EPMD_ADDRESS=127.0.0.1
  # Erlang distribution (rabbitmqctl) on loopback too, never 0.0.0.0.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_LOGS="$NODE_DIR/log/rabbit.log"
  export ERL_CRASH_DUMP="$NODE_DIR/erl_crash.dump"
}

ctl() { /usr/lib/rabbitmq/bin/rabbitmqctl -n "$NODE" "$@"; }

rabbit_running() {
  [ -f "$NODE_DIR/rabbit.pid" ] && kill -0 "$(cat "$NODE_DIR/rabbit.pid")" 2>/dev/null
}

# Starts node $1 (default 0); a fresh node other than 0 joins node 0's cluster.
start_node() {
  select_node "${1:-0}"; rabbit_env
  if rabbit_running; then return 0; fi
  port_free "$N_AMQP" RabbitMQ CLOSEBELL_AMQP_PORT
  port_free "$N_AMQPS" "RabbitMQ TLS" CLOSEBELL_AMQPS_PORT
  mkdir -p "$NODE_DIR/log" "$NODE_DIR/mnesia"
  make_tls
  if [ "${1:-0}" != 0 ] && [ -f "$DIR/rabbitmq/.erlang.cookie" ]; then
    install -m 400 "$DIR/rabbitmq/.erlang.cookie" "$NODE_DIR/.erlang.cookie"
  fi
  local fresh=0
  [ -n "$(ls -A "$NODE_DIR/mnesia" 2>/dev/null)" ] || fresh=1
  { cat <<CONF
listeners.tcp.1 = 127.0.0.1:$N_AMQP
management.tcp.ip = 127.0.0.1
management.tcp.port = $N_MGMT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $N_PROM
default_user = $MQ_USER
default_pass = $MQ_PASS
loopback_users = none
log.console = false
CONF
    rabbit_tls_conf; } > "$NODE_DIR/rabbitmq.conf"
  if [ ! -f "$NODE_DIR/enabled_plugins" ]; then
    /usr/lib/rabbitmq/bin/rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
  fi
  # Its own session, so `stop` can signal the whole process group if the node will not answer.
  setsid /usr/lib/rabbitmq/bin/rabbitmq-server >"$NODE_DIR/log/stdout.log" 2>&1 </dev/null &
  echo $! > "$NODE_DIR/rabbit.pid"
  if ! ctl wait "$NODE_DIR/rabbit.pid" --timeout 120 >/dev/null 2>&1; then
    log "RabbitMQ node $NODE did not start; last log lines:"; tail -n 20 "$NODE_DIR/log/stdout.log" >&2 || true
    return 1
  fi
  if [ "${1:-0}" != 0 ] && [ "$fresh" = 1 ]; then
    local first; select_node 0; first="$NODE"; select_node "$1"; rabbit_env
    ctl -q stop_app >/dev/null 2>&1 && ctl -q join_cluster "$first" >/dev/null 2>&1 && ctl -q start_app >/dev/null 2>&1 ||
      { log "node $NODE could not join $first"; return 1; }
  fi
}

start_broker() {
  local i
  for i in $(seq 0 $((RABBIT_NODES - 1))); do start_node "$i"; done
  select_node 0; rabbit_env
  role_users
}

# The coordinator's and the worker's own broker users, with the least privilege each needs for
# the default topology prefix `closebell` (the same expressions as ClosebellTopology.permissions):
# a worker reads chunks and its control queue, writes results and dead letters, and can neither
# publish chunks, read results nor delete a queue. Users are cluster-wide.
role_users() {
  local u p
  for u in "$MQ_COORD_USER:$MQ_COORD_PASS" "$MQ_WORKER_USER:$MQ_WORKER_PASS"; do
    p="${u#*:}"; u="${u%%:*}"
    ctl -q add_user "$u" "$p" >/dev/null 2>&1 || ctl -q change_password "$u" "$p" >/dev/null
  done
  ctl -q set_permissions -p / "$MQ_COORD_USER" '^closebell(\..*)?$' '^closebell(\..*)?$' '^closebell(\..*)?$' >/dev/null
  ctl -q set_permissions -p / "$MQ_WORKER_USER" '^closebell\.control\..+$' \
    '^closebell\.(results|dlx|control\..+)$' '^closebell\.(chunks|chunks\.high|control|control\..+)$' >/dev/null
}

# This node's Erlang VM (its command line carries `-home $NODE_DIR`, see rabbit_env).
node_beams() { pgrep -f -- "beam\.smp .*-home $NODE_DIR( |\$)" || true; }

stop_node() {
  select_node "${1:-0}"; rabbit_env
  if rabbit_running; then
    local pid; pid="$(cat "$NODE_DIR/rabbit.pid")"
    if ! timeout 60 /usr/lib/rabbitmq/bin/rabbitmqctl -n "$NODE" stop "$NODE_DIR/rabbit.pid" >/dev/null 2>&1; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$NODE_DIR/rabbit.pid"
  # The Erlang VM can outlive the stop command for a moment, still holding the AMQP port: a
  # restart then fails with eaddrinuse. Wait for it to go (kill -9 after 30 s).
  local beams; beams="$(node_beams)"
  # shellcheck disable=SC2086
  if [ -n "$beams" ] && ! wait_gone $beams; then kill -KILL $beams 2>/dev/null || true; wait_gone $beams || true; fi
  for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$N_AMQP") 2>/dev/null || break; sleep 0.2; done
}

# Node 0 stops last, so it is the one that may start first next time (a cluster node waits for
# the peer that stopped after it).
stop_broker() {
  local i
  for i in $(seq $((RABBIT_NODES - 1)) -1 0); do stop_node "$i"; done
}

# Waits up to 30 s until none of the given processes is alive.
wait_gone() {
  for _ in $(seq 1 150); do
    local alive=0 p
    for p in "$@"; do if kill -0 "$p" 2>/dev/null; then alive=1; fi; done
    [ "$alive" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}

# A crash, not a stop: kill -9 node $1's Erlang VM. `kill-broker` restarts it; `kill-broker-node`
# leaves it down (the cluster carries on) until `start-broker-node`.
kill_node() {
  select_node "${1:-0}"; rabbit_env
  local pids; pids="$(node_beams)"
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_gone $pids || log "RabbitMQ ($pids) survived kill -9"
  fi
  rm -f "$NODE_DIR/rabbit.pid"
}

kill_broker() { kill_node 0; start_node 0; }

stop_epmd() { epmd -kill >/dev/null 2>&1 || true; }

# The AMQP URL's host list: every node.
amqp_hosts() {
  local i hosts=""
  for i in $(seq 0 $((RABBIT_NODES - 1))); do select_node "$i"; hosts="$hosts${hosts:+,}127.0.0.1:$N_AMQP"; done
  select_node 0
  echo "$hosts"
}
