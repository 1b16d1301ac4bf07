#!/usr/bin/env bash
# Installs, starts, stops and reports the real servers the integration tests talk to:
# Kafka (KRaft), PostgreSQL, MinIO, FerretDB and Prometheus, all on loopback, plus Debian's
# Chromium for the browser tests. No Docker needed.
#
#   services.sh install   fetch/build pinned versions into $LAKEHOUSE_CACHE (a rerun is a no-op)
#   services.sh start     start what is not running, wait until each really answers
#   services.sh stop      stop only what `start` started (tracked by pid files)
#   services.sh status    one line per server: state, version, port, pid; then `memory`
#   services.sh memory    current and peak RSS of each server started here
#   services.sh bounce-postgres [S]  stop Postgres for S seconds, then start it (failure tests)
#   services.sh stop-one NAME      stop one server (postgres|kafka|minio|mongo); `start` brings it back
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE=${LAKEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakehouse}
BIN=$CACHE/bin
RUN=$CACHE/run
KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
# Postgres refuses to run as root, so its cluster lives where the postgres user can reach it
# (a root-owned home directory is usually mode 700).
PG_DIR=${LAKEHOUSE_PG_DIR:-$( [ "$(id -u)" = 0 ] && echo /var/lib/postgresql/lakehouse || echo "$CACHE/postgres")}

KAFKA_PORT=${LAKEHOUSE_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${LAKEHOUSE_KAFKA_CONTROLLER_PORT:-9093}
PG_PORT=${LAKEHOUSE_PG_PORT:-5432}
MINIO_PORT=${LAKEHOUSE_MINIO_PORT:-9000}
MINIO_CONSOLE_PORT=${LAKEHOUSE_MINIO_CONSOLE_PORT:-9001}
MONGO_PORT=${LAKEHOUSE_MONGO_PORT:-27017}
PROMETHEUS_PORT=${LAKEHOUSE_PROMETHEUS_PORT:-9090}
export MINIO_ROOT_USER=${S3_ACCESS_KEY_ID:-minioadmin}
export MINIO_ROOT_PASSWORD=${S3_SECRET_ACCESS_KEY:-minioadmin}

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# ---------------------------------------------------------------- install

install_kafka() {
  if [ -f "$KAFKA_HOME/libs/.complete" ]; then log "kafka $KAFKA_VERSION: cached"; return; fi
  need java "install a JDK >= 17"; need mvn "install Apache Maven"
  log "kafka $KAFKA_VERSION: resolving jars from Maven Central"
  mkdir -p "$KAFKA_HOME/libs"
  # Maven 3.8 prints colour resets even in batch mode; strip them to keep CI logs clean.
  mvn -B -q -Dstyle.color=never -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dscala.binary="$KAFKA_SCALA" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" | sed 's/\x1b\[[0-9;]*m//g' >&2
  touch "$KAFKA_HOME/libs/.complete"
}

format_kafka() {
  if [ -f "$RUN/kafka/data/meta.properties" ]; then return; fi
  write_kafka_config
  log "kafka: formatting KRaft storage"
  local tool=(java -Dlog4j.configuration="file:$HERE/kafka/tools-log4j.properties" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool)
  "${tool[@]}" format --ignore-formatted -t "$("${tool[@]}" random-uuid)" \
    -c "$RUN/kafka/server.properties" >/dev/null
}

# apt_install PACKAGE... : Debian packages not yet installed (apt keeps its own download cache).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "${missing[*]} not installed; run as root or: apt-get install ${missing[*]}"
  log "installing the Debian packages ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_postgres() {
  [ -n "$(pg_bin)" ] || apt_install postgresql
  if [ -f "$PG_DIR/PG_VERSION" ]; then log "postgres $(cat "$PG_DIR/PG_VERSION"): cluster ready"; return; fi
  log "postgres: creating a private cluster in $PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  as_pg "$(pg_bin)/initdb" -D "$PG_DIR" -U postgres --auth-local=trust --auth-host=trust \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
}

install_minio() {
  if [ "$(cat "$BIN/minio.version" 2>/dev/null)" = "$MINIO_VERSION" ]; then log "minio: cached"; return; fi
  need go "install Go >= 1.24"
  log "minio $MINIO_VERSION: go install (takes a few minutes the first time)"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$MINIO_VERSION"
  echo "$MINIO_VERSION" >"$BIN/minio.version"
}

