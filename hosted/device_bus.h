// The hosted runner's "system bus": guest RAM at its guest-physical address and the device windows that
// kernel::Mmio routes into a model (kernel/mmio.h, VIOMMU_HOSTED).
//
// Guest RAM is an anonymous mapping placed at the aarch64 virt RAM address, so a guest-physical address
// is the host pointer, exactly as in the guest's identity map: drivers, cases and the model share it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/guest_memory.h"

namespace hosted {

// aarch64 virt: RAM at 0x4000_0000 (QEMU hw/arm/virt.c memmap VIRT_MEM), 512 MiB like `-m 512M`.
inline constexpr uint64_t kRamBase = 0x4000'0000;
inline constexpr uint64_t kRamSize = 512ull << 20;

// Maps guest RAM (false when the host already uses that range). Then ram() is the model's view of it.
bool map_ram();
model::FlatGuestMemory& ram();

// A device model's register window. Handlers take the offset inside the window.
struct MmioDevice {
  void* ctx = nullptr;
  uint64_t (*read)(void* ctx, uint64_t off, unsigned size) = nullptr;
  void (*write)(void* ctx, uint64_t off, unsigned size, uint64_t value) = nullptr;
  // Called after every access and every DMA the device served (interrupt outputs, see below).
  void (*after)(void* ctx) = nullptr;
};
bool add_window(uint64_t base, uint64_t size, const MmioDevice& dev);

// Memory a device watches (a write monitor): a register store (kernel::Mmio) to [base, base + size) lands in
// the memory there as stored, then `stored` is told where and how wide it was (not the value: the device reads
// the memory). Loads are plain loads. One watch per `ctx`: watching again moves it; size 0 ends it.
using StoreWatch = void (*)(void* ctx, uint64_t off, unsigned size);
bool watch_memory(void* ctx, uint64_t base, uint64_t size, StoreWatch stored);

// A device's own clock: called from the runner's 1 kHz tick (arch_host.cpp) unless a device model is running,
// for a device that works at its own pace rather than on register accesses.
bool add_clock(void* ctx, void (*tick)(void* ctx));
void run_clocks();

// Device models run to completion on the caller's thread. While one runs, interrupt dispatch (SIGALRM in
// arch_host.cpp) is held back, so a handler that reads registers never sees a model half-way through an
// access; pending interrupts are dispatched right after (DeviceScope's destructor).
class DeviceScope {
 public:
  DeviceScope();
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
};
bool in_device();

}  // namespace hosted

namespace arch {
// arch_host.cpp: dispatches vectors made pending while a device model ran (if interrupts are unmasked).
void host_dispatch_deferred();
}  // namespace arch
