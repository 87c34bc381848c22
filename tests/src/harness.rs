//! Boots guest programs in a real KVM VM with the pbios ROM and lets a test
//! read what the guest saw.
//!
//! A test guest is 16-bit code assembled with iced-x86 at 0000:7C00 and
//! booted from a disk image by the ROM's INT 19h. It makes real INT calls,
//! stores registers and FLAGS at [`RESULTS`] and ends by writing to port F4h;
//! the test then reads guest memory.

use iced_x86::code_asm::*;
use pbios::boot::BootDevice;
use pbios::clock::{Clock, DateTime, FixedClock, HostClock};
use pbios::disk::{Disk, Drives, MediaKind};
use pbios::keyboard::{KeySource, NoKeys};
use pbios::mem::Memory;
use pbios::memmap::{MemoryMap, MIB};
use pbios::platform::Platform;
use pbios::{Accel, Devices, Exit, Machine, MachineSpec, Rom};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Where guests store their results (free conventional memory).
pub const RESULTS: u64 = 0x0500;
/// Sectors of the default test disk (16 MiB: 32/16/63 logical CHS).
pub const DISK_SECTORS: u64 = 32768;
/// Sectors at the start of the test disk that carry the pattern.
pub const PATTERN_SECTORS: u64 = 300;

/// The byte at `offset` of sector `lba` on the test disk: the LBA as a
/// little-endian u64, then a byte derived from both.
pub fn pattern_byte(lba: u64, offset: usize) -> u8 {
    if offset < 8 {
        lba.to_le_bytes()[offset]
    } else {
        (lba as u8) ^ (offset as u8) ^ 0xA5
    }
}

/// The ROM under test: $PBIOS_ROM, else target/pbios/bios.bin.
pub fn rom_path() -> PathBuf {
    std::env::var_os("PBIOS_ROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bios.bin"))
}

/// The backend under test: $PBIOS_ACCEL (kvm, tcg or auto), else KVM.
pub fn accel() -> Accel {
    match std::env::var("PBIOS_ACCEL") {
        Ok(s) => {
            Accel::parse(&s).unwrap_or_else(|| panic!("PBIOS_ACCEL={s}: use kvm, tcg or auto"))
        }
        Err(_) => Accel::Kvm,
    }
    .resolve()
}

pub fn rom() -> Rom {
    let p = rom_path();
    Rom::load(&p).unwrap_or_else(|e| panic!("{e}: build the ROM first with `cargo xtask rom`"))
}

/// A writer tests can read back.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A temporary disk image, removed on drop.
pub struct TempDisk {
    pub path: PathBuf,
}

impl TempDisk {
    /// A disk of `sectors` sectors: `boot` in sector 0 (must end in 55AAh),
    /// the test pattern in sectors 1..PATTERN_SECTORS, zeros after.
    pub fn new(boot: &[u8], sectors: u64) -> TempDisk {
        let mut data = boot.to_vec();
        data.resize(512, 0);
        for lba in 1..PATTERN_SECTORS.min(sectors) {
            data.extend((0..512).map(|o| pattern_byte(lba, o)));
        }
        TempDisk::from_image(&data, sectors)
    }

    /// A disk holding `data`, extended with zeros to `sectors` sectors.
    pub fn from_image(data: &[u8], sectors: u64) -> TempDisk {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "pbios-test-{}-{}.img",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, data).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len((sectors * 512).max(data.len() as u64)).unwrap();
        TempDisk { path }
    }
}

impl Drop for TempDisk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// How to run a guest.
pub struct Opts {
    pub mem: u64,
    pub disk_sectors: u64,
    pub keys: Box<dyn KeySource + Send>,
    pub clock: Box<dyn Clock + Send>,
    /// The backend ([`accel`] by default).
    pub accel: Accel,
    /// The boot order (floppy, disk, cdrom by default).
    pub boot: Vec<BootDevice>,
    /// Attach the images read-only.
    pub read_only: bool,
    /// CPUs and ACPI (one CPU, ACPI on by default).
    pub platform: Platform,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            mem: 128 * MIB,
            disk_sectors: DISK_SECTORS,
            keys: Box::new(NoKeys),
            clock: Box::new(HostClock),
            accel: accel(),
            boot: BootDevice::DEFAULT_ORDER.to_vec(),
            read_only: false,
            platform: Platform::default(),
        }
    }
}

/// A fixed clock: 2026-11-21 12:34:56 UTC.
pub fn fixed_clock() -> Box<FixedClock> {
    Box::new(FixedClock(DateTime {
        year: 2026,
        month: 11,
        day: 21,
        hour: 12,
        minute: 34,
        second: 56,
    }))
}

/// A finished run.
pub struct Run {
    pub exit: Exit,
    pub machine: Machine,
    /// INT 10h and serial output.
    pub console: String,
    /// `--trace` lines.
    pub trace: String,
}

