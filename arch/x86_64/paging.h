// Changes to the identity map boot.S built (0 .. 4 GiB in 2 MiB pages, >= 0xC0000000 uncached).
#pragma once

#include <cstdint>

namespace x86_64::paging {

inline constexpr uint64_t kMappedLimit = uint64_t{4} << 30;

// Marks [base, base + size) uncached (PCD|PWT), widened to 2 MiB pages. False outside the map.
bool set_uncached(uint64_t base, uint64_t size);
// Makes one 4 KiB page present or not present (the 2 MiB page holding it is split on first use).
bool set_present(uint64_t page, bool present);

}  // namespace x86_64::paging
