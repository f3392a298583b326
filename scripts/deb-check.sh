#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The Debian package on the real system, for CI (as root, on Debian 12):
#
#   build dependencies (apt-get build-dep on debian/control, lintian, curl, apache2)
#   a copy of the tree in a temporary folder -> dpkg-buildpackage -us -uc -b
#   lintian on the result: no error, no warning
#   apt-get install ./libapache2-mod-mailautoconf_VERSION_ARCH.deb
#   a2enmod enabled it (maintainer scripts), the example virtual host from
#   the package's docs as a site, apache2ctl configtest
#   the system's apache2 started on a free port of 127.0.0.1, one
#   Thunderbird request answered, apache2 stopped
#   apt-get purge: nothing of the package is left
#
# The machine is left as it was found: ports.conf and the site are put
# back, the package is purged, a system apache2 that was running is
# started again, and before/after fingerprints of /etc/apache2,
# /var/lib/apache2 and /usr/lib/apache2/modules must agree.
#
#   bash scripts/deb-check.sh       # last line "N passed, 0 failed"; exit 0 only then
#
# DEB_CHECK_PORT=NNNN picks the port (default: one the kernel says is free).
# DEB_CHECK_KEEP=1 keeps the temporary folder (build log, packages).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
export PATH="$PATH:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

PKG=libapache2-mod-mailautoconf
MOD=mailautoconf
SITE=mailautoconf-deb-check
CONFDIR=/etc/apache2
WATCH=("$CONFDIR" /var/lib/apache2 /usr/lib/apache2/modules)
APT=(apt-get -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=600)

