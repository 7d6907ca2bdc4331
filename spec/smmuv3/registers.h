// SMMUv3 programming interface: register offsets and register layouts (Arm IHI 0070, chapter 6).
//
// Offsets are relative to the SMMU's Page 0. Page 1 (offset 0x10000) holds the queue PROD/CONS registers
// that software polls (EVENTQ_PROD/CONS, PRIQ_PROD/CONS); SMMU_IDR0..5 and everything else live in Page 0.
// Bit numbers below are the register's own bit numbers, exactly as §6.3 prints them.
#pragma once

#include <cstdint>

#include "spec/bitfield.h"

namespace spec::smmuv3 {

// §6.2 register map. 64-bit registers may be accessed as two 32-bit halves (§6.2, "access to 64-bit
// registers": a 32-bit access to either half is permitted).
struct RegOffset {
  static constexpr uint32_t kIdr0 = 0x0000;
  static constexpr uint32_t kIdr1 = 0x0004;
  static constexpr uint32_t kIdr2 = 0x0008;
  static constexpr uint32_t kIdr3 = 0x000c;
  static constexpr uint32_t kIdr4 = 0x0010;
  static constexpr uint32_t kIdr5 = 0x0014;
  static constexpr uint32_t kIidr = 0x0018;
  static constexpr uint32_t kAidr = 0x001c;
  static constexpr uint32_t kCr0 = 0x0020;
  static constexpr uint32_t kCr0Ack = 0x0024;
  static constexpr uint32_t kCr1 = 0x0028;
  static constexpr uint32_t kCr2 = 0x002c;
  static constexpr uint32_t kStatusr = 0x0040;
  static constexpr uint32_t kGbpa = 0x0044;
  static constexpr uint32_t kAgbpa = 0x0048;
  static constexpr uint32_t kIrqCtrl = 0x0050;
  static constexpr uint32_t kIrqCtrlAck = 0x0054;
  static constexpr uint32_t kGerror = 0x0060;
  static constexpr uint32_t kGerrorn = 0x0064;
  static constexpr uint32_t kGerrorIrqCfg0 = 0x0068;  // 64-bit
  static constexpr uint32_t kGerrorIrqCfg1 = 0x0070;
  static constexpr uint32_t kGerrorIrqCfg2 = 0x0074;
  static constexpr uint32_t kStrtabBase = 0x0080;  // 64-bit
  static constexpr uint32_t kStrtabBaseCfg = 0x0088;
  static constexpr uint32_t kCmdqBase = 0x0090;  // 64-bit
  static constexpr uint32_t kCmdqProd = 0x0098;
  static constexpr uint32_t kCmdqCons = 0x009c;
  static constexpr uint32_t kEventqBase = 0x00a0;  // 64-bit
  static constexpr uint32_t kEventqIrqCfg0 = 0x00b0;  // 64-bit
  static constexpr uint32_t kEventqIrqCfg1 = 0x00b8;
  static constexpr uint32_t kEventqIrqCfg2 = 0x00bc;
  static constexpr uint32_t kPriqBase = 0x00c0;  // 64-bit
  static constexpr uint32_t kPriqIrqCfg0 = 0x00d0;  // 64-bit
  static constexpr uint32_t kPriqIrqCfg1 = 0x00d8;
  static constexpr uint32_t kPriqIrqCfg2 = 0x00dc;
  // Page 1 (§6.2: "SMMU_EVENTQ_PROD/CONS are in Page 1").
  static constexpr uint32_t kEventqProd = 0x100a8;
  static constexpr uint32_t kEventqCons = 0x100ac;
  static constexpr uint32_t kPriqProd = 0x100c8;
  static constexpr uint32_t kPriqCons = 0x100cc;
  static constexpr uint32_t kPage1 = 0x10000;
};

// §6.3.1 SMMU_IDR0
struct Idr0 : Reg32 {
  VIOMMU_BIT(0, s2p);
  VIOMMU_BIT(1, s1p);
  VIOMMU_FIELD(3, 2, ttf);  // 0b01 AArch32, 0b10 AArch64, 0b11 both
  VIOMMU_BIT(4, cohacc);
  VIOMMU_BIT(5, btm);
  VIOMMU_FIELD(7, 6, httu);
  VIOMMU_BIT(8, dormhint);
  VIOMMU_BIT(9, hyp);
  VIOMMU_BIT(10, ats);
  VIOMMU_BIT(11, ns1ats);
  VIOMMU_BIT(12, asid16);
  VIOMMU_BIT(13, msi);
  VIOMMU_BIT(14, sev);
  VIOMMU_BIT(15, atos);
  VIOMMU_BIT(16, pri);
  VIOMMU_BIT(17, vmw);
  VIOMMU_BIT(18, vmid16);
  VIOMMU_BIT(19, cd2l);
  VIOMMU_BIT(20, vatos);
  VIOMMU_FIELD(22, 21, ttendian);  // 0b00 mixed, 0b10 little only, 0b11 big only
  VIOMMU_BIT(23, atsrecerr);
  VIOMMU_FIELD(25, 24, stall_model);  // 0b00 stall+terminate, 0b01 terminate only, 0b10 stall only
  VIOMMU_BIT(26, term_model);
  VIOMMU_FIELD(28, 27, st_level);  // 0b00 linear only, 0b01 linear and 2-level
  VIOMMU_FIELD(30, 29, rme_impl);
};
inline constexpr uint64_t kTtfAArch32 = 0b01, kTtfAArch64 = 0b10;
inline constexpr uint64_t kTtEndianMixed = 0b00, kTtEndianLittle = 0b10, kTtEndianBig = 0b11;
inline constexpr uint64_t kStallModelBoth = 0b00, kStallModelTerminateOnly = 0b01, kStallModelStallOnly = 0b10;
// IDR0.VMID16 / ASID16 == 0: "VMID[15:8] is RES0 in command parameters and must be zero in STE.S2VMID" (ASID
// likewise in CD.ASID): the VMID / ASID a 16-bit field names is then its low 8 bits, the model ignores the rest.
constexpr uint16_t vmid_value(uint64_t field, bool vmid16) {
  return static_cast<uint16_t>(vmid16 ? BitRange<15, 0>::get(field) : BitRange<7, 0>::get(field));
}
constexpr uint16_t asid_value(uint64_t field, bool asid16) { return vmid_value(field, asid16); }
static_assert(vmid_value(0x1234, false) == 0x34 && asid_value(0x1234, true) == 0x1234);

// §6.3.2 SMMU_IDR1
struct Idr1 : Reg32 {
  VIOMMU_FIELD(5, 0, sidsize);
  VIOMMU_FIELD(10, 6, ssidsize);
  VIOMMU_FIELD(15, 11, priqs);
  VIOMMU_FIELD(20, 16, eventqs);
  VIOMMU_FIELD(25, 21, cmdqs);
  VIOMMU_BIT(26, attr_perms_ovr);
  VIOMMU_BIT(27, attr_types_ovr);
  VIOMMU_BIT(28, rel);
  VIOMMU_BIT(29, queues_preset);
  VIOMMU_BIT(30, tables_preset);
  VIOMMU_BIT(31, ecmdq);
};

// §6.3.3 SMMU_IDR2
struct Idr2 : Reg32 {
  VIOMMU_FIELD(9, 0, ba_vatos);
};

// §6.3.4 SMMU_IDR3
struct Idr3 : Reg32 {
  VIOMMU_BIT(2, had);
  VIOMMU_BIT(3, pbha);
  VIOMMU_BIT(4, xnx);
  VIOMMU_BIT(5, pps);
  VIOMMU_BIT(7, mpam);
  VIOMMU_BIT(8, fwb);
  VIOMMU_BIT(9, stt);
  VIOMMU_BIT(10, ril);
  VIOMMU_FIELD(12, 11, bbml);
  VIOMMU_BIT(13, e0pd);
  VIOMMU_BIT(14, ptwnnc);
};

// §6.3.6 SMMU_IDR5
struct Idr5 : Reg32 {
  VIOMMU_FIELD(2, 0, oas);  // 0b000 32, 001 36, 010 40, 011 42, 100 44, 101 48, 110 52 bits
  VIOMMU_BIT(4, gran4k);
  VIOMMU_BIT(5, gran16k);
  VIOMMU_BIT(6, gran64k);
  VIOMMU_FIELD(11, 10, vax);
  VIOMMU_FIELD(31, 16, stall_max);
};

// Decodes the 3-bit PA size encoding shared by IDR5.OAS, CD.IPS and STE.S2PS (§6.3.6).
constexpr unsigned pa_size_bits(uint64_t enc) {
  constexpr unsigned kBits[8] = {32, 36, 40, 42, 44, 48, 52, 52};
  return kBits[enc & 7];
}

// §6.3.7 SMMU_IIDR
struct Iidr : Reg32 {
  VIOMMU_FIELD(11, 0, implementer);
  VIOMMU_FIELD(15, 12, revision);
  VIOMMU_FIELD(19, 16, variant);
  VIOMMU_FIELD(31, 20, product_id);
};

// §6.3.8 SMMU_AIDR
struct Aidr : Reg32 {
  VIOMMU_FIELD(3, 0, arch_minor_rev);
  VIOMMU_FIELD(7, 4, arch_major_rev);
};

// §6.3.9 SMMU_CR0 / §6.3.10 SMMU_CR0ACK (same layout)
struct Cr0 : Reg32 {
  VIOMMU_BIT(0, smmuen);
  VIOMMU_BIT(1, priqen);
  VIOMMU_BIT(2, eventqen);
  VIOMMU_BIT(3, cmdqen);
  VIOMMU_BIT(4, atschk);
  VIOMMU_FIELD(8, 6, vmw);
  VIOMMU_BIT(10, dpt_walk_en);
};
using Cr0Ack = Cr0;

// §6.3.11 SMMU_CR1
struct Cr1 : Reg32 {
  VIOMMU_FIELD(1, 0, queue_ic);
  VIOMMU_FIELD(3, 2, queue_oc);
  VIOMMU_FIELD(5, 4, queue_sh);
  VIOMMU_FIELD(7, 6, table_ic);
  VIOMMU_FIELD(9, 8, table_oc);
  VIOMMU_FIELD(11, 10, table_sh);
};

// §6.3.12 SMMU_CR2
struct Cr2 : Reg32 {
  VIOMMU_BIT(0, e2h);
  VIOMMU_BIT(1, recinvsid);
  VIOMMU_BIT(2, ptm);
  VIOMMU_BIT(3, rec_cfg_atc);
};

// §6.3.13 SMMU_STATUSR
struct Statusr : Reg32 {
  VIOMMU_BIT(0, dormant);
};

// §6.3.14 SMMU_GBPA: global bypass attributes, used while SMMU_CR0.SMMUEN == 0. Software writes a new value
// with UPDATE=1; the SMMU applies it and clears UPDATE (writes with UPDATE=0 do not change the fields).
struct Gbpa : Reg32 {
  VIOMMU_FIELD(3, 0, memattr);
  VIOMMU_BIT(4, mtcfg);
  VIOMMU_FIELD(11, 8, alloccfg);
  VIOMMU_FIELD(13, 12, shcfg);
  VIOMMU_FIELD(17, 16, privcfg);
  VIOMMU_FIELD(19, 18, instcfg);
  VIOMMU_BIT(20, abort);
  VIOMMU_BIT(31, update);
};

// §6.3.16 SMMU_IRQ_CTRL / §6.3.17 SMMU_IRQ_CTRLACK
struct IrqCtrl : Reg32 {
  VIOMMU_BIT(0, gerror_irqen);
  VIOMMU_BIT(1, priq_irqen);
  VIOMMU_BIT(2, eventq_irqen);
};
using IrqCtrlAck = IrqCtrl;

// §6.3.18 SMMU_GERROR / §6.3.19 SMMU_GERRORN. An error is active while GERROR[x] != GERRORN[x]; the SMMU
// toggles GERROR[x] to activate, software toggles GERRORN[x] to acknowledge.
struct Gerror : Reg32 {
  VIOMMU_BIT(0, cmdq_err);
  VIOMMU_BIT(2, eventq_abt_err);
  VIOMMU_BIT(3, priq_abt_err);
  VIOMMU_BIT(4, msi_cmdq_abt_err);
  VIOMMU_BIT(5, msi_eventq_abt_err);
  VIOMMU_BIT(6, msi_priq_abt_err);
  VIOMMU_BIT(7, msi_gerror_abt_err);
  VIOMMU_BIT(8, sfm_err);
  VIOMMU_BIT(9, cmdqp_err);
  VIOMMU_BIT(10, dpt_err);
};
using Gerrorn = Gerror;
inline constexpr uint32_t kGerrorAllMask = 0x7fd;  // bits 0, 2..10

// §6.3.20-22 SMMU_*_IRQ_CFG0/1/2 (GERROR, EVENTQ, PRIQ share the layout)
struct IrqCfg0 : Reg64 {
  VIOMMU_FIELD(55, 2, addr);  // MSI target address bits [55:2]
};
struct IrqCfg1 : Reg32 {
  VIOMMU_FIELD(31, 0, data);
};
struct IrqCfg2 : Reg32 {
  VIOMMU_FIELD(3, 0, memattr);
  VIOMMU_FIELD(5, 4, sh);
};

// §6.3.23 SMMU_STRTAB_BASE
struct StrtabBase : Reg64 {
  VIOMMU_FIELD(51, 6, addr);  // address bits [51:6]
  VIOMMU_BIT(62, ra);
  constexpr uint64_t address() const { return addr() << addr_lo; }
  constexpr StrtabBase& set_address(uint64_t pa) { return set_addr(pa >> addr_lo); }  // pa 64-byte aligned
};

// §6.3.24 SMMU_STRTAB_BASE_CFG
struct StrtabBaseCfg : Reg32 {
  VIOMMU_FIELD(5, 0, log2size);
  VIOMMU_FIELD(10, 6, split);
  VIOMMU_FIELD(17, 16, fmt);  // 0b00 linear, 0b01 2-level
};
inline constexpr uint64_t kStrtabFmtLinear = 0b00, kStrtabFmt2Level = 0b01;

// §6.3.25 SMMU_CMDQ_BASE, §6.3.28 SMMU_EVENTQ_BASE (and PRIQ_BASE): same layout.
struct QueueBase : Reg64 {
  VIOMMU_FIELD(4, 0, log2size);
  VIOMMU_FIELD(51, 5, addr);  // address bits [51:5]
  VIOMMU_BIT(62, ra_wa);      // CMDQ: RA, EVENTQ: WA
  constexpr uint64_t address() const { return addr() << addr_lo; }
  constexpr QueueBase& set_address(uint64_t pa) { return set_addr(pa >> addr_lo); }  // pa 32-byte aligned
};
using CmdqBase = QueueBase;
using EventqBase = QueueBase;

// Queue index registers. The low LOG2SIZE bits are the index, bit LOG2SIZE is the wrap bit (§3.5.1).
struct CmdqProd : Reg32 {
  VIOMMU_FIELD(19, 0, wr);
};
struct CmdqCons : Reg32 {
  VIOMMU_FIELD(19, 0, rd);
  VIOMMU_FIELD(30, 24, err);  // CERROR_* of the command at RD when GERROR.CMDQ_ERR is active
};
struct EventqProd : Reg32 {
  VIOMMU_FIELD(19, 0, wr);
  VIOMMU_BIT(31, ovflg);  // toggled by the SMMU when an event is lost to a full queue
};
struct EventqCons : Reg32 {
  VIOMMU_FIELD(19, 0, rd);
  VIOMMU_BIT(31, ovackflg);  // software copies OVFLG here to acknowledge the overflow
};

// §3.5.1 queue arithmetic, the one place it is written: a queue of 2^log2size entries is indexed by the low
// log2size bits of the WR/RD field of its PROD and CONS registers, with the wrap bit just above them. The queue is
// empty when the indices and wrap bits of PROD and CONS are equal, full when the indices are equal and the wrap
// bits differ; each pass over the end of the queue toggles the wrap bit.
//
//   QueuePtr prod(log2, read32(kCmdqProd)), cons(log2, read32(kCmdqCons));
//   if (!queue_full(prod, cons)) { slot(prod.index()) = cmd; write32(kCmdqProd, (prod + 1).value()); }
class QueuePtr {
 public:
  constexpr QueuePtr(unsigned log2size, uint32_t reg) : log2_(log2size), v_(reg & span(log2size)) {}
  constexpr unsigned log2size() const { return log2_; }
  constexpr uint32_t index() const { return v_ & (span(log2_) >> 1); }
  constexpr bool wrap() const { return ((v_ >> log2_) & 1) != 0; }
  // The index and the wrap bit, as the register's WR/RD field holds them.
  constexpr uint32_t value() const { return v_; }
  // The pointer n entries on (the wrap bit toggles each time the index passes the end of the queue).
  constexpr QueuePtr operator+(uint32_t n) const { return QueuePtr(log2_, v_ + n); }
  // `reg` with its index and wrap bit replaced by this pointer's, every other field (OVFLG, OVACKFLG, ERR) kept.
  constexpr uint32_t in(uint32_t reg) const { return (reg & ~span(log2_)) | v_; }
  constexpr bool operator==(const QueuePtr& o) const { return log2_ == o.log2_ && v_ == o.v_; }

