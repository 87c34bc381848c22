//! BIOS calls through the ROM's mailbox ([`abi::mailbox`]): the guest keeps
//! running (it spins in the ROM) while pbios serves the call from the
//! registers it left on its stack, so a call costs no debugger stop.
//!
//! The ROM's trap entry jumps to the mailbox in the copy of the ROM the TCG
//! backend gives QEMU ([`patch_rom`]). The mailbox writes SS:SP to the trap
//! port, where QEMU has a debug console whose output pbios reads. A call
//! whose answer the mailbox can carry (the same SS, an IRET frame that
//! fits, and no guest memory written where QEMU may hold translated code)
//! is answered there. Any other is finished as before: pbios stops the
//! guest and writes the registers and memory through the GDB stub.

use super::vcpu::TcgMemory;
use super::TcgError;
use crate::mem::{real_addr, Memory};
use crate::regs::{Regs, EFLAGS_VM};
use crate::vcpu::{TrapState, Vcpu};
use abi::header::RomHeader;
use abi::mailbox as mb;

/// `jmp rel16`.
const JMP_REL16: u8 = 0xE9;

/// The ROM as the TCG backend gives it to QEMU: the same image with its
/// trap entry's first instruction replaced by a near jump to the mailbox
/// routine (and the checksum byte kept right).
pub(super) fn patch_rom(rom: &[u8], header: &RomHeader) -> Vec<u8> {
    let mut out = rom.to_vec();
    let entry = (header.trap_entry - abi::ROM_BASE) as u16;
    let rel = header.mailbox_entry.wrapping_sub(entry.wrapping_add(3));
    let at = usize::from(entry);
    if let Some(bytes) = out.get_mut(at..at + 3) {
        bytes[0] = JMP_REL16;
        bytes[1..].copy_from_slice(&rel.to_le_bytes());
    }
    let last = out.len() - 1;
    out[last] = 0;
    out[last] = abi::header::checksum_byte(&out[..last]);
    out
}

/// Guest memory the mailbox can leave to QEMU without telling it: ranges
/// where no code runs, so no translated code can be stale after pbios
/// writes them behind QEMU's back (the BDA, the EBDA, video memory).
fn no_code_here(addr: u64, len: usize, mailbox: (u64, u64)) -> bool {
    let end = addr.saturating_add(len as u64);
    let within = |lo: u64, hi: u64| addr >= lo && end <= hi;
    within(0x400, 0x500)
        || within(abi::layout::EBDA_BASE, abi::layout::CONVENTIONAL_TOP)
        || within(abi::layout::CONVENTIONAL_TOP, 0xC_0000)
        || within(mailbox.0, mailbox.1)
}

/// The writes of `dirty` outside code-free memory, as one range (segment,
/// offset, length) below 1 MiB for the mailbox routine to touch:
/// `Ok(None)` when there are none, `Err(())` when they are more than one
/// range, longer than a segment, or above 1 MiB (the guest is stopped).
#[allow(clippy::result_unit_err)]
pub(super) fn code_range(
    dirty: &[(u64, usize)],
    area: (u64, u64),
) -> Result<Option<(u16, u16, u16)>, ()> {
    let mut ranges: Vec<(u64, u64)> = dirty
        .iter()
        .filter(|&&(a, l)| l > 0 && !no_code_here(a, l, area))
        .map(|&(a, l)| (a, a.saturating_add(l as u64)))
        .collect();
    if ranges.is_empty() {
        return Ok(None);
    }
    ranges.sort_unstable();
    let (lo, mut hi) = ranges[0];
    for &(a, b) in &ranges[1..] {
        if a > hi {
            return Err(());
        }
        hi = hi.max(b);
    }
    let len = hi - lo;
    if hi > 0x10_0000 || len > 0xFFF0 {
        return Err(());
    }
    Ok(Some(((lo >> 4) as u16, (lo & 0xF) as u16, len as u16)))
}

/// The offset in F000h of the trap entry's IRET (where a call resumes when
/// the guest runs the IRET itself).
pub(super) fn entry_iret(header: &RomHeader) -> u16 {
    (header.trap_entry.wrapping_sub(abi::ROM_BASE) as u16)
        .wrapping_add(header.trap_kind.bytes().len() as u16)
}

/// How a mailbox call ends.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// Answered through the mailbox: the guest goes on by itself.
    Mailbox,
    /// The guest must be stopped and given these registers (and the
    /// service's memory writes) through the GDB stub.
    Stop(Regs),
    /// Not a mailbox after all (stray bytes on the trap port): left alone.
    Ignored,
}

/// One call waiting in the mailbox at SS:SP.
pub(super) struct MailboxVcpu<'a> {
    pub(super) mem: &'a mut TcgMemory,
    pub(super) header: &'a RomHeader,
    pub(super) ss: u16,
    pub(super) sp: u16,
    /// What [`Vcpu::set_regs`] decided.
    pub(super) answer: Answer,
}

