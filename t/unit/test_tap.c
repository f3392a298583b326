/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/* Self-test of t/unit/tap.h so `make -f Makefile.apxs unit` always has a test. */
#include "tap.h"

int main(void)
{
    const char *s = "autoconfig";
    char buf[16];

    plan_no_plan();

    ok(1, "ok() passes a true condition");
    ok(2 + 2 == 4, "ok() formats arguments: %d + %d", 2, 2);
    is_str(s, "autoconfig", "is_str() compares equal strings");
    is_str(NULL, NULL, "is_str() treats NULL == NULL");
    is_int(strlen(s), 10, "is_int() compares integers");
    is_int(-3, -3, "is_int() handles negative numbers");

    snprintf(buf, sizeof buf, "%s", "x");
    is_str(buf, "x", "is_str() on a stack buffer");

    /* Check that the internal counters track what happened so far. */
    is_int(tap_failed_, 0, "no failures recorded so far");
    is_int(tap_run_, 8, "eight tests were counted before this one");

    return done_testing();
}
