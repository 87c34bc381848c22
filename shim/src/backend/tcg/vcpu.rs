//! The vCPU as QEMU's GDB stub shows it: the register block's layout, a
//! stop's classification, and guest RAM shared with QEMU.

use super::gdb::{GdbClient, GdbError};
use super::TcgError;
use crate::mem::{Memory, OutOfRange};
use crate::regs::{Regs, EFLAGS_VM};
use crate::vcpu::{TrapState, Vcpu};
use vm_memory::{GuestMemoryMmap, VolatileSlice};

/// Where the fields pbios uses sit in QEMU's `g` register block, read from
/// the target description so that a QEMU with another layout still works.
#[derive(Clone, Debug)]
pub(super) struct RegLayout {
    /// EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP (as in [`Regs`]).
    pub(super) gprs: [usize; 8],
    pub(super) rip: usize,
    pub(super) eflags: usize,
    /// CS, DS, ES, SS, FS, GS (as in [`Regs::segments`]).
    pub(super) segs: [usize; 6],
    cr0: Option<usize>,
    /// Bytes of the block pbios writes back: through the last field above,
    /// so that nothing after them (bases, control and FPU registers) is
    /// rewritten.
    pub(super) write_len: usize,
    /// Bytes of the block pbios reads: the fields above and CR0.
    read_len: usize,
}

impl RegLayout {
    /// Parses `<reg name=".." bitsize=".."/>` entries, in order.
    pub(super) fn from_description(xml: &str) -> Result<RegLayout, TcgError> {
        // The block holds the registers in register-number order; a <reg>
        // without `regnum` takes the number after the previous one.
        let xml = strip_comments(xml);
        let mut regs = Vec::new();
        let mut next = 0usize;
        for tag in xml.split("<reg ").skip(1) {
            let attr = |name: &str| {
                let key = format!(" {name}=\"");
                let tag = format!(" {tag}");
                let start = tag.find(&key)? + key.len();
                let end = tag[start..].find('"')? + start;
                Some(tag[start..end].to_string())
            };
            let (Some(name), Some(bits)) = (attr("name"), attr("bitsize")) else {
                continue;
            };
            let bad = || TcgError::RegisterLayout(format!("a valid size and number for {name}"));
            // QEMU's reply is input like any other: sizes and numbers within
            // reason, and no arithmetic that can overflow on them.
            let bits: usize = bits.parse().map_err(|_| bad())?;
            if bits == 0 || bits > MAX_REG_BITS || !bits.is_multiple_of(8) {
                return Err(bad());
            }
            let num: usize = match attr("regnum") {
                Some(n) => n.parse().map_err(|_| bad())?,
                None => next,
            };
            if num >= MAX_REGS || regs.len() >= MAX_REGS {
                return Err(bad());
            }
            next = num + 1;
            regs.push((num, name, bits / 8));
        }
        regs.sort_by_key(|r| r.0);
        let mut offsets = std::collections::HashMap::new();
        let mut off = 0usize;
        for (_, name, size) in regs {
            offsets.entry(name).or_insert((off, size));
            off = off
                .checked_add(size)
                .ok_or_else(|| TcgError::RegisterLayout("a register block of sane size".into()))?;
        }
        let at = |n: &str| {
            offsets
                .get(n)
                .map(|&(o, _)| o)
                .ok_or_else(|| TcgError::RegisterLayout(n.to_string()))
        };
        let end = |n: &str| offsets.get(n).map(|&(o, s)| o + s).unwrap_or(0);
        let gpr_names = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"];
        let seg_names = ["cs", "ds", "es", "ss", "fs", "gs"];
        let mut gprs = [0; 8];
        for (slot, n) in gprs.iter_mut().zip(gpr_names) {
            *slot = at(n)?;
        }
        let mut segs = [0; 6];
        for (slot, n) in segs.iter_mut().zip(seg_names) {
            *slot = at(n)?;
        }
        let write_len = gpr_names
            .iter()
            .chain(seg_names.iter())
            .chain(["rip", "eflags"].iter())
            .map(|n| end(n))
            .max()
            .unwrap_or(0);
        let read_len = write_len.max(end("cr0"));
        Ok(RegLayout {
            gprs,
            rip: at("rip")?,
            eflags: at("eflags")?,
            segs,
            cr0: offsets.get("cr0").map(|&(o, _)| o),
            write_len,
            read_len,
        })
    }

