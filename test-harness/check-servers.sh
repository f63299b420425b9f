#!/usr/bin/env bash
# The servers Nerve's check types talk to, from Debian's packages, each a private instance on a
# loopback port with its data under /var/lib/pharos-test/check-servers (PHAROS_CHECK_SERVERS_DIR):
# one place for the machine, so every checkout (CI clones the repository afresh) knows the
# servers another one started as its own. The packages' own services stay off.
#   redis 127.0.0.1:16379, MariaDB 127.0.0.1:13306, PostgreSQL 127.0.0.1:15432,
#   RabbitMQ 127.0.0.1:15673 (Erlang distribution on 35673).
# `start` prints their addresses as shell exports on stdout; progress goes to stderr.
# MariaDB and PostgreSQL have a database "pharos" and a user "pharos" with password
# "pharos-secret"; RabbitMQ keeps its default guest/guest (allowed from loopback).
# Usage: check-servers.sh start   (idempotent: a server already answering is left alone)
#        check-servers.sh stop
#        check-servers.sh pause|resume redis|mariadb|postgres|rabbitmq   (one server down and up
#        again, for the tests of what a check sees when its server stops)
# Before starting a server it checks that its port is free; after, that the server it started
# is the one answering.
set -euo pipefail
work=${PHAROS_CHECK_SERVERS_DIR:-/var/lib/pharos-test/check-servers}
mkdir -p "$work"

REDIS_PORT=16379
MARIADB_PORT=13306
PG_PORT=15432
RABBIT_PORT=15673
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for <seconds> <description> <command...>: polls the command until it succeeds
wait_for() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "$what did not come up within ${seconds}s" >&2
  return 1
}

# owned <port> <pidfile>: true when the process in pidfile is alive (ours), so the port is ours
owned() { [ -f "$2" ] && kill -0 "$(cat "$2")" 2>/dev/null; }

start_redis() {
  local pidfile="$work/redis.pid"
  if owned $REDIS_PORT "$pidfile" && listening $REDIS_PORT; then return; fi
  if listening $REDIS_PORT; then echo "port $REDIS_PORT is taken by another server: not starting redis" >&2; exit 1; fi
  echo "== starting redis on 127.0.0.1:$REDIS_PORT" >&2
  redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$pidfile" --logfile "$work/redis.log" --dir "$work"
  wait_for 20 redis redis-cli -p $REDIS_PORT ping
  [ "$(redis-cli -p $REDIS_PORT config get pidfile | tail -1)" = "$pidfile" ] || { echo "redis on $REDIS_PORT is not ours" >&2; exit 1; }
}

