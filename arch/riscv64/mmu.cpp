// Identity map with Sv39 paging on (privileged spec v1.12 §4.4): 1 GiB leaf pages for the first 256 GiB
// of physical space (the lower half of Sv39's sign-extended range; virt's high PCIe window sits at
// 16 GiB). RAM is readable, writable and executable; everything else readable and writable, never
// executable, and with Svpbmt (§"Svpbmt") PBMT=IO where the CPU implements it. Without Svpbmt the
// platform's PMAs already make virt's device regions I/O (non-cacheable, strongly ordered).
#include <cstdint>

#include "arch/riscv64/riscv64.h"

namespace {
// Sv39 PTE bits (§4.4.1, Figure 4.21) and satp (§4.1.11).
constexpr uint64_t kV = 1u << 0, kR = 1u << 1, kW = 1u << 2, kX = 1u << 3, kG = 1u << 5, kA = 1u << 6,
                   kD = 1u << 7;
constexpr unsigned kPpnShift = 10;
constexpr uint64_t kPbmtIo = 2ull << 61;  // Svpbmt: PBMT=2, non-cacheable, I/O ordering
constexpr uint64_t kSatpSv39 = 8ull << 60;
constexpr unsigned kEntries = 256;  // 256 x 1 GiB: the VA range whose bit 38 is 0

alignas(4096) uint64_t g_root[512];
}  // namespace

void arch::riscv64::mmu_init(uint64_t ram_base, uint64_t ram_size, bool svpbmt) {
  const uint64_t ram_end = ram_base + ram_size;
  for (unsigned i = 0; i < kEntries; ++i) {
    const uint64_t pa = uint64_t{i} << 30;
    const bool ram = pa + (1ull << 30) > ram_base && pa < ram_end;
    // A and D preset: QEMU may raise a page fault rather than set them (Svade).
    uint64_t pte = ((pa >> 12) << kPpnShift) | kV | kR | kW | kG | kA | kD;
    pte |= ram ? kX : (svpbmt ? kPbmtIo : 0);
    g_root[i] = pte;
  }
  const uint64_t satp = kSatpSv39 | (reinterpret_cast<uint64_t>(g_root) >> 12);
  asm volatile("sfence.vma" ::: "memory");
  RISCV_WRITE_CSR(satp, satp);
  asm volatile("sfence.vma" ::: "memory");
}
