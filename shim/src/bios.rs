//! The backend-independent half of the shim: decode a trap, run the
//! service, write the results where the guest expects them.

use crate::boot::BootDevice;
use crate::clock::Clock;
use crate::disk::{Disk, Drives, Removable};
use crate::keyboard::KeySource;
use crate::mem::{real_addr, Memory};
use crate::memmap::{MemoryMap, EBDA_BASE, EBDA_KIB};
use crate::platform::{self, Blob, Platform};
use crate::regs::Regs;
use crate::serial::ComPort;
use crate::services::{vector, BiosState, Ctx, Select, Status, Stop, Vector};
use crate::vga::Vga;
use abi::config::HostConfig;
use abi::header::RomHeader;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Equipment word without diskettes: FPU (bit 1), 80x25 colour video
/// (bits 4–5 = 10b), one serial port (bits 9–11), no printer.
pub(crate) const EQUIPMENT: u16 = 0x0002 | 0x0020 | (1 << 9);

/// The equipment word (INT 11h, BDA 40:10) for these drives: bit 0 and
/// bits 6–7 (count - 1) describe the diskette drives.
pub(crate) fn equipment(drives: &Drives) -> u16 {
    match drives.floppies() {
        0 => EQUIPMENT,
        n => EQUIPMENT | 1 | (u16::from(n - 1) << 6),
    }
}

/// Locks the display adapter (a panic elsewhere cannot leave it unusable:
/// its registers are plain values).
pub(crate) fn lock_vga(v: &Mutex<Vga>) -> MutexGuard<'_, Vga> {
    match v.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Sets CF, ZF and AH from a handler's answer: the one place a BIOS call's
/// flags are decided ([`Status`] documents each answer).
pub(crate) fn answer_flags(answer: Status, regs: &mut Regs) {
    match answer {
        Status::Ok => {
            regs.set_ah(0);
            regs.set_cf(false);
        }
        Status::OkAh(ah) => {
            regs.set_ah(ah);
            regs.set_cf(false);
        }
        Status::Cleared => regs.set_cf(false),
        Status::Fail(ah) => {
            regs.set_ah(ah);
            regs.set_cf(true);
        }
        Status::CarrySet => regs.set_cf(true),
        Status::Zf(zf) => regs.set_zf(zf),
        Status::Done | Status::Unsupported | Status::Jump | Status::Wait => {}
    }
}

/// The host's devices as the services see them.
pub struct Devices {
    /// Diskette, hard disks and CD-ROM, by INT 13h drive number.
    pub drives: Drives,
    /// Where INT 19h looks, in order (INT 18h moves to the next).
    pub boot_order: Vec<BootDevice>,
    /// INT 10h teletype output.
    pub console: Box<dyn Write + Send>,
    /// Keys for INT 16h.
    pub keys: Box<dyn KeySource + Send>,
    /// The clock behind INT 1Ah and the tick count POST starts from.
    pub clock: Box<dyn Clock + Send>,
    /// Where one line per BIOS call goes (`pbios --trace`), if anywhere.
    pub trace: Option<Box<dyn Write + Send>>,
    /// How the trace's lines are written.
    pub trace_format: TraceFormat,
}

/// The form of `--trace` lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceFormat {
    /// `[   0.123456] 0000:7C2Eh INT 13h AH=42h int13_42_extended_read in: ... out:
    /// ... CF=0 ZF=0 -> Ok | drive=80h lba=1 count=1 buffer=0000:8000h`.
    #[default]
    Text,
    /// One JSON object per line, with the same fields.
    Json,
}

impl Devices {
    /// `drives` booted in the default order (floppy, disk, CD-ROM), no
    /// console output, no keys, the host's clock, no trace.
    pub fn new(drives: Drives) -> Devices {
        Devices {
            drives,
            boot_order: BootDevice::DEFAULT_ORDER.to_vec(),
            console: Box::new(std::io::sink()),
            keys: Box::new(crate::keyboard::NoKeys),
            clock: Box::new(crate::clock::HostClock),
            trace: None,
            trace_format: TraceFormat::Text,
        }
    }
}