    /// The target description QEMU 7's x86-64 stub serves, for tests.
    #[cfg(test)]
    fn qemu7() -> RegLayout {
        let mut xml = String::new();
        for n in [
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15", "rip",
        ] {
            xml += &format!("<reg name=\"{n}\" bitsize=\"64\"/>");
        }
        for n in ["eflags", "cs", "ss", "ds", "es", "fs", "gs"] {
            xml += &format!("<reg name=\"{n}\" bitsize=\"32\"/>");
        }
        xml +=
            "<!--reg name=\"cs_base\" bitsize=\"64\"/>\n<reg name=\"ss_base\" bitsize=\"64\"/-->";
        for n in ["fs_base", "gs_base", "k_gs_base", "cr0"] {
            xml += &format!("<reg name=\"{n}\" bitsize=\"64\"/>");
        }
        RegLayout::from_description(&xml).unwrap()
    }
}

/// Reads the registers pbios uses from `block` with `layout`, as a stop
/// does (for the fuzzer).
#[cfg(feature = "fuzzing")]
pub(super) fn fuzz_block(layout: &RegLayout, block: &[u8]) -> u32 {
    let mut sum = get32(block, layout.rip) ^ get32(block, layout.eflags);
    for &off in layout.gprs.iter().chain(&layout.segs) {
        sum ^= get32(block, off);
    }
    if let Some(off) = layout.cr0 {
        sum ^= get32(block, off);
    }
    let mut copy = block.to_vec();
    put32(&mut copy, layout.rip, sum);
    sum
}

/// The most registers a target description may list.
const MAX_REGS: usize = 4096;
/// The widest register a target description may give (AVX-512's 512 bits,
/// with room).
const MAX_REG_BITS: usize = 2048;

/// `xml` without `<!-- -->` comments (QEMU's description comments out
/// registers it does not send).
fn strip_comments(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<!--") {
        out += &rest[..start];
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => return out,
        }
    }
    out + rest
}

fn get32(b: &[u8], off: usize) -> u32 {
    b.get(off..off.saturating_add(4))
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off.saturating_add(4)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Guest RAM for the services: reads from the shared mapping, writes
/// into it and, once the service is done, through the GDB stub too (so
/// QEMU sees them as stores and drops stale translations).
pub(super) struct TcgMemory {
    pub(super) ram: GuestMemoryMmap,
    pub(super) gdb: GdbClient,
    /// Ranges written during this trap, to send through the stub before the
    /// guest resumes.
    pub(super) dirty: Vec<(u64, usize)>,
    /// A failure of the connection during a service, reported after it.
    pub(super) error: Option<GdbError>,
    /// Video memory (the VGA window, VBE's framebuffer): written only into
    /// the shared mapping, never through the stub. It holds pixels, not
    /// code, and a mode set clears up to 8 MiB of it, which as `M` packets
    /// would take QEMU's stub seconds.
    pub(super) video: Vec<(u64, u64)>,
}

/// The ranges [`TcgMemory`] treats as video memory.
pub(super) fn video_ranges(memmap: &crate::memmap::MemoryMap) -> Vec<(u64, u64)> {
    let mut v = vec![(
        crate::memmap::VGA_WINDOW_BASE,
        crate::memmap::VGA_WINDOW_BASE + crate::memmap::VGA_WINDOW_SIZE,
    )];
    if let Some((base, size)) = memmap.framebuffer() {
        v.push((base, base + size));
    }
    v
}

impl TcgMemory {
    /// Sends the trap's writes through the stub, each range as the mapping
    /// holds it now. Only now, after the service: QEMU applies a posted `M`
    /// whenever it reads it, so an `M` sent in the middle of a service could
    /// land after a later write to the same bytes and undo it (a teletype
    /// string's cursor went backwards that way).
    pub(super) fn flush_writes(&mut self) -> Result<(), GdbError> {
        let mut ranges = std::mem::take(&mut self.dirty);
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (addr, len) in ranges {
            let end = addr + len as u64;
            match merged.last_mut() {
                Some(last) if addr <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((addr, end)),
            }
        }
        for (addr, end) in merged {
            let mut data = vec![0u8; (end - addr) as usize];
            if self.ram.read(addr, &mut data).is_ok() {
                self.gdb.write_memory(addr, &data)?;
            }
        }
        Ok(())
    }
}

impl TcgMemory {
    fn is_video(&self, addr: u64, len: usize) -> bool {
        let end = addr.saturating_add(len as u64);
        self.video.iter().any(|&(b, e)| b <= addr && end <= e)
    }
}

impl Memory for TcgMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        self.ram.read(addr, buf)
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange> {
        let fail = OutOfRange {
            addr,
            len: data.len(),
        };
        if self.error.is_some() {
            return Err(fail);
        }
        // Into the shared mapping (bounds-checked to guest RAM), so that
        // reads see it at once; through the stub when the service is done
        // (`flush_writes`), so that QEMU drops translated code it replaces.
        // The vCPU is stopped, so both land before the guest can look.
        self.ram.write(addr, data)?;
        if !data.is_empty() && !self.is_video(addr, data.len()) {
            self.dirty.push((addr, data.len()));
        }
        Ok(())
    }

    fn is_ram(&self, addr: u64, len: usize) -> bool {
        self.ram.is_ram(addr, len)
    }

    fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>> {
        if self.error.is_some() {
            return None;
        }
        let slice = self.ram.ram_slice(addr, len)?;
        if len > 0 {
            self.dirty.push((addr, len));
        }
        Some(slice)
    }
}

