/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_adreq.c (Outlook POX Autodiscover request parser).
 *
 * Build by hand:
 *   gcc -Wall -Wextra -Werror -g -I src $(apr-1-config --cflags --cppflags --includes) \
 *       $(xml2-config --cflags) t/unit/test_adreq.c src/mac_adreq.c \
 *       $(apr-1-config --link-ld) $(apu-1-config --link-ld) $(xml2-config --libs) -o /tmp/test_adreq
 *
 * Linux-specific: uses inotify to prove that no file is opened and a
 * loopback listener to prove that no connection is made.
 */
#include "mac_adreq.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <libxml/parser.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>

/* ------------------------------------------------------------------ */
/* Bodies                                                               */
/* ------------------------------------------------------------------ */

#define NS      MAC_AD_NS_REQUEST
#define DECL    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
#define AD_OPEN "<Autodiscover xmlns=\"" NS "\">"
#define REQ(x)  DECL AD_OPEN "<Request>" x "</Request></Autodiscover>"
#define ADDR(x) "<EMailAddress>" x "</EMailAddress>"
#define SCH(x)  "<AcceptableResponseSchema>" x "</AcceptableResponseSchema>"
#define OUTLOOK_SCHEMA SCH(MAC_AD_NS_RESPONSE_OUTLOOK)

static const char outlook_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\r\n"
    "  <Request>\r\n"
    "    <EMailAddress>alice@example.com</EMailAddress>\r\n"
    "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\r\n"
    "  </Request>\r\n"
    "</Autodiscover>";

static const char thunderbird_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
    "<Request><EMailAddress>bob@example.org</EMailAddress>"
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>"
    "</Request></Autodiscover>\n";

typedef struct {
    const char *name;
    const char *body;
    apr_size_t len;              /* 0: strlen(body) */
    mac_ad_status_e status;
    const char *email;           /* checked when status is MAC_AD_OK */
    int check_schema;
    const char *schema;
} adcase_t;

#define LEN(lit) (sizeof(lit) - 1)

