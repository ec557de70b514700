#include "cpng_shim.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/// Reading state handed to libpng's read callback and error handler.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *message;
} reader;

static void set_message(char *message, const char *text) {
    snprintf(message, CPNG_MESSAGE_SIZE, "%s", text);
}

static void on_error(png_structp png, png_const_charp text) {
    reader *state = (reader *)png_get_error_ptr(png);
    if (state && state->message) set_message(state->message, text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_bytes(png_structp png, png_bytep out, size_t length) {
    reader *state = (reader *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        png_error(png, "file ends early (truncated)");
    }
    memcpy(out, state->data + state->offset, length);
    state->offset += length;
}

static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int cpng_read_header(const uint8_t *data, size_t size, cpng_header *header, char message[CPNG_MESSAGE_SIZE]) {
    message[0] = 0;
    if (size < 8 || memcmp(data, signature, 8) != 0) {
        set_message(message, "not a PNG file (no PNG signature)");
        return -1;
    }
    if (size < 33) {
        set_message(message, "file ends inside the IHDR chunk (truncated)");
        return -1;
    }
    // libpng has no "IHDR only" call: png_read_info reads on to the first IDAT. Handing it just
    // the 33 bytes of signature + IHDR makes it stop when it asks for the next chunk; by then
    // IHDR has been parsed and its CRC checked.
    reader state = {data, 33, 0, message};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!png) {
        set_message(message, "libpng could not allocate a reader");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_message(message, "libpng could not allocate a reader");
        return -1;
    }
    png_set_read_fn(png, &state, read_bytes);
    int status = -1;
    if (setjmp(png_jmpbuf(png)) == 0) {
        png_read_info(png, info);
    }
    // Reaching the end of the 33 bytes is the expected way out; anything earlier is an error
    // libpng found in the signature or IHDR (bad CRC, zero width, bad depth...).
    if (state.offset == 33 && png_get_image_width(png, info) > 0) {
        header->width = png_get_image_width(png, info);
        header->height = png_get_image_height(png, info);
        header->bit_depth = png_get_bit_depth(png, info);
        header->color_type = png_get_color_type(png, info);
        header->interlace = png_get_interlace_type(png, info);
        status = 0;
    } else if (message[0] == 0) {
        set_message(message, "no valid IHDR chunk");
    }
    png_destroy_read_struct(&png, &info, NULL);
    return status;
}

static uint32_t big_endian(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
}

int cpng_check_chunks(const uint8_t *data, size_t size, char message[CPNG_MESSAGE_SIZE]) {
    if (size < 8 || memcmp(data, signature, 8) != 0) {
        set_message(message, "not a PNG file (no PNG signature)");
        return -1;
    }
    size_t offset = 8;
    int chunks = 0;
    while (offset < size) {
        if (size - offset < 12) {
            snprintf(message, CPNG_MESSAGE_SIZE, "file ends inside a chunk header at byte %zu (truncated)", offset);
            return -1;
        }
        uint32_t length = big_endian(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7fffffffu || (size_t)length > size - offset - 12) {
            snprintf(message, CPNG_MESSAGE_SIZE, "chunk '%.4s' at byte %zu runs past the end of the file (truncated)",
                     (const char *)type, offset);
            return -1;
        }
        uint32_t stored = big_endian(data + offset + 8 + length);
        uint32_t computed = (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, (uInt)(length + 4));
        if (stored != computed) {
            snprintf(message, CPNG_MESSAGE_SIZE, "chunk '%.4s' at byte %zu has a bad CRC (corrupt)", (const char *)type, offset);
            return -1;
        }
        if (chunks == 0 && memcmp(type, "IHDR", 4) != 0) {
            set_message(message, "first chunk is not IHDR (corrupt)");
            return -1;
        }
        chunks += 1;
        offset += 12 + (size_t)length;
        if (memcmp(type, "IEND", 4) == 0) return 0;
    }
    set_message(message, "no IEND chunk: the file ends early (truncated)");
    return -1;
}

int cpng_decode(const uint8_t *data, size_t size, int channels, uint8_t **pixels, uint32_t *width, uint32_t *height,
                char message[CPNG_MESSAGE_SIZE]) {
    *pixels = NULL;
    if (channels != 3 && channels != 4) {
        set_message(message, "channels must be 3 or 4");
        return -1;
    }
    if (size < 8 || memcmp(data, signature, 8) != 0) {
        set_message(message, "not a PNG file (no PNG signature)");
        return -1;
    }
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    // The simplified API runs its own setjmp inside libpng and reports failure in image.message.
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        set_message(message, image.message);
        return -1;
    }
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
    size_t bytes = PNG_IMAGE_SIZE(image);
    uint8_t *buffer = malloc(bytes > 0 ? bytes : 1);
    if (!buffer) {
        png_image_free(&image);
        set_message(message, "out of memory");
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        set_message(message, image.message);
        free(buffer);
        png_image_free(&image);
        return -1;
    }
    *pixels = buffer;
    *width = image.width;
    *height = image.height;
    return 0;
}

/// Where the encoder's bytes go: a growing malloc'd buffer.
typedef struct {
    uint8_t *data;
    size_t size, capacity;
    char *message;
} sink;

static void sink_error(png_structp png, png_const_charp text) {
    sink *state = (sink *)png_get_error_ptr(png);
    if (state && state->message) set_message(state->message, text);
    png_longjmp(png, 1);
}

static void sink_write(png_structp png, png_bytep bytes, size_t length) {
    sink *state = (sink *)png_get_io_ptr(png);
    if (length > state->capacity - state->size) {
        size_t capacity = state->capacity ? state->capacity : 65536;
        while (length > capacity - state->size) capacity *= 2;
        uint8_t *grown = realloc(state->data, capacity);
        if (!grown) png_error(png, "out of memory");
        state->data = grown;
        state->capacity = capacity;
    }
    memcpy(state->data + state->size, bytes, length);
    state->size += length;
}

int cpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int level, uint8_t **png,
                size_t *png_size, char message[CPNG_MESSAGE_SIZE]) {
    *png = NULL;
    *png_size = 0;
    if ((channels != 3 && channels != 4) || width == 0 || height == 0) {
        set_message(message, "an image needs 3 or 4 channels and a non-zero size");
        return -1;
    }
    sink out = {NULL, 0, 0, message};
    png_structp writer = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out, sink_error, on_warning);
    if (!writer) {
        set_message(message, "libpng could not allocate a writer");
        return -1;
    }
    png_infop info = png_create_info_struct(writer);
    if (!info) {
        png_destroy_write_struct(&writer, NULL);
        set_message(message, "libpng could not allocate a writer");
        return -1;
    }
    if (setjmp(png_jmpbuf(writer)) != 0) {
        png_destroy_write_struct(&writer, &info);
        free(out.data);
        return -1;
    }
    png_set_write_fn(writer, &out, sink_write, NULL);
    png_set_compression_level(writer, level < 0 ? 0 : level > 9 ? 9 : level);
    // Fast levels skip libpng's adaptive per-row filter search (five trial filters per row):
    // drawn pictures are flat colours, where the Sub filter alone compresses as well.
    if (level <= 3) png_set_filter(writer, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_IHDR(writer, info, width, height, 8, channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(writer, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t row = 0; row < height; row++) {
        png_write_row(writer, pixels + (size_t)row * stride);
    }
    png_write_end(writer, info);
    png_destroy_write_struct(&writer, &info);
    *png = out.data;
    *png_size = out.size;
    return 0;
}

void cpng_free(void *pointer) { free(pointer); }