impl Run {
    pub fn bytes(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        self.machine
            .memory()
            .read(addr, &mut b)
            .expect("read guest memory");
        b
    }
    pub fn u8(&self, addr: u64) -> u8 {
        self.machine.memory().read_u8(addr).unwrap()
    }
    pub fn u16(&self, addr: u64) -> u16 {
        self.machine.memory().read_u16(addr).unwrap()
    }
    pub fn u32(&self, addr: u64) -> u32 {
        self.machine.memory().read_u32(addr).unwrap()
    }
    /// Result slot `i` (a word at RESULTS + 2i).
    pub fn word(&self, i: u64) -> u16 {
        self.u16(RESULTS + 2 * i)
    }
}

/// Boots `boot_sector` (512 bytes) with default options.
pub fn boot(boot_sector: &[u8]) -> Run {
    boot_with(boot_sector, Opts::default())
}

/// Boots `boot_sector` with `opts` and runs to the end.
pub fn boot_with(boot_sector: &[u8], opts: Opts) -> Run {
    let disk = TempDisk::new(boot_sector, opts.disk_sectors);
    boot_disk(&disk, opts)
}

/// Boots an existing disk image with `opts` (its `disk_sectors` unused).
pub fn boot_disk(disk: &TempDisk, opts: Opts) -> Run {
    boot_media(
        &Media {
            disks: vec![&disk.path],
            ..Media::default()
        },
        opts,
    )
}

/// The images a run attaches.
#[derive(Default)]
pub struct Media<'a> {
    /// Hard disks 80h, 81h, ...
    pub disks: Vec<&'a Path>,
    /// Diskette 00h.
    pub floppy: Option<&'a Path>,
    /// CD-ROM E0h.
    pub cdrom: Option<&'a Path>,
}

impl Media<'_> {
    pub fn drives(&self, read_only: bool) -> Drives {
        let open = |p: &Path, kind| Disk::attach(p, kind, read_only).expect("attach an image");
        Drives {
            floppy: self.floppy.map(|p| open(p, MediaKind::Floppy)),
            hard: self
                .disks
                .iter()
                .map(|p| open(p, MediaKind::HardDisk))
                .collect(),
            cdrom: self.cdrom.map(|p| open(p, MediaKind::Cdrom)),
        }
    }
}

/// Boots `media` with `opts` and runs to the end.
pub fn boot_media(media: &Media, opts: Opts) -> Run {
    let rom = rom();
    let console = Capture::default();
    let trace = Capture::default();
    let spec = MachineSpec {
        rom,
        memmap: MemoryMap::new(opts.mem).unwrap(),
        platform: opts.platform,
        devices: Devices {
            drives: media.drives(opts.read_only),
            boot_order: opts.boot,
            console: Box::new(console.clone()),
            keys: opts.keys,
            clock: opts.clock,
            trace: Some(Box::new(trace.clone())),
            trace_format: pbios::TraceFormat::Text,
        },
        serial_out: Box::new(console.clone()),
    };
    let mut machine = Machine::new(opts.accel, spec, None).expect("create the VM");
    let exit = machine.run().expect("run the VM");
    Run {
        exit,
        machine,
        console: console.text(),
        trace: trace.text(),
    }
}

