/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mac_adreq.c - parser for Outlook "POX" Autodiscover requests.
 *
 * See mac_adreq.h for the contract.  Notes on libxml2 2.9.14 that shaped
 * this file (checked against its source):
 *
 *  - xmlNewParserCtxt() copies the calling thread's global defaults
 *    (xmlSubstituteEntitiesDefaultValue, xmlLoadExtDtdDefaultValue,
 *    xmlDoValidityCheckingDefaultValue, xmlPedanticParserDefaultValue,
 *    xmlKeepBlanksDefaultValue) into the context AND ORs the matching
 *    XML_PARSE_* bits into ctxt->options.  xmlCtxtUseOptions() resets the
 *    fields but only ever ORs into ctxt->options, so e.g. a stale
 *    XML_PARSE_NOENT bit (tested directly in xmlParseReference) would
 *    survive.  We therefore zero ctxt->options before applying ours.
 *  - A declared encoding overrides the encoding passed to xmlCtxtReadMemory()
 *    (xmlParseEncodingDecl switches the decoder) unless XML_PARSE_IGNORE_ENC
 *    is set.  We set it, and refuse such documents ourselves beforehand.
 *  - __xmlRaiseError() routes parser-domain errors to ctxt->sax->serror when
 *    the handler is SAX2-initialised, before looking at the global
 *    structured/generic handlers; so a per-context serror keeps errors off
 *    stderr without touching any global.  Errors still land in the
 *    thread-local xmlLastError (per thread, harmless).
 *  - xmlStopParser() is only called from SAX content callbacks, where the
 *    parser re-checks its state afterwards; it is never called from the
 *    error callback (error sites may still hold pointers into the input
 *    buffer that xmlHaltParser frees).
 *  - After xmlStopParser() the document can come back from
 *    xmlCtxtReadMemory() with wellFormed still 1, so our own status is
 *    checked first and the partial tree discarded.
 *  - Content parsing is iterative (xmlParseContentInternal), and libxml2
 *    itself caps depth at xmlParserMaxDepth (256) without XML_PARSE_HUGE;
 *    our SAX hook stops at MAC_AD_MAX_DEPTH long before.
 *  - xmlParseStartTag2() checks duplicate attributes and namespace
 *    declarations pairwise before any SAX callback can count them: one
 *    element with ~100k attributes in a 1 MiB body costs ~4 s of CPU; at
 *    MAC_AD_MAX_INPUT (64 KiB) the worst case measured ~10 ms.
 *  - xmlNewParserCtxt() itself calls xmlDefaultSAXHandlerInit(), which
 *    rewrites the calling thread's xmlDefaultSAXHandler (the process-wide
 *    one when called from the thread that ran xmlInitParser()) with the same
 *    SAX1 defaults every time.  That is libxml2's doing on every parse, not
 *    ours, and has no effect on this parser (we install our own handler).
 */
#include "mac_adreq.h"

#include <string.h>

#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>

/* Parser options: exactly these, nothing inherited. */
#define MAC_AD_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_IGNORE_ENC)

/* Per-parse state, reachable from callbacks via ctxt->_private. */
typedef struct {
    xmlParserCtxtPtr ctxt;
    mac_ad_status_e status;   /* first failure wins */
    const char *reason;
    int depth;
    int nodes;
    apr_size_t text_run;      /* character data since the last tag */
    int stopped;
} mac_ad_state_t;

/* ------------------------------------------------------------------ */
/* Byte-level checks, before libxml2 sees anything                      */
/* ------------------------------------------------------------------ */

