//! The C ABI of pbios, for VMMs written in C: `libpbios_c.so` or
//! `libpbios_c.a` with `include/pbios.h` (generated from this file by
//! cbindgen: `cargo xtask header`).
//!
//! The VMM owns the hypervisor: it creates the VM, maps the ROM
//! ([`pbios_rom`]) and guest RAM, runs the vCPU, and on an OUT to
//! [`PBIOS_TRAP_PORT`] fills a [`PbiosRegs`] from its vCPU and calls
//! [`pbios_serve_trap`]. pbios runs the BIOS service on those registers and
//! guest RAM, and says what to write back.
//!
//! Lifecycle: [`pbios_create`] (or [`pbios_create_with_layout`]), then
//! [`pbios_attach_disk`], [`pbios_set_console_fd`] and [`pbios_add_ram`] as
//! needed; the first [`pbios_serve_trap`] starts the BIOS, after which only
//! [`pbios_change_media`], [`pbios_reset`] and [`pbios_flush`] change it;
//! [`pbios_destroy`] flushes and frees. Errors are negative codes
//! (`PBIOS_ERR_*`) with a message from [`pbios_last_error`]; no call
//! unwinds into C.
//!
//! A handle is used from one thread at a time (the boot CPU's: only CPU 0
//! makes BIOS calls); it may move between threads.
#![deny(missing_docs)]
#![allow(clippy::missing_safety_doc)] // Each function's docs state its contract.

use pbios::abi::header::RomHeader;
use pbios::disk::{Disk, Drives, MediaKind, Removable};
use pbios::mem::{GuestRam, Memory};
use pbios::memmap::{E820Entry, E820Type, MemoryMap};
use pbios::platform::Platform;
use pbios::rom::BUILTIN_ROM;
use pbios::vcpu::{past_trap, serve_trap, TrapState, Vcpu};
use pbios::{Bios, Devices, Exit, Regs};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use vm_memory::{GuestAddress, GuestMemoryMmap, GuestRegionMmap, MmapRegion};

/// Success.
pub const PBIOS_OK: c_int = 0;
/// An argument was invalid: a null pointer, an unknown kind, a call out of
/// order (a disk attached after the BIOS started).
pub const PBIOS_ERR_INVALID: c_int = -1;
/// A host operation failed: opening an image, mapping RAM, flushing.
pub const PBIOS_ERR_IO: c_int = -2;
/// The memory layout was refused.
pub const PBIOS_ERR_LAYOUT: c_int = -3;
/// pbios panicked (a bug): do not use the handle again.
pub const PBIOS_ERR_PANIC: c_int = -4;

/// [`pbios_serve_trap`]: write the general registers, RIP and RFLAGS of
/// [`PbiosRegs`] back to the vCPU (KVM_SET_REGS).
pub const PBIOS_RESUME_REGS: c_int = 1;
/// [`pbios_serve_trap`]: write the segment selectors and bases back too
/// (KVM_SET_SREGS).
pub const PBIOS_RESUME_SEGMENTS: c_int = 2;
/// [`pbios_serve_trap`]: the run ends; [`pbios_exit_status`] says how.
pub const PBIOS_STOP: c_int = 4;

/// A hard disk (drives 80h-83h, in the order attached).
pub const PBIOS_DISK_HARD: c_int = 0;
/// The diskette (drive 00h): 360K to 2.88M.
pub const PBIOS_DISK_FLOPPY: c_int = 1;
/// The CD-ROM (drive E0h, El Torito no-emulation boot).
pub const PBIOS_DISK_CDROM: c_int = 2;

/// E820 type 1: usable RAM.
pub const PBIOS_E820_RAM: u32 = 1;
/// E820 type 2: reserved.
pub const PBIOS_E820_RESERVED: u32 = 2;

/// The port the ROM's trap stubs write to (`out 0E7h, al`).
pub const PBIOS_TRAP_PORT: u16 = 0xE7;
/// The isa-debug-exit port: a byte `v` written here means "exit with
/// status `(v << 1) | 1`", as QEMU's device and `pbios` do.
pub const PBIOS_DEBUG_EXIT_PORT: u16 = 0xF4;
/// Size of the ROM: map it read-only at [`PBIOS_ROM_BASE`] and
/// [`PBIOS_ROM_HIGH_BASE`].
pub const PBIOS_ROM_SIZE: u64 = 0x1_0000;
/// The ROM's low mapping (F0000h).
pub const PBIOS_ROM_BASE: u64 = 0xF_0000;
/// The ROM's high alias, ending at 4 GiB (the reset vector).
pub const PBIOS_ROM_HIGH_BASE: u64 = 0xFFFF_0000;
/// Where a KVM VMM puts KVM's identity-map page (KVM_SET_IDENTITY_MAP_ADDR).
pub const PBIOS_KVM_IDENTITY_MAP: u64 = 0xFEFF_C000;
/// Where a KVM VMM puts KVM's real-mode TSS (KVM_SET_TSS_ADDR).
pub const PBIOS_KVM_TSS: u64 = 0xFEFF_D000;

