//! The pbios ROM.
//!
//! Reset (F000:FFF0) jumps to POST (F000:E05B), which switches to 32-bit flat
//! protected mode and runs [`post::pbios_post`] in Rust: it asks the host for
//! the machine's configuration once, fills the interrupt vector table, the BDA
//! and the EBDA, and programs the 8259 PICs and the 8254 PIT. POST then
//! returns to real mode and issues INT 19h.
//!
//! At run time the ROM is almost nothing: every BIOS service vector points at
//! a stub `trap; iret` in the stub table, and the host (the pbios shim) does
//! the work while the guest sits on the trap. Only the timer tick and IRQ
//! acknowledgement run in the guest.
#![no_std]
#![no_main]

mod asm16;
mod io;
mod post;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        // SAFETY: halting with interrupts off stops the vCPU; nothing else to do.
        unsafe { core::arch::asm!("cli; hlt", options(nomem, nostack)) }
    }
}