static const adcase_t cases[] = {
    /* ---- accepted ---- */
    { "outlook request", outlook_body, 0, MAC_AD_OK, "alice@example.com", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "thunderbird request", thunderbird_body, 0, MAC_AD_OK, "bob@example.org", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "prefixed namespace",
      "<?xml version=\"1.0\"?><a:Autodiscover xmlns:a=\"" NS "\"><a:Request>"
      "<a:EMailAddress>carol@example.net</a:EMailAddress>"
      "<a:AcceptableResponseSchema>" MAC_AD_NS_RESPONSE_OUTLOOK "</a:AcceptableResponseSchema>"
      "</a:Request></a:Autodiscover>",
      0, MAC_AD_OK, "carol@example.net", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "mixed default and prefixed namespace, same URI",
      "<Autodiscover xmlns=\"" NS "\" xmlns:q=\"" NS "\"><q:Request>"
      "<EMailAddress>dave@example.com</EMailAddress></q:Request></Autodiscover>",
      0, MAC_AD_OK, "dave@example.com", 1, NULL },
    { "no XML declaration",
      AD_OPEN "<Request>" ADDR("erin@example.com") OUTLOOK_SCHEMA "</Request></Autodiscover>",
      0, MAC_AD_OK, "erin@example.com", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "whitespace around the address trimmed",
      REQ(ADDR(" \t\r\n  frank@example.com \n\t ") OUTLOOK_SCHEMA),
      0, MAC_AD_OK, "frank@example.com", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "whitespace around the schema trimmed",
      REQ(ADDR("a@example.com") SCH("\n  " MAC_AD_NS_RESPONSE_OUTLOOK "  \n")),
      0, MAC_AD_OK, "a@example.com", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "LegacyDN and unknown elements ignored",
      REQ("<LegacyDN>/o=Org/ou=Exchange/cn=Recipients/cn=grace</LegacyDN>"
          ADDR("grace@example.com") "<Unknown a=\"b\"><Deep>x</Deep></Unknown>" OUTLOOK_SCHEMA),
      0, MAC_AD_OK, "grace@example.com", 1, MAC_AD_NS_RESPONSE_OUTLOOK },
    { "missing AcceptableResponseSchema gives NULL schema",
      REQ(ADDR("heidi@example.com")), 0, MAC_AD_OK, "heidi@example.com", 1, NULL },
    { "empty AcceptableResponseSchema gives empty schema",
      REQ(ADDR("heidi@example.com") "<AcceptableResponseSchema/>"), 0, MAC_AD_OK, "heidi@example.com", 1, "" },
    { "mobilesync schema passed through",
      REQ(ADDR("ivan@example.com") SCH(MAC_AD_NS_RESPONSE_MOBILESYNC)),
      0, MAC_AD_OK, "ivan@example.com", 1, MAC_AD_NS_RESPONSE_MOBILESYNC },
    { "unknown schema passed through verbatim",
      REQ(ADDR("ivan@example.com") SCH("urn:x-unknown")), 0, MAC_AD_OK, "ivan@example.com", 1, "urn:x-unknown" },
    { "UTF-8 BOM accepted", "\xEF\xBB\xBF" REQ(ADDR("judy@example.com")), 0, MAC_AD_OK, "judy@example.com", 0, NULL },
    { "UTF-8 BOM without declaration accepted",
      "\xEF\xBB\xBF" AD_OPEN "<Request>" ADDR("judy@example.com") "</Request></Autodiscover>",
      0, MAC_AD_OK, "judy@example.com", 0, NULL },
    { "non-ASCII UTF-8 address returned as bytes",
      REQ(ADDR("j\xC3\xB6rg@ex\xC3\xA4mple.de")), 0, MAC_AD_OK, "j\xC3\xB6rg@ex\xC3\xA4mple.de", 0, NULL },
    { "encoding='UTF8' single-quoted accepted",
      "<?xml version='1.0' encoding='UTF8' standalone='yes'?>" AD_OPEN "<Request>" ADDR("k@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_OK, "k@example.com", 0, NULL },
    { "encoding=\"US-ASCII\" with 7-bit body accepted",
      "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" AD_OPEN "<Request>" ADDR("k@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_OK, "k@example.com", 0, NULL },
    { "comments and PIs outside the values ignored",
      "<?xml version=\"1.0\"?><!-- c --><?pi x?>" AD_OPEN "<!-- c --><Request><!-- c -->"
      ADDR("l@example.com") "<?pi y?></Request></Autodiscover><!-- trailing -->",
      0, MAC_AD_OK, "l@example.com", 0, NULL },
    { "attributes on EMailAddress ignored",
      REQ("<EMailAddress xmlns:z=\"urn:z\" z:a=\"1\" b=\"2\">m@example.com</EMailAddress>"),
      0, MAC_AD_OK, "m@example.com", 0, NULL },
    { "CRLF inside the address text kept as LF after trimming edges",
      REQ(ADDR("\r\nn@example.com\r\n")), 0, MAC_AD_OK, "n@example.com", 0, NULL },
    { "&amp; decodes to & (left to the caller's address check)",
      REQ(ADDR("a&amp;b@example.com")), 0, MAC_AD_OK, "a&b@example.com", 0, NULL },
    { "&#64; character reference decodes to @",
      REQ(ADDR("alice&#64;example.com")), 0, MAC_AD_OK, "alice@example.com", 0, NULL },
    { "&gt; decodes to > (left to the caller's address check)",
      REQ(ADDR("a&gt;b@example.com")), 0, MAC_AD_OK, "a>b@example.com", 0, NULL },
    { "xi:include in Request is just an ignored element",
      REQ("<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\" parse=\"text\"/>"
          ADDR("o@example.com")), 0, MAC_AD_OK, "o@example.com", 1, NULL },
    { "EMailAddress in another namespace is ignored (then missing)",
      REQ("<x:EMailAddress xmlns:x=\"urn:other\">p@example.com</x:EMailAddress>"),
      0, MAC_AD_ERR_NO_ADDRESS, NULL, 0, NULL },

    /* ---- DOCTYPE / entities ---- */
    { "billion laughs",
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
      " <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
      " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
      " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
      " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
      " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
      " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
      "]>\n" AD_OPEN "<Request><EMailAddress>&lol9;</EMailAddress></Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "quadratic blowup (one big entity used many times)",
      "<!DOCTYPE a [<!ENTITY big \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\">]>"
      AD_OPEN "<Request>" ADDR("&big;&big;&big;&big;&big;&big;&big;&big;&big;&big;&big;&big;")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "DOCTYPE with internal subset",
      "<?xml version=\"1.0\"?><!DOCTYPE Autodiscover [<!ELEMENT Autodiscover ANY>]>"
      AD_OPEN "<Request>" ADDR("q@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "DOCTYPE without subset (SYSTEM x.dtd)",
      "<?xml version=\"1.0\"?><!DOCTYPE Autodiscover SYSTEM \"x.dtd\">"
      AD_OPEN "<Request>" ADDR("q@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "bare DOCTYPE",
      "<!DOCTYPE Autodiscover>" AD_OPEN "<Request>" ADDR("q@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "DOCTYPE PUBLIC after comment and PI",
      "<!-- x --><?pi?><!DOCTYPE Autodiscover PUBLIC \"-//X//Y//EN\" \"http://127.0.0.1:9/x.dtd\">"
      AD_OPEN "<Request>" ADDR("q@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "parameter entity in internal subset",
      "<!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
      AD_OPEN "<Request>" ADDR("q@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_DOCTYPE, NULL, 0, NULL },
    { "undeclared entity reference in address",
      REQ(ADDR("a&foo;b@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "entity reference without semicolon",
      REQ(ADDR("a&amp b@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },

    /* ---- structure ---- */
    { "wrong namespace (response schema)",
      "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE_OUTLOOK "\"><Request>" ADDR("r@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "ActiveSync's request namespace (mobilesync requestschema) is accepted",
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\">"
      "<Request>" ADDR("r@example.com") "</Request></Autodiscover>", 0, MAC_AD_OK, "r@example.com", 1, NULL },
    { "mobilesync root with an Outlook-namespace Request is not mixed",
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\">"
      "<Request xmlns=\"" NS "\">" "<EMailAddress>r@example.com</EMailAddress>"
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "namespace URI compared exactly (trailing slash)",
      "<Autodiscover xmlns=\"" NS "/\"><Request>" ADDR("r@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "no namespace",
      "<Autodiscover><Request>" ADDR("r@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "prefix named like the real one but bound to another URI",
      "<a:Autodiscover xmlns:a=\"urn:evil\" xmlns=\"" NS "\"><Request>" ADDR("r@example.com")
      "</Request></a:Autodiscover>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "wrong root",
      "<Autodiscovery xmlns=\"" NS "\"><Request>" ADDR("r@example.com") "</Request></Autodiscovery>",
      0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "root name is case-sensitive",
      "<autodiscover xmlns=\"" NS "\"><Request>" ADDR("r@example.com") "</Request></autodiscover>",
      0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "missing Request",
      DECL AD_OPEN ADDR("r@example.com") "</Autodiscover>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "Request in another namespace",
      AD_OPEN "<Request xmlns=\"urn:other\">" ADDR("r@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "Request not a direct child of Autodiscover",
      AD_OPEN "<Wrapper><Request>" ADDR("r@example.com") "</Request></Wrapper></Autodiscover>",
      0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
    { "duplicate Request",
      AD_OPEN "<Request>" ADDR("r@example.com") "</Request><Request>" ADDR("s@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "missing EMailAddress", REQ(OUTLOOK_SCHEMA), 0, MAC_AD_ERR_NO_ADDRESS, NULL, 0, NULL },
    { "empty EMailAddress element", REQ("<EMailAddress/>"), 0, MAC_AD_ERR_NO_ADDRESS, NULL, 0, NULL },
    { "whitespace-only EMailAddress", REQ(ADDR(" \r\n\t ")), 0, MAC_AD_ERR_NO_ADDRESS, NULL, 0, NULL },
    { "EMailAddress outside Request ignored",
      AD_OPEN ADDR("r@example.com") "<Request/></Autodiscover>", 0, MAC_AD_ERR_NO_ADDRESS, NULL, 0, NULL },
    { "duplicate EMailAddress",
      REQ(ADDR("t@example.com") ADDR("mallory@example.com")), 0, MAC_AD_ERR_DUP_ADDRESS, NULL, 0, NULL },
    { "duplicate EMailAddress, one empty",
      REQ(ADDR("t@example.com") "<EMailAddress/>"), 0, MAC_AD_ERR_DUP_ADDRESS, NULL, 0, NULL },
    { "duplicate EMailAddress via another prefix",
      REQ(ADDR("t@example.com") "<p:EMailAddress xmlns:p=\"" NS "\">u@example.com</p:EMailAddress>"),
      0, MAC_AD_ERR_DUP_ADDRESS, NULL, 0, NULL },
    { "duplicate AcceptableResponseSchema",
      REQ(ADDR("t@example.com") OUTLOOK_SCHEMA SCH(MAC_AD_NS_RESPONSE_MOBILESYNC)),
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },

    /* ---- markup inside values ---- */
    { "child element in address", REQ(ADDR("a<b/>@x")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "CDATA in address", REQ(ADDR("<![CDATA[v@example.com]]>")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "CDATA after text in address", REQ(ADDR("v@<![CDATA[example.com]]>")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "comment in address", REQ(ADDR("v@exa<!-- x -->mple.com")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "empty comment in address", REQ(ADDR("<!---->v@example.com")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "PI in address", REQ(ADDR("v@example.com<?php echo 1 ?>")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "&lt; in address rejected", REQ(ADDR("&lt;script&gt;@example.com")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "&#60; in address rejected", REQ(ADDR("a&#60;b@example.com")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "&#x3C; in address rejected", REQ(ADDR("a&#x3C;b@example.com")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "child element in schema", REQ(ADDR("w@example.com") SCH("<x/>")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "CDATA in schema",
      REQ(ADDR("w@example.com") SCH("<![CDATA[" MAC_AD_NS_RESPONSE_OUTLOOK "]]>")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "comment in schema", REQ(ADDR("w@example.com") SCH("<!--x-->")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "&lt; in schema", REQ(ADDR("w@example.com") SCH("&lt;x")), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },
    { "xi:include inside EMailAddress is a child element",
      REQ("<EMailAddress><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\""
          " parse=\"text\"/></EMailAddress>"), 0, MAC_AD_ERR_MARKUP, NULL, 0, NULL },

    /* ---- encodings ---- */
    { "UTF-16LE with BOM",
      "\xFF\xFE<\0A\0u\0t\0o\0d\0i\0s\0c\0o\0v\0e\0r\0/\0>\0", LEN("\xFF\xFE<\0A\0u\0t\0o\0d\0i\0s\0c\0o\0v\0e\0r\0/\0>\0"),
      MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-16BE with BOM",
      "\xFE\xFF\0<\0A\0u\0t\0o\0d\0i\0s\0c\0o\0v\0e\0r\0/\0>", LEN("\xFE\xFF\0<\0A\0u\0t\0o\0d\0i\0s\0c\0o\0v\0e\0r\0/\0>"),
      MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-16LE without BOM", "<\0?\0x\0m\0l\0 \0", 12, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-16BE without BOM", "\0<\0?\0x\0m\0l\0 ", 12, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-32LE BOM", "\xFF\xFE\0\0<\0\0\0", 8, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-32BE BOM", "\0\0\xFE\xFF\0\0\0<", 8, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-7 signature", "+/v8-" AD_OPEN "</Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "EBCDIC signature", "\x4C\x6F\xA7\x94\x93\x40", 6, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "encoding=\"ISO-8859-1\" declaration",
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "encoding='windows-1252' declaration",
      "<?xml version='1.0' encoding='windows-1252'?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "encoding=\"UTF-16\" declared on a UTF-8 body",
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "UTF-8 BOM plus ISO-8859-1 declaration",
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "US-ASCII declared but 8-bit bytes present",
      "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" AD_OPEN "<Request>" ADDR("j\xC3\xB6rg@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },
    { "encoding= with spaces around =",
      "<?xml version = \"1.0\" encoding = \"latin1\" ?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_ENCODING, NULL, 0, NULL },

    /* ---- empty / broken ---- */
    { "empty body", "", 0, MAC_AD_ERR_EMPTY, NULL, 0, NULL },
    { "whitespace-only body", " \r\n\t \n", 0, MAC_AD_ERR_EMPTY, NULL, 0, NULL },
    { "UTF-8 BOM only", "\xEF\xBB\xBF", 0, MAC_AD_ERR_EMPTY, NULL, 0, NULL },
    { "UTF-8 BOM and whitespace", "\xEF\xBB\xBF \n", 0, MAC_AD_ERR_EMPTY, NULL, 0, NULL },
    { "non-XML whitespace (form feed) is not empty", "\f", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "truncated body",
      DECL AD_OPEN "<Request><EMailAddress>y@example.com</EMailAdd", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "truncated XML declaration", "<?xml version=\"1.0\" encoding=\"utf-8\"", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "malformed XML declaration (unquoted)",
      "<?xml version=\"1.0\" encoding=utf-8?>" AD_OPEN "<Request>" ADDR("x@example.com")
      "</Request></Autodiscover>", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "whitespace before XML declaration",
      "\n" DECL AD_OPEN "<Request>" ADDR("x@example.com") "</Request></Autodiscover>",
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "NUL byte in address",
      REQ(ADDR("y@exa\0mple.com")), LEN(REQ(ADDR("y@exa\0mple.com"))), MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "NUL byte at the end", REQ(ADDR("y@example.com")) "\0", LEN(REQ(ADDR("y@example.com")) "\0"),
      MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (lone continuation byte)", REQ(ADDR("y@ex\x80mple.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (truncated sequence)", REQ(ADDR("y@ex\xC3")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (overlong '<')", REQ(ADDR("y\xC0\xBC@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (3-byte overlong)", REQ(ADDR("y\xE0\x80\xBC@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (surrogate)", REQ(ADDR("y\xED\xA0\x80@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (> U+10FFFF)", REQ(ADDR("y\xF4\x90\x80\x80@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid UTF-8 (F5 lead)", REQ(ADDR("y\xF5\x80\x80\x80@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "control character", REQ(ADDR("y\x01@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid character reference &#0;", REQ(ADDR("y&#0;@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "invalid character reference &#1;", REQ(ADDR("y&#1;@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "U+FFFE noncharacter", REQ(ADDR("y\xEF\xBF\xBE@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "not XML at all", "alice@example.com", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "JSON", "{\"EMailAddress\":\"alice@example.com\"}", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "content after root",
      AD_OPEN "<Request>" ADDR("z@example.com") "</Request></Autodiscover>junk", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "two root elements",
      AD_OPEN "<Request>" ADDR("z@example.com") "</Request></Autodiscover>" AD_OPEN "</Autodiscover>",
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "mismatched end tag", AD_OPEN "<Request>" ADDR("z@example.com") "</Requets></Autodiscover>",
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "undeclared namespace prefix",
      "<a:Autodiscover><a:Request>" ADDR("z@example.com") "</a:Request></a:Autodiscover>",
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "duplicate attribute", REQ("<EMailAddress a=\"1\" a=\"2\">z@example.com</EMailAddress>"),
      0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "]]> in text", REQ(ADDR("z]]>@example.com")), 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "lower-case <!doctype is not XML", "<!doctype html><html></html>", 0, MAC_AD_ERR_MALFORMED, NULL, 0, NULL },
    { "HTML", "<html><body>hi</body></html>", 0, MAC_AD_ERR_ROOT, NULL, 0, NULL },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static apr_pool_t *root_pool;

static const char *SENTINEL = "sentinel-not-touched";

static mac_ad_status_e run(apr_pool_t *p, const char *body, apr_size_t len,
                           mac_ad_request_t *req, const char **reason)
{
    req->email = SENTINEL;
    req->schema = SENTINEL;
    *reason = NULL;
    return mac_ad_parse(p, body, len, req, reason);
}

/* A reason is static English: never NULL, never contains request bytes. */
static int reason_is_clean(const char *reason)
{
    return reason != NULL && reason[0] != '\0' && strlen(reason) < 80
        && strchr(reason, '<') == NULL && strchr(reason, '@') == NULL
        && strstr(reason, "example") == NULL && strstr(reason, "MARKER") == NULL
        && strstr(reason, "lol") == NULL;
}

static void check_case(const adcase_t *c)
{
    apr_pool_t *p;
    mac_ad_request_t req;
    const char *reason;
    apr_size_t len = c->len ? c->len : strlen(c->body);
    mac_ad_status_e rv;

    apr_pool_create(&p, root_pool);
    rv = run(p, c->body, len, &req, &reason);
    if (!is_int(rv, c->status, c->name))
        diag("reason: %s", reason ? reason : "(null)");
    ok(reason_is_clean(reason), "%s: reason is a clean static string", c->name);
    if (c->status == MAC_AD_OK) {
        is_str(req.email, c->email, apr_psprintf(p, "%s: email", c->name));
        if (c->check_schema)
            is_str(req.schema, c->schema, apr_psprintf(p, "%s: schema", c->name));
    } else {
        ok(req.email == NULL && req.schema == NULL, "%s: req cleared on failure", c->name);
    }
    apr_pool_destroy(p);
}

static char *repeat(apr_pool_t *p, const char *s, apr_size_t n)
{
    apr_size_t l = strlen(s), i;
    char *out = apr_palloc(p, l * n + 1);
    for (i = 0; i < n; i++)
        memcpy(out + i * l, s, l);
    out[l * n] = '\0';
    return out;
}

static char *wrap_request(apr_pool_t *p, const char *inner)
{
    return apr_pstrcat(p, DECL AD_OPEN "<Request>", inner, "</Request></Autodiscover>", NULL);
}

/* Parse a generated body; expect status; return elapsed seconds. */
static double expect_gen(apr_pool_t *p, const char *name, const char *body, apr_size_t len,
                         mac_ad_status_e want, const char *want_email)
{
    mac_ad_request_t req;
    const char *reason;
    apr_time_t t0 = apr_time_now();
    mac_ad_status_e rv = run(p, body, len, &req, &reason);
    double secs = (double)(apr_time_now() - t0) / (double)APR_USEC_PER_SEC;

    if (!is_int(rv, want, name))
        diag("reason: %s", reason ? reason : "(null)");
    ok(reason_is_clean(reason), "%s: reason clean", name);
    if (want == MAC_AD_OK)
        is_str(req.email, want_email, apr_psprintf(p, "%s: email", name));
    else
        ok(req.email == NULL, "%s: no email on failure", name);
    return secs;
}

/* ------------------------------------------------------------------ */
/* Limits                                                               */
/* ------------------------------------------------------------------ */

static void test_limits(void)
{
    apr_pool_t *p;
    char *body, *s;
    double secs;
    apr_size_t n;

    apr_pool_create(&p, root_pool);

    /* depth: root=1, Request=2, EMailAddress=3; pad with LegacyDN nesting */
    s = apr_pstrcat(p, repeat(p, "<L>", MAC_AD_MAX_DEPTH - 2), repeat(p, "</L>", MAC_AD_MAX_DEPTH - 2), NULL);
    body = wrap_request(p, apr_pstrcat(p, s, ADDR("d@example.com"), NULL));
    expect_gen(p, "depth exactly MAC_AD_MAX_DEPTH accepted", body, strlen(body), MAC_AD_OK, "d@example.com");
    s = apr_pstrcat(p, repeat(p, "<L>", MAC_AD_MAX_DEPTH - 1), repeat(p, "</L>", MAC_AD_MAX_DEPTH - 1), NULL);
    body = wrap_request(p, apr_pstrcat(p, s, ADDR("d@example.com"), NULL));
    expect_gen(p, "depth MAC_AD_MAX_DEPTH+1 rejected", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);

    /* 20000 levels fit in MAC_AD_MAX_INPUT: reaches the parser's depth hook */
    n = 20000;
    body = apr_pstrcat(p, AD_OPEN, repeat(p, "<a>", n), repeat(p, "</a>", n), "</Autodiscover>", NULL);
    ok(strlen(body) <= MAC_AD_MAX_INPUT + 20000 * 4, "20000-level body built");
    body = apr_pstrcat(p, AD_OPEN, repeat(p, "<a>", n), NULL);   /* unclosed: still hits depth first */
    secs = expect_gen(p, "20000 nested levels (unclosed)", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    ok(secs < 2.0, "20000 nested levels handled fast (%.3fs)", secs);

    n = 100000;
    body = apr_pstrcat(p, repeat(p, "<a>", n), repeat(p, "</a>", n), NULL);
    secs = expect_gen(p, "100000 nested levels", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    ok(secs < 2.0, "100000 nested levels handled fast (%.3fs)", secs);

    /* element count */
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<x/>", MAC_AD_MAX_ELEMENTS - 3), NULL));
    expect_gen(p, "exactly MAC_AD_MAX_ELEMENTS elements accepted", body, strlen(body), MAC_AD_OK, "e@example.com");
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<x/>", MAC_AD_MAX_ELEMENTS - 2), NULL));
    expect_gen(p, "MAC_AD_MAX_ELEMENTS+1 elements rejected", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<x/>", 15000), NULL));
    secs = expect_gen(p, "15000 sibling elements", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    ok(secs < 2.0, "15000 siblings handled fast (%.3fs)", secs);
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<x/>", 100000), NULL));
    secs = expect_gen(p, "100000 sibling elements", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    ok(secs < 2.0, "100000 siblings handled fast (%.3fs)", secs);
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<!---->", 300), NULL));
    expect_gen(p, "300 comments count as nodes", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, ADDR("e@example.com"), repeat(p, "<?p?>", 300), NULL));
    expect_gen(p, "300 PIs count as nodes", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = apr_pstrcat(p, repeat(p, "<!---->", 300), wrap_request(p, ADDR("e@example.com")), NULL);
    expect_gen(p, "300 comments in the prolog count as nodes", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);

    /* text length */
    s = apr_pstrcat(p, repeat(p, "a", MAC_AD_MAX_TEXT - 12), "@example.com", NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", s, "</EMailAddress>", NULL));
    expect_gen(p, "address of exactly MAC_AD_MAX_TEXT bytes accepted", body, strlen(body), MAC_AD_OK, s);
    s = apr_pstrcat(p, repeat(p, "a", MAC_AD_MAX_TEXT - 11), "@example.com", NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", s, "</EMailAddress>", NULL));
    expect_gen(p, "address of MAC_AD_MAX_TEXT+1 bytes rejected", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", repeat(p, "a", 60000), "@x</EMailAddress>", NULL));
    expect_gen(p, "60000-byte address", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", repeat(p, "a", 1000000), "@x</EMailAddress>", NULL));
    secs = expect_gen(p, "1 MB address", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    ok(secs < 2.0, "1 MB address handled fast (%.3fs)", secs);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", repeat(p, "\xC3\xA4", 600), "@x</EMailAddress>", NULL));
    expect_gen(p, "1200-byte non-ASCII address (slow parser path)", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress>", repeat(p, "&#97;", 1100), "@x</EMailAddress>", NULL));
    expect_gen(p, "1100 character references", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress><![CDATA[", repeat(p, "a", 1100), "]]></EMailAddress>", NULL));
    expect_gen(p, "1100-byte CDATA", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, ADDR("f@example.com"), "<LegacyDN>", repeat(p, "/cn=x", 400), "</LegacyDN>", NULL));
    expect_gen(p, "2000-byte LegacyDN (any text node is bounded)", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress a=\"", repeat(p, "v", MAC_AD_MAX_TEXT + 1), "\">f@example.com</EMailAddress>", NULL));
    expect_gen(p, "attribute value too long", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    body = apr_pstrcat(p, "<Autodiscover xmlns=\"", NS, "\" xmlns:z=\"urn:", repeat(p, "z", MAC_AD_MAX_TEXT + 1),
                       "\"><Request>", ADDR("f@example.com"), "</Request></Autodiscover>", NULL);
    expect_gen(p, "namespace URI too long", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);

    /* attributes */
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress a0=\"\" a1=\"\" a2=\"\" a3=\"\" a4=\"\" a5=\"\" a6=\"\" a7=\"\" "
                                        "a8=\"\" a9=\"\" aa=\"\" ab=\"\" ac=\"\" ad=\"\" ae=\"\" af=\"\">g@example.com</EMailAddress>", NULL));
    expect_gen(p, "MAC_AD_MAX_ATTRS attributes accepted", body, strlen(body), MAC_AD_OK, "g@example.com");
    body = wrap_request(p, apr_pstrcat(p, "<EMailAddress a0=\"\" a1=\"\" a2=\"\" a3=\"\" a4=\"\" a5=\"\" a6=\"\" a7=\"\" "
                                        "a8=\"\" a9=\"\" aa=\"\" ab=\"\" ac=\"\" ad=\"\" ae=\"\" af=\"\" ag=\"\">g@example.com</EMailAddress>", NULL));
    expect_gen(p, "MAC_AD_MAX_ATTRS+1 attributes rejected", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
    {
        /* as many attributes as fit in the input limit: libxml2 2.9's
         * duplicate check is quadratic, the input limit keeps it cheap */
        apr_size_t i, cnt = (MAC_AD_MAX_INPUT - 400) / 10;
        char *a = apr_palloc(p, cnt * 10 + 1), *q = a;
        for (i = 0; i < cnt; i++)
            q += sprintf(q, " a%05lu=\"\"", (unsigned long)i);
        body = wrap_request(p, apr_pstrcat(p, "<EMailAddress", a, ">g@example.com</EMailAddress>", NULL));
        ok(strlen(body) <= MAC_AD_MAX_INPUT, "attribute flood fits the input limit (%lu bytes)", (unsigned long)strlen(body));
        secs = expect_gen(p, "attribute flood", body, strlen(body), MAC_AD_ERR_LIMIT, NULL);
        ok(secs < 2.0, "attribute flood handled fast (%.3fs)", secs);
    }

    /* whole input */
    n = MAC_AD_MAX_INPUT + 1;
    body = apr_palloc(p, n);
    memset(body, ' ', n);
    memcpy(body, outlook_body, strlen(outlook_body));
    expect_gen(p, "body of MAC_AD_MAX_INPUT+1 bytes rejected", body, n, MAC_AD_ERR_LIMIT, NULL);
    expect_gen(p, "same body at MAC_AD_MAX_INPUT bytes accepted", body, n - 1, MAC_AD_OK, "alice@example.com");

    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Nothing is read: files (inotify) and network (loopback listener)     */
/* ------------------------------------------------------------------ */

typedef struct {
    char path[64];
    char marker[64];
    int ifd;
} watched_file_t;

static int watched_file_create(watched_file_t *w, const char *content_fmt)
{
    int fd;
    char buf[256];

    snprintf(w->path, sizeof w->path, "/tmp/mac_adreq_t_XXXXXX");
    fd = mkstemp(w->path);
    if (fd < 0)
        return -1;
    snprintf(w->marker, sizeof w->marker, "MARKER%ld%ld", (long)getpid(), (long)apr_time_now());
    snprintf(buf, sizeof buf, content_fmt, w->marker);
    if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
        close(fd);
        return -1;
    }
    close(fd);
    w->ifd = inotify_init1(IN_NONBLOCK);
    if (w->ifd < 0)
        return -1;
    if (inotify_add_watch(w->ifd, w->path, IN_OPEN | IN_ACCESS) < 0)
        return -1;
    return 0;
}

/* 1 if the file was opened or read since the watch was set (or since the
 * last call). */
static int watched_file_touched(watched_file_t *w)
{
    char buf[4096];
    ssize_t r = read(w->ifd, buf, sizeof buf);
    return r > 0;
}

static void watched_file_destroy(watched_file_t *w)
{
    close(w->ifd);
    unlink(w->path);
}

static int listener_create(int *port)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0
        || getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static int listener_contacted(int fd)
{
    int c = accept(fd, NULL, NULL);
    if (c >= 0) {
        close(c);
        return 1;
    }
    return 0;
}

static int output_mentions(const mac_ad_request_t *req, const char *reason, const char *marker)
{
    return (req->email != NULL && req->email != SENTINEL && strstr(req->email, marker) != NULL)
        || (req->schema != NULL && req->schema != SENTINEL && strstr(req->schema, marker) != NULL)
        || (reason != NULL && strstr(reason, marker) != NULL);
}

static void test_nothing_is_read(const char *label)
{
    apr_pool_t *p;
    watched_file_t ent, dtd, xi;
    int lfd, port = 0;
    mac_ad_request_t req;
    const char *reason, *body;
    mac_ad_status_e rv;

    apr_pool_create(&p, root_pool);
    if (!ok(watched_file_create(&ent, "%s") == 0, "%s: marker file created", label)
        || !ok(watched_file_create(&dtd, "<!ENTITY leak \"%s\">") == 0, "%s: DTD file created", label)
        || !ok(watched_file_create(&xi, "%s") == 0, "%s: XInclude target created", label)) {
        apr_pool_destroy(p);
        return;
    }
    lfd = listener_create(&port);
    ok(lfd >= 0, "%s: loopback listener on port %d", label, port);

    /* sanity: the watch does see an open */
    {
        int fd = open(ent.path, O_RDONLY);
        if (fd >= 0)
            close(fd);
        ok(watched_file_touched(&ent), "%s: inotify sees opens (self-check)", label);
    }

    /* external general entity, file */
    body = apr_psprintf(p, "<?xml version=\"1.0\"?><!DOCTYPE Autodiscover [<!ENTITY xxe SYSTEM \"file://%s\">]>"
                        AD_OPEN "<Request><EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>", ent.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external entity file:// rejected", label));
    ok(!watched_file_touched(&ent), "%s: external entity file never opened", label);
    ok(!output_mentions(&req, reason, ent.marker), "%s: marker absent from output", label);

    /* external general entity, plain path */
    body = apr_psprintf(p, "<!DOCTYPE Autodiscover [<!ENTITY xxe SYSTEM \"%s\">]>"
                        AD_OPEN "<Request><EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>", ent.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external entity path rejected", label));
    ok(!watched_file_touched(&ent), "%s: external entity path never opened", label);
    ok(!output_mentions(&req, reason, ent.marker), "%s: marker absent from output (path)", label);

    /* external parameter entity */
    body = apr_psprintf(p, "<!DOCTYPE Autodiscover [<!ENTITY %% pe SYSTEM \"file://%s\"> %%pe;]>"
                        AD_OPEN "<Request><EMailAddress>&leak;</EMailAddress></Request></Autodiscover>", dtd.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external parameter entity rejected", label));
    ok(!watched_file_touched(&dtd), "%s: parameter entity file never opened", label);
    ok(!output_mentions(&req, reason, dtd.marker), "%s: marker absent from output (pe)", label);

    /* external DTD subset, no internal subset */
    body = apr_psprintf(p, "<!DOCTYPE Autodiscover SYSTEM \"file://%s\">"
                        AD_OPEN "<Request><EMailAddress>&leak;</EMailAddress></Request></Autodiscover>", dtd.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external DTD rejected", label));
    ok(!watched_file_touched(&dtd), "%s: external DTD never opened", label);
    ok(!output_mentions(&req, reason, dtd.marker), "%s: marker absent from output (dtd)", label);

    /* http:// entity and DTD to a loopback listener */
    body = apr_psprintf(p, "<!DOCTYPE Autodiscover [<!ENTITY xxe SYSTEM \"http://127.0.0.1:%d/x\">]>"
                        AD_OPEN "<Request><EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>", port);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external entity http:// rejected", label));
    body = apr_psprintf(p, "<!DOCTYPE Autodiscover SYSTEM \"http://127.0.0.1:%d/x.dtd\">"
                        AD_OPEN "<Request><EMailAddress>a@example.com</EMailAddress></Request></Autodiscover>", port);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_DOCTYPE, apr_psprintf(p, "%s: external DTD http:// rejected", label));
    ok(lfd >= 0 && !listener_contacted(lfd), "%s: no connection to the http:// URL", label);

    /* XInclude is never processed */
    body = apr_psprintf(p, DECL AD_OPEN "<Request><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\""
                        " href=\"%s\" parse=\"text\"/>" ADDR("x@example.com") "</Request></Autodiscover>", xi.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_OK, apr_psprintf(p, "%s: xi:include is an ignored element", label));
    ok(!watched_file_touched(&xi), "%s: xi:include target never opened", label);
    ok(!output_mentions(&req, reason, xi.marker), "%s: xi:include marker absent", label);
    body = apr_psprintf(p, DECL AD_OPEN "<Request><EMailAddress><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\""
                        " href=\"%s\" parse=\"text\"/></EMailAddress></Request></Autodiscover>", xi.path);
    rv = run(p, body, strlen(body), &req, &reason);
    is_int(rv, MAC_AD_ERR_MARKUP, apr_psprintf(p, "%s: xi:include inside EMailAddress is markup", label));
    ok(!watched_file_touched(&xi), "%s: xi:include target never opened (in address)", label);

    if (lfd >= 0)
        close(lfd);
    watched_file_destroy(&ent);
    watched_file_destroy(&dtd);
    watched_file_destroy(&xi);
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* libxml2 thread-global defaults switched ON must not matter            */
/* ------------------------------------------------------------------ */

static int generic_calls, structured_calls;

static void XMLCDECL count_generic(void *ctx, const char *msg, ...)
{
    (void)ctx; (void)msg;
    generic_calls++;
}

static void count_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
    structured_calls++;
}

static void test_hostile_globals(void)
{
    apr_pool_t *p;
    mac_ad_request_t req;
    const char *reason;
    mac_ad_status_e rv;
    int old_subst, old_blanks, old_pedantic, old_load, old_valid, old_warn;

    apr_pool_create(&p, root_pool);

    old_subst = xmlSubstituteEntitiesDefault(1);
    old_blanks = xmlKeepBlanksDefault(0);
    old_pedantic = xmlPedanticParserDefault(1);
    old_load = xmlLoadExtDtdDefaultValue;
    old_valid = xmlDoValidityCheckingDefaultValue;
    old_warn = xmlGetWarningsDefaultValue;
    xmlLoadExtDtdDefaultValue = XML_DETECT_IDS | XML_COMPLETE_ATTRS;
    xmlDoValidityCheckingDefaultValue = 1;
    xmlGetWarningsDefaultValue = 1;

    /* With validation inherited, libxml2 reports "no DTD found" as an error:
     * the valid request would fail.  With blanks dropped and pedantic on,
     * nothing may change either. */
    rv = run(p, outlook_body, strlen(outlook_body), &req, &reason);
    is_int(rv, MAC_AD_OK, "hostile globals: Outlook body still accepted");
    is_str(req.email, "alice@example.com", "hostile globals: email");
    rv = run(p, REQ(ADDR(" \n h@example.com \n ")), strlen(REQ(ADDR(" \n h@example.com \n "))), &req, &reason);
    is_int(rv, MAC_AD_OK, "hostile globals: whitespace body accepted");
    is_str(req.email, "h@example.com", "hostile globals: whitespace trimmed the same way");
    rv = run(p, REQ(ADDR("a&amp;b@example.com")), strlen(REQ(ADDR("a&amp;b@example.com"))), &req, &reason);
    is_int(rv, MAC_AD_OK, "hostile globals: &amp; still plain text");
    is_str(req.email, "a&b@example.com", "hostile globals: &amp; decoded the same way");

    test_nothing_is_read("hostile globals");

    {
        apr_size_t i;
        for (i = 0; i < NCASES; i++) {
            if (strcmp(cases[i].name, "billion laughs") == 0)
                break;
        }
        ok(i < NCASES, "billion laughs case found");
        if (i < NCASES) {
            apr_time_t t0 = apr_time_now();
            rv = run(p, cases[i].body, strlen(cases[i].body), &req, &reason);
            is_int(rv, MAC_AD_ERR_DOCTYPE, "hostile globals: billion laughs rejected");
            ok(apr_time_now() - t0 < apr_time_from_sec(1), "hostile globals: billion laughs rejected fast");
            ok(req.email == NULL, "hostile globals: billion laughs: nothing returned");
        }
    }

    xmlSubstituteEntitiesDefault(old_subst);
    xmlKeepBlanksDefault(old_blanks);
    xmlPedanticParserDefault(old_pedantic);
    xmlLoadExtDtdDefaultValue = old_load;
    xmlDoValidityCheckingDefaultValue = old_valid;
    xmlGetWarningsDefaultValue = old_warn;
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Errors never reach stderr or libxml2's global handlers               */
/* ------------------------------------------------------------------ */

static void run_all_quietly(apr_pool_t *p, int *mismatches)
{
    apr_size_t i, n;
    mac_ad_request_t req;
    const char *reason;

    for (i = 0; i < NCASES; i++) {
        apr_size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
        if (run(p, cases[i].body, len, &req, &reason) != cases[i].status)
            (*mismatches)++;
    }
    /* every strict prefix of a valid body is rejected */
    n = strlen(outlook_body);
    for (i = 1; i < n; i++) {
        if (run(p, outlook_body, i, &req, &reason) == MAC_AD_OK)
            (*mismatches)++;
    }
}

static void test_quiet(void)
{
    apr_pool_t *p;
    char path[] = "/tmp/mac_adreq_stderr_XXXXXX";
    int fd, saved, mismatches = 0;
    struct stat sb;

    apr_pool_create(&p, root_pool);

    /* 1. global handlers: counters; nothing must reach them */
    generic_calls = structured_calls = 0;
    xmlSetGenericErrorFunc(NULL, count_generic);
    xmlSetStructuredErrorFunc(NULL, count_structured);
    run_all_quietly(p, &mismatches);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlSetGenericErrorFunc(NULL, NULL);
    is_int(mismatches, 0, "quiet run (global handlers set): same results");
    is_int(generic_calls, 0, "no error reached xmlGenericError");
    is_int(structured_calls, 0, "no error reached the global structured handler");

    /* 2. default handlers: stderr must stay empty */
    fd = mkstemp(path);
    ok(fd >= 0, "stderr capture file created");
    if (fd < 0) {
        apr_pool_destroy(p);
        return;
    }
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    mismatches = 0;
    run_all_quietly(p, &mismatches);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fstat(fd, &sb);
    close(fd);
    is_int(mismatches, 0, "quiet run (default handlers): same results");
    is_int(sb.st_size, 0, "nothing written to stderr for malformed inputs");
    unlink(path);
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Threads                                                              */
/* ------------------------------------------------------------------ */

#define NTHREADS 8
#define NITER 300

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    int *bad = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged(&p);
    for (i = 0; i < NITER; i++) {
        const adcase_t *c = &cases[(i * 7 + (int)(apr_uintptr_t)bad) % NCASES];
        mac_ad_request_t req;
        const char *reason;
        apr_size_t len = c->len ? c->len : strlen(c->body);
        mac_ad_status_e rv = run(p, c->body, len, &req, &reason);
        if (rv != c->status)
            (*bad)++;
        else if (rv == MAC_AD_OK && strcmp(req.email, c->email) != 0)
            (*bad)++;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    /* plain return rather than apr_thread_exit(): pthread_exit()'s forced
     * unwind leaves ASan stack poisoning behind (gcc 12 false positive) */
    (void)t;
    return NULL;
}

static void test_threads(void)
{
    apr_thread_t *th[NTHREADS];
    int bad[NTHREADS];
    int i, total = 0;
    apr_status_t rv;

    for (i = 0; i < NTHREADS; i++) {
        bad[i] = 0;
        if (apr_thread_create(&th[i], NULL, worker, &bad[i], root_pool) != APR_SUCCESS)
            th[i] = NULL;
    }
    for (i = 0; i < NTHREADS; i++) {
        if (th[i] != NULL)
            apr_thread_join(&rv, th[i]);
        else
            total++;
        total += bad[i];
    }
    is_int(total, 0, "concurrent parses in 8 threads give the same results");
}

/* ------------------------------------------------------------------ */
/* Arguments                                                            */
/* ------------------------------------------------------------------ */

static void test_arguments(void)
{
    apr_pool_t *p;
    mac_ad_request_t req;
    const char *reason;

    apr_pool_create(&p, root_pool);
    is_int(mac_ad_parse(NULL, outlook_body, strlen(outlook_body), &req, &reason), MAC_AD_ERR_MALFORMED, "NULL pool");
    is_int(mac_ad_parse(p, outlook_body, strlen(outlook_body), NULL, &reason), MAC_AD_ERR_MALFORMED, "NULL req");
    is_int(mac_ad_parse(p, NULL, 5, &req, &reason), MAC_AD_ERR_MALFORMED, "NULL body with length");
    is_int(mac_ad_parse(p, NULL, 0, &req, &reason), MAC_AD_ERR_EMPTY, "NULL body, zero length");
    is_int(mac_ad_parse(p, outlook_body, strlen(outlook_body), &req, NULL), MAC_AD_OK, "NULL reason allowed");
    is_str(req.email, "alice@example.com", "NULL reason: email still set");
    reason = NULL;
    mac_ad_parse(p, outlook_body, strlen(outlook_body), &req, &reason);
    is_str(reason, "ok", "reason on success is \"ok\"");
    /* a body that is not NUL-terminated: parse only len bytes */
    {
        apr_size_t n = strlen(thunderbird_body);
        char *copy = apr_palloc(p, n + 5);
        memcpy(copy, thunderbird_body, n);
        memcpy(copy + n, "<junk", 5);
        is_int(mac_ad_parse(p, copy, n, &req, &reason), MAC_AD_OK, "unterminated buffer parsed to len only");
    }
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Query fragment                                                       */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *in;
    apr_size_t len;   /* 0: strlen */
    int match;
    const char *email;
} qcase_t;

static const qcase_t qcases[] = {
    { "plain", "<EMailAddress>you@example.com</EMailAddress>", 0, 1, "you@example.com" },
    { "surrounding whitespace", " \r\n\t<EMailAddress>you@example.com</EMailAddress>\n ", 0, 1, "you@example.com" },
    { "spaces inside the value trimmed", "<EMailAddress>  you@example.com  </EMailAddress>", 0, 1, "you@example.com" },
    { "non-ASCII value", "<EMailAddress>j\xC3\xB6rg@example.de</EMailAddress>", 0, 1, "j\xC3\xB6rg@example.de" },
    { "entity not decoded", "<EMailAddress>a&amp;b@x</EMailAddress>", 0, 1, "a&amp;b@x" },
    { "nested <", "<EMailAddress>a<b>@x</EMailAddress>", 0, 0, NULL },
    { "nested element", "<EMailAddress><EMailAddress>a@x</EMailAddress></EMailAddress>", 0, 0, NULL },
    { "> in value", "<EMailAddress>a>b@x</EMailAddress>", 0, 0, NULL },
    { "wrong element name", "<EmailAddress>you@example.com</EmailAddress>", 0, 0, NULL },
    { "wrong close tag", "<EMailAddress>you@example.com</EmailAddress>", 0, 0, NULL },
    { "lower-case element", "<emailaddress>you@example.com</emailaddress>", 0, 0, NULL },
    { "attribute on tag", "<EMailAddress x=\"1\">you@example.com</EMailAddress>", 0, 0, NULL },
    { "space in tag", "<EMailAddress >you@example.com</EMailAddress>", 0, 0, NULL },
    { "trailing junk", "<EMailAddress>you@example.com</EMailAddress>junk", 0, 0, NULL },
    { "leading junk", "x<EMailAddress>you@example.com</EMailAddress>", 0, 0, NULL },
    { "two fragments", "<EMailAddress>a@x</EMailAddress><EMailAddress>b@x</EMailAddress>", 0, 0, NULL },
    { "empty value", "<EMailAddress></EMailAddress>", 0, 0, NULL },
    { "whitespace value", "<EMailAddress> \t </EMailAddress>", 0, 0, NULL },
    { "missing close tag", "<EMailAddress>you@example.com", 0, 0, NULL },
    { "only close tag", "</EMailAddress>", 0, 0, NULL },
    { "too short", "<EMailAddress>", 0, 0, NULL },
    { "empty string", "", 0, 0, NULL },
    { "plain address", "you@example.com", 0, 0, NULL },
    { "NUL in value", "<EMailAddress>a\0b@x</EMailAddress>", LEN("<EMailAddress>a\0b@x</EMailAddress>"), 0, NULL },
    { "NUL after fragment", "<EMailAddress>a@x</EMailAddress>\0", LEN("<EMailAddress>a@x</EMailAddress>\0"), 0, NULL },
    { "len shorter than string", "<EMailAddress>a@x</EMailAddress>trailing", LEN("<EMailAddress>a@x</EMailAddress>"), 1, "a@x" },
    { "CDATA-looking value", "<EMailAddress><![CDATA[a@x]]></EMailAddress>", 0, 0, NULL },
};

static void test_query_fragment(void)
{
    apr_pool_t *p;
    apr_size_t i;
    const char *email;
    char *big;

    apr_pool_create(&p, root_pool);
    for (i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++) {
        const qcase_t *q = &qcases[i];
        apr_size_t len = q->len ? q->len : strlen(q->in);
        int m;
        email = SENTINEL;
        m = mac_ad_query_fragment(p, q->in, len, &email);
        is_int(m, q->match, apr_psprintf(p, "query fragment: %s", q->name));
        if (q->match)
            is_str(email, q->email, apr_psprintf(p, "query fragment: %s: email", q->name));
        else
            ok(email == NULL, "query fragment: %s: email NULL", q->name);
    }
    big = apr_pstrcat(p, "<EMailAddress>", repeat(p, "a", MAC_AD_MAX_TEXT + 1), "</EMailAddress>", NULL);
    email = SENTINEL;
    is_int(mac_ad_query_fragment(p, big, strlen(big), &email), 0, "query fragment: value too long");
    ok(email == NULL, "query fragment: value too long: email NULL");
    big = apr_pstrcat(p, "<EMailAddress>", repeat(p, "a", MAC_AD_MAX_TEXT), "</EMailAddress>", NULL);
    is_int(mac_ad_query_fragment(p, big, strlen(big), &email), 1, "query fragment: MAC_AD_MAX_TEXT value accepted");
    is_int(mac_ad_query_fragment(p, NULL, 10, &email), 0, "query fragment: NULL input");
    is_int(mac_ad_query_fragment(p, "<EMailAddress>a@x</EMailAddress>", 32, NULL), 0, "query fragment: NULL out");
    is_int(mac_ad_query_fragment(NULL, "<EMailAddress>a@x</EMailAddress>", 32, &email), 0, "query fragment: NULL pool");
    apr_pool_destroy(p);
}

/* ------------------------------------------------------------------ */

/* Which request namespace a request came in. */
static void test_mobilesync_flag(void)
{
    static const char outlook[] =
        "<Autodiscover xmlns=\"" NS "\"><Request>"
        "<EMailAddress>o@example.com</EMailAddress></Request></Autodiscover>";
    static const char eas[] =
        "<Autodiscover xmlns=\"" MAC_AD_NS_REQUEST_MOBILESYNC "\"><Request>"
        "<EMailAddress>m@example.com</EMailAddress></Request></Autodiscover>";
    mac_ad_request_t req;
    apr_pool_t *p;

    apr_pool_create(&p, root_pool);
    is_int(mac_ad_parse(p, outlook, LEN(outlook), &req, NULL), MAC_AD_OK,
           "Outlook request parses");
    is_int(req.mobilesync, 0, "Outlook request: not mobilesync");
    is_int(mac_ad_parse(p, eas, LEN(eas), &req, NULL), MAC_AD_OK,
           "ActiveSync request parses");
    is_int(req.mobilesync, 1, "ActiveSync request: mobilesync");
    is_str(req.email, "m@example.com", "ActiveSync request: the address");
    apr_pool_destroy(p);
}

int main(void)
{
    apr_size_t i;

    apr_initialize();
    apr_pool_create(&root_pool, NULL);
    mac_ad_init();
    plan_no_plan();

    for (i = 0; i < NCASES; i++)
        check_case(&cases[i]);
    test_limits();
    test_nothing_is_read("defaults");
    test_hostile_globals();
    test_quiet();
    test_threads();
    test_arguments();
    test_query_fragment();
    test_mobilesync_flag();

    apr_pool_destroy(root_pool);
    apr_terminate();
    return done_testing();
}