install_ferretdb() {
  if [ "$(cat "$BIN/ferretdb.version" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then log "ferretdb: cached"; return; fi
  need go "install Go >= 1.24"
  log "ferretdb $FERRETDB_VERSION: go build (SQLite backend)"
  # Not `go install pkg@version`: that needs a module-list lookup the registry mirror refuses,
  # and FerretDB's binary panics unless build/version/version.txt holds its version (its own
  # build task writes that file). So: fetch the pinned module, write the file, build in place.
  local src work
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || die "ferretdb: go mod download gave no source directory"
  work=$(mktemp -d)
  cp -r "$src/." "$work"
  chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  (cd "$work" && GOFLAGS=-buildvcs=false go build -o "$BIN/ferretdb" ./cmd/ferretdb)
  rm -rf "$work"
  echo "$FERRETDB_VERSION" >"$BIN/ferretdb.version"
}

install_compose_schema() {
  local dest=$CACHE/compose-spec/$COMPOSE_GO_VERSION/compose-spec.json
  if [ -f "$dest" ]; then log "compose schema $COMPOSE_GO_VERSION: cached"; return; fi
  need go "install Go >= 1.24"; need unzip "install unzip"
  log "compose schema: compose-go $COMPOSE_GO_VERSION from the Go module proxy"
  # Only the module's zip is needed (the schema file in it), not a build: go prints an error
  # when the module wants a newer Go, after it has downloaded the zip, so the status is ignored.
  local zip
  zip=$(go mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Zip": "\(.*\)",$/\1/p' || true)
  [ -f "$zip" ] || die "compose schema: go mod download gave no zip"
  mkdir -p "$(dirname "$dest")"
  unzip -p "$zip" "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION/schema/compose-spec.json" >"$dest.tmp"
  mv "$dest.tmp" "$dest"
}

cmd_install() {
  mkdir -p "$BIN" "$RUN"
  install_postgres
  install_kafka
  format_kafka
  install_minio
  install_ferretdb
  install_compose_schema
  # Prometheus evaluates the dashboards' PromQL; Chromium runs the overview page's browser tests.
  apt_install prometheus chromium
  log "installed into $CACHE"
}

# ---------------------------------------------------------------- start / stop

write_kafka_config() {
  mkdir -p "$RUN/kafka/data" "$RUN/kafka/logs"
  cat >"$RUN/kafka/server.properties" <<PROPS
# Generated by services.sh: a single-node KRaft broker for local tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$RUN/kafka/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=10485760
PROPS
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch NAME PORT CMD... : start a daemon unless our pid file says it already runs.
launch() {
  local name=$1 port=$2; shift 2
  local pidfile=$RUN/$name.pid
  if pid_alive "$pidfile"; then log "$name: already running (pid $(cat "$pidfile"))"; return; fi
  port_busy "$port" && die "$name: port $port is taken by another process; set LAKEHOUSE_${name^^}_PORT"
  mkdir -p "$RUN/logs"
  setsid nohup "$@" >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  log "$name: started (pid $!, port $port, log $RUN/logs/$name.log)"
}

start_postgres() {
  if as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then log "postgres: already running"; return; fi
  port_busy "$PG_PORT" && die "postgres: port $PG_PORT is taken by another process; set LAKEHOUSE_PG_PORT"
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c max_connections=200" start >/dev/null
  touch "$RUN/postgres.started"
  log "postgres: started (port $PG_PORT, log $PG_DIR/server.log)"
}

cmd_start() {
  [ -f "$KAFKA_HOME/libs/.complete" ] && [ -x "$BIN/minio" ] && [ -x "$BIN/ferretdb" ] && [ -f "$PG_DIR/PG_VERSION" ] &&
    command -v prometheus >/dev/null ||
    die "servers are not installed: run npm run services:install first"
  mkdir -p "$RUN/minio" "$RUN/ferretdb/data" "$RUN/ferretdb/state"
  write_kafka_config
  format_kafka
  start_postgres
  KAFKA_HEAP_OPTS="-Xms256m -Xmx1g"
  launch kafka "$KAFKA_PORT" java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$RUN/kafka/logs" -Dlog4j.configuration="file:$HERE/kafka/log4j.properties" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$RUN/kafka/server.properties"
  # Memory limits for the Go servers. MinIO grew to 22.9 GB during a CI run on a 24 GB machine
  # and was OOM-killed. It ignores GOMEMLIMIT: at start it calls debug.SetMemoryLimit with its
  # own --memlimit, which defaults to all the free RAM, and sizes its cap on concurrent
  # requests from it (one per ~3 MiB). MINIO_MEMLIMIT bounds both.
  launch minio "$MINIO_PORT" env MINIO_MEMLIMIT=2GiB "$BIN/minio" server --quiet --address "127.0.0.1:$MINIO_PORT" \
    --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" "$RUN/minio"
  launch mongo "$MONGO_PORT" env GOMEMLIMIT=1GiB "$BIN/ferretdb" --handler=sqlite --sqlite-url="file:$RUN/ferretdb/data/" \
    --state-dir="$RUN/ferretdb/state" --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr=- \
    --telemetry=disable --log-level=warn
  start_prometheus
  export_urls
  node "$ROOT/bin/run-ts.mjs" "$HERE/probe.ts" wait
}

# Prometheus scrapes whatever targets the tests write into $RUN/prometheus/targets/*.json
# (file service discovery, re-read on change), every second, so a test sees its series quickly.
start_prometheus() {
  mkdir -p "$RUN/prometheus/targets" "$RUN/prometheus/data"
  cat >"$RUN/prometheus/prometheus.yml" <<YAML
# Generated by services.sh.
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: lakehouse
    # The ops:read key the tests give the API they register (a loopback-only test server).
    authorization:
      credentials: lakehouse-local-prometheus
    file_sd_configs:
      - files: ["$RUN/prometheus/targets/*.json"]
        refresh_interval: 1s
YAML
  launch prometheus "$PROMETHEUS_PORT" prometheus --config.file="$RUN/prometheus/prometheus.yml" \
    --storage.tsdb.path="$RUN/prometheus/data" --storage.tsdb.retention.time=1d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn
}

stop_pidfile() {
  local name=$1 pidfile=$RUN/$1.pid
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { log "$name: did not stop in 20 s, killing"; kill -KILL -- "-$pid" 2>/dev/null || true; }
  rm -f "$pidfile"
  log "$name: stopped"
}

# pg_ctl's fast shutdown: clients are disconnected, the data stays.
stop_postgres() { as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null; }

cmd_stop() {
  stop_pidfile prometheus
  stop_pidfile mongo
  stop_pidfile minio
  stop_pidfile kafka
  if [ -f "$RUN/postgres.started" ]; then
    stop_postgres 2>/dev/null || true
    rm -f "$RUN/postgres.started"
    log "postgres: stopped"
  fi
}

# For failure tests: Postgres goes away for SECONDS, then comes back with the same data.
cmd_bounce_postgres() {
  local seconds=${1:-3}
  stop_postgres
  log "postgres: stopped for $seconds s"
  sleep "$seconds"
  start_postgres
}

# For the chaos run: one server goes away; `start` (which starts only what is down) restores it.
cmd_stop_one() {
  case "${1:-}" in
    postgres) stop_postgres; rm -f "$RUN/postgres.started"; log "postgres: stopped" ;;
    kafka | minio | mongo | prometheus) stop_pidfile "$1" ;;
    *) die "stop-one: expected postgres, kafka, minio, mongo or prometheus, got '${1:-}'" ;;
  esac
}

