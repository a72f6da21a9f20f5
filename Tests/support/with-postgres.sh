#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server, then stops the server.
#
#   Tests/support/with-postgres.sh swift test --parallel
#
# The server lives in a temporary directory (data, socket and log), listens on
# 127.0.0.1 on a free port, trusts local connections, and is stopped and deleted when
# the command ends, however it ends. The command sees
#   OPENSWARM_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/postgres
# `make test` runs the whole test suite this way; store tests read that variable.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bindir/initdb" ]] || { echo "with-postgres: PostgreSQL is not installed (run 'make deps')" >&2; exit 1; }

dir=$(mktemp -d /tmp/openswarm-pg.XXXXXX)
chmod 755 "$dir"
# As root, the server runs as the postgres user, which must own its files.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) == 0 ]] && chown postgres: "$dir"

stop() {
  as_pg "$bindir/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: try a few random ones until the server starts.
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 20000))
  if as_pg "$bindir/pg_ctl" start -w -t 30 -D "$dir/data" -l "$dir/server.log" \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1" >/dev/null 2>&1; then
    export OPENSWARM_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    break
  fi
  [[ $attempt == 5 ]] && { echo "with-postgres: the server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
done

"$bindir/psql" "$OPENSWARM_TEST_POSTGRES_URL" -qAtc 'select 1' >/dev/null \
  || { echo "with-postgres: the server does not answer queries" >&2; exit 1; }
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

"$@"
