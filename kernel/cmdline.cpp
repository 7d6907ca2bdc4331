#include "kernel/cmdline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kernel {

namespace {
bool copy_value(char* dst, size_t cap, const char* v, size_t len) {
  if (len >= cap) return false;
  memcpy(dst, v, len);
  dst[len] = 0;
  return true;
}

bool parse_u64(const char* v, size_t len, uint64_t* out) {
  if (len == 0 || len > 20) return false;
  char buf[24];
  memcpy(buf, v, len);
  buf[len] = 0;
  char* end = nullptr;
  const unsigned long long x = strtoull(buf, &end, 0);
  if (*end) return false;
  *out = x;
  return true;
}

// Matches pattern[0..plen) against text (NUL terminated).
bool match(const char* p, size_t plen, const char* t) {
  size_t pi = 0;
  const char* star_p = nullptr;
  size_t star_pi = 0;
  while (*t) {
    if (pi < plen && (p[pi] == '?' || p[pi] == *t)) {
      ++pi;
      ++t;
    } else if (pi < plen && p[pi] == '*') {
      star_pi = ++pi;
      star_p = t;
    } else if (star_p) {
      pi = star_pi;
      t = ++star_p;
    } else {
      return false;
    }
  }
  while (pi < plen && p[pi] == '*') ++pi;
  return pi == plen;
}
}  // namespace

bool glob_match(const char* pattern, const char* text) { return match(pattern, strlen(pattern), text); }

bool glob_match_any(const char* patterns, const char* text) {
  for (const char* p = patterns;;) {
    const char* e = strchr(p, ',');
    const size_t len = e ? static_cast<size_t>(e - p) : strlen(p);
    if (len && match(p, len, text)) return true;
    if (!e) return false;
    p = e + 1;
  }
}

bool list_contains(const char* list, const char* item, size_t item_len) {
  for (const char* p = list; *p;) {
    const char* e = strchr(p, ',');
    const size_t len = e ? static_cast<size_t>(e - p) : strlen(p);
    if (len == item_len && memcmp(p, item, len) == 0) return true;
    if (!e) break;
    p = e + 1;
  }
  return false;
}

Cmdline parse_cmdline(const char* s) {
  Cmdline c;
  for (const char* p = s ? s : ""; *p;) {
    while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
    if (!*p) break;
    const char* e = p;
    while (*e && *e != ' ' && *e != '\t' && *e != '\n') ++e;
    const size_t len = static_cast<size_t>(e - p);
    const char* eq = static_cast<const char*>(memchr(p, '=', len));
    const size_t klen = eq ? static_cast<size_t>(eq - p) : len;
    const char* v = eq ? eq + 1 : e;
    const size_t vlen = static_cast<size_t>(e - v);
    auto key_is = [&](const char* k) { return strlen(k) == klen && memcmp(p, k, klen) == 0; };
    uint64_t num = 0;
    bool ok = true;
    if (key_is("filter") && eq) ok = copy_value(c.filter, sizeof c.filter, v, vlen);
    else if (key_is("exclude") && eq) ok = copy_value(c.exclude, sizeof c.exclude, v, vlen);
    else if (key_is("tags") && eq) ok = copy_value(c.tags, sizeof c.tags, v, vlen);
    else if (key_is("seed") && eq) ok = parse_u64(v, vlen, &c.seed);
    else if (key_is("timeout") && eq) {
      ok = parse_u64(v, vlen, &num) && num > 0 && num < 3600000;
      c.timeout_ms = static_cast<uint32_t>(num);
    } else if (key_is("bench-ms") && eq) {
      ok = parse_u64(v, vlen, &num) && num > 0 && num <= 60000;
      c.bench_ms = static_cast<uint32_t>(num);
    } else if (key_is("bench-reps") && eq) {
      ok = parse_u64(v, vlen, &num) && num > 0 && num <= 100;
      c.bench_reps = static_cast<uint32_t>(num);
    } else if (key_is("list") && !eq) c.list = true;
    else ok = false;
    if (!ok && !c.error[0]) {
      snprintf(c.error, sizeof c.error, "%.*s", static_cast<int>(len), p);
      c.error_too_long = (key_is("filter") || key_is("exclude") || key_is("tags")) && eq;
    }
    p = e;
  }
  return c;
}

}  // namespace kernel