 private:
  static constexpr uint32_t span(unsigned log2size) { return (2u << log2size) - 1; }  // index + wrap bit
  unsigned log2_;
  uint32_t v_;
};
constexpr bool queue_empty(const QueuePtr& prod, const QueuePtr& cons) { return prod == cons; }
constexpr bool queue_full(const QueuePtr& prod, const QueuePtr& cons) {
  return prod.index() == cons.index() && prod.wrap() != cons.wrap();
}
static_assert(queue_empty(QueuePtr(2, 0b101), QueuePtr(2, 0b101)) && queue_full(QueuePtr(2, 0b001), QueuePtr(2, 0b101)));
static_assert((QueuePtr(2, 0b011) + 1).value() == 0b100 && (QueuePtr(2, 0b111) + 1).value() == 0);
static_assert(QueuePtr(3, 0x8000'0007u).in(0x8000'0007u) == 0x8000'0007u && (QueuePtr(3, 7) + 1).in(0x8000'0007u) == 0x8000'0008u);

// §4.7.3 command errors reported in SMMU_CMDQ_CONS.ERR.
enum class CmdError : uint8_t { kNone = 0, kIll = 1, kAbt = 2, kAtcInvSync = 3 };

static_assert(sizeof(Idr0) == 4 && sizeof(Cr0) == 4 && sizeof(Gbpa) == 4 && sizeof(Gerror) == 4);
static_assert(sizeof(StrtabBase) == 8 && sizeof(QueueBase) == 8 && sizeof(IrqCfg0) == 8);
static_assert(sizeof(CmdqProd) == 4 && sizeof(CmdqCons) == 4 && sizeof(EventqProd) == 4);

}  // namespace spec::smmuv3
