//! The BIOS dispatcher on hostile input: arbitrary registers, guest memory
//! seeded where the services look (the BDA, packets, descriptors, tables),
//! any vector and subfunction, disks of arbitrary contents (partition
//! tables, El Torito catalogs, floppy sizes) that may shrink between
//! calls, keys that never stop coming.
//!
//! Guest RAM is mapped with an inaccessible guard page on each side of
//! every range, so a host access outside guest RAM is a crash the fuzzer
//! reports, not luck; every access through the `Memory` trait is also
//! checked against the ranges.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pbios::clock::{DateTime, FixedClock};
use pbios::disk::{BlockDevice, Disk, Drives, MediaKind};
use pbios::keyboard::KeySource;
use pbios::mem::{Memory, OutOfRange};
use pbios::memmap::MemoryMap;
use pbios::{Bios, Devices, Regs, Rom};
use std::sync::{Arc, Mutex};
use vm_memory::VolatileSlice;

const PAGE: usize = 4096;

/// The built-in ROM's header, parsed once.
static HEADER: std::sync::OnceLock<pbios::abi::header::RomHeader> = std::sync::OnceLock::new();

/// One RAM range between two guard pages.
struct Range {
    base: u64,
    len: usize,
    ptr: *mut u8,
}

/// Guest RAM as the memory map lays it out, each range fenced by
/// PROT_NONE pages.
struct GuardedRam(Vec<Range>);

// SAFETY: the mappings are owned by the value and live as long as it.
unsafe impl Send for GuardedRam {}

impl GuardedRam {
    fn new(ranges: &[(u64, usize)]) -> GuardedRam {
        let mut out = Vec::new();
        for &(base, len) in ranges {
            let total = len + 2 * PAGE;
            // SAFETY: a fresh private anonymous mapping; checked below.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    total,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            // SAFETY: `p + PAGE .. p + PAGE + len` lies inside the mapping.
            let inner = unsafe { (p as *mut u8).add(PAGE) };
            // SAFETY: the inner part of our own mapping becomes usable.
            assert_eq!(
                unsafe { libc::mprotect(inner.cast(), len, libc::PROT_READ | libc::PROT_WRITE) },
                0
            );
            out.push(Range {
                base,
                len,
                ptr: inner,
            });
        }
        GuardedRam(out)
    }

    /// The host pointer for `len` bytes at `addr`, if all of them are RAM.
    fn host(&self, addr: u64, len: usize) -> Option<*mut u8> {
        self.0.iter().find_map(|r| {
            let off = addr.checked_sub(r.base)?;
            let end = off.checked_add(len as u64)?;
            // SAFETY: `off + len <= r.len`: inside the usable part.
            (end <= r.len as u64).then(|| unsafe { r.ptr.add(off as usize) })
        })
    }
}

impl GuardedRam {
    /// Back to all zeros, as a fresh mapping (pages return on first touch).
    fn clear(&mut self) {
        for r in &self.0 {
            // SAFETY: our own private anonymous mapping's usable part.
            unsafe { libc::madvise(r.ptr.cast(), r.len, libc::MADV_DONTNEED) };
        }
    }
}

impl Drop for GuardedRam {
    fn drop(&mut self) {
        for r in &self.0 {
            // SAFETY: unmaps exactly the mapping `new` made.
            unsafe { libc::munmap(r.ptr.sub(PAGE).cast(), r.len + 2 * PAGE) };
        }
    }
}

