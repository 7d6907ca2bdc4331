// riscv64 entry: OpenSBI (fw_dynamic, QEMU virt's default -bios) jumps here in S-mode, MMU off,
// a0 = hartid, a1 = DTB (SBI spec v2.0 §4 / OpenSBI fw_dynamic: "next stage" booting convention).
    .section .text.boot, "ax"
    .global _start
_start:
    csrw    sie, zero                   // no interrupts until the handlers are in place
    csrw    sip, zero
    mv      s0, a0
    mv      s1, a1
    la      sp, __stack_top
    la      t0, riscv64_trap_entry
    csrw    stvec, t0                   // direct mode: the entry is 4-byte aligned
    // sstatus.FS = Initial: our code uses no FP registers, but newlib's setjmp/longjmp save fs0-fs11.
    li      t0, (1 << 13)
    csrs    sstatus, t0
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  mv      a0, s0
    mv      a1, s1
    call    riscv64_start               // C++: constructors, arch::init, kernel::main; never returns
3:  wfi
    j       3b
