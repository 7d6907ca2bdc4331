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
//
// A setter refuses a value that does not fit its field (spec::refuse: the guest fails the case naming the
// field, a host program stops), and a constant that does not fit does not compile. Code that means to drop
// bits says so at the call site. Each field also has a descriptor `name_field` (spec::Field: the spec's
// name, its bits, optionally how to name its values), and a structure may list its fields with
// VIOMMU_FIELDS(...) as `kFields`, so comparisons and diagnostics iterate over fields instead of naming them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spec {

// Called by a setter given a value wider than its field: a bug of the caller, never of a device. The guest
// kernel fails the running case with the field's name; the default (host programs) traps.
[[noreturn]] void refuse(const char* field, uint64_t value, unsigned width);

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
  // put(), refusing a value that does not fit (not callable in a constant expression: a constant that does
  // not fit fails to compile).
  static constexpr uint64_t put_checked(uint64_t w, uint64_t v, const char* name) {
    if (!fits(v)) refuse(name, v, width);
    return put(w, v);
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
  template <unsigned Hi, unsigned Lo>
  constexpr void set_field(uint64_t v, const char* name) {
    auto& w = words[BitRange<Hi, Lo>::word];
    w = BitRange<Hi, Lo>::put_checked(w, v, name);
  }
  constexpr uint64_t word(unsigned i) const { return words[i]; }
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
  template <unsigned Hi, unsigned Lo>
  constexpr void set_field(uint64_t v, const char* name) {
    static_assert(Hi < 32);
    value = static_cast<uint32_t>(BitRange<Hi, Lo>::put_checked(value, v, name));
  }
  constexpr uint64_t word(unsigned i) const { return i == 0 ? value : 0; }
  constexpr bool operator==(const Reg32&) const = default;
};

// A 64-bit register value.
struct Reg64 : Words<1> {
  constexpr uint64_t raw() const { return words[0]; }
  constexpr void set_raw(uint64_t v) { words[0] = v; }
};

// A register of type R (a Reg32 or Reg64) holding `raw`, a value read from the device.
template <typename R>
constexpr R reg_from(uint64_t raw) {
  R r{};
  if constexpr (requires { r.set_raw(raw); }) r.set_raw(raw);
  else r.value = static_cast<uint32_t>(raw);
  return r;
}

// Bits [hi:lo] of v, shifted down: how a value is cut into the fields that hold its parts (an address split
// over several fields, a record holding only some of an address's bits). The one place bits are dropped on
// purpose.
constexpr uint64_t bits_of(uint64_t v, unsigned hi, unsigned lo) {
  const unsigned width = hi - lo + 1;
  return (v >> lo) & (width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1);
}

// A field as data, for code that walks a structure's fields: compares two records field by field, prints
// one. `describe` (optional) names a value, e.g. an event type's name.
struct Field {
  const char* name;  // as the specification spells it
  unsigned hi, lo;
  const char* (*describe)(uint64_t) = nullptr;  // names a value, or nullptr
  unsigned scale = 0;  // an address field holding address bits [..:scale]: its value is raw << scale

  constexpr Field described(const char* (*d)(uint64_t)) const { return Field{name, hi, lo, d, scale}; }
  constexpr Field scaled(unsigned s) const { return Field{name, hi, lo, describe, s}; }

  constexpr unsigned width() const { return hi - lo + 1; }
  constexpr uint64_t mask() const { return width() == 64 ? ~uint64_t{0} : (uint64_t{1} << width()) - 1; }
  template <class S>
  constexpr uint64_t get(const S& s) const {
    return (s.word(lo / 64) >> (lo % 64)) & mask();
  }
  constexpr bool operator==(const Field& o) const { return hi == o.hi && lo == o.lo; }
};

// The fields a record defines in a given state (some fields exist only for some record types), built by
// the spec layer for comparators to iterate.
template <size_t N>
struct FieldList {
  Field fields[N] = {};
  size_t count = 0;
  constexpr FieldList& add(const Field& f) {
    if (count < N) fields[count++] = f;
    return *this;
  }
  constexpr const Field* begin() const { return fields; }
  constexpr const Field* end() const { return fields + count; }
};

}  // namespace spec

// Declares `name()`, `set_name(v)` (chainable, refusing a value that does not fit) and the descriptor
// `name_field` for the field at absolute bits [HI:LO], which the specification calls SPEC_NAME.
#define VIOMMU_NAMED_FIELD(HI, LO, name, SPEC_NAME)                             \
  constexpr uint64_t name() const { return this->template bits<HI, LO>(); }     \
  constexpr auto& set_##name(uint64_t v) {                                      \
    this->template set_field<HI, LO>(v, SPEC_NAME);                             \
    return *this;                                                               \
  }                                                                             \
  static constexpr unsigned name##_lo = LO;                                     \
  static constexpr unsigned name##_width = HI - LO + 1;                         \
  static constexpr spec::Field name##_field{SPEC_NAME, HI, LO};                 \
  /* the field's bits within its 64-bit word (or its 32-bit register) */        \
  static constexpr uint64_t name##_mask = spec::BitRange<HI, LO>::mask << spec::BitRange<HI, LO>::shift

