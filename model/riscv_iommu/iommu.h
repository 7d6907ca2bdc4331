// Reference model of a RISC-V IOMMU's observable behaviour (RISC-V IOMMU Architecture Specification 1.0,
// riscv-non-isa/riscv-iommu src/*.adoc): the register page with its RW, RO and RW1C bits and the ddtp / cqcsr /
// fqcsr enable handshakes, the device directory walk (1, 2, 3 levels; base and extended device contexts) with
// the Off and Bare modes and the DC configuration checks, the process directory walk (PD8/PD17/PD20), first-
// stage (Sv32/39/48/57) and G-stage (Sv32x4/39x4/48x4/57x4) translation and both nested (the first-stage tables
// and the PDT read at guest-physical addresses through the G-stage), A/D updates (SADE/GADE), MSI address
// translation (flat and MRIF), the IOATC and directory caches and the commands that invalidate them, IOFENCE.C,
// command errors, the fault queue with overflow, IOMMU interrupts (MSI table / wires) and the debug
// translation interface. Reads and writes guest memory only through model::GuestMemory, little-endian only
// (capabilities.END = 0, fctl.BE = 0). Freestanding-clean: no exceptions, no RTTI, no allocation.
//
// Where the spec lets the device choose, the model's choice is a Config member (its comment quotes the
// sentence that leaves the choice).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/guest_memory.h"
#include "spec/riscv_iommu/commands.h"
#include "spec/riscv_iommu/device_context.h"
#include "spec/riscv_iommu/fault.h"
#include "spec/riscv_iommu/msi_pte.h"
#include "spec/riscv_iommu/process_context.h"
#include "spec/riscv_iommu/pte.h"
#include "spec/riscv_iommu/registers.h"

namespace model::riscv_iommu {

namespace s = ::spec::riscv_iommu;

// One untranslated DMA access from a device. A write is a write (TTYP 3) whatever `read` says; else exec makes
// it a read for execute (TTYP 1); else a read (TTYP 2). `priv` (supervisor) is meaningful only with a PASID.
struct Request {
  uint32_t device_id = 0;
  uint64_t iova = 0;
  bool read = true, write = false, exec = false, priv = false;
  bool has_pasid = false;
  uint32_t pasid = 0;
  bool msi = false;       // the write is an MSI (its data goes to an MRIF when the MSI PTE says so)
  uint32_t msi_data = 0;  // the MSI's data (MRIF mode: the interrupt identity)
};

enum class Outcome : uint8_t {
  kTranslated,  // through the first stage, the G-stage or an MSI PTE
  kBypassed,    // ddtp.iommu_mode = Bare, or both stages Bare: the IOVA is the address
  kFaulted,     // terminated, a fault record reported (translate(): written to the fault queue)
  kAborted,     // terminated silently: DTF=1 for a cause it suppresses, or the fault queue could not take it
};
const char* to_string(Outcome o);

struct Result {
  Outcome outcome = Outcome::kAborted;
  uint64_t pa = 0;         // the address the access goes to (MRIF mode: the MRIF's address)
  uint64_t page_size = 0;  // the size of the translation (the smaller of the two stages' pages)
  bool r = false, w = false, x = false;
  bool has_fault = false;  // the walk stopped on a fault: `fault` is the record the spec defines for it
  s::FaultRecord fault{};
  bool queued = false;     // translate(): the record was written to the fault queue
  // MSI address translation ("Process to translate addresses of MSIs").
  bool msi = false;        // the GPA was recognised as a virtual interrupt file's page
  bool mrif = false;       // ... whose MSI PTE is in MRIF mode
  uint64_t notice_address = 0;
  uint32_t notice_data = 0;
  bool ok() const { return outcome == Outcome::kTranslated || outcome == Outcome::kBypassed; }
};

// The model's choices and the capabilities it reports.
struct Config {
  // What QEMU 10.0's riscv-iommu-pci reports with default properties (version 1.0, Sv32..Sv57, Sv32x4..Sv57x4,
  // MSI_FLAT, MSI_MRIF, IGS = MSI, DBG, PAS = 56, PD8), without ATS and HPM, which the model does not implement.
  static constexpr uint64_t kQemu10Capabilities = 0x0000'0078'80cf'0f10ull;
  uint64_t capabilities = kQemu10Capabilities;
  // "Reset value for ddtp.iommu_mode field must be either Off or Bare." (recommended: Off; QEMU: Off).
  bool reset_bare = false;
  // fctl.GXL is WARL: "If fctl.GXL is 0 and is not writable then DC.tc.SXL must be 0." QEMU 10.0: read-only 0.
  bool gxl_writable = false;
  // fctl.WSI is writable when capabilities.IGS is BOTH (with IGS = WSI it reads 1, with MSI 0).
  // "Implementations are recommended to stop and report "DDT entry misconfigured" (cause = 259) if a reserved
  // setting is detected" (msiptp.MODE != Off with iohgatp.MODE = Bare).
  bool msiptp_needs_g_stage = true;
  // "the IOMMU may report the page offset in iotval as 0. Likewise, an IOMMU may report the page offset of a
  // GPA in iotval2 as 0." The model reports the offsets.
  bool report_page_offset = true;
  // "A simpler implementation may not implement IOATC for some or any of the in-memory data structures."
  // The model caches translations (not MSI PTEs), device contexts and process contexts; 0 disables a cache.
  // Cached translations are tagged with GSCID/PSCID for invalidation, and a lookup also matches the device and
  // process that filled the entry: of the outcomes the spec allows when two contexts share a PSCID or GSCID
  // over different tables ("it is unpredictable whether the IOMMU uses the PTEs from the first page table or
  // the second"), the model always uses the requester's own.
  unsigned ioatc_entries = 64;
  unsigned dc_cache_entries = 16;
  unsigned pc_cache_entries = 16;
  // "If msipte.C == 1, then further processing to interpret the PTE is implementation defined." The model
  // defines none: such a PTE is "MSI PTE misconfigured" (cause 263).
};

// Where the model's interrupts go: an MSI write from msi_cfg_tbl (fctl.WSI = 0), or a wire level (WSI = 1).
// A false return from msi() is an access fault on the MSI write (cause 273).
class InterruptSink {
 public:
  virtual bool msi(uint64_t address, uint32_t data) = 0;
  virtual void wire(unsigned vector, bool level) = 0;

