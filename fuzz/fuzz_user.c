/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_user.c: the per-address cache record
 * decoder (a record read back from memcached or redis is untrusted) and
 * the LDAP filter made from an address.  The first byte picks which.
 *
 * Invariants:
 *   record: never a read outside the record (ASan); on success the entry
 *     passes mac_user_check and encodes back to the same bytes;
 *   filter: the output, when there is one, has the template's structure:
 *     no '(' , ')' or NUL from the input, every '*' of the input as \2a
 *     (so an address can never add a filter term or a wildcard), and the
 *     input had no byte an address can never contain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "mac_user.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static void fuzz_record(apr_pool_t *p, const uint8_t *data, size_t size)
{
    unsigned char *buf = (unsigned char *)fz_exact_copy(data, size);
    mac_user_t u;
    const char *why = mac_user_decode(p, buf, size, &u);

    if (why) {
        FZ_CHECK(*why, "an empty reason");
    }
    else {
        apr_size_t len;
        unsigned char *again = mac_user_encode(p, &u, &len);
        FZ_CHECK(mac_user_check(p, &u) == NULL, "an accepted entry fails "
                 "the checks");
        FZ_CHECK(again && len == size && memcmp(again, buf, size) == 0,
                 "encoding the decoded entry gives other bytes");
    }
    free(buf);
}

static void fuzz_filter(apr_pool_t *p, const uint8_t *data, size_t size)
{
    char *buf = fz_exact_copy(data, size);
    const char *why = NULL, *c;
    char *f = mac_ldap_filter(p, "(mail=%s)", buf, size, &why);
    size_t i, stars = 0, esc = 0;

    if (!f) {
        FZ_CHECK(why && *why, "refused without a reason");
        free(buf);
        return;
    }
    for (i = 0; i < size; i++) {
        unsigned char ch = (unsigned char)buf[i];
        FZ_CHECK(ch > 0x20 && ch < 0x7f && ch != '(' && ch != ')'
                 && ch != '\\', "a byte no address has was let through");
        stars += ch == '*';
    }
    FZ_CHECK(strncmp(f, "(mail=", 6) == 0 && f[strlen(f) - 1] == ')',
             "the template's frame is lost");
    for (c = f + 6; c < f + strlen(f) - 1; c++) {
        FZ_CHECK(*c != '(' && *c != ')' && *c != '*',
                 "a filter metacharacter from the address");
        if (*c == '\\') {
            FZ_CHECK(strncmp(c, "\\2a", 3) == 0, "an escape other than \\2a");
            esc++;
        }
    }
    FZ_CHECK(esc == stars, "not every '*' escaped");
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;

    if (size < 1) {
        return 0;
    }
    apr_pool_create(&p, root);
    if (data[0] & 1) {
        fuzz_record(p, data + 1, size - 1);
    }
    else {
        fuzz_filter(p, data + 1, size - 1);
    }
    apr_pool_destroy(p);
    return 0;
}
