//! The backends that run the pbios ROM, as sibling plug-ins behind one
//! trait: `kvm` (KVM through kvm-ioctls) and `tcg` (QEMU's TCG driven
//! over the GDB remote protocol). Each consumes one [`MachineSpec`] and
//! builds the [`Bios`] itself, complete; neither imports the other.

#[cfg(feature = "kvm")]
pub mod kvm;
#[cfg(feature = "tcg")]
pub mod tcg;

use crate::bios::{Bios, Devices};
use crate::memmap::MemoryMap;
use crate::platform::Platform;
use crate::rom::Rom;
use crate::vcpu::{Exit, RunStats};
use std::io::Write;
use thiserror::Error;
use vm_memory::GuestMemoryMmap;

/// A serial port's output stream (COM1's transmitter).
pub type SerialOut = Box<dyn Write + Send>;

/// The machine a backend builds, described once: the ROM, the memory
/// layout, the platform the tables describe, the BIOS's devices, and where
/// COM1's output goes.
pub struct MachineSpec {
    /// The ROM image ([`Rom::builtin`] or a file).
    pub rom: Rom,
    /// Guest RAM and the E820 map.
    pub memmap: MemoryMap,
    /// CPUs, ACPI and its ports.
    pub platform: Platform,
    /// Drives, boot order, console, keys, clock, trace.
    pub devices: Devices,
    /// COM1's output.
    pub serial_out: SerialOut,
}

/// Ends a running machine from any thread: the backend's run loop returns
/// [`Exit::Stopped`] at its next exit or wait (never in the middle of a BIOS
/// call), so that disks are flushed and the machine is inspected as after
/// any other end. Cheap to clone; stopping a machine that has already ended
/// does nothing.
#[derive(Clone)]
pub struct Stopper(std::sync::Arc<dyn Fn(String) + Send + Sync>);

impl Stopper {
    /// A stopper that calls `f` with the reason.
    pub fn new(f: impl Fn(String) + Send + Sync + 'static) -> Stopper {
        Stopper(std::sync::Arc::new(f))
    }

    /// Asks the run to end, with `why` as [`Exit::Stopped`]'s reason.
    pub fn stop(&self, why: impl Into<String>) {
        (self.0)(why.into())
    }
}

/// A serial port's input: bytes written here reach COM1's receiver (the
/// guest reads them from port 3F8h or INT 14h AH=02h). A write waits while
/// the UART's FIFO is full, so the guest takes input at its own pace.
pub type SerialIn = Box<dyn Write + Send>;

/// Which accelerator runs the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    /// KVM, through /dev/kvm.
    Kvm,
    /// QEMU's TCG emulator, driven over the GDB remote protocol.
    Tcg,
    /// KVM when /dev/kvm can be opened, else TCG.
    Auto,
}

impl Accel {
    /// Parses `kvm`, `tcg` or `auto`.
    pub fn parse(s: &str) -> Option<Accel> {
        match s {
            "kvm" => Some(Accel::Kvm),
            "tcg" => Some(Accel::Tcg),
            "auto" => Some(Accel::Auto),
            _ => None,
        }
    }

    /// `Auto` made concrete for this host and build (KVM only when this
    /// pbios has the `kvm` backend).
    pub fn resolve(self) -> Accel {
        match self {
            Accel::Auto if cfg!(feature = "kvm") && kvm_usable() => Accel::Kvm,
            Accel::Auto => Accel::Tcg,
            other => other,
        }
    }

    /// The name [`Accel::parse`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
            Accel::Auto => "auto",
        }
    }
}

