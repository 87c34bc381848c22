//! Disks behind INT 13h (diskettes, hard disks, CD-ROMs): sector I/O with
//! bounds checks and the CHS geometry a PC BIOS reports for them, over any
//! [`BlockDevice`] (a raw image file, [`RawFile`], is built in).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;
use thiserror::Error;
use vm_memory::VolatileSlice;

/// Bytes per sector of a hard disk or diskette.
pub const SECTOR_SIZE: usize = 512;

/// A cylinder/head/sector geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chs {
    /// Cylinders.
    pub cylinders: u32,
    /// Heads.
    pub heads: u32,
    /// Sectors per track.
    pub sectors: u32,
}

impl Chs {
    /// The physical geometry QEMU gives an IDE disk of `total` sectors when
    /// its MBR does not suggest one: 16 heads, 63 sectors per track,
    /// cylinders = total / 1008 clamped to 2..=16383.
    pub fn physical(total: u64) -> Chs {
        let c = (total / (16 * 63)).clamp(2, 16383) as u32;
        Chs {
            cylinders: c,
            heads: 16,
            sectors: 63,
        }
    }

    /// The logical (INT 13h) geometry SeaBIOS derives from the physical one:
    /// unchanged up to 1024 cylinders, LBA-assisted translation above
    /// (63 sectors, heads 16/32/64/128/255), cylinders clipped to 1024.
    pub fn logical(total: u64) -> Chs {
        let p = Chs::physical(total);
        if p.cylinders <= 1024 {
            return p;
        }
        let (c, h) = if total > 1024 * 255 * 63 {
            (1024, 255)
        } else {
            let t = (total / 63) as u32;
            let h = match t / 1024 {
                x if x > 128 => 255,
                x if x > 64 => 128,
                x if x > 32 => 64,
                x if x > 16 => 32,
                _ => 16,
            };
            (t / h, h)
        };
        Chs {
            cylinders: c.min(1024),
            heads: h,
            sectors: 63,
        }
    }
}

/// What kind of drive an image is attached as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// A diskette, drive 00h: 512-byte sectors, geometry from the image size.
    Floppy,
    /// A hard disk, drives 80h-83h: 512-byte sectors, QEMU's geometry.
    HardDisk,
    /// A CD-ROM, drive E0h: 2048-byte sectors, no CHS geometry.
    Cdrom,
}

/// A standard diskette format: its size and geometry, and the drive type
/// INT 13h AH=08h reports in BL (the CMOS drive types: RBIL INT 13h AH=08h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloppyFormat {
    /// Capacity in KiB.
    pub kib: u32,
    /// Its geometry.
    pub geometry: Chs,
    /// CMOS drive type (BL of AH=08h).
    pub drive_type: u8,
}

/// The diskette formats a floppy image may have (360 KiB to 2.88 MiB).
pub const FLOPPY_FORMATS: [FloppyFormat; 5] = [
    FloppyFormat::new(360, 40, 2, 9, 1),
    FloppyFormat::new(720, 80, 2, 9, 3),
    FloppyFormat::new(1200, 80, 2, 15, 2),
    FloppyFormat::new(1440, 80, 2, 18, 4),
    FloppyFormat::new(2880, 80, 2, 36, 5),
];

impl FloppyFormat {
    const fn new(kib: u32, cylinders: u32, heads: u32, sectors: u32, drive_type: u8) -> Self {
        FloppyFormat {
            kib,
            geometry: Chs {
                cylinders,
                heads,
                sectors,
            },
            drive_type,
        }
    }

    /// The format of an image of `bytes` bytes, if it is one.
    pub fn of_size(bytes: u64) -> Option<FloppyFormat> {
        FLOPPY_FORMATS
            .into_iter()
            .find(|f| u64::from(f.kib) * 1024 == bytes)
    }
}

