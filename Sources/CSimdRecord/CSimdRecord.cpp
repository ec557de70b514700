// Why simdjson, and why its DOM parser (docs/performance.md has the figures): on the full-shape
// results file (11 KB lines, half of each in `messages`, which the metric never reads), ThorJSON
// reads 1.1 GB in about 0.77 s of CPU, simdjson's DOM parser (with the conversion to Swift values)
// in about 0.37 s, simdjson's On-Demand selective read in about 0.26 s. An On-Demand variant of
// this file, measured in the whole process, saved about 0.1 s of its 1.3 s of CPU, but On-Demand
// does not check the values it skips: a line whose `messages` holds `tru` or `[1}` would be
// graded, where ThorJSON reports it. The DOM parser checks the whole line (RFC 8259, UTF-8), so a
// line is graded by either reader or by neither. A walk over stage 1's structurals doing stage 2's
// checks without its tape and string copies, reading the fields as spans of the line, was measured
// in the whole process too: about 3% less CPU, not worth a second validator (docs/performance.md).
//
// Every line this reader declines (returns 0) is read again by ThorJSON, which gives the error or
// the value. Declined: anything simdjson rejects (bad JSON, but also invalid UTF-8 and out-of-range
// numbers, which ThorJSON accepts), nesting deeper than kMaxDepth, lines longer than kMaxLine,
// and any field the grader reads that is not of the usual type (a fractional identity, a
// fractional `success` in a line with a run of more than 1000 number characters, a
// `legal_objects` that is not a list of strings, ...). What is accepted is read with ThorJSON's
// meaning, field by field (see GradeInputReader.readFields).
#include "CSimdRecord.h"

#include <simdjson.h>

#include <cstring>
#include <string_view>
#include <vector>

using namespace simdjson;

