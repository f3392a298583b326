# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# shellcheck shell=bash
# Shared helpers for scripts/*.sh and bench/run.sh (source, don't run).

# Debian 12 packages needed to build and test mod_mailautoconf.
MAC_PACKAGES=(
    apache2 apache2-dev
    libxml2-dev libssl-dev libc6-dev
    gcc make pkg-config
    perl libapache2-mod-perl2
    libxml-libxml-perl libwww-perl liblwp-protocol-https-perl libjson-pp-perl
    openssl curl
    knot
    radicale vdirsyncer python3-caldav
    sqlite3 libaprutil1-dbd-sqlite3
    memcached redis-server
    slapd ldap-utils libldap-dev
    chromium chromium-driver fonts-dejavu-core fonts-wqy-microhei
)

# Absolute path of the repository root (parent of scripts/).
mac_repo_root() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

# Run a command as root (directly, or through sudo when not root).
mac_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# Install whichever of MAC_PACKAGES are missing (checked with dpkg-query).
mac_install_packages() {
    local pkg status missing=()
    for pkg in "${MAC_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
        case "$status" in
            ii*) ;;
            *) missing+=("$pkg") ;;
        esac
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "packages: all ${#MAC_PACKAGES[@]} required Debian packages are installed"
        return 0
    fi
    echo "packages: installing ${missing[*]}"
    mac_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    mac_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" </dev/null || return 1
}

# Build .libs/mod_mailautoconf.so (warnings are errors when WERROR=1 is
# in the environment, as scripts/test.sh and scripts/sanitize.sh set it).
mac_build_module() {
    make -f Makefile.apxs all
}

# apxs: $APXS, else apxs (or apxs2) on PATH.
mac_apxs() {
    if [ -n "${APXS:-}" ]; then
        printf '%s\n' "$APXS"
        return 0
    fi
    command -v apxs 2>/dev/null || command -v apxs2 2>/dev/null || echo /usr/bin/apxs
}

# httpd: $HTTPD, else apxs' SBINDIR/TARGET (Debian: /usr/sbin/apache2,
# Fedora/RHEL: /usr/sbin/httpd), as Makefile.apxs finds it.
mac_httpd() {
    local apxs
    if [ -n "${HTTPD:-}" ]; then
        printf '%s\n' "$HTTPD"
        return 0
    fi
    apxs=$(mac_apxs)
    printf '%s/%s\n' "$("$apxs" -q SBINDIR)" "$("$apxs" -q TARGET)"
}

# ------------------------------------------------ a script's own httpd
# bench/run.sh, scripts/soak-hostile.sh and scripts/demo.sh run httpd in the
# foreground as a background job of the script and stop it with these.

# mac_our_job PID: is PID a background job of this shell that still runs?
# (Never signal a PID that may since belong to someone else's process.)
mac_our_job() {
    jobs -p | grep -qx "$1" && kill -0 "$1" 2>/dev/null
}

# mac_children_of PID: its child processes, one per line, in order.
mac_children_of() {
    ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | sort -n || true
}

# mac_stop_job PID: TERM (an httpd parent stops its children and waits
# for them); if it is still there after 15 s, KILL its children, then it.
mac_stop_job() {
    local pid=$1 i
    mac_our_job "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        mac_our_job "$pid" || break
        sleep 0.1
    done
    if mac_our_job "$pid"; then
        echo "process $pid did not stop in 15 s, killing it" >&2
        for i in $(mac_children_of "$pid"); do
            kill -KILL "$i" 2>/dev/null || true
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# mac_httpd_start HTTPD CONF OUT [CAP_KB]: HTTPD -f CONF -DFOREGROUND as a
# background job, its output to the file OUT ("-": left on the terminal),
# under an address-space limit of CAP_KB KiB when given.  Sets
# MAC_HTTPD_PID.
mac_httpd_start() {
    local httpd=$1 conf=$2 out=$3 cap=${4:-}
    if [ -n "$cap" ]; then
        (ulimit -v "$cap"; exec "$httpd" -f "$conf" -DFOREGROUND) >"$out" 2>&1 &
    elif [ "$out" = - ]; then
        "$httpd" -f "$conf" -DFOREGROUND &
    else
        "$httpd" -f "$conf" -DFOREGROUND >"$out" 2>&1 &
    fi
    MAC_HTTPD_PID=$!
}

# mac_port_free ADDR PORT: nothing listens there.
mac_port_free() {
    ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# mac_free_port ADDR: prints a free port between 20000 and 39999.
mac_free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 20000))
        if mac_port_free "$1" "$port"; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# mac_httpd_conf_head SERVERROOT RUNDIR SERVERNAME LISTEN MODULE_SO ERRORLOG:
# the lines a generated httpd.conf starts with: its own directories, the
# address, User nobody when run as root, t/conf/httpd-base.conf's modules
# and this module.
mac_httpd_conf_head() {
    local root=$1 run=$2 name=$3 listen=$4 so=$5 errlog=$6
    echo "ServerRoot \"$root\""
    echo "DefaultRuntimeDir \"$run\""
    echo "PidFile \"$run/httpd.pid\""
    echo "ServerName $name"
    echo "Listen $listen"
    if [ "$(id -u)" -eq 0 ]; then
        echo "User nobody"
        echo "Group $(id -gn nobody)"
    fi
    echo "Include \"$(mac_repo_root)/t/conf/httpd-base.conf\""
    echo "LoadModule mailautoconf_module \"$so\""
    echo "ErrorLog \"$errlog\""
}

# mac_httpd_conf_load: the event MPM as the load tests use it: two children
# (one per core) of 25 threads, more than wrk's 16 connections in each
# (when every worker of a child is busy the event MPM closes its idle
# keep-alive connections, which wrk sees as read errors), no child ever
# reaped or replaced, unlimited keep-alive requests.
mac_httpd_conf_load() {
    cat <<'CONF'
<IfModule mpm_event_module>
    ServerLimit             2
    StartServers            2
    ThreadLimit             25
    ThreadsPerChild         25
    MaxRequestWorkers       50
    MinSpareThreads         25
    MaxSpareThreads         50
    MaxConnectionsPerChild  0
</IfModule>
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
Timeout 30
HostnameLookups Off
CONF
}

# mac_build_copy DIR LOG: build the module in DIR (a copy of the sources:
# the working tree's build is neither used nor touched), output to LOG;
# on failure show its end.  Prints the path of the .so.
mac_build_copy() {
    local dir=$1 log=$2
    if ! (cd "$dir" && mac_build_module) >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "the module did not build in $dir (make -f Makefile.apxs)" >&2
        return 1
    fi
    [ -f "$dir/.libs/mod_mailautoconf.so" ] || { echo "no $dir/.libs/mod_mailautoconf.so after the build" >&2; return 1; }
    echo "$dir/.libs/mod_mailautoconf.so"
}
