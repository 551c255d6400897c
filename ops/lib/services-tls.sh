# TLS for ops/services (sourced): a throwaway certificate authority made with openssl on first
# start, in $DIR/tls/, and a server certificate it signs that names `localhost` only — so a
# client connecting to 127.0.0.1 with full verification is refused (the tests rely on that).
# RabbitMQ listens for amqps:// on $AMQPS_PORT; PostgreSQL accepts sslmode=verify-full.
# Local testing only: the CA's key sits beside it.

make_tls() {
  local d="$DIR/tls"
  if [ -f "$d/server.pem" ] && [ -f "$d/ca.pem" ] && [ -f "$d/postgres.key" ]; then return 0; fi
  command -v openssl >/dev/null || { log "openssl is needed for the servers' TLS (apt-get install openssl)"; return 1; }
  mkdir -p "$d"
  chmod 755 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Closebell local test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -sha256 \
    -copy_extensions copy -out "$d/server.pem" >/dev/null 2>&1
  chmod 600 "$d/ca.key" "$d/server.key"
  chmod 644 "$d/ca.pem" "$d/server.pem"
  # PostgreSQL insists its key is its own and private.
  install -o postgres -g postgres -m 600 "$d/server.key" "$d/postgres.key"
}

# Lines for rabbitmq.conf: the TLS listener beside the plain one.
rabbit_tls_conf() {
  cat <<CONF
listeners.ssl.default = 127.0.0.1:${N_AMQPS:-$AMQPS_PORT}
ssl_options.cacertfile = $DIR/tls/ca.pem
ssl_options.certfile = $DIR/tls/server.pem
ssl_options.keyfile = $DIR/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
}

# Lines for postgresql.conf: TLS on (plain connections stay allowed, as pg_hba says).
pg_tls_conf() {
  cat <<CONF
ssl = on
ssl_cert_file = '$DIR/tls/server.pem'
ssl_key_file = '$DIR/tls/postgres.key'
CONF
}

# What a client needs for verified TLS to both servers, as exports for eval.
tls_urls() {
  local ca="$DIR/tls/ca.pem"
  echo "export CLOSEBELL_TLS_CA_FILE=$ca"
  local i hosts=""
  for i in $(seq 0 $((RABBIT_NODES - 1))); do select_node "$i"; hosts="$hosts${hosts:+,}localhost:$N_AMQPS"; done
  select_node 0
  echo "export CLOSEBELL_AMQPS_URL='amqps://$MQ_USER:$MQ_PASS@$hosts/%2F?cacertfile=$ca'"
  echo "export CLOSEBELL_TLS_DATABASE_URL='postgresql://$DB_USER:$DB_PASS@localhost:$PG_PORT/$DB_NAME?sslmode=verify-full&sslrootcert=$ca'"
}