start_mariadb() {
  local dir="$work/mariadb" pidfile="$work/mariadb/mariadbd.pid"
  if owned $MARIADB_PORT "$pidfile" && listening $MARIADB_PORT; then return; fi
  if listening $MARIADB_PORT; then echo "port $MARIADB_PORT is taken by another server: not starting MariaDB" >&2; exit 1; fi
  echo "== starting MariaDB on 127.0.0.1:$MARIADB_PORT" >&2
  if [ ! -d "$dir/data/mysql" ]; then
    rm -rf "$dir" && mkdir -p "$dir/data"
    mariadb-install-db --user=root --datadir="$dir/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$dir/install.log" 2>&1
    local fresh=1
  fi
  (nohup mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$dir/mariadbd.sock" \
    --pid-file="$pidfile" --port=$MARIADB_PORT --bind-address=127.0.0.1 --skip-name-resolve \
    --innodb-buffer-pool-size=32M --performance-schema=OFF >"$dir/server.log" 2>&1 &)
  wait_for 60 MariaDB mariadb --no-defaults --socket="$dir/mariadbd.sock" -uroot -e 'select 1'
  if [ "${fresh:-0}" = 1 ] || ! mariadb --no-defaults --socket="$dir/mariadbd.sock" -uroot -e 'use pharos' 2>/dev/null; then
    mariadb --no-defaults --socket="$dir/mariadbd.sock" -uroot -e "
      CREATE DATABASE IF NOT EXISTS pharos;
      CREATE USER IF NOT EXISTS 'pharos'@'127.0.0.1' IDENTIFIED BY 'pharos-secret';
      GRANT ALL ON pharos.* TO 'pharos'@'127.0.0.1';"
  fi
  wait_for 10 "MariaDB on its port" mariadb --no-defaults -h127.0.0.1 -P$MARIADB_PORT -upharos -ppharos-secret pharos -e 'select 1'
}

start_postgres() {
  local dir="$work/postgres"
  if [ -f "$dir/data/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then return; fi
  if listening $PG_PORT; then echo "port $PG_PORT is taken by another server: not starting PostgreSQL" >&2; exit 1; fi
  echo "== starting PostgreSQL on 127.0.0.1:$PG_PORT" >&2
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir"
    echo 'pharos-secret' >"$dir/pw" && chown postgres "$dir/pw"
    # scram-sha-256 over TCP, PostgreSQL's default since 14: the check logs in as users' servers ask
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U pharos --pwfile="$dir/pw" -A scram-sha-256 \
      >"$dir/initdb.log" 2>&1
    rm -f "$dir/pw"
    local fresh=1
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $dir -c shared_buffers=16MB" start >/dev/null
  if [ "${fresh:-0}" = 1 ]; then
    PGPASSWORD=pharos-secret "$PG_BIN/psql" -h 127.0.0.1 -p $PG_PORT -U pharos -d postgres -qc 'create database pharos' >/dev/null
  fi
  wait_for 10 "PostgreSQL on its port" env PGPASSWORD=pharos-secret "$PG_BIN/psql" -h 127.0.0.1 -p $PG_PORT -U pharos -d pharos -qc 'select 1'
}

rabbit_env() {
  export HOME="$work/rabbitmq" RABBITMQ_NODENAME=pharos-checks@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$RABBIT_PORT RABBITMQ_DIST_PORT=$((RABBIT_PORT + 20000)) \
    RABBITMQ_MNESIA_BASE="$work/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$work/rabbitmq/log" \
    RABBITMQ_PID_FILE="$work/rabbitmq/rabbitmq.pid" RABBITMQ_CONFIG_FILE="$work/rabbitmq/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$work/rabbitmq/enabled_plugins" RABBITMQ_ENABLED_PLUGINS=""
}

start_rabbitmq() {
  local dir="$work/rabbitmq"
  mkdir -p "$dir"
  rabbit_env
  if owned $RABBIT_PORT "$dir/rabbitmq.pid" && listening $RABBIT_PORT; then return; fi
  if listening $RABBIT_PORT; then echo "port $RABBIT_PORT is taken by another server: not starting RabbitMQ" >&2; exit 1; fi
  echo "== starting RabbitMQ on 127.0.0.1:$RABBIT_PORT" >&2
  [ -f "$dir/.erlang.cookie" ] || { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/.erlang.cookie"; chmod 400 "$dir/.erlang.cookie"; }
  echo '[].' >"$dir/enabled_plugins"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' $RABBIT_PORT >"$dir/rabbitmq.conf"
  # the whole subshell's output goes to the log: no descriptor of the caller stays open in it
  (cd "$dir" && exec /usr/lib/rabbitmq/bin/rabbitmq-server) >"$dir/server.log" 2>&1 </dev/null &
  wait_for 120 RabbitMQ /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" await_startup
  wait_for 20 "RabbitMQ on its port" listening $RABBIT_PORT
}

stop_all() {
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  [ -f "$work/mariadb/mariadbd.pid" ] && kill "$(cat "$work/mariadb/mariadbd.pid")" 2>/dev/null || true
  [ -f "$work/postgres/data/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/postgres/data" -m fast stop >/dev/null 2>&1 || true
  if [ -d "$work/rabbitmq" ]; then rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true; fi
}

pause() {
  case "$1" in
    redis) redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || true ;;
    mariadb) local pid; pid=$(cat "$work/mariadb/mariadbd.pid"); kill "$pid"; wait_for 60 "MariaDB's stop" sh -c "! kill -0 $pid" ;;
    postgres) runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/postgres/data" -m fast -w stop >/dev/null ;;
    rabbitmq) rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" stop_app >/dev/null ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
  ! listening "$(port_of "$1")" || { echo "$1 still answers" >&2; exit 1; }
}

resume() {
  case "$1" in
    redis) start_redis ;;
    mariadb) start_mariadb ;;
    postgres) start_postgres ;;
    rabbitmq) rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" start_app >/dev/null
      wait_for 20 "RabbitMQ on its port" listening $RABBIT_PORT ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
}

port_of() {
  case "$1" in redis) echo $REDIS_PORT ;; mariadb) echo $MARIADB_PORT ;; postgres) echo $PG_PORT ;; rabbitmq) echo $RABBIT_PORT ;; esac
}

case "${1:-start}" in
  start)
    start_redis
    start_mariadb
    start_postgres
    start_rabbitmq
    # the addresses, for test-harness/work/env (progress went to stderr)
    cat <<ENV
export PHAROS_TEST_REDIS=127.0.0.1:$REDIS_PORT
export PHAROS_TEST_MYSQL=127.0.0.1:$MARIADB_PORT
export PHAROS_TEST_POSTGRES=127.0.0.1:$PG_PORT
export PHAROS_TEST_RABBITMQ=127.0.0.1:$RABBIT_PORT
ENV
    ;;
  stop) stop_all ;;
  pause) pause "$2" ;;
  resume) resume "$2" ;;
  *) echo "usage: $0 start|stop|pause NAME|resume NAME" >&2; exit 2 ;;
esac
