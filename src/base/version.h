/* The program's and the linked libraries' versions, for --version and the
 * log (a court reads which code produced a disc). The one source of the
 * text: the CLI prints these components one a line, the log joins them. */
#ifndef PBC_VERSION_H
#define PBC_VERSION_H

#include <stddef.h>

/* "prepare_bodycam 0.1.0" */
const char *pbc_version(void);

/* The linked components, release first: FFmpeg, its libraries, jansson,
 * OpenSSL, libisofs. */
#define PBC_NB_COMPONENTS 9

/* Component k (0 <= k < PBC_NB_COMPONENTS) with its run-time version:
 * "FFmpeg 5.1.x", "libavformat 59.27.100", ..., "jansson 2.14", "OpenSSL
 * 3.0.x ...", "libisofs 1.5.4". Returns buf. */
const char *pbc_component_version(int k, char *buf, size_t size);

/* One line: "libavformat 59.27.100, libavcodec 59.37.100, ..., FFmpeg
 * 5.1.x, jansson 2.14, OpenSSL 3.0.x, libisofs 1.5.4" of the libraries actually linked.
 * Returns buf. */
const char *pbc_library_versions(char *buf, size_t size);

#endif
