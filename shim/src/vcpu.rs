//! The generic vCPU contract, for any hypervisor, and the one trap-serving
//! routine every backend shares: read the registers, run the dispatcher,
//! write back what changed. No service knows which backend it runs on.
//!
//! # The contract
//!
//! A [`Vcpu`] is one virtual CPU stopped at a BIOS trap: an instruction
//! of the ROM's trap kind (`out 0E7h, al`, `vmcall` or `vmmcall`) at a site
//! the ROM header lists ([`abi::header::RomHeader::is_trap_site`]): one of
//! the 256 interrupt stubs (each `trap; iret`) or the private-service
//! routine POST calls (`trap; ret`, in 32-bit flat mode).
//!
//! - [`Vcpu::trap_state`] reports the registers *as if the trap instruction
//!   had completed*: IP just past it, at the stub's IRET. If the hypervisor
//!   stopped before the instruction, the backend adds its length itself
//!   and returns `true` from [`Vcpu::always_resume`].
//! - The FLAGS a service answers in (CF, ZF) go into the FLAGS image the
//!   stub's IRET pops, at SS:SP+4, which the dispatcher writes through
//!   [`Vcpu::memory`]; RFLAGS itself is not where results go.
//! - A service may change the general registers, EIP, EFLAGS and the
//!   segment selectors (real-mode: the base follows the selector).
//!   [`Vcpu::set_regs`] is called only when something changed (or when
//!   [`Vcpu::always_resume`] says so).

use crate::bios::Bios;
use crate::mem::Memory;
use crate::regs::Regs;
use crate::services::Stop;
use std::time::Instant;

impl From<Stop> for Exit {
    fn from(stop: Stop) -> Exit {
        match stop {
            Stop::NoBootDevice(why) => Exit::NoBootDevice(why),
        }
    }
}

/// The guest's state at a trap, as a backend reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapState {
    /// The registers with the trap instruction completed: IP points just
    /// past it, at the stub's IRET.
    pub regs: Regs,
    /// The linear address IP points at.
    pub linear_rip: u64,
}

/// One vCPU stopped at a BIOS trap, and guest memory (see the module
/// docs for the contract).
pub trait Vcpu {
    /// The backend's host-side failure.
    type Error;
    /// The registers at the trap (see [`TrapState`]).
    fn trap_state(&mut self) -> Result<TrapState, Self::Error>;
    /// Resumes the guest with `new` instead of `old` (both from this trap).
    fn set_regs(&mut self, old: &Regs, new: &Regs) -> Result<(), Self::Error>;
    /// Whether [`Vcpu::set_regs`] is needed even when a service changed
    /// nothing (a backend whose vCPU stopped before the trap instruction
    /// rather than after it).
    fn always_resume(&self) -> bool {
        false
    }
    /// Guest memory as the services see it (RAM only, bounds-checked).
    fn memory(&mut self) -> &mut dyn Memory;
    /// A host failure the memory accessor hit during the last service, if
    /// any (a backend whose memory goes over a connection can lose it).
    fn take_memory_error(&mut self) -> Option<Self::Error> {
        None
    }
}

/// Serves one BIOS trap on `vcpu`. Returns a reason to end the run, if any.
pub fn serve_trap<V: Vcpu + ?Sized>(
    bios: &mut Bios,
    vcpu: &mut V,
) -> Result<Option<Stop>, V::Error> {
    let state = vcpu.trap_state()?;
    let mut regs = state.regs;
    let stop = bios.trap(state.linear_rip, &mut regs, vcpu.memory());
    if let Some(e) = vcpu.take_memory_error() {
        return Err(e);
    }
    // The FLAGS image went to the stack already; only registers count here.
    let changed = Regs {
        iret_flags: state.regs.iret_flags,
        ..regs
    } != state.regs;
    if changed || vcpu.always_resume() {
        vcpu.set_regs(&state.regs, &regs)?;
    }
    Ok(stop)
}

/// What a backend counted during a run (`pbios --stats`, the benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// When the vCPU first ran, at the reset vector.
    pub started: Option<Instant>,
    /// Exits to pbios so far: VM exits on KVM, debugger stops on TCG.
    pub exits: u64,
    /// Exits up to the boot sector's first instruction.
    pub exits_at_boot: Option<u64>,
    /// Guest instructions up to the boot sector's first instruction, when
    /// counted (KVM, single-stepping the firmware).
    pub instructions_at_boot: Option<u64>,
}

impl RunStats {
    /// Notes the first run.
    pub fn start(&mut self) {
        self.started.get_or_insert_with(Instant::now);
    }

    /// Notes the boot sector's entry once the BIOS has reported it.
    pub fn check_boot(&mut self, bios: &Bios) -> bool {
        if self.exits_at_boot.is_none() && bios.stats.booted.is_some() {
            self.exits_at_boot = Some(self.exits);
            return true;
        }
        false
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The guest wrote `value` to port F4h (isa-debug-exit): the run's exit
    /// status is `(value << 1) | 1`, truncated to 8 bits as QEMU's process
    /// status is. On the TCG backend pbios learns the value from that status,
    /// so there it is `value & 7Fh`.
    DebugExit(u8),
    /// The guest reset the machine (FEh to port 64h; on the TCG backend also
    /// a triple fault, which QEMU reports the same way): how, and where.
    Reset(String),
    /// Triple fault: where.
    TripleFault(String),
    /// The guest powered the machine off (ACPI S5): how.
    PowerOff(String),
    /// INT 19h found nothing to boot: why.
    NoBootDevice(String),
}

impl Exit {
    /// The process exit status this run maps to. A guest's port F4h value
    /// always gives an odd status; pbios's own failures give 2 (even), so
    /// the two never collide.
    pub fn status(&self) -> i32 {
        match self {
            Exit::DebugExit(v) => ((i32::from(*v) << 1) | 1) & 0xFF,
            Exit::Reset(_) | Exit::PowerOff(_) => 0,
            Exit::NoBootDevice(_) | Exit::TripleFault(_) => FAILURE_STATUS,
        }
    }
}

/// Exit status of a run that failed on pbios's side (even, unlike any
/// status a guest can produce through port F4h).
pub const FAILURE_STATUS: i32 = 2;
