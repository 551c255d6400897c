# The checks of ops/compose-test on a running stack: its containers by service, removing them all,
# worker readiness, a run's accounting in PostgreSQL, secrets kept out of the environment, Prometheus.
# Sourced; uses PROJECT, CT_CACHE, workers, PW, PROM_PORT, BIN and sql() of ops/compose-test.
# shellcheck shell=bash

names() {   # SERVICE: its containers, oldest first
  podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" \
    --format '{{.Created}} {{.Names}}' | sort | awk '{ print $NF }'
}
# `podman-compose down` (1.6) stops and removes only the first replica of a scaled service, so the
# test removes by the project's label: SIGTERM to all at once (the workers' grace period), then the
# pod, network and volumes.
remove_all() {
  local ids
  ids="$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")"
  if [ -n "$ids" ]; then
    echo "$ids" | xargs podman stop -t 75 >/dev/null 2>>"$CT_CACHE/down.log" || true
    echo "$ids" | xargs podman rm -f >/dev/null 2>>"$CT_CACHE/down.log" || true
  fi
  podman pod rm -f "pod_$PROJECT" >/dev/null 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT" \
    | xargs -r podman volume rm -f >/dev/null 2>&1 || true
}

ready() { podman exec "$1" curl -fsS http://127.0.0.1:9101/readyz >/dev/null 2>&1; }
workers_ready() {   # every worker connected to the broker and consuming (/readyz), within a minute
  local w
  for w in "${workers[@]}"; do
    for _ in $(seq 60); do ready "$w" && break; sleep 1; done
    ready "$w" || { echo "compose-test: $w not ready" >&2; return 1; }
  done
  echo "    all ${#workers[@]} workers ready (/readyz)"
}

# Every (symbol, day) of run $1 with a row in ohlcv has exactly one outcome; no symbol is in two chunks.
check_run() {
  local id="$1" what="$2" row
  row="$(sql "WITH r AS (SELECT * FROM runs WHERE run_id = $id),
    expected AS (SELECT o.symbol, o.trading_date AS d FROM ohlcv o, r WHERE o.market = r.market
                 AND o.trading_date BETWEEN coalesce(r.first_date, r.as_of_date) AND r.as_of_date),
    outcomes AS (SELECT symbol, as_of_date AS d FROM predictions WHERE run_id = $id
                 UNION ALL SELECT symbol, as_of_date FROM symbol_failures WHERE run_id = $id
                 UNION ALL SELECT symbol, as_of_date FROM symbol_skips WHERE run_id = $id),
    n AS (SELECT e.symbol, e.d, count(o.symbol) AS k FROM expected e LEFT JOIN outcomes o USING (symbol, d)
          GROUP BY 1, 2)
    SELECT (SELECT status FROM r), (SELECT count(*) FROM n), (SELECT count(*) FROM predictions WHERE run_id = $id),
           (SELECT count(*) FROM n WHERE k = 0), (SELECT count(*) FROM n WHERE k > 1),
           (SELECT count(*) FROM (SELECT s FROM chunks, unnest(symbols) s WHERE run_id = $id
                                  GROUP BY s HAVING count(*) > 1) x),
           (SELECT coalesce(max(attempts), 0) FROM chunks WHERE run_id = $id), (SELECT retried FROM r)")"
  local status expected predicted missing twice dup_chunks attempts retried
  read -r status expected predicted missing twice dup_chunks attempts retried <<<"$row"
  echo "    $what: run $id $status: $expected (symbol, day) expected, $predicted predicted, missing=$missing" \
       "duplicated=$twice, symbols in two chunks=$dup_chunks, max attempts=$attempts, retried=$retried"
  sql "SELECT '      failed: ' || count(*) || ' x ' || stage || ': ' || left(error, 80) FROM symbol_failures
       WHERE run_id = $id GROUP BY stage, error ORDER BY count(*) DESC LIMIT 3"
  case "$status" in
    completed|completed_with_failures) ;;
    *) echo "compose-test: run $id is $status" >&2; return 1;;
  esac
  [ "$expected" -gt 0 ] && [ "$missing" = 0 ] && [ "$twice" = 0 ] && [ "$dup_chunks" = 0 ] \
    || { echo "compose-test: run $id: lost or duplicated work" >&2; return 1; }
}
latest_run() { sql "SELECT max(run_id) FROM runs"; }

no_password_in_env() {   # CONTAINER...: none of the test's passwords is in their environment
  local c k env
  for c in "$@"; do
    env="$(podman inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$c")"
    for k in "${!PW[@]}"; do
      grep -qF "${PW[$k]}" <<<"$env" || continue
      echo "compose-test: the $k password is in $c's environment" >&2; return 1
    done
  done
  echo "    secrets: no password in the environment of $*"
}

prometheus_report() {   # every target scraped once, then their health and the alert rules loaded
  prom() { curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/$1"; }
  local since; since="$(date -u +%s)"
  for _ in $(seq 40); do   # until every target has been scraped since now (or 40 s)
    prom targets | "$BIN/python" -c 'import json, sys, datetime
t = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(any(datetime.datetime.fromisoformat(x["lastScrape"][:19]).timestamp() < float(sys.argv[1]) for x in t))' \
      "$since" && break
    sleep 1
  done
  prom targets | "$BIN/python" -c 'import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
print("    prometheus targets:", ", ".join(sorted("%s=%s" % (x["labels"]["job"], x["health"]) for x in t)))
for x in t:
    if x["health"] != "up" and x["labels"]["job"] != "closebell-worker":
        print("      %s %s: %s" % (x["labels"]["job"], x["scrapeUrl"], x["lastError"]))'
  prom rules | "$BIN/python" -c 'import json, sys
g = json.load(sys.stdin)["data"]["groups"]
print("    prometheus rules: %d alerting rules loaded" % sum(r["type"] == "alerting" for x in g for r in x["rules"]))'
}
