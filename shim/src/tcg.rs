//! The TCG backend: the same ROM and the same services, with the guest run
//! by `qemu-system-x86_64 -accel tcg` and pbios driving it as a debugger.
//!
//! QEMU gets the pbios ROM as its BIOS, no disks of its own, COM1 and the
//! isa-debug-exit device at F4h, guest RAM in a file pbios maps too, and its
//! GDB stub on a private Unix socket. pbios puts a breakpoint on every trap
//! site the ROM header lists (the 256 stubs and the private-service trap).
//! At each hit it reads the registers, runs the same dispatcher as the KVM
//! backend ([`serve_trap`]), writes the registers back with IP past the
//! trap instruction, and continues.
//!
//! Memory: services read guest RAM straight from the shared mapping (the
//! vCPU is stopped, so it is coherent). Writes go into the mapping and also
//! through the stub's `M` packet, so that QEMU drops translated code the
//! write replaces (a bootloader loading over code it ran). Register and
//! memory writes are posted: their `OK`s are checked while the guest runs
//! on, which saves a round trip per call. After QEMU exits the mapping
//! stays, so tests read the guest's results as on KVM.
//!
//! QEMU never outlives pbios: it is killed on drop, and the kernel sends it
//! SIGKILL if pbios dies first (PR_SET_PDEATHSIG).

use crate::bios::Bios;
use crate::gdb::{parse_stop, GdbClient, GdbError, StopReply};
use crate::kvm::SerialOut;
use crate::mem::{Memory, OutOfRange};
use crate::memmap::{MemoryMap, PCI_HOLE_START};
use crate::regs::Regs;
use crate::rom::Rom;
use crate::serial::{SharedWriter, StreamPort};
use crate::services::Stop;
use crate::vcpu::{serve_trap, Exit, RunStats, TrapState, Vcpu};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thiserror::Error;
use vm_memory::{FileOffset, GuestAddress, GuestMemoryMmap, VolatileSlice};

/// The QEMU binary pbios runs when none is named ($PBIOS_QEMU overrides).
pub const DEFAULT_QEMU: &str = "qemu-system-x86_64";

/// How long QEMU may take to start and connect its sockets.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Host-side failures of the TCG backend, one per operation.
#[derive(Debug, Error)]
pub enum TcgError {
    #[error("{0} not found: install QEMU (apt install qemu-system-x86) or use --accel kvm")]
    QemuNotFound(String),
    #[error("cannot start {qemu}: {source}")]
    Spawn {
        qemu: String,
        source: std::io::Error,
    },
    #[error("cannot create a private directory for QEMU's sockets and RAM: {0}")]
    TempDir(std::io::Error),
    #[error("cannot create the guest RAM file: {0}")]
    RamFile(std::io::Error),
    #[error("cannot map guest RAM shared with QEMU: {0}")]
    MapRam(String),
    #[error("cannot listen for QEMU's {what} connection: {source}")]
    Listen {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("QEMU did not connect its {0} socket in time")]
    ConnectTimeout(&'static str),
    #[error("QEMU exited before the guest started: {0}")]
    EarlyExit(String),
    #[error("QEMU's GDB stub: {0}")]
    Gdb(#[from] GdbError),
    #[error("QEMU's register description lacks {0}")]
    RegisterLayout(String),
    #[error("QEMU stopped the guest unexpectedly ({what}) at {at}")]
    UnexpectedStop { what: String, at: String },
    #[error("QEMU ended abnormally: {0}")]
    QemuFailed(String),
    #[error("cannot wait for QEMU: {0}")]
    Wait(std::io::Error),
    #[error("cannot forward the guest's serial output: {0}")]
    Serial(std::io::Error),
}

/// Options of the TCG backend.
#[derive(Clone, Debug)]
pub struct TcgOptions {
    /// The QEMU binary (a name on $PATH or a path).
    pub qemu: PathBuf,
}

impl Default for TcgOptions {
    fn default() -> TcgOptions {
        TcgOptions {
            qemu: std::env::var_os("PBIOS_QEMU")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_QEMU)),
        }
    }
}

