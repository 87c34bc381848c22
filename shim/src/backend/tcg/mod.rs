//! The TCG backend: the same ROM and the same services, with the guest run
//! by `qemu-system-x86_64 -accel tcg` and pbios driving it as a debugger.
//!
//! QEMU gets the pbios ROM as its BIOS (with one change: its trap entry
//! jumps to the ROM's mailbox routine, `mailbox.rs`), no disks of its own,
//! COM1, a debug console on the trap port, the isa-debug-exit device at
//! F4h, guest RAM in a file pbios maps too, and its GDB stub on a private
//! Unix socket.
//!
//! A BIOS call goes through the mailbox: the guest leaves its registers on
//! its stack, sends SS:SP through the debug console and spins; pbios runs
//! the same dispatcher as the KVM backend ([`serve_trap`]) on them and
//! writes the answer back in shared RAM. Only a call whose memory writes
//! QEMU must see (it may hold translated code there) stops the guest: the
//! registers go back with `G`, the memory with `M`. The one breakpoint is
//! POST's private trap, swapped for the reset vector's once POST is done:
//! QEMU checks every breakpoint at every translation-block lookup, so each
//! one slows the guest down long after the BIOS is idle.
//!
//! Memory: services read guest RAM straight from the shared mapping (the
//! guest is stopped or spinning in the ROM, so it is coherent). Register
//! and memory writes through the stub are posted: their `OK`s are checked
//! while the guest runs on, which saves a round trip. After QEMU exits the
//! mapping stays, so tests read the guest's results as on KVM.
//!
//! QEMU never outlives pbios: it is killed on drop, and the kernel sends it
//! SIGKILL if pbios dies first (PR_SET_PDEATHSIG).

use super::{Accel, Backend, MachineError, MachineSpec, SerialIn, Stopper};
use crate::bios::Bios;
use crate::regs::Regs;
use crate::serial::{SharedWriter, StreamPort};
use crate::vcpu::{serve_trap, Exit, RunStats, Vcpu};
use gdb::{parse_stop, GdbClient, GdbError, StopReply};
use mailbox::{patch_rom, Answer, MailboxVcpu};
use qemu::{
    accept, qemu_args, qemu_gone, shared_ram, target_description, PrivateDir, Qemu, Sockets,
};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use vcpu::{video_ranges, Hit, RegLayout, TcgMemory, TcgVcpu, RESET_LINEAR};
use vm_memory::GuestMemoryMmap;

mod gdb;
mod mailbox;
mod qemu;
mod vcpu;

/// The QEMU binary pbios runs when none is named ($PBIOS_QEMU overrides).
pub const DEFAULT_QEMU: &str = "qemu-system-x86_64";

/// How long QEMU may take to start and connect its sockets.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Host-side failures of the TCG backend, one per operation.
#[derive(Debug, Error)]
#[allow(missing_docs)] // Each variant's message says what failed.
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
    #[error("the TCG backend keeps QEMU's ports: ACPI PM1a at 600h, reset at CF9h")]
    Ports,
    #[error("the TCG backend needs pbios's default memory layout (QEMU lays out -m itself)")]
    Layout,
    #[error("cannot write the ROM for QEMU: {0}")]
    RomFile(std::io::Error),
}

/// Runs everything that parses QEMU's replies on `data` as if QEMU had
/// sent it: packet framing, escapes and run lengths, hex, stop replies and
/// the target description. For the fuzzer (`cargo xtask fuzz`): none of it
/// may panic or grow without bound, whatever the bytes.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_gdb_replies(data: &[u8]) {
    let _ = gdb::decode(data);
    let _ = gdb::from_hex(data);
    let _ = gdb::parse_stop(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(layout) = RegLayout::from_description(&text) {
        // A register block of any length read with that layout.
        let _ = vcpu::fuzz_block(&layout, data);
    }
    let Ok((ours, mut theirs)) = UnixStream::pair() else {
        return;
    };
    if theirs.write_all(data).is_err() {
        return;
    }
    drop(theirs);
    let mut client = GdbClient::on(ours, false);
    while let Ok(packet) = client.recv() {
        let _ = gdb::parse_stop(&packet);
    }
}

