// Identity map with paging on (privileged spec v1.12 §4.3-4.5): Sv48 where satp takes it, else Sv39. Both use
// one table of 512 1 GiB leaves for the first 512 GiB of physical space: it is Sv39's root (whose lower half,
// 256 GiB, is what Sv39 can reach without sign extension; virt's high PCIe window sits at 16 GiB) and the
// level-2 table under Sv48's root entry 0, so Sv48 maps the first 512 GiB. Nothing above is mapped: a wild
// pointer page-faults rather than reaching for a device that is not there. RAM is readable, writable and
// executable; everything else readable and writable, never executable, and with Svpbmt (§"Svpbmt") PBMT=IO where
// the CPU implements it. Without Svpbmt the platform's PMAs already make virt's device regions I/O
// (non-cacheable, strongly ordered).
#include <cstdint>

#include "arch/riscv64/riscv64.h"

namespace {
// PTE bits (§4.4.1, Figure 4.21) and satp (§4.1.11, Table 4.4: MODE 8 Sv39, 9 Sv48).
constexpr uint64_t kV = 1u << 0, kR = 1u << 1, kW = 1u << 2, kX = 1u << 3, kG = 1u << 5, kA = 1u << 6,
                   kD = 1u << 7;
constexpr unsigned kPpnShift = 10;
constexpr uint64_t kPbmtIo = 2ull << 61;  // Svpbmt: PBMT=2, non-cacheable, I/O ordering
constexpr unsigned kSatpModeShift = 60;
constexpr uint64_t kSatpSv39 = 8, kSatpSv48 = 9;
constexpr unsigned kEntries = 512;

alignas(4096) uint64_t g_gib[kEntries];    // 1 GiB leaves: Sv39 root, Sv48 level 2 under root entry 0
alignas(4096) uint64_t g_sv48[kEntries];   // Sv48 root

uint64_t leaf(uint64_t pa, bool executable, bool svpbmt) {
  // A and D preset: QEMU may raise a page fault rather than set them (Svade).
  uint64_t pte = ((pa >> 12) << kPpnShift) | kV | kR | kW | kG | kA | kD;
  return pte | (executable ? kX : (svpbmt ? kPbmtIo : 0));
}
uint64_t satp_value(uint64_t mode, const uint64_t* root) {
  return mode << kSatpModeShift | (reinterpret_cast<uint64_t>(root) >> 12);
}
}  // namespace

unsigned arch::riscv64::mmu_init(uint64_t ram_base, uint64_t ram_size, bool svpbmt) {
  const uint64_t ram_end = ram_base + ram_size;
  for (unsigned i = 0; i < kEntries; ++i) {
    const uint64_t pa = uint64_t{i} << 30;
    g_gib[i] = leaf(pa, pa + (1ull << 30) > ram_base && pa < ram_end, svpbmt);
  }
  g_sv48[0] = ((reinterpret_cast<uint64_t>(g_gib) >> 12) << kPpnShift) | kV;  // non-leaf: R=W=X=0
  asm volatile("sfence.vma" ::: "memory");
  // "If satp is written with an unsupported MODE, the entire write has no effect" (§4.1.11): the read-back
  // tells whether Sv48 is on. Either way the code runs on, identity mapped.
  RISCV_WRITE_CSR(satp, satp_value(kSatpSv48, g_sv48));
  unsigned bits = 48;
  if (RISCV_READ_CSR(satp) >> kSatpModeShift != kSatpSv48) {
    RISCV_WRITE_CSR(satp, satp_value(kSatpSv39, g_gib));
    bits = 39;
  }
  asm volatile("sfence.vma" ::: "memory");
  return bits;
}
