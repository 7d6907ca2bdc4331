// riscv-iommu.ddt.*: the device directory (§2.1, §2.3.1) in 1, 2 and 3 levels, the Off and Bare modes (§2.3,
// §5.5), invalid and misconfigured directory entries, and that an invalid device context is not cached (§2.8).
// Each outcome is first predicted by the model from the same tables.
#include "tests/conformance/riscv_iommu/fixture.h"

using namespace riscv_iommu_tests;  // NOLINT

namespace {

// The driver's DDT replaced by a fresh one of `levels` levels for the case, the driver's own back afterwards.
class DdtDepth {
 public:
  DdtDepth(kernel::Test& t, RiscvIommu* v, unsigned levels) : t_(t), v_(v), saved_(v->ddt_levels()) {
    if (v->use_ddt(levels)) {
      ok_ = true;
      return;
    }
    // §5.5 "An IOMMU is allowed to support a subset of directory-table levels": an nLVL mode that does not read
    // back (busy clear, Off reached first) is one this IOMMU lacks: skipped, not failed.
    const uint64_t root = v->ddt_root();
    const auto mode = static_cast<s::IommuMode>(static_cast<unsigned>(s::IommuMode::kOff) + 1 + levels);
    if (!root) {
      t.error("a %u-level DDT: %s", levels, v->last_error());
    } else if (v->set_ddtp(s::IommuMode::kOff, root) && !v->set_ddtp(mode, root) && !v->ddtp().busy()) {
      t.skip("the %u-level DDT mode does not read back (%s): §5.5 allows a subset of levels", levels,
             v->last_error());
    } else {
      t.check("ddtp.iommu_mode", kDdtLevels, false, "a %u-level DDT: %s", levels, v->last_error());
    }
  }
  ~DdtDepth() {
    if (!v_->use_ddt(saved_)) t_.error("the driver's %u-level DDT back: %s", saved_, v_->last_error());
  }
  bool ok() const { return ok_; }

 private:
  kernel::Test& t_;
  RiscvIommu* v_;
  unsigned saved_;
  bool ok_ = false;
};

void depth_case(kernel::Test& t, unsigned levels) {
  RiscvIommu* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "virtio-blk") : nullptr;
  if (!ep) return;
  DdtDepth depth(t, v, levels);
  if (!depth.ok()) return;
  Domain a(t, v, ep, first_stage(s::kSv39, 0x12));
  if (!a.ok()) return;
  const DmaBlock src(kPage), dst(kPage);
  if (!src.pa || !dst.pa) return t.error("no DMA memory");
  if (!a.pt().map_4k(kTestIova, src.pa) || !a.pt().map_4k(kTestIova + kPage, dst.pa))
    return t.error("no memory for page tables");
  expect_translated(t, v, a.requester(), kTestIova + 0x80, src.pa + 0x80, kTestIova + kPage + 0x100, dst.pa + 0x100,
                    512, kDdtWalk);
}

// edu attached to a first-stage domain (so that it can be loaded and read back through the staging page), then
// body(v, a) with the IOMMU in whatever state the case makes.
template <typename F>
void with_edu(kernel::Test& t, uint32_t pscid, F&& body) {
  with_domain(t, first_stage(s::kSv39, pscid), body, "edu");
}

}  // namespace

VIOMMU_TEST(riscv_iommu_ddt_1lvl, "riscv-iommu.ddt.levels_1", "riscv-iommu,dma") { depth_case(t, 1); }
VIOMMU_TEST(riscv_iommu_ddt_2lvl, "riscv-iommu.ddt.levels_2", "riscv-iommu,dma") { depth_case(t, 2); }
VIOMMU_TEST(riscv_iommu_ddt_3lvl, "riscv-iommu.ddt.levels_3", "riscv-iommu,dma") { depth_case(t, 3); }

