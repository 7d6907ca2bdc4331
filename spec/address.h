// Address arithmetic that is not a field: alignment and offsets within a power-of-two block, written once so
// model and drivers name what they compute (a page's base, the offset in a block) instead of spelling masks.
//
//   spec::align_down(va, 21)  // the 2 MiB block holding va     spec::offset_in(va, 21)  // va's offset in it
//   spec::align_down_to(pa, size), spec::offset_within(pa, size)   // the same with a power-of-two size in bytes
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec {

// The low `bits` bits set (all 64 when bits >= 64).
constexpr uint64_t low_bits(unsigned bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }
// a rounded down to a multiple of 2^log2 (0 when log2 >= 64), and a's offset within that 2^log2 block.
constexpr uint64_t align_down(uint64_t a, unsigned log2) { return a & ~low_bits(log2); }
constexpr uint64_t offset_in(uint64_t a, unsigned log2) { return a & low_bits(log2); }
// The same for a block of `size` bytes, a power of two.
constexpr uint64_t align_down_to(uint64_t a, uint64_t size) { return a & ~(size - 1); }
constexpr uint64_t offset_within(uint64_t a, uint64_t size) { return a & (size - 1); }
// True when a has no bits at or above bit `bits` (fits an address space of 2^bits bytes).
constexpr bool fits_bits(uint64_t a, unsigned bits) { return bits >= 64 || (a >> bits) == 0; }

static_assert(align_down(0x12345, 12) == 0x12000 && offset_in(0x12345, 12) == 0x345);
static_assert(align_down(0xffff'ffff'ffff'ffffull, 64) == 0 && offset_in(5, 64) == 5);
static_assert(align_down_to(0x12345, 0x1000) == 0x12000 && offset_within(0x12345, 0x1000) == 0x345);
static_assert(fits_bits(0xfff, 12) && !fits_bits(0x1000, 12) && fits_bits(~uint64_t{0}, 64));

// A 64-bit register or address seen as two 32-bit halves, as 32-bit MMIO and PCI configuration accesses see it
// (SMMUv3 §6.2: "a 32-bit access to either half" of a 64-bit register; AMD-Vi §3.1 capability base low/high).
struct Halves64 : Reg64 {
  VIOMMU_FIELD(31, 0, lo);
  VIOMMU_FIELD(63, 32, hi);
  static constexpr Halves64 of(uint64_t v) {
    Halves64 h;
    h.set_raw(v);
    return h;
  }
  static constexpr Halves64 of(uint32_t lo, uint32_t hi) {
    Halves64 h;
    h.set_lo(lo).set_hi(hi);
    return h;
  }
};
static_assert(Halves64::of(0x1111'2222'3333'4444ull).hi() == 0x1111'2222 &&
              Halves64::of(1u, 2u).raw() == 0x2'0000'0001ull);

}  // namespace spec
