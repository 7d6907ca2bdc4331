// Typed bitfields, declared once (in the spirit of Fuchsia's hwreg) for registers and in-memory structures.
//
// A structure is a fixed array of little-endian 64-bit words. A field is named by its absolute bit
// positions [HI:LO] exactly as the specifications number them (e.g. SMMUv3 STE.S2VMID is [143:128]),
// so a reader can hold the spec beside the declaration. Fields never straddle a 64-bit word.
//
//   struct Ste : spec::Words<8> {
//     VIOMMU_FIELD(0, 0, v);
//     VIOMMU_FIELD(3, 1, config);
//   };
//   Ste ste; ste.set_v(1).set_config(0b101); uint64_t c = ste.config();
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spec {

template <unsigned Hi, unsigned Lo>
struct BitRange {
  static_assert(Hi >= Lo, "field bounds reversed");
  static_assert(Hi / 64 == Lo / 64, "a field must not straddle a 64-bit word");
  static constexpr unsigned word = Lo / 64;
  static constexpr unsigned shift = Lo % 64;
  static constexpr unsigned width = Hi - Lo + 1;
  static constexpr uint64_t mask = width == 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);

  static constexpr uint64_t get(uint64_t w) { return (w >> shift) & mask; }
  static constexpr uint64_t put(uint64_t w, uint64_t v) {
    return (w & ~(mask << shift)) | ((v & mask) << shift);
  }
  // True when v fits the field without truncation (used by builders that must not silently drop bits).
  static constexpr bool fits(uint64_t v) { return (v & ~mask) == 0; }
};

template <size_t N>
struct Words {
  static constexpr size_t kWords = N;
  static constexpr size_t kBytes = N * 8;
  std::array<uint64_t, N> words{};

  template <unsigned Hi, unsigned Lo>
  constexpr uint64_t bits() const {
    return BitRange<Hi, Lo>::get(words[BitRange<Hi, Lo>::word]);
  }
  template <unsigned Hi, unsigned Lo>
  constexpr void set_bits(uint64_t v) {
    auto& w = words[BitRange<Hi, Lo>::word];
    w = BitRange<Hi, Lo>::put(w, v);
  }
  constexpr bool operator==(const Words&) const = default;
};

// A 32-bit register value with the same field interface (bit numbers within the register).
struct Reg32 {
  uint32_t value = 0;
  template <unsigned Hi, unsigned Lo>
  constexpr uint32_t bits() const {
    static_assert(Hi < 32);
    return static_cast<uint32_t>(BitRange<Hi, Lo>::get(value));
  }
  template <unsigned Hi, unsigned Lo>
  constexpr void set_bits(uint64_t v) {
    static_assert(Hi < 32);
    value = static_cast<uint32_t>(BitRange<Hi, Lo>::put(value, v));
  }
  constexpr bool operator==(const Reg32&) const = default;
};

// A 64-bit register value.
struct Reg64 : Words<1> {
  constexpr uint64_t raw() const { return words[0]; }
  constexpr void set_raw(uint64_t v) { words[0] = v; }
};

}  // namespace spec

// Declares `name()` and `set_name(v)` (chainable) for the field at absolute bits [HI:LO].
#define VIOMMU_FIELD(HI, LO, name)                                              \
  constexpr uint64_t name() const { return this->template bits<HI, LO>(); }     \
  constexpr auto& set_##name(uint64_t v) {                                      \
    this->template set_bits<HI, LO>(v);                                         \
    return *this;                                                               \
  }                                                                             \
  static constexpr unsigned name##_lo = LO;                                     \
  static constexpr unsigned name##_width = HI - LO + 1;                         \
  /* the field's bits within its 64-bit word (or its 32-bit register) */        \
  static constexpr uint64_t name##_mask = spec::BitRange<HI, LO>::mask << spec::BitRange<HI, LO>::shift

// A single-bit field.
#define VIOMMU_BIT(B, name) VIOMMU_FIELD(B, B, name)