VIOMMU_TEST(riscv_iommu_ddt_off_write, "riscv-iommu.ddt.off_blocks_write", "riscv-iommu,dma,fault") {
  with_edu(t, 0x13, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    const uint8_t seed = next_seed();
    kit::DmaProbe load(t, a.ep(), a.staging(), kit::ProbeClauses{kFirstStage, kOff});
    if (!load.load(256, seed)) return;
    DdtpMode off(t, v, s::IommuMode::kOff);
    if (!off.ok()) return;
    v->drain_faults();
    // Off: no staging reachable; the device writes what it was loaded with.
    kit::DmaProbe probe(t, a.ep(), kit::Staging{}, kit::ProbeClauses{kFirstStage, kOff});
    probe.expect_terminated(kDeviceWrites, victim.pa, victim.pa, 256, seed);
    expect_record_of(t, v, a.devid(), victim.pa, kDeviceWrites, {}, 256);
  });
}

VIOMMU_TEST(riscv_iommu_ddt_off_read, "riscv-iommu.ddt.off_blocks_read", "riscv-iommu,dma,fault") {
  with_edu(t, 0x14, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    const uint8_t seed = next_seed();
    kit::DmaProbe probe(t, a.ep(), a.staging(), kit::ProbeClauses{kFirstStage, kOff});
    // The device first holds pattern(~seed), the victim pattern(seed).
    if (!probe.load(256, static_cast<uint8_t>(~seed))) return;
    uint8_t* secret = kernel::DmaMemory::ptr<uint8_t>(victim.pa);
    for (size_t i = 0; i < 256; ++i) secret[i] = kit::pattern(seed, i);
    arch::dma_wmb();
    {
      DdtpMode off(t, v, s::IommuMode::kOff);
      if (!off.ok()) return;
      v->drain_faults();
      const drivers::DmaStatus st = a.ep()->read(victim.pa, 256);
      if (st == drivers::DmaStatus::kOk) t.note("edu reported success for a read the IOMMU terminates");
      expect_record_of(t, v, a.devid(), victim.pa, kDeviceReads, {}, 256);
    }
    // Translation back on: what the device holds goes out through the staging page.
    uint8_t* stage = kernel::DmaMemory::ptr<uint8_t>(a.stage_pa());
    for (size_t i = 0; i < 256; ++i) stage[i] = 0;
    arch::dma_wmb();
    const drivers::DmaStatus back = a.ep()->write(kStageIova, 256);
    arch::dma_rmb();
    size_t leaked = 0;
    for (size_t i = 0; i < 256; ++i) leaked += stage[i] == kit::pattern(seed, i);
    t.check("dma.no_leak", kOff, back == drivers::DmaStatus::kOk && leaked < 64,
            "after a read in Off mode the device holds %zu of 256 bytes of the victim (read-back %s)", leaked,
            drivers::to_string(back));
  });
}

VIOMMU_TEST(riscv_iommu_ddt_bare, "riscv-iommu.ddt.bare_passthrough", "riscv-iommu,dma") {
  RiscvIommu* v = need_iommu(t);
  drivers::DmaEndpoint* ep = v ? need_endpoint(t, "edu") : nullptr;
  if (!ep) return;
  const DmaBlock stage(kPage), src(kPage), dst(kPage);
  if (!stage.pa || !src.pa || !dst.pa) return t.error("no DMA memory");
  DdtpMode bare(t, v, s::IommuMode::kBare);
  if (!bare.ok()) return;
  // Bare: every address is its own; the staging page too.
  const Requester r{ep, drv::device_id_of(ep->rid()), kit::Staging{stage.pa, stage.pa, kPage}};
  expect_translated(t, v, r, src.pa + 0x40, src.pa + 0x40, dst.pa + 0x200, dst.pa + 0x200, 256, kBare);
}

VIOMMU_TEST(riscv_iommu_ddt_dc_invalid, "riscv-iommu.ddt.dc_not_valid", "riscv-iommu,dma,fault") {
  with_edu(t, 0x15, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    // V=0 with the rest of the context intact: "all other bits in DC are don't-care".
    s::DeviceContext dc = a.context();
    dc.set_tc(s::Tc{});
    if (!a.set_context(dc)) return;
    expect_fault(t, v, Requester{a.ep(), a.devid(), {}}, victim.pa + 0x100, kDeviceWrites, victim.pa, kDcNotValid,
                 RecordLeeway{&kDcNotValid});
  });
}

