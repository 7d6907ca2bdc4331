// The PLIC (RISC-V PLIC specification v1.0.0, ch. 3 memory map): priority per source at 4*n, enables
// per context at 0x2000 + 0x80*ctx, threshold and claim/complete at 0x200000 + 0x1000*ctx. One context
// is used: the boot hart's S-mode context, which the DT names.
#include "arch/riscv64/riscv64.h"
#include "kernel/mmio.h"

namespace {
constexpr uint64_t kPriority = 0x0;
constexpr uint64_t kEnable = 0x2000;
constexpr uint64_t kEnableStride = 0x80;
constexpr uint64_t kContext = 0x200000;
constexpr uint64_t kContextStride = 0x1000;
constexpr uint64_t kThreshold = 0x0;
constexpr uint64_t kClaim = 0x4;

kernel::Mmio g_plic;
uint32_t g_context = 0;
uint32_t g_sources = 0;
}  // namespace

bool arch::riscv64::plic_init(uint64_t base, uint32_t context, uint32_t sources) {
  if (!base || !sources) return false;
  g_plic = kernel::Mmio(base);
  g_context = context;
  g_sources = sources;
  for (uint32_t s = 1; s <= sources; ++s) plic_enable(s, false);
  g_plic.write32(kContext + kContextStride * context + kThreshold, 0);  // every priority > 0 interrupts
  RISCV_SET_CSR(sie, kSieSeie);
  return true;
}

void arch::riscv64::plic_enable(uint32_t source, bool on) {
  const uint64_t reg = kEnable + kEnableStride * g_context + 4 * (source / 32);
  const uint32_t bit = 1u << (source % 32);
  const uint32_t v = g_plic.read32(reg);
  g_plic.write32(reg, on ? (v | bit) : (v & ~bit));
  g_plic.write32(kPriority + 4 * source, on ? 1 : 0);
}

uint32_t arch::riscv64::plic_claim() { return g_plic.read32(kContext + kContextStride * g_context + kClaim); }

void arch::riscv64::plic_complete(uint32_t source) {
  g_plic.write32(kContext + kContextStride * g_context + kClaim, source);
}

uint32_t arch::riscv64::plic_sources() { return g_sources; }
