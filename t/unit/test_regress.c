/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Regression inputs from fuzzing, replayed through the fuzz harnesses'
 * invariants in the ordinary unit-test build (gcc, no libFuzzer):
 *
 *   1. every file of the seed corpora fuzz/corpus/<harness>/ (run from the
 *      repository root, or set MAC_FUZZ_CORPUS to that directory);
 *   2. the inputs in regressions[] below: what fuzzing found, and boundary
 *      inputs worth keeping explicitly.
 *
 * The harness sources (fuzz/fuzz_*.c) are compiled into this test, each
 * under its own names, and every input runs in a child process: a broken
 * invariant (abort), a crash, or -- in the sanitizer build of
 * scripts/sanitize.sh -- an ASan/UBSan/LSan report fails that one test
 * and the others still run.  To debug one input with the real fuzzer
 * build: make -f fuzz/Makefile && fuzz/bin/fuzz_<harness> FILE.
 *
 * Adding a finding: put the input in fuzz/corpus/<harness>/ (named
 * regress-<what>) AND in regressions[] with the function at fault, the
 * symptom and the fix.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>

#include "mac_account.h"
#include "mac_addr.h"
#include "mac_adreq.h"
#include "mac_apple.h"
#include "mac_autodiscover.h"
#include "mac_escape.h"
#include "mac_query.h"
#include "mac_template.h"
#include "mac_thunderbird.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* The harnesses, each under its own names                              */

#include "../../fuzz/fuzz_common.c"

#define LLVMFuzzerInitialize   adreq_init
#define LLVMFuzzerTestOneInput adreq_one
#include "../../fuzz/fuzz_adreq.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define root                   addr_root
#define LLVMFuzzerInitialize   addr_init
#define LLVMFuzzerTestOneInput addr_one
#include "../../fuzz/fuzz_addr.c"
#undef root
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define root                   query_root
#define LLVMFuzzerInitialize   query_init
#define LLVMFuzzerTestOneInput query_one
#include "../../fuzz/fuzz_query.c"
#undef root
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define root                   escape_root
#define LLVMFuzzerInitialize   escape_init
#define LLVMFuzzerTestOneInput escape_one
#include "../../fuzz/fuzz_escape.c"
#undef root
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define root                   render_root
#define LLVMFuzzerInitialize   render_init
#define LLVMFuzzerTestOneInput render_one
#include "../../fuzz/fuzz_render.c"
#undef root
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define root                   path_root
#define LLVMFuzzerInitialize   path_init
#define LLVMFuzzerTestOneInput path_one
#include "../../fuzz/fuzz_path.c"
#undef root
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

typedef struct {
    const char *name;
    int (*init)(int *argc, char ***argv);
    int (*one)(const uint8_t *data, size_t size);
} harness_t;

static const harness_t harnesses[] = {
    { "adreq",  adreq_init,  adreq_one },
    { "addr",   addr_init,   addr_one },
    { "query",  query_init,  query_one },
    { "escape", escape_init, escape_one },
    { "render", render_init, render_one },
    { "path",   path_init,   path_one },
};
#define NHARNESSES (sizeof(harnesses) / sizeof(harnesses[0]))