/// Host-side failures of disk I/O.
#[derive(Debug, Error)]
#[allow(missing_docs)] // The fields are named for what they hold.
pub enum DiskError {
    /// The image could not be opened.
    #[error("cannot open disk image {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    /// The image's size could not be read.
    #[error("cannot read disk image {path}: {source}")]
    Metadata {
        path: String,
        source: std::io::Error,
    },
    /// The image has no bytes.
    #[error("disk image {path} is empty")]
    Empty { path: String },
    /// A floppy image whose size is no standard diskette's.
    #[error(
        "floppy image {path} is {bytes} bytes: not a 360K, 720K, 1.2M, 1.44M or 2.88M diskette"
    )]
    FloppySize { path: String, bytes: u64 },
    /// A transfer past the last sector.
    #[error("sectors {lba}+{count} are past the end of the disk ({total} sectors)")]
    OutOfRange { lba: u64, count: u64, total: u64 },
    /// The path is a directory.
    #[error("{path} is a directory, not a disk image")]
    Directory { path: String },
    /// The path is a FIFO, socket or character device.
    #[error("{path} is not a regular file or a block device (a pipe, socket or character device)")]
    NotAFile { path: String },
    /// Another process holds a lock on the image.
    #[error("disk image {path} is in use{holder}: {how}")]
    Locked {
        path: String,
        /// " by COMMAND (pid N)", when /proc says.
        holder: String,
        how: &'static str,
    },
    /// The image file shrank under the guest: the transfer reaches past
    /// its new end.
    #[error("disk image {path} shrank from {was} to {now} bytes while attached")]
    Shrunk { path: String, was: u64, now: u64 },
    /// The image's format could not be read (a corrupt qcow2, a missing
    /// backing file).
    #[error("cannot open disk image {path}: {why}")]
    Format { path: String, why: String },
    /// A write to a read-only drive.
    #[error("the disk is read-only")]
    ReadOnly,
    /// The block device failed.
    #[error("disk I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The storage behind a drive: bytes at offsets. pbios checks every
/// transfer against [`BlockDevice::size`] before it calls here, and calls
/// only with whole sectors. Implement it for an image format or a host
/// block layer of your own; [`RawFile`] is a raw image file.
pub trait BlockDevice: Send {
    /// Size in bytes, fixed while attached. A trailing partial sector is
    /// readable (its missing bytes read as zero).
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; fewer (even 0) only at
    /// the end of the device.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
    /// Writes all of `data` at `offset`, changing nothing else.
    fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()>;
    /// Makes every write so far durable.
    fn flush(&self) -> std::io::Result<()>;
    /// The size now, if the device can change under the guest (a file
    /// another process truncates). The default: [`BlockDevice::size`].
    fn current_size(&self) -> std::io::Result<u64> {
        Ok(self.size())
    }
    /// The file descriptor behind the device, if any (for a flush when the
    /// process is ended by a signal).
    fn raw_fd(&self) -> Option<std::os::fd::RawFd> {
        None
    }
    /// Reads `dst.len()` bytes at `offset` into guest RAM, zero past the
    /// end. The default goes through a buffer; [`RawFile`] reads straight
    /// into the guest.
    fn read_into(&self, dst: &VolatileSlice, offset: u64) -> std::io::Result<()> {
        let mut buf = vec![0u8; dst.len()];
        let mut done = 0;
        while done < buf.len() {
            match self.read_at(&mut buf[done..], offset + done as u64)? {
                0 => break,
                n => done += n,
            }
        }
        dst.copy_from(&buf);
        Ok(())
    }
}

/// How [`Disk::attach_with`] opens an image.
#[derive(Clone, Copy, Debug, Default)]
pub struct Attach {
    /// Writes fail with "write protected" (03h); the file is opened
    /// read-only.
    pub read_only: bool,
    /// Writes succeed and are kept in memory; the file is opened read-only
    /// and never written.
    pub snapshot: bool,
    /// The image's format; `None`: detected from the file.
    pub format: Option<crate::image::ImageFormat>,
}

/// A drive's device, shared with the windows onto it.
#[derive(Clone)]
struct Shared(std::sync::Arc<std::sync::Mutex<Box<dyn BlockDevice>>>);

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn BlockDevice>> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// `len` bytes of another device from `offset`, read-only (zeros past the
/// base's end).
struct Window {
    base: Shared,
    offset: u64,
    len: u64,
}

