/* SHA-256, streaming. Backed by OpenSSL's libcrypto (SHA-NI/AVX2 code
 * paths); see docs/BENCHMARKS.md for the measurement behind the choice. */
#ifndef PBC_SHA256_H
#define PBC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX_LEN 64 /* plus the terminating NUL */

struct pbc_sha256;

/* Returns NULL on ENOMEM. */
struct pbc_sha256 *sha256_alloc(void);
void sha256_update(struct pbc_sha256 *s, const void *data, size_t len);
/* Writes the digest; the context is reset and may be reused. */
void sha256_final(struct pbc_sha256 *s, uint8_t digest[SHA256_BYTES]);
void sha256_free(struct pbc_sha256 **s);

/* Lower-case hex of a digest into out[SHA256_HEX_LEN + 1]. */
void sha256_hex(const uint8_t digest[SHA256_BYTES], char out[SHA256_HEX_LEN + 1]);

/* 1 when s is 64 lower-case hex digits. */
int sha256_hex_valid(const char *s);

/* The alignment of sha256_fd's buffer, enough for O_DIRECT. */
#define SHA256_FD_ALIGN 4096

/* A source of bytes for sha256_stream: reads up to len bytes into buf and
 * returns how many, 0 at the end, or a negative code. */
typedef int64_t (*sha256_read_fn)(void *reader, uint8_t *buf, size_t len);

/* The one file-hashing read loop: hashes what read_fn(reader, ...) returns
 * until its end, chunk bytes at a time into a buffer aligned to
 * SHA256_FD_ALIGN; calls progress(opaque, bytes so far) after each chunk
 * when progress is not NULL; polls pbc_interrupted after each read.
 * Returns 0 with digest and *size (may be NULL) set, the reader's code,
 * AVERROR(ENOMEM) or PBC_E_INTERRUPTED. */
int sha256_stream(sha256_read_fn read_fn, void *reader, size_t chunk,
                  uint8_t digest[SHA256_BYTES], int64_t *size,
                  void (*progress)(void *opaque, int64_t done), void *opaque);

/* sha256_stream of fd from offset 0 to its end (pread: fd's position does
 * not matter); chunk a multiple of SHA256_FD_ALIGN for an O_DIRECT fd. */
int sha256_fd(int fd, size_t chunk, uint8_t digest[SHA256_BYTES], int64_t *size,
              void (*progress)(void *opaque, int64_t done), void *opaque);

/* Hashes a whole file (opened read-only, O_NOATIME where permitted).
 * Returns 0, AVERROR(errno), or PBC_E_INTERRUPTED when pbc_interrupted is
 * set. */
int sha256_file(const char *path, uint8_t digest[SHA256_BYTES]);

#endif
