// libFuzzer over CSimdRecord (simdjson reading a grade input line), run by fuzz/run.sh with
// AddressSanitizer: every input is read twice, copied (no byte readable past it: ASan catches a
// read beyond) and in place with the padding simdjson may read, and both readings must agree.
#include "CSimdRecord.h"

#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<uint8_t> exact(data, data + size);
    simd_record copied;
    int first = simd_record_parse(exact.data(), exact.size(), exact.size(), &copied);
    // What the first reading found, kept before the reader's buffers are reused.
    std::vector<simd_record_entry> entries;
    if (first) entries.assign(copied.entries, copied.entries + copied.entry_count);
    std::vector<uint8_t> padded(data, data + size);
    padded.resize(size + 64, '}');
    simd_record inPlace;
    int second = simd_record_parse(padded.data(), size, padded.size(), &inPlace);
    if (first != second) abort();
    if (!first) return 0;
    if (entries.size() != inPlace.entry_count || copied.identity_kind != inPlace.identity_kind) abort();
    for (size_t i = 0; i < entries.size(); i++) {
        const simd_record_entry &entry = inPlace.entries[i];
        if (entries[i].success != entry.success || entries[i].action.length != entry.action.length) abort();
        // Every text handed out must lie in readable memory.
        volatile char sink = 0;
        for (size_t k = 0; k < entry.action.length; k++) sink ^= entry.action.bytes[k];
    }
    return 0;
}