VIOMMU_TEST(riscv_iommu_ddt_dc_becomes_valid, "riscv-iommu.ddt.dc_valid_without_invalidation", "riscv-iommu,dma") {
  // edu: no rings of its own, so the DMA that finds V=0 leaves the endpoint working.
  with_edu(t, 0x16, [&](RiscvIommu* v, Domain& a) {
    const DmaBlock src(kPage), dst(kPage);
    if (!src.pa || !dst.pa) return t.error("no DMA memory");
    if (!a.pt().map_4k(kTestIova, src.pa) || !a.pt().map_4k(kTestIova + kPage, dst.pa))
      return t.error("no memory for page tables");
    const s::DeviceContext good = a.context();
    s::DeviceContext invalid = good;
    invalid.set_tc(s::Tc{});
    if (!a.set_context(invalid)) return;
    // A DMA that finds V=0 (a fault: the IOMMU looked the context up), then V=1 stored without IODIR.INVAL_DDT:
    // an invalid context is never cached, so the next DMA uses the valid one.
    v->drain_faults();
    (void)a.ep()->write(kTestIova, 256);
    v->drain_faults();
    if (!v->write_dc_raw(a.devid(), good)) return t.error("%s", v->last_error());
    expect_translated(t, v, a.requester(), kTestIova + 0x200, src.pa + 0x200, kTestIova + kPage, dst.pa, 256,
                      kNoInvalidCaching);
  });
}

namespace {

// The non-leaf DDT entry above edu's context replaced by make(old value) for one blocked write by edu, then
// restored with IODIR.INVAL_DDT DV=0 (§6.3.1 for a non-leaf change).
void ddte_case(kernel::Test& t, uint32_t pscid, uint64_t (*make)(uint64_t), const kernel::Clause& c) {
  with_edu(t, pscid, [&](RiscvIommu* v, Domain& a) {
    volatile uint64_t* e = v->ddte_slot(a.devid(), 1);
    if (!e) return t.skip("the driver's DDT has %u level(s): no non-leaf entry", v->ddt_levels());
    const DmaBlock victim(kPage);
    if (!victim.pa) return t.error("no DMA memory");
    const uint64_t saved = *e;
    *e = make(saved);
    arch::mb();
    const bool inval = v->iodir_inval_ddt(false);
    if (t.check("cmd.fence", kIofence, inval, "IODIR.INVAL_DDT DV=0: %s", v->last_error()))
      expect_fault(t, v, Requester{a.ep(), a.devid(), {}}, victim.pa + 0x80, kDeviceWrites, victim.pa, c,
                   RecordLeeway{&c});
    *e = saved;
    arch::mb();
    t.check("cmd.fence", kIofence, v->iodir_inval_ddt(false), "IODIR.INVAL_DDT DV=0: %s", v->last_error());
  });
}

}  // namespace

VIOMMU_TEST(riscv_iommu_ddte_invalid, "riscv-iommu.ddt.ddte_not_valid", "riscv-iommu,dma,fault") {
  ddte_case(t, 0x17, [](uint64_t) -> uint64_t { return 0; }, kDdteNotValid);
}

VIOMMU_TEST(riscv_iommu_ddte_reserved, "riscv-iommu.ddt.ddte_reserved_bit", "riscv-iommu,dma,fault") {
  // V=1, the same PPN, and bit 1 ("reserved") set: misconfigured.
  ddte_case(t, 0x18, [](uint64_t old) -> uint64_t { return old | 2; }, kDdteMisconfigured);
}

VIOMMU_TEST(riscv_iommu_ddte_outside, "riscv-iommu.ddt.ddte_outside_memory", "riscv-iommu,dma,fault") {
  // A valid entry whose next level is far outside RAM (2^55, below PAS on this machine): the DC read fails.
  ddte_case(t, 0x19, [](uint64_t) -> uint64_t {
    s::DdtEntry d;
    d.set_v(1).set_ppn((uint64_t{1} << 55) >> 12);
    return d.raw();
  }, kDcLoadFault);
}
