// The C side of ThorFrames' PNG and hashing: every libpng call happens here, behind setjmp, and
// comes back to Swift as a status code plus a message. A corrupt or truncated file is an error
// code, never a longjmp through Swift frames (undefined behaviour) and never an abort.
#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H

#include <stddef.h>
#include <stdint.h>

#define CPNG_MESSAGE_SIZE 160

/// What a PNG's IHDR chunk says.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    /// PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
    int color_type;
    int interlace;
} cpng_header;

/// Reads the signature and IHDR (the first 33 bytes) with libpng, which checks the IHDR's CRC
/// and field values. Only those bytes are looked at. Returns 0, or -1 with `message` set.
int cpng_read_header(const uint8_t *data, size_t size, cpng_header *header, char message[CPNG_MESSAGE_SIZE]);

/// Walks the chunk structure of a whole file without decoding: every chunk inside the file,
/// every CRC correct, an IEND chunk last. Catches truncation and corruption anywhere, cheaply.
int cpng_check_chunks(const uint8_t *data, size_t size, char message[CPNG_MESSAGE_SIZE]);

/// Decodes a whole PNG to 8-bit RGB (channels 3) or RGBA (channels 4), whatever its format
/// (palette, grey, 16-bit and interlaced images are converted). `*pixels` is malloc'd; free it
/// with `cpng_free`. Returns 0, or -1 with `message` set.
int cpng_decode(const uint8_t *data, size_t size, int channels, uint8_t **pixels, uint32_t *width, uint32_t *height,
                char message[CPNG_MESSAGE_SIZE]);

/// Encodes 8-bit RGB (channels 3) or RGBA (channels 4) rows to a PNG in memory; `*png` is
/// malloc'd (free with `cpng_free`). `level` is zlib's compression level (0-9).
int cpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int level, uint8_t **png,
                size_t *png_size, char message[CPNG_MESSAGE_SIZE]);

void cpng_free(void *pointer);

/// SHA-256 of a buffer (OpenSSL's libcrypto: uses the CPU's SHA instructions where present).
void cpng_sha256(const uint8_t *data, size_t size, uint8_t digest[32]);

#endif