say() { printf 'deb-check: %s\n' "$*"; }
PASSED=0
FAILED=0
RESULTS=()
pass() { PASSED=$((PASSED + 1)); RESULTS+=("ok      $*"); say "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); RESULTS+=("FAILED  $*"); say "FAIL: $*" >&2; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

summary() {
    printf '\ndeb-check summary:\n'
    local r
    for r in "${RESULTS[@]}"; do printf '  %s\n' "$r"; done
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}
# abort REASON: a failure after which the rest cannot run.
abort() {
    fail "$*"
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    say "must run as root (it installs packages and changes /etc/apache2)" >&2
    exit 2
fi
# One run at a time.
LOCKDIR=/run/lock
[ -d "$LOCKDIR" ] && [ -w "$LOCKDIR" ] || LOCKDIR=/tmp
exec 9>"$LOCKDIR/mailautoconf-deb-check.lock"
if ! flock -w 600 9; then
    say "another deb-check run holds the lock" >&2
    exit 2
fi

WORK=$(mktemp -d /tmp/deb-check.XXXXXX) || exit 1
chmod 755 "$WORK"     # apt reads the .deb as _apt

# ------------------------------------------------------------ machine state
# One line per path under WATCH: type, mode, symlink target or checksum.
fingerprint() {
    find "${WATCH[@]}" -xdev \( -type l -printf '%p L %l\n' \) -o \
        \( -type d -printf '%p D %m\n' \) -o \( -type f -printf '%p F %m\n' \) 2>/dev/null | sort
    find "${WATCH[@]}" -xdev -type f -exec sha256sum {} + 2>/dev/null | sort -k 2
}

# The system apache2's PidFile, as apache2ctl sets it (envvars is not
# written for "set -u").
pid_file() {
    (set +u; . "$CONFDIR/envvars" >/dev/null 2>&1; printf '%s' "${APACHE_PID_FILE:-/var/run/apache2/apache2.pid}")
}
# Prints the pid of the system's apache2 when it runs.
system_httpd_pid() {
    local f pid
    f=$(pid_file)
    [ -s "$f" ] || return 1
    pid=$(cat "$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/apache2 ] && printf '%s' "$pid"
}
# Stops the system's apache2 and waits until its parent process is gone.
stop_system_httpd() {
    local pid
    pid=$(system_httpd_pid) || return 0
    apache2ctl stop >>"$WORK/httpd.log" 2>&1
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

BEFORE=$(fingerprint)
DANGLING_BEFORE=$(find "$CONFDIR" -xtype l 2>/dev/null | sort)
mapfile -t DIRS_BEFORE < <(find /var/lib/apache2 -xdev -type d 2>/dev/null)
HTTPD_WAS_RUNNING=0
system_httpd_pid >/dev/null && HTTPD_WAS_RUNNING=1
INSTALLED=0
HTTPD_STARTED=0
PORTS_SAVED=0
SITE_ADDED=0

restore() {
    trap - EXIT INT TERM
    say "restoring the machine"
    if [ "$HTTPD_STARTED" -eq 1 ] || { [ "$HTTPD_WAS_RUNNING" -eq 0 ] && system_httpd_pid >/dev/null; }; then
        stop_system_httpd || say "apache2 did not stop"
    fi
    if [ "$SITE_ADDED" -eq 1 ]; then
        a2dissite -q -p "$SITE" >/dev/null 2>&1    # -p: its state markers too
        rm -f "$CONFDIR/sites-available/$SITE.conf" "$CONFDIR/sites-enabled/$SITE.conf"
    fi
    if [ "$PORTS_SAVED" -eq 1 ]; then
        cp -a "$WORK/ports.conf.orig" "$CONFDIR/ports.conf"
    fi
    if [ "$INSTALLED" -eq 1 ]; then
        "${APT[@]}" purge "$PKG" >>"$WORK/apt.log" 2>&1 || say "apt-get purge $PKG failed"
        # The maintainer scripts may (re)start apache2 through invoke-rc.d.
        [ "$HTTPD_WAS_RUNNING" -eq 0 ] && stop_system_httpd
    fi
    # Folders the a2* state markers made.
    local d
    while IFS= read -r d; do
        if ! printf '%s\n' "${DIRS_BEFORE[@]}" | grep -qxF -- "$d"; then
            rmdir "$d" 2>/dev/null || say "leaving $d: not empty"
        fi
    done < <(find /var/lib/apache2 -xdev -depth -type d 2>/dev/null)
    if [ "$HTTPD_WAS_RUNNING" -eq 1 ] && ! system_httpd_pid >/dev/null; then
        apache2ctl start >>"$WORK/httpd.log" 2>&1 || say "could not start the system apache2 again"
    fi
    local after
    after=$(fingerprint)
    if [ "$after" = "$BEFORE" ]; then
        pass "/etc/apache2, /var/lib/apache2 and /usr/lib/apache2/modules are as they were found"
    else
        diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$after") >&2
        fail "/etc/apache2, /var/lib/apache2 or /usr/lib/apache2/modules differ from before (diff above)"
    fi
    if [ "${DEB_CHECK_KEEP:-0}" = 1 ]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    summary
    [ "$FAILED" -eq 0 ]
    exit $?
}
trap 'restore' EXIT
trap 'fail "interrupted"; exit 1' INT TERM

# ------------------------------------------------------ build dependencies
missing=()
for p in apache2 curl lintian dpkg-dev; do
    case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" in
        ii*) ;;
        *) missing+=("$p") ;;
    esac
done
UPDATED=0
apt_update() { [ "$UPDATED" -eq 1 ] || { "${APT[@]}" update >>"$WORK/apt.log" 2>&1 && UPDATED=1; }; }
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt_update && "${APT[@]}" install --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 \
        || { tail -n 30 "$WORK/apt.log" >&2; abort "installing ${missing[*]}"; }
fi

# A copy of the tree: the committed and untracked files (not the ignored
# build products) of a git checkout, else everything.
VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version) || abort "cannot read debian/changelog"
UPSTREAM=${VERSION#*:}
UPSTREAM=${UPSTREAM%-*}
ARCH=$(dpkg --print-architecture)
DEB="$WORK/${PKG}_${VERSION#*:}_${ARCH}.deb"
SRC="$WORK/$PKG-$UPSTREAM"
mkdir -p "$SRC"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -z -c -o --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -xf - -C "$SRC" || abort "copying the tree to $SRC"
else
    cp -a "$ROOT/." "$SRC/" || abort "copying the tree to $SRC"
fi

if ! (cd "$SRC" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
    say "installing the build dependencies of debian/control"
    apt_update && "${APT[@]}" build-dep "$SRC" >>"$WORK/apt.log" 2>&1 \
        || { tail -n 30 "$WORK/apt.log" >&2; abort "apt-get build-dep"; }
fi
check "the build dependencies are installed (dpkg-checkbuilddeps)" \
    bash -c 'cd "$1" && dpkg-checkbuilddeps' _ "$SRC"

# ------------------------------------------------------------------- build
say "dpkg-buildpackage -us -uc -b in $SRC (log: $WORK/build.log)"
if (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
    pass "dpkg-buildpackage -us -uc -b builds $PKG $VERSION"
else
    tail -n 40 "$WORK/build.log" >&2
    abort "dpkg-buildpackage -us -uc -b failed"
fi
[ -f "$DEB" ] || abort "no $(basename "$DEB") after the build"
grep -q '^Result: PASS' "$WORK/build.log" \
    && pass "the unit tests ran and passed during the build (dh_auto_test)" \
    || fail "no 'Result: PASS' from the unit tests in the build log"

# ----------------------------------------------------------------- lintian
CHANGES="$WORK/${PKG}_${VERSION#*:}_${ARCH}.changes"
if lintian --fail-on error,warning --info "$CHANGES" >"$WORK/lintian.log" 2>&1; then
    pass "lintian: no error and no warning"
else
    cat "$WORK/lintian.log" >&2
    fail "lintian reports errors or warnings"
fi

# ------------------------------------------------------------- preconditions
if dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | grep -q '^[a-z]i'; then
    abort "$PKG is installed already; purge it before running this check"
fi
# What the package ships (its .deb); none of it may exist yet.
mapfile -t SHIPPED < <(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }')
for f in "${SHIPPED[@]}" "$CONFDIR/mods-enabled/$MOD.load" "$CONFDIR/mods-enabled/$MOD.conf" \
         "$CONFDIR/sites-available/$SITE.conf" "$CONFDIR/sites-enabled/$SITE.conf"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
        abort "$f exists before the package is installed (make install? an earlier run?); remove it first"
    fi
done
if ! apache2ctl configtest >"$WORK/configtest.log" 2>&1; then
    cat "$WORK/configtest.log" >&2
    abort "apache2ctl configtest fails before anything is installed: the system's configuration is broken"
fi

# A free port on 127.0.0.1, and only that: ports.conf is put back at the end.
PORT=${DEB_CHECK_PORT:-$(perl -MIO::Socket::INET -e \
    'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1) or exit 1; print $s->sockport')}
[ -n "$PORT" ] || abort "no free port on 127.0.0.1"
if [ "$HTTPD_WAS_RUNNING" -eq 1 ]; then
    say "the system apache2 is running; stopping it for the check (it is started again at the end)"
    stop_system_httpd || abort "the running system apache2 did not stop"
fi
cp -a "$CONFDIR/ports.conf" "$WORK/ports.conf.orig" || abort "cannot save $CONFDIR/ports.conf"
PORTS_SAVED=1
printf '# deb-check: temporary, put back at the end\nListen 127.0.0.1:%s\n' "$PORT" > "$CONFDIR/ports.conf"

# ----------------------------------------------------------------- install
say "apt-get install $DEB"
INSTALLED=1
if "${APT[@]}" install "$DEB" >"$WORK/install.log" 2>&1; then
    pass "apt-get install ./$(basename "$DEB") (dependencies from its Depends)"
else
    cat "$WORK/install.log" >&2
    abort "apt-get install ./$(basename "$DEB") failed"
fi
check "dpkg: $PKG $VERSION is installed" \
    test "$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$PKG")" = "ii  $VERSION"
DEPENDS=$(dpkg-query -W -f='${Depends}' "$PKG")
say "Depends: $DEPENDS"
check "Depends has the apache2 API (dh_apache2) and the shared libraries (dpkg-shlibdeps)" \
    bash -c '[[ $1 == *apache2-api-20120211* && $1 == *libxml2* && $1 == *libssl3* && $1 == *libaprutil1* && $1 != *\$\{* ]]' _ "$DEPENDS"
mapfile -t LISTED < <(dpkg -L "$PKG")
missing_files=()
for f in "${SHIPPED[@]}"; do [ -f "$f" ] || missing_files+=("$f"); done
check "every file of the package is installed (${#SHIPPED[@]} files)" test "${#missing_files[@]}" -eq 0
check "the module is /usr/lib/apache2/modules/mod_mailautoconf.so" \
    test -f /usr/lib/apache2/modules/mod_mailautoconf.so
check "README.md and the example virtual host are in /usr/share/doc/$PKG" \
    bash -c 'ls "$1"/README.md* >/dev/null 2>&1 && ls "$1"/examples/example-vhost.conf* >/dev/null 2>&1' _ "/usr/share/doc/$PKG"
check "a2enmod enabled it: mods-enabled/$MOD.load and .conf link to mods-available" \
    test "$(readlink "$CONFDIR/mods-enabled/$MOD.load")|$(readlink "$CONFDIR/mods-enabled/$MOD.conf")" \
         = "../mods-available/$MOD.load|../mods-available/$MOD.conf"
check "a2query: $MOD enabled by the maintainer script" \
    bash -c 'a2query -m "$1" 2>/dev/null | grep -q "enabled by maintainer script"' _ "$MOD"

# ------------------------------------------------- example site, configtest
EXAMPLE=$(ls "/usr/share/doc/$PKG"/examples/example-vhost.conf* 2>/dev/null | head -n 1)
if [ -n "$EXAMPLE" ]; then
    SITE_ADDED=1
    { case "$EXAMPLE" in *.gz) zcat "$EXAMPLE" ;; *) cat "$EXAMPLE" ;; esac; } |
        sed "s/127\.0\.0\.1:8080/127.0.0.1:$PORT/" > "$CONFDIR/sites-available/$SITE.conf"
    check "the example virtual host, moved to 127.0.0.1:$PORT, is a site" \
        grep -q "^<VirtualHost 127\.0\.0\.1:$PORT>" "$CONFDIR/sites-available/$SITE.conf"
    a2ensite -q "$SITE" >/dev/null 2>&1
    check "a2ensite $SITE" test -L "$CONFDIR/sites-enabled/$SITE.conf"
else
    fail "no example virtual host in /usr/share/doc/$PKG/examples"
fi
if apache2ctl configtest >"$WORK/configtest.log" 2>&1; then
    pass "apache2ctl configtest with the module and the example site"
else
    cat "$WORK/configtest.log" >&2
    fail "apache2ctl configtest with the module and the example site"
fi
if grep -q 'MAC[0-9]\{5\}' "$WORK/configtest.log"; then
    cat "$WORK/configtest.log" >&2
    fail "the module warned about the example site"
fi
check "apache2ctl -M lists mailautoconf_module" \
    bash -c 'apache2ctl -M 2>/dev/null | grep -q "^ *mailautoconf_module"'

# ------------------------------------------------------ serve one request
# The maintainer script may have (re)started apache2 through invoke-rc.d
# before the site was there.
stop_system_httpd
HTTPD_STARTED=1
# apache2ctl returns once the parent runs; it writes its PidFile soon after.
wait_httpd_pid() {
    for _ in $(seq 1 100); do
        system_httpd_pid && return 0
        sleep 0.1
    done
    return 1
}
if apache2ctl start >>"$WORK/httpd.log" 2>&1 && HTTPD_PID=$(wait_httpd_pid); then
    pass "apache2ctl start: apache2 runs (pid $HTTPD_PID, 127.0.0.1:$PORT)"
else
    cat "$WORK/httpd.log" >&2
    abort "apache2ctl start failed"
fi
URL="http://127.0.0.1:$PORT/mail/config-v1.1.xml?emailaddress=alice@example.com"
code=000
for _ in $(seq 1 100); do
    code=$(curl -s -o "$WORK/answer.xml" -D "$WORK/answer.head" -w '%{http_code}' \
           -H 'Host: autoconfig.example.com' "$URL" 2>/dev/null) && [ "$code" != 000 ] && break
    sleep 0.1
done
check "GET /mail/config-v1.1.xml (Host: autoconfig.example.com): 200" test "$code" = 200
check "the answer is XML (Content-Type)" \
    grep -qiE '^Content-Type: *(text|application)/xml' "$WORK/answer.head"
check "the answer is the Thunderbird document for example.com with the example's servers" \
    bash -c 'f=$1; grep -q "<clientConfig" "$f" && grep -q "<emailProvider id=\"example.com\">" "$f" &&
             grep -q "<hostname>imap.example.com</hostname>" "$f" &&
             grep -q "<hostname>smtp.example.com</hostname>" "$f" &&
             grep -q "<displayName>Example Mail</displayName>" "$f"' _ "$WORK/answer.xml"
[ "$FAILED" -eq 0 ] || { cat "$WORK/answer.head" "$WORK/answer.xml" >&2; tail -n 20 /var/log/apache2/error.log >&2; }
if stop_system_httpd; then
    HTTPD_STARTED=0
    pass "apache2ctl stop"
else
    fail "apache2 did not stop"
fi
check "nothing answers on 127.0.0.1:$PORT any more" \
    bash -c '! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"' _ "$PORT"
a2dissite -q -p "$SITE" >/dev/null 2>&1
rm -f "$CONFDIR/sites-available/$SITE.conf"
SITE_ADDED=0

# ------------------------------------------------------------------- purge
say "apt-get purge $PKG"
if "${APT[@]}" purge "$PKG" >"$WORK/purge.log" 2>&1; then
    INSTALLED=0
    pass "apt-get purge $PKG"
else
    cat "$WORK/purge.log" >&2
    fail "apt-get purge $PKG failed"
fi
[ "$HTTPD_WAS_RUNNING" -eq 0 ] && stop_system_httpd
status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null)
check "dpkg: $PKG is gone, its configuration files too" \
    test -z "$status" -o "${status:1:1}" = n
