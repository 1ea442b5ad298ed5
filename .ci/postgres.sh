# Sourced by .ci/run: a throwaway PostgreSQL cluster for the tests' PostgreSQL variants.
# start_test_postgres exports RAMPART_TEST_DATABASE_URL (an admin URL on loopback); stop_test_postgres
# stops the cluster and removes its folder. A URL already set is used as it is and nothing is started.

test_pg_dir=""
test_pg_bin=""

# Runs a PostgreSQL program as the cluster's owner (initdb refuses root).
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_test_postgres() {
  if [ -n "${RAMPART_TEST_DATABASE_URL:-}" ]; then
    echo "::: PostgreSQL: using the given RAMPART_TEST_DATABASE_URL"
    return 0
  fi
  test_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$test_pg_bin" ] || [ ! -x "$test_pg_bin/initdb" ]; then
    echo "::: installing PostgreSQL (Debian's postgresql)"
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql || return 1
    test_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  local port=${RAMPART_TEST_PG_PORT:-55433}
  # The first free port from there: another cluster on the machine may hold it.
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  test_pg_dir=$(mktemp -d)
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$test_pg_dir"
  as_pg_owner "$test_pg_bin/initdb" -D "$test_pg_dir/data" -U postgres --auth=trust -E UTF8 --no-sync \
    > "$test_pg_dir/initdb.log" 2>&1 || { cat "$test_pg_dir/initdb.log"; return 1; }
  # Test data only: durability settings off for speed; loopback only, socket in the cluster's folder.
  as_pg_owner "$test_pg_bin/pg_ctl" -D "$test_pg_dir/data" -l "$test_pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $test_pg_dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start > /dev/null || { cat "$test_pg_dir/server.log"; return 1; }
  export RAMPART_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "::: PostgreSQL $("$test_pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_test_postgres() {
  [ -n "$test_pg_dir" ] || return 0
  as_pg_owner "$test_pg_bin/pg_ctl" -D "$test_pg_dir/data" -m fast -w stop > /dev/null 2>&1
  rm -rf "$test_pg_dir"
  test_pg_dir=""
}