/// What woke the run loop.
enum Event {
    /// A stop reply (`None`: the stub's connection closed).
    Stop(Option<StopReply>),
    /// A BIOS call in the mailbox at SS:SP.
    Mailbox { ss: u16, sp: u16 },
    /// A [`Stopper`] asked the run to end.
    Requested,
}

/// What a [`Stopper`] of this machine shares with its run loop: the reason,
/// and the socket whose byte wakes the loop's poll.
struct StopRequest {
    why: Mutex<Option<String>>,
    wake: UnixStream,
}

/// How a mailbox call left the guest.
enum Served {
    /// Still running: answered through the mailbox.
    Running,
    /// Stopped, with its new registers written: resume it.
    Stopped,
    /// The run ends.
    End(Exit),
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

/// A QEMU TCG virtual machine running the pbios ROM.
pub struct TcgMachine {
    vcpu: TcgVcpu,
    bios: Bios,
    serial: UnixStream,
    /// The debug console on the trap port: SS:SP of each mailbox call.
    trap: UnixStream,
    /// Bytes read from `trap` not yet taken as a call.
    trap_inbox: Vec<u8>,
    /// Whether a stray byte on the trap port has been logged.
    stray_logged: bool,
    /// What `drain_serial` reads COM1 into (allocated once).
    serial_buf: Box<[u8]>,
    serial_out: SharedWriter,
    /// Stop requests: the shared reason, and the socket they wake.
    stop: Arc<StopRequest>,
    stop_rx: UnixStream,
    qemu: Qemu,
    _dir: PrivateDir,
    /// Guest stops taken (breakpoint hits) and the boot's timing.
    stats: RunStats,
    /// Whether the reset vector's breakpoint is in (in place of the private
    /// trap's, once POST is done).
    reset_armed: bool,
    /// Not `Send`: QEMU gets SIGKILL when the *thread* that started it
    /// ends (PR_SET_PDEATHSIG), so the machine stays on that thread.
    _thread_bound: std::marker::PhantomData<*const ()>,
}

impl TcgMachine {
    /// Starts QEMU, connects to its GDB stub and COM1, and breaks on the
    /// ROM's two trap sites. The guest has not run yet.
    pub fn new(spec: MachineSpec, opts: &TcgOptions) -> Result<TcgMachine, TcgError> {
        let MachineSpec {
            rom,
            memmap,
            platform,
            devices,
            serial_out,
        } = spec;
        let platform = platform.clamped();
        if !memmap.is_default() {
            return Err(TcgError::Layout);
        }
        if platform.pm_base != crate::platform::PM_BASE
            || platform.reset_port != crate::platform::RESET_CONTROL_PORT
        {
            return Err(TcgError::Ports);
        }
        // QEMU owns the UART: INT 14h output joins COM1's output stream.
        let shared_out = SharedWriter::new(serial_out);
        // QEMU's `pc` has a PIIX4 whose ACPI registers POST turns on.
        let bios = Bios::builder(rom.header, memmap.clone(), devices)
            .platform(platform.clone())
            .com1(Box::new(StreamPort(shared_out.clone())))
            .qemu_pc(true)
            .build();
        let dir = PrivateDir::new(memmap.total).map_err(TcgError::TempDir)?;
        let ram_path = dir.0.join("ram");
        let ram_file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&ram_path)
            .map_err(TcgError::RamFile)?;
        ram_file.set_len(memmap.total).map_err(TcgError::RamFile)?;
        let rom_path = dir.0.join("bios.bin");
        // QEMU's copy of the ROM: the mailbox jump and the SMBIOS entry points.
        let mut image = patch_rom(&rom.bytes, &rom.header);
        crate::rom::patch(&mut image, &platform, &memmap);
        std::fs::write(&rom_path, image).map_err(TcgError::RomFile)?;
        let gdb_path = dir.0.join("gdb.sock");
        let com1_path = dir.0.join("com1.sock");
        let trap_path = dir.0.join("trap.sock");
        let listen = |p: &Path, what| {
            UnixListener::bind(p).map_err(|source| TcgError::Listen { what, source })
        };
        let gdb_listener = listen(&gdb_path, "GDB")?;
        let com1_listener = listen(&com1_path, "COM1")?;
        let trap_listener = listen(&trap_path, "trap port")?;
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
            platform.cpus,
            &rom_path,
            &ram_path,
            &Sockets {
                gdb: &gdb_path,
                com1: &com1_path,
                trap: &trap_path,
            },
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
        let trap = accept(&trap_listener, &mut qemu, "trap port")?;
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
            for p in [
                &gdb_path,
                &com1_path,
                &trap_path,
                &ram_path,
                &stderr_path,
                &rom_path,
            ] {
                let _ = std::fs::remove_file(p);
            }
            let _ = std::fs::remove_dir(&dir.0);
            // Memory packets address physical memory, also when the guest
            // pages (virtual-8086 mode under a memory manager).
            gdb.request_ok(b"Qqemu.PhyMemMode:1")?;
            let layout = RegLayout::from_description(&target_description(&mut gdb)?)?;
            // BIOS calls come through the mailbox (the trap entry jumps
            // there in QEMU's copy of the ROM); only POST's private trap
            // needs a breakpoint.
            gdb.insert_breakpoint(u64::from(rom.header.private_trap))?;
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
        trap.set_nonblocking(true).map_err(TcgError::Serial)?;
        let (wake, stop_rx) = UnixStream::pair().map_err(TcgError::Serial)?;
        wake.set_nonblocking(true).map_err(TcgError::Serial)?;
        Ok(TcgMachine {
            vcpu: TcgVcpu {
                mem: TcgMemory {
                    ram,
                    gdb,
                    dirty: Vec::new(),
                    error: None,
                    video: video_ranges(&memmap),
                },
                layout,
                trap_len: rom.header.trap_kind.bytes().len() as u32,
                block: Vec::new(),
                fresh: None,
                private_trap: rom.header.private_trap,
            },
            bios,
            serial,
            trap,
            trap_inbox: Vec::new(),
            stray_logged: false,
            serial_buf: vec![0u8; 4096].into_boxed_slice(),
            serial_out: shared_out,
            stop: Arc::new(StopRequest {
                why: Mutex::new(None),
                wake,
            }),
            stop_rx,
            qemu,
            _dir: dir,
            stats: RunStats::default(),
            reset_armed: false,
            _thread_bound: std::marker::PhantomData,
        })
    }