#define VIOMMU_FIELD(HI, LO, name) VIOMMU_NAMED_FIELD(HI, LO, name, #name)

// A single-bit field.
#define VIOMMU_BIT(B, name) VIOMMU_FIELD(B, B, name)
#define VIOMMU_NAMED_BIT(B, name, SPEC_NAME) VIOMMU_NAMED_FIELD(B, B, name, SPEC_NAME)

// `static constexpr spec::Field kFields[]`: the listed fields' descriptors, in the order given.
#define VIOMMU_FIELDS(...) static constexpr spec::Field kFields[] = {VIOMMU_FIELD_DESCS_(__VA_ARGS__)}

#define VIOMMU_FIELD_DESC_(f) f##_field,
#define VIOMMU_FIELD_DESCS_(...) VIOMMU_FOR_EACH_(VIOMMU_FIELD_DESC_, __VA_ARGS__)
// A bounded FOR_EACH (up to 24 names), enough for the widest record the spec layer lists.
#define VIOMMU_FOR_EACH_(m, ...) VIOMMU_FE_PICK_(__VA_ARGS__, VIOMMU_FE24_, VIOMMU_FE23_, VIOMMU_FE22_, VIOMMU_FE21_, \
    VIOMMU_FE20_, VIOMMU_FE19_, VIOMMU_FE18_, VIOMMU_FE17_, VIOMMU_FE16_, VIOMMU_FE15_, VIOMMU_FE14_, VIOMMU_FE13_,     \
    VIOMMU_FE12_, VIOMMU_FE11_, VIOMMU_FE10_, VIOMMU_FE9_, VIOMMU_FE8_, VIOMMU_FE7_, VIOMMU_FE6_, VIOMMU_FE5_,          \
    VIOMMU_FE4_, VIOMMU_FE3_, VIOMMU_FE2_, VIOMMU_FE1_)(m, __VA_ARGS__)
#define VIOMMU_FE_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, \
    _21, _22, _23, _24, NAME, ...) NAME
#define VIOMMU_FE1_(m, a) m(a)
#define VIOMMU_FE2_(m, a, ...) m(a) VIOMMU_FE1_(m, __VA_ARGS__)
#define VIOMMU_FE3_(m, a, ...) m(a) VIOMMU_FE2_(m, __VA_ARGS__)
#define VIOMMU_FE4_(m, a, ...) m(a) VIOMMU_FE3_(m, __VA_ARGS__)
#define VIOMMU_FE5_(m, a, ...) m(a) VIOMMU_FE4_(m, __VA_ARGS__)
#define VIOMMU_FE6_(m, a, ...) m(a) VIOMMU_FE5_(m, __VA_ARGS__)
#define VIOMMU_FE7_(m, a, ...) m(a) VIOMMU_FE6_(m, __VA_ARGS__)
#define VIOMMU_FE8_(m, a, ...) m(a) VIOMMU_FE7_(m, __VA_ARGS__)
#define VIOMMU_FE9_(m, a, ...) m(a) VIOMMU_FE8_(m, __VA_ARGS__)
#define VIOMMU_FE10_(m, a, ...) m(a) VIOMMU_FE9_(m, __VA_ARGS__)
#define VIOMMU_FE11_(m, a, ...) m(a) VIOMMU_FE10_(m, __VA_ARGS__)
#define VIOMMU_FE12_(m, a, ...) m(a) VIOMMU_FE11_(m, __VA_ARGS__)
#define VIOMMU_FE13_(m, a, ...) m(a) VIOMMU_FE12_(m, __VA_ARGS__)
#define VIOMMU_FE14_(m, a, ...) m(a) VIOMMU_FE13_(m, __VA_ARGS__)
#define VIOMMU_FE15_(m, a, ...) m(a) VIOMMU_FE14_(m, __VA_ARGS__)
#define VIOMMU_FE16_(m, a, ...) m(a) VIOMMU_FE15_(m, __VA_ARGS__)
#define VIOMMU_FE17_(m, a, ...) m(a) VIOMMU_FE16_(m, __VA_ARGS__)
#define VIOMMU_FE18_(m, a, ...) m(a) VIOMMU_FE17_(m, __VA_ARGS__)
#define VIOMMU_FE19_(m, a, ...) m(a) VIOMMU_FE18_(m, __VA_ARGS__)
#define VIOMMU_FE20_(m, a, ...) m(a) VIOMMU_FE19_(m, __VA_ARGS__)
#define VIOMMU_FE21_(m, a, ...) m(a) VIOMMU_FE20_(m, __VA_ARGS__)
#define VIOMMU_FE22_(m, a, ...) m(a) VIOMMU_FE21_(m, __VA_ARGS__)
#define VIOMMU_FE23_(m, a, ...) m(a) VIOMMU_FE22_(m, __VA_ARGS__)
#define VIOMMU_FE24_(m, a, ...) m(a) VIOMMU_FE23_(m, __VA_ARGS__)
