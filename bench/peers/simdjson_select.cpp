// simdjson's selective read of what the reference metric needs, the peer of thor-lite's recorded
// mode in bench/recorded_bench.sh (not part of thor-lite). Each thread reads its byte range of a
// JSON-lines file in chunks of whole lines (pread, as thor-lite reads), and for every line reads
// only tasktype, taskname, key_actions and each trajectory entry's action, object, success and
// legal_objects through simdjson's On-Demand API (skipping messages, errorInfo, images, ...).
// It prints a checksum of what it read so nothing can be optimised away; it computes no metric.
//
//   g++ -O3 -std=c++17 bench/peers/simdjson_select.cpp -lsimdjson -pthread -o simdjson_select
//   ./simdjson_select results.jsonl [threads]
#include <simdjson.h>

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace simdjson;

struct Tally {
    size_t lines = 0, entries = 0, bytes = 0, errors = 0;
};

static void read_line(ondemand::parser &parser, const char *data, size_t length, Tally &tally) {
    padded_string_view view(data, length, length + SIMDJSON_PADDING);
    ondemand::document doc;
    if (parser.iterate(view).get(doc)) { tally.errors++; return; }
    ondemand::object object;
    if (doc.get_object().get(object)) { tally.errors++; return; }
    for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) { tally.errors++; return; }
        if (key == "tasktype" || key == "taskname") {
            std::string_view text;
            if (!field.value().get_string().get(text)) tally.bytes += text.size();
        } else if (key == "key_actions") {
            for (auto item : field.value().get_array()) {
                std::string_view text;
                if (!item.get_string().get(text)) tally.bytes += text.size();
            }
        } else if (key == "trajectory") {
            for (auto entry : field.value().get_array()) {
                tally.entries++;
                ondemand::object e;
                if (entry.get_object().get(e)) { tally.errors++; continue; }
                for (auto f : e) {
                    std::string_view k;
                    if (f.unescaped_key().get(k)) break;
                    if (k == "action" || k == "object") {
                        std::string_view text;
                        if (!f.value().get_string().get(text)) tally.bytes += text.size();
                    } else if (k == "success") {
                        ondemand::json_type type;
                        if (!f.value().type().get(type)) tally.bytes += int(type);
                    } else if (k == "legal_objects") {
                        ondemand::array list;
                        if (!f.value().get_array().get(list)) {
                            for (auto item : list) {
                                std::string_view text;
                                if (!item.get_string().get(text)) tally.bytes += text.size();
                            }
                        }
                    }
                }
            }
        }
    }
    tally.lines++;
}

// Reads [start, end) of the file, owning the lines that start in it.
static void read_range(int fd, size_t start, size_t end, size_t size, Tally &tally) {
    ondemand::parser parser;
    const size_t chunk = 4 << 20;
    std::vector<char> buffer;
    size_t position = start;
    if (start > 0) {  // skip to the first line that starts at or after `start`
        char c;
        while (position - 1 < size && pread(fd, &c, 1, position - 1) == 1 && c != '\n') position++;
    }
    std::string carry;
    while (position < size) {
        size_t want = chunk;
        buffer.resize(carry.size() + want + SIMDJSON_PADDING);
        memcpy(buffer.data(), carry.data(), carry.size());
        ssize_t got = pread(fd, buffer.data() + carry.size(), want, position);
        if (got <= 0) break;
        size_t filled = carry.size() + size_t(got);
        size_t chunkStart = position - carry.size();
        position += size_t(got);
        size_t lineStart = 0;
        for (;;) {
            const char *newline = static_cast<const char *>(memchr(buffer.data() + lineStart, '\n', filled - lineStart));
            if (!newline) break;
            size_t lineEnd = newline - buffer.data();
            if (chunkStart + lineStart >= end) { position = size; break; }
            if (lineEnd > lineStart) read_line(parser, buffer.data() + lineStart, lineEnd - lineStart, tally);
            lineStart = lineEnd + 1;
        }
        carry.assign(buffer.data() + lineStart, filled - lineStart);
        if (position >= size && !carry.empty() && chunkStart + lineStart < end) {
            buffer.assign(carry.begin(), carry.end());
            buffer.resize(carry.size() + SIMDJSON_PADDING);
            read_line(parser, buffer.data(), carry.size(), tally);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE [threads]\n", argv[0]); return 2; }
    int fd = open(argv[1], O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) { perror(argv[1]); return 2; }
    size_t size = size_t(info.st_size);
    unsigned threads = argc > 2 ? unsigned(atoi(argv[2])) : std::thread::hardware_concurrency();
    if (threads == 0) threads = 1;
    std::vector<Tally> tallies(threads);
    std::vector<std::thread> workers;
    for (unsigned k = 0; k < threads; k++) {
        workers.emplace_back(read_range, fd, size * k / threads, size * (k + 1) / threads, size, std::ref(tallies[k]));
    }
    Tally total;
    for (unsigned k = 0; k < threads; k++) {
        workers[k].join();
        total.lines += tallies[k].lines; total.entries += tallies[k].entries;
        total.bytes += tallies[k].bytes; total.errors += tallies[k].errors;
    }
    printf("%zu lines, %zu entries, checksum %zu, errors %zu\n", total.lines, total.entries, total.bytes, total.errors);
    return total.errors ? 1 : 0;
}