/// A vCPU's registers at a trap, as the VMM read them (KVM_GET_REGS and
/// KVM_GET_SREGS). RIP may point at the trap instruction or just past it
/// (KVM's two PIO paths differ); pbios handles both.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PbiosRegs {
    /// RAX (low 32 bits used).
    pub rax: u64,
    /// RBX.
    pub rbx: u64,
    /// RCX.
    pub rcx: u64,
    /// RDX.
    pub rdx: u64,
    /// RSI.
    pub rsi: u64,
    /// RDI.
    pub rdi: u64,
    /// RBP.
    pub rbp: u64,
    /// RSP.
    pub rsp: u64,
    /// RIP.
    pub rip: u64,
    /// RFLAGS.
    pub rflags: u64,
    /// CS selector.
    pub cs: u16,
    /// DS selector.
    pub ds: u16,
    /// ES selector.
    pub es: u16,
    /// SS selector.
    pub ss: u16,
    /// FS selector.
    pub fs: u16,
    /// GS selector.
    pub gs: u16,
    /// CS base (the trap's linear address is `cs_base + rip`).
    pub cs_base: u64,
    /// DS base.
    pub ds_base: u64,
    /// ES base.
    pub es_base: u64,
    /// SS base.
    pub ss_base: u64,
    /// FS base.
    pub fs_base: u64,
    /// GS base.
    pub gs_base: u64,
}

/// A range of guest physical memory.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PbiosRange {
    /// First byte.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

/// One E820 entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PbiosE820Entry {
    /// First byte.
    pub base: u64,
    /// Length in bytes.
    pub length: u64,
    /// [`PBIOS_E820_RAM`] or [`PBIOS_E820_RESERVED`].
    pub kind: u32,
}

/// A pbios instance (opaque to C).
pub struct Pbios {
    memmap: MemoryMap,
    platform: Platform,
    drives: Drives,
    console: Option<std::fs::File>,
    ram: Vec<(u64, usize, usize)>,
    started: Option<(Bios, GuestMemoryMmap)>,
    exit: Option<Exit>,
    /// A call panicked: the handle's state is unknown.
    poisoned: bool,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(msg: impl std::fmt::Display) {
    let text = msg.to_string().replace('\0', " ");
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::new(text).unwrap_or_default());
}

/// Runs `f`, turning an `Err((code, message))` and a panic into a code.
fn guard(f: impl FnOnce() -> Result<c_int, (c_int, String)>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => {
            set_error("");
            v
        }
        Ok(Err((code, msg))) => {
            set_error(msg);
            code
        }
        Err(_) => {
            set_error("pbios panicked (a bug in pbios)");
            PBIOS_ERR_PANIC
        }
    }
}

fn invalid(msg: &str) -> (c_int, String) {
    (PBIOS_ERR_INVALID, msg.to_string())
}

/// # Safety
/// `pb` is null or a handle from `pbios_create*` not yet destroyed.
unsafe fn handle<'a>(pb: *mut Pbios) -> Result<&'a mut Pbios, (c_int, String)> {
    // SAFETY: the caller's contract.
    let pb = unsafe { pb.as_mut() }.ok_or_else(|| invalid("null pbios handle"))?;
    if pb.poisoned {
        return Err((
            PBIOS_ERR_PANIC,
            "this handle panicked earlier: destroy it".into(),
        ));
    }
    Ok(pb)
}

/// Runs `f` on the live handle `pb`, poisoning it if `f` panics.
///
/// # Safety
/// `pb` is null or a live handle.
unsafe fn with_handle(
    pb: *mut Pbios,
    f: impl FnOnce(&mut Pbios) -> Result<c_int, (c_int, String)>,
) -> c_int {
    let r = guard(|| {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(pb) }?;
        f(h)
    });
    if r == PBIOS_ERR_PANIC {
        // SAFETY: the caller's contract; only the flag is touched.
        if let Some(h) = unsafe { pb.as_mut() } {
            h.poisoned = true;
        }
    }
    r
}