impl BlockDevice for Window {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let n = buf.len().min((self.len - offset) as usize);
        let at = self.offset.saturating_add(offset);
        let base = self.base.lock();
        // Never past the base's end as attached, nor as it is now.
        let end = base.size().min(base.current_size()?);
        let n_base = n.min(end.saturating_sub(at) as usize);
        let mut got = 0;
        while got < n_base {
            match base.read_at(&mut buf[got..n_base], at + got as u64)? {
                0 => break,
                k => got += k,
            }
        }
        buf[got..n].fill(0);
        Ok(n)
    }
    fn write_at(&self, _data: &[u8], _offset: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("an emulated drive is read-only"))
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A disk in memory, of a fixed size (for tests and embedders).
pub struct MemDisk(std::sync::Mutex<Vec<u8>>);

impl MemDisk {
    /// A disk holding `bytes`.
    pub fn new(bytes: Vec<u8>) -> MemDisk {
        MemDisk(std::sync::Mutex::new(bytes))
    }

    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl BlockDevice for MemDisk {
    fn size(&self) -> u64 {
        self.bytes().len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let b = self.bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
        let n = buf.len().min(b.len() - start);
        buf[..n].copy_from_slice(&b[start..start + n]);
        Ok(n)
    }
    fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()> {
        let mut b = self.bytes();
        let start = usize::try_from(offset).map_err(std::io::Error::other)?;
        let end = start
            .checked_add(data.len())
            .filter(|&e| e <= b.len())
            .ok_or_else(|| std::io::Error::other("write past the end of the disk"))?;
        b[start..end].copy_from_slice(data);
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A raw disk image file.
pub struct RawFile {
    file: File,
    size: u64,
}

impl RawFile {
    /// Opens `path`, for writing too unless `read_only`, and locks it
    /// against other processes as QEMU locks its images (an OFD lock: a
    /// write lock on the whole file for a writable image, a read lock for
    /// a read-only one, so readers share and a writer is alone). A
    /// directory, a FIFO, a socket or a character device is refused
    /// without blocking.
    pub fn open(path: &Path, read_only: bool) -> Result<RawFile, DiskError> {
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        let p = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| DiskError::Open {
            path: p.clone(),
            source,
        })?;
        let kind = meta.file_type();
        if kind.is_dir() {
            return Err(DiskError::Directory { path: p });
        }
        if !kind.is_file() && !kind.is_block_device() {
            return Err(DiskError::NotAFile { path: p });
        }
        // Non-blocking open: a FIFO swapped in after the check cannot hang.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(!read_only)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|source| DiskError::Open {
                path: p.clone(),
                source,
            })?;
        let meta = file.metadata().map_err(|source| DiskError::Metadata {
            path: p.clone(),
            source,
        })?;
        if !meta.file_type().is_file() && !meta.file_type().is_block_device() {
            return Err(DiskError::NotAFile { path: p });
        }
        lock(&file, read_only).map_err(|how| DiskError::Locked {
            path: p.clone(),
            holder: holder_of(&meta),
            how,
        })?;
        let size = if meta.file_type().is_block_device() {
            use std::io::Seek;
            (&file)
                .seek(std::io::SeekFrom::End(0))
                .map_err(|source| DiskError::Metadata { path: p, source })?
        } else {
            meta.len()
        };
        Ok(RawFile { file, size })
    }
}

/// Takes an OFD lock on all of `file`: shared if `read_only`, else
/// exclusive. Fails with what the other holder prevents.
fn lock(file: &File, read_only: bool) -> Result<(), &'static str> {
    // SAFETY: a zeroed flock is a valid value; every field is set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = if read_only {
        libc::F_RDLCK
    } else {
        libc::F_WRLCK
    } as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
    fl.l_len = 0; // to the end, however the file grows
    fl.l_pid = 0;
    // SAFETY: F_OFD_SETLK with a valid flock on an open descriptor.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &fl) } == 0 {
        // A reader also keeps away from a QEMU that writes the image: QEMU
        // holds a shared lock on byte 101 (its "write" permission), which a
        // whole-file read lock does not conflict with.
        if read_only && locked_by_other(file, QEMU_WRITE_BYTE) {
            return Err("a QEMU process has it open for writing (locked)");
        }
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EACCES) if read_only => {
            Err("another process has it open for writing (locked)")
        }
        Some(libc::EAGAIN) | Some(libc::EACCES) => Err("another process has it open (locked)"),
        // A file system without locks (some network ones): go on unlocked.
        _ => Ok(()),
    }
}