/// Where the fields pbios uses sit in QEMU's `g` register block, read from
/// the target description so that a QEMU with another layout still works.
#[derive(Clone, Debug)]
struct RegLayout {
    /// EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP (as in [`Regs`]).
    gprs: [usize; 8],
    rip: usize,
    eflags: usize,
    /// CS, DS, ES, SS, FS, GS (as in [`Regs::segments`]).
    segs: [usize; 6],
    cr0: Option<usize>,
    /// Bytes of the block pbios writes back: through the last field above,
    /// so that nothing after them (bases, control and FPU registers) is
    /// rewritten.
    write_len: usize,
}

impl RegLayout {
    /// Parses `<reg name=".." bitsize=".."/>` entries, in order.
    fn from_description(xml: &str) -> Result<RegLayout, TcgError> {
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
            let bits: usize = bits.parse().map_err(|_| bad())?;
            let num = match attr("regnum") {
                Some(n) => n.parse().map_err(|_| bad())?,
                None => next,
            };
            next = num + 1;
            regs.push((num, name, bits / 8));
        }
        regs.sort_by_key(|r| r.0);
        let mut offsets = std::collections::HashMap::new();
        let mut off = 0usize;
        for (_, name, size) in regs {
            offsets.entry(name).or_insert((off, size));
            off += size;
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
        Ok(RegLayout {
            gprs,
            rip: at("rip")?,
            eflags: at("eflags")?,
            segs,
            cr0: offsets.get("cr0").map(|&(o, _)| o),
            write_len,
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
    b.get(off..off + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Guest RAM for the services: reads from the shared mapping, writes
/// into it and, once the service is done, through the GDB stub too (so
/// QEMU sees them as stores and drops stale translations).
struct TcgMemory {
    ram: GuestMemoryMmap,
    gdb: GdbClient,
    /// Ranges written during this trap, to send through the stub before the
    /// guest resumes.
    dirty: Vec<(u64, usize)>,
    /// A failure of the connection during a service, reported after it.
    error: Option<GdbError>,
}

impl TcgMemory {
    /// Sends the trap's writes through the stub, each range as the mapping
    /// holds it now. Only now, after the service: QEMU applies a posted `M`
    /// whenever it reads it, so an `M` sent in the middle of a service could
    /// land after a later write to the same bytes and undo it (a teletype
    /// string's cursor went backwards that way).
    fn flush_writes(&mut self) -> Result<(), GdbError> {
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
        if !data.is_empty() {
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
enum CpuMode {
    Real,
    /// EFLAGS.VM: segments work as in real mode (EMM386, DOS boxes).
    Virtual8086,
    Protected,
}

/// What a breakpoint hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hit {
    /// A BIOS call or the POST's private trap: serve it.
    Trap,
    /// The reset vector, just after a reset (its breakpoint).
    Reset,
    /// Protected-mode code that happens to run at a trap site's address
    /// (with paging, any virtual address can): step over it untouched.
    Foreign(u64),
}

/// The linear address a reset starts at (CS base FFFF0000h + FFF0h).
const RESET_LINEAR: u64 = 0xFFFF_FFF0;

/// EFLAGS.VM.
const EFLAGS_VM: u32 = 1 << 17;

/// The stopped vCPU as the GDB stub shows it.
struct TcgVcpu {
    mem: TcgMemory,
    layout: RegLayout,
    /// Length of the ROM's trap instruction (IP moves past it).
    trap_len: u32,
    /// The register block read at this trap.
    block: Vec<u8>,
    /// A block read to classify the stop, not yet used by `trap_state`.
    fresh: Option<Vec<u8>>,
    /// Linear address of the ROM's private-service trap.
    private_trap: u32,
}

impl TcgVcpu {
    fn read_block(&mut self) -> Result<Vec<u8>, TcgError> {
        let b = self.mem.gdb.read_registers()?;
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
    fn classify(&mut self) -> Result<Hit, TcgError> {
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

/// A private directory, removed on drop.
struct PrivateDir(PathBuf);

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
    fn new(ram_bytes: u64) -> std::io::Result<PrivateDir> {
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
struct Qemu {
    child: Child,
    /// QEMU's stderr (an unlinked file), read when it fails.
    stderr: std::fs::File,
}

impl Qemu {
    /// The first line of QEMU's stderr that is not a warning, if any.
    fn complaint(&self) -> Option<String> {
        let line = self.stderr_line();
        (line != NO_MESSAGE && !line.contains("warning:")).then_some(line)
    }

    /// The first line QEMU wrote on stderr.
    fn stderr_line(&self) -> String {
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
fn accept(
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

/// A QEMU TCG virtual machine running the pbios ROM.
pub struct TcgMachine {
    vcpu: TcgVcpu,
    bios: Bios,
    serial: UnixStream,
    serial_out: SharedWriter,
    qemu: Qemu,
    _dir: PrivateDir,
    /// Guest stops taken (breakpoint hits) and the boot's timing.
    stats: RunStats,
    /// Whether the reset vector's breakpoint is in.
    reset_armed: bool,
    /// Not `Send`: QEMU gets SIGKILL when the *thread* that started it
    /// ends (PR_SET_PDEATHSIG), so the machine stays on that thread.
    _thread_bound: std::marker::PhantomData<*const ()>,
}

impl TcgMachine {
    /// Starts QEMU, connects to its GDB stub and COM1, and breaks on every
    /// trap site of the ROM. The guest has not run yet.
    pub fn new(
        rom: &Rom,
        rom_path: &Path,
        mut bios: Bios,
        serial_out: SerialOut,
        opts: &TcgOptions,
    ) -> Result<TcgMachine, TcgError> {
        // QEMU owns the UART: INT 14h output joins COM1's output stream.
        let shared_out = SharedWriter::new(serial_out);
        bios.set_com1(Box::new(StreamPort(shared_out.clone())));
        // QEMU's `pc` has a PIIX4 whose ACPI registers POST turns on.
        bios.set_piix4(true);
        let memmap = bios.memmap().clone();
        let dir = PrivateDir::new(memmap.total).map_err(TcgError::TempDir)?;
        let ram_path = dir.0.join("ram");
        let ram_file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&ram_path)
            .map_err(TcgError::RamFile)?;
        ram_file.set_len(memmap.total).map_err(TcgError::RamFile)?;
        let gdb_path = dir.0.join("gdb.sock");
        let com1_path = dir.0.join("com1.sock");
        let listen = |p: &Path, what| {
            UnixListener::bind(p).map_err(|source| TcgError::Listen { what, source })
        };
        let gdb_listener = listen(&gdb_path, "GDB")?;
        let com1_listener = listen(&com1_path, "COM1")?;
        let stderr_path = dir.0.join("qemu.err");
        let stderr = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&stderr_path)
            .map_err(TcgError::TempDir)?;

        let mut cmd = Command::new(&opts.qemu);
        cmd.args(qemu_args(
            &memmap,
            bios.platform().cpus,
            rom_path,
            &ram_path,
            &gdb_path,
            &com1_path,
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr.try_clone().map_err(TcgError::TempDir)?);
        let parent = std::process::id();
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // QEMU dies with pbios, even if pbios is killed.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
                // Its own process group: Ctrl-C reaches pbios, which then
                // ends QEMU, rather than QEMU quitting under pbios's feet.
                libc::setpgid(0, 0);
                Ok(())
            });
        }
        let qemu_name = opts.qemu.display().to_string();
        let child = cmd.spawn().map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                TcgError::QemuNotFound(qemu_name.clone())
            } else {
                TcgError::Spawn {
                    qemu: qemu_name.clone(),
                    source,
                }
            }
        })?;
        let mut qemu = Qemu { child, stderr };
        let serial = accept(&com1_listener, &mut qemu, "COM1")?;
        let gdb_stream = accept(&gdb_listener, &mut qemu, "GDB")?;
        let ram = shared_ram(&memmap, &ram_file)?;
        // QEMU builds the machine (and may fail) after it has connected, so
        // the setup talk is bounded in time, and a failure is QEMU's to
        // explain if it has exited.
        let setup = (|| -> Result<(GdbClient, RegLayout), TcgError> {
            gdb_stream
                .set_read_timeout(Some(START_TIMEOUT))
                .map_err(|e| TcgError::Gdb(e.into()))?;
            let mut gdb = GdbClient::connect(gdb_stream)?;
            // The stub answers only once QEMU's machine exists, with its RAM
            // file open: from then on nothing on disk is needed, so nothing
            // is left behind even if pbios is killed.
            for p in [&gdb_path, &com1_path, &ram_path, &stderr_path] {
                let _ = std::fs::remove_file(p);
            }
            let _ = std::fs::remove_dir(&dir.0);
            // Memory packets address physical memory, also when the guest
            // pages (virtual-8086 mode under a memory manager).
            gdb.request_ok(b"Qqemu.PhyMemMode:1")?;
            let layout = RegLayout::from_description(&target_description(&mut gdb)?)?;
            for site in rom.header.trap_sites() {
                gdb.insert_breakpoint(u64::from(site))?;
            }
            gdb.settle()?;
            gdb.set_read_timeout(None)?;
            Ok((gdb, layout))
        })();
        let (gdb, layout) = match setup {
            Ok(v) => v,
            Err(e) => {
                std::thread::sleep(Duration::from_millis(50));
                return Err(match qemu.child.try_wait() {
                    Ok(Some(_)) => TcgError::EarlyExit(qemu.stderr_line()),
                    _ => e,
                });
            }
        };
        serial.set_nonblocking(true).map_err(TcgError::Serial)?;
        Ok(TcgMachine {
            vcpu: TcgVcpu {
                mem: TcgMemory {
                    ram,
                    gdb,
                    dirty: Vec::new(),
                    error: None,
                },
                layout,
                trap_len: rom.header.trap_kind.bytes().len() as u32,
                block: Vec::new(),
                fresh: None,
                private_trap: rom.header.private_trap,
            },
            bios,
            serial,
            serial_out: shared_out,
            qemu,
            _dir: dir,
            stats: RunStats::default(),
            reset_armed: false,
            _thread_bound: std::marker::PhantomData,
        })
    }

    /// Guest RAM (shared with QEMU; still readable after QEMU has exited).
    pub fn memory(&self) -> &GuestMemoryMmap {
        &self.vcpu.mem.ram
    }

    pub fn bios(&self) -> &Bios {
        &self.bios
    }

    /// Runs the guest until it ends.
    /// What this run counted so far.
    pub fn stats(&self) -> RunStats {
        self.stats
    }

    pub fn run(&mut self) -> Result<Exit, TcgError> {
        match self.run_until_stop() {
            // QEMU can end (isa-debug-exit, a power-off) at any
            // moment, even while pbios talks to its stub.
            Err(e) if qemu_gone(&e) => self.finish(),
            other => other,
        }
    }

    fn run_until_stop(&mut self) -> Result<Exit, TcgError> {
        self.stats.start();
        loop {
            self.vcpu.mem.gdb.resume()?;
            match self.wait_stop()? {
                Some(StopReply::Signal(5)) => {
                    self.stats.exits += 1;
                    match self.vcpu.classify()? {
                        Hit::Foreign(addr) => {
                            self.step_over(addr)?;
                            continue;
                        }
                        Hit::Reset => {
                            return Ok(Exit::Reset(
                                "QEMU reset (i8042, port CF9h, ACPI reset or a triple fault)"
                                    .into(),
                            ))
                        }
                        Hit::Trap => {}
                    }
                    if !self.reset_armed {
                        // Armed after the first stop: the vCPU started on it.
                        self.vcpu.mem.gdb.insert_breakpoint(RESET_LINEAR)?;
                        self.reset_armed = true;
                    }
                    let stop = serve_trap(&mut self.bios, &mut self.vcpu)?;
                    self.stats.check_boot(&self.bios);
                    if let Some(stop) = stop {
                        return Ok(match stop {
                            Stop::NoBootDevice(why) => Exit::NoBootDevice(why),
                        });
                    }
                }
                Some(StopReply::Signal(sig)) => {
                    return Err(TcgError::UnexpectedStop {
                        what: format!("signal {sig}"),
                        at: self.where_now(),
                    })
                }
                Some(StopReply::Exited(_)) | Some(StopReply::Terminated(_)) | None => {
                    return self.finish();
                }
            }
        }
    }

    /// Runs one instruction at `addr` with its breakpoint lifted.
    fn step_over(&mut self, addr: u64) -> Result<(), TcgError> {
        self.vcpu.fresh = None;
        let gdb = &mut self.vcpu.mem.gdb;
        gdb.request_ok(format!("z0,{addr:x},1").as_bytes())?;
        gdb.send(b"s")?;
        match self.wait_stop()? {
            Some(StopReply::Signal(5)) => {}
            Some(other) => {
                return Err(TcgError::UnexpectedStop {
                    what: format!("{other:?} while stepping over {addr:#x}"),
                    at: self.where_now(),
                })
            }
            None => return Err(TcgError::Gdb(GdbError::Closed)),
        }
        self.vcpu.mem.gdb.insert_breakpoint(addr)?;
        Ok(())
    }

    /// Waits for a stop reply, forwarding COM1's output meanwhile. `None`
    /// when the stub's connection closed (QEMU exited).
    fn wait_stop(&mut self) -> Result<Option<StopReply>, TcgError> {
        loop {
            if let Some(p) = self.vcpu.mem.gdb.take_reply()? {
                // Output the guest wrote before stopping is already queued.
                self.drain_serial()?;
                if p.first() == Some(&b'O') {
                    continue; // console output from the stub
                }
                return Ok(Some(parse_stop(&p)?));
            }
            let mut fds = [
                libc::pollfd {
                    fd: self.vcpu.mem.gdb.raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: self.serial.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: `fds` is a valid array of two pollfd structures.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(TcgError::Gdb(GdbError::Io(e)));
            }
            if fds[1].revents != 0 {
                self.drain_serial()?;
            }
            if fds[0].revents != 0 {
                self.vcpu.mem.gdb.fill()?;
            }
        }
    }

    /// Copies what COM1 has to the serial output; true at end of stream.
    fn drain_serial(&mut self) -> Result<bool, TcgError> {
        let mut buf = [0u8; 4096];
        loop {
            match self.serial.read(&mut buf) {
                Ok(0) => {
                    let _ = self.serial_out.flush();
                    return Ok(true);
                }
                Ok(n) => self
                    .serial_out
                    .write_all(&buf[..n])
                    .map_err(TcgError::Serial)?,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let _ = self.serial_out.flush();
                    return Ok(false);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(true),
                Err(e) => return Err(TcgError::Serial(e)),
            }
        }
    }

    /// QEMU has gone: collect its output and status.
    fn finish(&mut self) -> Result<Exit, TcgError> {
        // The rest of COM1's output, until QEMU's end of it closes.
        let deadline = Instant::now() + Duration::from_secs(2);
        while let Ok(false) = self.drain_serial() {
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = self.qemu.child.wait().map_err(TcgError::Wait)?;
        // QEMU's own failures (an error exit, being killed by a signal it
        // handles) also end in status 0 or 1, which the guest can cause too;
        // they are the ones with a complaint on stderr.
        if let Some(complaint) = self.qemu.complaint() {
            return Err(TcgError::QemuFailed(format!("{status}: {complaint}")));
        }
        match (status.code(), status.signal()) {
            // isa-debug-exit: QEMU exits with (value << 1) | 1.
            (Some(code), _) if code & 1 == 1 => Ok(Exit::DebugExit((code >> 1) as u8)),
            // A reset stops at the reset vector's breakpoint instead, so a
            // clean exit is a power-off.
            (Some(0), _) => Ok(Exit::PowerOff(
                "QEMU powered off (ACPI S5 through the PIIX4's PM1a control)".into(),
            )),
            (Some(code), _) => Err(TcgError::QemuFailed(format!(
                "exit status {code}: {}",
                self.qemu.stderr_line()
            ))),
            (None, sig) => Err(TcgError::QemuFailed(format!(
                "killed by signal {}",
                sig.unwrap_or(0)
            ))),
        }
    }

    fn where_now(&mut self) -> String {
        match self.vcpu.trap_state() {
            Ok(s) => format!(
                "CS:IP={:04X}:{:04X} {}",
                s.regs.cs,
                s.regs.ip().wrapping_sub(self.vcpu.trap_len as u16),
                s.regs.summary()
            ),
            Err(_) => "unknown registers".into(),
        }
    }
}

/// Whether `e` means QEMU has gone (its end of the stub's socket closed).
fn qemu_gone(e: &TcgError) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    match e {
        TcgError::Gdb(GdbError::Closed) => true,
        TcgError::Gdb(GdbError::Io(io)) => {
            matches!(io.kind(), BrokenPipe | ConnectionReset | UnexpectedEof)
        }
        _ => false,
    }
}

/// QEMU's command line: a PC with no disks, our ROM, RAM in `ram_path`, the
/// GDB stub and COM1 on sockets pbios listens on, and isa-debug-exit at F4h.
fn qemu_args(
    memmap: &MemoryMap,
    cpus: u8,
    rom: &Path,
    ram: &Path,
    gdb: &Path,
    com1: &Path,
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
        format!("socket,id=pbios.gdb,path={}", path(gdb)),
        "-gdb".into(),
        "chardev:pbios.gdb".into(),
        "-chardev".into(),
        format!("socket,id=pbios.com1,path={}", path(com1)),
        "-serial".into(),
        "chardev:pbios.com1".into(),
        "-device".into(),
        format!("isa-debug-exit,iobase={:#x},iosize=1", abi::DEBUG_EXIT_PORT),
    ]
}

/// Maps the RAM file as QEMU lays it out: one block, the part below the PCI
/// hole at its own addresses, the rest from 4 GiB.
fn shared_ram(memmap: &MemoryMap, file: &std::fs::File) -> Result<GuestMemoryMmap, TcgError> {
    let mut ranges = Vec::new();
    for (start, size) in memmap.ram_ranges() {
        let offset = if start >= crate::memmap::HIGH_RAM_START {
            memmap.low_top + (start - crate::memmap::HIGH_RAM_START)
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
fn target_description(gdb: &mut GdbClient) -> Result<String, TcgError> {
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
        assert!(RegLayout::from_description("<reg name=\"rax\" bitsize=\"64\"/>").is_err());
    }

    #[test]
    fn qemu_gets_our_memory_layout() {
        let m = MemoryMap::new(5 * crate::memmap::GIB).unwrap();
        let args = qemu_args(
            &m,
            2,
            Path::new("/r/bios.bin"),
            Path::new("/d/ram"),
            Path::new("/d/g,x"),
            Path::new("/d/c"),
        );
        let s = args.join(" ");
        assert!(s.contains("max-ram-below-4g=3221225472"), "{s}");
        assert!(s.contains("-m 5242880k"), "{s}");
        assert!(s.contains("path=/d/g,,x"), "commas escaped: {s}");
        assert!(s.contains("isa-debug-exit,iobase=0xf4"), "{s}");
        assert!(s.contains("-smp 2"), "{s}");
        assert!(
            !s.contains("-no-reboot"),
            "a reset stops at the reset vector: {s}"
        );
    }
}