/// One BIOS call, as the trace writes it.
pub(crate) struct TracedCall<'a> {
    pub v: u8,
    /// ` AH=42h`, ` AX=E820h` or empty.
    pub what: &'a str,
    pub name: &'a str,
    /// The caller's CS:IP after its INT (the IRET frame's).
    pub caller: (u16, u16),
    pub input: &'a Regs,
    pub out: &'a Regs,
    pub status: Status,
    /// Decoded arguments: `(key, value)`.
    pub detail: &'a [(&'static str, String)],
}

/// Counters a caller may read after a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// BIOS calls served (interrupt traps).
    pub calls: u64,
    /// When POST reported it was done.
    pub post_done: Option<Instant>,
    /// When INT 19h (or 18h) handed the guest to a boot sector.
    pub booted: Option<Instant>,
    /// BIOS calls served up to then.
    pub calls_at_boot: u64,
}

/// The BIOS: the ROM's header, the machine, the devices, and the dispatcher
/// that serves a trap. Built complete by [`BiosBuilder`]; a backend only
/// hands it traps.
pub struct Bios {
    header: RomHeader,
    memmap: MemoryMap,
    dev: Devices,
    com1: Option<Box<dyn ComPort + Send>>,
    state: BiosState,
    warned: HashSet<(u8, u8)>,
    /// The machine is QEMU's `pc`, with a PIIX4 (POST enables its PM).
    piix4: bool,
    /// The MP and ACPI tables INT 19h installs.
    tables: Vec<Blob>,
    /// What this BIOS has served so far.
    pub stats: Stats,
    /// When the BIOS was built: the trace's time zero.
    started: Instant,
    /// The drive an El Torito boot emulates, while it does, with the boot
    /// it was made for (`None` for the drive: making it failed, logged once).
    emulated: Option<(crate::boot::ElTorito, Option<crate::disk::Disk>)>,
    /// The display adapter INT 10h programs and the screen view reads.
    vga: Arc<Mutex<Vga>>,
}

// An embedder may build the BIOS on one thread and serve traps on its
// boot CPU's: it must stay `Send`.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Bios>();
};

/// Builds a [`Bios`]: the ROM's header, the memory map and the devices,
/// then optionally the platform, COM1's UART and the machine type.
pub struct BiosBuilder {
    header: RomHeader,
    memmap: MemoryMap,
    dev: Devices,
    platform: Platform,
    com1: Option<Box<dyn ComPort + Send>>,
    piix4: bool,
    vga: Option<Arc<Mutex<Vga>>>,
}

impl BiosBuilder {
    /// The display adapter whose registers the backend's port I/O reaches
    /// (default: a new one, [`Bios::vga`]).
    pub fn vga(mut self, vga: Arc<Mutex<Vga>>) -> BiosBuilder {
        self.vga = Some(vga);
        self
    }

    /// The CPUs, ACPI choice and ACPI ports the tables describe (default:
    /// one CPU, ACPI on, PM1a at 600h, reset at CF9h). `cpus` is kept to
    /// 1..=[`platform::MAX_CPUS`].
    pub fn platform(mut self, platform: Platform) -> BiosBuilder {
        self.platform = platform.clamped();
        self
    }

    /// The UART behind INT 14h's COM1 (default: none, INT 14h reports a
    /// timeout).
    pub fn com1(mut self, port: Box<dyn ComPort + Send>) -> BiosBuilder {
        self.com1 = Some(port);
        self
    }

    /// Says the machine is QEMU's `pc` with a PIIX4, whose ACPI registers
    /// POST enables at [`platform::PM_BASE`] (the TCG backend).
    pub fn qemu_pc(mut self, yes: bool) -> BiosBuilder {
        self.piix4 = yes;
        self
    }

    /// The BIOS, ready to serve traps from the reset vector on.
    pub fn build(self) -> Bios {
        Bios {
            tables: platform::tables(&self.platform, &self.memmap),
            header: self.header,
            memmap: self.memmap,
            dev: self.dev,
            com1: self.com1,
            state: BiosState::default(),
            warned: HashSet::new(),
            piix4: self.piix4,
            stats: Stats::default(),
            started: Instant::now(),
            emulated: None,
            vga: self.vga.unwrap_or_default(),
        }
    }
}

