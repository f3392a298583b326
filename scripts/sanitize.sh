#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The module and the library under the sanitizers.
#
#   bash scripts/sanitize.sh [t/TEST arguments, e.g. t/autodiscover.t]
#   make -f Makefile.apxs sanitize
#
# 1. Builds mod_mailautoconf with gcc's AddressSanitizer and
#    UndefinedBehaviorSanitizer (-fsanitize=address,undefined
#    -fno-omit-frame-pointer -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0, through
#    Makefile.apxs' EXTRA_CFLAGS/EXTRA_LDFLAGS) and runs the whole
#    Apache::Test suite against the system's stock httpd (apxs' SBINDIR/TARGET,
#    Debian's /usr/sbin/apache2) with gcc's
#    runtimes (libasan.so.8, libubsan.so.1) preloaded.
# 2. Builds the C unit tests with ASan + UBSan (fatal) + LeakSanitizer and
#    exact-size pool allocations (fuzz/fuzz_pool.c) and runs them.
# 3. Builds the C unit tests and t/unit/stress_adreq.c (8 threads parsing
#    and rendering thousands of good and hostile requests) with
#    ThreadSanitizer and runs them.
# Fails when any step fails or any sanitizer report appears.
#
# Where it runs: on a private copy of the tree (the files git knows or
# would add) in a temporary directory, so the developer's .libs/, t/unit/bin
# and t/ (generated config, logs, a running test server) are never touched;
# the copy is removed on success and kept (path printed) on failure or with
# SANITIZE_KEEP=1.  The test server gets a block of free ports of its own
# (APACHE_TEST_PORT), so it can run beside another Apache::Test run.
#
# How the runtime reaches httpd: Apache::Test starts the server itself
# (through a shell, with t/TEST's environment).  The generated t/TEST is
# pointed (-httpd) at a small wrapper script that sets LD_PRELOAD,
# ASAN_OPTIONS and UBSAN_OPTIONS and execs that httpd, so only the
# server (and the "apache2 -t" runs of t/configtest.t, which use the same
# httpd) is instrumented, never perl or the test clients.  The script
# checks in /proc that the runtime is mapped into the parent and every
# child process and that the module is loaded there.  The children are
# forked, not exec'ed, so they keep the preloaded runtime.
#
# Sanitizer options for httpd:
#   ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=REPORTS/asan
#     Leak checking is off for httpd: its pools (pconf, the child pools)
#     are still allocated when processes exit by design, OpenSSL, libxml2
#     and APR keep process-lifetime allocations, and a child that is
#     killed at shutdown never runs the checker at all, so LeakSanitizer's
#     verdict there would be noise or nothing.  The module's own memory
#     discipline is checked with LeakSanitizer in step 2, where every test
#     destroys its pools (with exact-size allocations, so a leak inside a
#     pool-owned buffer shows), and with valgrind (scripts/valgrind.sh).
#   UBSAN_OPTIONS=print_stacktrace=1:log_path=REPORTS/ubsan
#     UBSan keeps going after a report (the module is built recoverable)
#     so one run shows all of them; any report file fails the run.
# REPORTS is world-writable (the children run as nobody).  The server's
# error_log (httpd's stderr) is searched for sanitizer output as well, and
# that matters: checked with a deliberately injected heap overflow in a
# request handler, gcc 12's runtimes wrote the report of a serving child
# to the error_log, not to log_path (while reports of "apache2 -t/-v" runs
# and of plain programs do go to log_path).  Either place fails the run;
# a child killed by ASan also fails the test that was talking to it.
#
# Environment: SANITIZE_KEEP=1 keeps the work directory; SANITIZE_WORKDIR=DIR
# uses DIR (must not exist or be empty); STRESS_ITERATIONS (default 5000)
# bodies per thread in the TSan stress.
#
# Exits 0 and prints "sanitize.sh: ALL PASSED" only when everything passed.
set -uo pipefail

SAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SAN_ROOT/scripts/lib.sh"
# Warnings are errors in every build here (Makefile.apxs, fuzz/Makefile).
export WERROR=1
# The httpd and apxs of this system (Debian: /usr/sbin/apache2).
SAN_HTTPD=$(mac_httpd)
SAN_APXS=$(mac_apxs)

# Debian packages on top of scripts/lib.sh's MAC_PACKAGES: the sanitizer
# runtimes matching Debian 12's gcc 12 (gcc-12 depends on them already;
# named so that a missing one is installed rather than guessed at).
SAN_EXTRA_PACKAGES=(libasan8 libubsan1 libtsan2)

# ---------------------------------------------------------------- helpers
# (scripts/valgrind.sh sources this file for these; nothing below runs
# unless the file is executed.)

hard_install_packages() {
    local extra=("$@")
    # mac_install_packages installs what MAC_PACKAGES lists; extend it here.
    local MAC_PACKAGES=("${MAC_PACKAGES[@]}" "${extra[@]}")
    mac_install_packages
}

hard_log() { printf '%s\n' "$*" | tee -a "$HARD_LOG"; }

hard_die() {
    hard_log "FAIL: $*"
    if [ -n "${HARD_WORK:-}" ] && [ -d "$HARD_WORK" ]; then
        hard_log "$HARD_NAME: FAILED (work directory kept: $HARD_WORK; log: $HARD_LOG)"
    else
        hard_log "$HARD_NAME: FAILED"
    fi
    exit 1
}

# hard_step NAME CMD... : run CMD, output to the terminal, the log and
# $HARD_STEP_OUT; sets HARD_RC.
hard_step() {
    local name=$1 t0=$SECONDS; shift
    hard_log "==> $name: $*"
    "$@" </dev/null 2>&1 | tee "$HARD_STEP_OUT" >> "$HARD_LOG"
    HARD_RC=${PIPESTATUS[0]}
    # show the end of long outputs only; everything is in the log
    if [ "$(wc -l < "$HARD_STEP_OUT")" -gt 40 ]; then
        echo "    ... ($(wc -l < "$HARD_STEP_OUT") lines, see $HARD_LOG)"
        tail -n 25 "$HARD_STEP_OUT"
    else
        cat "$HARD_STEP_OUT"
    fi
    hard_log "    ($name: exit $HARD_RC, $((SECONDS - t0)) s)"
}

hard_run_step() {
    hard_step "$@"
    [ "$HARD_RC" -eq 0 ] || hard_die "$1 exited with status $HARD_RC"
}

# Empty when the last step's prove run passed with tests, else the reason.
hard_prove_verdict() {
    local result tests
    result=$(grep -E '^Result: ' "$HARD_STEP_OUT" | tail -n 1)
    tests=$(grep -E '^Files=[0-9]+, Tests=[0-9]+' "$HARD_STEP_OUT" | tail -n 1 |
            sed -E 's/^Files=[0-9]+, Tests=([0-9]+).*/\1/')
    if [ "$HARD_RC" -ne 0 ]; then
        echo "exited with status $HARD_RC (${result:-no Result line})"
    elif [ "$result" != "Result: PASS" ]; then
        echo "expected 'Result: PASS', got '${result:-nothing}'"
    elif [ -z "$tests" ] || [ "$tests" -eq 0 ]; then
        echo "no tests were run (Tests=${tests:-?})"
    fi
}

hard_tests_count() {
    grep -E '^Files=[0-9]+, Tests=[0-9]+' "$HARD_STEP_OUT" | tail -n 1 |
        sed -E 's/^Files=[0-9]+, Tests=([0-9]+).*/\1/'
}

