/* Bench driver for COPY: copies each SRC into DIR the way the clip loop
 * does (copy_file to the partial name, then a durable rename) and prints
 * the SHA-256 of each copy. Built by bench/copy.sh.
 * Usage: copy_bench DIR SRC... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/copy.h"
#include "base/errors.h"
#include "io/fsutil.h"
#include "base/log.h"

int main(int argc, char **argv)
{
    struct pbc_log *lg = NULL;
    int ret = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: copy_bench DIR SRC...\n");
        return 1;
    }
    if (log_open(&lg, NULL, -1) < 0)
        return 1;
    for (int i = 2; i < argc && !ret; i++) {
        const char *slash = strrchr(argv[i], '/');
        char *dst = fs_join(argv[1], slash ? slash + 1 : argv[i]);
        char *tmp = dst ? fs_partial_path(dst) : NULL;
        struct copy_result r;
        char hex[SHA256_HEX_LEN + 1];
        if (!tmp)
            ret = AVERROR(ENOMEM);
        if (!ret)
            ret = copy_file(argv[i], tmp, &r, lg, NULL, NULL);
        if (!ret)
            ret = fs_rename_durable(tmp, dst);
        if (!ret) {
            sha256_hex(r.dst_sha256, hex);
            printf("%s  %s\n", hex, dst);
        }
        free(tmp);
        free(dst);
    }
    log_close(&lg);
    return ret < 0 ? 1 : 0;
}