/// How the CPU addresses memory, as far as finding a trap site goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CpuMode {
    Real,
    /// EFLAGS.VM: segments work as in real mode (EMM386, DOS boxes).
    Virtual8086,
    Protected,
}

/// What a breakpoint hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hit {
    /// A BIOS call or the POST's private trap: serve it.
    Trap,
    /// The reset vector, just after a reset (its breakpoint).
    Reset,
    /// Protected-mode code that happens to run at a trap site's address
    /// (with paging, any virtual address can): step over it untouched.
    Foreign(u64),
}

/// The linear address a reset starts at (CS base FFFF0000h + FFF0h).
pub(super) const RESET_LINEAR: u64 = 0xFFFF_FFF0;

/// The stopped vCPU as the GDB stub shows it.
pub(super) struct TcgVcpu {
    pub(super) mem: TcgMemory,
    pub(super) layout: RegLayout,
    /// Length of the ROM's trap instruction (IP moves past it).
    pub(super) trap_len: u32,
    /// The register block read at this trap.
    pub(super) block: Vec<u8>,
    /// A block read to classify the stop, not yet used by `trap_state`.
    pub(super) fresh: Option<Vec<u8>>,
    /// Linear address of the ROM's private-service trap.
    pub(super) private_trap: u32,
}

impl TcgVcpu {
    /// Takes the stopped guest's registers as the block `set_regs` writes
    /// `new` into, with EFLAGS above bit 15 as the CPU has them (a call
    /// served from the mailbox does not know them).
    ///
    /// In virtual-8086 mode EFLAGS stays as the CPU has it, all of it: the
    /// answer's flags are in the caller's FLAGS image, and IF and IOPL are
    /// the monitor's business.
    pub(super) fn stopped_at(&mut self, new: &mut Regs) -> Result<(), TcgError> {
        let b = match self.fresh.take() {
            Some(b) => b,
            None => self.read_block()?,
        };
        let live = get32(&b, self.layout.eflags);
        new.eflags = if live & EFLAGS_VM != 0 {
            live
        } else {
            (live & 0xFFFF_0000) | (new.eflags & 0xFFFF)
        };
        self.block = b;
        Ok(())
    }

    /// CS and IP where the guest stopped (the block is kept for
    /// [`TcgVcpu::stopped_at`]).
    pub(super) fn where_stopped(&mut self) -> Result<(u16, u16), TcgError> {
        let b = self.read_block()?;
        let at = (
            get32(&b, self.layout.segs[0]) as u16,
            get32(&b, self.layout.rip) as u16,
        );
        self.fresh = Some(b);
        Ok(at)
    }

    fn read_block(&mut self) -> Result<Vec<u8>, TcgError> {
        let b = self.mem.gdb.read_registers(self.layout.read_len)?;
        if b.len() < self.layout.write_len {
            return Err(TcgError::RegisterLayout(format!(
                "a register block of {} bytes (got {})",
                self.layout.write_len,
                b.len()
            )));
        }
        Ok(b)
    }

    fn mode(&self, b: &[u8]) -> CpuMode {
        let pe = self.layout.cr0.is_some_and(|o| get32(b, o) & 1 != 0);
        if !pe {
            CpuMode::Real
        } else if get32(b, self.layout.eflags) & EFLAGS_VM != 0 {
            CpuMode::Virtual8086
        } else {
            CpuMode::Protected
        }
    }