 protected:
  ~InterruptSink() = default;
};

class Iommu {
 public:
  explicit Iommu(GuestMemory& mem, const Config& config = {}) : mem_(mem) { reset(config); }
  void reset(const Config& config);
  const Config& config() const { return config_; }
  void set_interrupt_sink(InterruptSink* sink) { sink_ = sink; }

  // The register page: 4- or 8-byte accesses at naturally aligned offsets (others are UNSPECIFIED: a read
  // returns 0, a write is ignored). An 8-byte write acts as a write of the high half then of the low half, as
  // the spec lets it. Writes take effect at once (every busy bit reads 0: "An IOMMU that can complete these
  // operations synchronously may hard-wire this bit to 0"); a cqt write or a cqcsr write processes commands.
  uint64_t read(uint32_t offset, unsigned size) const;
  void write(uint32_t offset, uint64_t value, unsigned size);

  // Consumes the command queue from cqh to cqt (until empty, an error or a fence that cannot complete).
  void process();

  // A DMA access: cached translations where there are some, else a walk that fills the caches and updates
  // A/D bits; a fault goes to the fault queue.
  Result translate(const Request& req);
  // What the tables say now: no cache read or filled, no A/D written (reported as if updated), nothing
  // queued. The oracle for the outcome once the caches were invalidated.
  Result lookup(const Request& req) const;

  // For tests and the hosted machine.
  size_t ioatc_valid_entries() const;
  size_t dc_cache_valid_entries() const;
  unsigned interrupts_sent() const { return interrupts_; }
  bool command_queue_stopped() const;

 private:
  struct Walk;  // one translation in progress (iommu.cpp)

  struct IoatcEntry {
    bool valid = false;
    uint8_t kind = 0;  // 1 first stage only, 2 G-stage only, 3 both
    bool global = false, priv = false;
    uint32_t device_id = 0, process_id = 0;  // a lookup matches its own device and process only
    bool has_process_id = false;
    uint32_t pscid = 0;
    uint16_t gscid = 0;
    uint64_t va = 0, gpa = 0, pa = 0, size = 0;  // va, gpa, pa: page bases of `size` bytes
    bool r = false, w = false, x = false;
    bool dirty = false;  // D set in both stages: a write may use the entry
  };
  struct DcCacheEntry {
    bool valid = false;
    uint32_t device_id = 0;
    s::DeviceContext dc{};
  };
  struct PcCacheEntry {
    bool valid = false;
    uint32_t device_id = 0, process_id = 0;
    s::ProcessContext pc{};
  };
  static constexpr unsigned kMaxIoatc = 64, kMaxDcCache = 16, kMaxPcCache = 16;

  Result run(const Request& req, bool live) const;
  bool queue_fault(const s::FaultRecord& rec);
  void raise(unsigned bit);
  void update_ipsr_conditions();
  void signal(unsigned bit, bool rising);
  bool execute(const s::Command& c);
  bool command_illegal(const s::Command& c) const;
  void invalidate_vma(const s::IotinvalCommand& c);
  void invalidate_gvma(const s::IotinvalCommand& c);
  void write32(uint32_t offset, uint32_t value);
  uint32_t read32(uint32_t offset) const;
  void debug_translate();
  uint64_t queue_mask(uint64_t base_reg) const { return s::reg_of<s::QueueBase>(base_reg).entries() - 1; }

  friend struct Walk;

  GuestMemory& mem_;
  InterruptSink* sink_ = nullptr;
  Config config_{};
  s::Capabilities caps_{};
  uint32_t fctl_ = 0;
  uint64_t ddtp_ = 0, cqb_ = 0, fqb_ = 0, icvec_ = 0;
  uint32_t cqh_ = 0, cqt_ = 0, fqh_ = 0, fqt_ = 0;
  uint32_t cqcsr_ = 0, fqcsr_ = 0, ipsr_ = 0;
  uint64_t tr_req_iova_ = 0, tr_req_ctl_ = 0, tr_response_ = 0;
  uint64_t msi_addr_[s::reg::kMsiVectors] = {};
  uint32_t msi_data_[s::reg::kMsiVectors] = {}, msi_vec_ctl_[s::reg::kMsiVectors] = {};
  bool msi_pending_[s::reg::kMsiVectors] = {};
  unsigned interrupts_ = 0;
  mutable IoatcEntry ioatc_[kMaxIoatc];
  mutable DcCacheEntry dc_cache_[kMaxDcCache];
  mutable PcCacheEntry pc_cache_[kMaxPcCache];
  mutable unsigned ioatc_next_ = 0, dc_next_ = 0, pc_next_ = 0;
};

// A fault record as the spec fills it for a transaction (TTYP from the request, DID, PV/PID/PRIV) and a cause;
// shared by the model and by tests stating what they expect.
s::FaultRecord fault_for(const Request& req, s::Cause cause, uint64_t iotval, uint64_t iotval2 = 0);
s::Ttyp ttyp_of(const Request& req);

}  // namespace model::riscv_iommu