    /// Runs the guest until it ends.
    fn run_machine(&mut self) -> Result<Exit, TcgError> {
        match self.run_until_stop() {
            // QEMU can end (isa-debug-exit, a power-off) at any
            // moment, even while pbios talks to its stub.
            Err(e) if qemu_gone(&e) => self.finish(),
            other => other,
        }
    }

    fn run_until_stop(&mut self) -> Result<Exit, TcgError> {
        self.stats.start();
        let mut running = false;
        loop {
            if !running {
                self.vcpu.mem.gdb.resume()?;
                running = true;
            }
            match self.wait_event(true)? {
                Event::Mailbox { ss, sp } => match self.serve_mailbox(ss, sp)? {
                    Served::Running => {}
                    Served::Stopped => running = false,
                    Served::End(exit) => return Ok(exit),
                },
                Event::Requested => {
                    let _ = self.drain_serial();
                    let why = match self.stop.why.lock() {
                        Ok(mut w) => w.take(),
                        Err(p) => p.into_inner().take(),
                    };
                    return Ok(Exit::Stopped(why.unwrap_or_default()));
                }
                Event::Stop(Some(StopReply::Signal(5))) => {
                    running = false;
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
                    let stop = serve_trap(&mut self.bios, &mut self.vcpu)?;
                    if !self.reset_armed && self.bios.stats.post_done.is_some() {
                        // POST is done with its private trap: its breakpoint
                        // makes way for the reset vector's, so that one at a
                        // time slows the guest down (QEMU checks each one at
                        // every translation-block lookup).
                        let gdb = &mut self.vcpu.mem.gdb;
                        gdb.remove_breakpoint(u64::from(self.vcpu.private_trap))?;
                        gdb.insert_breakpoint(RESET_LINEAR)?;
                        self.reset_armed = true;
                    }
                    self.stats.check_boot(&self.bios);
                    if let Some(stop) = stop {
                        return Ok(stop.into());
                    }
                }
                Event::Stop(Some(StopReply::Signal(sig))) => {
                    return Err(TcgError::UnexpectedStop {
                        what: format!("signal {sig}"),
                        at: self.where_now(),
                    })
                }
                Event::Stop(Some(StopReply::Exited(_)))
                | Event::Stop(Some(StopReply::Terminated(_)))
                | Event::Stop(None) => {
                    return self.finish();
                }
            }
        }
    }

