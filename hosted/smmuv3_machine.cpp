// model-smmuv3: the aarch64 `virt,iommu=smmuv3` machine as the smmuv3.* cases see it, with the reference
// model (model/smmuv3) in place of QEMU's SMMU.
//
// - Platform: a DTB with what QEMU's carries (hw/arm/virt.c create_smmu, create_pcie), read by the same
//   kernel::fdt_discover() as in the guest: the SMMU
//   at 0x0905_0000 (size 0x20000: Page 0 and Page 1), its wired interrupts "eventq", "priq", "cmdq-sync",
//   "gerror" on SPIs 74..77 (GIC INTIDs 106..109), and the PCI host's iommu-map RID -> StreamID identity.
//   The INTIDs double as the host's interrupt vectors (arch_host.cpp, [0x30, 0xfe]).
// - The model advertises Config::full() (stages 1 and 2, 2-level stream and CD tables, SubstreamIDs, MSI,
//   all granules): the most the cases can exercise; they adapt to the ID registers as on any SMMU.
// - Wired interrupts: the model counts each interrupt it asserts (Counters); after every register access
//   and every DMA the machine turns a new count into a pending vector, for a source whose IRQ_CFG0 names
//   no MSI address (§3.18: the MSI replaces the wired output when configured).
// - Options: `model-options=alt` makes the model take the other reading wherever the specification lets an
//   implementation choose and model::smmuv3::Config has a choice for it; `model-options=NAME[,NAME]` sets single
//   choices (kOptions). The cases must pass either way (tests/lit/model-smmuv3-alt.test).
#include <cstdio>
#include <cstring>
#include <new>

#include "hosted/device_bus.h"
#include "hosted/fdt_builder.h"
#include "hosted/machine.h"
#include "kernel/arch.h"
#include "kernel/fdt.h"
#include "kernel/platform.h"
#include "model/smmuv3/smmu.h"
#include "spec/smmuv3/registers.h"

