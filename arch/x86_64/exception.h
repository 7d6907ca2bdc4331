// Reporting a CPU exception (or an unexpected interrupt): a "# "-prefixed register dump on the
// console, then kernel::on_exception(one-line summary), which does not return.
#pragma once

#include "arch/x86_64/frame.h"

namespace x86_64 {

[[noreturn]] void report_exception(const TrapFrame& f);

}  // namespace x86_64
