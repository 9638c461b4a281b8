/* The one way untrusted bytes (file names, paths, arguments, whole message
 * lines) are shown in a message: anything but printable UTF-8 is escaped as
 * \xNN, so that a hostile name can neither forge nor split a line nor send
 * escape sequences to a terminal. Used by the log, the usage errors of the
 * command line and of the inputs, the progress loader and --verify. */
#ifndef PBC_QUOTE_H
#define PBC_QUOTE_H

#include <stddef.h>

/* Length of the character at u (at most avail bytes) when it is
 * well-formed UTF-8 and not a C0, DEL or C1 control; 0 otherwise. */
size_t pbc_utf8_char_len(const unsigned char *u, size_t avail);

/* Quotes len bytes of s into buf (size bytes, at least 8) as "...": bytes
 * that are not printable UTF-8 become \xNN, '"' and '\\' are escaped, and
 * a value longer than 60 bytes (or than buf) is cut with "...". Returns
 * buf. */
const char *pbc_quote(char *buf, size_t size, const char *s, size_t len);

/* The same with single quotes, for a command-line argument (as shells and
 * getopt messages show them). */
const char *pbc_quote_arg(char *buf, size_t size, const char *s);

/* The same escaping without the quotes and without the cut, for a whole
 * message line: only bytes that are not printable UTF-8 are changed (to
 * \xNN), so an ordinary line reads as written. Truncates to fit buf. */
const char *pbc_escape_line(char *buf, size_t size, const char *s);

/* pbc_quote of a C string into a caller's buffer. */
#define PBC_Q(buf, s) pbc_quote(buf, sizeof(buf), s, strlen(s))
#define PBC_QA(buf, s) pbc_quote_arg(buf, sizeof(buf), s)

#endif
