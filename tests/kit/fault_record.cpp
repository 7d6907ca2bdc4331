#include "tests/kit/fault_record.h"

#include <cstdio>
#include <cstring>

namespace kit {

namespace {
using ull = unsigned long long;

// "0x10 (F_TRANSLATION)" or "0x10".
void format_value(char* buf, size_t cap, const spec::Field& f, uint64_t raw) {
  const char* name = f.describe ? f.describe(raw) : nullptr;
  if (name)
    snprintf(buf, cap, "0x%llx (%s)", static_cast<ull>(value_of(f, raw)), name);
  else
    snprintf(buf, cap, "0x%llx", static_cast<ull>(value_of(f, raw)));
}
}  // namespace

uint64_t value_of(const spec::Field& f, uint64_t raw) { return raw << f.scale; }

void append_field(char* buf, size_t cap, const spec::Field& f, uint64_t raw) {
  const size_t used = strnlen(buf, cap);
  if (used + 1 >= cap) return;
  char v[64];
  format_value(v, sizeof v, f, raw);
  snprintf(buf + used, cap - used, "%s%s=%s", used ? " " : "", f.name, v);
}

void judge_field(kernel::Test& t, const char* prefix, const spec::Field& f, const FieldRule& rule, uint64_t expected,
                 uint64_t observed, const char* observed_text) {
  char id[40];
  snprintf(id, sizeof id, "%s.%s", prefix, f.name);
  char want[64], got[64];
  format_value(want, sizeof want, f, expected);
  format_value(got, sizeof got, f, observed);
  const bool same = expected == observed;
  switch (rule.kind) {
    case FieldRule::Kind::kEqual:
      t.check(id, *rule.clause, same, "expected %s, observed %s; observed record: %s", want, got, observed_text);
      return;
    case FieldRule::Kind::kEqualOrAlt: {
      char alt[64];
      format_value(alt, sizeof alt, f, rule.alt);
      if (t.check(id, *rule.clause, same || observed == rule.alt, "expected %s or %s, observed %s; observed record: %s",
                  want, alt, got, observed_text))
        t.choice(id, *rule.clause, same, "device reported %s, the model %s", got, want);
      return;
    }
    case FieldRule::Kind::kAny:  // not a check: nothing the device reports here can be wrong
      t.choice(id, *rule.clause, same, "device reported %s, the model %s", got, want);
      return;
  }
}

}  // namespace kit
