/* The program's and the linked libraries' versions, for --version and the
 * log (a court reads which code produced a disc). */
#ifndef PBC_VERSION_H
#define PBC_VERSION_H

#include <stddef.h>

/* "prepare_bodycam 0.1.0" */
const char *pbc_version(void);

/* One line: "libavformat 59.27.100, libavcodec 59.37.100, ..., jansson
 * 2.14, OpenSSL 3.0.x" of the libraries actually linked (run-time
 * versions). Returns buf. */
const char *pbc_library_versions(char *buf, size_t size);

#endif
