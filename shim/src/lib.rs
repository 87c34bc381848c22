//! pbios: a pseudo-BIOS for KVM virtual machine monitors.
//!
//! The guest runs a tiny ROM whose BIOS service vectors all point at trap
//! stubs; this crate serves the traps on the host. [`Bios`] is the
//! backend-independent dispatcher (decode the vector, run the service, write
//! CF/ZF into the IRET frame); [`kvm::Machine`] is the KVM backend and the
//! VMM behind the `pbios` binary.

pub mod bios;
pub mod clock;
pub mod disk;
pub mod keyboard;
pub mod kvm;
pub mod mem;
pub mod memmap;
pub mod regs;
pub mod rom;
pub mod services;

pub use bios::{Bios, Devices};
pub use kvm::{Exit, KvmError, Machine};
pub use regs::Regs;
pub use rom::{Rom, RomError};
