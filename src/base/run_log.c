#include <stdio.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/run_log.h"
#include "base/version.h"

void run_log_header(struct pbc_log *lg, int dry_run, int argc, char *const *argv)
{
    char line[4096], libs[512];
    size_t used = 0;
    log_info(lg, "%s starting%s", pbc_version(), dry_run ? " (dry run: nothing is written)" : "");
    log_info(lg, "libraries: %s", pbc_library_versions(libs, sizeof(libs)));
    line[0] = '\0';
    for (int i = 0; i < argc && used < sizeof(line); i++)
        used += (size_t)snprintf(line + used, sizeof(line) - used, "%s'%s'", i ? " " : "", argv[i]);
    log_info(lg, "arguments: %s", line);
}

void run_log_finished(struct pbc_log *lg, const struct timespec *started, int ret)
{
    char buf[128];
    struct timespec now;
    if (!lg)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = (now.tv_sec - started->tv_sec) + (now.tv_nsec - started->tv_nsec) / 1e9;
    log_info(lg, "finished in %.1f s: exit code %d (%s)", elapsed, pbc_exit_code(ret),
             ret ? pbc_strerror(ret, buf, sizeof(buf)) : "success");
}
