// Just enough of the GIC for one PPI (the timer tick): GICv2 (distributor + CPU interface, IHI 0048)
// or GICv3 (distributor + redistributor + system-register CPU interface, IHI 0069).
#include "arch/aarch64/aarch64.h"
#include "kernel/mmio.h"

namespace {
// GICv2 distributor / CPU interface.
constexpr uint64_t kGicdCtlr = 0x000;
constexpr uint64_t kGicdIsenabler = 0x100;
constexpr uint64_t kGicdIpriorityr = 0x400;
constexpr uint64_t kGiccCtlr = 0x000;
constexpr uint64_t kGiccPmr = 0x004;
constexpr uint64_t kGiccIar = 0x00c;
constexpr uint64_t kGiccEoir = 0x010;
// GICv3 redistributor (RD_base frame, then SGI_base frame 64 KiB above).
constexpr uint64_t kGicrWaker = 0x014;
constexpr uint64_t kGicrSgiBase = 0x10000;
constexpr uint32_t kWakerProcessorSleep = 1u << 1;
constexpr uint32_t kWakerChildrenAsleep = 1u << 2;

kernel::Mmio g_dist, g_cpu;  // v3: g_cpu is the first redistributor
uint32_t g_version = 0;
}  // namespace

bool arch::aarch64::gic_init(uint64_t dist, uint64_t cpu, uint32_t version) {
  g_dist = kernel::Mmio(dist);
  g_cpu = kernel::Mmio(cpu);
  g_version = version;
  if (!dist || !cpu) return false;
  if (version == 2) {
    g_dist.write32(kGicdCtlr, 1);
    g_cpu.write32(kGiccPmr, 0xf0);
    g_cpu.write32(kGiccCtlr, 1);
    return true;
  }
  // GICv3: affinity routing (ARE_NS) and group 1 non-secure enabled, redistributor awake, system
  // register interface on, priority mask open, group 1 interrupts enabled.
  g_dist.write32(kGicdCtlr, (1u << 4) | (1u << 1));
  g_cpu.write32(kGicrWaker, g_cpu.read32(kGicrWaker) & ~kWakerProcessorSleep);
  for (int i = 0; i < 100000 && (g_cpu.read32(kGicrWaker) & kWakerChildrenAsleep); ++i) {
  }
  AARCH64_WRITE_SYSREG(S3_0_C12_C12_5, AARCH64_READ_SYSREG(S3_0_C12_C12_5) | 1);  // ICC_SRE_EL1.SRE
  isb();
  AARCH64_WRITE_SYSREG(S3_0_C4_C6_0, 0xf0);  // ICC_PMR_EL1
  AARCH64_WRITE_SYSREG(S3_0_C12_C12_7, 1);   // ICC_IGRPEN1_EL1
  isb();
  return true;
}

void arch::aarch64::gic_enable_ppi(uint32_t intid) {
  if (g_version == 2) {
    g_dist.write8(kGicdIpriorityr + intid, 0xa0);
    g_dist.write32(kGicdIsenabler, 1u << intid);
    return;
  }
  const kernel::Mmio sgi(g_cpu.base() + kGicrSgiBase);
  sgi.write32(0x080, sgi.read32(0x080) | (1u << intid));  // GICR_IGROUPR0: group 1
  sgi.write8(kGicdIpriorityr + intid, 0xa0);              // GICR_IPRIORITYR
  sgi.write32(kGicdIsenabler, 1u << intid);               // GICR_ISENABLER0
}

// SPIs: priority, trigger (GICD_ICFGR: 2 bits per INTID, bit 1 = edge), target this CPU (GICv2
// GICD_ITARGETSR byte = CPU interface 0; GICv3 GICD_IROUTER = affinity 0.0.0.0), group 1 on v3.
void arch::aarch64::gic_enable_spi(uint32_t intid, bool edge_triggered) {
  constexpr uint64_t kGicdIgroupr = 0x080, kGicdItargetsr = 0x800, kGicdIcfgr = 0xc00, kGicdIrouter = 0x6000;
  g_dist.write8(kGicdIpriorityr + intid, 0xa0);
  const uint64_t cfg = kGicdIcfgr + 4 * (intid / 16);
  const uint32_t bit = 2u << (2 * (intid % 16));
  g_dist.write32(cfg, edge_triggered ? (g_dist.read32(cfg) | bit) : (g_dist.read32(cfg) & ~bit));
  if (g_version == 2) {
    g_dist.write8(kGicdItargetsr + intid, 0x01);
  } else {
    const uint64_t grp = kGicdIgroupr + 4 * (intid / 32);
    g_dist.write32(grp, g_dist.read32(grp) | (1u << (intid % 32)));
    g_dist.write64(kGicdIrouter + 8 * intid, 0);
  }
  // A pulse latched while nobody listened is dropped, so attach starts from a clean state.
  constexpr uint64_t kGicdIcpendr = 0x280;
  g_dist.write32(kGicdIcpendr + 4 * (intid / 32), 1u << (intid % 32));
  g_dist.write32(kGicdIsenabler + 4 * (intid / 32), 1u << (intid % 32));
}

void arch::aarch64::gic_disable_spi(uint32_t intid) {
  constexpr uint64_t kGicdIcenabler = 0x180, kGicdIcpendr = 0x280;
  g_dist.write32(kGicdIcenabler + 4 * (intid / 32), 1u << (intid % 32));
  g_dist.write32(kGicdIcpendr + 4 * (intid / 32), 1u << (intid % 32));  // no stale pending on re-attach
}

void arch::aarch64::gic_set_pending(uint32_t intid) {
  constexpr uint64_t kGicdIspendr = 0x200;
  g_dist.write32(kGicdIspendr + 4 * (intid / 32), 1u << (intid % 32));
}

uint32_t arch::aarch64::gic_ack() {
  if (g_version == 2) return g_cpu.read32(kGiccIar) & 0x3ff;
  return static_cast<uint32_t>(AARCH64_READ_SYSREG(S3_0_C12_C12_0) & 0xffffff);  // ICC_IAR1_EL1
}

void arch::aarch64::gic_eoi(uint32_t intid) {
  if (g_version == 2) {
    g_cpu.write32(kGiccEoir, intid);
    return;
  }
  AARCH64_WRITE_SYSREG(S3_0_C12_C12_1, intid);  // ICC_EOIR1_EL1
  isb();
}