impl Memory for GuardedRam {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        let p = self.host(addr, buf.len()).ok_or(OutOfRange {
            addr,
            len: buf.len(),
        })?;
        // SAFETY: `host` checked that `buf.len()` bytes at `p` are RAM.
        unsafe { std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange> {
        let p = self.host(addr, data.len()).ok_or(OutOfRange {
            addr,
            len: data.len(),
        })?;
        // SAFETY: `host` checked that `data.len()` bytes at `p` are RAM.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
        Ok(())
    }

    fn is_ram(&self, addr: u64, len: usize) -> bool {
        len == 0 || self.host(addr, len).is_some()
    }

    fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>> {
        let p = self.host(addr, len)?;
        // SAFETY: `len` bytes of RAM at `p`, borrowed for as long as `self`.
        Some(unsafe { VolatileSlice::new(p, len) })
    }
}

/// A disk in memory whose contents the harness can cut short while it is
/// attached, as another process truncating the image would. Sparse: bytes
/// past those stored read as zero.
#[derive(Clone)]
struct MemDisk(Arc<Mutex<Sparse>>);

struct Sparse {
    data: Vec<u8>,
    /// The size now (the file's length).
    len: u64,
    /// The size when attached.
    attached: u64,
}

impl BlockDevice for MemDisk {
    fn size(&self) -> u64 {
        self.0.lock().unwrap().attached
    }
    fn current_size(&self) -> std::io::Result<u64> {
        Ok(self.0.lock().unwrap().len)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let d = self.0.lock().unwrap();
        if offset >= d.len {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(d.len - offset) as usize;
        buf[..n].fill(0);
        let start = (offset as usize).min(d.data.len());
        let stored = n.min(d.data.len() - start);
        buf[..stored].copy_from_slice(&d.data[start..start + stored]);
        Ok(n)
    }
    fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()> {
        let mut d = self.0.lock().unwrap();
        let end = offset as usize + data.len();
        assert!(
            end as u64 <= d.attached.min(d.len),
            "a write past the image's end: {end} > {}",
            d.attached.min(d.len)
        );
        if d.data.len() < end {
            d.data.resize(end, 0);
        }
        d.data[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keys for ever (`yes | pbios`), or none.
struct Keys(bool);

impl KeySource for Keys {
    fn poll(&mut self) -> Option<u16> {
        self.0.then_some(0x1E61)
    }
}

#[derive(Arbitrary, Debug)]
enum Media {
    HardDisk,
    Floppy,
    Cdrom,
    /// A CD-ROM with a valid El Torito catalog whose boot image is the
    /// input's bytes, of this boot media type (0-4 defined, 5+ not): the
    /// diskette and hard-disk emulations.
    ElTorito(u8),
}

/// One BIOS call: a fixed-size record, so that every 60-odd bytes of input
/// make one more call.
#[derive(Arbitrary, Debug)]
struct Call {
    vector: u8,
    /// EAX, EBX, ECX, EDX, ESI, EDI, EBP.
    gprs: [u32; 7],
    /// SP at the trap (the stub's return address and the INT frame above).
    sp: u16,
    /// DS, ES, SS, FS, GS.
    segs: [u16; 5],
    /// The caller's FLAGS, in its INT frame.
    flags: u16,
    /// From virtual-8086 mode.
    v86: bool,
    /// A return address that is no stub's (a stray jump to the entry).
    stray: Option<u16>,
    /// 16 bytes written into guest memory first (a packet, a descriptor, a
    /// BDA field), at a linear address.
    poke: Option<(u32, [u8; 16])>,
    /// Cut the disk to this many bytes before the call.
    shrink: Option<u32>,
}

/// The machine, then as many calls as the input has bytes for.
#[derive(Arbitrary, Debug)]
struct Setup {
    media: Media,
    read_only: bool,
    /// How many of the input's next bytes are the disk's first bytes (its
    /// boot sector, partition table, El Torito catalog).
    image_len: u16,
    /// The disk's size in sectors beyond those bytes.
    extra_sectors: u16,
    /// Floppy sizes: pick one of the standard ones.
    floppy_kib: u8,
    keys: bool,
}

struct Case {
    media: Media,
    read_only: bool,
    image: Vec<u8>,
    extra_sectors: u16,
    floppy_kib: u8,
    keys: bool,
}

fn disk(case: &Case) -> Option<(Disk, MemDisk)> {
    let (kind, size) = match case.media {
        Media::Floppy => {
            let kib = [360u64, 720, 1200, 1440, 2880][usize::from(case.floppy_kib % 5)];
            (MediaKind::Floppy, kib * 1024)
        }
        Media::HardDisk => (
            MediaKind::HardDisk,
            case.image.len() as u64 + u64::from(case.extra_sectors) * 512,
        ),
        Media::Cdrom => (
            MediaKind::Cdrom,
            case.image.len() as u64 + u64::from(case.extra_sectors) * 2048,
        ),
        Media::ElTorito(_) => (MediaKind::Cdrom, 0),
    };
    let mut data = case.image.clone();
    let size = match case.media {
        Media::ElTorito(m) => {
            let total = 24 + u64::from(case.extra_sectors % 2048);
            data = pbios::boot::make_el_torito_image(&case.image, 0, total);
            // The initial entry's media type (catalog at sector 18, +32, +1).
            data[18 * 2048 + 33] = m % 6;
            data.len() as u64
        }
        _ => size,
    };
    data.truncate(size as usize);
    let dev = MemDisk(Arc::new(Mutex::new(Sparse {
        data,
        len: size,
        attached: size,
    })));
    let d = Disk::new(Box::new(dev.clone()), kind, case.read_only, "fuzz").ok()?;
    Some((d, dev))
}

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(setup) = u.arbitrary::<Setup>() else {
        return;
    };
    let Ok(image) = u.bytes(usize::from(setup.image_len).min(u.len())) else {
        return;
    };
    let case = Case {
        media: setup.media,
        read_only: setup.read_only,
        image: image.to_vec(),
        extra_sectors: setup.extra_sectors,
        floppy_kib: setup.floppy_kib,
        keys: setup.keys,
    };
    let map = MemoryMap::new(RAM).unwrap();
    let mut ram = RAM_MAP
        .with(|r| r.take())
        .unwrap_or_else(|| GuardedRam::new(&map.ram_ranges()));
    let mut drives = Drives::default();
    let mut dev = None;
    if let Some((d, m)) = disk(&case) {
        match d.kind() {
            MediaKind::Floppy => drives.floppy = Some(d),
            MediaKind::HardDisk => drives.hard.push(d),
            MediaKind::Cdrom => drives.cdrom = Some(d),
        }
        dev = Some(m);
    }
    let mut devices = Devices::new(drives);
    devices.keys = Box::new(Keys(case.keys));
    devices.clock = Box::new(FixedClock(DateTime {
        year: 2026,
        month: 12,
        day: 1,
        hour: 23,
        minute: 59,
        second: 59,
    }));
    let header = *HEADER.get_or_init(|| Rom::builtin().header);
    let mut bios = Bios::builder(header, map, devices).build();
    let entry_ip =
        (header.trap_entry - pbios::abi::ROM_BASE) as u16 + header.trap_kind.bytes().len() as u16;
    while !u.is_empty() {
        let Ok(call) = u.arbitrary::<Call>() else {
            break;
        };
        if let Some((addr, bytes)) = &call.poke {
            let _ = ram.write(u64::from(*addr) % RAM, bytes);
        }
        if let (Some(len), Some(dev)) = (call.shrink, &dev) {
            let mut d = dev.0.lock().unwrap();
            d.len = d.len.min(u64::from(len));
            let keep = (d.len as usize).min(d.data.len());
            d.data.truncate(keep);
        }
        let [ds, es, ss, fs, gs] = call.segs;
        // The stub's return address, then the INT frame: IP, CS, FLAGS.
        let ret = call
            .stray
            .unwrap_or(pbios::abi::stub_offset(call.vector) + pbios::abi::STUB_CALL_LEN);
        for (i, w) in [ret, 0x7C00, 0, call.flags].iter().enumerate() {
            let at = pbios::mem::real_addr(ss, call.sp.wrapping_add(2 * i as u16));
            let _ = ram.write(at, &w.to_le_bytes());
        }
        let [eax, ebx, mut ecx, edx, esi, edi, ebp] = call.gprs;
        // INT 10h AH=09h/0Ah/13h draw CX characters: 65535 of them are
        // served like 4096, only slower, and would take most of the run.
        if call.vector == 0x10 && matches!(eax >> 8 & 0xFF, 0x09 | 0x0A | 0x13) {
            ecx &= 0xFFFF_0FFF;
        }
        let mut regs = Regs {
            eax,
            ebx,
            ecx,
            edx,
            esi,
            edi,
            ebp,
            esp: u32::from(call.sp),
            eip: u32::from(entry_ip),
            eflags: 2 | if call.v86 { 1 << 17 } else { 0 },
            cs: pbios::abi::ROM_SEGMENT,
            ds,
            es,
            ss,
            fs,
            gs,
            iret_flags: 0,
        };
        let linear = u64::from(pbios::abi::ROM_BASE) + u64::from(entry_ip);
        if bios.trap(linear, &mut regs, &mut ram).is_some() {
            break;
        }
    }
    let _ = bios.flush();
    count(bios.stats.calls);
    drop(bios);
    ram.clear();
    RAM_MAP.with(|r| r.set(Some(ram)));
});

/// BIOS calls served, in all cases so far.
static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Adds a case's calls; the total is printed when the fuzzer exits
/// (`cargo xtask fuzz` reads it).
fn count(n: u64) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        extern "C" fn report() {
            eprintln!(
                "pbios-fuzz: {} BIOS calls",
                CALLS.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
        // SAFETY: registers a plain function to run at exit.
        unsafe { libc::atexit(report) };
    });
    CALLS.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

/// Guest RAM of every case: the smallest machine with VBE's framebuffer
/// (32 MiB), so that the VBE modes are set and drawn in too.
const RAM: u64 = pbios::memmap::FRAMEBUFFER_MIN_MEM;

thread_local! {
    /// The guard-paged RAM, mapped once and zeroed between cases.
    static RAM_MAP: std::cell::Cell<Option<GuardedRam>> = const { std::cell::Cell::new(None) };
}
