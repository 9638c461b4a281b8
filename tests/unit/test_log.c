/* The one way to report (base/log.h): a line logged with no log goes to the
 * sink the CLI installs, with the code it reports; with a log it goes to
 * the log file and not to the sink. And the one source of version text
 * (base/version.h) behind --version and the log's library line. */
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/quote.h"
#include "base/version.h"
#include "cli/cli.h"
#include "check.h"

static struct {
    int calls;
    enum log_level level;
    int err;
    char line[512];
} got;

static void capture(enum log_level level, int err, const char *line)
{
    got.calls++;
    got.level = level;
    got.err = err;
    snprintf(got.line, sizeof(got.line), "%s", line);
}

static void reset(void)
{
    memset(&got, 0, sizeof(got));
    log_set_sink(capture);
}

static void test_fail_without_log_reaches_sink(void)
{
    reset();
    CHECK_INT(log_fail(NULL, PBC_E_USAGE, "%s: %s", "in/a.mp4", "gone\n"), PBC_E_USAGE);
    CHECK_INT(got.calls, 1);
    CHECK_INT(got.level, PBC_LOG_ERROR);
    CHECK_INT(got.err, PBC_E_USAGE);
    CHECK_STR(got.line, "in/a.mp4: gone");
}

static void test_plain_line_has_no_code(void)
{
    reset();
    log_warn(NULL, "plain %d", 7);
    CHECK_INT(got.calls, 1);
    CHECK_INT(got.level, PBC_LOG_WARN);
    CHECK_INT(got.err, 0);
    CHECK_STR(got.line, "plain 7");
}

static void test_sink_gets_escaped_line(void)
{
    char want[64];
    reset();
    log_error(NULL, "bad\033[2Jname");
    pbc_escape_line(want, sizeof(want), "bad\033[2Jname");
    CHECK(strchr(got.line, '\033') == NULL);
    CHECK_STR(got.line, want);
}

/* With a log the line goes to its file, never to the sink. */
static void test_fail_with_log_goes_to_file(void)
{
    char path[] = "test_log.XXXXXX", text[512] = "";
    struct pbc_log *lg = NULL;
    int fd = mkstemp(path), out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
    FILE *f;
    CHECK(fd >= 0 && out >= 0 && null >= 0);
    reset();
    fflush(stdout);
    dup2(null, STDOUT_FILENO); /* the log echoes to stdout: keep TAP clean */
    CHECK_INT(log_open(&lg, path, 0), 0);
    CHECK_INT(log_fail(lg, PBC_E_PROGRESS, "resume %s", "x"), PBC_E_PROGRESS);
    log_close(&lg);
    fflush(stdout);
    dup2(out, STDOUT_FILENO);
    CHECK_INT(got.calls, 0);
    f = fopen(path, "r");
    CHECK(f && fgets(text, sizeof(text), f));
    CHECK(strstr(text, "[ERROR] resume x\n") != NULL);
    if (f)
        fclose(f);
    unlink(path);
    close(fd);
    close(out);
    close(null);
}

/* The CLI's sink: the program's name, and the --help hint for a usage
 * error only. */
static void test_cli_report(void)
{
    char path[] = "test_log_err.XXXXXX", text[512] = "";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    size_t n;
    CHECK(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    cli_report(PBC_LOG_ERROR, PBC_E_USAGE, "x: missing");
    cli_report(PBC_LOG_ERROR, PBC_E_PROGRESS, "y: bad");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    n = (size_t)pread(fd, text, sizeof(text) - 1, 0);
    text[n < sizeof(text) ? n : 0] = '\0';
    CHECK_STR(text, "prepare_bodycam: x: missing\n"
                    "Try 'prepare_bodycam --help' for more information.\n"
                    "prepare_bodycam: y: bad\n");
    unlink(path);
    close(fd);
    close(saved);
}

/* The log's library line is the components of --version, joined, with
 * FFmpeg's libraries before its release. */
static void test_versions_one_source(void)
{
    static const int order[PBC_NB_COMPONENTS] = { 1, 2, 3, 4, 5, 0, 6, 7, 8 };
    char line[1024], want[1024] = "", one[256];
    pbc_library_versions(line, sizeof(line));
    for (int i = 0; i < PBC_NB_COMPONENTS; i++) {
        pbc_component_version(order[i], one, sizeof(one));
        CHECK(one[0] != '\0');
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i ? ", " : "", one);
    }
    CHECK_STR(line, want);
    CHECK(!strncmp(pbc_component_version(0, one, sizeof(one)), "FFmpeg ", 7));
    CHECK(!strncmp(pbc_component_version(1, one, sizeof(one)), "libavformat ", 12));
    CHECK(!strncmp(pbc_component_version(6, one, sizeof(one)), "jansson ", 8));
    CHECK(!strncmp(pbc_component_version(7, one, sizeof(one)), "OpenSSL ", 8));
}

int main(void)
{
    RUN(test_fail_without_log_reaches_sink);
    RUN(test_plain_line_has_no_code);
    RUN(test_sink_gets_escaped_line);
    RUN(test_fail_with_log_goes_to_file);
    RUN(test_cli_report);
    RUN(test_versions_one_source);
    return check_done();
}
