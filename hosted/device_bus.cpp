#include "hosted/device_bus.h"

#include <signal.h>
#include <sys/mman.h>

#include <cstdio>

namespace hosted {

namespace {
struct Window {
  uint64_t base = 0, size = 0;
  MmioDevice dev;
};
constexpr unsigned kMaxWindows = 8;
Window g_windows[kMaxWindows];
unsigned g_window_count = 0;
model::FlatGuestMemory g_ram(kRamBase, nullptr, 0);
struct Watch {
  void* ctx = nullptr;
  uint64_t base = 0, size = 0;
  StoreWatch stored = nullptr;
};
constexpr unsigned kMaxWatches = 2, kMaxClocks = 2;
Watch g_watches[kMaxWatches];
struct Clock {
  void* ctx = nullptr;
  void (*tick)(void*) = nullptr;
};
Clock g_clocks[kMaxClocks];
unsigned g_clock_count = 0;
volatile sig_atomic_t g_device_depth = 0;

const Window* find(uint64_t addr) {
  for (unsigned i = 0; i < g_window_count; ++i)
    if (addr >= g_windows[i].base && addr - g_windows[i].base < g_windows[i].size) return &g_windows[i];
  return nullptr;
}
}  // namespace

bool map_ram() {
  // MAP_FIXED_NOREPLACE: fail rather than clobber whatever the host process has there.
  void* p = mmap(reinterpret_cast<void*>(kRamBase), kRamSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED || reinterpret_cast<uint64_t>(p) != kRamBase) {
    if (p != MAP_FAILED) munmap(p, kRamSize);
    return false;
  }
  g_ram = model::FlatGuestMemory(kRamBase, static_cast<uint8_t*>(p), kRamSize);
  return true;
}

model::FlatGuestMemory& ram() { return g_ram; }

bool add_window(uint64_t base, uint64_t size, const MmioDevice& dev) {
  if (g_window_count == kMaxWindows || !dev.read || !dev.write) return false;
  g_windows[g_window_count++] = Window{base, size, dev};
  return true;
}

bool watch_memory(void* ctx, uint64_t base, uint64_t size, StoreWatch stored) {
  Watch* free_slot = nullptr;
  for (Watch& w : g_watches) {
    if (w.stored && w.ctx == ctx) free_slot = &w;
    if (!free_slot && !w.stored) free_slot = &w;
  }
  if (!free_slot) return false;
  *free_slot = size && stored ? Watch{ctx, base, size, stored} : Watch{};
  return true;
}

bool add_clock(void* ctx, void (*tick)(void*)) {
  if (g_clock_count == kMaxClocks || !tick) return false;
  g_clocks[g_clock_count++] = Clock{ctx, tick};
  return true;
}

void run_clocks() {
  if (g_device_depth != 0) return;  // a model is mid-access: its clock waits for the next tick
  g_device_depth = g_device_depth + 1;
  for (unsigned i = 0; i < g_clock_count; ++i) g_clocks[i].tick(g_clocks[i].ctx);
  g_device_depth = g_device_depth - 1;
}

DeviceScope::DeviceScope() { g_device_depth = g_device_depth + 1; }
DeviceScope::~DeviceScope() {
  g_device_depth = g_device_depth - 1;
  if (g_device_depth == 0) arch::host_dispatch_deferred();
}
bool in_device() { return g_device_depth != 0; }

bool mmio_read(uint64_t addr, unsigned size, uint64_t* value) {
  const Window* w = find(addr);
  if (!w) return false;
  DeviceScope scope;
  *value = w->dev.read(w->dev.ctx, addr - w->base, size);
  if (w->dev.after) w->dev.after(w->dev.ctx);
  return true;
}

bool mmio_write(uint64_t addr, unsigned size, uint64_t value) {
  for (const Watch& m : g_watches) {
    if (!m.stored || addr < m.base || addr - m.base >= m.size) continue;
    // The store lands in memory first, one access of its size as the guest made it, then the watcher hears of it;
    // both inside the scope, so that no device clock (run_clocks) sees the store before the watcher does.
    DeviceScope scope;
    switch (size) {
      case 1: *reinterpret_cast<volatile uint8_t*>(addr) = static_cast<uint8_t>(value); break;
      case 2: *reinterpret_cast<volatile uint16_t*>(addr) = static_cast<uint16_t>(value); break;
      case 4: *reinterpret_cast<volatile uint32_t*>(addr) = static_cast<uint32_t>(value); break;
      default: *reinterpret_cast<volatile uint64_t*>(addr) = value; break;
    }
    m.stored(m.ctx, addr - m.base, size);
    return true;
  }
  const Window* w = find(addr);
  if (!w) return false;
  DeviceScope scope;
  w->dev.write(w->dev.ctx, addr - w->base, size, value);
  if (w->dev.after) w->dev.after(w->dev.ctx);
  return true;
}

}  // namespace hosted