/// The byte QEMU's image locking marks a writer with (offset 100 plus its
/// "write" permission bit, 1).
const QEMU_WRITE_BYTE: i64 = 101;

/// Whether an open file description other than `file`'s holds a lock on
/// just byte `at` (F_OFD_GETLK asks as a writer would): QEMU's kind, not
/// another pbios reader's whole-file lock.
fn locked_by_other(file: &File, at: i64) -> bool {
    // SAFETY: a zeroed flock is a valid value; every field is set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = at;
    fl.l_len = 1;
    fl.l_pid = 0;
    // SAFETY: F_OFD_GETLK with a valid flock on an open descriptor. Our own
    // read lock does not count: locks of the same description never
    // conflict.
    let r = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) };
    r == 0 && fl.l_type != libc::F_UNLCK as libc::c_short && fl.l_len != 0
}

/// " by COMMAND (pid N)" for another process that has the same file
/// open, from /proc; empty when none is found.
fn holder_of(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    let (dev, ino) = (meta.dev(), meta.ino());
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return String::new();
    };
    for proc in procs.flatten() {
        let Some(pid) = proc
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else {
            continue;
        };
        let open_here = fds
            .flatten()
            .any(|fd| std::fs::metadata(fd.path()).is_ok_and(|m| m.dev() == dev && m.ino() == ino));
        if open_here {
            let comm = std::fs::read_to_string(proc.path().join("comm")).unwrap_or_default();
            return format!(" by {} (pid {pid})", comm.trim());
        }
    }
    String::new()
}

impl BlockDevice for RawFile {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        loop {
            match self.file.read_at(buf, offset) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()> {
        self.file.write_all_at(data, offset)
    }

