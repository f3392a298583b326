/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: templates and compiled documents.  See mac_template.h.
 */
#include <string.h>
#include <apr_strings.h>
#include "mac_template.h"
#include "mac_escape.h"

#define MAC_TEMPLATE_MAX 256

static const struct {
    const char *name;
    apr_size_t  len;
    mac_slot_e  slot;
} placeholders[] = {
    { "%EMAILADDRESS%",   sizeof("%EMAILADDRESS%") - 1,   MAC_SLOT_ADDRESS },
    { "%EMAILLOCALPART%", sizeof("%EMAILLOCALPART%") - 1, MAC_SLOT_LOCALPART },
    { "%EMAILDOMAIN%",    sizeof("%EMAILDOMAIN%") - 1,    MAC_SLOT_DOMAIN },
};
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

static const char slot_marks[MAC_SLOT_COUNT][3] = {
    { MAC_MARK, 'A', 0 }, { MAC_MARK, 'B', 0 }, { MAC_MARK, 'C', 0 },
    { MAC_MARK, 'D', 0 }, { MAC_MARK, 'E', 0 }, { MAC_MARK, 'F', 0 },
    { MAC_MARK, 'G', 0 },
};

const char *mac_slot_mark(mac_slot_e slot)
{
    return slot_marks[slot];
}

/* The placeholder starting at s, or -1. */
static int placeholder_at(const char *s)
{
    apr_size_t i;

    for (i = 0; i < NPLACEHOLDERS; i++) {
        if (strncmp(s, placeholders[i].name, placeholders[i].len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *mac_template_check(apr_pool_t *p, const char *tpl)
{
    apr_size_t len = strlen(tpl);
    const char *s;

    if (len == 0) {
        return "the template is empty";
    }
    if (len > MAC_TEMPLATE_MAX) {
        return "the template is longer than 256 bytes";
    }
    if (mac_has_ctl(tpl, len) || !mac_utf8_valid(tpl, len)) {
        return "the template contains control characters or is not UTF-8";
    }
    for (s = tpl; *s; s++) {
        if (*s == '%') {
            int i = placeholder_at(s);
            if (i < 0) {
                const char *end = strchr(s + 1, '%');
                if (end && end - s < 40) {
                    return apr_psprintf(p, "unknown placeholder '%.*s': "
                                        "use %%EMAILADDRESS%%, "
                                        "%%EMAILLOCALPART%% or "
                                        "%%EMAILDOMAIN%%",
                                        (int)(end - s + 1), s);
                }
                return "a lone '%' that starts no placeholder: use "
                       "%EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%";
            }
            s += placeholders[i].len - 1;
        }
    }
    return NULL;
}

char *mac_template_mark(apr_pool_t *p, const char *tpl, mac_escape_fn esc)
{
    struct iovec vec[2 * MAC_TEMPLATE_MAX + 1];
    const char *s = tpl, *lit = tpl;
    int n = 0, i;

    while (*s) {
        if (*s == '%' && (i = placeholder_at(s)) >= 0) {
            if (s > lit) {
                vec[n].iov_base = esc(p, lit, (apr_size_t)(s - lit),
                                      &vec[n].iov_len);
                n++;
            }
            vec[n].iov_base = (void *)slot_marks[placeholders[i].slot];
            vec[n].iov_len = 2;
            n++;
            s += placeholders[i].len;
            lit = s;
        }
        else {
            s++;
        }
    }
    if (s > lit) {
        vec[n].iov_base = esc(p, lit, (apr_size_t)(s - lit), &vec[n].iov_len);
        n++;
    }
    return apr_pstrcatv(p, vec, (apr_size_t)n, NULL);
}

mac_doc_t *mac_doc_compile(apr_pool_t *p, const char *rendered,
                           apr_size_t len)
{
    mac_doc_t *doc = apr_pcalloc(p, sizeof(*doc));
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(mac_seg_t));
    const char *s = rendered, *end = rendered + len, *m;
    mac_seg_t *seg;

    while (s < end) {
        m = memchr(s, MAC_MARK, (apr_size_t)(end - s));
        if (!m || m + 1 >= end) {
            m = end;
        }
        if (m > s) {
            seg = apr_array_push(segs);
            seg->text = apr_pstrmemdup(p, s, (apr_size_t)(m - s));
            seg->len = (apr_size_t)(m - s);
            seg->slot = -1;
            doc->fixed_len += seg->len;
        }
        if (m == end) {
            break;
        }
        seg = apr_array_push(segs);
        seg->text = NULL;
        seg->len = 0;
        seg->slot = m[1] - 'A';
        if (seg->slot < 0 || seg->slot >= MAC_SLOT_COUNT) {
            seg->slot = MAC_SLOT_COUNT; /* never filled */
        }
        else {
            doc->slots_used |= 1u << seg->slot;
        }
        s = m + 2;
    }
    doc->segs = (const mac_seg_t *)segs->elts;
    doc->nsegs = segs->nelts;
    return doc;
}

char *mac_doc_fill(apr_pool_t *p, const mac_doc_t *doc,
                   const mac_values_t *vals, apr_size_t *outlen)
{
    apr_size_t size = doc->fixed_len;
    char *out, *o;
    int i;

    for (i = 0; i < doc->nsegs; i++) {
        int slot = doc->segs[i].slot;
        if (!doc->segs[i].text && slot < MAC_SLOT_COUNT && vals->v[slot]) {
            size += vals->len[slot];
        }
    }
    o = out = apr_palloc(p, size + 1);
    for (i = 0; i < doc->nsegs; i++) {
        const mac_seg_t *seg = &doc->segs[i];
        if (seg->text) {
            memcpy(o, seg->text, seg->len);
            o += seg->len;
        }
        else if (seg->slot < MAC_SLOT_COUNT && vals->v[seg->slot]) {
            memcpy(o, vals->v[seg->slot], vals->len[seg->slot]);
            o += vals->len[seg->slot];
        }
    }
    *o = '\0';
    if (outlen) {
        *outlen = (apr_size_t)(o - out);
    }
    return out;
}

void mac_values_from_addr(apr_pool_t *p, mac_values_t *vals,
                          const char *address, const char *local,
                          const char *domain, mac_escape_fn esc)
{
    vals->v[MAC_SLOT_ADDRESS] = esc(p, address, strlen(address),
                                    &vals->len[MAC_SLOT_ADDRESS]);
    vals->v[MAC_SLOT_LOCALPART] = esc(p, local, strlen(local),
                                      &vals->len[MAC_SLOT_LOCALPART]);
    vals->v[MAC_SLOT_DOMAIN] = esc(p, domain, strlen(domain),
                                   &vals->len[MAC_SLOT_DOMAIN]);
}

static char *no_escape(apr_pool_t *p, const char *s, apr_size_t len,
                       apr_size_t *outlen)
{
    *outlen = len;
    return apr_pstrmemdup(p, s, len);
}

char *mac_template_fill(apr_pool_t *p, const char *tpl,
                        const mac_values_t *vals)
{
    const char *marked = mac_template_mark(p, tpl, no_escape);
    mac_doc_t *doc = mac_doc_compile(p, marked, strlen(marked));
    return mac_doc_fill(p, doc, vals, NULL);
}
