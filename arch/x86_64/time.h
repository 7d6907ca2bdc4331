// Time since boot from the TSC, calibrated against the PIT.
#pragma once

#include <cstdint>

namespace x86_64::timebase {

void calibrate();       // sets the TSC frequency and the boot epoch
uint64_t tsc_hz();

}  // namespace x86_64::timebase
