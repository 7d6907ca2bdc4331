#include "tests/conformance/dma/dma_check.h"

namespace dma_tests {

using drivers::DmaEndpoint;
using drivers::DmaStatus;
using kernel::GuardedBuffer;

namespace {

unsigned long ul(size_t v) { return static_cast<unsigned long>(v); }

bool allocate(kernel::Test& t, const char* which, GuardedBuffer& b, size_t len, size_t off) {
  if (b.allocate(len, off)) return true;
  t.error("%s: no DMA memory for %lu bytes at offset %lu", which, ul(len), ul(off));
  return false;
}

size_t count_pattern_matches(const GuardedBuffer& b, uint8_t seed) {
  size_t n = 0;
  for (size_t i = 0; i < b.len(); ++i) n += b.data()[i] == GuardedBuffer::pattern(seed, i);
  return n;
}

}  // namespace

DmaEndpoint* need(kernel::Test& t, const char* name) {
  DmaEndpoint* ep = drivers::find_endpoint(name);
  if (!ep) t.skip("no %s endpoint", name);
  return ep;
}

bool expect_ok(kernel::Test& t, const char* step, DmaStatus status) {
  return t.check("dma.status", kBaseline, status == DmaStatus::kOk, "%s: %s", step, drivers::to_string(status));
}

bool expect_intact(kernel::Test& t, const char* which, const GuardedBuffer& b) {
  long at = 0;
  if (b.intact(&at)) return true;
  // `at` is relative to the payload: negative before it, >= len after it.
  return t.check("dma.canary", kBaseline, false, "%s: canary damaged at payload offset %ld (%s the %lu-byte payload)", which, at,
                 at < 0 ? "before" : "after", ul(b.len()));
}

bool expect_pattern(kernel::Test& t, const char* which, const GuardedBuffer& b, uint8_t seed) {
  size_t first = 0;
  if (b.matches(seed, &first)) return true;
  size_t differ = 0;
  for (size_t i = 0; i < b.len(); ++i) differ += b.data()[i] != GuardedBuffer::pattern(seed, i);
  return t.check("dma.data", kBaseline, false, "%s[%lu] = 0x%02x, expected 0x%02x (%lu of %lu bytes differ)", which, ul(first),
                 b.data()[first], GuardedBuffer::pattern(seed, first), ul(differ), ul(b.len()));
}

bool roundtrip(kernel::Test& t, DmaEndpoint* ep, size_t len, size_t src_off, size_t dst_off, uint8_t seed) {
  GuardedBuffer src, dst;
  if (!allocate(t, "src", src, len, src_off) || !allocate(t, "dst", dst, len, dst_off)) return false;
  src.fill(seed);
  dst.fill(static_cast<uint8_t>(seed + 1));  // differs from the source in every byte
  const bool failed_before = t.failed();
  if (!expect_ok(t, "read (memory -> device)", ep->read(src.pa(), len))) return false;
  if (!expect_ok(t, "write (device -> memory)", ep->write(dst.pa(), len))) return false;
  bool ok = expect_pattern(t, "dst", dst, seed);
  ok &= expect_pattern(t, "src (must be unchanged)", src, seed);
  ok &= expect_intact(t, "src", src);
  ok &= expect_intact(t, "dst", dst);
  if (!ok && !failed_before)
    t.note("%s round trip of %lu bytes, src offset %lu, dst offset %lu", ep->name(), ul(len), ul(src_off),
           ul(dst_off));
  return ok;
}

bool stale_data_not_reused(kernel::Test& t, DmaEndpoint* ep, size_t len) {
  GuardedBuffer first, second, dst;
  if (!allocate(t, "src1", first, len, 0) || !allocate(t, "src2", second, len, 0) ||
      !allocate(t, "dst", dst, len, 0))
    return false;
  first.fill(0x11);
  second.fill(0x77);
  dst.fill(0xee);
  if (!expect_ok(t, "read src1", ep->read(first.pa(), len))) return false;
  if (!expect_ok(t, "write dst", ep->write(dst.pa(), len))) return false;
  bool ok = expect_pattern(t, "dst after the first round trip", dst, 0x11);
  if (!expect_ok(t, "read src2", ep->read(second.pa(), len))) return false;
  if (!expect_ok(t, "write dst again", ep->write(dst.pa(), len))) return false;
  ok &= expect_pattern(t, "dst after the second round trip", dst, 0x77);
  ok &= expect_intact(t, "src1", first);
  ok &= expect_intact(t, "src2", second);
  ok &= expect_intact(t, "dst", dst);
  return ok;
}

bool random_fill(kernel::Test& t, DmaEndpoint* ep, size_t len, size_t off, uint8_t seed) {
  GuardedBuffer b;
  if (!allocate(t, "dst", b, len, off)) return false;
  const bool long_enough = len >= 32;
  const int attempts = long_enough ? 1 : 4;
  size_t unchanged = len;
  for (int a = 0; a < attempts && unchanged == len; ++a) {
    const uint8_t prefill = static_cast<uint8_t>(seed + 37 * a);
    b.fill(prefill);
    if (!expect_ok(t, "write (device -> memory)", ep->write(b.pa(), len))) return false;
    if (!expect_intact(t, "dst", b)) return false;
    unchanged = count_pattern_matches(b, prefill);
    if (long_enough)
      return t.check("dma.data", kBaseline, unchanged <= len / 2,
                     "%lu of %lu bytes still equal the prefill: the device did not fill the buffer", ul(unchanged),
                     ul(len));
  }
  return t.check("dma.data", kBaseline, unchanged < len, "%d writes of %lu byte(s) left the prefill unchanged every time", attempts,
                 ul(len));
}

}  // namespace dma_tests
