/* Reading an image or a burned disc with libisofs, for --verify: see
 * iso_image.h. Only the root directory is looked at: a build directory
 * is flat. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "io/iso_image.h"
#include "io/iso_internal.h"

struct iso_reader {
    IsoImage *image;
};

struct iso_reader_file {
    IsoStream *stream;
};

int iso_reader_open(const char *path, struct iso_reader **out, char *err, size_t errlen)
{
    struct iso_reader *r = calloc(1, sizeof(*r));
    IsoDataSource *src = NULL;
    IsoReadOpts *opts = NULL;
    int ret = iso_lib_init();
    *out = NULL;
    if (!r) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (ret < 0) {
        snprintf(err, errlen, "libisofs failed to initialise");
        goto end;
    }
    if ((ret = iso_data_source_new_from_file(path, &src)) < 0 ||
        (ret = iso_read_opts_new(&opts, 0)) < 0 || (ret = iso_image_new("", &r->image)) < 0) {
        snprintf(err, errlen, "%s", iso_error_to_msg(ret));
        ret = iso_lib_error(ret);
        goto end;
    }
    iso_read_opts_set_input_charset(opts, "UTF-8");
    /* The image is not modified, so the MD5 area and ACLs are not needed. */
    iso_read_opts_set_no_md5(opts, 1);
    if ((ret = iso_image_import(r->image, src, opts, NULL)) < 0) {
        snprintf(err, errlen, "not a readable ISO 9660 file system: %s", iso_error_to_msg(ret));
        ret = ret == (int)ISO_OUT_OF_MEM ? AVERROR(ENOMEM) : AVERROR(EINVAL);
        goto end;
    }
    *out = r;
    r = NULL;
    ret = 0;
end:
    if (opts)
        iso_read_opts_free(opts);
    if (src)
        iso_data_source_unref(src);
    iso_reader_close(&r);
    return ret;
}

void iso_reader_close(struct iso_reader **r)
{
    if (!*r)
        return;
    if ((*r)->image)
        iso_image_unref((*r)->image);
    free(*r);
    *r = NULL;
}

int iso_reader_file_open(struct iso_reader *r, const char *name, struct iso_reader_file **f,
                         int64_t *size)
{
    IsoNode *node = NULL;
    IsoStream *stream;
    int ret = iso_dir_get_node(iso_image_get_root(r->image), name, &node);
    *f = NULL;
    if (ret < 0)
        return iso_lib_error(ret);
    if (ret == 0 || !node)
        return AVERROR(ENOENT);
    if (!ISO_NODE_IS_FILE(node))
        return AVERROR(EINVAL);
    stream = iso_file_get_stream((IsoFile *)node);
    if ((ret = iso_stream_open(stream)) < 0)
        return iso_lib_error(ret);
    if (!(*f = malloc(sizeof(**f)))) {
        iso_stream_close(stream);
        return AVERROR(ENOMEM);
    }
    (*f)->stream = stream;
    *size = iso_stream_get_size(stream);
    return 0;
}

ssize_t iso_reader_file_read(struct iso_reader_file *f, void *buf, size_t n)
{
    /* iso_stream_read returns less than asked only at the end. */
    int ret = iso_stream_read(f->stream, buf, n > (1 << 30) ? (1 << 30) : n);
    return ret < 0 ? iso_lib_error(ret) : ret;
}

void iso_reader_file_close(struct iso_reader_file **f)
{
    if (!*f)
        return;
    iso_stream_close((*f)->stream);
    free(*f);
    *f = NULL;
}

int iso_reader_list(struct iso_reader *r, void (*fn)(void *opaque, const char *name),
                    void *opaque)
{
    IsoDirIter *iter = NULL;
    IsoNode *node;
    int ret = iso_dir_get_children(iso_image_get_root(r->image), &iter);
    if (ret < 0)
        return iso_lib_error(ret);
    while (iso_dir_iter_next(iter, &node) == 1)
        fn(opaque, iso_node_get_name(node));
    iso_dir_iter_free(iter);
    return 0;
}
