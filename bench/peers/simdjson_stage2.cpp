// Whether a validating walk over simdjson's stage-1 structural index could replace the DOM's
// stage 2 for CSimdRecord (docs/performance.md, "Recorded mode", "Tried and not kept"). Times,
// on one thread over the first LINES lines of a results file: the DOM parse (stage 1 + stage 2,
// which checks grammar, literals, numbers and escapes while it writes its tape and copies every
// string), stage 1 alone, and stage 1 plus a minimal walk that checks the grammar, the literals
// and numbers (not what follows them) and every escape (one memchr per backslash), writing
// nothing and extracting no field. The walk is a lower bound of what a replacement costs. Uses
// `dom::parser::implementation`, public in simdjson 3.0 though documented as internal. Not part
// of thor-lite.
//
//   g++ -O3 -std=c++17 bench/peers/simdjson_stage2.cpp -lsimdjson -o simdjson_stage2
//   ./simdjson_stage2 results.jsonl [lines]     (default 30000 lines, 5 rounds)
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace simdjson;

static inline bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

static bool walk(const uint8_t *b, size_t len, const uint32_t *idx, uint32_t n) {
    uint8_t stack[512];
    int depth = 0;
    enum { VALUE, OBJ_FIRST, KEY, COLON, OBJ_NEXT, ARR_FIRST, ARR_NEXT, DONE } st = VALUE;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = idx[i];
        uint8_t c = b[p];
        switch (st) {
        case OBJ_FIRST:
            if (c == '}') goto close;
            [[fallthrough]];
        case KEY:
            if (c != '"') return false;
            st = COLON;
            continue;
        case COLON:
            if (c != ':') return false;
            st = VALUE;
            continue;
        case OBJ_NEXT:
            if (c == ',') { st = KEY; continue; }
            if (c == '}') goto close;
            return false;
        case ARR_FIRST:
            if (c == ']') goto close;
            st = VALUE;
            break;
        case ARR_NEXT:
            if (c == ',') { st = VALUE; continue; }
            if (c == ']') goto close;
            return false;
        case DONE: return false;
        case VALUE: break;
        }
        switch (c) {
        case '{': if (depth >= 512) return false; stack[depth++] = '{'; st = OBJ_FIRST; continue;
        case '[': if (depth >= 512) return false; stack[depth++] = '['; st = ARR_FIRST; continue;
        case '"': break;
        case 't': if (memcmp(b + p, "true", 4)) return false; break;
        case 'f': if (memcmp(b + p, "false", 5)) return false; break;
        case 'n': if (memcmp(b + p, "null", 4)) return false; break;
        default: {
            const uint8_t *q = b + p;
            if (*q == '-') q++;
            if (!isDigit(*q)) return false;
            if (*q == '0') q++; else while (isDigit(*q)) q++;
            if (*q == '.') { q++; if (!isDigit(*q)) return false; while (isDigit(*q)) q++; }
            if (*q == 'e' || *q == 'E') { q++; if (*q == '+' || *q == '-') q++; if (!isDigit(*q)) return false; while (isDigit(*q)) q++; }
            break;
        }
        }
        st = depth == 0 ? DONE : (stack[depth - 1] == '{' ? OBJ_NEXT : ARR_NEXT);
        continue;
    close:
        if (depth == 0 || stack[depth - 1] != c - 2) return false;  // '{' + 2 == '}', '[' + 2 == ']'
        depth--;
        st = depth == 0 ? DONE : (stack[depth - 1] == '{' ? OBJ_NEXT : ARR_NEXT);
    }
    if (st != DONE) return false;
    const uint8_t *p = b, *e = b + len;
    while ((p = static_cast<const uint8_t *>(memchr(p, '\\', size_t(e - p))))) {
        uint8_t x = p[1];
        if (x == 'u') {
            for (int k = 2; k < 6; k++) if (!isxdigit(p[k])) return false;
            p += 6;
        } else if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't') {
            p += 2;
        } else {
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s results.jsonl [lines]\n", argv[0]);
        return 2;
    }
    size_t limit = argc > 2 ? strtoull(argv[2], nullptr, 10) : 30000;
    std::ifstream in(argv[1]);
    std::string line;
    std::vector<padded_string> lines;
    while (lines.size() < limit && std::getline(in, line)) lines.emplace_back(line);
    size_t bytes = 0, structurals = 0;
    for (auto &l : lines) bytes += l.size();
    dom::parser parser;
    if (parser.allocate(1 << 20, 256)) return 1;
    printf("%zu lines, %.1f MB, implementation %s\n", lines.size(), bytes / 1e6, get_active_implementation()->name().c_str());
    for (int round = 0; round < 5; round++) {
        auto t = std::chrono::steady_clock::now();
        for (auto &l : lines) {
            dom::element e;
            if (parser.parse(l).get(e)) return 1;
        }
        double dom = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
        t = std::chrono::steady_clock::now();
        structurals = 0;
        for (auto &l : lines) {
            if (parser.implementation->stage1(reinterpret_cast<const uint8_t *>(l.data()), l.size(), stage1_mode::regular)) return 1;
            structurals += parser.implementation->n_structural_indexes;
        }
        double stage1 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
        t = std::chrono::steady_clock::now();
        size_t valid = 0;
        for (auto &l : lines) {
            auto data = reinterpret_cast<const uint8_t *>(l.data());
            if (parser.implementation->stage1(data, l.size(), stage1_mode::regular)) return 1;
            valid += walk(data, l.size(), parser.implementation->structural_indexes.get(), parser.implementation->n_structural_indexes);
        }
        double walked = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
        printf("DOM %.3f s, stage 1 %.3f s, so stage 2 %.3f s; stage 1 + walk %.3f s, so the walk %.3f s (%.2f of stage 2); %zu structurals a line, %zu lines valid\n",
               dom, stage1, dom - stage1, walked, walked - stage1, (walked - stage1) / (dom - stage1), structurals / lines.size(), valid);
    }
}
