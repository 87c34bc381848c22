//! The generic vCPU contract, for any hypervisor, and the one trap-serving
//! routine every backend shares: read the registers, run the dispatcher,
//! write back what changed. No service knows which backend it runs on.
//!
//! # The contract
//!
//! A [`Vcpu`] is one virtual CPU stopped at a BIOS trap: an instruction
//! of the ROM's trap kind (`out 0E7h, al`, `vmcall` or `vmmcall`) at one of
//! the two sites the ROM header lists
//! ([`crate::abi::header::RomHeader::is_trap_site`]): the trap entry
//! (`trap; iret`) that every interrupt's stub near-calls, or the
//! private-service routine POST calls (`trap; ret`, in 32-bit flat mode).
//! The dispatcher finds the vector from the stub's return address on the
//! stack and pops it.
//!
//! - [`Vcpu::trap_state`] reports the registers *as if the trap instruction
//!   had completed*: IP just past it, at the entry's IRET. If the hypervisor
//!   stopped before the instruction, the backend adds its length itself
//!   and returns `true` from [`Vcpu::always_resume`].
//! - The FLAGS a service answers in (CF, ZF) go into the FLAGS image the
//!   entry's IRET pops, at SS:SP+4 once the return address is popped
//!   (SS:SP+6 at the trap), which the dispatcher writes through
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
            Stop::PowerOff(how) => Exit::PowerOff(how),
        }
    }
}

/// The guest's state at a trap, as a backend reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapState {
    /// The registers with the trap instruction completed: IP points just
    /// past it, at the trap entry's IRET.
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

/// The RIP rule for a hypervisor that may stop with IP still on the trap
/// instruction (KVM's fast PIO path): given the code segment's base and
/// EIP, the EIP past the trap when it is on a trap site of `header`, else
/// `None` (it has completed already).
pub fn past_trap(header: &abi::header::RomHeader, cs_base: u64, eip: u32) -> Option<u32> {
    header
        .is_trap_site(cs_base.wrapping_add(u64::from(eip)))
        .then(|| eip.wrapping_add(header.trap_kind.bytes().len() as u32))
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
    /// The host ended the run through a [`crate::backend::Stopper`]: why.
    Stopped(String),
}

impl Exit {
    /// The process exit status this run maps to. A guest's port F4h value
    /// always gives an odd status; pbios's own failures give 2 (even), so
    /// the two never collide.
    pub fn status(&self) -> i32 {
        match self {
            Exit::DebugExit(v) => ((i32::from(*v) << 1) | 1) & 0xFF,
            Exit::Reset(_) | Exit::PowerOff(_) | Exit::Stopped(_) => 0,
            Exit::NoBootDevice(_) | Exit::TripleFault(_) => FAILURE_STATUS,
        }
    }
}

/// Exit status of a run that failed on pbios's side (even, unlike any
/// status a guest can produce through port F4h).
pub const FAILURE_STATUS: i32 = 2;

#[cfg(test)]
mod tests {
    //! The dispatcher and [`serve_trap`] on a fake vCPU: what reaches the
    //! registers, the FLAGS image and guest memory, without a hypervisor.
    use super::*;
    use crate::bios::{answer_flags, Devices};
    use crate::disk::{Disk, Drives, MediaKind};
    use crate::mem::{guest_ram, real_addr, OutOfRange};
    use crate::memmap::{MemoryMap, MIB};
    use crate::rom::Rom;
    use crate::services::Status;
    use vm_memory::{GuestMemoryMmap, VolatileSlice};

    /// Guest RAM that records every write.
    struct Ram {
        ram: GuestMemoryMmap,
        writes: Vec<(u64, Vec<u8>)>,
    }

