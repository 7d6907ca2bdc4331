// The runner proves itself: failures, exceptions and hangs are reported as such and the run goes on;
// a skip is never a pass. The cases that must fail carry the demo-failure tag, so they run only when
// asked for (tests/lit/selftest-*.test runs them and checks what the runner reported).
#include <cstdint>
#include <cstring>

#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/dma_memory.h"
#include "kernel/test.h"

using kernel::kSuite;

namespace {
constexpr const char* kDemo = "selftest,demo-failure";
}

VIOMMU_TEST(data_abort, "selftest.runner.data_abort", kDemo) {
  // An address in no RAM, device or PCI window of either machine: a synchronous external abort
  // on aarch64 (or a translation fault if unmapped), a page fault on x86_64, a load page fault on riscv64
  // (not a canonical Sv39 address).
  volatile uint64_t* bad = reinterpret_cast<volatile uint64_t*>(0xdead0000000ull);
  t.check("unreachable", kSuite, *bad == 0x1234, "read from an unmapped address returned");
}

VIOMMU_TEST_T(spin, "selftest.runner.spin", kDemo, 200) {
  for (;;) asm volatile("" ::: "memory");
}

VIOMMU_TEST(check_fails, "selftest.runner.check_fails", kDemo) {
  t.expect_eq("deliberately_wrong_value", kSuite, 1, 2);
}

// A failed SHOULD check warns and the case still passes; an OPEN difference is a note; a suite error fails
// the case (and can never be an expected failure).
VIOMMU_TEST(should_warns, "selftest.runner.should_warns", kDemo) {
  static constexpr kernel::Clause kShould{kernel::Strength::kShould, "selftest", "a recommendation"};
  static constexpr kernel::Clause kOpen{kernel::Strength::kOpen, "selftest", "the device may choose"};
  t.check("recommended", kShould, false, "deliberately not followed");
  t.choice("choice", kOpen, false, "the device picked the other permitted outcome");
  t.expect_eq("value", kSuite, 1, 1);
}

VIOMMU_TEST(suite_error, "selftest.runner.suite_error", kDemo) {
  t.expect_eq("value", kSuite, 1, 1);
  t.error("deliberate suite error");
}

VIOMMU_TEST(no_check, "selftest.runner.no_check", kDemo) {
  // Checks nothing: the runner must not call this a pass.
}

VIOMMU_TEST(skipped, "selftest.runner.skipped", "selftest") {
  t.skip("skipped on purpose: a skip must never be counted as a pass");
}

// Runs after the failing ones (cases run in name order): proves the runner survived them, with
// interrupts and time still working.
VIOMMU_TEST(z_after_timeout, "selftest.runner.z_after_failures", "selftest") {
  const uint64_t t0 = arch::now_ns();
  const bool advanced = kernel::wait_until([&] { return arch::now_ns() > t0 + 2000000; }, 100);
  t.check("time.advances", kSuite, advanced, "time did not advance by 2 ms within 100 ms");
}

VIOMMU_TEST(glob, "selftest.kernel.glob", "selftest") {
  t.check("glob", kSuite, kernel::glob_match("dma.*", "dma.edu.x"), "dma.* matches dma.edu.x");
  t.check("glob", kSuite, !kernel::glob_match("dma.*", "smmuv3.x"), "dma.* does not match smmuv3.x");
  t.check("glob", kSuite, kernel::glob_match("*.edu.?", "dma.edu.x"), "*.edu.? matches dma.edu.x");
  t.check("glob", kSuite, kernel::glob_match_any("a,b*,c", "bee"), "a,b*,c matches bee");
  t.check("glob", kSuite, !kernel::glob_match_any("a,b,c", "d"), "a,b,c does not match d");
}

VIOMMU_TEST(cmdline, "selftest.kernel.cmdline", "selftest") {
  const kernel::Cmdline c = kernel::parse_cmdline("filter=x.*,y exclude=x.z seed=0x10 tags=demo-failure timeout=50");
  t.check("cmdline.error", kSuite, c.error[0] == 0, "no parse error (got '%s')", c.error);
  t.check("cmdline.filter", kSuite, kernel::glob_match_any(c.filter, "y"), "filter kept both patterns");
  t.check("cmdline.exclude", kSuite, kernel::glob_match_any(c.exclude, "x.z") && !kernel::glob_match_any(c.exclude, "x.y"),
          "exclude= keeps its pattern (got '%s')", c.exclude);
  t.expect_eq("seed", kSuite, 0x10, c.seed);
  t.expect_eq("timeout", kSuite, 50, c.timeout_ms);
  const kernel::Cmdline bad = kernel::parse_cmdline("seed=abc");
  t.check("cmdline.bad_seed", kSuite, bad.error[0] != 0, "seed=abc is rejected");
  // A value longer than its field is refused as too long, never cut into a different filter.
  static char long_filter[sizeof c.filter + 16];
  memcpy(long_filter, "filter=", 7);
  memset(long_filter + 7, 'a', sizeof long_filter - 8);
  const kernel::Cmdline too_long = kernel::parse_cmdline(long_filter);
  t.check("cmdline.too_long", kSuite, too_long.error[0] != 0 && too_long.error_too_long,
          "a filter= of %zu characters is refused as too long (error '%.20s', too long %d)", sizeof long_filter - 8,
          too_long.error, too_long.error_too_long);
}

