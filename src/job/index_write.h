/* Writing index.html at completion: reads each disc file once (its
 * streams, its tags, the poster frame), the original's tags when it is
 * still the file the job read, and writes the page atomically. */
#ifndef PBC_INDEX_WRITE_H
#define PBC_INDEX_WRITE_H

#include <stddef.h>

#include "state/index_page.h"
#include "base/log.h"

/* What index_page_write reports for the log. */
struct index_result {
    size_t bytes;            /* the page */
    size_t thumbs, thumb_bytes; /* thumbnails made, their JPEG bytes */
    char sha256[SHA256_HEX_LEN + 1];
};

/* Writes build_dir/index.html for job (every clip done). A clip whose file
 * cannot be read, or whose frame cannot be decoded, is shown without the
 * missing facts or thumbnail (with a warning in lg); failing to write the
 * page is an error. Returns 0 or a negative AVERROR (logged). */
int index_page_write(const struct index_job *job, struct pbc_log *lg, struct index_result *res);

#endif
