// MSI vector dispatch (arch/x86_64/irq.cpp).
#pragma once

#include <cstdint>

namespace x86_64 {
// Runs the handler attached to a device vector and sends the LAPIC EOI; false for other vectors.
bool dispatch_device_irq(uint64_t vector);
}  // namespace x86_64