impl Bios {
    /// Starts building the BIOS for a ROM with `header`, on `memmap`, with
    /// `devices`.
    pub fn builder(header: RomHeader, memmap: MemoryMap, devices: Devices) -> BiosBuilder {
        BiosBuilder {
            header,
            memmap,
            dev: devices,
            platform: Platform::default(),
            com1: None,
            piix4: false,
            vga: None,
        }
    }

    /// The ROM header this BIOS serves (where the trap sites are).
    pub fn header(&self) -> &RomHeader {
        &self.header
    }

    /// The display adapter: its registers (which a backend's port I/O at
    /// 3B4h-3BAh and 3C0h-3DFh reaches, [`Vga::handles`]) and the mode
    /// INT 10h set. The screen view reads it with video memory.
    pub fn vga(&self) -> Arc<Mutex<Vga>> {
        self.vga.clone()
    }

    /// The drives.
    pub fn drives(&self) -> &Drives {
        &self.dev.drives
    }

    /// Changes the medium in a removable drive (`None` ejects it) and
    /// returns the one taken out; a disk of the wrong kind is handed back.
    /// The guest sees the new medium at its next INT 13h call. An empty
    /// drive answers as absent (the BDA's equipment word still says what
    /// POST found), so insert into a drive that had a medium at power-on
    /// for the guest to see one drive throughout.
    pub fn change_media(
        &mut self,
        drive: Removable,
        disk: Option<Disk>,
    ) -> Result<Option<Disk>, Disk> {
        let old = self.dev.drives.change(drive, disk)?;
        if drive == Removable::Cdrom {
            self.state.cdrom_boot = None;
        }
        Ok(old)
    }

    /// Makes every guest write so far durable on the drives.
    pub fn flush(&self) -> Result<(), crate::disk::DiskError> {
        self.dev.drives.flush()
    }

    /// Forgets what the BIOS kept across calls, for a guest reboot: the
    /// next trap is POST's again. The drives, the devices and the RTC's
    /// offset (the CMOS clock survives a reset) stay, and [`Bios::stats`]
    /// keeps counting across reboots.
    pub fn reset(&mut self) {
        self.state = BiosState {
            rtc_offset: self.state.rtc_offset,
            ..BiosState::default()
        };
        self.emulated = None;
        self.warned.clear();
        *lock_vga(&self.vga) = Vga::new();
    }

    /// What POST is told about the machine.
    fn host_config(&self) -> HostConfig {
        HostConfig {
            base_mem_kib: self.memmap.base_mem_kib(),
            ebda_segment: (EBDA_BASE >> 4) as u16,
            ebda_kib: EBDA_KIB,
            equipment: equipment(&self.dev.drives),
            com_ports: [abi::COM1_PORT, 0, 0, 0],
            hd_count: self.dev.drives.hard.len() as u8,
            ticks_since_midnight: self.dev.clock.now().ticks_since_midnight(),
            flags: if self.piix4 {
                abi::config::FLAG_PIIX4_PM
            } else {
                0
            },
        }
    }

    /// Handles a trap at linear address `linear_rip` (at the trap instruction
    /// or just past it). `regs` are the guest's registers with the trap
    /// completed; on return they hold what the guest must resume with.
    /// Returns a reason to end the run, if any.
    ///
    /// A BIOS call traps at the ROM's one trap entry, called by the vector's
    /// stub: the return address on the stack names the vector, and is
    /// popped before the service runs, so the service sees the stack as the
    /// caller's INT left it (FLAGS image at SS:SP+4).
    pub fn trap(&mut self, linear_rip: u64, regs: &mut Regs, mem: &mut dyn Memory) -> Option<Stop> {
        if !self.header.is_call_trap(linear_rip) {
            self.private(linear_rip, regs, mem);
            return None;
        }
        // Real or virtual-8086 mode: the stub's CS and SS are real-mode
        // segments.
        let sp = regs.sp();
        let vector = mem
            .read_u16(real_addr(regs.ss, sp))
            .ok()
            .and_then(|ret| self.header.vector_of_return(u64::from(regs.cs) << 4, ret));
        match vector {
            Some(v) => {
                regs.set_sp(sp.wrapping_add(2));
                self.interrupt(v, regs, mem)
            }
            None => {
                self.warn_once(
                    0xFF,
                    0xFE,
                    &format!(
                        "trap entry reached without a stub's call (CS:IP={:04X}:{:04X}, SS:SP={:04X}:{sp:04X}): ignored",
                        regs.cs,
                        regs.ip(),
                        regs.ss
                    ),
                );
                None
            }
        }
    }

