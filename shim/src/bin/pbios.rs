//! `pbios`: boot a disk image with the pbios ROM and shim, on KVM or on
//! QEMU's TCG.

use clap::Parser;
use pbios::clock::HostClock;
use pbios::disk::Disk;
use pbios::keyboard::StdinKeys;
use pbios::memmap::{parse_size, MemoryMap};
use pbios::{Accel, Bios, Devices, Exit, Machine, Rom, TcgOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

/// Boot a legacy-BIOS disk image in a virtual machine whose BIOS services
/// are served on the host.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Guest RAM, e.g. 128M or 2G.
    #[arg(long, default_value = "128M", value_parser = parse_mem)]
    mem: u64,
    /// The pbios ROM (default: $PBIOS_ROM, else target/pbios/bios.bin beside this program).
    #[arg(long)]
    rom: Option<PathBuf>,
    /// Accelerator: kvm (/dev/kvm), tcg (QEMU's emulator: qemu-system-x86_64,
    /// or $PBIOS_QEMU), or auto (kvm when /dev/kvm is usable, else tcg).
    #[arg(long, default_value = "kvm", value_parser = parse_accel)]
    accel: Accel,
    /// Print one line per BIOS call (vector, function, registers in and out, status) on stderr.
    #[arg(long)]
    trace: bool,
    /// Raw disk image to boot as drive 80h.
    disk: PathBuf,
}

fn parse_accel(s: &str) -> Result<Accel, String> {
    Accel::parse(s).ok_or_else(|| format!("'{s}' is not an accelerator (kvm, tcg or auto)"))
}

fn parse_mem(s: &str) -> Result<u64, String> {
    parse_size(s).ok_or_else(|| format!("'{s}' is not a size (try 128M or 2G)"))
}

/// Where the ROM is when `--rom` is not given.
fn default_rom() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PBIOS_ROM") {
        return Some(p.into());
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("../pbios/bios.bin"),
        dir.join("../../pbios/bios.bin"),
        dir.join("bios.bin"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

fn check_bootable(path: &Path, disk: &Disk) -> Result<(), String> {
    let mut mbr = [0u8; 512];
    disk.read(0, &mut mbr)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if mbr[510..] != [0x55, 0xAA] {
        return Err(format!(
            "{}: not bootable (no 55AAh signature at the end of sector 0)",
            path.display()
        ));
    }
    Ok(())
}

fn run(args: Args) -> Result<i32, String> {
    let rom_path = args
        .rom
        .or_else(default_rom)
        .ok_or("no ROM found: build it with `cargo xtask rom` or pass --rom PATH")?;
    let rom = Rom::load(&rom_path).map_err(|e| format!("{}: {e}", rom_path.display()))?;
    let disk = Disk::open(&args.disk).map_err(|e| e.to_string())?;
    check_bootable(&args.disk, &disk)?;
    let memmap = MemoryMap::new(args.mem).map_err(|e| e.to_string())?;
    let trace: Option<Box<dyn std::io::Write + Send>> = if args.trace {
        Some(Box::new(std::io::stderr()))
    } else {
        None
    };
    let devices = Devices {
        disk: Some(disk),
        console: Box::new(std::io::stdout()),
        keys: Box::new(StdinKeys::spawn()),
        clock: Box::new(HostClock),
        trace,
    };
    let bios = Bios::new(rom.header, memmap, devices);
    let mut machine = Machine::new(
        args.accel,
        &rom,
        &rom_path,
        bios,
        Box::new(std::io::stdout()),
        &TcgOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let _tty = RawTerminal::enter();
    let exit = machine.run().map_err(|e| e.to_string())?;
    drop(_tty);
    match &exit {
        Exit::DebugExit(_) => {}
        Exit::Reset(at) => eprintln!("pbios: the guest reset the machine at {at}"),
        Exit::TripleFault(at) => eprintln!("pbios: triple fault at {at}"),
        Exit::NoBootDevice(why) => eprintln!("pbios: no bootable device: {why}"),
    }
    Ok(exit.status())
}

/// The terminal's settings before pbios took keystrokes one by one.
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();

/// Puts an interactive standard input in non-canonical, no-echo mode (keys
/// reach INT 16h as typed; Ctrl-C still stops pbios) and restores it on drop
/// or on SIGINT/SIGTERM.
struct RawTerminal;

extern "C" fn restore_and_exit(sig: libc::c_int) {
    if let Some(t) = SAVED_TERMIOS.get() {
        // SAFETY: tcsetattr and _exit are async-signal-safe; `t` is a valid termios.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, t) };
    }
    // SAFETY: _exit ends the process without running Rust code.
    unsafe { libc::_exit(128 + sig) }
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
        let handler = restore_and_exit as extern "C" fn(libc::c_int);
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
        t.c_lflag &= !(libc::ICANON | libc::ECHO);
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

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(status) => ExitCode::from(status.clamp(0, 255) as u8),
        Err(msg) => {
            eprintln!("pbios: {msg}");
            ExitCode::from(pbios::FAILURE_STATUS as u8)
        }
    }
}
