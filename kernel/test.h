// The guest test runner: cases register by dotted name with tags, run one at a time under a watchdog,
// and report KTAP version 1 on the console.
//
//   VIOMMU_TEST(dma_edu_roundtrip, "dma.edu.roundtrip", "dma,edu") {
//     auto* ep = ...;
//     if (!ep) return t.skip("no edu device");
//     t.expect_eq("dma.data", kSuite, 0xa5, dst[0]);
//   }
//
// A verdict is a claim about someone else's device, so every check names what it rests on: a stable ID
// inside its case ("event.CLASS", "status", "dma.data"), and a Clause — the spec reference, the sentence
// relied on, and its strength:
//   MUST   a failed check fails the case;
//   SHOULD a failed check is a warning: reported and counted, the case does not fail for it;
//   OPEN   the spec lets the device choose: the check (a MUST over the permitted set) passes every permitted
//          outcome, and choice() notes where the device's pick differs from the model's — never a failure.
// A case also fails when it takes an exception (syndrome reported), runs past its timeout, hits a suite
// error (error(): out of DMA memory and the like; never an expected failure), or checked nothing.
//
// Console protocol (read by scripts/viommu_lib/ktap.py), before each case's result line:
//   # check fail|warn|note <id> MUST|SHOULD|OPEN [<ref>]: <message>
//   #   spec: "<quote>"
//   # error: <message>
//   # checks passed: <id> <id> ...      (IDs whose every instance in the case passed)
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

enum class Strength : uint8_t { kMust, kShould, kOpen };
const char* to_string(Strength s);

// Where a requirement is written. `quote` is the sentence relied on, short, as the spec says it.
struct Clause {
  Strength strength;
  const char* ref;    // e.g. "IHI0070 G.b §7.3.13"
  const char* quote;
};

// The suite's own invariants (selftests, harness plumbing): not a claim about any device.
inline constexpr Clause kSuite{Strength::kMust, "suite", "the suite's own invariant"};

class Test {
 public:
  // One call per check; a failing one prints its diagnostic lines and the case goes on. A MUST or OPEN
  // clause fails the case, a SHOULD clause warns. Returns ok.
  bool check(const char* id, const Clause& c, bool ok, const char* fmt, ...) __attribute__((format(printf, 5, 6)));
  bool expect_eq(const char* id, const Clause& c, uint64_t expected, uint64_t observed);
  // OPEN outcome: the device made a permitted choice; `same` says whether the model chose alike. A
  // difference is a note (counted by the harness), never a failure, and is not a check.
  void choice(const char* id, const Clause& c, bool same, const char* fmt, ...) __attribute__((format(printf, 5, 6)));
  // Ends the case as skipped (the case function should return right after).
  void skip(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // The suite could not judge (out of DMA memory, a missing prerequisite of its own making): fails the case
  // and is never an expected failure. A device's misbehaviour is a check, not an error.
  void error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Diagnostic line shown with the case output ("# ...").
  void note(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  bool failed() const { return failures_ != 0 || errors_ != 0; }
  unsigned warnings() const { return warnings_; }
  bool skipped() const { return skipped_; }
  const char* reason() const { return reason_; }
  uint64_t seed() const { return seed_; }
  uint64_t random();  // per-case deterministic stream derived from seed= and the case name

 private:
  friend class Runner;
  void set_reason(const char* r);
  void record(const char* id, bool ok);
  void print_passed() const;

  static constexpr unsigned kMaxIds = 96;
  struct IdState {
    char id[40];
    bool failed;
  };
  IdState ids_[kMaxIds] = {};
  unsigned nids_ = 0;
  unsigned failures_ = 0;  // MUST (and OPEN permitted-set) checks that failed
  unsigned warnings_ = 0;  // SHOULD checks that failed
  unsigned errors_ = 0;
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
// Tag of the benchmark cases (kit/bench.h): they measure rather than check a clause and take seconds, so they
// run only when asked for with tags=bench (scripts/viommu bench), never in a conformance run.
inline constexpr const char* kTagBench = "bench";
// Tag of cases that build structures only the reference model reads: selected in the hosted runner only.
inline constexpr const char* kTagModelOnly = "model-only";
inline constexpr uint32_t kDefaultTimeoutMs = 10000;

// A case the runner abandons (watchdog, exception) never runs its destructors: what it set up stays live
// (a device table entry, an endpoint's IOVA view into the dead case's stack, a half-used command queue).
// A fixture registers, once, how to put its device back into the state a case starts from; the runner
// calls each after an abandoned case, under a watchdog of its own (kCleanupTimeoutMs), so that the next
// case starts clean or fails quickly, never hangs. A cleanup waits only with bounds.
using AbortCleanup = void (*)();
void register_abort_cleanup(AbortCleanup fn);  // idempotent; a few slots
inline constexpr uint32_t kCleanupTimeoutMs = 5000;

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
