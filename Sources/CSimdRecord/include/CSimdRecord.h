// The fields of one grade input line that thor-lite reads, extracted with simdjson (Debian's
// libsimdjson-dev). The caller (ThorGrade's GradeInputReader) turns them into a GradeRecord; a line
// this reader declines is read again by ThorJSON, which then gives the error with its line and
// field, so both readers accept exactly the same lines with the same values.
#ifndef CSIMDRECORD_H
#define CSIMDRECORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// UTF-8 bytes owned by the reader, valid until the thread's next `simd_record_parse`.
/// `bytes` is NULL for a field that is absent or null.
typedef struct {
    const char *bytes;
    size_t length;
} simd_record_text;

/// A list of strings: `texts[start ..< start + count]` of the record; `present` is 0 when the field
/// is absent or null (for `legal_objects`: when it was not read, see the .cpp).
typedef struct {
    int32_t present;
    uint32_t start;
    uint32_t count;
} simd_record_list;

/// The recorded `success` as the reference's two tests see it (`RecordedSuccess`).
typedef enum { SIMD_RECORD_ZERO = 0, SIMD_RECORD_TRUTHY = 1, SIMD_RECORD_FALSY_NON_ZERO = 2 } simd_record_success;

typedef enum { SIMD_RECORD_ABSENT = 0, SIMD_RECORD_NULL = 1, SIMD_RECORD_INTEGER = 2, SIMD_RECORD_STRING = 3 } simd_record_identity_kind;

typedef struct {
    simd_record_text action;
    simd_record_text object;
    int32_t success;
    simd_record_list legal_objects;
} simd_record_entry;

typedef struct {
    int32_t identity_kind;
    int64_t identity_integer;
    simd_record_text identity_text;
    simd_record_text model, scene, task_type, task_name;
    simd_record_list key_actions, actions, responses;
    /// `trajectory` is present (non-null); its entries are `entries[0 ..< entry_count]`.
    int32_t has_trajectory;
    const simd_record_entry *entries;
    size_t entry_count;
    const simd_record_text *texts;
} simd_record;

/// Reads one line (without its newline). `readable` is how many bytes from `line` may be read
/// (simdjson reads up to 64 past the end; with fewer the line is copied). Returns 1 and fills
/// `out` when the line is valid JSON of the usual shape; 0 when ThorJSON must read it (invalid
/// JSON, invalid UTF-8, deep nesting, a very long line, a field of an unusual type or number form).
int simd_record_parse(const uint8_t *line, size_t length, size_t readable, simd_record *out);

#ifdef __cplusplus
}
#endif

#endif
