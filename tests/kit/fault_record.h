// Fault records compared field by field through the spec layer's field descriptors (spec::Field), for every
// IOMMU alike: the spec layer says which fields a record defines, the IOMMU's clauses.h which clause defines
// each, and this file how to compare and report them. One check per field, ID "<prefix>.<field's name>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/test.h"
#include "spec/bitfield.h"

namespace kit {

// How one field of a record is judged.
struct FieldRule {
  enum class Kind : uint8_t {
    kEqual,       // the device's value must equal the oracle's
    kEqualOrAlt,  // the oracle's value or `alt`: the spec permits both (OPEN); the device's pick is noted
    kAny,         // the spec leaves the value to the device (OPEN): every value passes, a different pick is noted
  };
  const kernel::Clause* clause;
  Kind kind = Kind::kEqual;
  uint64_t alt = 0;
};

// The value a field holds, as the spec reads it (an address field's value is the address).
uint64_t value_of(const spec::Field& f, uint64_t raw);

// One field judged by its rule; `observed_text` (the whole observed record, or "") goes with a failure.
void judge_field(kernel::Test& t, const char* prefix, const spec::Field& f, const FieldRule& rule, uint64_t expected,
                 uint64_t observed, const char* observed_text);

// "Name=0x.. Name=0x.." for the given fields of r.
template <class Record>
void format_record(char* buf, size_t cap, std::span<const spec::Field> fields, const Record& r);

// Judges every field of `fields` in observed against expected; rule_of(const spec::Field&) -> FieldRule.
template <class Record, class RuleOf>
void compare_record(kernel::Test& t, const char* prefix, std::span<const spec::Field> fields, const Record& expected,
                    const Record& observed, RuleOf rule_of) {
  char text[320];
  format_record(text, sizeof text, fields, observed);
  for (const spec::Field& f : fields) judge_field(t, prefix, f, rule_of(f), f.get(expected), f.get(observed), text);
}

void append_field(char* buf, size_t cap, const spec::Field& f, uint64_t raw);

template <class Record>
void format_record(char* buf, size_t cap, std::span<const spec::Field> fields, const Record& r) {
  if (cap) buf[0] = 0;
  for (const spec::Field& f : fields) append_field(buf, cap, f, f.get(r));
}

}  // namespace kit
