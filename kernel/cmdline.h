// The guest's command line (DT /chosen/bootargs, PVH cmdline): space-separated words.
//   filter=GLOB[,GLOB...]  cases to run (default *)
//   exclude=GLOB[,GLOB...] cases not to run although the filter selects them (e.g. known to abort this VMM)
//   tags=TAG[,TAG...]      also run cases carrying these opt-in tags (e.g. demo-failure)
//   seed=N                 seed for the per-case random streams (default 1)
//   timeout=MS             per-case watchdog when the case sets none (default 10000)
//   bench-ms=MS            benchmark cases (tag bench): measuring window of one repetition (default 40)
//   bench-reps=N           benchmark cases: repetitions of every measurement (default 5)
//   list                   print every case and exit
#pragma once

#include <cstddef>
#include <cstdint>

namespace kernel {

struct Cmdline {
  // Sized as the x86 PVH command line (arch/x86_64/init.cpp); the harness refuses longer (configs.guest_args).
  char filter[1024] = "*";
  char exclude[1024] = "";
  char tags[128] = "";
  uint64_t seed = 1;
  uint32_t timeout_ms = 0;
  uint32_t bench_ms = 40;
  uint32_t bench_reps = 5;
  bool list = false;
  char error[128] = "";  // first unknown or malformed word (its start)
  bool error_too_long = false;  // ... because its value overflows the field above
};

Cmdline parse_cmdline(const char* s);
// The command line of the run in progress (set by the runner before the first case).
const Cmdline& current_cmdline();
// Shell-style glob with * and ?; `patterns` is a comma-separated list, any of which may match.
bool glob_match(const char* pattern, const char* text);
bool glob_match_any(const char* patterns, const char* text);
// True if the comma-separated list contains `item`.
bool list_contains(const char* list, const char* item, size_t item_len);

}  // namespace kernel