namespace hosted {

namespace {

using spec::smmuv3::RegOffset;

constexpr uint64_t kSmmuBase = 0x0905'0000;
constexpr uint64_t kSmmuSize = 0x2'0000;
constexpr uint32_t kSmmuPhandle = 0x8002;
constexpr uint32_t kFirstIntid = 32 + 74;  // eventq; priq, cmdq-sync, gerror follow

alignas(model::smmuv3::Smmu) unsigned char g_storage[sizeof(model::smmuv3::Smmu)];
model::smmuv3::Smmu* g_smmu = nullptr;
model::smmuv3::Smmu::Counters g_seen{};

model::smmuv3::Smmu& smmu() { return *g_smmu; }

// The model's choices (model::smmuv3::Config), by name.
struct Option {
  const char* name;
  bool model::smmuv3::Config::*member;
};
constexpr Option kOptions[] = {
    // IHI 0070 §5.2 STRW: a non-zero STRW with SMMU_IDR0.Hyp == 0 is RES0; the model may deem the STE invalid.
    {"strw_res0_invalid", &model::smmuv3::Config::strw_res0_nonzero_invalid},
};

// model-options=alt | NAME[,NAME...]: false (after a KTAP comment) when a name is unknown.
bool parse_options(const char* spec, model::smmuv3::Config* c) {
  for (const char* p = spec; *p;) {
    const char* end = strchr(p, ',');
    const size_t n = end ? static_cast<size_t>(end - p) : strlen(p);
    bool known = false;
    for (const Option& o : kOptions) {
      if ((n == 3 && strncmp(p, "alt", 3) == 0) || (strlen(o.name) == n && strncmp(p, o.name, n) == 0)) {
        c->*o.member = true;
        known = true;
      }
    }
    if (!known) {
      printf("# hosted: unknown SMMUv3 model option '%.*s' (model-options=alt or:", static_cast<int>(n), p);
      for (const Option& o : kOptions) printf(" %s", o.name);
      printf(")\n");
      return false;
    }
    p = end ? end + 1 : p + n;
  }
  return true;
}

uint64_t read(void*, uint64_t off, unsigned size) {
  const uint32_t o = static_cast<uint32_t>(off);
  if (size == 8) return smmu().mmio_read64(o);
  // Narrower than a register (the driver makes none): the containing 32-bit register's bytes.
  const uint32_t word = smmu().mmio_read32(o & ~3u);
  return size == 4 ? word : (word >> ((o & 3u) * 8)) & ((1u << (size * 8)) - 1);
}

void write(void*, uint64_t off, unsigned size, uint64_t value) {
  const uint32_t o = static_cast<uint32_t>(off);
  if (size == 8) return smmu().mmio_write64(o, value);
  if (size == 4) return smmu().mmio_write32(o, static_cast<uint32_t>(value));
  // §6.2: sub-word register accesses are CONSTRAINED UNPREDICTABLE; the model keeps the register as is.
}

// True when the source's MSI address is 0 or the SMMU has no MSIs: the wired output is used (§3.18).
bool wired(uint32_t cfg0_offset) {
  if (!smmu().caps().msi) return true;
  return (smmu().mmio_read64(cfg0_offset) & 0x000f'ffff'ffff'fffcull) == 0;
}

void assert_irq(uint64_t now, uint64_t& seen, unsigned source, bool is_wired) {
  if (now == seen) return;
  seen = now;
  const kernel::IommuDesc* d = kernel::platform().find_iommu(kernel::IommuKind::kSmmuV3);
  if (is_wired && d) arch::irq_trigger(d->irqs[source]);
}

// Every new interrupt the model asserted since the last call, as a pending vector.
void after(void*) {
  const auto& c = smmu().counters();
  assert_irq(c.eventq_irqs, g_seen.eventq_irqs, 0, wired(RegOffset::kEventqIrqCfg0));
  assert_irq(c.sync_irqs, g_seen.sync_irqs, 2, true);  // counted only for CMD_SYNCs without an MSI
  assert_irq(c.gerror_irqs, g_seen.gerror_irqs, 3, wired(RegOffset::kGerrorIrqCfg0));
}

bool translate(uint16_t rid, uint64_t iova, bool write, uint64_t* pa) {
  DeviceScope scope;
  model::smmuv3::Transaction txn;
  txn.sid = rid;  // iommu-map identity
  txn.iova = iova;
  txn.write = write;
  // A PCIe request without a PASID prefix: Unprivileged Data (IHI 0070 §3.9, §13.7).
  txn.privileged = false;
  txn.instruction = false;
  const model::smmuv3::Outcome o = smmu().translate(txn);
  after(nullptr);
  if (!o.ok()) return false;
  *pa = o.pa;
  return true;
}

bool init() {
  model::smmuv3::Config config = model::smmuv3::Config::full();
  if (const char* spec = machine_option("model-options")) {
    if (!parse_options(spec, &config)) return false;
    printf("# hosted: SMMUv3 model options:");
    for (const Option& o : kOptions)
      if (config.*o.member) printf(" %s", o.name);
    printf("\n");
  }
  g_smmu = new (g_storage) model::smmuv3::Smmu(ram(), config);
  g_seen = g_smmu->counters();
  static FdtBuilder dt;  // the blob outlives init(): the platform keeps pointers into it
  dt.begin_node("");
  dt.prop_u32("#address-cells", 2);
  dt.prop_u32("#size-cells", 2);
  dt.begin_node("smmuv3@9050000");
  dt.prop_string("compatible", "arm,smmu-v3");
  const uint32_t reg[] = {0, static_cast<uint32_t>(kSmmuBase), 0, static_cast<uint32_t>(kSmmuSize)};
  dt.prop_cells("reg", reg, 4);
  uint32_t irqs[12];  // GIC triples: SPI, number, edge-rising
  for (uint32_t i = 0; i < 4; ++i) {
    irqs[3 * i] = 0;
    irqs[3 * i + 1] = kFirstIntid - 32 + i;
    irqs[3 * i + 2] = 1;
  }
  dt.prop_cells("interrupts", irqs, 12);
  static constexpr char kNames[] = "eventq\0priq\0cmdq-sync\0gerror";
  dt.prop_strings("interrupt-names", kNames, sizeof kNames);
  dt.prop_u32("phandle", kSmmuPhandle);
  dt.end_node();
  // The PCI host's iommu-map (RID -> StreamID identity), with no ECAM: the endpoints are the host's.
  dt.begin_node("pcie@10000000");
  dt.prop_string("compatible", "pci-host-ecam-generic");
  const uint32_t no_ecam[] = {0, 0, 0, 0};
  dt.prop_cells("reg", no_ecam, 4);
  const uint32_t map[] = {0, kSmmuPhandle, 0, 0x10000};
  dt.prop_cells("iommu-map", map, 4);
  dt.end_node();
  dt.end_node();
  const void* blob = dt.finish();
  if (!blob || !kernel::fdt_discover(blob, kernel::platform())) return false;
  return add_window(kSmmuBase, kSmmuSize, MmioDevice{nullptr, read, write, after});
}

}  // namespace

const Machine kSmmuv3Machine = {
    "smmuv3", "smmuv3.*,selftest.*",
    "SMMUv3 reference model (model/smmuv3, Config::full()) at 0x9050000, wired IRQs INTID 106-109", init,
    translate};
VIOMMU_HOSTED_MACHINE(kSmmuv3Machine);

}  // namespace hosted