    fn interrupt(&mut self, v: u8, regs: &mut Regs, mem: &mut dyn Memory) -> Option<Stop> {
        self.stats.calls += 1;
        let service = match vector(v) {
            Vector::Service(s) => s,
            Vector::Unsupported | Vector::Guest(_) => {
                self.warn_once(
                    v,
                    regs.ah(),
                    &format!(
                        "INT {v:02X}h AH={:02X}h: no BIOS service; ignored",
                        regs.ah()
                    ),
                );
                return None;
            }
        };
        // The FLAGS image the stub's IRET pops: SS:SP+4 (SP wraps in the segment).
        let frame = real_addr(regs.ss, regs.sp().wrapping_add(4));
        let flags = mem.read_u16(frame).ok();
        regs.iret_flags = flags.unwrap_or(0);
        let input = *regs;
        // The caller's return address (after its INT), for the trace.
        let caller = match self.dev.trace {
            Some(_) => (
                mem.read_u16(real_addr(regs.ss, regs.sp().wrapping_add(2)))
                    .unwrap_or(0),
                mem.read_u16(real_addr(regs.ss, regs.sp())).unwrap_or(0),
            ),
            None => (0, 0),
        };
        let function = service.lookup(regs);
        let vga = self.vga.clone();
        let mut vga = lock_vga(&vga);
        let mut ctx = Ctx {
            mem,
            drives: &self.dev.drives,
            emulated: self.emulated.as_ref().and_then(|(_, d)| d.as_ref()),
            boot_order: &self.dev.boot_order,
            state: &mut self.state,
            com1: match self.com1.as_mut() {
                Some(c) => Some(c.as_mut()),
                None => None,
            },
            console: self.dev.console.as_mut(),
            keys: self.dev.keys.as_mut(),
            clock: self.dev.clock.as_ref(),
            memmap: &self.memmap,
            tables: &self.tables,
            stop: None,
            rom: &self.header,
            vga: &mut vga,
        };
        let status = match function {
            Some(f) => (f.handler)(regs, &mut ctx),
            None => Status::Unsupported,
        };
        if let Some(finish) = service.finish {
            finish(&input, status, &mut ctx);
        }
        let stop = ctx.stop.take();
        self.follow_emulation();
        let answer = if status == Status::Unsupported {
            service.unsupported
        } else {
            status
        };
        answer_flags(answer, regs);
        if answer == Status::Wait {
            self.wait(v, regs, mem);
        }
        if answer == Status::Jump && matches!(v, 0x18 | 0x19) && self.stats.booted.is_none() {
            self.stats.booted = Some(Instant::now());
            self.stats.calls_at_boot = self.stats.calls;
        }
        if matches!(answer, Status::Wait | Status::Jump) {
            // Nothing returns through the IRET frame this time.
        } else if !self.host_iret(regs, mem)
            && flags.is_some()
            && regs.iret_flags != input.iret_flags
        {
            let _ = mem.write_u16(frame, regs.iret_flags);
        }
        // Label and log only when someone reads them: this is the hot path.
        if function.is_none() || self.dev.trace.is_some() {
            let what = match function.map(|f| f.select) {
                Some(Select::Any) => String::new(),
                Some(Select::Ax(_)) => format!(" AX={:04X}h", input.ax()),
                _ => format!(" AH={:02X}h", input.ah()),
            };
            let name = match function {
                Some(f) => f.name,
                None => {
                    let msg = format!("INT {v:02X}h{what}: unsupported {} function", service.name);
                    self.warn_once(v, input.ah(), &msg);
                    "unsupported"
                }
            };
            if self.dev.trace.is_some() {
                let call = TracedCall {
                    v,
                    what: &what,
                    name,
                    caller,
                    input: &input,
                    out: regs,
                    status,
                    detail: &crate::trace::detail(v, &input, regs, mem),
                };
                self.trace(&call);
            }
        }
        stop
    }

