// The guest test runner: cases register by dotted name with tags, run one at a time under a watchdog,
// and report KTAP version 1 on the console.
//
//   VIOMMU_TEST(dma_edu_roundtrip, "dma.edu.roundtrip", "dma,edu") {
//     auto* ep = ...;
//     if (!ep) return t.skip("no edu device");
//     t.expect_eq("dst[0]", 0xa5, dst[0]);
//   }
//
// A case fails when any check fails, when it takes an exception (syndrome reported), or when it runs
// past its timeout. A skipped case is reported `# SKIP reason` and never counted as passed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

class Test {
 public:
  // One call per check. Each failing check prints a diagnostic line; the case goes on.
  bool check(bool ok, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  bool expect_eq(const char* what, uint64_t expected, uint64_t observed);
  // Ends the case as skipped (the case function should return right after).
  void skip(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Fails the case with a reason and keeps going (use check() for conditions).
  void fail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Diagnostic line shown with the case output ("# ...").
  void note(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  bool failed() const { return failures_ != 0; }
  bool skipped() const { return skipped_; }
  const char* reason() const { return reason_; }
  uint64_t seed() const { return seed_; }
  uint64_t random();  // per-case deterministic stream derived from seed= and the case name

 private:
  friend class Runner;
  void set_reason(const char* r);
  unsigned failures_ = 0;
  unsigned checks_ = 0;
  bool skipped_ = false;
  char reason_[160] = {};
  uint64_t seed_ = 0;
  uint64_t rng_ = 0;
};

struct TestCase {
  const char* name;  // dotted: <group-part>.<group-part>.<case>, e.g. "dma.virtio-blk.roundtrip_4k"
  const char* tags;  // comma separated; "demo-failure" cases run only when asked for with tags=
  void (*fn)(Test& t);
  uint32_t timeout_ms;  // 0: default
};

// Tag that keeps a case out of default runs (the runner's own deliberately failing self-tests).
inline constexpr const char* kTagDemoFailure = "demo-failure";
inline constexpr uint32_t kDefaultTimeoutMs = 10000;

// Bounded wait: polls cond() until it is true or timeout_ms passes. False on timeout; the caller
// reports what it waited for.
template <typename F>
bool wait_until(F cond, uint32_t timeout_ms);
uint64_t now_ms();

}  // namespace kernel

#define VIOMMU_TEST_SECTION __attribute__((section("viommu_tests"), used, aligned(8)))
#define VIOMMU_TEST_T(ident, name, tags, timeout_ms)                                    \
  static void ident(::kernel::Test& t);                                                 \
  static const ::kernel::TestCase ident##_case VIOMMU_TEST_SECTION = {name, tags, ident, timeout_ms}; \
  static void ident([[maybe_unused]] ::kernel::Test& t)
#define VIOMMU_TEST(ident, name, tags) VIOMMU_TEST_T(ident, name, tags, 0)

#include "kernel/arch.h"

template <typename F>
bool kernel::wait_until(F cond, uint32_t timeout_ms) {
  const uint64_t end = arch::now_ns() + uint64_t{timeout_ms} * 1000000u;
  for (;;) {
    if (cond()) return true;
    if (arch::now_ns() >= end) return cond();
  }
}
