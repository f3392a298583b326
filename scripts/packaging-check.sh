#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The install path on the real system, for CI (as root, on Debian):
#
#   make -f Makefile.apxs install          # .so + mailautoconf.load/.conf
#   a2enmod mailautoconf
#   conf/example-vhost.conf -> sites-available/mailautoconf-example.conf
#   a2ensite mailautoconf-example
#   apache2ctl configtest                  # must pass
#   a2dissite, a2dismod, and every installed file removed
#
# The machine is left as it was found: files that existed before are put
# back as they were, files that did not are removed, and so are the
# a2enmod/a2ensite state markers and folders this run made.  The script
# checks that itself at the end (before/after fingerprints of every path it
# may touch) and fails if anything differs.
#
#   bash scripts/packaging-check.sh        # exits 0 when everything passed
#
# Run by t/packaging.t when CI is set and the user is root.  It does not
# start, stop or reload a running apache2.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

say()  { printf 'packaging-check: %s\n' "$*"; }
fail() { printf 'packaging-check: FAIL: %s\n' "$*" >&2; FAILED=1; }

if [ "$(id -u)" -ne 0 ]; then
    say "must run as root (it installs into the system)" >&2
    exit 2
fi
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
APXS=$(mac_apxs)
for cmd in "$APXS" a2enmod a2dismod a2ensite a2dissite apache2ctl make install; do
    command -v "$cmd" >/dev/null 2>&1 || { say "missing command: $cmd" >&2; exit 2; }
done

LIBEXECDIR=$("$APXS" -q LIBEXECDIR)
SYSCONFDIR=$("$APXS" -q SYSCONFDIR)
if [ -z "$LIBEXECDIR" ] || [ -z "$SYSCONFDIR" ]; then
    say "apxs gave no LIBEXECDIR/SYSCONFDIR" >&2
    exit 2
fi
STATEDIR=/var/lib/apache2
MOD=mailautoconf
SITE=mailautoconf-example

# Every path this run may create, change or remove.
FILES=(
    "$LIBEXECDIR/mod_mailautoconf.so"
    "$SYSCONFDIR/mods-available/$MOD.load"
    "$SYSCONFDIR/mods-available/$MOD.conf"
    "$SYSCONFDIR/sites-available/$SITE.conf"
    "$SYSCONFDIR/mods-enabled/$MOD.load"
    "$SYSCONFDIR/mods-enabled/$MOD.conf"
    "$SYSCONFDIR/sites-enabled/$SITE.conf"
)
# Folders, parents before children (they are removed in reverse order).
DIRS=("$LIBEXECDIR" "$SYSCONFDIR/mods-available" "$SYSCONFDIR/sites-available"
      "$STATEDIR" "$STATEDIR/module" "$STATEDIR/site")
for kind in module site; do
    for mode in enabled_by_admin disabled_by_admin enabled_by_maint disabled_by_maint; do
        DIRS+=("$STATEDIR/$kind/$mode")
        if [ "$kind" = module ]; then
            FILES+=("$STATEDIR/$kind/$mode/$MOD")
        else
            FILES+=("$STATEDIR/$kind/$mode/$SITE")
        fi
    done
done

# One line per path: what is there (symlink target, file checksum and
# mode, folder, or nothing).
fingerprint() {
    local p
    for p in "${DIRS[@]}" "${FILES[@]}"; do
        if [ -L "$p" ]; then
            printf '%s L %s\n' "$p" "$(readlink "$p")"
        elif [ -f "$p" ]; then
            printf '%s F %s %s\n' "$p" "$(stat -c %a "$p")" "$(sha256sum < "$p" | cut -d' ' -f1)"
        elif [ -d "$p" ]; then
            printf '%s D\n' "$p"
        else
            printf '%s -\n' "$p"
        fi
    done
}

BACKUP=$(mktemp -d /tmp/packaging-check.XXXXXX) || exit 1
BEFORE=$(fingerprint)
printf '%s\n' "$BEFORE" > "$BACKUP/fingerprint.before"

# Save what exists; remember what does not.
declare -A EXISTED=()
i=0
for p in "${FILES[@]}"; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        EXISTED[$p]=1
        cp -a "$p" "$BACKUP/file.$i"
    fi
    i=$((i + 1))
done
declare -A DIR_EXISTED=()
for d in "${DIRS[@]}"; do
    [ -d "$d" ] && DIR_EXISTED[$d]=1
done
MOD_WAS_ENABLED=0
[ -e "$SYSCONFDIR/mods-enabled/$MOD.load" ] && MOD_WAS_ENABLED=1
SITE_WAS_ENABLED=0
[ -e "$SYSCONFDIR/sites-enabled/$SITE.conf" ] && SITE_WAS_ENABLED=1