    /// Makes (or drops) the drive an El Torito boot emulates, as INT 19h
    /// booted it or INT 13h AX=4B00h ended it.
    fn follow_emulation(&mut self) {
        let wanted = self
            .state
            .cdrom_boot
            .filter(|b| b.media != crate::boot::BootMedia::NoEmulation)
            .filter(|_| !self.state.emulation_ended);
        match (wanted, &self.emulated) {
            (Some(boot), Some((made_for, _))) if *made_for == boot => {}
            (Some(boot), _) => {
                let made = self.dev.drives.cdrom.as_ref().and_then(|cd| {
                    crate::boot::emulated_drive(cd, &boot)
                        .map_err(|e| log::warn!("cannot emulate the CD-ROM's boot image: {e}"))
                        .ok()
                });
                self.emulated = Some((boot, made));
            }
            (None, Some(_)) => self.emulated = None,
            (None, None) => {}
        }
    }

    /// Returns from the call as the trap entry's IRET would, in real mode:
    /// CS:IP and FLAGS (with the service's CF/ZF) from the frame at SS:SP,
    /// SP past it. One guest instruction fewer per call. Not in
    /// virtual-8086 mode, where the monitor may have its own view of IF and
    /// IOPL (the guest runs the IRET itself there).
    fn host_iret(&self, regs: &mut Regs, mem: &mut dyn Memory) -> bool {
        const IRET_FLAGS_MASK: u16 = 0x7FD5;
        if regs.eflags & crate::regs::EFLAGS_VM != 0 {
            return false;
        }
        let sp = regs.sp();
        let (Ok(ip), Ok(cs)) = (
            mem.read_u16(real_addr(regs.ss, sp)),
            mem.read_u16(real_addr(regs.ss, sp.wrapping_add(2))),
        ) else {
            return false;
        };
        regs.set_ip(ip);
        regs.cs = cs;
        regs.set_sp(sp.wrapping_add(6));
        // As a real-mode IRET loads FLAGS: bits 3, 5 and 15 stay clear, bit 1
        // is always set; EFLAGS above bit 15 is kept.
        regs.eflags =
            (regs.eflags & 0xFFFF_0000) | u32::from(regs.iret_flags & IRET_FLAGS_MASK) | 2;
        true
    }

    /// Parks the guest in the ROM's wait helper: push the stub's address
    /// (where its call's return address was), jump to `sti; hlt; cli; ret`,
    /// which returns into the stub, and the stub calls the trap entry again
    /// after the next interrupt.
    fn wait(&self, v: u8, regs: &mut Regs, mem: &mut dyn Memory) {
        let sp = regs.sp().wrapping_sub(2);
        let stub = (self.header.stub_address(v) - abi::ROM_BASE) as u16;
        if mem.write_u16(real_addr(regs.ss, sp), stub).is_err() {
            return;
        }
        regs.set_sp(sp);
        regs.cs = abi::ROM_SEGMENT;
        regs.set_ip(self.header.wait_entry);
    }

    /// Private services, called by the ROM itself (AL = service number).
    fn private(&mut self, linear_rip: u64, regs: &mut Regs, mem: &mut dyn Memory) {
        let rom = u64::from(abi::ROM_BASE)..u64::from(abi::ROM_BASE) + abi::ROM_SIZE as u64;
        if !rom.contains(&linear_rip) {
            self.warn_once(
                0xFF,
                0xFF,
                &format!("stray trap at {linear_rip:#x}: ignored"),
            );
            return;
        }
        regs.eax = match regs.al() {
            abi::svc::GET_CONFIG if regs.ecx as usize >= HostConfig::SIZE => {
                match mem.write(u64::from(regs.edi), &self.host_config().encode()) {
                    Ok(()) => 0,
                    Err(_) => 1,
                }
            }
            abi::svc::POST_DONE => {
                self.stats.post_done = Some(Instant::now());
                0
            }
            _ => u32::MAX,
        };
    }

    fn warn_once(&mut self, v: u8, ah: u8, msg: &str) {
        if self.warned.insert((v, ah)) {
            log::warn!("{msg}");
        }
    }

    fn trace(&mut self, call: &TracedCall<'_>) {
        let t = self.started.elapsed().as_secs_f64();
        let format = self.dev.trace_format;
        if let Some(w) = self.dev.trace.as_mut() {
            let _ = writeln!(w, "{}", crate::trace::line(format, t, call));
        }
    }
}