static int is_xml_ws(unsigned char c)
{
    return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D;
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int ascii_case_eq(const unsigned char *s, apr_size_t n, const char *lit)
{
    apr_size_t i;
    if (strlen(lit) != n)
        return 0;
    for (i = 0; i < n; i++) {
        if (ascii_lower(s[i]) != ascii_lower((unsigned char)lit[i]))
            return 0;
    }
    return 1;
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, <= U+10FFFF. */
static int valid_utf8(const unsigned char *s, apr_size_t n)
{
    apr_size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        apr_size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;          /* overlong */
            else if (c == 0xED) hi = 0x9F;     /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;          /* overlong */
            else if (c == 0xF4) hi = 0x8F;     /* > U+10FFFF */
        } else {
            return 0;                          /* 80..C1, F5..FF */
        }
        if (n - i <= need)
            return 0;                          /* truncated sequence */
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        if (need >= 2 && (s[i + 2] < 0x80 || s[i + 2] > 0xBF))
            return 0;
        if (need == 3 && (s[i + 3] < 0x80 || s[i + 3] > 0xBF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* Byte-order marks and signatures of encodings we refuse. */
static const struct {
    const char *sig;
    apr_size_t len;
} refused_signatures[] = {
    { "\x00\x00\xFE\xFF", 4 },   /* UTF-32BE BOM */
    { "\xFF\xFE\x00\x00", 4 },   /* UTF-32LE BOM */
    { "\xFE\xFF", 2 },           /* UTF-16BE BOM */
    { "\xFF\xFE", 2 },           /* UTF-16LE BOM */
    { "\x2B\x2F\x76", 3 },       /* UTF-7 */
    { "\xF7\x64\x4C", 3 },       /* UTF-1 */
    { "\xDD\x73\x66\x73", 4 },   /* UTF-EBCDIC */
    { "\x0E\xFE\xFF", 3 },       /* SCSU */
    { "\xFB\xEE\x28", 3 },       /* BOCU-1 */
    { "\x84\x31\x95\x33", 4 },   /* GB-18030 */
    { "\x4C\x6F\xA7\x94", 4 },   /* EBCDIC "<?xm" */
};

/* Scans an XML declaration at the start of s, if any.  libxml2 ignores the
 * declared encoding (XML_PARSE_IGNORE_ENC); this enforces the policy and
 * reports it distinctly.  Syntax beyond what is needed to find the encoding
 * is left to libxml2. */
static mac_ad_status_e check_xml_decl(const unsigned char *s, apr_size_t n,
                                      const char **reason)
{
    apr_size_t end, i, limit;

    if (n < 6 || memcmp(s, "<?xml", 5) != 0 || !is_xml_ws(s[5]))
        return MAC_AD_OK;          /* no declaration: UTF-8 by default */

    limit = n < MAC_AD_MAX_XMLDECL ? n : MAC_AD_MAX_XMLDECL;
    for (end = 5; end + 1 < limit; end++) {
        if (s[end] == '?' && s[end + 1] == '>')
            break;
    }
    if (end + 1 >= limit) {
        *reason = "unterminated or overlong XML declaration";
        return MAC_AD_ERR_MALFORMED;
    }

    i = 5;
    for (;;) {
        apr_size_t ws = 0, name, name_len, val, val_len;
        unsigned char q;

        while (i < end && is_xml_ws(s[i])) {
            i++;
            ws++;
        }
        if (i == end)
            break;
        if (ws == 0)
            goto bad;
        name = i;
        while (i < end && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            i++;
        name_len = i - name;
        if (name_len == 0)
            goto bad;
        while (i < end && is_xml_ws(s[i]))
            i++;
        if (i == end || s[i] != '=')
            goto bad;
        i++;
        while (i < end && is_xml_ws(s[i]))
            i++;
        if (i == end || (s[i] != '"' && s[i] != '\''))
            goto bad;
        q = s[i++];
        val = i;
        while (i < end && s[i] != q)
            i++;
        if (i == end)
            goto bad;
        val_len = i - val;
        i++;                                   /* closing quote */

        if (name_len == 8 && memcmp(s + name, "encoding", 8) == 0) {
            if (ascii_case_eq(s + val, val_len, "UTF-8")
                || ascii_case_eq(s + val, val_len, "UTF8"))
                continue;
            if (ascii_case_eq(s + val, val_len, "US-ASCII")
                || ascii_case_eq(s + val, val_len, "ASCII")) {
                apr_size_t k;
                for (k = 0; k < n; k++) {
                    if (s[k] >= 0x80) {
                        *reason = "declared US-ASCII but contains 8-bit bytes";
                        return MAC_AD_ERR_ENCODING;
                    }
                }
                continue;
            }
            *reason = "declared encoding is not UTF-8";
            return MAC_AD_ERR_ENCODING;
        }
    }
    return MAC_AD_OK;

bad:
    *reason = "malformed XML declaration";
    return MAC_AD_ERR_MALFORMED;
}

/* ------------------------------------------------------------------ */
/* SAX hooks                                                            */
/* ------------------------------------------------------------------ */

static mac_ad_state_t *state_of(void *ctx)
{
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    return (mac_ad_state_t *)ctxt->_private;
}

static void record(mac_ad_state_t *st, mac_ad_status_e status, const char *reason)
{
    if (st->status == MAC_AD_OK) {
        st->status = status;
        st->reason = reason;
    }
}

/* Record and halt.  Only for SAX content/DTD callbacks, never for errors. */
static void fail_stop(mac_ad_state_t *st, mac_ad_status_e status, const char *reason)
{
    record(st, status, reason);
    if (!st->stopped) {
        st->stopped = 1;
        st->ctxt->wellFormed = 0;
        xmlStopParser(st->ctxt);
    }
}

/* True when a content callback must do nothing. */
static int inactive(mac_ad_state_t *st)
{
    return st->stopped || st->ctxt->disableSAX;
}

static int count_node(mac_ad_state_t *st)
{
    if (++st->nodes > MAC_AD_MAX_ELEMENTS) {
        fail_stop(st, MAC_AD_ERR_LIMIT, "too many elements");
        return 0;
    }
    return 1;
}

static int add_text(mac_ad_state_t *st, int len)
{
    if (len < 0 || (apr_size_t)len > MAC_AD_MAX_TEXT
        || st->text_run + (apr_size_t)len > MAC_AD_MAX_TEXT) {
        fail_stop(st, MAC_AD_ERR_LIMIT, "text too long");
        return 0;
    }
    st->text_run += (apr_size_t)len;
    return 1;
}

static void sax_start_element(void *ctx, const xmlChar *localname,
                              const xmlChar *prefix, const xmlChar *URI,
                              int nb_namespaces, const xmlChar **namespaces,
                              int nb_attributes, int nb_defaulted,
                              const xmlChar **attributes)
{
    mac_ad_state_t *st = state_of(ctx);
    int i;

    if (inactive(st))
        return;
    st->text_run = 0;
    if (++st->depth > MAC_AD_MAX_DEPTH) {
        fail_stop(st, MAC_AD_ERR_LIMIT, "elements nested too deeply");
        return;
    }
    if (!count_node(st))
        return;
    if (nb_namespaces < 0 || nb_attributes < 0
        || nb_namespaces > MAC_AD_MAX_ATTRS
        || nb_attributes > MAC_AD_MAX_ATTRS - nb_namespaces) {
        fail_stop(st, MAC_AD_ERR_LIMIT, "too many attributes");
        return;
    }
    /* attributes: (localname, prefix, URI, value, end) per attribute */
    for (i = 0; i < nb_attributes; i++) {
        const xmlChar *v = attributes[i * 5 + 3], *e = attributes[i * 5 + 4];
        if (v != NULL && e != NULL && e - v > MAC_AD_MAX_TEXT) {
            fail_stop(st, MAC_AD_ERR_LIMIT, "attribute value too long");
            return;
        }
    }
    for (i = 0; i < nb_namespaces; i++) {
        const xmlChar *uri = namespaces[i * 2 + 1];
        if (uri != NULL && xmlStrlen(uri) > MAC_AD_MAX_TEXT) {
            fail_stop(st, MAC_AD_ERR_LIMIT, "namespace name too long");
            return;
        }
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, URI, nb_namespaces,
                          namespaces, nb_attributes, nb_defaulted, attributes);
}

static void sax_end_element(void *ctx, const xmlChar *localname,
                            const xmlChar *prefix, const xmlChar *URI)
{
    mac_ad_state_t *st = state_of(ctx);

    if (inactive(st))
        return;
    st->text_run = 0;
    if (st->depth > 0)
        st->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, URI);
}

static void sax_characters(void *ctx, const xmlChar *ch, int len)
{
    mac_ad_state_t *st = state_of(ctx);

    if (inactive(st) || !add_text(st, len))
        return;
    xmlSAX2Characters(ctx, ch, len);
}

static void sax_cdata(void *ctx, const xmlChar *value, int len)
{
    mac_ad_state_t *st = state_of(ctx);

    if (inactive(st) || !count_node(st) || !add_text(st, len))
        return;
    xmlSAX2CDataBlock(ctx, value, len);
}

static void sax_comment(void *ctx, const xmlChar *value)
{
    mac_ad_state_t *st = state_of(ctx);

    if (inactive(st) || !count_node(st))
        return;
    xmlSAX2Comment(ctx, value);
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    mac_ad_state_t *st = state_of(ctx);

    if (inactive(st) || !count_node(st))
        return;
    xmlSAX2ProcessingInstruction(ctx, target, data);
}

/* Any DOCTYPE: the parser calls internalSubset right after
 * "<!DOCTYPE name ExternalID", before reading "[...]", so stopping here means
 * no declaration is parsed and nothing is loaded. */
static void sax_internal_subset(void *ctx, const xmlChar *name,
                                const xmlChar *ExternalID, const xmlChar *SystemID)
{
    (void)name; (void)ExternalID; (void)SystemID;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static void sax_external_subset(void *ctx, const xmlChar *name,
                                const xmlChar *ExternalID, const xmlChar *SystemID)
{
    (void)name; (void)ExternalID; (void)SystemID;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

/* The rest of the DTD machinery cannot be reached once internalSubset has
 * stopped the parser; these are belts and braces. */
static void sax_entity_decl(void *ctx, const xmlChar *name, int type,
                            const xmlChar *publicId, const xmlChar *systemId,
                            xmlChar *content)
{
    (void)name; (void)type; (void)publicId; (void)systemId; (void)content;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static void sax_unparsed_entity_decl(void *ctx, const xmlChar *name,
                                     const xmlChar *publicId, const xmlChar *systemId,
                                     const xmlChar *notationName)
{
    (void)name; (void)publicId; (void)systemId; (void)notationName;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static void sax_notation_decl(void *ctx, const xmlChar *name,
                              const xmlChar *publicId, const xmlChar *systemId)
{
    (void)name; (void)publicId; (void)systemId;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static void sax_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname,
                               int type, int def, const xmlChar *defaultValue,
                               xmlEnumerationPtr tree)
{
    (void)elem; (void)fullname; (void)type; (void)def; (void)defaultValue;
    /* xmlSAX2AttributeDecl would take ownership of tree; we must free it */
    if (tree != NULL)
        xmlFreeEnumeration(tree);
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static void sax_element_decl(void *ctx, const xmlChar *name, int type,
                             xmlElementContentPtr content)
{
    (void)name; (void)type; (void)content;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "DOCTYPE not allowed");
}

static xmlParserInputPtr sax_resolve_entity(void *ctx, const xmlChar *publicId,
                                            const xmlChar *systemId)
{
    (void)publicId; (void)systemId;
    fail_stop(state_of(ctx), MAC_AD_ERR_DOCTYPE, "external entity not allowed");
    return NULL;
}

/* Only the five predefined entities exist (libxml2 resolves those itself
 * before asking; this is for completeness). */
static xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name)
{
    (void)ctx;
    return xmlGetPredefinedEntity(name);
}

static xmlEntityPtr sax_get_parameter_entity(void *ctx, const xmlChar *name)
{
    (void)ctx; (void)name;
    return NULL;
}

/* Called for references to declared, non-predefined entities when they are
 * not substituted: impossible without a DTD. */
static void sax_reference(void *ctx, const xmlChar *name)
{
    (void)name;
    fail_stop(state_of(ctx), MAC_AD_ERR_MARKUP, "entity reference not allowed");
}

/* Unstructured channels: never used while serror is set, but if libxml2 ever
 * took that path nothing must be printed. */
static void XMLCDECL sax_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx; (void)msg;
}

static const char *reason_for(const xmlError *err)
{
    if (err->domain == XML_FROM_NAMESPACE)
        return "XML namespace error";
    switch (err->code) {
    case XML_ERR_DOCUMENT_EMPTY:
        return "no root element";
    case XML_ERR_DOCUMENT_END:
        return "content after the root element";
    case XML_ERR_TAG_NOT_FINISHED:
    case XML_ERR_LTSLASH_REQUIRED:
    case XML_ERR_GT_REQUIRED:
        return "truncated or unclosed element";
    case XML_ERR_TAG_NAME_MISMATCH:
        return "mismatched end tag";
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_CHARREF:
    case XML_ERR_INVALID_ENCODING:
        return "invalid character";
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
    case XML_ERR_ENTITYREF_SEMICOL_MISSING:
        return "undeclared or malformed entity reference";
    case XML_ERR_RESERVED_XML_NAME:
        return "misplaced XML declaration";
    case XML_ERR_NO_MEMORY:
        return "out of memory while parsing";
    default:
        return "not well-formed XML";
    }
}

/* Structured error sink for this context only.  Warnings are ignored;
 * errors and fatal errors make the request MALFORMED (unless something
 * more specific was recorded first).  Records only: see file comment. */
static void sax_serror(void *userData, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)userData;
    mac_ad_state_t *st;

    if (ctxt == NULL || err == NULL || ctxt->_private == NULL)
        return;
    st = (mac_ad_state_t *)ctxt->_private;
    if (err->level == XML_ERR_WARNING || err->level == XML_ERR_NONE)
        return;
    record(st, MAC_AD_ERR_MALFORMED, reason_for(err));
}

static void install_handlers(xmlParserCtxtPtr ctxt)
{
    xmlSAXHandlerPtr sax = ctxt->sax;

    /* Start from libxml2's SAX2 tree builder, not from whatever the thread
     * defaults installed, then hook what we need. */
    xmlSAXVersion(sax, 2);
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElement = NULL;                    /* SAX1 off */
    sax->endElement = NULL;
    sax->startElementNs = sax_start_element;
    sax->endElementNs = sax_end_element;
    sax->characters = sax_characters;
    sax->ignorableWhitespace = sax_characters;
    sax->cdataBlock = sax_cdata;
    sax->comment = sax_comment;
    sax->processingInstruction = sax_pi;
    sax->internalSubset = sax_internal_subset;
    sax->externalSubset = sax_external_subset;
    sax->entityDecl = sax_entity_decl;
    sax->unparsedEntityDecl = sax_unparsed_entity_decl;
    sax->notationDecl = sax_notation_decl;
    sax->attributeDecl = sax_attribute_decl;
    sax->elementDecl = sax_element_decl;
    sax->resolveEntity = sax_resolve_entity;
    sax->getEntity = sax_get_entity;
    sax->getParameterEntity = sax_get_parameter_entity;
    sax->reference = sax_reference;
    sax->warning = sax_quiet;
    sax->error = sax_quiet;
    sax->fatalError = sax_quiet;
    sax->serror = sax_serror;

    ctxt->vctxt.error = sax_quiet;
    ctxt->vctxt.warning = sax_quiet;
    ctxt->userData = ctxt;

    /* Undo what xmlNewParserCtxt() copied from the thread's globals.
     * xmlCtxtReadMemory() then applies MAC_AD_XML_OPTIONS, which also
     * resets these fields, but ctxt->options is only ever ORed into. */
    ctxt->options = 0;
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    ctxt->pedantic = 0;
    ctxt->keepBlanks = 1;
    ctxt->recovery = 0;
}

/* ------------------------------------------------------------------ */
/* Tree checks                                                          */
/* ------------------------------------------------------------------ */

/* An element named name in the request namespace ns. */
static int is_req_element(const xmlNode *n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE
        && n->ns != NULL && n->ns->href != NULL
        && strcmp((const char *)n->ns->href, ns) == 0
        && n->name != NULL
        && strcmp((const char *)n->name, name) == 0;
}

/* Text of a value element: only text-node children allowed, concatenated,
 * trimmed, copied into p.  *out is "" if there is no text. */
static mac_ad_status_e element_text(apr_pool_t *p, const xmlNode *el,
                                    const char **out, const char **reason)
{
    const xmlNode *c;
    apr_size_t total = 0, off = 0, b, e;
    char *buf;

    for (c = el->children; c != NULL; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
            if (c->content != NULL)
                total += strlen((const char *)c->content);
            if (total > MAC_AD_MAX_TEXT) {
                *reason = "text too long";
                return MAC_AD_ERR_LIMIT;
            }
            break;
        case XML_ELEMENT_NODE:
            *reason = "child element inside a value element";
            return MAC_AD_ERR_MARKUP;
        case XML_CDATA_SECTION_NODE:
            *reason = "CDATA section inside a value element";
            return MAC_AD_ERR_MARKUP;
        case XML_COMMENT_NODE:
            *reason = "comment inside a value element";
            return MAC_AD_ERR_MARKUP;
        case XML_PI_NODE:
            *reason = "processing instruction inside a value element";
            return MAC_AD_ERR_MARKUP;
        case XML_ENTITY_REF_NODE:
        case XML_ENTITY_NODE:
            *reason = "entity reference inside a value element";
            return MAC_AD_ERR_MARKUP;
        default:
            *reason = "unexpected node inside a value element";
            return MAC_AD_ERR_MARKUP;
        }
    }

    buf = apr_palloc(p, total + 1);
    for (c = el->children; c != NULL; c = c->next) {
        if (c->content != NULL) {
            apr_size_t l = strlen((const char *)c->content);
            memcpy(buf + off, c->content, l);
            off += l;
        }
    }
    buf[off] = '\0';

    if (memchr(buf, '<', off) != NULL) {
        *reason = "less-than sign from a reference inside a value element";
        return MAC_AD_ERR_MARKUP;
    }

    b = 0;
    e = off;
    while (b < e && is_xml_ws((unsigned char)buf[b]))
        b++;
    while (e > b && is_xml_ws((unsigned char)buf[e - 1]))
        e--;
    buf[e] = '\0';
    *out = buf + b;
    return MAC_AD_OK;
}

static mac_ad_status_e check_tree(apr_pool_t *p, xmlDocPtr doc,
                                  mac_ad_request_t *req, const char **reason)
{
    xmlNodePtr root, c, request = NULL, email_el = NULL, schema_el = NULL;
    int n_request = 0, n_email = 0, n_schema = 0;
    const char *email = NULL, *schema = NULL, *ns;
    int mobilesync = 0;
    mac_ad_status_e rv;

    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        *reason = "DOCTYPE not allowed";
        return MAC_AD_ERR_DOCTYPE;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        *reason = "no root element";
        return MAC_AD_ERR_MALFORMED;
    }
    /* Outlook's request namespace, or ActiveSync devices' (mobilesync);
     * everything below the root must be in the root's. */
    if (is_req_element(root, MAC_AD_NS_REQUEST, "Autodiscover")) {
        ns = MAC_AD_NS_REQUEST;
    }
    else if (is_req_element(root, MAC_AD_NS_REQUEST_MOBILESYNC,
                            "Autodiscover")) {
        ns = MAC_AD_NS_REQUEST_MOBILESYNC;
        mobilesync = 1;
    }
    else {
        *reason = "root is not Autodiscover in the request namespace";
        return MAC_AD_ERR_ROOT;
    }
    for (c = root->children; c != NULL; c = c->next) {
        if (is_req_element(c, ns, "Request")) {
            request = c;
            n_request++;
        }
    }
    if (n_request == 0) {
        *reason = "Request element missing";
        return MAC_AD_ERR_ROOT;
    }
    if (n_request > 1) {
        *reason = "more than one Request element";
        return MAC_AD_ERR_MALFORMED;
    }
    for (c = request->children; c != NULL; c = c->next) {
        if (is_req_element(c, ns, "EMailAddress")) {
            email_el = c;
            n_email++;
        } else if (is_req_element(c, ns, "AcceptableResponseSchema")) {
            schema_el = c;
            n_schema++;
        }
    }
    if (n_email > 1) {
        *reason = "more than one EMailAddress";
        return MAC_AD_ERR_DUP_ADDRESS;
    }
    if (n_schema > 1) {
        *reason = "more than one AcceptableResponseSchema";
        return MAC_AD_ERR_MALFORMED;
    }
    if (n_email == 0) {
        *reason = "EMailAddress missing";
        return MAC_AD_ERR_NO_ADDRESS;
    }
    rv = element_text(p, email_el, &email, reason);
    if (rv != MAC_AD_OK)
        return rv;
    if (*email == '\0') {
        *reason = "EMailAddress empty";
        return MAC_AD_ERR_NO_ADDRESS;
    }
    if (schema_el != NULL) {
        rv = element_text(p, schema_el, &schema, reason);
        if (rv != MAC_AD_OK)
            return rv;
    }
    req->email = email;
    req->schema = schema;
    req->mobilesync = mobilesync;
    *reason = "ok";
    return MAC_AD_OK;
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

void mac_ad_init(void)
{
    xmlInitParser();
}

static mac_ad_status_e parse(apr_pool_t *p, const char *body, apr_size_t len,
                             mac_ad_request_t *req, const char **reason)
{
    const unsigned char *s = (const unsigned char *)body;
    mac_ad_state_t st;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    mac_ad_status_e rv;
    apr_size_t i;

    if (len == 0) {
        *reason = "empty body";
        return MAC_AD_ERR_EMPTY;
    }
    if (len > MAC_AD_MAX_INPUT) {
        *reason = "body too large";
        return MAC_AD_ERR_LIMIT;
    }

    /* Encoding signatures.  A NUL among the first four bytes is UTF-16/32
     * without BOM ("<\0?\0", "\0<\0?", ...). */
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        len -= 3;
    } else {
        for (i = 0; i < sizeof(refused_signatures) / sizeof(refused_signatures[0]); i++) {
            if (len >= refused_signatures[i].len
                && memcmp(s, refused_signatures[i].sig, refused_signatures[i].len) == 0) {
                *reason = "byte-order mark or signature of a non-UTF-8 encoding";
                return MAC_AD_ERR_ENCODING;
            }
        }
        if (memchr(s, '\0', len < 4 ? len : 4) != NULL) {
            *reason = "UTF-16 or UTF-32 body";
            return MAC_AD_ERR_ENCODING;
        }
    }

    for (i = 0; i < len && is_xml_ws(s[i]); i++)
        ;
    if (i == len) {
        *reason = "body is only whitespace";
        return MAC_AD_ERR_EMPTY;
    }
    if (memchr(s, '\0', len) != NULL) {
        *reason = "NUL byte in body";
        return MAC_AD_ERR_MALFORMED;
    }
    if (!valid_utf8(s, len)) {
        *reason = "invalid UTF-8";
        return MAC_AD_ERR_MALFORMED;
    }
    rv = check_xml_decl(s, len, reason);
    if (rv != MAC_AD_OK)
        return rv;

    /* Parse on a context of our own. */
    memset(&st, 0, sizeof(st));
    st.status = MAC_AD_OK;
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        *reason = "cannot create XML parser";
        rv = MAC_AD_ERR_MALFORMED;
        goto cleanup;
    }
    st.ctxt = ctxt;
    ctxt->_private = &st;
    install_handlers(ctxt);

    doc = xmlCtxtReadMemory(ctxt, (const char *)s, (int)len, NULL, "UTF-8",
                            MAC_AD_XML_OPTIONS);

    if (st.status != MAC_AD_OK) {
        rv = st.status;
        *reason = st.reason;
        goto cleanup;
    }
    if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed) {
        rv = MAC_AD_ERR_MALFORMED;
        *reason = "not well-formed XML";
        goto cleanup;
    }
    rv = check_tree(p, doc, req, reason);

cleanup:
    if (doc != NULL)
        xmlFreeDoc(doc);
    if (ctxt != NULL) {
        /* xmlCtxtReadMemory() hands the document over, but a halted parse
         * may leave one behind in some versions: never leak it. */
        if (ctxt->myDoc != NULL && ctxt->myDoc != doc)
            xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
        ctxt->_private = NULL;
        xmlFreeParserCtxt(ctxt);
    }
    return rv;
}

mac_ad_status_e mac_ad_parse(apr_pool_t *p, const char *body, apr_size_t len,
                             mac_ad_request_t *req, const char **reason)
{
    const char *why = "ok";
    mac_ad_status_e rv;

    if (req != NULL) {
        req->email = NULL;
        req->schema = NULL;
        req->mobilesync = 0;
    }
    if (p == NULL || req == NULL || (body == NULL && len > 0)) {
        why = "invalid arguments";
        rv = MAC_AD_ERR_MALFORMED;
    } else {
        rv = parse(p, body, len, req, &why);
        if (rv != MAC_AD_OK) {
            req->email = NULL;
            req->schema = NULL;
            req->mobilesync = 0;
        }
    }
    if (reason != NULL)
        *reason = why;
    return rv;
}

int mac_ad_query_fragment(apr_pool_t *p, const char *decoded, apr_size_t len,
                          const char **email)
{
    static const char open_tag[] = "<EMailAddress>";
    static const char close_tag[] = "</EMailAddress>";
    const apr_size_t ol = sizeof(open_tag) - 1, cl = sizeof(close_tag) - 1;
    apr_size_t b = 0, e = len, vb, ve, i;

    if (email != NULL)
        *email = NULL;
    if (p == NULL || decoded == NULL || email == NULL)
        return 0;

    while (b < e && is_xml_ws((unsigned char)decoded[b]))
        b++;
    while (e > b && is_xml_ws((unsigned char)decoded[e - 1]))
        e--;
    if (e - b < ol + cl)
        return 0;
    if (memcmp(decoded + b, open_tag, ol) != 0
        || memcmp(decoded + e - cl, close_tag, cl) != 0)
        return 0;

    vb = b + ol;
    ve = e - cl;
    for (i = vb; i < ve; i++) {
        char c = decoded[i];
        if (c == '<' || c == '>' || c == '\0')
            return 0;
    }
    while (vb < ve && is_xml_ws((unsigned char)decoded[vb]))
        vb++;
    while (ve > vb && is_xml_ws((unsigned char)decoded[ve - 1]))
        ve--;
    if (ve == vb || ve - vb > MAC_AD_MAX_TEXT)
        return 0;
    *email = apr_pstrmemdup(p, decoded + vb, ve - vb);
    return 1;
}