VIOMMU_TEST(dma_pool, "selftest.kernel.dma_pool", "selftest") {
  const size_t before = kernel::DmaMemory::free_bytes();
  const uint64_t a = kernel::DmaMemory::alloc(4096);
  const uint64_t b = kernel::DmaMemory::alloc(2u << 20);
  const uint64_t c = kernel::DmaMemory::alloc(5000);  // rounds up to 8 KiB
  t.check("alloc", kSuite, a && b && c, "allocations succeeded (a=0x%llx b=0x%llx c=0x%llx)", (unsigned long long)a,
          (unsigned long long)b, (unsigned long long)c);
  t.expect_eq("a_4k_aligned", kSuite, 0, a & 0xfff);
  t.expect_eq("b_2m_aligned", kSuite, 0, b & 0x1fffff);
  t.expect_eq("c_8k_aligned", kSuite, 0, c & 0x1fff);
  t.expect_eq("zero_filled", kSuite, 0, *kernel::DmaMemory::ptr<uint64_t>(b + 4096));
  t.expect_eq("free_bytes", kSuite, before - 4096 - (2u << 20) - 8192, kernel::DmaMemory::free_bytes());
  kernel::DmaMemory::free(c, 5000);
  t.expect_eq("poisoned_when_freed", kSuite, kernel::kPoison, *kernel::DmaMemory::ptr<uint8_t>(c + 100));
  kernel::DmaMemory::free(a, 4096);
  kernel::DmaMemory::free(b, 2u << 20);
  t.expect_eq("all_returned", kSuite, before, kernel::DmaMemory::free_bytes());
  t.expect_eq("too_large_refused", kSuite, 0, kernel::DmaMemory::alloc((2u << 20) + 1));
}

VIOMMU_TEST(guarded_buffer, "selftest.kernel.guarded_buffer", "selftest") {
  kernel::GuardedBuffer g;
  t.check("alloc", kSuite, g.allocate(100, 4090), "allocate 100 bytes at page offset 4090");
  t.expect_eq("payload_page_offset", kSuite, 4090, g.pa() & 0xfff);
  g.fill(7);
  t.check("pattern_reads_back", kSuite, g.matches(7), "pattern reads back");
  t.check("canaries_intact", kSuite, g.intact(), "canaries intact after writing the payload only");
  g.data()[100] = 0;  // one byte past the end: the canary must catch it
  long at = 0;
  t.check("overrun_detected", kSuite, !g.intact(&at), "a write one byte past the payload is detected");
  t.expect_eq("damaged_offset", kSuite, 100, static_cast<uint64_t>(at));
}

namespace {
// An interrupt number no device uses: a spare SPI on aarch64 virt; on riscv64 virt a PLIC source wired to
// nothing (it uses 1-8 virtio-mmio, 10 UART, 11 RTC, 32-35 PCIe INTx) or, with an IMSIC, an identity below
// the ones kernel::Msi hands out (from the top); a free MSI vector on x86_64.
#if defined(VIOMMU_ARCH_aarch64)
constexpr uint32_t kSpareIrq = 32 + 100;
#elif defined(VIOMMU_ARCH_riscv64)
constexpr uint32_t kSpareIrq = 64;
#else
constexpr uint32_t kSpareIrq = arch::kFirstDeviceIrq + 0x40;
#endif
volatile unsigned g_irq_count = 0;
void count_irq(void*) { g_irq_count = g_irq_count + 1; }
}  // namespace

VIOMMU_TEST(device_irq, "selftest.kernel.device_irq", "selftest") {
  g_irq_count = 0;
  if (!t.check("irq.attach", kSuite, arch::irq_attach(kSpareIrq, count_irq, nullptr, true), "attach irq %u", kSpareIrq)) return;
  t.check("irq.attach_twice", kSuite, !arch::irq_attach(kSpareIrq, count_irq, nullptr, true), "a second attach of irq %u is refused",
          kSpareIrq);
  arch::irq_trigger(kSpareIrq);
  const bool delivered = kernel::wait_until([] { return g_irq_count != 0; }, 100);
  t.check("irq.delivered", kSuite, delivered, "software-triggered irq %u reached its handler within 100 ms", kSpareIrq);
  t.expect_eq("handler_runs", kSuite, 1, g_irq_count);
  arch::irq_detach(kSpareIrq);
  arch::irq_trigger(kSpareIrq);
  kernel::wait_until([] { return false; }, 5);
  t.expect_eq("no_delivery_after_detach", kSuite, 1, g_irq_count);
}