left=()
for f in "${LISTED[@]}"; do
    [ -d "$f" ] && [ ! -L "$f" ] && continue      # shared folders (/etc/apache2/mods-available, ...)
    if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
done
check "no file dpkg -L listed is left (${#LISTED[@]} paths)" test "${#left[@]}" -eq 0
[ "${#left[@]}" -eq 0 ] || printf '  left: %s\n' "${left[@]}" >&2
check "/usr/share/doc/$PKG is gone" test ! -e "/usr/share/doc/$PKG"
check "no $MOD file or link in mods-available or mods-enabled" \
    bash -c '[ -z "$(find "$1/mods-available" "$1/mods-enabled" -name "$2.*" 2>/dev/null)" ]' _ "$CONFDIR" "$MOD"
check "no a2enmod state marker for $MOD in /var/lib/apache2" \
    bash -c '[ -z "$(find /var/lib/apache2 -name "$1" 2>/dev/null)" ]' _ "$MOD"
check "no new dangling symbolic link in /etc/apache2" \
    test "$(find "$CONFDIR" -xtype l 2>/dev/null | sort)" = "$DANGLING_BEFORE"
check "a2query no longer knows $MOD" bash -c '! a2query -m "$1" >/dev/null 2>&1' _ "$MOD"

# restore (on EXIT) puts ports.conf back, compares the fingerprints and
# prints the summary.
exit 0
