#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# A throw-away PostgreSQL for t/dbd_pgsql.t (vhost db_pgsql of
# t/conf/dbd.conf.in, active with "t/TEST -defines MAC_PGSQL").
#
#   bash scripts/pgsql.sh start    install what is missing, make a cluster
#                                  in a temporary directory, start it on
#                                  127.0.0.1 (a free port, trust auth), make
#                                  database mailautoconf with its rows, and
#                                  write t/conf/pgsql_dbd.conf (DBDParams)
#   bash scripts/pgsql.sh stop     stop it and remove it all
#   bash scripts/pgsql.sh down     stop the server only (t/dbd_pgsql.t:
#   bash scripts/pgsql.sh up       "database down"), and start it again
#   bash scripts/pgsql.sh status   exit 0 when it is running
#   bash scripts/pgsql.sh params   print the DBDParams string
#
# Needs root (it runs the server as the postgres user).  Debian packages:
# postgresql (the server) and libaprutil1-dbd-pgsql (the APR driver that
# mod_dbd uses); "start" installs them when missing.  The cluster lives in
# ${MAC_PGSQL_DIR:-/tmp/mailautoconf-pgsql-<hash of the checkout path>}, so
# checkouts do not share one.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HASH=$(printf '%s' "$ROOT" | md5sum | cut -c1-10)
STATE=${MAC_PGSQL_DIR:-/tmp/mailautoconf-pgsql-$HASH}
DATA=$STATE/data
PARAMS_CONF=$ROOT/t/conf/pgsql_dbd.conf
PG_USER=postgres
DB_NAME=mailautoconf
PACKAGES=(postgresql libaprutil1-dbd-pgsql)

say() { printf 'pgsql: %s\n' "$*"; }
die() { printf 'pgsql: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (the server runs as $PG_USER)"

install_missing() {
    local pkg status missing=()
    for pkg in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
        case "$status" in
            ii*) ;;
            *) missing+=("$pkg") ;;
        esac
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 \
        --no-install-recommends "${missing[@]}" </dev/null || return 1
}

bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/pg_ctl" ] || die "no /usr/lib/postgresql/*/bin/pg_ctl (package postgresql)"
    printf '%s\n' "$d"
}

# Run a command as the postgres user, from a directory it may enter.
as_pg() {
    (cd "$STATE" && runuser -u "$PG_USER" -- "$@")
}

port() { cat "$STATE/port" 2>/dev/null; }

params() {
    printf 'host=127.0.0.1 port=%s dbname=%s user=%s connect_timeout=3\n' \
        "$(port)" "$DB_NAME" "$PG_USER"
}

running() {
    [ -f "$DATA/PG_VERSION" ] || return 1
    as_pg "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                      LocalPort => 0, Listen => 1)
            or die "no free port: $!\n";
        print $s->sockport, "\n";'
}

server_up() {
    as_pg "$(bindir)/pg_ctl" -D "$DATA" -l "$STATE/server.log" -w -t 60 \
        start >/dev/null || { tail -n 20 "$STATE/server.log" >&2; return 1; }
}

server_down() {
    as_pg "$(bindir)/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
}

psql_run() {
    as_pg "$(bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$STATE/run" \
        -p "$(port)" -U "$PG_USER" "$@"
}

SCHEMA=$(cat <<'SQL'
CREATE TABLE domains (
    domain       text PRIMARY KEY,
    display_name text,
    login_name   text,
    imap_host    text,
    smtp_host    text
);
INSERT INTO domains VALUES
    ('pgcustomer.com', 'PG Customer', '%EMAILLOCALPART%',
     'mail.%EMAILDOMAIN%', NULL),
    ('pgplain.org', NULL, NULL, NULL, NULL),
    ('pgempty.net', '', '', '', ''),
    ('pgdown.test', 'PG Down', NULL, NULL, NULL),
    ('pgutf8.test', 'Grüße & <Co>', NULL, NULL, 'SMTP.%EMAILDOMAIN%'),
    ('pgbad.test', NULL, NULL, 'bad host!', NULL),
    ('x'' or ''1''=''1', 'Injected', NULL, NULL, NULL),
    ('%', 'Percent', NULL, NULL, NULL);
CREATE TABLE users (
    address       text PRIMARY KEY,
    login_name    text,
    imap_host     text,
    redirect_addr text
);
INSERT INTO users VALUES
    ('jane@pgcustomer.com', 'pg-u1042', 'imap9.pgcustomer.com', NULL),
    ('jane@pgplain.org', NULL, NULL, 'jane@pgcustomer.com'),
    ('blank@pgcustomer.com', NULL, NULL, NULL);
SQL
)

cmd_start() {
    install_missing || die "installing ${PACKAGES[*]} failed"
    if running; then
        say "already running on 127.0.0.1:$(port) ($STATE)"
    else
        rm -rf "$STATE"
        mkdir -p "$STATE/run" || die "mkdir $STATE"
        chown -R "$PG_USER:" "$STATE" && chmod 700 "$STATE"
        free_port > "$STATE/port" || die "no free port"
        as_pg "$(bindir)/initdb" -D "$DATA" -U "$PG_USER" -A trust \
            -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 \
            || { cat "$STATE/initdb.log" >&2; die "initdb failed"; }
        # 127.0.0.1 only; trust for the tests (nothing else can reach it).
        cat >> "$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $(port)
unix_socket_directories = '$STATE/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
        cat > "$DATA/pg_hba.conf" <<EOF
local all $PG_USER trust
host  all $PG_USER 127.0.0.1/32 trust
EOF
        server_up || die "the server did not start (log: $STATE/server.log)"
        as_pg "$(bindir)/createdb" -h "$STATE/run" -p "$(port)" \
            -U "$PG_USER" "$DB_NAME" || die "createdb failed"
        printf '%s\n' "$SCHEMA" | psql_run -d "$DB_NAME" \
            || die "loading the rows failed"
        say "started on 127.0.0.1:$(port) ($STATE)"
    fi
    printf '# Written by scripts/pgsql.sh start; removed by stop.\nDBDParams "%s"\n' \
        "$(params)" > "$PARAMS_CONF" || die "cannot write $PARAMS_CONF"
    say "DBDParams $(params) (in $PARAMS_CONF)"
}

cmd_stop() {
    if running; then
        server_down || die "pg_ctl stop failed"
        say "stopped"
    fi
    rm -rf "$STATE" "$PARAMS_CONF"
    say "removed $STATE and $PARAMS_CONF"
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    down)   running || die "not running"; server_down && say "down" ;;
    up)     [ -f "$DATA/PG_VERSION" ] || die "not set up: run start first"
            running || server_up || die "the server did not start"
            say "up" ;;
    status) if running; then say "running on 127.0.0.1:$(port)"; exit 0; fi
            say "not running"; exit 1 ;;
    params) [ -f "$STATE/port" ] || die "not set up"; params ;;
    *)      echo "usage: $0 start|stop|down|up|status|params" >&2; exit 2 ;;
esac
