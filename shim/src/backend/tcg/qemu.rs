//! The QEMU process behind the TCG backend: its private directory, its
//! command line, its RAM file mapped on pbios's side, and its end.

use super::gdb::{GdbClient, GdbError};
use super::{TcgError, START_TIMEOUT};
use crate::memmap::{MemoryMap, PCI_HOLE_START};
use std::io::Read;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};
use vm_memory::{FileOffset, GuestAddress, GuestMemoryMmap};

/// A private directory, removed on drop.
pub(super) struct PrivateDir(pub(super) PathBuf);

/// Bytes free for this user on the file system holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return 0;
    };
    // SAFETY: a zeroed statvfs is a valid out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return 0;
    }
    st.f_bavail.saturating_mul(st.f_frsize)
}

impl PrivateDir {
    /// A new private directory with room for `ram_bytes` of guest RAM.
    pub(super) fn new(ram_bytes: u64) -> std::io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        // Guest RAM lives here: memory-backed /dev/shm when it has room for
        // all of it (a full tmpfs would fault when a page is first touched),
        // else the temporary directory.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() && free_bytes(shm) >= ram_bytes {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "pbios-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(PrivateDir(dir))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A QEMU process, killed on drop.
pub(super) struct Qemu {
    pub(super) child: Child,
    /// QEMU's stderr (an unlinked file), read when it fails.
    pub(super) stderr: std::fs::File,
}

impl Qemu {
    /// The first line of QEMU's stderr that is not a warning, if any.
    pub(super) fn complaint(&self) -> Option<String> {
        let line = self.stderr_line();
        (line != NO_MESSAGE && !line.contains("warning:")).then_some(line)
    }

