//! `pbios`: boot a disk image with the pbios ROM and shim, on KVM or on
//! QEMU's TCG.

mod console;
mod script;

use clap::Parser;
use console::{Console, Display, SerialDest, Setup, STOP_EXPECT, STOP_QUIT, STOP_TIMEOUT};
use pbios::boot::{boot_image, BootDevice};
use pbios::clock::HostClock;
use pbios::disk::{Attach, Disk, Drives, MediaKind};
use pbios::image::ImageFormat;
use pbios::keyboard::ChannelKeys;
use pbios::memmap::{parse_mem_size, MemoryMap};
use pbios::platform::Platform;
use pbios::screen::Frame;
use pbios::{Accel, Devices, Exit, Machine, MachineSpec, Rom, TraceFormat};
use std::os::fd::RawFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// Boot a legacy-BIOS disk image in a virtual machine whose BIOS services
/// are served on the host.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// CPUs (1-64): the boot CPU runs the firmware, the others wait for
    /// INIT/SIPI; the MP table (and ACPI's MADT) list them all.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=pbios::platform::MAX_CPUS as i64))]
    cpus: u8,
    /// Publish no ACPI tables (the MP table is always there). Without
    /// them an OS cannot power the machine off.
    #[arg(long)]
    no_acpi: bool,
    /// SMBIOS type 1 (system) fields, as QEMU's -smbios takes them:
    /// type=1,manufacturer=M,product=P,version=V,serial=S,sku=K,family=F,uuid=U.
    #[arg(long, value_name = "type=1,FIELD=VALUE,...")]
    smbios: Vec<String>,
    /// Guest RAM as QEMU's -m takes it: a bare number is MiB (512), or a
    /// size with K, M, G or T (128M, 1.5G); whole 4 KiB pages.
    #[arg(long, short = 'm', default_value = "128M", value_parser = parse_mem)]
    mem: u64,
    /// A pbios ROM image to use instead of the built-in one (also $PBIOS_ROM).
    #[arg(long)]
    rom: Option<PathBuf>,
    /// Accelerator: kvm (/dev/kvm), tcg (QEMU's emulator: qemu-system-x86_64,
    /// or $PBIOS_QEMU), or auto (kvm when /dev/kvm is usable, else tcg).
    #[arg(long, default_value = "kvm", value_parser = parse_accel)]
    accel: Accel,
    /// Print one line per BIOS call on stderr: a time stamp, the caller's
    /// CS:IP, the function, registers in and out, the status, and decoded
    /// disk packets and E820 entries.
    #[arg(long)]
    trace: bool,
    /// Write --trace's lines to PATH instead (implies --trace).
    #[arg(long, value_name = "PATH")]
    trace_file: Option<PathBuf>,
    /// --trace's lines as text or as one JSON object per line.
    #[arg(long, value_name = "text|json", default_value = "text", value_parser = parse_trace_format)]
    trace_format: TraceFormat,
    /// At exit, print one line on stderr: the firmware's time from the reset
    /// vector to the boot sector's first instruction, with the exits and BIOS
    /// calls it took, then the same for the whole run.
    #[arg(long)]
    stats: bool,
    /// Single-step the firmware (KVM only) and add its guest instruction
    /// count to --stats's line (which this implies); its time then means
    /// nothing.
    #[arg(long)]
    count_instructions: bool,
    /// Diskette image for drive 00h (360K, 720K, 1.2M, 1.44M or 2.88M).
    #[arg(long, value_name = "IMG")]
    floppy: Option<PathBuf>,
    /// ISO image for the CD-ROM, drive E0h (El Torito: a no-emulation image,
    /// or a diskette or hard-disk image the BIOS emulates as drive 00h/80h).
    #[arg(long, value_name = "ISO")]
    cdrom: Option<PathBuf>,
    /// Boot order: a comma-separated list of floppy, disk and cdrom (or
    /// QEMU's a, c, d). Devices not attached are skipped.
    #[arg(long, default_value = "floppy,disk,cdrom", value_parser = parse_boot)]
    boot: BootOrder,
    /// Never write to the disk and floppy images: guest writes fail with
    /// "write protected" (03h), as with QEMU's readonly=on.
    #[arg(long)]
    read_only: bool,
    /// Keep every guest write in memory and leave the image files
    /// untouched (QEMU's -snapshot): the guest sees its writes until pbios
    /// exits.
    #[arg(long)]
    snapshot: bool,
    /// The images' format: raw or qcow2 (qcow2 images may have backing
    /// files). By default it is read from each file.
    #[arg(long, value_name = "raw|qcow2", value_parser = parse_format)]
    format: Option<ImageFormat>,
    /// Where the guest's text screen goes: tty (drawn live in this
    /// terminal; the default when standard output is one) or none.
    #[arg(long, value_name = "tty|none", value_parser = parse_display)]
    display: Option<Display>,
    /// Where COM1 goes: stdio (standard output, with standard input typed
    /// into it once the guest uses it), file=PATH, or none.
    #[arg(long, value_name = "stdio|file=PATH|none", default_value = "stdio", value_parser = parse_serial)]
    serial: SerialDest,
    /// Keys to type, with waits: "text", <Key> (<Enter>, <Down>, <F1>,
    /// <Ctrl-C>, <Alt-X>), wait:"TEXT" (on the screen or serial line),
    /// sleep:SECONDS. Example: --keys 'wait:"GNU GRUB" <Down> <Enter>'.
    #[arg(long, value_name = "SCRIPT", value_parser = parse_script)]
    keys: Option<Script>,
    /// End the run with status 0 as soon as TEXT is on COM1, in INT 10h's
    /// output or anywhere in text video memory (status 1 if the run ends
    /// otherwise without it).
    #[arg(long, value_name = "TEXT")]
    expect: Option<String>,
    /// End the run with status 124 after SECONDS if nothing else ended it.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<std::time::Duration>,
    /// When the run ends (for any reason), write the text screen as a PNG
    /// (8x16 font, the 16 VGA colours). Ctrl-A s writes it at any time.
    #[arg(long, value_name = "FILE.png")]
    screenshot: Option<PathBuf>,
    /// When the run ends, write the text screen as UTF-8 text (from code
    /// page 437), one line per row.
    #[arg(long, value_name = "FILE")]
    screen_text: Option<PathBuf>,
    /// Hard disk images (raw or qcow2): drive 80h, then 81h-83h.
    #[arg(value_name = "DISK", num_args = 0..=4)]
    disks: Vec<PathBuf>,
}