    fn flush(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    fn current_size(&self) -> std::io::Result<u64> {
        let meta = self.file.metadata()?;
        Ok(if meta.file_type().is_file() {
            meta.len()
        } else {
            self.size
        })
    }

    fn raw_fd(&self) -> Option<std::os::fd::RawFd> {
        Some(self.file.as_raw_fd())
    }

    /// One copy, from the page cache to the guest.
    fn read_into(&self, dst: &VolatileSlice, offset: u64) -> std::io::Result<()> {
        let guard = dst.ptr_guard_mut();
        let base = guard.as_ptr();
        let mut done = 0;
        while done < dst.len() {
            let rest = dst.len() - done;
            // SAFETY: `base` points at `dst.len()` bytes of guest RAM, mapped
            // for the VM's lifetime; `done < dst.len()` keeps the write inside
            // them. The vCPU is stopped while a service runs, so nothing else
            // touches those bytes meanwhile.
            let n = unsafe {
                libc::pread(
                    self.file.as_raw_fd(),
                    base.add(done).cast(),
                    rest,
                    (offset + done as u64) as libc::off_t,
                )
            };
            match n {
                0 => {
                    // SAFETY: as above; `rest` bytes from `done` are in `dst`.
                    unsafe { std::ptr::write_bytes(base.add(done), 0, rest) };
                    break;
                }
                n if n > 0 => done += n as usize,
                _ => {
                    let e = std::io::Error::last_os_error();
                    if e.kind() != std::io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A block device attached as a floppy, hard disk or CD-ROM.
pub struct Disk {
    /// Shared (behind a lock) with the drives an El Torito CD-ROM emulates.
    dev: Shared,
    /// The name errors give it (the image's path).
    name: String,
    /// Whether the image's shrinking has been logged.
    shrink_logged: std::sync::atomic::AtomicBool,
    kind: MediaKind,
    sectors: u64,
    sector_size: usize,
    geometry: Chs,
    read_only: bool,
    floppy: Option<FloppyFormat>,
}

impl Disk {
    /// Opens a raw hard disk image, read-only.
    pub fn open(path: &Path) -> Result<Disk, DiskError> {
        Disk::attach(path, MediaKind::HardDisk, true)
    }

    /// Opens the raw image `path` as a drive of `kind`; writable unless
    /// `read_only` (a CD-ROM is always read-only).
    pub fn attach(path: &Path, kind: MediaKind, read_only: bool) -> Result<Disk, DiskError> {
        Disk::attach_with(
            path,
            kind,
            &Attach {
                read_only,
                ..Attach::default()
            },
        )
    }

    /// Attaches the image at `path` as [`Attach`] says: its format
    /// (detected unless given), read-only, or a snapshot whose writes stay
    /// in memory.
    pub fn attach_with(path: &Path, kind: MediaKind, how: &Attach) -> Result<Disk, DiskError> {
        let read_only = how.read_only || kind == MediaKind::Cdrom;
        let dev = crate::image::open(path, how.format, read_only || how.snapshot)?;
        let dev: Box<dyn BlockDevice> = if how.snapshot && !read_only {
            Box::new(crate::image::Snapshot::new(dev))
        } else {
            dev
        };
        Disk::new(dev, kind, read_only, &path.display().to_string())
    }

    /// Attaches `dev` as a drive of `kind`; `name` names it in errors.
    /// Writes fail with "write protected" when `read_only` (always on a
    /// CD-ROM).
    pub fn new(
        dev: Box<dyn BlockDevice>,
        kind: MediaKind,
        read_only: bool,
        name: &str,
    ) -> Result<Disk, DiskError> {
        let read_only = read_only || kind == MediaKind::Cdrom;
        let len = dev.size();
        let sector_size = match kind {
            MediaKind::Cdrom => CD_SECTOR_SIZE,
            _ => SECTOR_SIZE,
        };
        // A trailing partial sector is readable: round up.
        let sectors = len.div_ceil(sector_size as u64);
        if sectors == 0 {
            return Err(DiskError::Empty { path: name.into() });
        }
        let floppy = match kind {
            MediaKind::Floppy => Some(FloppyFormat::of_size(len).ok_or(DiskError::FloppySize {
                path: name.into(),
                bytes: len,
            })?),
            _ => None,
        };
        let geometry = match floppy {
            Some(f) => f.geometry,
            None => Chs::logical(sectors),
        };
        Ok(Disk {
            dev: Shared(std::sync::Arc::new(std::sync::Mutex::new(dev))),
            name: name.into(),
            shrink_logged: std::sync::atomic::AtomicBool::new(false),
            kind,
            sectors,
            sector_size,
            geometry,
            read_only,
            floppy,
        })
    }

    /// A read-only drive of `kind` over `len` bytes of this disk from byte
    /// `offset` (an El Torito emulated diskette or hard disk on a CD-ROM):
    /// a diskette's geometry from its size, a hard disk's `geometry` (from
    /// its partition table) or else the logical one.
    pub fn window(
        &self,
        kind: MediaKind,
        offset: u64,
        len: u64,
        geometry: Option<Chs>,
    ) -> Result<Disk, DiskError> {
        let dev = Box::new(Window {
            base: self.dev.clone(),
            offset,
            len,
        });
        let mut d = Disk::new(
            dev,
            kind,
            true,
            &format!("{} (emulated {kind:?})", self.name),
        )?;
        if let (Some(g), MediaKind::HardDisk) = (geometry, kind) {
            d.geometry = g;
        }
        Ok(d)
    }

    /// What kind of drive this is.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// Number of sectors.
    pub fn sectors(&self) -> u64 {
        self.sectors
    }

    /// Bytes per sector: 512, or 2048 on a CD-ROM.
    pub fn sector_size(&self) -> usize {
        self.sector_size
    }

    /// Whether writes are refused (always true for a CD-ROM).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The diskette format, on a floppy.
    pub fn floppy_format(&self) -> Option<FloppyFormat> {
        self.floppy
    }

    /// The logical CHS geometry (INT 13h AH=02h/08h).
    pub fn geometry(&self) -> Chs {
        self.geometry
    }

    /// The physical CHS geometry (INT 13h AH=48h).
    pub fn physical_geometry(&self) -> Chs {
        match self.floppy {
            Some(f) => f.geometry,
            None => Chs::physical(self.sectors),
        }
    }

    /// Whether sectors `lba`..`lba + count` are all on the disk.
    pub fn contains(&self, lba: u64, count: u64) -> bool {
        lba.checked_add(count)
            .is_some_and(|end| end <= self.sectors)
    }

    fn check_range(&self, lba: u64, len: usize) -> Result<u64, DiskError> {
        // A partial last sector counts as one: nothing past the disk.
        let count = len.div_ceil(self.sector_size) as u64;
        if !self.contains(lba, count) {
            return Err(DiskError::OutOfRange {
                lba,
                count,
                total: self.sectors,
            });
        }
        let offset = lba * self.sector_size as u64;
        // The image may have shrunk since it was attached (another process
        // truncated it): a transfer past its new end is an error, never
        // zeros read or the file grown back.
        let attached = self.dev.lock().size();
        let now = self.dev.lock().current_size()?;
        if now < attached && offset + len as u64 > now {
            if !self
                .shrink_logged
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                log::warn!(
                    "disk image {} shrank from {attached} to {now} bytes while attached: \
                     transfers past its end fail",
                    self.name
                );
            }
            return Err(DiskError::Shrunk {
                path: self.name.clone(),
                was: attached,
                now,
            });
        }
        Ok(offset)
    }

    /// The file descriptor behind the drive, if its device has one.
    pub fn raw_fd(&self) -> Option<std::os::fd::RawFd> {
        self.dev.lock().raw_fd()
    }

    /// Reads `buf.len() / sector_size` sectors from `lba`. Bytes past the
    /// end of the file (a trailing partial sector) read as zero.
    pub fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        self.read_into(lba, &VolatileSlice::from(buf))
    }

    /// Reads `dst.len() / sector_size` sectors from `lba` straight into
    /// `dst` (guest RAM): one copy, from the page cache to the guest.
    /// Bytes past the end of the file read as zero, as in [`Disk::read`].
    pub fn read_into(&self, lba: u64, dst: &VolatileSlice) -> Result<(), DiskError> {
        let offset = self.check_range(lba, dst.len())?;
        self.dev.lock().read_into(dst, offset)?;
        Ok(())
    }

    /// Writes `data` (whole sectors) at `lba`. Only those bytes of the file
    /// change; a read-only disk refuses.
    pub fn write(&self, lba: u64, data: &[u8]) -> Result<(), DiskError> {
        if self.read_only {
            return Err(DiskError::ReadOnly);
        }
        let offset = self.check_range(lba, data.len())?;
        self.dev.lock().write_at(data, offset)?;
        Ok(())
    }

    /// Makes every write so far durable in the image file.
    pub fn flush(&self) -> Result<(), DiskError> {
        if !self.read_only {
            self.dev.lock().flush()?;
        }
        Ok(())
    }
}

/// Bytes per sector of a CD-ROM.
pub const CD_SECTOR_SIZE: usize = 2048;

/// The drives the BIOS serves, by INT 13h drive number.
#[derive(Default)]
pub struct Drives {
    /// Drive 00h.
    pub floppy: Option<Disk>,
    /// Drives 80h, 81h, ... (at most [`MAX_HARD_DISKS`]).
    pub hard: Vec<Disk>,
    /// Drive E0h.
    pub cdrom: Option<Disk>,
}

/// Hard disks the BIOS numbers (80h-83h).
pub const MAX_HARD_DISKS: usize = 4;
/// The first hard disk's drive number.
pub const FIRST_HD: u8 = 0x80;
/// The CD-ROM's drive number (SeaBIOS numbers CD-ROMs from E0h).
pub const CDROM_DRIVE: u8 = 0xE0;

/// A removable drive, for [`crate::Bios::change_media`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removable {
    /// The diskette, drive 00h.
    Floppy,
    /// The CD-ROM, drive E0h.
    Cdrom,
}

impl Drives {
    /// The drive behind an INT 13h drive number.
    pub fn get(&self, dl: u8) -> Option<&Disk> {
        match dl {
            0x00 => self.floppy.as_ref(),
            CDROM_DRIVE => self.cdrom.as_ref(),
            FIRST_HD..=0x83 => self.hard.get(usize::from(dl - FIRST_HD)),
            _ => None,
        }
    }

    /// Puts `disk` in `drive` (or empties it), returning what was there.
    /// A disk of the wrong kind is refused and handed back.
    pub fn change(&mut self, drive: Removable, disk: Option<Disk>) -> Result<Option<Disk>, Disk> {
        let (slot, kind) = match drive {
            Removable::Floppy => (&mut self.floppy, MediaKind::Floppy),
            Removable::Cdrom => (&mut self.cdrom, MediaKind::Cdrom),
        };
        match disk {
            Some(d) if d.kind != kind => Err(d),
            d => Ok(std::mem::replace(slot, d)),
        }
    }

    /// Number of floppy drives (0 or 1).
    pub fn floppies(&self) -> u8 {
        u8::from(self.floppy.is_some())
    }

    /// Flushes every writable drive.
    pub fn flush(&self) -> Result<(), DiskError> {
        for d in self.floppy.iter().chain(&self.hard) {
            d.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_matches_seabios_on_qemu() {
        // 64 MiB: 130/16/63, no translation.
        assert_eq!(
            Chs::logical(131072),
            Chs {
                cylinders: 130,
                heads: 16,
                sectors: 63
            }
        );
        // 1 GiB: LBA translation to 1024/32/63... clipped: t/h = 1040 -> 1024.
        assert_eq!(
            Chs::logical(2097152),
            Chs {
                cylinders: 1024,
                heads: 32,
                sectors: 63
            }
        );
        // 2 GiB: 520/128/63.
        assert_eq!(
            Chs::logical(4194304),
            Chs {
                cylinders: 520,
                heads: 128,
                sectors: 63
            }
        );
        // Over 8 GB: 1024/255/63.
        assert_eq!(
            Chs::logical(40_000_000),
            Chs {
                cylinders: 1024,
                heads: 255,
                sectors: 63
            }
        );
        // Tiny disks still have two cylinders.
        assert_eq!(Chs::logical(1).cylinders, 2);
    }

    #[test]
    fn reads_are_bounded() {
        let dir = std::env::temp_dir().join(format!("pbios-disk-{}", std::process::id()));
        std::fs::write(&dir, [7u8; 700]).unwrap();
        let d = Disk::open(&dir).unwrap();
        assert_eq!(d.sectors(), 2);
        let mut buf = [1u8; 1024];
        d.read(0, &mut buf).unwrap();
        assert!(buf[..700].iter().all(|&b| b == 7));
        assert!(
            buf[700..].iter().all(|&b| b == 0),
            "partial sector reads as zero"
        );
        assert!(d.read(1, &mut buf).is_err());
        assert!(d.read(u64::MAX, &mut buf[..512]).is_err());

        // Straight into guest RAM: the same bytes, the same bounds.
        use crate::mem::Memory;
        let mut ram = crate::mem::guest_ram(&[(0, 0x1000)]).unwrap();
        ram.write(0, &[1u8; 0x1000]).unwrap();
        d.read_into(0, &ram.ram_slice(0x100, 1024).unwrap())
            .unwrap();
        let mut got = [0u8; 0x1000];
        ram.read(0, &mut got).unwrap();
        assert_eq!(&got[0x100..0x100 + 1024], &buf[..]);
        assert!(
            got[..0x100].iter().chain(&got[0x500..]).all(|&b| b == 1),
            "nothing else"
        );
        assert!(d.read_into(1, &ram.ram_slice(0, 1024).unwrap()).is_err());
        std::fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn removable_media_change_and_eject() {
        let path = std::env::temp_dir().join(format!("pbios-media-{}.img", std::process::id()));
        std::fs::write(&path, vec![0u8; 1440 * 1024]).unwrap();
        let floppy = || Disk::attach(&path, MediaKind::Floppy, true).unwrap();
        let mut d = Drives::default();
        assert!(matches!(
            d.change(Removable::Floppy, Some(floppy())),
            Ok(None)
        ));
        assert_eq!(d.floppies(), 1);
        assert!(d.get(0x00).is_some());
        // A diskette is not a CD: refused and handed back, nothing changes.
        match d.change(Removable::Cdrom, Some(floppy())) {
            Err(back) => assert_eq!(back.kind(), MediaKind::Floppy),
            Ok(_) => panic!("a diskette went into the CD-ROM drive"),
        }
        assert!(d.get(CDROM_DRIVE).is_none());
        assert!(
            matches!(d.change(Removable::Floppy, None), Ok(Some(_))),
            "ejected"
        );
        assert_eq!(d.floppies(), 0);
        std::fs::remove_file(&path).unwrap();
    }
}