    /// The first line QEMU wrote on stderr.
    pub(super) fn stderr_line(&self) -> String {
        use std::io::Seek;
        let mut text = String::new();
        let mut f = &self.stderr;
        let _ = f.seek(std::io::SeekFrom::Start(0));
        let _ = f.read_to_string(&mut text);
        text.lines()
            .find(|l| !l.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| NO_MESSAGE.into())
    }
}

/// What [`Qemu::stderr_line`] says when QEMU said nothing.
const NO_MESSAGE: &str = "no message";

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Accepts one connection on `listener` while QEMU is alive.
pub(super) fn accept(
    listener: &UnixListener,
    qemu: &mut Qemu,
    what: &'static str,
) -> Result<UnixStream, TcgError> {
    listener
        .set_nonblocking(true)
        .map_err(|source| TcgError::Listen { what, source })?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)
                    .map_err(|source| TcgError::Listen { what, source })?;
                return Ok(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(source) => return Err(TcgError::Listen { what, source }),
        }
        if let Ok(Some(_)) = qemu.child.try_wait() {
            return Err(TcgError::EarlyExit(qemu.stderr_line()));
        }
        if Instant::now() > deadline {
            return Err(TcgError::ConnectTimeout(what));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Whether `e` means QEMU has gone (its end of the stub's socket closed).
pub(super) fn qemu_gone(e: &TcgError) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    match e {
        TcgError::Gdb(GdbError::Closed) => true,
        TcgError::Gdb(GdbError::Io(io)) => {
            matches!(io.kind(), BrokenPipe | ConnectionReset | UnexpectedEof)
        }
        _ => false,
    }
}

/// The sockets QEMU connects to pbios.
pub(super) struct Sockets<'a> {
    /// The GDB stub.
    pub(super) gdb: &'a Path,
    /// COM1.
    pub(super) com1: &'a Path,
    /// The debug console on the trap port, which the ROM's mailbox writes.
    pub(super) trap: &'a Path,
}

/// QEMU's command line: a PC with no disks, our ROM, RAM in `ram_path`, the
/// GDB stub, COM1 and a debug console on the trap port on sockets pbios
/// listens on, isa-debug-exit at F4h, and an ISA VGA for its registers.
pub(super) fn qemu_args(
    memmap: &MemoryMap,
    cpus: u8,
    rom: &Path,
    ram: &Path,
    sockets: &Sockets<'_>,
) -> Vec<String> {
    let total = memmap.total;
    let path = |p: &Path| p.display().to_string().replace(',', ",,");
    vec![
        "-accel".into(),
        "tcg".into(),
        // The PCI hole where pbios's memory map has it (QEMU's i440FX
        // default would keep up to 3.5 GiB below 4 GiB).
        "-machine".into(),
        format!(
            "pc,max-ram-below-4g={},memory-backend=pbios.ram",
            PCI_HOLE_START
        ),
        "-m".into(),
        format!("{}k", total / 1024),
        "-object".into(),
        format!(
            "memory-backend-file,id=pbios.ram,size={total},mem-path={},share=on",
            path(ram)
        ),
        "-bios".into(),
        path(rom),
        "-nodefaults".into(),
        "-no-user-config".into(),
        "-display".into(),
        "none".into(),
        "-smp".into(),
        cpus.to_string(),
        "-S".into(),
        "-chardev".into(),
        format!("socket,id=pbios.gdb,path={}", path(sockets.gdb)),
        "-gdb".into(),
        "chardev:pbios.gdb".into(),
        "-chardev".into(),
        format!("socket,id=pbios.com1,path={}", path(sockets.com1)),
        "-serial".into(),
        "chardev:pbios.com1".into(),
        "-chardev".into(),
        format!("socket,id=pbios.trap,path={}", path(sockets.trap)),
        "-device".into(),
        format!(
            "isa-debugcon,iobase={:#x},chardev=pbios.trap",
            abi::TRAP_PORT
        ),
        "-device".into(),
        format!("isa-debug-exit,iobase={:#x},iosize=1", abi::DEBUG_EXIT_PORT),
        // VGA's registers (3B4h-3DFh) for the guest's own port I/O: the
        // retrace bit toggles, the CRTC and the DAC read back what was
        // written. Its memory stays behind the RAM POST opens at A0000h.
        "-device".into(),
        "isa-vga".into(),
    ]
}

/// Maps the RAM file as QEMU lays it out: one block, the part below the PCI
/// hole at its own addresses, the rest from 4 GiB.
pub(super) fn shared_ram(
    memmap: &MemoryMap,
    file: &std::fs::File,
) -> Result<GuestMemoryMmap, TcgError> {
    let mut ranges = Vec::new();
    for (start, size) in memmap.ram_ranges() {
        let offset = if start >= abi::layout::HIGH_RAM_START {
            memmap.low_top + (start - abi::layout::HIGH_RAM_START)
        } else {
            start
        };
        let f = file
            .try_clone()
            .map_err(|e| TcgError::MapRam(e.to_string()))?;
        ranges.push((GuestAddress(start), size, Some(FileOffset::new(f, offset))));
    }
    GuestMemoryMmap::from_ranges_with_files(ranges.iter().map(|(a, s, f)| (*a, *s, f.clone())))
        .map_err(|e| TcgError::MapRam(e.to_string()))
}

/// The stub's target description, with its includes.
pub(super) fn target_description(gdb: &mut GdbClient) -> Result<String, TcgError> {
    let top = gdb.read_feature("target.xml")?;
    let mut all = top.clone();
    for part in top.split("<xi:include href=\"").skip(1) {
        if let Some(end) = part.find('"') {
            all += &gdb.read_feature(&part[..end])?;
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memmap::MemoryMap;

    #[test]
    fn qemu_gets_our_memory_layout() {
        let m = MemoryMap::new(5 * crate::memmap::GIB).unwrap();
        let args = qemu_args(
            &m,
            2,
            Path::new("/r/bios.bin"),
            Path::new("/d/ram"),
            &Sockets {
                gdb: Path::new("/d/g,x"),
                com1: Path::new("/d/c"),
                trap: Path::new("/d/t"),
            },
        );
        let s = args.join(" ");
        assert!(s.contains("max-ram-below-4g=3221225472"), "{s}");
        assert!(s.contains("-m 5242880k"), "{s}");
        assert!(s.contains("path=/d/g,,x"), "commas escaped: {s}");
        assert!(s.contains("isa-debug-exit,iobase=0xf4"), "{s}");
        assert!(s.contains("-smp 2"), "{s}");
        assert!(s.contains("isa-debugcon,iobase=0xe7"), "{s}");
        assert!(
            !s.contains("-no-reboot"),
            "a reset stops at the reset vector: {s}"
        );
    }
}