/// Assembles a test guest: segments zeroed, SS:SP=0:7C00, then `body`,
/// then `out 0F4h, al` with AL=0 (exit status 1). Returns the boot sector.
pub fn guest(body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Vec<u8> {
    boot_sector(&guest_code(body))
}

/// Assembles a test guest as [`guest`] does, without padding it to a boot
/// sector.
pub fn guest_code(body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Vec<u8> {
    guest_code_at(0x7C00, body)
}

/// [`guest_code`] assembled to run at `origin`.
fn guest_code_at(
    origin: u64,
    body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>,
) -> Vec<u8> {
    let mut a = CodeAssembler::new(16).unwrap();
    (|| -> Result<(), IcedError> {
        a.cli()?;
        a.xor(ax, ax)?;
        a.mov(ds, ax)?;
        a.mov(es, ax)?;
        a.mov(ss, ax)?;
        a.mov(sp, 0x7C00)?;
        a.sti()?;
        body(&mut a)?;
        exit(&mut a, 0)
    })()
    .expect("assemble the guest");
    a.assemble(origin).expect("assemble the guest")
}

/// Ends the run with exit value `v` (process status `(v << 1) | 1`).
pub fn exit(a: &mut CodeAssembler, v: u8) -> Result<(), IcedError> {
    a.mov(al, v as u32)?;
    a.out(0xF4, al)?;
    let mut spin = a.create_label();
    a.set_label(&mut spin)?;
    a.cli()?;
    a.hlt()?;
    a.jmp(spin)
}

/// Stores FLAGS (as the caller sees them after an INT) in result slot `i`.
pub fn save_flags(a: &mut CodeAssembler, i: u64) -> Result<(), IcedError> {
    a.pushf()?;
    a.pop(word_ptr(slot(i)))
}

/// Stores a 16-bit register in result slot `i`.
pub fn save(a: &mut CodeAssembler, i: u64, r: AsmRegister16) -> Result<(), IcedError> {
    a.mov(word_ptr(slot(i)), r)
}

/// Address of result slot `i`.
pub fn slot(i: u64) -> u64 {
    RESULTS + 2 * i
}

/// Where [`big_guest`]'s body is loaded and runs: after the boot sector.
pub const BIG_GUEST_ADDR: u64 = 0x7E00;

/// A guest too big for a boot sector: a boot sector that reads the
/// following sectors to 0000:7E00 with INT 13h AH=02h and jumps there, then
/// `body` (set up and ended as [`guest`]'s). Returns the disk image's
/// first sectors; boot it with [`boot_image`].
pub fn big_guest(body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Vec<u8> {
    let code = guest_code_at(BIG_GUEST_ADDR, body);
    let sectors = code.len().div_ceil(512) as u32;
    assert!(sectors <= 60, "a big guest holds 30 KiB");
    let boot = guest_code(|a| {
        a.mov(ax, 0x0200 | sectors)?;
        a.mov(bx, BIG_GUEST_ADDR as u32)?;
        a.mov(cx, 0x0002u32)?;
        a.mov(dh, 0u32)?;
        a.int(0x13)?;
        a.jmp(BIG_GUEST_ADDR)
    });
    let mut image = boot_sector(&boot);
    image.extend_from_slice(&code);
    image.resize(512 * (1 + sectors as usize), 0);
    image
}

/// Boots a disk whose first sectors are `image` (a [`big_guest`]), the
/// rest zeros, with `opts`.
pub fn boot_image(image: &[u8], opts: Opts) -> Run {
    let disk = TempDisk::from_image(image, opts.disk_sectors);
    boot_disk(&disk, opts)
}

/// Which end of an INT 15h AH=87h copy is the linear address in EAX.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EaxIs {
    /// Copy from EAX to the fixed address.
    Source,
    /// Copy from the fixed address to EAX.
    Destination,
}

/// Copies `words` words between the linear address in EAX (32 bits) and
/// the fixed linear address `other` (below 16 MiB) with INT 15h AH=87h,
/// its GDT at 2000h; EAX is kept.
pub fn block_move_eax(
    a: &mut CodeAssembler,
    eax_is: EaxIs,
    other: u32,
    words: u32,
) -> Result<(), IcedError> {
    let (eax_desc, other_desc) = match eax_is {
        EaxIs::Source => (0x2010u32, 0x2018u32),
        EaxIs::Destination => (0x2018, 0x2010),
    };
    a.push(eax)?;
    a.xor(bx, bx)?;
    a.mov(es, bx)?;
    a.push(eax)?;
    a.mov(cx, 24u32)?;
    a.mov(di, 0x2000u32)?;
    a.xor(ax, ax)?;
    a.rep().stosw()?;
    a.pop(eax)?;
    for d in [eax_desc, other_desc] {
        a.mov(word_ptr(d), 0xFFFFu32)?;
        a.mov(byte_ptr(d + 5), 0x93u32)?;
    }
    a.mov(word_ptr(other_desc + 2), other & 0xFFFF)?;
    a.mov(byte_ptr(other_desc + 4), other >> 16)?;
    a.mov(word_ptr(eax_desc + 2), ax)?;
    a.shr(eax, 16u32)?;
    a.mov(byte_ptr(eax_desc + 4), al)?;
    a.mov(byte_ptr(eax_desc + 7), ah)?;
    a.mov(ah, 0x87u32)?;
    a.mov(cx, words)?;
    a.mov(si, 0x2000u32)?;
    a.int(0x15)?;
    a.pop(eax)
}

/// Pads code to a boot sector with the 55AAh signature.
pub fn boot_sector(code: &[u8]) -> Vec<u8> {
    assert!(
        code.len() <= 510,
        "guest is {} bytes; a boot sector holds 510",
        code.len()
    );
    let mut s = code.to_vec();
    s.resize(510, 0);
    s.extend_from_slice(&[0x55, 0xAA]);
    s
}

/// CF in a saved FLAGS word.
pub fn cf(flags: u16) -> bool {
    flags & 1 != 0
}

/// ZF in a saved FLAGS word.
pub fn zf(flags: u16) -> bool {
    flags & 0x40 != 0
}

/// IF in a saved FLAGS word.
pub fn if_(flags: u16) -> bool {
    flags & 0x200 != 0
}

/// Where guests put an INT 13h disk address packet.
pub const DAP: u32 = 0x0600;

/// Writes a disk address packet at [`DAP`]: `size` (10h, or 18h for a
/// 64-bit buffer address), block count, buffer `seg`:`off`, 32-bit LBA.
pub fn dap(
    a: &mut CodeAssembler,
    size: u8,
    count: u16,
    seg: u16,
    off: u16,
    lba: u32,
) -> Result<(), IcedError> {
    a.mov(word_ptr(DAP), u32::from(size))?; // size, reserved byte 0
    a.mov(word_ptr(DAP + 2), u32::from(count))?;
    a.mov(word_ptr(DAP + 4), u32::from(off))?;
    a.mov(word_ptr(DAP + 6), u32::from(seg))?;
    a.mov(dword_ptr(DAP + 8), lba)?;
    a.mov(dword_ptr(DAP + 12), 0u32)
}
