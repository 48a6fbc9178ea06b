# Sourced by the benchmarks that need PostgreSQL 15.
#   start_temp_postgres NAME [-c SETTING ...]
# makes a temporary directory ($work), runs PostgreSQL there on a Unix socket
# with the given settings (as the postgres user when run as root, since
# initdb refuses root), and on exit runs `extra_cleanup` if the script
# defines one, stops PostgreSQL and removes $work. Sets work, as_owner, pg.
start_temp_postgres() {
  local name=$1
  shift
  work=$(mktemp -d "/tmp/indicators-$name-XXXXXX")
  as_owner=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; as_owner=(runuser -u postgres --); fi
  pg=/usr/lib/postgresql/15/bin
  trap stop_temp_postgres EXIT
  "${as_owner[@]}" "$pg/initdb" -D "$work/pg" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
  "${as_owner[@]}" "$pg/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-c listen_addresses='' -k $work $*" start >/dev/null
}

stop_temp_postgres() {
  if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
  "${as_owner[@]}" "$pg/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