    impl Memory for Ram {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
            self.ram.read(addr, buf)
        }
        fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange> {
            self.writes.push((addr, data.to_vec()));
            self.ram.write(addr, data)
        }
        fn is_ram(&self, addr: u64, len: usize) -> bool {
            self.ram.is_ram(addr, len)
        }
        fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>> {
            self.ram.ram_slice(addr, len)
        }
    }

    /// A vCPU stopped at a stub: past the trap (as KVM's emulator leaves
    /// it), or on it (`on_trap`, as KVM's fast PIO path does).
    struct Fake {
        state: TrapState,
        mem: Ram,
        on_trap: bool,
        resumed: Vec<(Regs, Regs)>,
    }

    impl Vcpu for Fake {
        type Error = ();
        fn trap_state(&mut self) -> Result<TrapState, ()> {
            Ok(self.state)
        }
        fn set_regs(&mut self, old: &Regs, new: &Regs) -> Result<(), ()> {
            self.resumed.push((*old, *new));
            Ok(())
        }
        fn always_resume(&self) -> bool {
            self.on_trap
        }
        fn memory(&mut self) -> &mut dyn Memory {
            &mut self.mem
        }
    }

    const SP: u16 = 0x7000;
    const CF: u16 = 1;
    /// A call from virtual-8086 mode.
    const VM: u32 = crate::regs::EFLAGS_VM;
    /// The caller's CS:IP in the INT's frame.
    const CALLER: (u16, u16) = (0x1234, 0x0567);

    /// A call of INT `v` with AX=`ax`, the caller's FLAGS image `flags`:
    /// the INT's frame at SS:SP, and below it the return address of the
    /// stub's call of the trap entry, where the guest stopped.
    fn call(v: u8, ax: u16, flags: u16) -> Fake {
        let map = MemoryMap::new(4 * MIB).unwrap();
        let mut ram = guest_ram(&map.ram_ranges()).unwrap();
        ram.write_u16(real_addr(0, SP), CALLER.1).unwrap();
        ram.write_u16(real_addr(0, SP + 2), CALLER.0).unwrap();
        ram.write_u16(real_addr(0, SP + 4), flags).unwrap();
        ram.write_u16(
            real_addr(0, SP - 2),
            abi::stub_offset(v) + abi::STUB_CALL_LEN,
        )
        .unwrap();
        let ip = abi::rom::TRAP_ENTRY + 2;
        Fake {
            state: TrapState {
                regs: Regs {
                    eax: u32::from(ax),
                    eip: u32::from(ip),
                    esp: u32::from(SP - 2),
                    eflags: 0x2,
                    cs: abi::ROM_SEGMENT,
                    ..Regs::default()
                },
                linear_rip: u64::from(abi::ROM_BASE) + u64::from(ip),
            },
            mem: Ram {
                ram,
                writes: Vec::new(),
            },
            on_trap: false,
            resumed: Vec::new(),
        }
    }

    fn bios(drives: Drives) -> Bios {
        let map = MemoryMap::new(4 * MIB).unwrap();
        Bios::builder(Rom::builtin().header, map, Devices::new(drives)).build()
    }

    #[test]
    fn each_status_sets_cf_zf_and_ah_as_documented() {
        let before = Regs {
            eax: 0x1234,
            iret_flags: 0x0202 | 0x40, // IF, ZF set; CF clear
            ..Regs::default()
        };
        // (answer, CF, ZF, AH)
        for (status, cf, zf, ah) in [
            (Status::Ok, false, true, 0x00),
            (Status::OkAh(0x80), false, true, 0x80),
            (Status::Cleared, false, true, 0x12),
            (Status::Fail(0x01), true, true, 0x01),
            (Status::CarrySet, true, true, 0x12),
            (Status::Zf(false), false, false, 0x12),
            (Status::Zf(true), false, true, 0x12),
            (Status::Done, false, true, 0x12),
            (Status::Jump, false, true, 0x12),
        ] {
            let mut r = before;
            answer_flags(status, &mut r);
            assert_eq!((r.cf(), r.zf(), r.ah()), (cf, zf, ah), "{status:?}");
            assert_eq!(r.iret_flags & 0x200, 0x200, "IF kept: {status:?}");
        }
    }

    #[test]
    fn a_real_mode_call_returns_to_its_caller_with_its_answer_in_flags() {
        let mut b = bios(Drives::default());
        // INT 17h: no printer, CF=1 and nothing else. The host returns as the
        // entry's IRET would: CS:IP and FLAGS from the frame, SP past it.
        let mut v = call(0x17, 0x0100, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert!(v.mem.writes.is_empty(), "no FLAGS image to write");
        let (old, new) = v.resumed[0];
        assert_eq!((new.cs, new.ip(), new.sp()), (CALLER.0, CALLER.1, SP + 6));
        assert_eq!(new.eflags, 0x0203, "the caller's IF, the answer's CF");
        assert_eq!(
            Regs {
                eax: old.eax,
                eip: old.eip,
                esp: old.esp,
                eflags: old.eflags,
                cs: old.cs,
                iret_flags: old.iret_flags,
                ..new
            },
            old,
            "nothing else"
        );
        // FLAGS as a real-mode IRET loads them: bits 3, 5 and 15 clear,
        // bit 1 set, EFLAGS's upper half kept (AC here).
        let mut v = call(0x11, 0xFFFF, 0xFFFF);
        v.state.regs.eflags |= 1 << 18;
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        let (_, new) = v.resumed[0];
        assert_eq!(new.eflags, (1 << 18) | 0x7FD5 | 2, "INT 11h keeps them");
        assert_eq!(new.ax(), 0, "the BDA's equipment word");
        assert_eq!(b.stats.calls, 2);
    }

    #[test]
    fn from_virtual_8086_mode_the_flags_image_is_written_only_when_it_changes() {
        let mut b = bios(Drives::default());
        let v86 = |v, ax, flags| {
            let mut f = call(v, ax, flags);
            f.state.regs.eflags |= VM;
            f
        };
        // INT 17h: no printer, CF=1 and nothing else.
        let mut v = v86(0x17, 0x0100, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert_eq!(v.mem.writes, vec![(u64::from(SP) + 4, vec![0x03, 0x02])]);
        // The same call with CF already set writes no memory at all.
        let mut v = v86(0x17, 0x0100, 0x0202 | CF);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert!(v.mem.writes.is_empty(), "{:?}", v.mem.writes);
        // Only SP changed: the stub's return address is popped, so the
        // guest resumes at the entry's IRET with the INT's frame on top,
        // and runs the IRET itself (its monitor may emulate it).
        let (old, new) = v.resumed[0];
        assert_eq!(
            new,
            Regs {
                esp: old.esp + 2,
                iret_flags: new.iret_flags,
                ..old
            }
        );
        // INT 11h changes AX (to the BDA's equipment word, 0 here) but no
        // flag: the registers, not the image.
        let mut v = v86(0x11, 0xFFFF, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert!(v.mem.writes.is_empty());
        assert_eq!(v.resumed[0].1.ax(), 0);
        assert_eq!(b.stats.calls, 3);
    }

    #[test]
    fn the_vector_comes_from_the_stubs_return_address() {
        let mut b = bios(Drives::default());
        // INT 12h's stub is the compatibility entry F000:F841, INT 20h's a
        // stub-table slot; each answers as itself.
        let mut v = call(0x12, 0, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert_eq!(v.resumed[0].1.ax(), 0, "INT 12h: 40:13 in KiB (0 here)");
        let mut v = call(0x20, 0x1234, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert_eq!(v.resumed[0].1.sp(), SP, "served, the return popped");
        // A return address that is no stub's: nothing served, nothing
        // changed.
        let mut v = call(0x12, 0x5555, 0x0202);
        v.mem.ram.write_u16(real_addr(0, SP - 2), 0x7C00).unwrap();
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert!(v.resumed.is_empty() && v.mem.writes.is_empty());
        assert_eq!(b.stats.calls, 2);
    }

    #[test]
    fn the_rip_rule_steps_only_off_a_trap_site() {
        let h = Rom::builtin().header;
        let base = u64::from(abi::ROM_BASE);
        let on = u32::from(abi::rom::TRAP_ENTRY);
        assert_eq!(past_trap(&h, base, on), Some(on + 2), "on the OUT");
        let stub = u32::from(abi::stub_offset(0x13));
        assert_eq!(past_trap(&h, base, stub), None, "a stub is a call");
        assert_eq!(past_trap(&h, base, on + 2), None, "already past it");
        assert_eq!(past_trap(&h, 0, 0x7C00), None, "not a trap site");
    }

    #[test]
    fn a_vcpu_still_on_the_trap_is_always_resumed() {
        let mut b = bios(Drives::default());
        let mut v = call(0x17, 0x0100, 0x0202 | CF);
        v.state.regs.eflags |= VM;
        v.on_trap = true;
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        assert_eq!(v.resumed.len(), 1, "RIP must be written past the trap");
        let (old, new) = v.resumed[0];
        assert_eq!(
            Regs {
                iret_flags: 0,
                ..new
            },
            Regs {
                esp: old.esp + 2,
                ..old
            },
            "nothing else changed but the popped return address"
        );
    }

    #[test]
    fn a_key_wait_parks_the_guest_in_the_rom_helper() {
        let mut b = bios(Drives::default());
        let header = *b.header();
        let mut v = call(0x16, 0x0000, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        let (_, new) = v.resumed[0];
        assert_eq!((new.cs, new.ip()), (abi::ROM_SEGMENT, header.wait_entry));
        assert_eq!(new.sp(), SP - 2, "the helper returns into the stub");
        let ret = v.mem.ram.read_u16(real_addr(0, SP - 2)).unwrap();
        assert_eq!(ret, abi::stub_offset(0x16));
        let stack: Vec<_> = v
            .mem
            .writes
            .iter()
            .filter(|(a, _)| !(0x400..0x500).contains(a))
            .collect();
        assert_eq!(stack.len(), 1, "only the return address: no FLAGS image");
    }

    #[test]
    fn int19_jumps_to_the_boot_sector_or_ends_the_run() {
        let mut b = bios(Drives::default());
        let mut v = call(0x19, 0, 0x0202);
        match serve_trap(&mut b, &mut v) {
            Ok(Some(Stop::NoBootDevice(_))) => {}
            other => panic!("{other:?}"),
        }
        let path = std::env::temp_dir().join(format!("pbios-vcpu-{}.img", std::process::id()));
        let mut sector = vec![0u8; 512];
        sector[0] = 0xF4; // hlt
        sector[510..].copy_from_slice(&[0x55, 0xAA]);
        std::fs::write(&path, &sector).unwrap();
        let disk = Disk::attach(&path, MediaKind::HardDisk, true).unwrap();
        let mut b = bios(Drives {
            hard: vec![disk],
            ..Drives::default()
        });
        let mut v = call(0x19, 0, 0x0202);
        assert_eq!(serve_trap(&mut b, &mut v), Ok(None));
        let (_, new) = v.resumed[0];
        assert_eq!((new.cs, new.ip(), new.dl()), (0, 0x7C00, 0x80));
        assert_eq!(v.mem.ram.read_u8(0x7C00).unwrap(), 0xF4, "the boot sector");
        assert!(b.stats.booted.is_some());
        std::fs::remove_file(&path).unwrap();
    }
}
