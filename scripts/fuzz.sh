#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Build the libFuzzer harnesses (clang, ASan + UBSan) and run each of them.
#
#   bash scripts/fuzz.sh [SECONDS_EACH] [HARNESS ...]
#
#   SECONDS_EACH  how long each harness runs (-max_total_time); default
#                 $FUZZ_SECONDS, else 10
#   HARNESS       any of: adreq addr query escape render path std dav row user (default: all)
#
# make -f Makefile.apxs fuzz        a smoke run, 5 s each (FUZZ_SECONDS=N to change)
# make -f Makefile.apxs fuzz-long   600 s each
#
# Each harness starts from its seed corpus fuzz/corpus/<name>/ (under
# version control), copied to a temporary working corpus so that the units
# libFuzzer adds never touch the tree, with the dictionary fuzz/<name>.dict.
# Any crash, sanitizer report, leak, timeout (10 s per input) or broken
# invariant fails the run; the input is saved under fuzz/artifacts/
# (git-ignored) and the command that replays it is printed.
#
# Environment:
#   FUZZ_SAVE_CORPUS=DIR  keep each grown working corpus in DIR/<name>/
#   FUZZ_MORE_CORPUS=DIR  also start from DIR/<name>/ when it exists (e.g. a
#                         corpus saved by an earlier FUZZ_SAVE_CORPUS run)
#   FUZZ_JOBS=N           run N harnesses at once (default 1; the machine
#                         has 2 cores)
#
# Installs clang and libFuzzer (libclang-rt-14-dev) when missing.  Exits 0
# only when every harness ran for the whole time without a finding.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ALL_HARNESSES=(adreq addr query escape render path std dav row user)

# Debian packages the harnesses need (on top of what scripts/lib.sh lists
# for the module: headers of APR, libxml2 and OpenSSL come from there too).
FUZZ_PACKAGES=(clang libclang-rt-14-dev libxml2-dev apache2-dev libssl-dev make)

fuzz_install_packages() {
    # mac_install_packages installs what MAC_PACKAGES lists; give it ours.
    local MAC_PACKAGES=("${FUZZ_PACKAGES[@]}")
    mac_install_packages
}

# Largest input per harness, in bytes.
max_len_for() {
    case "$1" in
        adreq)  echo 8192 ;;   # bodies; MAC_AD_MAX_INPUT is 64 KiB, real ones < 1 KiB
        addr)   echo 512 ;;    # addresses are at most 254 bytes
        query)  echo 4096 ;;
        escape) echo 4096 ;;
        render) echo 4096 ;;
        row)    echo 8192 ;;   # records are at most 6,165 bytes
        user)   echo 4096 ;;   # records are at most 3,600 bytes, addresses 254
        *)      echo 4096 ;;
    esac
}

SECONDS_EACH=${1:-${FUZZ_SECONDS:-10}}
shift $(( $# > 0 ? 1 : 0 ))
if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SECONDS_EACH] [HARNESS ...]" >&2
    exit 2
fi
HARNESSES=("$@")
[ "${#HARNESSES[@]}" -gt 0 ] || HARNESSES=("${ALL_HARNESSES[@]}")
for h in "${HARNESSES[@]}"; do
    case " ${ALL_HARNESSES[*]} " in
        *" $h "*) ;;
        *) echo "fuzz.sh: unknown harness '$h' (known: ${ALL_HARNESSES[*]})" >&2; exit 2 ;;
    esac
done
JOBS=${FUZZ_JOBS:-1}

echo "==> fuzz: packages"
fuzz_install_packages || { echo "fuzz.sh: FAILED to install packages" >&2; exit 1; }

echo "==> fuzz: build (make -f fuzz/Makefile)"
if ! make -f fuzz/Makefile all; then
    echo "fuzz.sh: FAILED to build the harnesses" >&2
    exit 1
fi

ARTIFACTS="$ROOT/fuzz/artifacts"
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mac-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ASan: leaks count (every iteration destroys its pool, so anything left is
# a real leak); UBSan: -fno-sanitize-recover makes any report fatal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one NAME : fuzz one harness; writes $WORK/NAME.log and $WORK/NAME.rc
run_one() {
    local h=$1 corpus="$WORK/corpus-$1" log="$WORK/$1.log" rc
    mkdir -p "$corpus"
    cp -a "fuzz/corpus/$h/." "$corpus/"
    local args=(
        -max_total_time="$SECONDS_EACH"
        -max_len="$(max_len_for "$h")"
        -timeout=10
        -rss_limit_mb=2048
        -print_final_stats=1
        -artifact_prefix="$ARTIFACTS/$h-"
    )
    [ -f "fuzz/$h.dict" ] && args+=(-dict="fuzz/$h.dict")
    local more=()
    if [ -n "${FUZZ_MORE_CORPUS:-}" ] && [ -d "$FUZZ_MORE_CORPUS/$h" ]; then
        more=("$FUZZ_MORE_CORPUS/$h")
    fi
    "fuzz/bin/fuzz_$h" "${args[@]}" "$corpus" "${more[@]}" >"$log" 2>&1
    rc=$?
    echo "$rc" > "$WORK/$h.rc"
    if [ -n "${FUZZ_SAVE_CORPUS:-}" ]; then
        mkdir -p "$FUZZ_SAVE_CORPUS/$h"
        cp -a "$corpus/." "$FUZZ_SAVE_CORPUS/$h/"
    fi
}

echo "==> fuzz: ${HARNESSES[*]}, ${SECONDS_EACH} s each, $JOBS at a time"
running=0
for h in "${HARNESSES[@]}"; do
    run_one "$h" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
passed=0
for h in "${HARNESSES[@]}"; do
    log="$WORK/$h.log"
    rc=$(cat "$WORK/$h.rc" 2>/dev/null || echo 99)
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ] && grep -qE '^Done [0-9]+ runs' "$log"; then
        passed=$((passed + 1))
        echo "  fuzz_$h: PASS (${runs:-?} runs, $cov)"
    else
        failed=$((failed + 1))
        echo "  fuzz_$h: FAIL (exit $rc)"
        echo "    cause:"
        grep -E 'fuzz invariant broken|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' \
            "$log" | head -n 6 | sed 's/^/      /'
        echo "    last lines of its output:"
        grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse|INITED)' "$log" | tail -n 60 | sed 's/^/      /'
        art=$(sed -nE "s/.*Test unit written to (.*)$/\1/p" "$log" | tail -n 1)
        if [ -n "$art" ]; then
            echo "    input:  $art ($(wc -c < "$art") bytes; base64 $(base64 -w0 < "$art" | head -c 400))"
            echo "    replay: fuzz/bin/fuzz_$h $art"
        fi
    fi
done

echo "fuzz: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: FAILED (inputs under fuzz/artifacts/)"
    exit 1
fi
echo "fuzz.sh: ALL PASSED"