impl MailboxVcpu<'_> {
    /// Linear address of slot `off` of the mailbox.
    fn slot(&self, off: u16) -> u64 {
        real_addr(self.ss, self.sp.wrapping_add(off))
    }

    fn u16_at(&self, off: u16) -> Option<u16> {
        Memory::read_u16(&self.mem.ram, self.slot(off)).ok()
    }

    fn u32_at(&self, off: u16) -> Option<u32> {
        Some(u32::from(self.u16_at(off)?) | u32::from(self.u16_at(off + 2)?) << 16)
    }

    /// Whether SS:SP holds a mailbox the ROM just filled: the flag clear,
    /// the mode 0 or 1, and all of it in RAM (the slots wrap in SS as the
    /// pushes did).
    ///
    /// What the routine pushed must be there too: the ESP `pushad` saved
    /// (SP after the two words above it) and a stub's return address. Stray
    /// bytes on the trap port hardly ever name such a place.
    pub(super) fn is_mailbox(&self) -> bool {
        let all_in_ram = (0..mb::RETURN + 8)
            .step_by(2)
            .all(|off| self.u16_at(off).is_some());
        all_in_ram
            && self.u16_at(mb::FLAG) == Some(0)
            && matches!(self.u16_at(mb::FRAME), Some(0 | 1))
            && self.u16_at(mb::PUSHAD + 12) == Some(self.sp.wrapping_add(mb::FLAG))
            && self.u16_at(mb::RETURN).is_some_and(|ret| {
                self.header
                    .vector_of_return(u64::from(abi::ROM_BASE), ret)
                    .is_some()
            })
    }

    /// Whether the caller runs in virtual-8086 mode (the mode slot).
    fn v86(&self) -> bool {
        self.u16_at(mb::FRAME) == Some(1)
    }

    fn regs(&self) -> Option<Regs> {
        let pushad = |i: u16| self.u32_at(mb::PUSHAD + 4 * i);
        let esp_slot = pushad(3)?;
        // INT cleared IF and TF; the rest is the caller's FLAGS.
        let flags = self.u16_at(mb::RETURN + 6)? & !(1 << 9 | 1 << 8);
        let eip = u32::from(entry_iret(self.header));
        Some(Regs {
            edi: pushad(0)?,
            esi: pushad(1)?,
            ebp: pushad(2)?,
            esp: (esp_slot & 0xFFFF_0000) | u32::from(self.sp.wrapping_add(mb::RETURN)),
            ebx: pushad(4)?,
            edx: pushad(5)?,
            ecx: pushad(6)?,
            eax: pushad(7)?,
            eip,
            eflags: u32::from(flags) | 2 | if self.v86() { EFLAGS_VM } else { 0 },
            cs: abi::ROM_SEGMENT,
            ds: self.u16_at(mb::DS)?,
            es: self.u16_at(mb::ES)?,
            ss: self.ss,
            fs: self.u16_at(mb::FS)?,
            gs: self.u16_at(mb::GS)?,
            iret_flags: 0,
        })
    }

    /// Writes `new` into the mailbox and sets its flag, if the mailbox can
    /// carry it.
    fn answer(&mut self, old: &Regs, new: &Regs) -> bool {
        let lo = self.slot(0);
        let area = (lo, lo + u64::from(mb::RETURN) + 8);
        // Resuming at the trap entry's IRET (a call from virtual-8086 mode,
        // whose monitor runs the IRET): the routine's own IRET does it, on
        // the caller's INT frame. Anywhere else: through a frame written
        // just below the final SP.
        let entry_iret = entry_iret(self.header);
        let at_iret = new.cs == abi::ROM_SEGMENT && new.ip() == entry_iret;
        let frame = if at_iret {
            new.sp()
        } else {
            new.sp().wrapping_sub(6)
        };
        let fits = new.ss == old.ss
            && new.esp >> 16 == old.esp >> 16
            && new.eflags >> 16 == old.eflags >> 16
            && (at_iret || new.sp() >= 6)
            && self
                .sp
                .checked_add(mb::ROOM)
                .is_some_and(|room| frame >= room);
        if !fits {
            return false;
        }
        // Writes where code may have run: one range below 1 MiB that the
        // routine can touch (the room slots are free when the frame is
        // not there), else the guest is stopped.
        let touch = match code_range(&self.mem.dirty, area) {
            Ok(None) => None,
            Ok(Some(r)) if frame >= self.sp.wrapping_add(mb::RETURN) => Some(r),
            _ => return false,
        };
        let ss = self.ss;
        let gprs = [
            new.edi, new.esi, new.ebp, new.esp, new.ebx, new.edx, new.ecx, new.eax,
        ];
        let mut writes: Vec<(u64, Vec<u8>)> = Vec::with_capacity(14);
        for (i, v) in gprs.iter().enumerate() {
            writes.push((
                self.slot(mb::PUSHAD + 4 * i as u16),
                v.to_le_bytes().to_vec(),
            ));
        }
        for (off, v) in [
            (mb::DS, new.ds),
            (mb::ES, new.es),
            (mb::FS, new.fs),
            (mb::GS, new.gs),
        ] {
            writes.push((self.slot(off), v.to_le_bytes().to_vec()));
        }
        if !at_iret {
            let mut iret = Vec::with_capacity(6);
            iret.extend_from_slice(&new.ip().to_le_bytes());
            iret.extend_from_slice(&new.cs.to_le_bytes());
            iret.extend_from_slice(&(new.eflags as u16).to_le_bytes());
            writes.push((real_addr(ss, frame), iret));
        }
        writes.push((self.slot(mb::FRAME), frame.to_le_bytes().to_vec()));
        let flag = self.slot(mb::FLAG);
        for (addr, bytes) in &writes {
            if self.mem.ram.write(*addr, bytes).is_err() {
                return false;
            }
        }
        let mut flag_value = 1u16;
        if let Some((seg, off, len)) = touch {
            let mut d = Vec::with_capacity(6);
            for w in [seg, off, len] {
                d.extend_from_slice(&w.to_le_bytes());
            }
            if self.mem.ram.write(self.slot(mb::ROOM), &d).is_err() {
                return false;
            }
            flag_value = mb::TOUCH;
        }
        // Everything else is in place before the flag the guest waits on.
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        if self.mem.ram.write(flag, &flag_value.to_le_bytes()).is_err() {
            return false;
        }
        self.mem.dirty.clear();
        true
    }
}

