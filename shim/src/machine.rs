//! The machine a VMM runs: one of the backends behind one interface.

use crate::bios::Bios;
use crate::kvm::{KvmError, KvmMachine, SerialOut};
use crate::rom::Rom;
use crate::tcg::{TcgError, TcgMachine, TcgOptions};
use crate::vcpu::{Exit, RunStats};
use std::path::Path;
use thiserror::Error;
use vm_memory::GuestMemoryMmap;

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

    /// `Auto` made concrete for this host.
    pub fn resolve(self) -> Accel {
        match self {
            Accel::Auto if kvm_usable() => Accel::Kvm,
            Accel::Auto => Accel::Tcg,
            other => other,
        }
    }

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
    #[error(transparent)]
    Kvm(#[from] KvmError),
    #[error(transparent)]
    Tcg(#[from] TcgError),
}

/// A virtual machine running the pbios ROM on one backend.
pub enum Machine {
    Kvm(Box<KvmMachine>),
    Tcg(Box<TcgMachine>),
}

impl Machine {
    /// Builds the machine on `accel` (resolving `Auto`). `rom_path` is the
    /// file `rom` was loaded from (QEMU loads it itself).
    pub fn new(
        accel: Accel,
        rom: &Rom,
        rom_path: &Path,
        bios: Bios,
        serial_out: SerialOut,
        tcg: &TcgOptions,
    ) -> Result<Machine, MachineError> {
        Ok(match accel.resolve() {
            Accel::Tcg => Machine::Tcg(Box::new(TcgMachine::new(
                rom, rom_path, bios, serial_out, tcg,
            )?)),
            _ => Machine::Kvm(Box::new(KvmMachine::new(rom, bios, serial_out)?)),
        })
    }

    /// Runs the guest until it ends.
    pub fn run(&mut self) -> Result<Exit, MachineError> {
        Ok(match self {
            Machine::Kvm(m) => m.run()?,
            Machine::Tcg(m) => m.run()?,
        })
    }

    /// Guest RAM (for inspection after a run).
    pub fn memory(&self) -> &GuestMemoryMmap {
        match self {
            Machine::Kvm(m) => m.memory(),
            Machine::Tcg(m) => m.memory(),
        }
    }

    pub fn bios(&self) -> &Bios {
        match self {
            Machine::Kvm(m) => m.bios(),
            Machine::Tcg(m) => m.bios(),
        }
    }

    /// What the backend counted: exits, and when the boot sector began.
    pub fn stats(&self) -> RunStats {
        match self {
            Machine::Kvm(m) => m.stats(),
            Machine::Tcg(m) => m.stats(),
        }
    }

    /// Counts the firmware's guest instructions by single-stepping it (KVM
    /// only: on TCG the answer is `false` and nothing changes).
    pub fn count_instructions(&mut self) -> Result<bool, MachineError> {
        match self {
            Machine::Kvm(m) => m.count_instructions().map(|()| true).map_err(Into::into),
            Machine::Tcg(_) => Ok(false),
        }
    }

    /// The accelerator this machine runs on.
    pub fn accel(&self) -> Accel {
        match self {
            Machine::Kvm(_) => Accel::Kvm,
            Machine::Tcg(_) => Accel::Tcg,
        }
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
