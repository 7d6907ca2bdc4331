#include "drivers/iommu/riscv_iommu/domain.h"

#include "kernel/platform.h"

namespace drivers::riscv_iommu {

const char* to_string(Stages st) {
  switch (st) {
    case Stages::kFirst: return "first stage";
    case Stages::kSecond: return "G-stage";
    case Stages::kNested: return "nested";
  }
  return "?";
}

uint64_t mode_of(const s::PagingScheme& scheme) {
  // Sv39(x4) 8, Sv48(x4) 9, Sv57(x4) 10: 8 + levels - 3.
  return 8 + scheme.levels - 3;
}

Domain::Domain(RiscvIommu* iommu, const DomainConfig& c)
    : iommu_(iommu), cfg_(c), first_(*c.first), second_(*c.second) {}

bool Domain::init() {
  if (!iommu_) return false;
  if (has_first() && !first_.init()) return false;
  if (has_second() && !second_.init()) return false;
  if (cfg_.stages == Stages::kNested && cfg_.identity_g_stage) {
    // Guest RAM GPA == SPA in 1 GiB leaves (level 2 of every x4 scheme): the first stage's tables and the
    // pages it maps are reachable at their own addresses.
    const kernel::Platform& p = kernel::platform();
    constexpr uint64_t kGiB = uint64_t{1} << 30;
    for (uint64_t a = p.ram_base & ~(kGiB - 1); a < p.ram_base + p.ram_size; a += kGiB)
      if (!second_.map(a, a, 2, Perm::rw())) return false;
  }
  return true;
}

s::DeviceContext Domain::context() const {
  s::DeviceContext dc;
  s::Tc tc;
  tc.set_v(1);
  s::Fsc fsc;
  if (has_first()) fsc.set_mode(mode_of(*cfg_.first)).set_ppn(first_.root() >> 12);
  s::Iohgatp g;
  if (has_second()) g.set_mode(mode_of(*cfg_.second)).set_ppn(second_.root() >> 12).set_gscid(cfg_.gscid);
  s::DcTa ta;
  if (has_first()) ta.set_pscid(cfg_.pscid);
  dc.set_tc(tc).set_iohgatp(g).set_ta(ta).set_fsc(fsc);
  return dc;
}

bool Domain::map(uint64_t iova, uint64_t pa, uint64_t len, Perm p) {
  bool ok = true;
  for (uint64_t off = 0; ok && off < len; off += 4096) ok = translating().map_4k(iova + off, pa + off, p);
  return ok;
}

bool Domain::unmap(uint64_t iova, uint64_t len) {
  bool ok = true;
  for (uint64_t off = 0; ok && off < len; off += 4096) ok = translating().unmap(iova + off);
  return ok;
}

bool Domain::queue_invalidate_page(uint64_t iova) {
  Inval i;
  i.av = true;
  i.addr = iova;
  if (!has_first()) {
    i.gv = true;
    i.gscid = cfg_.gscid;
    return iommu_->queue(RiscvIommu::gvma_command(i));
  }
  i.pscv = true;
  i.pscid = cfg_.pscid;
  i.gv = has_second();
  i.gscid = has_second() ? cfg_.gscid : 0;
  return iommu_->queue(RiscvIommu::vma_command(i));
}

bool Domain::invalidate(uint64_t iova, uint64_t len) {
  bool ok = true;
  for (uint64_t off = 0; ok && off < len; off += 4096) {
    ok = queue_invalidate_page(iova + off);
    // A fence every half queue, so that the queue never fills (its head is only read by queue()).
    if (ok && ((off >> 12) + 1) % (iommu_->cq_entries() / 2) == 0) ok = iommu_->fence();
  }
  return ok && iommu_->fence();
}

bool Domain::invalidate_all() {
  Inval i;
  if (!has_first()) {
    i.gv = true;
    i.gscid = cfg_.gscid;
    return iommu_->queue(RiscvIommu::gvma_command(i)) && iommu_->fence();
  }
  i.pscv = true;
  i.pscid = cfg_.pscid;
  i.gv = has_second();
  i.gscid = has_second() ? cfg_.gscid : 0;
  return iommu_->queue(RiscvIommu::vma_command(i)) && iommu_->fence();
}

}  // namespace drivers::riscv_iommu
