/* Driver of bench/progress_saves.sh: the saves of an N-clip COPY job alone
 * (one save after planning, then one per clip done), timed in-process, with
 * the bytes each save wrote. Built against the core's sources by the script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "state/progress.h"
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    const char *path = argc > 2 ? argv[2] : "/dev/shm/pb-progress.json";
    struct progress *p = progress_alloc();
    struct stat st;
    long long bytes = 0;
    p->disc_bytes = 25000000000LL; p->safety_bytes = 500000000; p->mode = MODE_COPY;
    p->build_dir = strdup("/tmp/bench-progress/build");
    for (int i = 0; i < n; i++) {
        char name[64], src[128];
        snprintf(name, sizeof name, "clip_%05d.mp4", i);
        snprintf(src, sizeof src, "/tmp/bench-progress/in/%s", name);
        progress_add_clip(p, name, src);
        p->clips[i].source_size = 2048; p->clips[i].source_mtime_ns = 1700000000000000000LL + i;
    }
    clock_t t0 = clock();
    if (progress_save(p, path) < 0) return 1;
    for (int i = 0; i < n; i++) {
        struct clip *c = &p->clips[i];
        memset(c->source_sha256, 'a', 64); c->source_sha256[64] = 0;
        memcpy(c->output_sha256, c->source_sha256, 65);
        c->output_size = 2048; c->status = CLIP_DONE;
        if (progress_save(p, path) < 0) return 1;
        stat(path, &st); bytes += st.st_size;
    }
    printf("driver: %d saves: CPU %.2f s, %lld bytes written, final %lld bytes\n", n + 1,
           (double)(clock() - t0) / CLOCKS_PER_SEC, bytes, (long long)st.st_size);
    return 0;
}