export_urls() {
  export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}
  export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$PG_PORT/lakehouse}
  export S3_ENDPOINT=${S3_ENDPOINT:-http://127.0.0.1:$MINIO_PORT}
  export MONGO_URL=${MONGO_URL:-mongodb://127.0.0.1:$MONGO_PORT/lakehouse}
  export PROMETHEUS_URL=${PROMETHEUS_URL:-http://127.0.0.1:$PROMETHEUS_PORT}
  export LAKEHOUSE_KAFKA_VERSION=$KAFKA_VERSION LAKEHOUSE_RUN_DIR=$RUN LAKEHOUSE_PG_DIR=$PG_DIR
  export LAKEHOUSE_MINIO_VERSION=$MINIO_VERSION
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
}

# What a server that is gone left behind: its log's last lines and any kernel OOM kill, so a CI
# log (whose cache directory is lost with the machine) says why it died.
died() {
  log "$1: last lines of $RUN/logs/$1.log:"
  tail -n 30 "$RUN/logs/$1.log" 2>/dev/null | sed "s/^/[services]   /" >&2 || true
  dmesg 2>/dev/null | grep -iE "out of memory|oom-kill|killed process" | tail -n 5 | sed "s/^/[services]   /" >&2 || true
}

# Current and peak memory of each server launched here, so a CI log shows which one grew.
cmd_memory() {
  local name pid
  for name in kafka minio mongo prometheus; do
    pid=$(cat "$RUN/$name.pid" 2>/dev/null) || continue
    [ -r "/proc/$pid/status" ] || { log "$name: not running"; died "$name"; continue; }
    awk -v n="$name" '/^VmRSS/ { r = $2 } /^VmHWM/ { p = $2 }
      END { printf "[services] %s: rss %d MiB, peak %d MiB\n", n, r / 1024, p / 1024 }' "/proc/$pid/status" >&2
  done
}

cmd_status() {
  export_urls
  node "$ROOT/bin/run-ts.mjs" "$HERE/probe.ts" status
  cmd_memory
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  memory) cmd_memory ;;
  bounce-postgres) cmd_bounce_postgres "${2:-3}" ;;
  stop-one) cmd_stop_one "${2:-}" ;;
  *) echo "usage: $0 install|start|stop|status|memory|bounce-postgres [seconds]|stop-one NAME" >&2; exit 2 ;;
esac
