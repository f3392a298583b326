#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The project's test command.
#
#   bash scripts/test.sh [t/TEST arguments, e.g. t/00_harness.t]
#
# Installs missing Debian packages, builds the module with -Werror (WERROR=1
# for every make below, fuzz harnesses included), runs the
# C unit tests (prove) and the Apache::Test suite.  All output goes to the
# terminal and to test.log at the repository root.  Exits nonzero unless
# every prove run ends in "Result: PASS" with a nonzero "Tests=" count.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export WERROR=1

LOG="$ROOT/test.log"
: > "$LOG"
STEP_OUT=$(mktemp)
trap 'rm -f "$STEP_OUT"' EXIT
SUMMARY=()

log() { printf '%s\n' "$*" | tee -a "$LOG"; }

die() {
    log "FAIL: $*"
    log "test.sh: FAILED (full output in $LOG)"
    exit 1
}

# step NAME CMD... : run CMD with its output shown, appended to the log and
# kept in $STEP_OUT; sets STEP_RC.
step() {
    local name=$1; shift
    log "==> $name: $*"
    "$@" </dev/null 2>&1 | tee "$STEP_OUT" | tee -a "$LOG"
    STEP_RC=${PIPESTATUS[0]}
}

# run_step NAME CMD... : like step, but fails the run on nonzero exit.
run_step() {
    step "$@"
    [ "$STEP_RC" -eq 0 ] || die "$1 exited with status $STEP_RC"
}

# Tests= count of the last prove summary in the last step's output.
tests_count() {
    grep -E '^Files=[0-9]+, Tests=[0-9]+' "$STEP_OUT" | tail -n 1 |
        sed -E 's/^Files=[0-9]+, Tests=([0-9]+).*/\1/'
}

# prove_verdict : prints nothing when the last step exited 0 and its output
# ends in "Result: PASS" with a nonzero Tests= count, else the reason.
prove_verdict() {
    local result tests
    result=$(grep -E '^Result: ' "$STEP_OUT" | tail -n 1)
    tests=$(tests_count)
    if [ "$STEP_RC" -ne 0 ]; then
        echo "exited with status $STEP_RC (${result:-no Result line})"
    elif [ "$result" != "Result: PASS" ]; then
        echo "expected 'Result: PASS', got '${result:-nothing}'"
    elif [ -z "$tests" ] || [ "$tests" -eq 0 ]; then
        echo "no tests were run (Tests=${tests:-?})"
    fi
}

run_step packages mac_install_packages
run_step build make -f Makefile.apxs all

step unit make -f Makefile.apxs unit
reason=$(prove_verdict)
[ -z "$reason" ] || die "C unit tests: $reason"
SUMMARY+=("C unit tests: PASS (Tests=$(tests_count))")

run_step apache-test-generate perl t/TEST.PL -apxs "$(mac_apxs)" -httpd "$(mac_httpd)"
run_step apache-test-clean t/TEST -clean
# The PostgreSQL scenarios run when scripts/pgsql.sh has a server up
# (CI starts one); otherwise t/dbd_pgsql.t says why it skips.
PG_DEFINES=()
if bash scripts/pgsql.sh status >/dev/null 2>&1; then
    PG_DEFINES=(-defines MAC_PGSQL)
fi
step apache-test t/TEST -port select "${PG_DEFINES[@]}" "$@"
reason=$(prove_verdict)
if [ -n "$reason" ]; then
    # Re-run the failing .t files verbosely for diagnostics, then show the
    # interesting end of the server's error log.
    mapfile -t failed < <(sed -nE 's/^(t\/[^ ]+\.t) \(Wstat.*/\1/p' "$STEP_OUT")
    if [ "${#failed[@]}" -gt 0 ]; then
        step "apache-test (verbose re-run of failures)" t/TEST -port select "${PG_DEFINES[@]}" -verbose "${failed[@]}"
    fi
    if [ -f t/logs/error_log ]; then
        log "--- t/logs/error_log, last lines at level notice or above:"
        grep -Ev ':(trace[0-9]|debug|info)\]' t/logs/error_log | tail -n 30 | tee -a "$LOG"
    fi
    die "Apache::Test suite: $reason"
fi
SUMMARY+=("Apache::Test suite: PASS (Tests=$(tests_count))")

# A short libFuzzer smoke of every parser of untrusted input (a few
# seconds each; "make -f Makefile.apxs fuzz-long" for the real thing).
# Only on a full run: a run of chosen .t files skips it.
if [ "$#" -eq 0 ]; then
    run_step fuzz-smoke bash scripts/fuzz.sh 4
    SUMMARY+=("fuzz smoke: PASS (every harness 4 s)")
fi

log "==> summary"
for line in "${SUMMARY[@]}"; do log "  $line"; done
log "test.sh: ALL PASSED (log: $LOG)"
