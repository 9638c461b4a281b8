/* What the CLI prints: --help, --version, and the lines the core logs
 * before a log is open (the sink of base/log.h). The only place that puts
 * the program's name in front of a message or points to --help. */
#include <inttypes.h>
#include <stdio.h>

#include "base/encode_settings.h"
#include "base/errors.h"
#include "base/version.h"
#include "cli/cli.h"

/* 25000000000 -> "25_000_000_000", as the user would type it. */
static const char *grouped(char *buf, size_t size, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRId64, v);
    size_t o = 0;
    for (int k = 0; k < n && o + 2 < size; k++) {
        if (k && (n - k) % 3 == 0)
            buf[o++] = '_';
        buf[o++] = digits[k];
    }
    buf[o] = '\0';
    return buf;
}

void cli_print_help(void)
{
    char disc[32], safety[32];
    printf(
"Usage: prepare_bodycam --build-dir DIR --logfile FILE [OPTION]... FILE...\n"
"       prepare_bodycam --resume PROGRESS --logfile FILE [OPTION]...\n"
"       prepare_bodycam --verify DIR|IMAGE [--logfile FILE]\n"
"\n"
"Fit a batch of body-camera clips on one optical disc: copy them bit-exact\n"
"when they fit, otherwise re-encode every clip to AV1 + Opus at one bitrate\n"
"calculated so that the whole build directory fits.\n"
"\n"
"Options (\"--flag VALUE\" and \"--flag=VALUE\" both work; each at most once):\n"
"  --build-dir DIR          where the outputs and progress.json are written\n"
"                           (required, except with --resume)\n"
"  --logfile FILE           log to append to, also echoed to stdout (required,\n"
"                           except with --verify or --dry-run)\n"
"  --disc-bytes N           capacity of the disc in bytes, > 0\n"
"                           (default %s)\n"
"  --safety-bytes N         head-room kept free, 0 or more, < --disc-bytes\n"
"                           (default %s)\n"
"  --delete-originals yes|no\n"
"                           delete the source clips after a run that exits 0\n"
"                           (default no)\n"
"  --resume FILE            resume the job of progress file FILE; values not\n"
"                           given come from FILE, input FILEs are ignored\n"
"  --dry-run                plan only (mode, bitrate), write nothing\n"
"  --no-index               write no index.html evidence page\n"
"  --preset N               SVT-AV1 preset, %d (slowest) to %d (fastest)\n"
"                           (default %d)\n"
"  --threads N              encoder threads in all, 0 = automatic (default 0)\n"
"  --balance bitrate|quality\n"
"                           ENCODE: one bitrate for every clip, or rates\n"
"                           that give every clip the same predicted\n"
"                           quality (default bitrate)\n"
"  --jobs N                 clips encoded at once, each with its share of\n"
"                           --threads; 0 = chosen from the cores, the clips'\n"
"                           resolution and the memory (default 0)\n"
"  --iso FILE               also write the build directory as an ISO 9660\n"
"                           image FILE (and FILE.sha256) at the end\n"
"  --label TEXT             the image's volume label, up to 32 bytes\n"
"                           (default BODYCAM_YYYYMMDD)\n"
"  --verify DIR|IMAGE       check a finished build directory, an image file\n"
"                           or a disc device against its MANIFEST.json, exit\n"
"  -q, --quiet              log errors and warnings only\n"
"  -v, --verbose            log more detail\n"
"  -h, --help               show this help and exit\n"
"      --version            show the program and library versions and exit\n"
"  --                       end of options: what follows are FILEs\n"
"\n"
"Numbers are whole numbers of bytes; '_' may group digits (50_000_000_000).\n"
"\n"
"Exit codes:\n"
"  0  success: every clip processed, within the usable bytes\n"
"  1  usage error or missing dependency (also: bad input files, not enough\n"
"     free space in the build directory)\n"
"  2  finished, but the outputs exceed disc-bytes - safety-bytes\n"
"  3  progress file missing, corrupt or inconsistent with the arguments\n"
"  4  runtime error during copy/encode, or interrupted (progress saved,\n"
"     safe to --resume)\n"
"  5  --verify: a file does not match MANIFEST.json\n",
        grouped(disc, sizeof(disc), PBC_DEFAULT_DISC_BYTES),
        grouped(safety, sizeof(safety), PBC_DEFAULT_SAFETY_BYTES),
        ENC_PRESET_MIN, ENC_PRESET_MAX, ENC_PRESET_DEFAULT);
}

void cli_print_version(void)
{
    char buf[256];
    printf("%s\n", pbc_version());
    for (int k = 0; k < PBC_NB_COMPONENTS; k++)
        printf("%s\n", pbc_component_version(k, buf, sizeof(buf)));
}

void cli_report(enum log_level level, int err, const char *line)
{
    (void)level;
    fprintf(stderr, "prepare_bodycam: %s\n", line);
    if (err == PBC_E_USAGE)
        fputs("Try 'prepare_bodycam --help' for more information.\n", stderr);
}