/// `--boot`'s value (a newtype: clap reads a bare `Vec` as a repeated option).
#[derive(Clone)]
struct BootOrder(Vec<BootDevice>);

fn parse_boot(s: &str) -> Result<BootOrder, String> {
    BootDevice::parse_order(s)
        .map(BootOrder)
        .ok_or_else(|| format!("'{s}' is not a boot order (a list of floppy, disk and cdrom)"))
}

fn parse_trace_format(s: &str) -> Result<TraceFormat, String> {
    match s {
        "text" => Ok(TraceFormat::Text),
        "json" => Ok(TraceFormat::Json),
        _ => Err(format!("'{s}' is not a trace format (text or json)")),
    }
}

fn parse_format(s: &str) -> Result<ImageFormat, String> {
    ImageFormat::parse(s).ok_or_else(|| format!("'{s}' is not an image format (raw or qcow2)"))
}

fn parse_display(s: &str) -> Result<Display, String> {
    match s {
        "tty" => Ok(Display::Tty),
        "none" => Ok(Display::None),
        _ => Err(format!("'{s}' is not a display (tty or none)")),
    }
}

fn parse_serial(s: &str) -> Result<SerialDest, String> {
    match s {
        "stdio" => Ok(SerialDest::Stdio),
        "none" => Ok(SerialDest::None),
        _ => match s.strip_prefix("file=") {
            Some(p) if !p.is_empty() => Ok(SerialDest::File(PathBuf::from(p))),
            _ => Err(format!(
                "'{s}' is not a serial destination (stdio, file=PATH or none)"
            )),
        },
    }
}

/// `--keys`' value (a newtype: clap reads a bare `Vec` as a repeated option).
#[derive(Clone)]
struct Script(Vec<script::Step>);

fn parse_script(s: &str) -> Result<Script, String> {
    script::parse(s).map(Script)
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 1e9)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("'{s}' is not a number of seconds"))
}

fn parse_accel(s: &str) -> Result<Accel, String> {
    Accel::parse(s).ok_or_else(|| format!("'{s}' is not an accelerator (kvm, tcg or auto)"))
}