impl Vcpu for MailboxVcpu<'_> {
    type Error = TcgError;

    fn trap_state(&mut self) -> Result<TrapState, TcgError> {
        let regs = self
            .regs()
            .ok_or_else(|| TcgError::RegisterLayout("a mailbox in guest RAM".into()))?;
        Ok(TrapState {
            linear_rip: u64::from(abi::ROM_BASE) + u64::from(regs.eip),
            regs,
        })
    }

    fn set_regs(&mut self, old: &Regs, new: &Regs) -> Result<(), TcgError> {
        self.answer = if self.answer(old, new) {
            Answer::Mailbox
        } else {
            Answer::Stop(*new)
        };
        Ok(())
    }

    /// The guest waits for the flag, whatever the service changed.
    fn always_resume(&self) -> bool {
        true
    }

    fn memory(&mut self) -> &mut dyn Memory {
        self.mem
    }

    fn take_memory_error(&mut self) -> Option<TcgError> {
        self.mem.error.take().map(TcgError::Gdb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patched_rom_jumps_from_the_trap_entry_to_the_mailbox() {
        let rom = crate::rom::Rom::builtin();
        let h = rom.header;
        let patched = patch_rom(&rom.bytes, &h);
        let at = (h.trap_entry - abi::ROM_BASE) as usize;
        assert_eq!(patched[at], JMP_REL16);
        let rel = u16::from_le_bytes([patched[at + 1], patched[at + 2]]);
        assert_eq!((at as u16 + 3).wrapping_add(rel), h.mailbox_entry);
        assert_eq!(abi::header::checksum(&patched), 0, "still sums to zero");
        let changed = rom.bytes.iter().zip(&patched).filter(|(a, b)| a != b);
        assert!(changed.count() <= 4, "the jump and the checksum only");
    }

    #[test]
    fn one_range_below_1_mib_is_touched_by_the_guest() {
        let area = (0x7000, 0x7040);
        assert_eq!(code_range(&[(0x46C, 4)], area), Ok(None));
        assert_eq!(
            code_range(&[(0x7C00, 512), (0x46C, 4)], area),
            Ok(Some((0x7C0, 0, 512)))
        );
        assert_eq!(
            code_range(&[(0x1_0000, 0x8000), (0x1_8000, 0x7E00)], area),
            Ok(Some((0x1000, 0, 0xFE00))),
            "adjacent writes merge"
        );
        assert_eq!(code_range(&[(0x8000, 16), (0x9000, 16)], area), Err(()));
        assert_eq!(code_range(&[(0x10_0000, 16)], area), Err(()), "above 1 MiB");
        assert_eq!(
            code_range(&[(0x2_0000, 0x1_0000)], area),
            Err(()),
            "a segment's worth"
        );
    }

    #[test]
    fn only_code_free_memory_skips_the_stub() {
        let stack = (0x7000, 0x7040);
        assert!(no_code_here(0x46C, 4, stack), "the BDA's tick count");
        assert!(no_code_here(0xB8000, 160, stack), "video memory");
        assert!(no_code_here(0x7010, 2, stack), "the mailbox itself");
        assert!(!no_code_here(0x7C00, 512, stack), "a boot sector");
        assert!(!no_code_here(0x4FE, 4, stack), "past the BDA");
        assert!(!no_code_here(0x10_0000, 1, stack));
    }
}
