// aarch64 entry: QEMU `virt` jumps here at EL1 (EL2 with virtualization=on), MMU off, x0 = DTB.
    .section .text.boot, "ax"
    .global _start
_start:
    mov     x19, x0                     // keep the DTB pointer across the setup below
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    .Lel1
    // At EL2: run the kernel at EL1 (AArch64), give EL1 the physical counter and timer,
    // no virtual offset (so CNTVCT == CNTPCT).
    mov     x1, #(1 << 31)              // HCR_EL2.RW: EL1 is AArch64
    msr     hcr_el2, x1
    mov     x1, #3                      // CNTHCTL_EL2.EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x3c5                  // SPSR: EL1h, DAIF masked
    msr     spsr_el2, x1
    adr     x1, .Lel1
    msr     elr_el2, x1
    eret
.Lel1:
    ldr     x1, =__stack_top
    mov     sp, x1
    // CPACR_EL1.FPEN = 0b11: our code is built -mgeneral-regs-only, but newlib's setjmp/longjmp
    // save d8-d15 and its string routines may use SIMD.
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    adr     x1, aarch64_vectors
    msr     vbar_el1, x1
    isb
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  mov     x0, x19
    bl      aarch64_start               // C++: constructors, arch::init, kernel::main; never returns
3:  wfe
    b       3b
