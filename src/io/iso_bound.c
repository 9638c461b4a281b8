/* The file system's share of an image (iso_image.h, iso_overhead_bound),
 * kept apart from the libisofs code: it is pure arithmetic, used by the
 * planner before anything is written. docs/design.md "Disc image" derives
 * every constant and gives the measured images. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "io/iso_image.h"

/* System area (16 sectors), the primary and Joliet volume descriptors and
 * the terminator (3), the four path tables (L and M, ISO and Joliet: 4),
 * the Rock Ridge ER entry's continuation sector, then twice that for what
 * a libisofs release may add (a tail, an alignment): 64 sectors. */
#define ISO_FIXED_BYTES (64 * 2048)
/* A directory: its ISO 9660 and Joliet extents (a sector each at least),
 * the sector of its continuation area, its "." and ".." records with their
 * Rock Ridge fields, and its four path table entries (at most 8 + 206 + 1
 * bytes each, Joliet names being up to 103 UCS-2 characters): 4 sectors. */
#define ISO_DIR_BYTES (4 * 2048)
/* A directory record: ISO 9660 at most 255 bytes (33 + a 31-character
 * name + ";1" + Rock Ridge fields that fit), Joliet at most 33 + 2 x 103 + 1;
 * records never cross a sector, so a sector of 7 or more records wastes at
 * most 254 bytes: 320 each. The Rock Ridge fields that do not fit go to
 * the continuation area: PX 44, TF 26, NM of a 255-byte name in two parts
 * 265, CE 28 = 363 bytes, and pieces never cross a sector: 512. */
#define ISO_RECORD_BYTES (320 + 512 + 320)
/* libisofs' largest extent of a multi-extent file: 4 GiB - 2 KiB. */
#define ISO_EXTENT_BYTES (INT64_C(0xFFFFFFFF) / 2048 * 2048)

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0)
        return 0;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

int64_t iso_overhead_bound(int64_t nb_files, int64_t nb_dirs, int64_t extra_extents)
{
    int64_t records = sat_add(nb_files > 0 ? nb_files : 0, extra_extents > 0 ? extra_extents : 0);
    return sat_add(sat_add(ISO_FIXED_BYTES, sat_mul(nb_dirs, ISO_DIR_BYTES)),
                   sat_mul(records, ISO_RECORD_BYTES));
}

int64_t iso_extra_extents(int64_t data_bytes)
{
    return data_bytes > 0 ? data_bytes / ISO_EXTENT_BYTES : 0;
}

/* Printable UTF-8, as the progress file and Joliet can hold it. */
int iso_label_valid(const char *text)
{
    const unsigned char *u = (const unsigned char *)text;
    size_t n = strlen(text);
    if (n == 0 || n > ISO_LABEL_MAX)
        return 0;
    while (*u) {
        int len = *u < 0x80 ? 1 : (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3 :
                  (*u & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || (*u < 0x80 && (*u < 0x20 || *u == 0x7f)))
            return 0;
        for (int k = 1; k < len; k++)
            if ((u[k] & 0xC0) != 0x80)
                return 0;
        if (len == 2 && *u < 0xC2)
            return 0;
        u += len;
    }
    return 1;
}

void iso_label_default(time_t t, char out[ISO_LABEL_DEFAULT_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, ISO_LABEL_DEFAULT_LEN, "BODYCAM_%Y%m%d", &tm);
}