static const harness_t *harness_named(const char *name)
{
    size_t i;

    for (i = 0; i < NHARNESSES; i++) {
        if (strcmp(harnesses[i].name, name) == 0) {
            return &harnesses[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Regression inputs                                                    */

#define IN(s) s, sizeof(s) - 1

typedef struct {
    const char *harness;
    const char *what;
    const char *data;
    size_t      len;
} regression_t;

/*
 * Fuzzing so far (fuzz_adreq, fuzz_addr, fuzz_query, fuzz_escape,
 * fuzz_render; ASan + UBSan + exact-size pool allocations; two campaigns
 * of 5 and 8 minutes per harness, about 165 million executions in all,
 * 1.1 million of them of the slowest, fuzz_render) found no crash and no
 * broken invariant in src/.  The entries are boundary inputs at the edges
 * the harnesses check, kept so that they run in every build.
 */
static const regression_t regressions[] = {
    /* escaping: the non-characters U+FFFE/U+FFFF become one U+FFFD each
     * in XML (a document with them is not well-formed), but stay in JSON;
     * a truncated sequence at the very end is one U+FFFD per byte */
    { "escape", "U+FFFE, U+FFFF and a truncated U+FFFF at the end",
      IN("\xEF\xBF\xBE\xEF\xBF\xBF\xEF\xBF") },
    { "escape", "surrogate halves and overlong NUL",
      IN("a\xED\xA0\x80z\xC0\x80") },
    { "escape", "every escaped ASCII byte next to multibyte text",
      IN("<&>\"'\t\r\n\x7f\xC3\xA4\x00\x1f") },
    /* query strings: a '%' two, one and zero bytes before the end */
    { "query", "escape ending exactly at the end of the value",
      IN("0emailaddress=%41") },
    { "query", "escape one byte short", IN("0emailaddress=%4") },
    { "query", "escape at the very end", IN("1name=a+b%") },
    { "query", "name matching with an '=' in the value and a NUL after",
      "0Email=a%3D@b.c&email=\0x", 24 },
    /* addresses: exactly at the limits, and one over */
    { "addr", "64-byte local part, 63-byte label",
      IN("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@"
         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.de") },
    { "addr", "dot right before the @", IN("a.@example.com") },
    { "addr", "upper-case domain with digits-only inner label",
      IN("X@123.EXAMPLE.COM") },
    { "addr", "NUL right after a valid address", "a@example.com\0", 14 },
    /* renderers: all placeholders back to back, markup everywhere, a
     * name of spaces only (the address becomes the name), markers (\x01)
     * in the page values */
    { "render", "adjacent placeholders and markup in every text",
      IN("I\xC0"
         "o'b&c@Example.COM\n   \n<D&\"N\">\n'S'\n"
         "%EMAILADDRESS%%EMAILDOMAIN%%EMAILLOCALPART%<&>\n"
         "https://x.example/?a=<b>&c='d'\n]]>\nIMAP.EXAMPLE.COM\n"
         "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\n"
         "/p?\x01" "A\n\x01" "B err\n\x01" "D\n\x01" "C\xEF\xBF\xBE") },
    /* Outlook requests: a NUL after the root element, and the GET
     * fragment with inner whitespace only */
    { "adreq", "NUL after the root element",
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
      "outlook/requestschema/2006\"><Request><EMailAddress>a@b.c"
      "</EMailAddress></Request></Autodiscover>\0", 169 },
    { "adreq", "GET fragment with only whitespace inside",
      IN("<EMailAddress> \t </EMailAddress>") },
};
#define NREGRESSIONS (sizeof(regressions) / sizeof(regressions[0]))

/* ------------------------------------------------------------------ */

/* Run one input in a child; 1 when it passed. */
static int run_input(const harness_t *h, const char *label,
                     const unsigned char *data, size_t len)
{
    pid_t pid;
    int status = 0;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        return ok(0, "%s: %s (fork: %s)", h->name, label, strerror(errno));
    }
    if (pid == 0) {
        /* only the harness' own messages, on stderr */
        if (freopen("/dev/null", "w", stdout) == NULL) {
            _exit(3);
        }
        h->init(NULL, NULL);
        h->one(data, len);
        exit(0);      /* exit, not _exit: LeakSanitizer runs at exit */
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return ok(0, "%s: %s (waitpid: %s)", h->name, label,
                      strerror(errno));
        }
    }
    if (ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: %s",
           h->name, label)) {
        return 1;
    }
    if (WIFSIGNALED(status)) {
        diag("killed by signal %d (a broken invariant aborts; see stderr)",
             WTERMSIG(status));
    }
    else {
        diag("exit status %d (a sanitizer report exits 1; see stderr)",
             WEXITSTATUS(status));
    }
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replay fuzz/corpus/<harness>/; returns the number of files run. */
static int replay_corpus(const char *dir, const harness_t *h)
{
    char *path = apr_psprintf(fz_init(), "%s/%s", dir, h->name);
    struct dirent **list = NULL;
    int n, i, run = 0;

    n = scandir(path, &list, NULL, by_name);
    if (n < 0) {
        ok(0, "%s: corpus directory %s readable (%s)", h->name, path,
           strerror(errno));
        return 0;
    }
    for (i = 0; i < n; i++) {
        char *file = apr_psprintf(fz_init(), "%s/%s", path, list[i]->d_name);
        struct stat st;
        unsigned char *data;
        FILE *f;
        size_t got;

        if (list[i]->d_name[0] == '.' || stat(file, &st) != 0
            || !S_ISREG(st.st_mode)) {
            free(list[i]);
            continue;
        }
        data = malloc((size_t)st.st_size + 1);
        f = fopen(file, "rb");
        got = (f && data) ? fread(data, 1, (size_t)st.st_size, f) : 0;
        if (f) {
            fclose(f);
        }
        if (!data || got != (size_t)st.st_size) {
            ok(0, "%s: read %s", h->name, file);
        }
        else {
            const char *label = apr_psprintf(fz_init(), "corpus %s (%lu bytes)",
                                             list[i]->d_name,
                                             (unsigned long)got);
            run_input(h, label, data, got);
            run++;
        }
        free(data);
        free(list[i]);
    }
    free(list);
    return run;
}

int main(void)
{
    const char *dir = getenv("MAC_FUZZ_CORPUS") ? getenv("MAC_FUZZ_CORPUS")
                                                : "fuzz/corpus";
    size_t i;
    int total = 0;

    plan_no_plan();
    fz_init();

    for (i = 0; i < NREGRESSIONS; i++) {
        const harness_t *h = harness_named(regressions[i].harness);
        if (h == NULL) {
            ok(0, "regression %s: no harness %s", regressions[i].what,
               regressions[i].harness);
            continue;
        }
        run_input(h, apr_psprintf(fz_init(), "regression: %s",
                                  regressions[i].what),
                  (const unsigned char *)regressions[i].data,
                  regressions[i].len);
    }

    for (i = 0; i < NHARNESSES; i++) {
        int n = replay_corpus(dir, &harnesses[i]);
        ok(n > 0, "%s: %d corpus inputs replayed from %s/%s", harnesses[i].name,
           n, dir, harnesses[i].name);
        total += n;
    }
    diag("%d corpus inputs and %d regression inputs replayed", total,
         (int)NREGRESSIONS);
    return done_testing();
}