fn new_handle(memmap: MemoryMap) -> *mut Pbios {
    Box::into_raw(Box::new(Pbios {
        memmap,
        platform: Platform::default(),
        drives: Drives::default(),
        console: None,
        ram: Vec::new(),
        started: None,
        exit: None,
        poisoned: false,
    }))
}

/// The message of the last error on this thread ("" if none). Valid until
/// the next pbios call on this thread.
#[no_mangle]
pub extern "C" fn pbios_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// The ROM pbios ships (65536 bytes): map it read-only at
/// [`PBIOS_ROM_BASE`] and [`PBIOS_ROM_HIGH_BASE`]. `len` may be null.
///
/// # Safety
/// `len` is null or points at a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn pbios_rom(len: *mut usize) -> *const u8 {
    // SAFETY: the caller's contract.
    if let Some(l) = unsafe { len.as_mut() } {
        *l = BUILTIN_ROM.len();
    }
    BUILTIN_ROM.as_ptr()
}

/// Copies the ROM to map for this handle's machine into `buf` (`len` bytes,
/// at least 65536): [`pbios_rom`]'s bytes with the SMBIOS entry points
/// filled in for the handle's layout and platform, so that the guest finds
/// SMBIOS. Call it after [`pbios_set_platform`], before the guest runs.
///
/// # Safety
/// `pb` is a live handle; `buf` points at `len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn pbios_rom_image(pb: *mut Pbios, buf: *mut u8, len: usize) -> c_int {
    let body = |pb: &mut Pbios| {
        if buf.is_null() || len < BUILTIN_ROM.len() {
            return Err(invalid("the buffer must hold 65536 bytes"));
        }
        let rom = pbios::Rom::builtin();
        let image = rom.image(&pb.platform, &pb.memmap);
        // SAFETY: the caller's contract: `buf` holds `len` >= 65536 bytes.
        unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), buf, image.len()) };
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// A pbios instance for `ram_bytes` of guest RAM in pbios's default layout
/// (640 KiB conventional, the VGA window at A0000h, the rest from 1 MiB to
/// 3 GiB, then from 4 GiB; [`pbios_ram_ranges`] lists them). Null on error
/// ([`pbios_last_error`]).
#[no_mangle]
pub extern "C" fn pbios_create(ram_bytes: u64) -> *mut Pbios {
    create(|| MemoryMap::new(ram_bytes).map_err(|e| e.to_string()))
}

/// A handle for the layout `build` makes, or null with the error set.
fn create(build: impl FnOnce() -> Result<MemoryMap, String>) -> *mut Pbios {
    match catch_unwind(AssertUnwindSafe(build)) {
        Ok(Ok(m)) => {
            set_error("");
            new_handle(m)
        }
        Ok(Err(e)) => {
            set_error(e);
            std::ptr::null_mut()
        }
        Err(_) => {
            set_error("pbios panicked (a bug in pbios)");
            std::ptr::null_mut()
        }
    }
}

