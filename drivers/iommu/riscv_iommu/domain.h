// A translation domain of the RISC-V IOMMU: the device context a device is attached with, and its page
// tables. First stage only (iosatp Sv39/Sv48/Sv57, PSCID), G-stage only (iohgatp Sv39x4/Sv48x4/Sv57x4,
// GSCID: the IOVA is a GPA), or both (nested: the first stage maps IOVA -> GPA and its tables are GPAs, so the
// G-stage maps guest RAM GPA == SPA with 1 GiB leaves unless the caller builds its own). map() and unmap()
// change the stage that translates the IOVA; invalidate() sends the §6.3.4/§6.3.5 IOTINVAL with IOFENCE.C.
#pragma once

#include <cstdint>

#include "drivers/iommu/riscv_iommu/page_table.h"
#include "drivers/iommu/riscv_iommu/riscv_iommu.h"

namespace drivers::riscv_iommu {

enum class Stages : uint8_t { kFirst, kSecond, kNested };
const char* to_string(Stages st);

struct DomainConfig {
  Stages stages = Stages::kFirst;
  const s::PagingScheme* first = &s::kSv39;    // iosatp.MODE (kFirst, kNested)
  const s::PagingScheme* second = &s::kSv39x4;  // iohgatp.MODE (kSecond, kNested)
  uint32_t pscid = 1;
  uint16_t gscid = 1;
  bool identity_g_stage = true;  // kNested: map guest RAM GPA == SPA in the G-stage
};

// iosatp.MODE / iohgatp.MODE encodings of a scheme (§2.1.3.2, §2.1.3.4): Sv39 8, Sv48 9, Sv57 10; the x4
// schemes alike.
uint64_t mode_of(const s::PagingScheme& scheme);

class Domain {
 public:
  Domain(RiscvIommu* iommu, const DomainConfig& c);
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  [[nodiscard]] bool init();
  const DomainConfig& config() const { return cfg_; }
  bool has_first() const { return cfg_.stages != Stages::kSecond; }
  bool has_second() const { return cfg_.stages != Stages::kFirst; }
  PageTable& first() { return first_; }
  PageTable& second() { return second_; }
  // The table an IOVA is mapped in: the first stage, or the G-stage when the domain has no first stage.
  PageTable& translating() { return has_first() ? first_ : second_; }

  // The device context: V=1, the stages' modes and roots, PSCID and GSCID; MSI translation off.
  s::DeviceContext context() const;

  // 4 KiB pages of [iova, iova + len) -> [pa, ...) in the translating stage.
  [[nodiscard]] bool map(uint64_t iova, uint64_t pa, uint64_t len, Perm p = Perm::rw());
  [[nodiscard]] bool unmap(uint64_t iova, uint64_t len);
  // The IOTINVAL for one page of the translating stage (first stage: IOTINVAL.VMA PSCV=1, AV=1, and GV=1
  // with the GSCID when nested; G-stage only: IOTINVAL.GVMA GV=1, AV=1), queued, not waited for.
  [[nodiscard]] bool queue_invalidate_page(uint64_t iova);
  // Every page of the range, then IOFENCE.C.
  [[nodiscard]] bool invalidate(uint64_t iova, uint64_t len);
  // The whole address space (AV=0), then IOFENCE.C.
  [[nodiscard]] bool invalidate_all();
  RiscvIommu* iommu() const { return iommu_; }

 private:
  RiscvIommu* iommu_;
  DomainConfig cfg_;
  PageTable first_;
  PageTable second_;
};

}  // namespace drivers::riscv_iommu
