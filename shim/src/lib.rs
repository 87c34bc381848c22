//! pbios: a pseudo-BIOS for KVM-based virtual machine monitors.
//!
//! The guest runs a tiny ROM ([`Rom::builtin`] ships with this crate) whose
//! BIOS service vectors all point at trap stubs (`out 0E7h, al; iret`);
//! this crate serves the traps on the host. The core has no hypervisor in
//! it: [`Bios`] (built by [`BiosBuilder`]) decodes a trap, runs the
//! service on the guest's registers and memory, and writes CF/ZF into the
//! IRET frame, through the [`vcpu::Vcpu`] trait any hypervisor can
//! implement. Disks are [`disk::BlockDevice`]s, the memory layout is the
//! embedder's ([`memmap::MemoryMap::custom`]), and warnings go to the `log`
//! facade.
//!
//! Cargo features add the backends, as sibling modules behind
//! [`backend::Backend`]:
//! - `kvm`: `kvm::serve_trap`, the adapter a kvm-ioctls VMM's exit loop
//!   calls, and pbios's own KVM VM;
//! - `tcg`: QEMU's TCG driven over the GDB remote protocol;
//! - `cli`: the `pbios` binary.
//!
//! With `default-features = false` the crate builds on any host with no
//! kvm-ioctls, QEMU client or clap. See docs/embedding.md.
#![deny(missing_docs)]

pub mod backend;
pub mod bios;
pub mod boot;
pub mod clock;
pub mod disk;
pub mod image;
pub mod keyboard;
pub mod mem;
pub mod memmap;
pub mod platform;
pub mod ports;
pub mod regs;
pub mod rom;
pub mod screen;
pub mod serial;
pub mod services;
pub mod smbios;
mod trace;
pub mod vcpu;
pub mod vga;

/// The ROM↔shim contract (trap port, stub layout, ROM header, fixed
/// addresses), re-exported so an embedder needs only this crate.
#[doc(inline)]
pub use abi;

#[cfg(feature = "kvm")]
pub use backend::kvm;
#[cfg(feature = "tcg")]
pub use backend::tcg;
#[cfg(any(feature = "kvm", feature = "tcg"))]
pub use backend::Machine;
pub use backend::{Accel, Backend, MachineError, MachineSpec};
pub use bios::{Bios, BiosBuilder, Devices, TraceFormat};
pub use memmap::MemoryMap;
pub use regs::Regs;
pub use rom::{Rom, RomError};
pub use vcpu::{Exit, FAILURE_STATUS};