    /// Reads the registers at a breakpoint and says what it is. Real and
    /// virtual-8086 mode hits are BIOS calls; in protected mode only the
    /// POST's private trap is (the ROM runs nothing else there).
    pub(super) fn classify(&mut self) -> Result<Hit, TcgError> {
        let b = self.read_block()?;
        let eip = get32(&b, self.layout.rip);
        let cs = get32(&b, self.layout.segs[0]) as u16;
        let hit = match self.mode(&b) {
            CpuMode::Protected if eip != self.private_trap => Hit::Foreign(u64::from(eip)),
            // Only a reset gets here with CS=F000h (its base FFFF0000h):
            // a jump to F000:FFF0 runs at linear FFFF0h, no breakpoint.
            CpuMode::Real if cs == abi::ROM_SEGMENT && eip == u32::from(abi::rom::RESET_VECTOR) => {
                Hit::Reset
            }
            _ => Hit::Trap,
        };
        self.fresh = Some(b);
        Ok(hit)
    }
}

impl Vcpu for TcgVcpu {
    type Error = TcgError;

    fn trap_state(&mut self) -> Result<TrapState, TcgError> {
        let b = match self.fresh.take() {
            Some(b) => b,
            None => self.read_block()?,
        };
        let l = &self.layout;
        let seg = |i: usize| get32(&b, l.segs[i]) as u16;
        let eip = get32(&b, l.rip);
        let linear = match self.mode(&b) {
            CpuMode::Real | CpuMode::Virtual8086 => (u64::from(seg(0)) << 4) + u64::from(eip),
            // The POST's flat code segment.
            CpuMode::Protected => u64::from(eip),
        };
        let regs = Regs {
            eax: get32(&b, l.gprs[0]),
            ebx: get32(&b, l.gprs[1]),
            ecx: get32(&b, l.gprs[2]),
            edx: get32(&b, l.gprs[3]),
            esi: get32(&b, l.gprs[4]),
            edi: get32(&b, l.gprs[5]),
            ebp: get32(&b, l.gprs[6]),
            esp: get32(&b, l.gprs[7]),
            // As on KVM: the trap has completed, IP is past it.
            eip: eip.wrapping_add(self.trap_len),
            eflags: get32(&b, l.eflags),
            cs: seg(0),
            ds: seg(1),
            es: seg(2),
            ss: seg(3),
            fs: seg(4),
            gs: seg(5),
            iret_flags: 0,
        };
        self.block = b;
        Ok(TrapState {
            regs,
            linear_rip: linear + u64::from(self.trap_len),
        })
    }

    fn set_regs(&mut self, _old: &Regs, new: &Regs) -> Result<(), TcgError> {
        self.mem.flush_writes()?;
        // QEMU still has IP at the trap instruction, so this always writes.
        let l = &self.layout;
        let mut b = std::mem::take(&mut self.block);
        let gprs = [
            new.eax, new.ebx, new.ecx, new.edx, new.esi, new.edi, new.ebp, new.esp,
        ];
        for (off, v) in l.gprs.iter().zip(gprs) {
            put32(&mut b, *off, v);
        }
        put32(&mut b, l.rip, new.eip);
        put32(&mut b, l.eflags, new.eflags);
        for (off, v) in l.segs.iter().zip(new.segments()) {
            // QEMU reloads a segment (base = selector << 4 in real mode)
            // only when the selector changes.
            put32(&mut b, *off, u32::from(v));
        }
        let n = l.write_len.min(b.len());
        self.mem.gdb.write_registers(&b[..n])?;
        Ok(())
    }

    fn always_resume(&self) -> bool {
        true
    }

    fn memory(&mut self) -> &mut dyn Memory {
        &mut self.mem
    }

    fn take_memory_error(&mut self) -> Option<TcgError> {
        self.mem.error.take().map(TcgError::Gdb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_layout_from_description() {
        let l = RegLayout::qemu7();
        assert_eq!(l.gprs, [0, 8, 16, 24, 32, 40, 48, 56]);
        assert_eq!(l.rip, 128);
        assert_eq!(l.eflags, 136);
        // cs ss ds es fs gs in the block; CS DS ES SS FS GS in Regs.
        assert_eq!(l.segs, [140, 148, 152, 144, 156, 160]);
        assert_eq!(l.cr0, Some(188));
        assert_eq!(l.write_len, 164, "stops before fs_base");
        assert_eq!(l.read_len, 196, "through CR0");
        assert!(RegLayout::from_description("<reg name=\"rax\" bitsize=\"64\"/>").is_err());
        // Hostile replies: refused, never an overflow.
        for reg in [
            "<reg name=\"rax\" bitsize=\"64\" regnum=\"18446744073709551615\"/>",
            "<reg name=\"rax\" bitsize=\"18446744073709551615\"/>",
            "<reg name=\"rax\" bitsize=\"7\"/>",
            "<reg name=\"rax\" bitsize=\"-8\"/>",
        ] {
            assert!(RegLayout::from_description(reg).is_err(), "{reg}");
        }
    }
}
