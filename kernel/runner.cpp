// The test runner: selects cases, runs each under the watchdog, reports KTAP version 1
// (Documentation/dev-tools/ktap.rst): a plan line, `# start NAME` marker and diagnostics before each
// result, `ok N NAME [# SKIP reason]` / `not ok N NAME # reason`, then `N passed, N failed, N skipped`.
//
// A case ends early when it takes an exception or overruns its timeout: the arch handler (or the tick)
// calls on_exception()/on_tick(), which longjmp back here. The case's stack frame is abandoned, so
// a case must not hold resources another case depends on across a fault.
#include <setjmp.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/test.h"
#include "spec/bitfield.h"

extern "C" {
extern const kernel::TestCase __start_viommu_tests[];
extern const kernel::TestCase __stop_viommu_tests[];
}

namespace kernel {

namespace {
uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hash_name(const char* s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (; *s; ++s) h = (h ^ static_cast<uint8_t>(*s)) * 0x100000001b3ull;
  return h;
}

void vformat_into(char* dst, size_t cap, const char* fmt, va_list ap) { vsnprintf(dst, cap, fmt, ap); }
}  // namespace

const char* to_string(Strength s) {
  switch (s) {
    case Strength::kMust: return "MUST";
    case Strength::kShould: return "SHOULD";
    case Strength::kOpen: return "OPEN";
  }
  return "?";
}

void Test::set_reason(const char* r) {
  if (!reason_[0]) snprintf(reason_, sizeof reason_, "%s", r);
}

void Test::record(const char* id, bool ok) {
  for (unsigned i = 0; i < nids_; ++i) {
    if (strcmp(ids_[i].id, id) != 0) continue;
    ids_[i].failed |= !ok;
    return;
  }
  if (nids_ == kMaxIds) return;
  // A copy: generic comparators compose IDs ("event." + a field's name) in a buffer of their own.
  IdState& s = ids_[nids_++];
  snprintf(s.id, sizeof s.id, "%s", id);
  s.failed = !ok;
}

void Test::print_passed() const {
  bool any = false;
  for (unsigned i = 0; i < nids_; ++i) {
    if (ids_[i].failed) continue;
    printf(any ? " %s" : "# checks passed: %s", ids_[i].id);
    any = true;
  }
  if (any) printf("\n");
}

namespace {
void print_check(const char* result, const char* id, const Clause& c, const char* msg) {
  printf("# check %s %s %s [%s]: %s\n", result, id, to_string(c.strength), c.ref, msg);
  if (c.quote && c.quote[0]) printf("#   spec: \"%s\"\n", c.quote);
}
}  // namespace

bool Test::check(const char* id, const Clause& c, bool ok, const char* fmt, ...) {
  ++checks_;
  record(id, ok);
  if (ok) return true;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vformat_into(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c.strength == Strength::kShould) {
    ++warnings_;
    print_check("warn", id, c, msg);
    return false;
  }
  ++failures_;
  print_check("fail", id, c, msg);
  char r[sizeof reason_];
  snprintf(r, sizeof r, "%s: %s", id, msg);
  set_reason(r);
  return false;
}

bool Test::expect_eq(const char* id, const Clause& c, uint64_t expected, uint64_t observed) {
  return check(id, c, expected == observed, "expected 0x%llx, observed 0x%llx",
               static_cast<unsigned long long>(expected), static_cast<unsigned long long>(observed));
}

void Test::choice(const char* id, const Clause& c, bool same, const char* fmt, ...) {
  if (same) return;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vformat_into(msg, sizeof msg, fmt, ap);
  va_end(ap);
  print_check("note", id, c, msg);
}

void Test::skip(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char msg[160];
  vformat_into(msg, sizeof msg, fmt, ap);
  va_end(ap);
  skipped_ = true;
  snprintf(reason_, sizeof reason_, "%s", msg);
}

void Test::error(const char* fmt, ...) {
  ++errors_;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vformat_into(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("# error: %s\n", msg);
  char r[sizeof reason_];
  snprintf(r, sizeof r, "error: %s", msg);
  set_reason(r);
}

void Test::note(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("# ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}

uint64_t Test::random() { return mix(rng_ += 0x9e3779b97f4a7c15ull); }

uint64_t now_ms() { return arch::now_ns() / 1000000u; }

namespace {
AbortCleanup g_cleanups[4];
unsigned g_ncleanups = 0;
}  // namespace

void register_abort_cleanup(AbortCleanup fn) {
  for (unsigned i = 0; i < g_ncleanups; ++i)
    if (g_cleanups[i] == fn) return;
  if (g_ncleanups < sizeof g_cleanups / sizeof g_cleanups[0]) g_cleanups[g_ncleanups++] = fn;
}

class Runner {
 public:
  static int run(const Cmdline& cmd);
  static void abort_case(const char* reason, int code);
  static void tick();
  static bool active() { return current_ != nullptr; }

 private:
  static bool selected(const TestCase& c, const Cmdline& cmd);
  static void run_one(const TestCase& c, unsigned index, const Cmdline& cmd);
  static void clean_up_after_abort();

  static inline jmp_buf jmp_;
  static inline Test* volatile current_ = nullptr;
  static inline volatile uint64_t deadline_ns_ = 0;
  static inline volatile bool timed_out_ = false;
  static inline unsigned passed_ = 0, failed_ = 0, skipped_ = 0;
};

bool Runner::selected(const TestCase& c, const Cmdline& cmd) {
  if (!glob_match_any(cmd.filter, c.name)) return false;
  if (cmd.exclude[0] && glob_match_any(cmd.exclude, c.name)) return false;
  // Opt-in tags keep their cases out of default runs.
  for (const char* tag : {kTagDemoFailure, kTagBench}) {
    const size_t tlen = strlen(tag);
    if (list_contains(c.tags, tag, tlen) && !list_contains(cmd.tags, tag, tlen)) return false;
  }
  // A case that exercises only the reference model says nothing about a device: it runs in the hosted
  // model column, never as a pass in a QEMU column.
#ifndef VIOMMU_HOSTED
  if (list_contains(c.tags, kTagModelOnly, strlen(kTagModelOnly))) return false;
#endif
  return true;
}

void Runner::abort_case(const char* reason, int code) {
  Test* t = current_;
  current_ = nullptr;
  deadline_ns_ = 0;
  ++t->errors_;
  t->reason_[0] = 0;  // the abort is the reason that matters
  t->set_reason(reason);
  longjmp(jmp_, code);
}

void Runner::tick() {
  if (!current_ || !deadline_ns_ || arch::now_ns() < deadline_ns_) return;
  timed_out_ = true;
  abort_case("timeout", 2);
}

void Runner::run_one(const TestCase& c, unsigned index, const Cmdline& cmd) {
  static Test t;  // static: survives the longjmp out of the case's frames
  t = Test();
  t.seed_ = cmd.seed;
  t.rng_ = mix(cmd.seed ^ hash_name(c.name));
  timed_out_ = false;
  const uint32_t timeout_ms = c.timeout_ms ? c.timeout_ms : cmd.timeout_ms ? cmd.timeout_ms : kDefaultTimeoutMs;
  printf("# start %s\n", c.name);
  const uint64_t start = arch::now_ns();
  if (setjmp(jmp_) == 0) {
    current_ = &t;
    deadline_ns_ = start + uint64_t{timeout_ms} * 1000000u;
    arch::irq_enable();
    c.fn(t);
  } else {
    // An aborted case is never an expected failure, whatever checks failed before the abort.
    printf("# error: case aborted: %s\n", t.reason());
    clean_up_after_abort();
  }
  arch::irq_disable();
  current_ = nullptr;
  deadline_ns_ = 0;
  arch::irq_enable();
  const unsigned long long ms = (arch::now_ns() - start) / 1000000u;
  t.print_passed();

  if (timed_out_) {
    printf("not ok %u %s # timeout after %u ms\n", index, c.name, timeout_ms);
    ++failed_;
  } else if (t.failed()) {
    printf("not ok %u %s # %s\n", index, c.name, t.reason());
    ++failed_;
  } else if (t.skipped()) {
    printf("ok %u %s # SKIP %s\n", index, c.name, t.reason());
    ++skipped_;
  } else if (t.checks_ == 0) {
    // A case that checked nothing proved nothing: never report it as passed.
    printf("not ok %u %s # no check ran\n", index, c.name);
    ++failed_;
  } else if (t.warnings_) {
    printf("ok %u %s # WARN %u SHOULD check(s) failed\n", index, c.name, t.warnings_);
    ++passed_;
  } else {
    printf("ok %u %s\n", index, c.name);
    ++passed_;
  }
  if (ms > 1000) printf("# %s took %llu ms\n", c.name, ms);
}

namespace {
const Cmdline* g_cmdline = nullptr;
}  // namespace

const Cmdline& current_cmdline() {
  static const Cmdline kDefault;
  return g_cmdline ? *g_cmdline : kDefault;
}

// Each registered cleanup under the watchdog, as a case of its own would run (an abort in one is reported
// and the next still runs).
void Runner::clean_up_after_abort() {
  static Test ct;
  static volatile unsigned next;
  const bool case_timed_out = timed_out_;
  for (next = 0; next < g_ncleanups; ++next) {
    ct = Test();
    if (setjmp(jmp_) == 0) {
      current_ = &ct;
      deadline_ns_ = arch::now_ns() + uint64_t{kCleanupTimeoutMs} * 1000000u;
      arch::irq_enable();
      g_cleanups[next]();
      arch::irq_disable();
      current_ = nullptr;
      deadline_ns_ = 0;
      printf("# cleanup %u after the aborted case: done\n", next);
    } else {
      printf("# error: cleanup %u after the aborted case did not finish: %s; the next cases may fail\n", next,
             ct.reason());
    }
  }
  timed_out_ = case_timed_out;
}

int Runner::run(const Cmdline& cmd) {
  g_cmdline = &cmd;
  // Sort by name: link order is an accident of the build.
  const size_t n = static_cast<size_t>(__stop_viommu_tests - __start_viommu_tests);
  static const TestCase* order[4096];
  size_t count = 0;
  for (size_t i = 0; i < n && count < 4096; ++i) {
    const TestCase* c = &__start_viommu_tests[i];
    size_t j = count++;
    for (; j > 0 && strcmp(order[j - 1]->name, c->name) > 0; --j) order[j] = order[j - 1];
    order[j] = c;
  }
  if (cmd.list) {
    for (size_t i = 0; i < count; ++i) printf("# case %s tags=%s\n", order[i]->name, order[i]->tags);
    return 0;
  }
  unsigned planned = 0;
  for (size_t i = 0; i < count; ++i) planned += selected(*order[i], cmd);
  printf("1..%u\n", planned);
  unsigned index = 0;
  for (size_t i = 0; i < count; ++i)
    if (selected(*order[i], cmd)) run_one(*order[i], ++index, cmd);
  printf("%u passed, %u failed, %u skipped\n", passed_, failed_, skipped_);
  return failed_ ? 1 : 0;
}

int run_tests(const Cmdline& cmd) { return Runner::run(cmd); }

void on_exception(const char* summary) {
  if (Runner::active()) Runner::abort_case(summary, 1);
  printf("# fatal: exception outside a test case: %s\n", summary);
  printf("0 passed, 1 failed, 0 skipped\n");
  arch::exit(3);
}

void on_tick() { Runner::tick(); }

}  // namespace kernel

namespace spec {
// A setter refused a value (spec/bitfield.h): the case's own code is wrong, so the case errors, naming the field.
void refuse(const char* field, uint64_t value, unsigned width) {
  static char why[96];
  snprintf(why, sizeof why, "spec field %s refuses 0x%llx (%u bits wide)", field, static_cast<unsigned long long>(value),
           width);
  kernel::on_exception(why);
  __builtin_unreachable();
}
}  // namespace spec
