// Types shared by the SMMUv3 reference model's oracle (walk.h) and its stateful device (smmu.h).
// Freestanding-clean: plain structs, fixed sizes, no allocation.
#pragma once

#include <cstdint>

#include "spec/smmuv3/events.h"
#include "spec/smmuv3/registers.h"

namespace model::smmuv3 {

// The IDR values the model advertises and obeys. Every limit the model checks comes from these words, so the
// model mirrors an implementation by loading its ID registers (see the presets).
struct Config {
  uint32_t idr0 = 0, idr1 = 0, idr2 = 0, idr3 = 0, idr4 = 0, idr5 = 0, iidr = 0, aidr = 0;
  uint32_t gbpa_reset = 0;  // SMMU_GBPA reset value (ABORT bit is IMPLEMENTATION DEFINED at reset)

  // Choices the specification leaves to the implementation, where the model must pick one. The default is the
  // model's pick; the conformance cases accept every permitted outcome, and the unit tests run the model both ways.
  //
  // A non-zero STE.STRW while SMMU_IDR0.Hyp == 0: the field "is RES0" (IHI 0070 G.b §5.2 STRW), the §5.2.2
  // validity pseudocode does not look at it (IgnoreSTESTRW() is TRUE), but §1.2 says Reserved values "must not be
  // used and their behavior must not be relied upon" and §5 lets an implementation treat a structure with
  // non-zero Reserved bits as invalid. false (default): STRW is ignored, the StreamWorld is NS-EL1, as the
  // pseudocode reads; true: the STE is deemed invalid (C_BAD_STE).
  bool strw_res0_nonzero_invalid = false;

  // QEMU 7.2 `-machine virt,iommu=smmuv3`: stage 1 only, AArch64 tables, 16-bit SID, no substreams,
  // 2-level stream table, 2^19-entry queues, RIL, 44-bit OAS, all three granules, SMMUv3.1.
  static constexpr Config qemu_7_2() {
    return Config{0x0d40101a, 0x02730010, 0, 0x1404, 0, 0x74, 0, 0x1, 0};
  }
  // QEMU 10.0: adds stage 2 (S2P) and 16-bit VMID; IDR1/IDR3/IDR5 as 7.2 (hw/arm/smmuv3.c smmuv3_init_regs).
  static constexpr Config qemu_10_0() {
    return Config{0x0d44101b, 0x02730010, 0, 0x1404, 0, 0x74, 0, 0x1, 0};
  }
  // Everything the model implements: stages 1+2, 2-level stream and CD tables, 16-bit SID, 20-bit SSID,
  // MSI, RIL, HAD, XNX, 48-bit OAS, all granules, 2^8-entry queues, SMMUv3.1.
  static constexpr Config full() {
    constexpr uint32_t idr1 =
        spec::smmuv3::Idr1{}.set_cmdqs(8).set_eventqs(8).set_ssidsize(20).set_sidsize(16).value;
    return Config{0x0d4c301b, idr1, 0, 0x0414, 0, 0x75, 0, 0x1, 0};
  }
};

// Capabilities decoded once from Config.
struct Caps {
  bool s1p, s2p, aa64, aa32, asid16, vmid16, msi, cd2l, two_level_strtab, ats, pri, hyp;
  uint8_t ttendian, stall_model, term_model;
  uint8_t sidsize, ssidsize, cmdqs, eventqs;
  bool had, xnx, ril;
  bool strw_res0_nonzero_invalid;  // Config choice, see there
  uint8_t oas_bits;
  bool gran4k, gran16k, gran64k;

  static constexpr Caps from(const Config& c) {
    spec::smmuv3::Idr0 i0{};
    i0.value = c.idr0;
    spec::smmuv3::Idr1 i1{};
    i1.value = c.idr1;
    spec::smmuv3::Idr3 i3{};
    i3.value = c.idr3;
    spec::smmuv3::Idr5 i5{};
    i5.value = c.idr5;
    Caps k{};
    k.s1p = i0.s1p();
    k.s2p = i0.s2p();
    k.aa64 = (i0.ttf() & spec::smmuv3::kTtfAArch64) != 0;
    k.aa32 = (i0.ttf() & spec::smmuv3::kTtfAArch32) != 0;
    k.asid16 = i0.asid16();
    k.vmid16 = i0.vmid16();
    k.msi = i0.msi();
    k.cd2l = i0.cd2l();
    k.two_level_strtab = i0.st_level() == 1;
    k.ats = i0.ats();
    k.pri = i0.pri();
    k.hyp = false;  // EL2 StreamWorlds are not modelled; HYP is never advertised (see smmu.h)
    k.strw_res0_nonzero_invalid = c.strw_res0_nonzero_invalid;
    k.ttendian = static_cast<uint8_t>(i0.ttendian());
    k.stall_model = static_cast<uint8_t>(i0.stall_model());
    k.term_model = static_cast<uint8_t>(i0.term_model());
    k.sidsize = static_cast<uint8_t>(i1.sidsize() > 32 ? 32 : i1.sidsize());
    k.ssidsize = static_cast<uint8_t>(i1.ssidsize());
    k.cmdqs = static_cast<uint8_t>(i1.cmdqs() > 19 ? 19 : i1.cmdqs());
    k.eventqs = static_cast<uint8_t>(i1.eventqs() > 19 ? 19 : i1.eventqs());
    k.had = i3.had();
    k.xnx = i3.xnx();
    k.ril = i3.ril();
    k.oas_bits = static_cast<uint8_t>(spec::smmuv3::pa_size_bits(i5.oas() > 5 ? 5 : i5.oas()));
    k.gran4k = i5.gran4k();
    k.gran16k = i5.gran16k();
    k.gran64k = i5.gran64k();
    return k;
  }
};

// What the upstream transaction is (ATS traffic only matters for the ATS-related event types).
enum class TxnKind : uint8_t {
  kUntranslated = 0,  // an ordinary DMA
  kAtsTranslated,     // a PCIe transaction marked Translated (AT=0b10)
  kAtsRequest,        // a PCIe ATS Translation Request
  kUnsupported,       // a transaction type the SMMU does not support (F_UUT)
};

struct Transaction {
  uint32_t sid = 0;
  uint32_t ssid = 0;
  bool ssv = false;  // SubstreamID valid
  uint64_t iova = 0;
  bool write = false;
  bool privileged = false;
  bool instruction = false;
  TxnKind kind = TxnKind::kUntranslated;
};

enum class Status : uint8_t {
  kOk,     // translated (or bypassed): pa is the output address
  kFault,  // terminated with an event; `event` is the exact record, `record` says if it is written
  kAbort,  // terminated without an event (STE.Config == abort, or GBPA.ABORT while SMMUEN == 0)
};

struct Outcome {
  Status status = Status::kAbort;
  bool record = false;  // kFault only: the record is written to the event queue (CD.R / STE.S2R allow it)
  uint64_t pa = 0;
  spec::smmuv3::EventRecord event{};

  constexpr bool ok() const { return status == Status::kOk; }
  constexpr spec::smmuv3::EventType type() const { return event.event_type(); }
};

// The register state a translation depends on (the oracle takes it explicitly).
struct GlobalState {
  bool smmuen = false;
  uint32_t gbpa = 0;
  uint64_t strtab_base = 0;
  uint32_t strtab_base_cfg = 0;
  // SMMU_CR2.RECINVSID (§6.3.12): C_BAD_STREAMID is recorded only when 1. Defaults to recording, as every
  // driver here programs it; Smmu::global_state() reports the register.
  bool recinvsid = true;
};

}  // namespace model::smmuv3
