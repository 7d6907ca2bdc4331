// Identity map with the MMU on: RAM as Normal write-back memory, everything else as Device-nGnRnE
// (VMSAv8-64, Arm ARM D8). 4 KiB granule, 48-bit VA, level 0 -> level 1 tables of 1 GiB blocks for the
// first 1 TiB of physical space (virt puts its high PCIe ECAM at 256 GiB and the 64-bit PCI window at
// 512 GiB). Device memory is never executable.
#include <cstdint>

#include "arch/aarch64/aarch64.h"

namespace {
constexpr uint64_t kBlockDesc = 0b01;
constexpr uint64_t kTableDesc = 0b11;
constexpr uint64_t kAttrIndxDevice = 0 << 2;  // MAIR_EL1.Attr0
constexpr uint64_t kAttrIndxNormal = 1 << 2;  // MAIR_EL1.Attr1
constexpr uint64_t kShInner = 3u << 8;
constexpr uint64_t kAf = 1u << 10;
constexpr uint64_t kPxn = 1ull << 53;
constexpr uint64_t kUxn = 1ull << 54;
constexpr uint64_t kMair = 0x00 | (0xffull << 8);  // Attr0 Device-nGnRnE, Attr1 Normal WB RW-allocate

alignas(4096) uint64_t g_l0[512];
alignas(4096) uint64_t g_l1[2][512];
}  // namespace

void arch::aarch64::mmu_init(uint64_t ram_base, uint64_t ram_size) {
  const uint64_t ram_end = ram_base + ram_size;
  for (unsigned t = 0; t < 2; ++t) {
    g_l0[t] = reinterpret_cast<uint64_t>(&g_l1[t][0]) | kTableDesc;
    for (unsigned i = 0; i < 512; ++i) {
      const uint64_t pa = (uint64_t{t} * 512 + i) << 30;
      const bool ram = pa + (1ull << 30) > ram_base && pa < ram_end;
      g_l1[t][i] = pa | kBlockDesc | kAf |
                   (ram ? (kAttrIndxNormal | kShInner) : (kAttrIndxDevice | kPxn | kUxn));
    }
  }
  const uint64_t parange = AARCH64_READ_SYSREG(id_aa64mmfr0_el1) & 0xf;
  const uint64_t ips = parange > 5 ? 5 : parange;
  // TCR_EL1: T0SZ=16, IRGN0=ORGN0=WB-WA, SH0=inner, TG0=4K, EPD1 (no TTBR1 walks), IPS=PARange.
  const uint64_t tcr = 16 | (1u << 8) | (1u << 10) | (3u << 12) | (0u << 14) | (1ull << 23) | (ips << 32);
  AARCH64_WRITE_SYSREG(mair_el1, kMair);
  AARCH64_WRITE_SYSREG(tcr_el1, tcr);
  AARCH64_WRITE_SYSREG(ttbr0_el1, reinterpret_cast<uint64_t>(g_l0));
  asm volatile("dsb ish; tlbi vmalle1; dsb ish" ::: "memory");
  isb();
  uint64_t sctlr = AARCH64_READ_SYSREG(sctlr_el1);
  sctlr |= (1u << 0) | (1u << 2) | (1u << 12);  // M, C, I
  sctlr &= ~((1u << 1) | (1u << 19));           // no alignment checks, no WXN
  AARCH64_WRITE_SYSREG(sctlr_el1, sctlr);
  isb();
}