/// A pbios instance for the VMM's own layout: the RAM ranges it backs, the
/// E820 map the guest gets (sorted, non-overlapping), and where the 64 KiB
/// of MP/ACPI tables go (RAM, reserved in the map, below 4 GiB). Null on
/// error ([`pbios_last_error`]).
///
/// # Safety
/// `ram` points at `nram` ranges and `e820` at `ne820` entries.
#[no_mangle]
pub unsafe extern "C" fn pbios_create_with_layout(
    ram: *const PbiosRange,
    nram: usize,
    e820: *const PbiosE820Entry,
    ne820: usize,
    tables_base: u64,
) -> *mut Pbios {
    let build = || -> Result<MemoryMap, String> {
        if ram.is_null() || e820.is_null() {
            return Err("null layout array".into());
        }
        // SAFETY: the caller's contract.
        let ram = unsafe { std::slice::from_raw_parts(ram, nram) };
        // SAFETY: the caller's contract.
        let e820 = unsafe { std::slice::from_raw_parts(e820, ne820) };
        let entries = e820
            .iter()
            .map(|e| {
                let kind = match e.kind {
                    PBIOS_E820_RAM => E820Type::Ram,
                    PBIOS_E820_RESERVED => E820Type::Reserved,
                    k => return Err(format!("unknown E820 type {k}")),
                };
                Ok(E820Entry {
                    base: e.base,
                    length: e.length,
                    kind,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ranges = ram.iter().map(|r| (r.base, r.size)).collect();
        MemoryMap::custom(ranges, entries, tables_base).map_err(|e| e.to_string())
    };
    create(build)
}

/// Copies up to `cap` of the RAM ranges the VMM must back into `out` and
/// returns how many there are (call with `cap` 0 to ask), or an error code.
///
/// # Safety
/// `pb` is a live handle; `out` points at `cap` writable ranges (or `cap`
/// is 0).
#[no_mangle]
pub unsafe extern "C" fn pbios_ram_ranges(
    pb: *const Pbios,
    out: *mut PbiosRange,
    cap: usize,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's contract.
        let pb = unsafe { pb.as_ref() }.ok_or_else(|| invalid("null pbios handle"))?;
        let ranges = pb.memmap.ram_ranges();
        if cap > 0 && out.is_null() {
            return Err(invalid("null output array"));
        }
        for (i, &(base, size)) in ranges.iter().take(cap).enumerate() {
            // SAFETY: `i < cap`, within the caller's array.
            unsafe {
                *out.add(i) = PbiosRange {
                    base,
                    size: size as u64,
                }
            };
        }
        Ok(ranges.len() as c_int)
    })
}

/// Tells pbios that guest physical `guest_addr..+size` is host memory at
/// `host` (the VMM's mapping, as given to KVM_SET_USER_MEMORY_REGION), all
/// page-aligned. Only before the first trap, which checks that the ranges
/// added are exactly [`pbios_ram_ranges`]'s (no ROM copy, no more).
///
/// # Safety
/// `pb` is a live handle; `host` is a read/write mapping of `size` bytes
/// that stays mapped until `pbios_destroy`.
#[no_mangle]
pub unsafe extern "C" fn pbios_add_ram(
    pb: *mut Pbios,
    guest_addr: u64,
    host: *mut c_void,
    size: u64,
) -> c_int {
    let body = |pb: &mut Pbios| {
        if pb.started.is_some() {
            return Err(invalid("pbios_add_ram after the BIOS started"));
        }
        const PAGE: u64 = 4096;
        let Some(end) = guest_addr.checked_add(size) else {
            return Err(invalid("RAM range wraps"));
        };
        if host.is_null()
            || size == 0
            || !guest_addr.is_multiple_of(PAGE)
            || !size.is_multiple_of(PAGE)
            || !(host as usize as u64).is_multiple_of(PAGE)
        {
            return Err(invalid("RAM range empty, null or not page-aligned"));
        }
        if pb
            .ram
            .iter()
            .any(|&(g, _, s)| guest_addr < g + s as u64 && g < end)
        {
            return Err(invalid("RAM range overlaps one added before"));
        }
        let size = usize::try_from(size).map_err(|_| invalid("RAM range too large"))?;
        pb.ram.push((guest_addr, host as usize, size));
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// Attaches the raw image `path` as a drive of `kind` (`PBIOS_DISK_*`);
/// writable unless `read_only` (a CD-ROM always is). Only before the first
/// trap; at most 4 hard disks, one floppy, one CD-ROM.
///
/// # Safety
/// `pb` is a live handle; `path` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pbios_attach_disk(
    pb: *mut Pbios,
    path: *const c_char,
    kind: c_int,
    read_only: bool,
) -> c_int {
    let body = |pb: &mut Pbios| {
        if pb.started.is_some() {
            return Err(invalid(
                "pbios_attach_disk after the BIOS started (use pbios_change_media)",
            ));
        }
        // SAFETY: the caller's contract.
        let disk = unsafe { open_disk(path, kind, read_only) }?;
        let d = &mut pb.drives;
        match disk.kind() {
            MediaKind::HardDisk if d.hard.len() < pbios::disk::MAX_HARD_DISKS => d.hard.push(disk),
            MediaKind::Floppy if d.floppy.is_none() => d.floppy = Some(disk),
            MediaKind::Cdrom if d.cdrom.is_none() => d.cdrom = Some(disk),
            _ => return Err(invalid("no free drive of that kind")),
        }
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// # Safety
/// `path` is a NUL-terminated string.
unsafe fn open_disk(path: *const c_char, kind: c_int, ro: bool) -> Result<Disk, (c_int, String)> {
    if path.is_null() {
        return Err(invalid("null path"));
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
    let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes);
    let kind = match kind {
        PBIOS_DISK_HARD => MediaKind::HardDisk,
        PBIOS_DISK_FLOPPY => MediaKind::Floppy,
        PBIOS_DISK_CDROM => MediaKind::Cdrom,
        _ => return Err(invalid("unknown disk kind")),
    };
    Disk::attach(path.as_ref(), kind, ro).map_err(|e| (PBIOS_ERR_IO, e.to_string()))
}

/// The platform the MP and ACPI tables describe: `cpus` CPUs (1-64, APIC
/// IDs 0..cpus), ACPI tables or not, and the ports the FADT names for the
/// PM1a event block (`pm_base`; control at `pm_base + 4`) and the reset
/// register (`reset_port`). Default: 1 CPU, ACPI with PM1a at 600h and
/// reset at CF9h, which the VMM must then emulate (or turn ACPI off) for
/// an OS to power off or reset. Only before the first trap.
///
/// # Safety
/// `pb` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbios_set_platform(
    pb: *mut Pbios,
    cpus: u8,
    acpi: bool,
    pm_base: u16,
    reset_port: u16,
) -> c_int {
    let body = |pb: &mut Pbios| {
        if pb.started.is_some() {
            return Err(invalid("pbios_set_platform after the BIOS started"));
        }
        if !(1..=pbios::platform::MAX_CPUS).contains(&cpus) {
            return Err(invalid("cpus must be 1-64"));
        }
        pb.platform = Platform {
            cpus,
            acpi,
            pm_base,
            reset_port,
            ..Platform::default()
        };
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// Sends INT 10h's teletype output to `fd` (duplicated; default: nowhere).
/// Only before the first trap.
///
/// # Safety
/// `pb` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbios_set_console_fd(pb: *mut Pbios, fd: c_int) -> c_int {
    let body = |pb: &mut Pbios| {
        if pb.started.is_some() {
            return Err(invalid("pbios_set_console_fd after the BIOS started"));
        }
        // SAFETY: dup only reads the descriptor table.
        let dup = unsafe { libc::dup(fd) };
        if dup < 0 {
            return Err((
                PBIOS_ERR_IO,
                format!("fd {fd}: {}", std::io::Error::last_os_error()),
            ));
        }
        // SAFETY: `dup` is a fresh descriptor this File now owns.
        pb.console = Some(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(dup) });
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

impl Pbios {
    /// Builds the BIOS and guest memory at the first trap.
    fn start(&mut self) -> Result<(), (c_int, String)> {
        if self.started.is_some() {
            return Ok(());
        }
        let mut ram = self.ram.clone();
        ram.sort_unstable();
        let given: Vec<(u64, usize)> = ram.iter().map(|&(g, _, s)| (g, s)).collect();
        if given != self.memmap.ram_ranges() {
            return Err((
                PBIOS_ERR_LAYOUT,
                format!(
                    "the RAM added ({given:x?}) is not the layout's ({:x?}; see pbios_ram_ranges)",
                    self.memmap.ram_ranges()
                ),
            ));
        }
        let mut regions = Vec::new();
        for (guest, host, size) in ram {
            // SAFETY: pbios_add_ram's contract: `host` is a live read/write
            // mapping of `size` bytes until pbios_destroy.
            let region = unsafe {
                MmapRegion::build_raw(
                    host as *mut u8,
                    size,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                )
            }
            .map_err(|e| (PBIOS_ERR_IO, format!("RAM at {guest:#x}: {e}")))?;
            let region = GuestRegionMmap::new(region, GuestAddress(guest))
                .ok_or_else(|| invalid("RAM range wraps"))?;
            regions.push(region);
        }
        let mem = GuestMemoryMmap::from_regions(regions)
            .map_err(|e| (PBIOS_ERR_LAYOUT, format!("guest RAM: {e}")))?;
        let mut devices = Devices::new(std::mem::take(&mut self.drives));
        if let Some(c) = self.console.take() {
            devices.console = Box::new(c);
        }
        let rom = pbios::Rom::builtin();
        let bios = Bios::builder(rom.header, self.memmap.clone(), devices)
            .platform(self.platform.clone())
            .build();
        self.started = Some((bios, mem));
        Ok(())
    }
}

/// Serves the BIOS call the VMM's vCPU stopped at (an OUT to
/// [`PBIOS_TRAP_PORT`]): `regs` holds its registers as read; on return
/// they hold what to resume with. The result is a mask of
/// [`PBIOS_RESUME_REGS`] (write the registers back; RIP moved past the OUT
/// if it was still on it), [`PBIOS_RESUME_SEGMENTS`] (write selectors and
/// bases too) and [`PBIOS_STOP`] (the run ends), or a negative error code.
///
/// # Safety
/// `pb` is a live handle; `regs` points at a writable [`PbiosRegs`].
#[no_mangle]
pub unsafe extern "C" fn pbios_serve_trap(pb: *mut Pbios, regs: *mut PbiosRegs) -> c_int {
    let body = |pb: &mut Pbios| {
        // SAFETY: the caller's contract.
        let regs = unsafe { regs.as_mut() }.ok_or_else(|| invalid("null registers"))?;
        pb.start()?;
        let Some((bios, mem)) = pb.started.as_mut() else {
            return Err(invalid("the BIOS did not start"));
        };
        let mut vcpu = CVcpu {
            header: *bios.header(),
            regs,
            mem: GuestRam(mem),
            skip: false,
            resume: 0,
        };
        let Ok(stop) = serve_trap(bios, &mut vcpu);
        let mut result = vcpu.resume;
        if let Some(stop) = stop {
            pb.exit = Some(stop.into());
            result |= PBIOS_STOP;
        }
        Ok(result)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// The process exit status for the run's end after [`PBIOS_STOP`] (2 for
/// "nothing to boot"), or for the guest's port-F4h `value` when `pb` has
/// not stopped: `(value << 1) | 1`, as `pbios` exits.
///
/// # Safety
/// `pb` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbios_exit_status(pb: *const Pbios, value: u8) -> c_int {
    // SAFETY: the caller's contract.
    match unsafe { pb.as_ref() }.and_then(|p| p.exit.as_ref()) {
        Some(e) => e.status(),
        None => Exit::DebugExit(value).status(),
    }
}

/// Makes every guest write so far durable in the image files.
///
/// # Safety
/// `pb` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbios_flush(pb: *mut Pbios) -> c_int {
    let body = |pb: &mut Pbios| {
        let r = match &pb.started {
            Some((bios, _)) => bios.flush(),
            None => pb.drives.flush(),
        };
        r.map(|()| PBIOS_OK)
            .map_err(|e| (PBIOS_ERR_IO, e.to_string()))
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// Forgets what the BIOS kept across calls, for a guest reboot (the VMM
/// resets its vCPU to F000:FFF0; POST runs again).
///
/// # Safety
/// `pb` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn pbios_reset(pb: *mut Pbios) -> c_int {
    let body = |pb: &mut Pbios| {
        if let Some((bios, _)) = pb.started.as_mut() {
            bios.reset();
        }
        pb.exit = None;
        Ok(PBIOS_OK)
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// Changes the medium of the floppy or CD-ROM drive (`kind`
/// [`PBIOS_DISK_FLOPPY`] or [`PBIOS_DISK_CDROM`]) to the image `path`, or
/// ejects it when `path` is null.
///
/// # Safety
/// `pb` is a live handle; `path` is null or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pbios_change_media(
    pb: *mut Pbios,
    kind: c_int,
    path: *const c_char,
    read_only: bool,
) -> c_int {
    let body = |pb: &mut Pbios| {
        let drive = match kind {
            PBIOS_DISK_FLOPPY => Removable::Floppy,
            PBIOS_DISK_CDROM => Removable::Cdrom,
            _ => return Err(invalid("only the floppy and the CD-ROM are removable")),
        };
        let disk = if path.is_null() {
            None
        } else {
            // SAFETY: the caller's contract.
            Some(unsafe { open_disk(path, kind, read_only) }?)
        };
        let changed = match pb.started.as_mut() {
            Some((bios, _)) => bios.change_media(drive, disk),
            None => pb.drives.change(drive, disk),
        };
        match changed {
            // The medium taken out keeps what the guest wrote to it.
            Ok(Some(old)) => old
                .flush()
                .map(|()| PBIOS_OK)
                .map_err(|e| (PBIOS_ERR_IO, format!("flushing the ejected image: {e}"))),
            Ok(None) => Ok(PBIOS_OK),
            Err(_) => Err(invalid("that image is not of the drive's kind")),
        }
    };
    // SAFETY: the caller's contract.
    unsafe { with_handle(pb, body) }
}

/// Flushes the drives (errors are dropped: call [`pbios_flush`] first to
/// see them) and frees `pb`. Null is ignored.
///
/// # Safety
/// `pb` is null or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn pbios_destroy(pb: *mut Pbios) {
    if pb.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract: `pb` came from Box::into_raw.
        let pb = unsafe { Box::from_raw(pb) };
        let _ = match &pb.started {
            Some((bios, _)) => bios.flush(),
            None => pb.drives.flush(),
        };
    }));
}

/// The C VMM's vCPU at one trap ([`Vcpu`] over [`PbiosRegs`]).
struct CVcpu<'a> {
    header: RomHeader,
    regs: &'a mut PbiosRegs,
    mem: GuestRam<'a>,
    /// RIP was on the trap instruction and was moved past it.
    skip: bool,
    resume: c_int,
}

impl Vcpu for CVcpu<'_> {
    type Error = std::convert::Infallible;

    fn trap_state(&mut self) -> Result<TrapState, Self::Error> {
        let r = &*self.regs;
        let mut regs = Regs::from_hypervisor(
            [
                r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.rip, r.rflags,
            ],
            [r.cs, r.ds, r.es, r.ss, r.fs, r.gs],
        );
        let past = past_trap(&self.header, r.cs_base, regs.eip);
        self.skip = past.is_some();
        if let Some(eip) = past {
            regs.eip = eip;
        }
        Ok(TrapState {
            regs,
            linear_rip: r.cs_base.wrapping_add(u64::from(regs.eip)),
        })
    }

    fn set_regs(&mut self, old: &Regs, new: &Regs) -> Result<(), Self::Error> {
        let r = &mut *self.regs;
        new.write_gprs([
            &mut r.rax,
            &mut r.rbx,
            &mut r.rcx,
            &mut r.rdx,
            &mut r.rsi,
            &mut r.rdi,
            &mut r.rbp,
            &mut r.rsp,
            &mut r.rip,
            &mut r.rflags,
        ]);
        self.resume |= PBIOS_RESUME_REGS;
        if new.write_segments(
            old,
            [
                (&mut r.cs, &mut r.cs_base),
                (&mut r.ds, &mut r.ds_base),
                (&mut r.es, &mut r.es_base),
                (&mut r.ss, &mut r.ss_base),
                (&mut r.fs, &mut r.fs_base),
                (&mut r.gs, &mut r.gs_base),
            ],
        ) {
            self.resume |= PBIOS_RESUME_SEGMENTS;
        }
        Ok(())
    }

    fn always_resume(&self) -> bool {
        self.skip
    }

    fn memory(&mut self) -> &mut dyn Memory {
        &mut self.mem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pbios::abi;

    #[test]
    fn constants_match_the_abi() {
        assert_eq!(PBIOS_TRAP_PORT, u16::from(abi::TRAP_PORT));
        assert_eq!(PBIOS_DEBUG_EXIT_PORT, abi::DEBUG_EXIT_PORT);
        assert_eq!(PBIOS_ROM_SIZE, abi::ROM_SIZE as u64);
        assert_eq!(PBIOS_ROM_BASE, abi::layout::ROM_BASE);
        assert_eq!(PBIOS_ROM_HIGH_BASE, abi::layout::ROM_HIGH_BASE);
        assert_eq!(PBIOS_KVM_IDENTITY_MAP, abi::layout::KVM_IDENTITY_MAP);
        assert_eq!(PBIOS_KVM_TSS, abi::layout::KVM_TSS);
        assert_eq!(PBIOS_E820_RAM, E820Type::Ram as u32);
        assert_eq!(PBIOS_E820_RESERVED, E820Type::Reserved as u32);
    }

    #[test]
    fn errors_are_codes_with_a_message_never_a_panic() {
        // SAFETY: null handles and pointers are what is being tested.
        unsafe {
            assert_eq!(
                pbios_serve_trap(std::ptr::null_mut(), std::ptr::null_mut()),
                PBIOS_ERR_INVALID
            );
            let msg = CStr::from_ptr(pbios_last_error()).to_str().unwrap();
            assert!(msg.contains("null"), "{msg}");
            assert!(pbios_create(1024).is_null(), "too small");
            let pb = pbios_create(64 << 20);
            assert!(!pb.is_null());
            let mut regs = PbiosRegs::default();
            assert_eq!(
                pbios_serve_trap(pb, &mut regs),
                PBIOS_ERR_LAYOUT,
                "no RAM yet"
            );
            let bad = CString::new("/nonexistent/disk.img").unwrap();
            assert_eq!(
                pbios_attach_disk(pb, bad.as_ptr(), PBIOS_DISK_HARD, false),
                PBIOS_ERR_IO
            );
            assert_eq!(
                pbios_attach_disk(pb, bad.as_ptr(), 9, false),
                PBIOS_ERR_INVALID
            );
            let mut n = [PbiosRange::default(); 8];
            assert_eq!(pbios_ram_ranges(pb, n.as_mut_ptr(), 8), 3);
            assert_eq!(
                n[0],
                PbiosRange {
                    base: 0,
                    size: 0xA_0000
                }
            );
            pbios_destroy(pb);
        }
    }

    #[test]
    fn the_rom_image_carries_the_smbios_entry_points() {
        // SAFETY: a live handle and buffers of the sizes given.
        unsafe {
            let pb = pbios_create(64 << 20);
            let mut small = [0u8; 16];
            assert_eq!(
                pbios_rom_image(pb, small.as_mut_ptr(), 16),
                PBIOS_ERR_INVALID
            );
            let mut rom = vec![0u8; PBIOS_ROM_SIZE as usize];
            assert_eq!(pbios_rom_image(pb, rom.as_mut_ptr(), rom.len()), PBIOS_OK);
            let at = usize::from(pbios::abi::rom::SMBIOS_SLOT);
            assert_eq!(&rom[at..at + 4], b"_SM_");
            assert_eq!(
                rom[at..at + 0x1F]
                    .iter()
                    .fold(0u8, |a, &b| a.wrapping_add(b)),
                0
            );
            assert_eq!(
                rom.iter().fold(0u8, |a, &b| a.wrapping_add(b)),
                0,
                "the ROM's sum stays 0"
            );
            pbios_destroy(pb);
        }
    }

    #[test]
    fn a_trap_is_served_on_registers_from_c() {
        let anon = |len: usize| {
            // SAFETY: a fresh anonymous mapping (unmapped by process exit).
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            p
        };
        let pb = pbios_create(4 << 20);
        let mut ranges = [PbiosRange::default(); 8];
        // SAFETY: the mappings stay until the process ends.
        unsafe {
            let n = pbios_ram_ranges(pb, ranges.as_mut_ptr(), 8) as usize;
            let mut regs = PbiosRegs::default();
            let conventional = anon(ranges[0].size as usize);
            assert_eq!(pbios_add_ram(pb, 0, conventional, ranges[0].size), 0);
            assert_eq!(
                pbios_add_ram(pb, 0x1000, conventional, 0x1000),
                PBIOS_ERR_INVALID,
                "overlap"
            );
            assert_eq!(
                pbios_serve_trap(pb, &mut regs),
                PBIOS_ERR_LAYOUT,
                "not all of the layout's RAM yet"
            );
            for r in &ranges[1..n] {
                assert_eq!(pbios_add_ram(pb, r.base, anon(r.size as usize), r.size), 0);
            }
            let ram = conventional;
            // What POST leaves in the BDA: 40:13, KiB of conventional memory.
            std::ptr::write_unaligned((ram as *mut u8).add(0x413).cast::<u16>(), 639);
            // INT 12h from real mode: its stub (F000:F841) called the trap
            // entry, whose trap is not yet skipped; SS:SP at the call's
            // return address, the INT's IRET frame above it.
            let frame = [
                abi::stub_offset(0x12) + abi::STUB_CALL_LEN,
                0x7C10,
                0,
                0x0202,
            ];
            for (i, w) in frame.iter().enumerate() {
                std::ptr::write_unaligned((ram as *mut u8).add(0x6FFE + 2 * i).cast::<u16>(), *w);
            }
            let mut regs = PbiosRegs {
                cs: 0xF000,
                cs_base: 0xF_0000,
                rip: u64::from(abi::rom::TRAP_ENTRY),
                ss: 0,
                rsp: 0x6FFE,
                rflags: 0x202,
                rax: 0x1234_5678,
                ..PbiosRegs::default()
            };
            let r = pbios_serve_trap(pb, &mut regs);
            assert_eq!(
                r,
                PBIOS_RESUME_REGS | PBIOS_RESUME_SEGMENTS,
                "{:?}",
                CStr::from_ptr(pbios_last_error())
            );
            assert_eq!(regs.rax & 0xFFFF, 639, "INT 12h: base memory in KiB");
            // Returned to the caller as the entry's IRET would.
            assert_eq!((regs.cs, regs.cs_base, regs.rip), (0, 0, 0x7C10));
            assert_eq!(regs.rsp, 0x7006, "return address and frame popped");
            assert_eq!(regs.rflags, 0x202);
            assert_eq!(pbios_reset(pb), PBIOS_OK);
            assert_eq!(pbios_exit_status(pb, 3), 7, "no stop recorded");
            pbios_destroy(pb);
        }
    }
}