fn parse_mem(s: &str) -> Result<u64, String> {
    parse_mem_size(s)
        .ok_or_else(|| format!("'{s}' is not a size (a bare number is MiB; try 512, 128M or 1.5G)"))
}

/// The ROM: `--rom`, else $PBIOS_ROM, else the one built into pbios.
fn load_rom(args: &Args) -> Result<Rom, String> {
    match args
        .rom
        .clone()
        .or_else(|| std::env::var_os("PBIOS_ROM").map(PathBuf::from))
    {
        Some(p) => Rom::load(&p).map_err(|e| format!("{}: {e}", p.display())),
        None => Ok(Rom::builtin()),
    }
}

/// Refuses an image given twice (by any path): two drives on one file
/// would see each other's writes behind the BIOS's back.
fn refuse_duplicates(args: &Args) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let mut seen: Vec<((u64, u64), String)> = Vec::new();
    let named = args
        .floppy
        .iter()
        .map(|p| (p, "--floppy".to_string()))
        .chain(
            args.disks
                .iter()
                .enumerate()
                .map(|(i, p)| (p, format!("drive {:02X}h", 0x80 + i))),
        )
        .chain(args.cdrom.iter().map(|p| (p, "--cdrom".to_string())));
    for (path, role) in named {
        let Ok(m) = std::fs::metadata(path) else {
            continue; // attach names the missing file
        };
        let id = (m.dev(), m.ino());
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            return Err(format!(
                "{} is given twice (as {first} and as {role}): attach an image once",
                path.display()
            ));
        }
        seen.push((id, role));
    }
    Ok(())
}

/// Attaches the images given on the command line.
fn attach(args: &Args) -> Result<Drives, String> {
    refuse_duplicates(args)?;
    let how = Attach {
        read_only: args.read_only,
        snapshot: args.snapshot,
        format: args.format,
    };
    let open = |p: &PathBuf, kind| Disk::attach_with(p, kind, &how).map_err(|e| e.to_string());
    let drives = Drives {
        floppy: args
            .floppy
            .as_ref()
            .map(|p| open(p, MediaKind::Floppy))
            .transpose()?,
        hard: args
            .disks
            .iter()
            .map(|p| open(p, MediaKind::HardDisk))
            .collect::<Result<_, _>>()?,
        cdrom: args
            .cdrom
            .as_ref()
            .map(|p| open(p, MediaKind::Cdrom))
            .transpose()?,
    };
    if drives.floppy.is_none() && drives.hard.is_empty() && drives.cdrom.is_none() {
        return Err("nothing to boot: give a disk image, --floppy IMG or --cdrom ISO".into());
    }
    for d in drives.floppy.iter().chain(&drives.hard) {
        if let (false, Some(fd)) = (d.read_only(), d.raw_fd()) {
            keep_durable(fd);
        }
    }
    Ok(drives)
}

/// A hint when an image that does not boot is in a format pbios does not
/// read (it attaches raw and qcow2 images).
fn format_hint(path: &std::path::Path) -> String {
    use std::io::Read;
    let mut magic = [0u8; 8];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .unwrap_or(0);
    let raw = |fmt: &str| {
        format!(
            "; it is a {fmt} image, and pbios boots raw and qcow2 images (qemu-img convert -O qcow2 {} disk.qcow2)",
            path.display()
        )
    };
    match &magic[..n] {
        [b'K', b'D', b'M', b'V', ..] => raw("VMDK"),
        [b'c', b'o', b'n', b'e', b'c', b't', b'i', b'x'] => raw("VHD"),
        [b'v', b'h', b'd', b'x', b'f', b'i', b'l', b'e'] => raw("VHDX"),
        _ => String::new(),
    }
}

