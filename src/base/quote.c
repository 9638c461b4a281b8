/* See quote.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/quote.h"

#define QUOTE_SHOWN_MAX 60

size_t pbc_utf8_char_len(const unsigned char *u, size_t avail)
{
    uint32_t cp;
    size_t n, k;
    if (u[0] < 0x80)
        return u[0] >= 0x20 && u[0] != 0x7f;
    if (u[0] >= 0xc2 && u[0] <= 0xdf)
        n = 1, cp = u[0] & 0x1f;
    else if (u[0] >= 0xe0 && u[0] <= 0xef)
        n = 2, cp = u[0] & 0x0f;
    else if (u[0] >= 0xf0 && u[0] <= 0xf4)
        n = 3, cp = u[0] & 0x07;
    else
        return 0;
    if (avail <= n)
        return 0;
    for (k = 1; k <= n; k++) {
        if ((u[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return n + 1;
}

/* The common loop: a quote mark (0 for none) adds the marks, the escapes
 * of the mark and of '\\', and the cut; all escape what is not printable
 * UTF-8. */
static const char *escape(char *buf, size_t size, const char *s, size_t len, char quoted)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0, n;
    if (size < 8) {
        if (size)
            buf[0] = 0;
        return buf;
    }
    if (quoted)
        buf[o++] = quoted;
    while (i < len) {
        n = pbc_utf8_char_len(u + i, len - i);
        if ((quoted && i >= QUOTE_SHOWN_MAX) || o + (n ? n : 4) + 5 >= size) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (!n) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[i]);
            n = 1;
        } else if (quoted && (u[i] == (unsigned char)quoted || u[i] == '\\')) {
            buf[o++] = '\\';
            buf[o++] = (char)u[i];
        } else {
            memcpy(buf + o, u + i, n);
            o += n;
        }
        i += n;
    }
    if (quoted)
        buf[o++] = quoted;
    buf[o] = 0;
    return buf;
}

const char *pbc_quote(char *buf, size_t size, const char *s, size_t len)
{
    return escape(buf, size, s, len, '"');
}

const char *pbc_quote_arg(char *buf, size_t size, const char *s)
{
    return escape(buf, size, s, strlen(s), '\'');
}

const char *pbc_escape_line(char *buf, size_t size, const char *s)
{
    return escape(buf, size, s, strlen(s), 0);
}
