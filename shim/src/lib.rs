//! pbios: a pseudo-BIOS for KVM virtual machine monitors.
//!
//! The guest runs a tiny ROM whose BIOS service vectors all point at trap
//! stubs; this crate serves the traps on the host. [`Bios`] is the
//! backend-independent dispatcher (decode the vector, run the service, write
//! CF/ZF into the IRET frame). [`vcpu::serve_trap`] is the one trap path both
//! backends share: [`kvm::KvmMachine`] (KVM) and [`tcg::TcgMachine`] (QEMU's
//! TCG over the GDB remote protocol). [`Machine`] picks one; it is the VMM
//! behind the `pbios` binary.

pub mod bios;
pub mod boot;
pub mod clock;
pub mod disk;
pub mod gdb;
pub mod keyboard;
pub mod kvm;
pub mod machine;
pub mod mem;
pub mod memmap;
pub mod platform;
pub mod ports;
pub mod regs;
pub mod rom;
pub mod serial;
pub mod services;
pub mod tcg;
pub mod vcpu;

pub use bios::{Bios, Devices};
pub use kvm::KvmError;
pub use machine::{Accel, Machine, MachineError};
pub use regs::Regs;
pub use rom::{Rom, RomError};
pub use tcg::{TcgError, TcgOptions};
pub use vcpu::{Exit, FAILURE_STATUS};