namespace {

// ThorJSON allows 512 levels; lines nested deeper than this go to it, so the two readers never
// disagree on a depth limit. Real lines nest 6 levels.
constexpr size_t kMaxDepth = 256;
// simdjson's parser keeps about 15 bytes per byte of the longest line it has read (structural
// index, tape, string buffer) until its thread ends: longer lines go to ThorJSON, so this reader
// holds at most ~16 MB per thread.
constexpr size_t kMaxLine = 1 << 20;
// Identities are whole numbers below this magnitude (ThorJSON's readWholeNumber).
constexpr int64_t kMaxIdentity = 9'000'000'000'000'000;

struct Reader {
    dom::parser parser{kMaxLine};
    bool allocated = false;
    std::vector<uint8_t> padded;
    std::vector<simd_record_entry> entries;
    std::vector<simd_record_text> texts;
    // The line being read, for `numbersAreShort`, and what it found (-1: not asked yet).
    const uint8_t *line = nullptr;
    size_t length = 0;
    int shortNumbers = -1;
};

thread_local Reader reader;

inline simd_record_text text(std::string_view value) { return {value.data(), value.size()}; }

inline simd_record_text none() { return {nullptr, 0}; }

// null or a string (ThorJSON's readOptionalString).
inline bool optionalString(dom::element value, simd_record_text &out) {
    if (value.is_null()) {
        out = none();
        return true;
    }
    std::string_view string;
    if (value.get_string().get(string)) return false;
    out = text(string);
    return true;
}

// An array of strings appended to `texts`; null reads as present-and-empty when `nullIsEmpty`
// (readStringList), as absent otherwise (`readNull() ? nil : readStringList()`).
inline bool stringList(dom::element value, bool nullIsEmpty, simd_record_list &out) {
    if (value.is_null()) {
        out = {nullIsEmpty ? 1 : 0, 0, 0};
        return true;
    }
    dom::array array;
    if (value.get_array().get(array)) return false;
    out = {1, uint32_t(reader.texts.size()), 0};
    for (dom::element item : array) {
        std::string_view string;
        if (item.get_string().get(string)) return false;
        reader.texts.push_back(text(string));
        out.count++;
    }
    return true;
}

// ThorJSON reads numbers of at most 1000 characters (JSONCursor.maxNumberLength) and reports
// longer ones; simdjson reads any length, and the DOM does not keep a number's text. So a
// fractional number is taken only when no run of number characters in the whole line is that
// long (a conservative test: a run inside a string counts too). Looked for once per line, and
// only in lines that hold a fractional `success`: about one line in fifty of the generated files,
// each of which ThorJSON read a second time while this reader declined them.
constexpr size_t kMaxNumberLength = 1000;

inline bool isNumberCharacter(uint8_t c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

// A run longer than kMaxNumberLength covers a multiple of kMaxNumberLength, so only the runs
// through those positions are measured: one byte in a thousand is looked at, plus the runs met
// there (each at most once: a run no longer than the limit holds at most one such position).
inline bool numbersAreShort() {
    if (reader.shortNumbers < 0) {
        reader.shortNumbers = 1;
        const uint8_t *line = reader.line;
        size_t length = reader.length;
        for (size_t probe = 0; probe < length; probe += kMaxNumberLength) {
            if (!isNumberCharacter(line[probe])) continue;
            size_t start = probe, end = probe + 1;
            while (start > 0 && isNumberCharacter(line[start - 1])) start--;
            while (end < length && isNumberCharacter(line[end])) end++;
            if (end - start > kMaxNumberLength) {
                reader.shortNumbers = 0;
                break;
            }
        }
    }
    return reader.shortNumbers == 1;
}

// ThorJSON's readRecordedSuccess: false and numbers equal to 0 are zero; null, "", [] and {} are
// falsy but not zero; everything else is truthy. A fractional number is zero when it equals 0:
// simdjson and ThorJSON's strtod both round correctly, so they agree on the value (underflow
// included; overflow is an error in simdjson, so the line is declined).
inline bool recordedSuccess(dom::element value, int32_t &out) {
    bool flag;
    int64_t integer;
    std::string_view string;
    dom::array array;
    dom::object object;
    switch (value.type()) {
    case dom::element_type::BOOL:
        if (value.get_bool().get(flag)) return false;
        out = flag ? SIMD_RECORD_TRUTHY : SIMD_RECORD_ZERO;
        return true;
    case dom::element_type::NULL_VALUE:
        out = SIMD_RECORD_FALSY_NON_ZERO;
        return true;
    case dom::element_type::STRING:
        if (value.get_string().get(string)) return false;
        out = string.empty() ? SIMD_RECORD_FALSY_NON_ZERO : SIMD_RECORD_TRUTHY;
        return true;
    case dom::element_type::ARRAY:
        if (value.get_array().get(array)) return false;
        out = array.begin() == array.end() ? SIMD_RECORD_FALSY_NON_ZERO : SIMD_RECORD_TRUTHY;
        return true;
    case dom::element_type::OBJECT:
        if (value.get_object().get(object)) return false;
        out = object.begin() == object.end() ? SIMD_RECORD_FALSY_NON_ZERO : SIMD_RECORD_TRUTHY;
        return true;
    case dom::element_type::INT64:
        if (value.get_int64().get(integer)) return false;
        out = integer == 0 ? SIMD_RECORD_ZERO : SIMD_RECORD_TRUTHY;
        return true;
    case dom::element_type::UINT64:  // only above INT64_MAX: never zero
        out = SIMD_RECORD_TRUTHY;
        return true;
    case dom::element_type::DOUBLE: {
        double number;
        if (value.get_double().get(number) || !numbersAreShort()) return false;
        out = number == 0 ? SIMD_RECORD_ZERO : SIMD_RECORD_TRUTHY;
        return true;
    }
    default:
        return false;
    }
}

// `key == "literal"` with the literal's length known at compile time, so the comparison is a few
// inline loads: std::string_view's operator== called memcmp with a run-time length for every key
// of the literal's length (about 55 calls a line, 2.4% of the process).
template <size_t N>
inline bool is(std::string_view key, const char (&literal)[N]) {
    return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

// A loop rather than memmem, whose setup cost more than the search on these short texts.
inline bool containsEnd(simd_record_text action) {
    for (size_t i = 0; i + 3 <= action.length; i++) {
        if (action.bytes[i] == 'e' && action.bytes[i + 1] == 'n' && action.bytes[i + 2] == 'd') return true;
    }
    return false;
}

// A trajectory entry, as GradeInputReader.readTrajectory reads it: `legal_objects` only when the
// entry's action so far contains "end" or no action came before it.
inline bool entry(dom::element value) {
    dom::object object;
    if (value.get_object().get(object)) return false;
    simd_record_entry entry{none(), none(), SIMD_RECORD_ZERO, {0, 0, 0}};
    bool sawAction = false, sawSuccess = false;
    for (dom::key_value_pair field : object) {
        if (is(field.key, "action")) {
            std::string_view string;
            if (field.value.get_string().get(string)) return false;
            entry.action = text(string);
            sawAction = true;
        } else if (is(field.key, "object")) {
            if (!optionalString(field.value, entry.object)) return false;
        } else if (is(field.key, "success")) {
            if (!recordedSuccess(field.value, entry.success)) return false;
            sawSuccess = true;
        } else if (is(field.key, "legal_objects") && (!sawAction || containsEnd(entry.action))) {
            if (!stringList(field.value, true, entry.legal_objects)) return false;
        }
    }
    if (!sawAction || !sawSuccess) return false;  // ThorJSON's error names the field
    reader.entries.push_back(entry);
    return true;
}

bool record(dom::element root, simd_record &out) {
    dom::object object;
    if (root.get_object().get(object)) return false;
    out = simd_record{};
    for (dom::key_value_pair field : object) {
        std::string_view key = field.key;
        dom::element value = field.value;
        if (is(key, "identity")) {
            std::string_view string;
            int64_t integer;
            if (value.is_null()) {
                out.identity_kind = SIMD_RECORD_NULL;
            } else if (!value.get_string().get(string)) {
                out.identity_kind = SIMD_RECORD_STRING;
                out.identity_text = text(string);
            } else if (value.type() == dom::element_type::INT64 && !value.get_int64().get(integer)
                       && integer > -kMaxIdentity && integer < kMaxIdentity) {
                out.identity_kind = SIMD_RECORD_INTEGER;
                out.identity_integer = integer;
            } else {
                return false;
            }
        } else if (is(key, "trajectory")) {
            reader.entries.clear();
            out.has_trajectory = !value.is_null();
            if (out.has_trajectory) {
                dom::array array;
                if (value.get_array().get(array)) return false;
                for (dom::element item : array) {
                    if (!entry(item)) return false;
                }
            }
        } else if (is(key, "key_actions")) {
            if (!stringList(value, false, out.key_actions)) return false;
        } else if (is(key, "actions")) {
            if (!stringList(value, false, out.actions)) return false;
        } else if (is(key, "responses")) {
            if (!stringList(value, false, out.responses)) return false;
        } else if (is(key, "tasktype")) {
            if (!optionalString(value, out.task_type)) return false;
        } else if (is(key, "taskname")) {
            if (!optionalString(value, out.task_name)) return false;
        } else if (is(key, "model")) {
            if (!optionalString(value, out.model)) return false;
        } else if (is(key, "scene")) {
            if (!optionalString(value, out.scene)) return false;
        }
    }
    // Pointers last: the vectors may have moved while they grew.
    out.entries = reader.entries.data();
    out.entry_count = reader.entries.size();
    out.texts = reader.texts.data();
    return true;
}

}  // namespace

extern "C" int simd_record_parse(const uint8_t *line, size_t length, size_t readable, simd_record *out) {
    if (length > kMaxLine) return 0;
    if (!reader.allocated) {
        if (reader.parser.allocate(64 << 10, kMaxDepth) != SUCCESS) return 0;
        reader.allocated = true;
    }
    if (readable < length + SIMDJSON_PADDING) {
        reader.padded.resize(length + SIMDJSON_PADDING);
        memcpy(reader.padded.data(), line, length);
        line = reader.padded.data();
    }
    reader.entries.clear();
    reader.texts.clear();
    reader.line = line;
    reader.length = length;
    reader.shortNumbers = -1;
    dom::element root;
    if (reader.parser.parse(line, length, false).get(root) != SUCCESS) return 0;
    return record(root, *out) ? 1 : 0;
}
