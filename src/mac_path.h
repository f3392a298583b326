/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the URL paths the module answers on.
 *
 * Which endpoint a request path is for, the Autodiscover v2 path form
 * (/autodiscover/autodiscover.json/v1.0/ADDRESS), and the check of the
 * Apple profile path that an administrator may choose, which must not
 * shadow another endpoint.
 *
 * Depends on APR only.
 */
#ifndef MAC_PATH_H
#define MAC_PATH_H

#include <apr_pools.h>

#define MAC_PATH_TB_WELLKNOWN "/.well-known/autoconfig/mail/config-v1.1.xml"
#define MAC_PATH_TB           "/mail/config-v1.1.xml"
#define MAC_PATH_AD_XML       "/autodiscover/autodiscover.xml"
#define MAC_PATH_AD_JSON      "/autodiscover/autodiscover.json"

typedef enum {
    MAC_PATH_NONE = 0,
    MAC_PATH_THUNDERBIRD,
    MAC_PATH_AUTODISCOVER,
    MAC_PATH_AUTODISCOVER_JSON,   /* the path itself and anything below it */
    MAC_PATH_PROFILE
} mac_path_e;

/* The endpoint of a decoded request path.  profile_path may be NULL (no
 * profile endpoint).  Thunderbird's and the profile's paths are matched
 * exactly; Autodiscover's in any letter case, as Outlook sends them. */
mac_path_e mac_path_match(const char *uri, const char *profile_path);

/* The address in an Autodiscover v2 path.  tail is what follows
 * MAC_PATH_AD_JSON in the path ("" or "/v1.0/ADDRESS").  Returns NULL
 * with *email NULL for "", NULL with *email pointing into tail for the
 * v1.0 form, or a reason why the path is not one of the two. */
const char *mac_path_v2_address(const char *tail, const char **email);

/* Check an Apple profile path: an absolute, normalised path of at most
 * 256 bytes of letters, digits and "/-._~", that is not "/" and does not
 * collide with another endpoint's path.  Returns NULL or a message. */
const char *mac_profile_path_check(apr_pool_t *p, const char *path);

#endif /* MAC_PATH_H */
