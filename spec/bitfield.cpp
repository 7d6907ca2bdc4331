// The default spec::refuse for host programs (unit tests, fuzzers, benchmarks): say which field refused
// which value, then stop. The guest kernel (kernel/runner.cpp) defines its own, which fails the running case.
#include <cstdio>

#include "spec/bitfield.h"

namespace spec {

[[gnu::weak]] void refuse(const char* field, uint64_t value, unsigned width) {
  fprintf(stderr, "spec: field %s refuses 0x%llx: it is %u bits wide\n", field,
          static_cast<unsigned long long>(value), width);
  __builtin_trap();
}

}  // namespace spec
