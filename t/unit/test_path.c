/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_path.c: endpoint paths, the Autodiscover v2 path
 * form and the Apple profile path check.
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include "tap.h"
#include "mac_path.h"

static const struct {
    const char *uri;
    const char *profile;
    mac_path_e  want;
} match_cases[] = {
    { "/.well-known/autoconfig/mail/config-v1.1.xml", NULL, MAC_PATH_THUNDERBIRD },
    { "/mail/config-v1.1.xml", NULL, MAC_PATH_THUNDERBIRD },
    { "/Mail/config-v1.1.xml", NULL, MAC_PATH_NONE },
    { "/mail/config-v1.1.xml/", NULL, MAC_PATH_NONE },
    { "/mail/config-v1.1.xmlx", NULL, MAC_PATH_NONE },
    { "/autodiscover/autodiscover.xml", NULL, MAC_PATH_AUTODISCOVER },
    { "/AutoDiscover/AutoDiscover.xml", NULL, MAC_PATH_AUTODISCOVER },
    { "/AUTODISCOVER/AUTODISCOVER.XML", NULL, MAC_PATH_AUTODISCOVER },
    { "/autodiscover/autodiscover.xml/", NULL, MAC_PATH_NONE },
    { "/autodiscover/autodiscover.json", NULL, MAC_PATH_AUTODISCOVER_JSON },
    { "/autodiscover/autodiscover.json/", NULL, MAC_PATH_AUTODISCOVER_JSON },
    { "/Autodiscover/Autodiscover.json/v1.0/a@b.c", NULL,
      MAC_PATH_AUTODISCOVER_JSON },
    { "/autodiscover/autodiscover.jsonx", NULL, MAC_PATH_NONE },
    { "/email.mobileconfig", "/email.mobileconfig", MAC_PATH_PROFILE },
    { "/email.mobileconfig", NULL, MAC_PATH_NONE },
    { "/EMAIL.mobileconfig", "/email.mobileconfig", MAC_PATH_NONE },
    { "/apple/profile", "/apple/profile", MAC_PATH_PROFILE },
    { "/", "/email.mobileconfig", MAC_PATH_NONE },
    { "", NULL, MAC_PATH_NONE },
};

static const struct {
    const char *tail;
    int         bad;
    const char *email;
} v2_cases[] = {
    { "", 0, NULL },
    { "/v1.0/a@example.com", 0, "a@example.com" },
    { "/V1.0/a@example.com", 0, "a@example.com" },
    { "/v1.0/", 0, "" },
    { "/v2.0/a@example.com", 1, NULL },
    { "/v1.0", 1, NULL },
    { "/", 1, NULL },
    { "x", 1, NULL },
};

static const struct {
    const char *path;
    const char *why;   /* substring of the message, or NULL: accepted */
} profile_cases[] = {
    { "/email.mobileconfig", NULL },
    { "/apple/mail.mobileconfig", NULL },
    { "/a-b_c~d.e", NULL },
    { "/", "every request" },
    { "email.mobileconfig", "starting with /" },
    { "/a b", "character" },
    { "/a?b", "character" },
    { "/a%20b", "character" },
    { "/a//b", "normalised" },
    { "/a/./b", "normalised" },
    { "/a/../b", "normalised" },
    { "/a/.", "normalised" },
    { "/a/..", "normalised" },
    { "/mail/config-v1.1.xml", "another mail client" },
    { "/.well-known/autoconfig/mail/config-v1.1.xml", "another mail client" },
    { "/autodiscover/autodiscover.xml", "another mail client" },
    { "/AutoDiscover/AutoDiscover.XML", "another mail client" },
    { "/autodiscover/autodiscover.json", "another mail client" },
    { "/autodiscover/autodiscover.json/p", "another mail client" },
};

int main(void)
{
    apr_pool_t *pool;
    size_t i;
    char longpath[300];

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        ok(mac_path_match(match_cases[i].uri, match_cases[i].profile)
           == match_cases[i].want, "match \"%s\" (profile %s)",
           match_cases[i].uri,
           match_cases[i].profile ? match_cases[i].profile : "none");
    }
    for (i = 0; i < sizeof(v2_cases) / sizeof(v2_cases[0]); i++) {
        const char *email = (const char *)1;
        const char *why = mac_path_v2_address(v2_cases[i].tail, &email);
        if (v2_cases[i].bad) {
            ok(why != NULL && email == NULL, "v2 path tail \"%s\" refused",
               v2_cases[i].tail);
        }
        else if (v2_cases[i].email) {
            ok(why == NULL && email && strcmp(email, v2_cases[i].email) == 0,
               "v2 path tail \"%s\" gives \"%s\"", v2_cases[i].tail,
               v2_cases[i].email);
        }
        else {
            ok(why == NULL && email == NULL, "v2 path tail \"%s\": no "
               "address", v2_cases[i].tail);
        }
    }
    for (i = 0; i < sizeof(profile_cases) / sizeof(profile_cases[0]); i++) {
        const char *why = mac_profile_path_check(pool, profile_cases[i].path);
        if (!profile_cases[i].why) {
            ok(why == NULL, "profile path \"%s\" accepted",
               profile_cases[i].path);
            if (why) {
                diag("%s", why);
            }
        }
        else {
            ok(why && strstr(why, profile_cases[i].why), "profile path "
               "\"%s\" refused: %s", profile_cases[i].path,
               profile_cases[i].why);
            if (!why || !strstr(why, profile_cases[i].why)) {
                diag("got %s", why ? why : "(accepted)");
            }
        }
    }
    longpath[0] = '/';
    memset(longpath + 1, 'a', 256);
    longpath[257] = '\0';
    ok(mac_profile_path_check(pool, longpath) != NULL,
       "a 257-byte profile path is refused");
    longpath[256] = '\0';
    ok(mac_profile_path_check(pool, longpath) == NULL,
       "a 256-byte profile path is accepted");
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
