// arch::init for x86_64 q35: platform discovery (PVH start info, ACPI, CMOS),
// paging adjustments, interrupt controllers, time base and the 1 kHz tick (left masked: the kernel
// calls arch::irq_enable when it is ready for kernel::on_tick).
#include <cstdio>
#include <cstring>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hvm_start_info.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/time.h"
#include "drivers/iommu/intel_vtd/dmar.h"
#include "kernel/arch.h"
#include "kernel/platform.h"

extern "C" char x86_64_boot_stack_guard[];

namespace {

constexpr uint32_t kTickHz = 1000;

// The PCI hole QEMU's q35 leaves for BARs: from 0xC0000000 (just above the 256 MiB ECAM at
// 0xB0000000) up to the IOAPIC at 0xFEC00000. qboot assigns no BARs, so the whole window is ours.
constexpr uint64_t kPciHoleStart = 0xc0000000;
constexpr uint64_t kPciHoleEnd = 0xfec00000;

char cmdline[1024];

// The CMOS (MC146818 RTC NVRAM) registers QEMU's pc/q35 fill with memory sizes: 0x34/0x35 =
// RAM above 16 MiB (below 4 GiB) in 64 KiB units.
uint64_t cmos_ram_top() {
  auto cmos = [](uint8_t reg) {
    x86::outb(0x70, reg);
    return x86::inb(0x71);
  };
  const uint64_t above_16m = uint64_t{cmos(0x34)} | uint64_t{cmos(0x35)} << 8;
  return (uint64_t{16} << 20) + (above_16m << 16);
}

// The end of the highest RAM range below 4 GiB in the PVH memory map (E820 type 1), or 0.
uint64_t memmap_ram_top(const x86_64::HvmStartInfo& si) {
  if (si.version < 1 || si.memmap_paddr == 0) return 0;
  const auto* map = reinterpret_cast<const x86_64::HvmMemmapEntry*>(si.memmap_paddr);
  uint64_t top = 0;
  for (uint32_t i = 0; i < si.memmap_entries; ++i) {
    if (map[i].type != x86_64::kMemmapRam || map[i].addr >= x86_64::paging::kMappedLimit) continue;
    uint64_t end = map[i].addr + map[i].size;
    if (end > x86_64::paging::kMappedLimit) end = x86_64::paging::kMappedLimit;
    if (end > top) top = end;
  }
  return top;
}

void read_boot_info(uint64_t boot_arg, kernel::Platform& p, uint64_t* rsdp) {
  const auto* si = reinterpret_cast<const x86_64::HvmStartInfo*>(boot_arg);
  const bool pvh = si != nullptr && si->magic == x86_64::kHvmStartMagic;
  if (!pvh) printf("# x86_64: no PVH start info at 0x%lx; using CMOS and an ACPI scan\n", boot_arg);
  if (pvh && si->cmdline_paddr != 0) {
    strncpy(cmdline, reinterpret_cast<const char*>(si->cmdline_paddr), sizeof cmdline - 1);
  }
  p.cmdline = cmdline;
  *rsdp = pvh ? si->rsdp_paddr : 0;
  p.ram_base = 0;
  p.ram_size = pvh ? memmap_ram_top(*si) : 0;
  if (p.ram_size == 0) p.ram_size = cmos_ram_top();
}

void choose_pci_window(kernel::Platform& p) {
  uint64_t start = kPciHoleStart;
  // Another layout could put the ECAM inside the hole: then BARs go above it.
  if (p.ecam_size != 0 && p.ecam_base >= kPciHoleStart && p.ecam_base + p.ecam_size > start) {
    start = p.ecam_base + p.ecam_size;
  }
  if (start < kPciHoleEnd) p.mmio32 = kernel::AddressWindow{start, start, kPciHoleEnd - start};
}

}  // namespace

// The GDT, TSS and IDT are already installed (start.cpp), so faults here are reported.
void arch::init(uint64_t boot_arg) {
  kernel::Platform& p = kernel::platform();
  p.arch = "x86_64";
  uint64_t rsdp = 0;
  read_boot_info(boot_arg, p, &rsdp);
  x86_64::acpi::discover(rsdp);  // reads the BIOS data area: before page 0 is unmapped
  drivers::intel_vtd::register_dmar_units(p);  // VT-d units are platform devices only the DMAR names
  choose_pci_window(p);
  if (p.ecam_size != 0 && !x86_64::paging::set_uncached(p.ecam_base, p.ecam_size)) {
    printf("# x86_64: ECAM at 0x%lx is outside the identity map\n", static_cast<unsigned long>(p.ecam_base));
  }
  if (p.intc_cpu == 0) p.intc_cpu = x86_64::lapic::base();

  // Null-pointer accesses fault; a stack overflow hits the guard page and ends in a reported #DF.
  x86_64::paging::set_present(0, false);
  x86_64::paging::set_present(reinterpret_cast<uint64_t>(x86_64_boot_stack_guard), false);

  x86_64::lapic::init_virtual_wire();
  x86_64::pic::init();
  x86_64::timebase::calibrate();
  x86_64::pit::start_periodic(kTickHz);
  x86_64::pic::unmask(x86_64::pit::kTimerIrq);
}
