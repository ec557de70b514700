// Why CSimdRecord keeps simdjson's DOM parser (docs/performance.md, "Recorded mode"): thor-lite
// must reject a line whose skipped fields are not JSON, so a reader that skips them must still
// validate them. This times, on one thread over the first LINES lines of a results file, the DOM
// parser (which validates the whole line) against On-Demand walking every value (arrays, objects,
// keys, numbers and literals checked, strings unescaped only when they hold a backslash), the
// cheapest On-Demand reading that validates as much. Not part of thor-lite.
//
//   g++ -O3 -std=c++17 bench/peers/simdjson_validate.cpp -lsimdjson -o simdjson_validate
//   ./simdjson_validate results.jsonl [lines]     (default 30000 lines, 3 rounds)
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace simdjson;

static size_t checksum = 0;

static error_code walk(ondemand::value value, int depth) {
    if (depth > 256) return DEPTH_ERROR;
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return error;
    switch (type) {
    case ondemand::json_type::array: {
        ondemand::array array;
        if (auto error = value.get_array().get(array)) return error;
        for (auto item : array) {
            ondemand::value inner;
            if (auto error = item.get(inner)) return error;
            if (auto error = walk(inner, depth + 1)) return error;
        }
        return SUCCESS;
    }
    case ondemand::json_type::object: {
        ondemand::object object;
        if (auto error = value.get_object().get(object)) return error;
        for (auto field : object) {
            std::string_view key;
            if (auto error = field.unescaped_key().get(key)) return error;
            ondemand::value inner;
            if (auto error = field.value().get(inner)) return error;
            if (auto error = walk(inner, depth + 1)) return error;
        }
        return SUCCESS;
    }
    case ondemand::json_type::string: {
        std::string_view raw = value.raw_json_token();
        if (memchr(raw.data(), '\\', raw.size())) {
            std::string_view text;
            if (auto error = value.get_string().get(text)) return error;
            checksum += text.size();
        }
        return SUCCESS;
    }
    case ondemand::json_type::number: {
        ondemand::number number;
        return value.get_number().get(number);
    }
    case ondemand::json_type::boolean: {
        bool flag;
        return value.get_bool().get(flag);
    }
    case ondemand::json_type::null: {
        bool isNull;
        if (auto error = value.is_null().get(isNull)) return error;
        return isNull ? SUCCESS : INCORRECT_TYPE;
    }
    default:
        return INCORRECT_TYPE;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s results.jsonl [lines]\n", argv[0]);
        return 2;
    }
    size_t limit = argc > 2 ? strtoul(argv[2], nullptr, 10) : 30000;
    std::ifstream in(argv[1]);
    std::string line;
    std::vector<padded_string> lines;
    size_t bytes = 0;
    while (lines.size() < limit && std::getline(in, line)) {
        bytes += line.size();
        lines.emplace_back(line);
    }
    dom::parser domParser;
    ondemand::parser onDemandParser;
    for (int round = 0; round < 3; round++) {
        auto start = std::chrono::steady_clock::now();
        size_t domValid = 0, onDemandValid = 0;
        for (auto &text : lines) {
            dom::element root;
            if (domParser.parse(text).get(root) == SUCCESS) domValid++;
        }
        auto middle = std::chrono::steady_clock::now();
        for (auto &text : lines) {
            ondemand::document document;
            ondemand::value root;
            if (onDemandParser.iterate(text).get(document) || document.get_value().get(root)) continue;
            if (walk(root, 0) == SUCCESS) onDemandValid++;
        }
        auto end = std::chrono::steady_clock::now();
        double dom = std::chrono::duration<double>(middle - start).count();
        double onDemand = std::chrono::duration<double>(end - middle).count();
        printf("%zu lines, %.2f GB: DOM %.3f s (%.2f GB/s, %zu valid), On-Demand validating walk %.3f s (%.2f GB/s, %zu valid): DOM %.2fx faster\n",
               lines.size(), bytes / 1e9, dom, bytes / dom / 1e9, domValid, onDemand, bytes / onDemand / 1e9, onDemandValid, onDemand / dom);
    }
    printf("(checksum %zu)\n", checksum);  // keeps the unescaping from being optimised away
    return 0;
}
