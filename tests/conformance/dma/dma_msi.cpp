// dma.<endpoint>.completion_msi: the endpoints' completion interrupts as MSIs, without an IOMMU in the way. The
// endpoint signals each completed request with a message kernel::Msi allocated (x86_64: a LAPIC vector; riscv64
// with the AIA: an identity of the hart's S-level IMSIC interrupt file; elsewhere the cases skip): edu through its
// MSI capability, virtio-rng and virtio-blk through MSI-X entry 0 mapped to the request queue. The requests still
// complete by polling; each must also bring its message, to the number allocated, within a bound.
#include "kernel/msi.h"
#include "tests/conformance/dma/dma_check.h"

namespace {

using kernel::Clause;
using kernel::Strength;

// QEMU docs/specs/edu.rst, DMA command register bit 0x04 (MSI "if enabled", IRQ controller section).
constexpr Clause kEduDmaIrq{Strength::kMust, "QEMU docs/specs/edu.rst (DMA command register)",
                            "0x04 raise interrupt 0x100 after finishing the DMA"};
// VIRTIO 1.2 §2.7.7.2 (no VIRTIO_F_EVENT_IDX: the drivers negotiate none), delivered through the MSI-X vector
// the queue was set up with (§4.1.5.1.3).
constexpr Clause kVirtioUsedNotification{Strength::kMust, "VIRTIO 1.2 §2.7.7.2",
                                         "If flags is 0, the device MUST send a notification."};
constexpr uint32_t kMsiWaitMs = 500;  // edu's DMA timer is 100 ms of virtual time; TCG slack
constexpr uint32_t kQuietMs = 20;

// The endpoint signals completions with `msi` for this scope, and stops when it ends.
class CompletionMsi {
 public:
  CompletionMsi(kernel::Test& t, drivers::DmaEndpoint* ep, kernel::Msi& msi) : ep_(ep) {
    if (!msi.allocate()) {
      t.skip("%s", kernel::Msi::kUnavailable);
      return;
    }
    on_ = t.check("endpoint.msi", dma_tests::kBaseline, ep->set_completion_msi(msi.address(), msi.data()),
                  "%s cannot signal completions by MSI (no MSI/MSI-X capability, or the device refused the vector)",
                  ep->name());
    if (on_) t.note("%s: MSI address 0x%llx data 0x%x", ep->name(), (unsigned long long)msi.address(), msi.data());
  }
  ~CompletionMsi() {
    if (on_) ep_->clear_completion_msi();
  }
  bool on() const { return on_; }

 private:
  drivers::DmaEndpoint* ep_;
  bool on_ = false;
};

// One request (`what`): completed, and its message arrived.
bool request(kernel::Test& t, const Clause& c, kernel::Msi& msi, const char* what, drivers::DmaStatus s) {
  if (!dma_tests::expect_ok(t, what, s)) return false;
  return t.check("irq.msi", c, msi.wait(kMsiWaitMs), "%s completed but no MSI (data 0x%x) arrived within %u ms",
                 what, msi.data(), kMsiWaitMs);
}

// A round trip of `len` bytes, each direction with its message; then no message beyond those.
void roundtrip_with_msi(kernel::Test& t, const char* name, const Clause& c, size_t len, uint8_t seed) {
  drivers::DmaEndpoint* ep = dma_tests::need(t, name);
  if (!ep) return;
  kernel::Msi msi;
  CompletionMsi on(t, ep, msi);
  if (!on.on()) return;
  kernel::GuardedBuffer src, dst;
  if (!src.allocate(len, 0) || !dst.allocate(len, 0)) return t.error("no DMA memory");
  src.fill(seed);
  dst.fill(static_cast<uint8_t>(seed + 1));
  if (!request(t, c, msi, "read (memory -> device)", ep->read(src.pa(), len))) return;
  if (!request(t, c, msi, "write (device -> memory)", ep->write(dst.pa(), len))) return;
  dma_tests::expect_pattern(t, "dst", dst, seed);
  dma_tests::expect_intact(t, "dst", dst);
  kernel::wait_until([] { return false; }, kQuietMs);
  if (msi.unconsumed()) t.note("%u more MSI(s) than completions", msi.unconsumed());
}

}  // namespace

VIOMMU_TEST(dma_edu_completion_msi, "dma.edu.completion_msi", "dma,edu,irq") {
  roundtrip_with_msi(t, "edu", kEduDmaIrq, 256, 0x71);
}

VIOMMU_TEST(dma_blk_completion_msix, "dma.virtio-blk.completion_msix", "dma,virtio-blk,irq") {
  roundtrip_with_msi(t, "virtio-blk", kVirtioUsedNotification, 512, 0x72);
}

VIOMMU_TEST(dma_rng_completion_msix, "dma.virtio-rng.completion_msix", "dma,virtio-rng,irq") {
  drivers::DmaEndpoint* ep = dma_tests::need(t, "virtio-rng");
  if (!ep) return;
  kernel::Msi msi;
  CompletionMsi on(t, ep, msi);
  if (!on.on()) return;
  kernel::GuardedBuffer b;
  if (!b.allocate(64, 0)) return t.error("no DMA memory");
  b.fill(0x73);
  if (!request(t, kVirtioUsedNotification, msi, "write (device -> memory)", ep->write(b.pa(), 64))) return;
  dma_tests::expect_intact(t, "dst", b);
  kernel::wait_until([] { return false; }, kQuietMs);
  if (msi.unconsumed()) t.note("%u more MSI(s) than completions", msi.unconsumed());
}