    /// Serves the call waiting in the mailbox at SS:SP while the guest
    /// spins in the ROM: through the mailbox when it can carry the answer,
    /// else with the guest stopped.
    fn serve_mailbox(&mut self, ss: u16, sp: u16) -> Result<Served, TcgError> {
        let header = *self.bios.header();
        let mut v = MailboxVcpu {
            mem: &mut self.vcpu.mem,
            header: &header,
            ss,
            sp,
            answer: Answer::Ignored,
        };
        if log::log_enabled!(target: "pbios::gdb", log::Level::Trace) {
            log::trace!(
                target: "pbios::gdb",
                "{:>12.1} mailbox <- {ss:04X}:{sp:04X}",
                v.mem.gdb.since.elapsed().as_secs_f64() * 1e6
            );
        }
        if !v.is_mailbox() {
            // Not SS:SP of a call: a byte some other code wrote to the port.
            // Drop one and look again.
            self.trap_inbox.drain(..1);
            if !self.stray_logged {
                log::warn!("a byte on the trap port that is no BIOS call: ignored");
                self.stray_logged = true;
            }
            return Ok(Served::Running);
        }
        self.trap_inbox.drain(..4);
        let stop = serve_trap(&mut self.bios, &mut v)?;
        let answer = std::mem::replace(&mut v.answer, Answer::Ignored);
        if log::log_enabled!(target: "pbios::gdb", log::Level::Trace) {
            let how = match answer {
                Answer::Stop(_) => "stop",
                _ => "answered",
            };
            log::trace!(
                target: "pbios::gdb",
                "{:>12.1} mailbox -> {how}",
                v.mem.gdb.since.elapsed().as_secs_f64() * 1e6
            );
        }
        self.stats.exits += 1;
        self.stats.check_boot(&self.bios);
        let served = match answer {
            Answer::Mailbox | Answer::Ignored => Served::Running,
            Answer::Stop(regs) => {
                self.stop_with(regs)?;
                Served::Stopped
            }
        };
        match stop {
            Some(stop) => Ok(Served::End(stop.into())),
            None => Ok(served),
        }
    }

    /// Stops the guest (spinning in the mailbox) and gives it `regs` and
    /// the service's memory writes through the stub, as a breakpoint's
    /// call is answered. The guest resumes where `regs` say, not in the
    /// mailbox.
    fn stop_with(&mut self, mut regs: Regs) -> Result<(), TcgError> {
        // In QEMU's copy of the ROM the trap entry is a jump, so a call that
        // resumes at its IRET (from virtual-8086 mode) goes to another IRET.
        let header = *self.bios.header();
        if regs.cs == abi::ROM_SEGMENT && regs.ip() == mailbox::entry_iret(&header) {
            regs.set_ip(abi::rom::DUMMY_IRET);
        }
        // The guest must be stopped in the mailbox's wait loop, not in
        // code of its own (a V86 monitor's interrupt handler): else let it
        // run a little and stop it again.
        let spin = header.mailbox_entry..header.mailbox_entry.saturating_add(0x50);
        for attempt in 0.. {
            self.vcpu.mem.gdb.interrupt()?;
            match self.wait_event(false)? {
                Event::Stop(Some(StopReply::Signal(_))) => {}
                Event::Stop(Some(_)) | Event::Stop(None) => {
                    return Err(TcgError::Gdb(GdbError::Closed))
                }
                Event::Mailbox { .. } | Event::Requested => {
                    unreachable!("wait_event(false) takes no mailbox call and no stop request")
                }
            }
            let (cs, ip) = self.vcpu.where_stopped()?;
            if (cs == abi::ROM_SEGMENT && spin.contains(&ip)) || attempt >= 1000 {
                break;
            }
            self.vcpu.mem.gdb.resume()?;
            std::thread::sleep(Duration::from_micros(50));
        }
        self.vcpu.stopped_at(&mut regs)?;
        self.vcpu.set_regs(&regs.clone(), &regs)?;
        Ok(())
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
        match self.wait_event(false)? {
            Event::Stop(s) => Ok(s),
            Event::Mailbox { .. } | Event::Requested => {
                unreachable!("wait_event(false) takes no mailbox call and no stop request")
            }
        }
    }

