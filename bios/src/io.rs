//! Port I/O, physical memory pokes and the private trap, for the 32-bit POST.
//!
//! Memory is written through inline assembly rather than Rust pointers: the
//! interrupt vector table starts at linear address 0, which Rust forbids
//! dereferencing.

use abi::TrapKind;
use core::arch::asm;

/// The trap flavor this ROM is built with (`cargo xtask rom --trap`).
pub const TRAP: TrapKind = if cfg!(feature = "trap-vmcall") {
    TrapKind::Vmcall
} else if cfg!(feature = "trap-vmmcall") {
    TrapKind::Vmmcall
} else {
    TrapKind::Out
};

/// Writes a byte to an I/O port.
pub fn outb(port: u16, value: u8) {
    // SAFETY: POST owns the machine; port writes have no memory effects.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack)) }
}

/// Writes a dword to an I/O port.
pub fn outl(port: u16, value: u32) {
    // SAFETY: POST owns the machine; port writes have no memory effects.
    unsafe { asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack)) }
}

/// Reads a dword from an I/O port.
pub fn inl(port: u16) -> u32 {
    let v: u32;
    // SAFETY: POST owns the machine; port reads have no memory effects.
    unsafe { asm!("in eax, dx", in("dx") port, out("eax") v, options(nomem, nostack)) }
    v
}

/// Reads a 32-bit word at a physical address (device registers).
pub fn peek32(addr: u32) -> u32 {
    let v: u32;
    // SAFETY: POST runs flat with paging off; callers pass device register
    // addresses, which nothing in Rust aliases.
    unsafe {
        asm!("mov {v:e}, dword ptr [{a}]", a = in(reg) addr, v = out(reg) v, options(nostack))
    }
    v
}

/// CPUID leaf `leaf`, subleaf 0: (EAX, EBX, ECX, EDX).
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86::__cpuid_count(leaf, 0);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Reads model-specific register `msr`.
pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: callers read architectural MSRs the CPU has (checked through
    // CPUID); no memory effects.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack)) }
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Writes a byte at a physical address.
pub fn poke8(addr: u32, value: u8) {
    // SAFETY: POST runs flat with paging off; callers pass RAM addresses of
    // the IVT, BDA and EBDA, which nothing in Rust aliases.
    unsafe {
        asm!("mov byte ptr [{a}], {v}", a = in(reg) addr, v = in(reg_byte) value, options(nostack))
    }
}

/// Writes a 16-bit word at a physical address.
pub fn poke16(addr: u32, value: u16) {
    // SAFETY: as for `poke8`.
    unsafe {
        asm!("mov word ptr [{a}], {v:x}", a = in(reg) addr, v = in(reg) value, options(nostack))
    }
}

/// Writes a 32-bit word at a physical address.
pub fn poke32(addr: u32, value: u32) {
    // SAFETY: as for `poke8`.
    unsafe {
        asm!("mov dword ptr [{a}], {v:e}", a = in(reg) addr, v = in(reg) value, options(nostack))
    }
}

/// Writes `value` to `count` 32-bit words from physical `addr` up, with one
/// `rep stosd` (a single instruction however long the run: it is what the
/// firmware's instruction count and its time on an emulating hypervisor
/// depend on).
pub fn fill32(addr: u32, value: u32, count: u32) {
    // SAFETY: as for `poke8`; the direction flag is clear (the POST entry
    // clears it and nothing sets it).
    unsafe {
        asm!(
            "rep stosd",
            inout("edi") addr => _,
            inout("ecx") count => _,
            in("eax") value,
            options(nostack)
        )
    }
}

/// Calls private host service `svc` (AL) with EDI and ECX; returns EAX.
/// The trap itself is the ROM's one private trap site (`private_trap` in
/// `asm16.rs`, listed in the header).
pub fn trap(svc: u8, edi: u32, ecx: u32) -> u32 {
    let mut eax = u32::from(svc);
    // SAFETY: the trap hands control to the host, which may write guest memory
    // at EDI (up to ECX bytes) and sets EAX; hence no `nomem`. The call uses
    // the POST stack.
    unsafe { asm!("call private_trap", inout("eax") eax, in("edi") edi, in("ecx") ecx) }
    eax
}