FAILED=0
RESTORED=0
restore() {
    [ "$RESTORED" -eq 1 ] && return
    RESTORED=1
    say "restoring the machine"
    if [ "$SITE_WAS_ENABLED" -eq 0 ] && [ -e "$SYSCONFDIR/sites-enabled/$SITE.conf" ]; then
        a2dissite -q -p "$SITE" >/dev/null || true
    fi
    if [ "$MOD_WAS_ENABLED" -eq 0 ] && [ -e "$SYSCONFDIR/mods-enabled/$MOD.load" ]; then
        a2dismod -q -p "$MOD" >/dev/null || true
    fi
    local i=0 p
    for p in "${FILES[@]}"; do
        if [ -n "${EXISTED[$p]:-}" ]; then
            rm -f "$p"
            cp -a "$BACKUP/file.$i" "$p"
        else
            rm -f "$p"
        fi
        i=$((i + 1))
    done
    # Folders made by install -d or by a2enmod's state markers; the
    # deepest first.
    local d
    for ((i = ${#DIRS[@]} - 1; i >= 0; i--)); do
        d=${DIRS[$i]}
        if [ -z "${DIR_EXISTED[$d]:-}" ] && [ -d "$d" ]; then
            rmdir "$d" 2>/dev/null || say "leaving $d: not empty"
        fi
    done
    local after
    after=$(fingerprint)
    if [ "$after" != "$BEFORE" ]; then
        fail "the machine is not as it was found:"
        diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$after") >&2
    else
        say "the machine is as it was found"
    fi
    rm -rf "$BACKUP"
}
trap 'restore; exit 1' INT TERM
trap 'restore' EXIT

# -------------------------------------------------------------- baseline
if ! out=$(apache2ctl configtest 2>&1); then
    printf '%s\n' "$out" >&2
    fail "apache2ctl configtest fails before anything is installed: the system's configuration is broken"
    exit 1
fi

# --------------------------------------------------------------- install
say "make -f Makefile.apxs install"
if ! make -f Makefile.apxs install; then
    fail "make install failed"
    exit 1
fi
for p in "$LIBEXECDIR/mod_mailautoconf.so" "$SYSCONFDIR/mods-available/$MOD.load" \
         "$SYSCONFDIR/mods-available/$MOD.conf"; do
    [ -f "$p" ] || fail "make install did not install $p"
done
load=$(sed -n 's/^[[:space:]]*LoadModule[[:space:]]\{1,\}mailautoconf_module[[:space:]]\{1,\}//p' \
       "$SYSCONFDIR/mods-available/$MOD.load")
[ "$load" = "$LIBEXECDIR/mod_mailautoconf.so" ] \
    || fail "$MOD.load loads '$load', not $LIBEXECDIR/mod_mailautoconf.so"

say "a2enmod $MOD"
a2enmod "$MOD" || fail "a2enmod $MOD failed"
[ -e "$SYSCONFDIR/mods-enabled/$MOD.load" ] || fail "a2enmod did not enable $MOD.load"
[ -e "$SYSCONFDIR/mods-enabled/$MOD.conf" ] || fail "a2enmod did not enable $MOD.conf"

say "installing conf/example-vhost.conf as site $SITE"
install -m 644 conf/example-vhost.conf "$SYSCONFDIR/sites-available/$SITE.conf" \
    || fail "cannot copy the example virtual host"
a2ensite "$SITE" || fail "a2ensite $SITE failed"

say "apache2ctl configtest"
if out=$(apache2ctl configtest 2>&1); then
    printf '%s\n' "$out"
else
    printf '%s\n' "$out" >&2
    fail "apache2ctl configtest failed with the module and the example site enabled"
fi
if printf '%s\n' "$out" | grep -q 'MAC[0-9]\{5\}'; then
    fail "the module warned about the example site"
fi
modules=$(apache2ctl -M 2>&1)
printf '%s\n' "$modules" | grep -q 'mailautoconf_module' \
    || fail "apache2ctl -M does not list mailautoconf_module"
vhosts=$(apache2ctl -S 2>&1)
printf '%s\n' "$vhosts" | grep -q "127.0.0.1:8080.*autoconfig.example.com.*$SITE.conf" \
    || { printf '%s\n' "$vhosts" >&2; fail "apache2ctl -S does not show the example virtual host"; }

# ------------------------------------------------------------- uninstall
restore
trap - EXIT INT TERM
if [ "$FAILED" -ne 0 ]; then
    say "FAILED"
    exit 1
fi
say "OK"
exit 0
