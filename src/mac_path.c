/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the URL paths the module answers on.  See mac_path.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "mac_path.h"

mac_path_e mac_path_match(const char *uri, const char *profile_path)
{
    static const apr_size_t jlen = sizeof(MAC_PATH_AD_JSON) - 1;

    if (profile_path && strcmp(uri, profile_path) == 0) {
        return MAC_PATH_PROFILE;
    }
    if (strcmp(uri, MAC_PATH_TB_WELLKNOWN) == 0
        || strcmp(uri, MAC_PATH_TB) == 0) {
        return MAC_PATH_THUNDERBIRD;
    }
    if (strcasecmp(uri, MAC_PATH_AD_XML) == 0) {
        return MAC_PATH_AUTODISCOVER;
    }
    if (strncasecmp(uri, MAC_PATH_AD_JSON, jlen) == 0
        && (uri[jlen] == '\0' || uri[jlen] == '/')) {
        return MAC_PATH_AUTODISCOVER_JSON;
    }
    return MAC_PATH_NONE;
}

const char *mac_path_v2_address(const char *tail, const char **email)
{
    *email = NULL;
    if (*tail == '\0') {
        return NULL;
    }
    if (strncasecmp(tail, "/v1.0/", 6) != 0) {
        return "the path is not /autodiscover/autodiscover.json/v1.0/";
    }
    *email = tail + 6;
    return NULL;
}

const char *mac_profile_path_check(apr_pool_t *p, const char *path)
{
    apr_size_t len = strlen(path);
    const char *s;

    if (path[0] != '/' || len > 256) {
        return apr_psprintf(p, "'%s' is not a URL path starting with /",
                            len > 256 ? "(more than 256 bytes)" : path);
    }
    for (s = path; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("/-._~", *s)) {
            return apr_psprintf(p, "'%s' has a character other than "
                                "letters, digits and /-._~", path);
        }
    }
    if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../")
        || (len >= 2 && strcmp(path + len - 2, "/.") == 0)
        || (len >= 3 && strcmp(path + len - 3, "/..") == 0)) {
        return apr_psprintf(p, "'%s' is not a normalised path", path);
    }
    if (len == 1) {
        return "'/' would take every request of the virtual host";
    }
    if (mac_path_match(path, NULL) != MAC_PATH_NONE) {
        return apr_psprintf(p, "'%s' is where another mail client's "
                            "settings are served", path);
    }
    return NULL;
}