    /// Waits for a stop reply or (if `mailbox`) a mailbox call, forwarding
    /// COM1's output meanwhile.
    fn wait_event(&mut self, mailbox: bool) -> Result<Event, TcgError> {
        loop {
            if mailbox && self.trap_inbox.len() >= 4 {
                // Taken off the inbox by `serve_mailbox`: four bytes for a
                // call, one for a stray byte (so that the next call's four
                // line up again).
                let b = &self.trap_inbox;
                return Ok(Event::Mailbox {
                    sp: u16::from_le_bytes([b[0], b[1]]),
                    ss: u16::from_le_bytes([b[2], b[3]]),
                });
            }
            if let Some(p) = self.vcpu.mem.gdb.take_reply()? {
                // Output the guest wrote before stopping is already queued.
                self.drain_serial()?;
                if p.first() == Some(&b'O') {
                    continue; // console output from the stub
                }
                return Ok(Event::Stop(Some(parse_stop(&p)?)));
            }
            let mut fds = [
                self.vcpu.mem.gdb.raw_fd(),
                self.serial.as_raw_fd(),
                self.trap.as_raw_fd(),
                self.stop_rx.as_raw_fd(),
            ]
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
            // Stop requests wait while the guest is being stopped for an
            // answer (`mailbox` false): they are taken between calls.
            let nfds = if mailbox { 4 } else { 3 };
            // SAFETY: `fds` is a valid array of at least `nfds` pollfds.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), nfds, -1) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(TcgError::Gdb(GdbError::Io(e)));
            }
            if fds[2].revents != 0 {
                self.read_trap_port();
            }
            if fds[1].revents != 0 {
                self.drain_serial()?;
            }
            if fds[0].revents != 0 {
                self.vcpu.mem.gdb.fill()?;
            }
            if mailbox && fds[3].revents != 0 {
                return Ok(Event::Requested);
            }
        }
    }

    /// Takes what the trap port's debug console has. At most a few calls'
    /// bytes are ever waiting (the guest waits for each answer), so a flood
    /// is stray output, dropped with a log line.
    fn read_trap_port(&mut self) {
        const MAX: usize = 4096;
        let mut buf = [0u8; 256];
        loop {
            match self.trap.read(&mut buf) {
                Ok(0) => return, // QEMU's end closed: the stub says why
                Ok(n) => {
                    if self.trap_inbox.len() + n > MAX {
                        log::warn!("more than {MAX} bytes on the trap port: dropped");
                        self.trap_inbox.clear();
                    }
                    self.trap_inbox.extend_from_slice(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// Copies what COM1 has to the serial output; true at end of stream.
    fn drain_serial(&mut self) -> Result<bool, TcgError> {
        let buf = &mut self.serial_buf[..];
        loop {
            match self.serial.read(buf) {
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

impl Backend for TcgMachine {
    fn run(&mut self) -> Result<Exit, MachineError> {
        Ok(self.run_machine()?)
    }

    /// Guest RAM (shared with QEMU; still readable after QEMU has exited).
    fn memory(&self) -> &GuestMemoryMmap {
        &self.vcpu.mem.ram
    }

    fn bios(&self) -> &Bios {
        &self.bios
    }

    fn stats(&self) -> RunStats {
        self.stats
    }

    fn accel(&self) -> Accel {
        Accel::Tcg
    }

    fn stopper(&self) -> Stopper {
        let stop = self.stop.clone();
        Stopper::new(move |why| {
            if let Ok(mut w) = stop.why.lock() {
                w.get_or_insert(why);
            }
            let _ = (&stop.wake).write(&[1]);
        })
    }

    fn serial_input(&self) -> Result<SerialIn, MachineError> {
        let sock = self.serial.try_clone().map_err(TcgError::Serial)?;
        Ok(Box::new(SocketInput(sock)))
    }
}

/// Bytes for COM1's receiver: QEMU's serial chardev socket (non-blocking,
/// as the run loop reads it), so a full socket buffer is waited out here.
struct SocketInput(UnixStream);

impl Write for SocketInput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