# hard_setup NAME : work directory, log, private copy of the tree in
# $HARD_TREE.  Sets HARD_WORK, HARD_LOG, HARD_TREE, HARD_STEP_OUT.
hard_setup() {
    HARD_NAME=$1
    local keep_var=$2 dir_var=$3
    if [ -n "${!dir_var:-}" ]; then
        HARD_WORK=${!dir_var}
        mkdir -p "$HARD_WORK" || exit 1
    else
        HARD_WORK=$(mktemp -d "${TMPDIR:-/tmp}/mac-$HARD_NAME.XXXXXX") || exit 1
    fi
    # httpd children (User nobody) must reach t/ and the report directory
    chmod 755 "$HARD_WORK"
    HARD_LOG="$HARD_WORK/$HARD_NAME.log"
    HARD_STEP_OUT="$HARD_WORK/step.out"
    HARD_TREE="$HARD_WORK/tree"
    HARD_KEEP=${!keep_var:-0}
    : > "$HARD_LOG"
    trap 'hard_cleanup' EXIT
}

hard_cleanup() {
    local rc=$?
    # never leave a test server behind
    if [ -n "${HARD_TREE:-}" ] && [ -x "$HARD_TREE/t/TEST" ] && [ -f "$HARD_TREE/t/logs/httpd.pid" ]; then
        (cd "$HARD_TREE" && t/TEST -stop-httpd >/dev/null 2>&1)
    fi
    if [ "$rc" -eq 0 ] && [ "${HARD_KEEP:-0}" != 1 ] && [ -n "${HARD_WORK:-}" ]; then
        rm -rf "$HARD_WORK"
    fi
}

# Copy the files git tracks or would add (no build products, no generated
# test config) to $HARD_TREE.  Outside a git checkout: everything but
# build products.
hard_copy_tree() {
    mkdir -p "$HARD_TREE" || return 1
    if git -C "$SAN_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$SAN_ROOT" ls-files -z -co --exclude-standard |
            tar -C "$SAN_ROOT" --null -T - --ignore-failed-read -cf - 2>/dev/null |
            tar -C "$HARD_TREE" -xf - || return 1
    else
        tar -C "$SAN_ROOT" --exclude=.libs --exclude='*.lo' --exclude='*.slo' \
            --exclude='*.la' --exclude=t/unit/bin --exclude=fuzz/bin \
            --exclude=t/logs --exclude=t/TEST -cf - . |
            tar -C "$HARD_TREE" -xf - || return 1
    fi
    echo "copied $(find "$HARD_TREE" -type f | wc -l) files to $HARD_TREE"
}

