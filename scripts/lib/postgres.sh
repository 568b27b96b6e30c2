# A throwaway PostgreSQL for tests and benchmarks, sourced by scripts:
#
#   source scripts/lib/postgres.sh
#   pg_bin_dir >/dev/null || need+=(postgresql)   # before installing Debian packages
#   trap pg_stop EXIT
#   pg_start                                       # exports PG_URL, an admin URL (database "postgres")
#   url=$(pg_new_database NAME)                    # a fresh database on it, and its URL; pg_drop_database NAME
#
# The server lives in a temporary folder (data, socket and log), listens on 127.0.0.1 only on a free port, trusts
# loopback connections, and is stopped and its folder removed by pg_stop. initdb refuses to run as root, so as root
# everything runs as the postgres user.

PG_DIR=""
PG_URL=""

# Prints the folder holding initdb, pg_ctl and pg_isready; fails when PostgreSQL's server is not installed.
pg_bin_dir() {
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_isready" ] && { echo "$dir"; return 0; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/pg_isready" ] && { echo "$dir"; return 0; }
  done
  return 1
}

# Runs a command as the user the server belongs to.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local bin port tries
  bin=$(pg_bin_dir) || { echo "PostgreSQL's server (initdb, pg_ctl) is not installed" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/assent-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if ! pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$PG_DIR/initdb.log" 2>&1; then
    tail -20 "$PG_DIR/initdb.log" >&2
    return 1
  fi
  pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -W \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c max_connections=300" \
    start >/dev/null
  # Poll for readiness, at most 30 s.
  for tries in $(seq 300); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
      PG_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
      export PG_URL
      return 0
    fi
    sleep 0.1
  done
  echo "PostgreSQL did not become ready on port $port:" >&2
  tail -20 "$PG_DIR/server.log" >&2
  return 1
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  local bin
  if bin=$(pg_bin_dir) && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
}

# Makes the database NAME on the server pg_start started and prints its URL.
pg_new_database() {
  psql "${PG_URL%%\?*}" -qc "CREATE DATABASE $1" >/dev/null || return 1
  echo "${PG_URL%/postgres*}/$1?sslmode=disable"
}

# Drops the database NAME, closing its connections.
pg_drop_database() {
  psql "${PG_URL%%\?*}" -qc "DROP DATABASE $1 WITH (FORCE)" >/dev/null
}