/// Checks that something in the boot order boots, naming the image and the
/// reason for each device that does not.
fn check_bootable(args: &Args, drives: &Drives) -> Result<(), String> {
    let mut why = Vec::new();
    for &dev in &args.boot.0 {
        let path = match dev {
            BootDevice::Floppy => args.floppy.as_deref(),
            BootDevice::Disk => args.disks.first().map(PathBuf::as_path),
            BootDevice::Cdrom => args.cdrom.as_deref(),
        };
        let Some(path) = path else { continue };
        match boot_image(dev, drives) {
            Ok(_) => return Ok(()),
            Err(e) => why.push(format!("{}: {e}{}", path.display(), format_hint(path))),
        }
    }
    if why.is_empty() {
        why.push(format!(
            "no attached device is in the boot order ({})",
            args.boot
                .0
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    Err(why.join("; "))
}

fn run(args: Args) -> Result<i32, String> {
    let rom = load_rom(&args)?;
    let drives = attach(&args)?;
    check_bootable(&args, &drives)?;
    let memmap = MemoryMap::new(args.mem).map_err(|e| e.to_string())?;
    let trace: Option<Box<dyn std::io::Write + Send>> = match &args.trace_file {
        Some(p) => Some(Box::new(std::io::LineWriter::new(
            std::fs::File::create(p).map_err(|e| format!("--trace-file {}: {e}", p.display()))?,
        ))),
        None if args.trace => Some(Box::new(std::io::stderr())),
        None => None,
    };
    // SAFETY: isatty only inspects the descriptor.
    let stdout_tty = unsafe { libc::isatty(1) } == 1;
    let display = args.display.unwrap_or(if stdout_tty {
        Display::Tty
    } else {
        Display::None
    });
    let (key_tx, keys) = ChannelKeys::new();
    let console = Console::new(
        Setup {
            display,
            serial: args.serial.clone(),
            expect: args.expect.clone(),
            screenshot: args.screenshot.clone(),
        },
        key_tx,
    )?;
    let mut platform = Platform::new(args.cpus, !args.no_acpi);
    for list in &args.smbios {
        platform
            .system
            .set(list)
            .map_err(|e| format!("--smbios {list}: {e}"))?;
    }
    let spec = MachineSpec {
        rom,
        memmap,
        platform,
        devices: Devices {
            drives,
            boot_order: args.boot.0.clone(),
            console: console.video_sink(),
            keys: Box::new(keys),
            clock: Box::new(HostClock),
            trace,
            trace_format: args.trace_format,
        },
        serial_out: console.serial_sink(),
    };
    let mut machine = Machine::new(args.accel, spec, None).map_err(|e| e.to_string())?;
    if args.count_instructions && !machine.count_instructions().map_err(|e| e.to_string())? {
        return Err("--count-instructions needs --accel kvm (it single-steps the vCPU)".into());
    }
    let serial_in = match args.serial {
        SerialDest::Stdio => Some(machine.serial_input().map_err(|e| e.to_string())?),
        _ => None,
    };
    console.attach(
        machine.stopper(),
        serial_in,
        machine.memory().clone(),
        machine.bios().vga(),
    );
    stop_on_signals(machine.stopper());
    let _tty = RawTerminal::enter();
    console.start_stdin();
    console.start_ticker(
        args.keys.clone().map(|s| s.0).unwrap_or_default(),
        args.expect.clone(),
        args.timeout,
    );
    let exit = machine.run();
    let ended = Instant::now();
    console.finish();
    drop(_tty);
    // The screen as the run left it, whatever ended it.
    let mut status_override = None;
    if let Err(e) = write_screen_files(&args, machine.memory(), &machine.bios().vga()) {
        eprintln!("pbios: {e}");
        status_override = Some(pbios::FAILURE_STATUS);
    }
    if args.stats || args.count_instructions {
        eprintln!("pbios: {}", stats_line(&machine, ended));
    }
    // Whatever happened, the guest's writes reach the image files.
    machine.bios().flush().map_err(|e| e.to_string())?;
    let exit = exit.map_err(|e| e.to_string())?;
    let mut status = exit.status();
    match &exit {
        Exit::DebugExit(_) => {}
        Exit::Reset(at) => eprintln!("pbios: the guest reset the machine: {at}"),
        Exit::PowerOff(how) => eprintln!("pbios: the guest powered off: {how}"),
        Exit::TripleFault(at) => eprintln!("pbios: triple fault at {at}"),
        Exit::NoBootDevice(why) => eprintln!("pbios: no bootable device: {why}"),
        Exit::Stopped(why) if why == STOP_EXPECT || why == STOP_QUIT => {}
        Exit::Stopped(why) if why == STOP_TIMEOUT => {
            eprintln!(
                "pbios: timed out after {} s",
                args.timeout.map_or(0.0, |t| t.as_secs_f64())
            );
            status = TIMEOUT_STATUS;
        }
        Exit::Stopped(why) => {
            if let Some(n) = why
                .strip_prefix(SIGNAL_PREFIX)
                .and_then(|n| n.parse::<i32>().ok())
            {
                status = 128 + n;
            }
        }
    }
    if let Some(text) = &args.expect {
        if console.expect_seen(text) {
            status = 0;
        } else if !matches!(&exit, Exit::Stopped(w) if w == STOP_TIMEOUT) {
            eprintln!("pbios: the run ended without {text:?}");
            if status == 0 {
                status = EXPECT_MISSED_STATUS;
            }
        }
    }
    Ok(status_override.unwrap_or(status))
}

/// `--timeout` ended the run (as timeout(1) reports it).
const TIMEOUT_STATUS: i32 = 124;

/// The run ended, otherwise cleanly, without `--expect`'s text.
const EXPECT_MISSED_STATUS: i32 = 1;

/// The stop reason a signal gives: `signal N`.
const SIGNAL_PREFIX: &str = "signal ";

/// `--screenshot` and `--screen-text` from the screen in video memory
/// (`--screen-text` is empty for a graphics screen).
fn write_screen_files(
    args: &Args,
    mem: &vm_memory::GuestMemoryMmap,
    vga: &std::sync::Mutex<pbios::vga::Vga>,
) -> Result<(), String> {
    let vga = match vga.lock() {
        Ok(v) => v.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let screen = Frame::capture(mem, &vga);
    if let Some(p) = &args.screen_text {
        std::fs::write(p, screen.text())
            .map_err(|e| format!("--screen-text {}: {e}", p.display()))?;
    }
    if let Some(p) = &args.screenshot {
        std::fs::File::create(p)
            .and_then(|f| screen.write_png(std::io::BufWriter::new(f)))
            .map_err(|e| format!("--screenshot {}: {e}", p.display()))?;
    }
    Ok(())
}

/// `--stats`'s line: `key=value` pairs, times in milliseconds.
fn stats_line(machine: &Machine, ended: Instant) -> String {
    let run = machine.stats();
    let bios = machine.bios().stats;
    let ms = |from: Option<Instant>, to: Option<Instant>| match (from, to) {
        (Some(a), Some(b)) => format!(
            "{:.3}ms",
            b.saturating_duration_since(a).as_secs_f64() * 1e3
        ),
        _ => "none".into(),
    };
    let mut line = format!(
        "stats accel={} firmware={} firmware-exits={} firmware-calls={}",
        machine.accel().name(),
        ms(run.started, bios.booted),
        run.exits_at_boot.map_or("none".into(), |n| n.to_string()),
        bios.booted
            .map_or("none".into(), |_| bios.calls_at_boot.to_string()),
    );
    if let Some(n) = run.instructions_at_boot {
        line += &format!(" firmware-instructions={n}");
    }
    line + &format!(
        " run={} exits={} calls={}",
        ms(run.started, Some(ended)),
        run.exits,
        bios.calls
    )
}

/// The terminal's settings before pbios took keystrokes one by one.
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();

/// Puts an interactive standard input in raw mode (keys reach the guest as
/// typed, Ctrl-C and Ctrl-S among them; Ctrl-A x quits) and restores it on
/// drop, on SIGINT/SIGTERM/SIGHUP and on a panic. Output processing stays
/// on, so a newline still starts a fresh line.
struct RawTerminal;

/// The writable images' descriptors, flushed when a signal or a panic ends
/// pbios (-1: an empty slot).
static IMAGE_FDS: [AtomicI32; 8] = [const { AtomicI32::new(-1) }; 8];

/// Notes a writable image's descriptor for [`flush_images`].
fn keep_durable(fd: RawFd) {
    for slot in &IMAGE_FDS {
        if slot
            .compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// `fdatasync` on every writable image: async-signal-safe.
fn flush_images() {
    for slot in &IMAGE_FDS {
        let fd = slot.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: fdatasync on a descriptor pbios keeps open for its
            // lifetime; async-signal-safe.
            unsafe { libc::fdatasync(fd) };
        }
    }
}

/// The terminal back as pbios found it: its settings, the modes and colours
/// a guest's output may have set, the cursor shown on a fresh line.
/// Async-signal-safe.
fn restore_terminal() {
    if let Some(t) = SAVED_TERMIOS.get() {
        // SAFETY: tcsetattr is async-signal-safe; `t` is a valid termios.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, t) };
        let reset = console::TERMINAL_RESET;
        // SAFETY: write(2) is async-signal-safe; the buffers are static.
        unsafe {
            libc::write(1, reset.as_ptr().cast(), reset.len());
            libc::write(1, b"\r\n".as_ptr().cast(), 2);
        }
    }
}

/// The first signal's number (0: none yet).
static SIGNALLED: AtomicI32 = AtomicI32::new(0);

/// The pipe a signal handler wakes the stopping thread with (-1: no
/// machine runs yet).
static SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

/// SIGINT, SIGTERM, SIGHUP: while a machine runs, the first one ends the
/// run as any stop does (the images flushed by their own code, the screen
/// files written) and pbios exits with 128 + the signal's number. Before
/// that, or at a second signal, the guest's writes are made durable, the
/// terminal restored, and the process ends at once with that status.
extern "C" fn on_signal(sig: libc::c_int) {
    let pipe = SIGNAL_PIPE.load(Ordering::SeqCst);
    if pipe >= 0 && SIGNALLED.swap(sig, Ordering::SeqCst) == 0 {
        let b = sig as u8;
        // SAFETY: write(2) on a pipe is async-signal-safe; `b` is valid.
        unsafe { libc::write(pipe, (&b as *const u8).cast(), 1) };
        return;
    }
    flush_images();
    restore_terminal();
    // SAFETY: _exit ends the process without running Rust code.
    unsafe { libc::_exit(128 + sig) }
}

/// From now on a signal stops the machine `stopper` ends.
fn stop_on_signals(stopper: pbios::backend::Stopper) {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) returns.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return; // signals keep ending pbios at once
    }
    let reader = fds[0];
    std::thread::spawn(move || {
        let mut b = 0u8;
        // SAFETY: a blocking read of one byte into `b` from our pipe.
        if unsafe { libc::read(reader, (&mut b as *mut u8).cast(), 1) } == 1 {
            stopper.stop(format!("{SIGNAL_PREFIX}{b}"));
        }
    });
    SIGNAL_PIPE.store(fds[1], Ordering::SeqCst);
}

/// Installs the signal handlers and the panic hook that keep the images'
/// writes on every way out.
fn on_every_exit() {
    let handler = on_signal as extern "C" fn(libc::c_int);
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { libc::signal(sig, handler as libc::sighandler_t) };
    }
    std::panic::set_hook(Box::new(|info| {
        flush_images();
        restore_terminal();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("pbios: internal error{at}: {what} (the images' writes were flushed)");
        std::process::exit(pbios::FAILURE_STATUS);
    }));
}

impl RawTerminal {
    fn enter() -> Option<RawTerminal> {
        // SAFETY: isatty only inspects the descriptor.
        if unsafe { libc::isatty(0) } != 1 {
            return None;
        }
        // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd 0 is a terminal; `t` is a valid termios to fill.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return None;
        }
        let _ = SAVED_TERMIOS.set(t);
        t.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
        t.c_iflag &= !(libc::IXON | libc::ICRNL | libc::INLCR | libc::IGNCR | libc::ISTRIP);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        // SAFETY: fd 0 is a terminal; `t` is a valid termios.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
        Some(RawTerminal)
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(t) = SAVED_TERMIOS.get() {
            // SAFETY: restores the settings read in `enter`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, t) };
        }
    }
}

/// The library's warnings (and, with $PBIOS_GDB_TRACE, the TCG backend's
/// GDB packets) on stderr, one line each.
struct StderrLog {
    gdb_trace: bool,
}

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn || (self.gdb_trace && m.target() == "pbios::gdb")
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            if r.target() == "pbios::gdb" {
                eprintln!("{}", r.args());
            } else {
                eprintln!("pbios: {}", r.args());
            }
        }
    }
    fn flush(&self) {}
}

/// A command line clap refused, in one line (help and version as clap
/// prints them).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("bad command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("pbios: {first} (pbios --help lists the options)");
    ExitCode::from(pbios::FAILURE_STATUS as u8)
}

fn main() -> ExitCode {
    let gdb_trace = std::env::var_os("PBIOS_GDB_TRACE").is_some();
    let logger = Box::leak(Box::new(StderrLog { gdb_trace }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(if gdb_trace {
            log::LevelFilter::Trace
        } else {
            log::LevelFilter::Warn
        });
    }
    on_every_exit();
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    match run(args) {
        Ok(status) => ExitCode::from(status.clamp(0, 255) as u8),
        Err(msg) => {
            eprintln!("pbios: {msg}");
            ExitCode::from(pbios::FAILURE_STATUS as u8)
        }
    }
}