# A base port with enough free ports after it for every <VirtualHost> of
# t/conf/*.conf.in; prints it.  Randomised so that concurrent runs differ.
hard_pick_port() {
    local need
    need=$(cat "$HARD_TREE"/t/conf/*.conf.in 2>/dev/null | grep -c '<VirtualHost')
    need=$((need + 16))
    perl -MIO::Socket::INET -e '
        my $need = shift;
        srand($$ ^ time);
        for my $try (1 .. 300) {
            my $base = 10000 + 100 * int(rand(300));
            my $free = 1;
            for my $p ($base .. $base + $need - 1) {
                my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0",
                    LocalPort => $p, Proto => "tcp", Listen => 1, ReuseAddr => 1);
                unless ($s) { $free = 0; last }
                close $s;
            }
            if ($free) { print "$base\n"; exit 0 }
        }
        exit 1;' "$need"
}

# hard_sanitizer_lib NAME : absolute path of gcc's runtime NAME (e.g.
# libasan.so), following the development symlink to the versioned file.
hard_sanitizer_lib() {
    local cc=${CC:-cc} f
    f=$("$cc" -print-file-name="$1" 2>/dev/null)
    [ -n "$f" ] && [ "$f" != "$1" ] && [ -e "$f" ] || return 1
    readlink -f "$f"
}

# Children (direct) of a process, from /proc.
hard_children() {
    local want=$1 stat pid ppid
    for stat in /proc/[0-9]*/stat; do
        read -r pid _ _ ppid _ < "$stat" 2>/dev/null || continue
        [ "$ppid" = "$want" ] && echo "$pid"
    done
}

# ------------------------------------------------------------------- main

sanitize_main() {
    local libasan libubsan port parent kids k bad reports unit_reason t0=$SECONDS
    local SUMMARY=()

    hard_setup sanitize SANITIZE_KEEP SANITIZE_WORKDIR
    hard_log "sanitize.sh: work directory $HARD_WORK"

    hard_run_step packages hard_install_packages "${SAN_EXTRA_PACKAGES[@]}"
    hard_run_step copy hard_copy_tree
    cd "$HARD_TREE" || hard_die "cd $HARD_TREE"

    libasan=$(hard_sanitizer_lib libasan.so) || hard_die "gcc's libasan.so not found (libasan8)"
    libubsan=$(hard_sanitizer_lib libubsan.so) || hard_die "gcc's libubsan.so not found (libubsan1)"
    hard_log "runtimes: $libasan $libubsan"

    local REPORTS="$HARD_WORK/reports"
    mkdir -p "$REPORTS" && chmod 1777 "$REPORTS"
    local SAN_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0'
    local SAN_LDFLAGS='-fsanitize=address,undefined'

    # ---- 1. the module in the Apache::Test suite
    hard_run_step build-asan make -f Makefile.apxs all \
        EXTRA_CFLAGS="$SAN_CFLAGS" EXTRA_LDFLAGS="$SAN_LDFLAGS"
    readelf -d .libs/mod_mailautoconf.so | grep -q 'NEEDED.*libasan' ||
        hard_die "the module is not linked against libasan"

    mkdir -p "$HARD_WORK/bin"
    cat > "$HARD_WORK/bin/apache2" <<EOF
#!/bin/sh
# Generated by scripts/sanitize.sh: the system's httpd with gcc's ASan and
# UBSan runtimes preloaded (the module is built with them).
LD_PRELOAD="$libasan $libubsan\${LD_PRELOAD:+ \$LD_PRELOAD}"
ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$REPORTS/asan"
UBSAN_OPTIONS="print_stacktrace=1:log_path=$REPORTS/ubsan"
export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
exec "$SAN_HTTPD" "\$@"
EOF
    chmod 755 "$HARD_WORK/bin/apache2"

    hard_run_step apache-test-generate perl t/TEST.PL -apxs "$SAN_APXS" -httpd "$HARD_WORK/bin/apache2"
    hard_run_step apache-test-clean t/TEST -clean
    port=$(hard_pick_port) || hard_die "no block of free ports found"
    export APACHE_TEST_PORT=$port
    export APACHE_TEST_STARTUP_TIMEOUT=${APACHE_TEST_STARTUP_TIMEOUT:-120}
    hard_log "test server ports from $port"

    hard_run_step apache-test-start t/TEST -start-httpd
    [ -s t/logs/httpd.pid ] || hard_die "no t/logs/httpd.pid after -start-httpd"
    parent=$(cat t/logs/httpd.pid)
    # the event MPM's children may still be starting
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kids=$(hard_children "$parent")
        [ -n "$kids" ] && break
        sleep 1
    done
    [ -n "$kids" ] || hard_die "httpd ($parent) has no children"
    bad=
    for k in "$parent" $kids; do
        if ! grep -q "$(basename "$libasan")" "/proc/$k/maps" 2>/dev/null; then
            bad="$bad $k(no libasan)"
        fi
        if ! grep -q 'mod_mailautoconf.so' "/proc/$k/maps" 2>/dev/null; then
            bad="$bad $k(no module)"
        fi
    done
    [ -z "$bad" ] || hard_die "sanitizer runtime or module missing in httpd processes:$bad"
    hard_log "preload check: libasan and mod_mailautoconf.so mapped in httpd $parent and children" $kids

    hard_step apache-test-asan t/TEST -run-tests "$@"
    local suite_reason suite_tests
    suite_reason=$(hard_prove_verdict)
    suite_tests=$(hard_tests_count)
    if [ -n "$suite_reason" ]; then
        local failed
        mapfile -t failed < <(sed -nE 's/^(t\/[^ ]+\.t) \(Wstat.*/\1/p' "$HARD_STEP_OUT")
        if [ "${#failed[@]}" -gt 0 ]; then
            hard_step "apache-test-asan (verbose re-run of failures, for diagnosis only)" \
                t/TEST -run-tests -verbose "${failed[@]}"
        fi
    fi
    hard_step apache-test-stop t/TEST -stop-httpd

    reports=$(find "$REPORTS" -type f | sort)
    if [ -n "$reports" ]; then
        for f in $reports; do
            hard_log "--- $f"
            head -n 80 "$f" | tee -a "$HARD_LOG"
        done
        hard_die "sanitizer reports from httpd: $(echo "$reports" | wc -l) file(s)"
    fi
    if grep -nE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|UndefinedBehaviorSanitizer' \
            t/logs/error_log > "$HARD_WORK/errlog-hits" 2>/dev/null; then
        head -n 40 "$HARD_WORK/errlog-hits" | tee -a "$HARD_LOG"
        hard_die "sanitizer output in t/logs/error_log"
    fi
    if [ -n "$suite_reason" ]; then
        grep -Ev ':(trace[0-9]|debug|info)\]' t/logs/error_log 2>/dev/null | tail -n 30 | tee -a "$HARD_LOG"
        hard_die "Apache::Test suite under ASan/UBSan: $suite_reason"
    fi
    SUMMARY+=("Apache::Test suite, module under ASan+UBSan: PASS (Tests=$suite_tests, no report)")

    # ---- 2. unit tests: ASan + UBSan (fatal) + LSan, exact-size pool allocations
    hard_run_step build-pool-shim "${CC:-cc}" -g -O1 -fsanitize=address,undefined \
        $(apr-1-config --cflags --cppflags --includes) -c fuzz/fuzz_pool.c -o "$HARD_WORK/fuzz_pool.o"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    hard_step unit-asan make -f Makefile.apxs unit \
        EXTRA_CFLAGS="$SAN_CFLAGS -fno-sanitize-recover=all" \
        EXTRA_LDFLAGS="$SAN_LDFLAGS -Wl,--wrap=apr_palloc $HARD_WORK/fuzz_pool.o"
    unit_reason=$(hard_prove_verdict)
    [ -z "$unit_reason" ] || hard_die "C unit tests under ASan+UBSan+LSan: $unit_reason"
    SUMMARY+=("C unit tests under ASan+UBSan+LSan (exact-size pool allocations): PASS (Tests=$(hard_tests_count))")
    unset ASAN_OPTIONS UBSAN_OPTIONS

    # ---- 3. ThreadSanitizer: unit tests and the threaded stress
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66"
    hard_step unit-tsan make -f Makefile.apxs unit \
        EXTRA_CFLAGS="-fsanitize=thread -O1" EXTRA_LDFLAGS="-fsanitize=thread"
    unit_reason=$(hard_prove_verdict)
    [ -z "$unit_reason" ] || hard_die "C unit tests under TSan: $unit_reason"
    SUMMARY+=("C unit tests under TSan: PASS (Tests=$(hard_tests_count))")

    hard_step stress-tsan make -f Makefile.apxs stress-tsan \
        STRESS_ITERATIONS="${STRESS_ITERATIONS:-5000}"
    unit_reason=$(hard_prove_verdict)
    [ -z "$unit_reason" ] || hard_die "t/unit/stress_adreq.c under TSan: $unit_reason"
    SUMMARY+=("threaded stress (8 threads x ${STRESS_ITERATIONS:-5000} requests) under TSan: PASS (Tests=$(hard_tests_count))")

    hard_log "==> summary ($((SECONDS - t0)) s)"
    for line in "${SUMMARY[@]}"; do hard_log "  $line"; done
    hard_log "sanitize: ${#SUMMARY[@]} passed, 0 failed"
    hard_log "sanitize.sh: ALL PASSED"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    sanitize_main "$@"
fi
