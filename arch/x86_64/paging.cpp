// Edits to the boot page tables. Entry formats: SDM 3A 4.5 (4-level paging), tables 4-17 (PDE
// mapping a 2 MiB page) and 4-19/4-20 (PDE referencing a page table, PTE mapping 4 KiB).
#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"

extern "C" uint64_t x86_64_boot_pd[4 * 512];  // boot.S: one PDE per 2 MiB of 0 .. 4 GiB

namespace x86_64::paging {
namespace {

constexpr uint64_t kP = 1u << 0;
constexpr uint64_t kRw = 1u << 1;
constexpr uint64_t kPwt = 1u << 3;
constexpr uint64_t kPcd = 1u << 4;
constexpr uint64_t kPs = 1u << 7;
constexpr uint64_t kAddrMask = 0x000ffffffffff000;
constexpr uint64_t k2M = uint64_t{2} << 20;

// Page tables for split 2 MiB pages (the null page, the stack guard, spare).
constexpr unsigned kSpareTables = 4;
alignas(4096) uint64_t tables[kSpareTables][512];
unsigned tables_used = 0;

// A mov to CR3 drops every non-global translation: simplest correct flush after editing a PDE.
void flush_tlb() { x86::write_cr3(x86::read_cr3()); }

uint64_t* pte_for(uint64_t page) {
  uint64_t& pde = x86_64_boot_pd[page >> 21];
  if (pde & kPs) {
    if (tables_used == kSpareTables) return nullptr;
    uint64_t* pt = tables[tables_used++];
    const uint64_t base = pde & kAddrMask;
    const uint64_t cache = pde & (kPwt | kPcd);
    for (unsigned i = 0; i < 512; ++i) pt[i] = (base + i * 4096) | kP | kRw | cache;
    pde = reinterpret_cast<uint64_t>(pt) | kP | kRw;  // identity map: virtual == physical
    flush_tlb();
  }
  return reinterpret_cast<uint64_t*>(pde & kAddrMask) + ((page >> 12) & 511);
}

}  // namespace

bool set_uncached(uint64_t base, uint64_t size) {
  if (size == 0 || base >= kMappedLimit || size > kMappedLimit - base) return false;
  for (uint64_t a = base & ~(k2M - 1); a < base + size; a += k2M) {
    uint64_t& pde = x86_64_boot_pd[a >> 21];
    if (!(pde & kPs)) return false;  // split pages are RAM pages; not expected here
    pde |= kPcd | kPwt;
  }
  flush_tlb();
  return true;
}

bool set_present(uint64_t page, bool present) {
  if (page >= kMappedLimit) return false;
  uint64_t* pte = pte_for(page & ~uint64_t{4095});
  if (!pte) return false;
  if (present) *pte |= kP; else *pte &= ~kP;
  x86::invlpg(page);
  return true;
}

}  // namespace x86_64::paging
