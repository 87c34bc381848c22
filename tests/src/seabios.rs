//! The reference machine of the differential run: QEMU's TCG with SeaBIOS
//! (Debian's `seabios` package) and its VGA BIOS, booting the same images
//! as a pbios run. Guest RAM is a file shared with QEMU, so the test reads
//! what the guest stored after QEMU has exited.

use crate::harness::{Media, RESULTS};
use pbios::boot::BootDevice;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// SeaBIOS as Debian installs it; $PBIOS_SEABIOS overrides.
pub const DEFAULT_SEABIOS: &str = "/usr/share/seabios/bios-256k.bin";

pub fn seabios_path() -> PathBuf {
    std::env::var_os("PBIOS_SEABIOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| DEFAULT_SEABIOS.into())
}

/// Guest RAM of a reference run (as pbios's default in the harness).
const RAM_MIB: u64 = 128;
/// A guest that has not exited by then has hung.
const TIMEOUT: Duration = Duration::from_secs(60);

/// QEMU's `-boot order=` letters for a boot order.
fn order_letters(order: &[BootDevice]) -> String {
    order
        .iter()
        .map(|d| match d {
            BootDevice::Floppy => 'a',
            BootDevice::Disk => 'c',
            BootDevice::Cdrom => 'd',
        })
        .collect()
}

/// Boots `media` under QEMU+SeaBIOS and returns `len` bytes of guest memory
/// at [`RESULTS`] once the guest has written to port F4h.
pub fn run_seabios(media: &Media, order: &[BootDevice], len: usize) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!(
        "pbios-seabios-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ram = dir.join("ram");
    let result = run_in(&ram, media, order, len);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The QEMU binary: $PBIOS_QEMU, else `qemu-system-x86_64`.
pub fn qemu_binary() -> String {
    std::env::var("PBIOS_QEMU").unwrap_or_else(|_| pbios::tcg::DEFAULT_QEMU.into())
}

/// QEMU on `accel` with `bios` as its firmware: no default devices, no
/// display, no reboot, and isa-debug-exit at F4h (exit status `(v << 1) | 1`).
pub fn qemu_command(accel: &str, bios: &Path) -> Command {
    let mut c = Command::new(qemu_binary());
    c.args(["-accel", accel, "-nodefaults", "-no-user-config"])
        .arg("-bios")
        .arg(bios)
        .args(["-display", "none", "-no-reboot"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=1"]);
    c
}

/// A `-drive` value for a raw image at `path` (commas escaped), plus `extra`.
pub fn drive(path: &Path, extra: &str) -> String {
    format!(
        "file={},format=raw,{extra}",
        path.display().to_string().replace(',', ",,")
    )
}

fn run_in(ram: &Path, media: &Media, order: &[BootDevice], len: usize) -> Result<Vec<u8>, String> {
    let size = RAM_MIB << 20;
    std::fs::File::create(ram)
        .and_then(|f| f.set_len(size))
        .map_err(|e| e.to_string())?;
    let mut c = qemu_command("tcg", &seabios_path());
    c.args(["-machine", "pc,max-ram-below-4g=3G,memory-backend=ram"])
        .args(["-m", &format!("{RAM_MIB}M")])
        .arg("-object")
        .arg(format!(
            "memory-backend-file,id=ram,size={size},mem-path={},share=on",
            ram.display()
        ))
        .args(["-vga", "std", "-serial", "null"])
        .args(["-boot", &format!("order={}", order_letters(order))])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (i, d) in media.disks.iter().enumerate() {
        c.arg("-drive").arg(drive(d, &format!("if=ide,index={i}")));
    }
    if let Some(f) = media.floppy {
        c.arg("-drive").arg(drive(f, "if=floppy,index=0"));
    }
    if let Some(cd) = media.cdrom {
        c.arg("-drive").arg(drive(cd, "if=ide,index=2,media=cdrom"));
    }
    let mut child = c
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", qemu_binary()))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err("SeaBIOS run timed out".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // isa-debug-exit: status (v << 1) | 1.
    if status.code().is_none_or(|c| c & 1 == 0) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!("QEMU+SeaBIOS ended with {status}: {err}"));
    }
    let bytes = std::fs::read(ram).map_err(|e| e.to_string())?;
    let at = RESULTS as usize;
    Ok(bytes[at..at + len].to_vec())
}
