/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * tap.h - minimal TAP producer for the C unit tests (header only).
 *
 *   int main(void) {
 *       plan_no_plan();
 *       ok(1 + 1 == 2, "addition works for %s", "ints");
 *       is_str(got, "expected", "string compare");
 *       is_int(got, 42, "int compare");
 *       if (!have_tool) { skip(2, "no %s here", "tool"); }
 *       return done_testing();   // prints 1..N, nonzero if any failed
 *   }
 */
#ifndef MAILAUTOCONF_TAP_H
#define MAILAUTOCONF_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run_ = 0;
static int tap_failed_ = 0;

static inline void plan_no_plan(void)
{
    tap_run_ = 0;
    tap_failed_ = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
}

static inline void tap_vreport_(int pass, const char *file, int line,
                                const char *fmt, va_list ap)
{
    tap_run_++;
    if (!pass)
        tap_failed_++;
    printf("%s %d - ", pass ? "ok" : "not ok", tap_run_);
    if (fmt)
        vprintf(fmt, ap);
    printf("\n");
    if (!pass)
        printf("#   Failed test at %s line %d.\n", file, line);
    fflush(stdout);
}

__attribute__((format(printf, 4, 5)))
static inline int tap_ok_(int pass, const char *file, int line,
                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vreport_(pass, file, line, fmt, ap);
    va_end(ap);
    return pass;
}

static inline int tap_is_str_(const char *got, const char *expected,
                              const char *name, const char *file, int line)
{
    int pass;
    if (got == NULL || expected == NULL)
        pass = (got == expected);
    else
        pass = (strcmp(got, expected) == 0);
    tap_ok_(pass, file, line, "%s", name ? name : "");
    if (!pass) {
        if (got)
            printf("#          got: '%s'\n", got);
        else
            printf("#          got: NULL\n");
        if (expected)
            printf("#     expected: '%s'\n", expected);
        else
            printf("#     expected: NULL\n");
    }
    return pass;
}

static inline int tap_is_int_(long long got, long long expected,
                              const char *name, const char *file, int line)
{
    int pass = (got == expected);
    tap_ok_(pass, file, line, "%s", name ? name : "");
    if (!pass) {
        printf("#          got: %lld\n", got);
        printf("#     expected: %lld\n", expected);
    }
    return pass;
}

static inline void diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* Records n tests as skipped, with the reason ("ok N # SKIP reason"). */
__attribute__((format(printf, 2, 3)))
static inline void skip(int n, const char *fmt, ...)
{
    va_list ap;
    int i;

    for (i = 0; i < n; i++) {
        tap_run_++;
        printf("ok %d # SKIP ", tap_run_);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
}

/* Prints the plan; returns 0 when every test passed, 1 otherwise (also
 * 1 when no test ran at all), so `return done_testing();` in main works. */
static inline int done_testing(void)
{
    printf("1..%d\n", tap_run_);
    if (tap_failed_)
        printf("# Looks like you failed %d test%s of %d.\n", tap_failed_,
               tap_failed_ == 1 ? "" : "s", tap_run_);
    fflush(stdout);
    return (tap_failed_ != 0 || tap_run_ == 0) ? 1 : 0;
}

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, expected, name) \
    tap_is_str_((got), (expected), (name), __FILE__, __LINE__)
#define is_int(got, expected, name) \
    tap_is_int_((long long)(got), (long long)(expected), (name), __FILE__, __LINE__)

#endif /* MAILAUTOCONF_TAP_H */