/// Whether this process may open /dev/kvm for reading and writing.
pub fn kvm_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// A backend's failure.
#[derive(Debug, Error)]
pub enum MachineError {
    /// The KVM backend failed.
    #[cfg(feature = "kvm")]
    #[error(transparent)]
    Kvm(#[from] kvm::KvmError),
    /// The TCG backend failed.
    #[cfg(feature = "tcg")]
    #[error(transparent)]
    Tcg(#[from] tcg::TcgError),
    /// This build of pbios has no such backend (a cargo feature is off).
    #[error("this pbios was built without the {0} backend (cargo feature `{0}`)")]
    NotBuilt(&'static str),
}

/// What every backend offers: run the guest to its end, and show what it
/// left behind.
pub trait Backend {
    /// Runs the guest from the reset vector until it ends.
    fn run(&mut self) -> Result<Exit, MachineError>;
    /// Guest RAM (for inspection after a run).
    fn memory(&self) -> &GuestMemoryMmap;
    /// The BIOS the backend serves traps with.
    fn bios(&self) -> &Bios;
    /// What the backend counted: exits, and when the boot sector began.
    fn stats(&self) -> RunStats;
    /// The accelerator this is.
    fn accel(&self) -> Accel;
    /// A handle that ends [`Backend::run`] from another thread.
    fn stopper(&self) -> Stopper;
    /// COM1's receiver, for a host console that types into the guest.
    fn serial_input(&self) -> Result<SerialIn, MachineError>;
    /// Counts the firmware's guest instructions by single-stepping it, if
    /// the backend can (`false` if it cannot; nothing changes then).
    fn count_instructions(&mut self) -> Result<bool, MachineError> {
        Ok(false)
    }
}

/// A virtual machine running the pbios ROM on one backend: the VMM behind
/// the `pbios` binary.
#[cfg(any(feature = "kvm", feature = "tcg"))]
pub struct Machine(Box<dyn Backend>);

#[cfg(any(feature = "kvm", feature = "tcg"))]
impl Machine {
    /// Builds the machine `spec` describes on `accel` (resolving `Auto`).
    /// `qemu` is the QEMU binary the TCG backend runs (`None`:
    /// `$PBIOS_QEMU`, else `qemu-system-x86_64`).
    pub fn new(
        accel: Accel,
        spec: MachineSpec,
        qemu: Option<&std::path::Path>,
    ) -> Result<Machine, MachineError> {
        let backend: Box<dyn Backend> = match accel.resolve() {
            #[cfg(feature = "tcg")]
            Accel::Tcg => {
                let mut opts = tcg::TcgOptions::default();
                if let Some(q) = qemu {
                    opts.qemu = q.to_path_buf();
                }
                Box::new(tcg::TcgMachine::new(spec, &opts)?)
            }
            #[cfg(not(feature = "tcg"))]
            Accel::Tcg => {
                let _ = (spec, qemu);
                return Err(MachineError::NotBuilt("tcg"));
            }
            #[cfg(feature = "kvm")]
            _ => Box::new(kvm::KvmMachine::new(spec)?),
            #[cfg(not(feature = "kvm"))]
            _ => {
                let _ = (spec, qemu);
                return Err(MachineError::NotBuilt("kvm"));
            }
        };
        Ok(Machine(backend))
    }

    /// Runs the guest until it ends.
    pub fn run(&mut self) -> Result<Exit, MachineError> {
        self.0.run()
    }

    /// Guest RAM (for inspection after a run).
    pub fn memory(&self) -> &GuestMemoryMmap {
        self.0.memory()
    }

    /// The BIOS (its drives and counters).
    pub fn bios(&self) -> &Bios {
        self.0.bios()
    }

    /// What the backend counted: exits, and when the boot sector began.
    pub fn stats(&self) -> RunStats {
        self.0.stats()
    }

    /// Counts the firmware's guest instructions by single-stepping it (KVM
    /// only: on TCG the answer is `false` and nothing changes).
    pub fn count_instructions(&mut self) -> Result<bool, MachineError> {
        self.0.count_instructions()
    }

    /// The accelerator this machine runs on.
    pub fn accel(&self) -> Accel {
        self.0.accel()
    }

    /// A handle that ends [`Machine::run`] from another thread (a timeout,
    /// a signal, a user's quit key).
    pub fn stopper(&self) -> Stopper {
        self.0.stopper()
    }

    /// COM1's receiver: what a host console types into the guest's UART.
    pub fn serial_input(&self) -> Result<SerialIn, MachineError> {
        self.0.serial_input()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accelerator_names_and_auto() {
        for a in [Accel::Kvm, Accel::Tcg, Accel::Auto] {
            assert_eq!(Accel::parse(a.name()), Some(a));
        }
        assert_eq!(Accel::parse("hvf"), None);
        assert_ne!(Accel::Auto.resolve(), Accel::Auto, "auto picks one");
        assert_eq!(Accel::Tcg.resolve(), Accel::Tcg);
        assert_eq!(Accel::Kvm.resolve(), Accel::Kvm);
    }
}
