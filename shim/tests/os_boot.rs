//! Real operating systems from Debian's packages, booted end to end by the
//! `pbios` runner (`cargo xtask images` builds them; `cargo xtask test`
//! does so first).
//!
//! On the TCG backend every image reaches its userspace marker: Linux's
//! busybox /init prints [`USERSPACE_MARKER`] and powers off (or, without
//! ACPI, reboots), which ends pbios with status 0; memtest86+ finishes its
//! first pass. On this machine's KVM, whose backend emulates every guest
//! instruction in software, 32-bit code that the loaders run after the BIOS
//! phase stops KVM with an internal error (emulation failure), so the KVM
//! runs check the last marker the guest prints before that: see each test.
//! On VMX/SVM hardware they go on further; the tests do not depend on where
//! the run ends after the marker.

use pbios::memmap::{MemoryMap, MIB};
/// The image recipes, shared with the tests crate (`cargo xtask images`
/// builds them); included by path so that this crate needs no dev-dependency
/// on the tests crate (which would turn the backends on for the core's own
/// tests).
#[allow(dead_code)]
#[path = "../../tests/src/images.rs"]
mod images;

use images::{image_path, Image, USERSPACE_MARKER};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// TCG runs take one host core each for tens of seconds: one at a time.
static TCG: Mutex<()> = Mutex::new(());

fn rom_path() -> PathBuf {
    std::env::var_os("PBIOS_ROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bios.bin"))
}

fn image(i: Image) -> PathBuf {
    let p = image_path(i);
    assert!(
        p.is_file(),
        "{} is missing: build the images with `cargo xtask images`",
        p.display()
    );
    p
}

/// What a run printed and how it ended.
struct Run {
    /// COM1 and the INT 10h console (stdout), then pbios's stderr.
    out: String,
    err: String,
    /// The exit status, or None if pbios was stopped after the marker.
    status: Option<i32>,
    took: Duration,
}

/// Runs pbios on `img` with `args` until it exits, or until `marker` has
/// appeared and `linger` has passed (then it is killed), or `limit`.
fn boot(img: Image, args: &[&str], marker: &str, linger: Duration, limit: Duration) -> Run {
    let path = image(img);
    let mut c = Command::new(env!("CARGO_BIN_EXE_pbios"));
    // Read-only: the KVM and TCG tests boot the same images side by side,
    // and a writable image is locked for one pbios at a time.
    c.arg("--rom").arg(rom_path()).arg("--read-only").args(args);
    if img.is_cdrom() {
        c.arg("--cdrom").arg(&path);
    } else {
        c.arg(&path);
    }
    let mut child: Child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pbios starts");
    let start = Instant::now();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let mut seen: Option<Instant> = None;
    let status = loop {
        while let Ok(chunk) = rx.try_recv() {
            out.extend(chunk);
        }
        if seen.is_none() && String::from_utf8_lossy(&out).contains(marker) {
            seen = Some(Instant::now());
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        let late = seen.is_some_and(|t| t.elapsed() > linger) || start.elapsed() > limit;
        if late {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        let _ = rx
            .recv_timeout(Duration::from_millis(50))
            .map(|c| out.extend(c));
    };
    let _ = reader.join();
    while let Ok(chunk) = rx.try_recv() {
        out.extend(chunk);
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    Run {
        out: String::from_utf8_lossy(&out).into_owned(),
        err,
        status,
        took: start.elapsed(),
    }
}

impl Run {
    fn tail(&self) -> String {
        let n = self.out.len();
        let from = self
            .out
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| i + 3000 >= n);
        format!(
            "--- output (last 3000 bytes) ---\n{}\n--- stderr ---\n{}",
            &self.out[from.unwrap_or(0)..],
            self.err
        )
    }

    fn expect(&self, text: &str) {
        assert!(
            self.out.contains(text),
            "no {text:?} after {:?}\n{}",
            self.took,
            self.tail()
        );
    }

    /// The guest ended the run itself, with status 0 and pbios's one line.
    fn expect_clean_end(&self, reason: &str) {
        assert_eq!(self.status, Some(0), "exit status\n{}", self.tail());
        let line = self.err.lines().find(|l| l.starts_with("pbios: the guest"));
        assert!(
            line.is_some_and(|l| l.contains(reason)),
            "want a line with {reason:?}\n{}",
            self.tail()
        );
    }
}

const TCG_LIMIT: Duration = Duration::from_secs(600);
const KVM_LIMIT: Duration = Duration::from_secs(120);

/// A TCG run (one at a time) until pbios exits, or `linger` after `marker`.
fn tcg_to(img: Image, args: &[&str], marker: &str, linger: Duration) -> Run {
    let _one = TCG.lock();
    let mut all = vec!["--accel", "tcg"];
    all.extend(args);
    boot(img, &all, marker, linger, TCG_LIMIT)
}

/// A KVM run up to `marker` (then stopped, wherever it was going).
fn kvm_to(img: Image, args: &[&str], marker: &str) -> Run {
    let mut all = vec!["--accel", "kvm"];
    all.extend(args);
    let run = boot(img, &all, marker, Duration::from_millis(200), KVM_LIMIT);
    run.expect(marker);
    run
}

/// Linux's "BIOS-e820:" lines, as (start, end inclusive, kind).
fn linux_e820(log: &str) -> Vec<(u64, u64, String)> {
    log.lines()
        .filter_map(|l| l.split("BIOS-e820: [mem ").nth(1))
        .filter_map(|rest| {
            let (range, kind) = rest.split_once("] ")?;
            let (a, b) = range.split_once('-')?;
            Some((
                u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()?,
                u64::from_str_radix(b.trim_start_matches("0x"), 16).ok()?,
                kind.trim().to_string(),
            ))
        })
        .collect()
}

/// Linux prints pbios's E820 map as it keeps it: adjacent entries of one
/// kind merged (the framebuffer and the platform tables are one reserved
/// range to it).
fn assert_e820_is_pbios(run: &Run, mem: u64) {
    let mut want: Vec<(u64, u64, String)> = Vec::new();
    for e in MemoryMap::new(mem).unwrap().e820() {
        let kind = match e.kind {
            pbios::memmap::E820Type::Ram => "usable",
            pbios::memmap::E820Type::Reserved => "reserved",
        };
        match want.last_mut() {
            Some(last) if last.2 == kind && last.1 + 1 == e.base => last.1 = e.base + e.length - 1,
            _ => want.push((e.base, e.base + e.length - 1, kind.to_string())),
        }
    }
    assert_eq!(
        linux_e820(&run.out),
        want,
        "Linux's E820 map is pbios's\n{}",
        run.tail()
    );
}

/// syslinux → Linux, 2 CPUs, no ACPI: Linux takes the CPUs from the MP
/// table, prints pbios's E820 map, reaches userspace and reboots (it could
/// not power off without ACPI), which ends pbios.
#[test]
fn tcg_syslinux_linux_two_cpus_from_the_mp_table() {
    let run = tcg_to(
        Image::LinuxSyslinux,
        &["--mem", "256M", "--cpus", "2", "--no-acpi"],
        USERSPACE_MARKER,
        Duration::from_secs(30),
    );
    run.expect("SYSLINUX 6.04");
    // SMBIOS: the kernel finds the 3.0 entry point and reads the tables.
    run.expect("SMBIOS 3.0.0 present.");
    run.expect("DMI: pbios pbios virtual machine, BIOS ");
    run.expect("dmi-id: pbios / pbios virtual machine / pbios");
    run.expect("found SMP MP-table at [mem 0x0009fff0-0x0009ffff]");
    run.expect("smp: Brought up 1 node, 2 CPUs");
    run.expect(&format!("{USERSPACE_MARKER} cpus=2"));
    assert_e820_is_pbios(&run, 256 * MIB);
    run.expect_clean_end("reset");
}

/// GRUB 2 → Linux with ACPI, 2 CPUs: the MADT lists them, and /init
/// powers off through the FADT's PM1a control (ACPI S5).
#[test]
fn tcg_grub_linux_acpi_power_off() {
    let run = tcg_to(
        Image::GrubPc,
        &["--mem", "256M", "--cpus", "2"],
        USERSPACE_MARKER,
        Duration::from_secs(30),
    );
    run.expect("GNU GRUB  version 2.06");
    run.expect("ACPI: Using ACPI (MADT) for SMP configuration information");
    run.expect("smp: Brought up 1 node, 2 CPUs");
    run.expect(&format!("{USERSPACE_MARKER} cpus=2"));
    run.expect("reboot: Power down");
    assert_e820_is_pbios(&run, 256 * MIB);
    run.expect_clean_end("powered off");
}

/// isolinux from an El Torito no-emulation CD (`--cdrom`) → Linux.
#[test]
fn tcg_isolinux_cdrom_linux() {
    let run = tcg_to(
        Image::IsolinuxIso,
        &["--mem", "256M"],
        USERSPACE_MARKER,
        Duration::from_secs(30),
    );
    run.expect("ISOLINUX 6.04");
    run.expect(&format!("{USERSPACE_MARKER} cpus=1"));
    run.expect_clean_end("powered off");
}

/// What memtest86+ (6.x) shows when its first pass over RAM has ended: the
/// pass counter at 1 (with no errors, its status turns to "Pass" and the
/// big PASS banner is drawn at the same time).
const MEMTEST_PASS: &str = "Pass:  1";

/// syslinux → memtest86+ on the serial console: it sizes RAM from pbios's
/// E820 map and completes a first pass with no errors.
#[test]
fn tcg_memtest_first_pass() {
    let run = tcg_to(
        Image::Memtest,
        &["--mem", "16M"],
        MEMTEST_PASS,
        Duration::from_secs(2),
    );
    run.expect("SYSLINUX 6.04");
    run.expect("Memtest86+ v6.10");
    // From pbios's E820 map (memtest86+ has no other source).
    run.expect("Memory  :   16MB");
    run.expect(MEMTEST_PASS);
    run.expect("Status: Pass");
    run.expect("Errors: 0");
}

/// KVM, syslinux: the MBR, the FAT boot sector and ldlinux.sys's 16-bit
/// stage run on INT 13h (EDD) and INT 10h, which prints the banner. Its
/// 32-bit core is where this machine's emulated KVM stops.
#[test]
fn kvm_syslinux_reaches_its_banner() {
    kvm_to(
        Image::LinuxSyslinux,
        &["--mem", "256M", "--cpus", "2"],
        "SYSLINUX 6.04 EDD",
    );
}

/// KVM, GRUB: boot.img, core.img (its real/protected mode switches around
/// every INT 13h read), the normal mode with grub.cfg on the serial
/// terminal and its menu timeout, up to booting the entry. GRUB then reads
/// the 8 MiB kernel, each read through its mode switches, which this
/// machine's emulated KVM runs at about 6 reads a second: minutes more
/// before Linux, whose own 64-bit code would then crawl too.
#[test]
fn kvm_grub_reaches_its_menu_entry() {
    let run = kvm_to(
        Image::GrubPc,
        &["--mem", "256M"],
        "Booting `Debian GNU/Linux on pbios'",
    );
    run.expect("GNU GRUB  version 2.06");
    run.expect("The highlighted entry will be executed automatically in 0s.");
}

/// KVM, isolinux from the CD: the El Torito no-emulation image loaded by
/// INT 19h, reading the ISO with INT 13h on drive E0h, prints its banner;
/// its 32-bit core is where this machine's emulated KVM stops.
#[test]
fn kvm_isolinux_reaches_its_banner() {
    kvm_to(Image::IsolinuxIso, &["--mem", "256M"], "ISOLINUX 6.04");
}

/// KVM, memtest86+: booted by the same syslinux, so the same marker.
#[test]
fn kvm_memtest_reaches_the_syslinux_banner() {
    kvm_to(Image::Memtest, &["--mem", "64M"], "SYSLINUX 6.04 EDD");
}

/// syslinux's poweroff.c32 (Debian's syslinux-common) powers the machine
/// off through the APM BIOS (5300h, 5301h, 530Eh, 5307h off): pbios ends
/// with status 0. On this machine's KVM the COM32 module's 32-bit code
/// does not run (emulation failure), as with the other loaders.
#[test]
fn tcg_syslinux_poweroff_c32_through_apm() {
    let run = tcg_to(
        Image::SyslinuxPoweroff,
        &["--mem", "64M"],
        "SYSLINUX 6.04",
        Duration::from_secs(30),
    );
    run.expect("SYSLINUX 6.04");
    run.expect_clean_end("APM set power state: off");
}

/// Linux with `vga=0x318`: its setup code lists the VBE modes (4F00h,
/// 4F01h) and sets 118h (1024x768, 24 bpp) with 4F02h; vesafb takes the
/// linear framebuffer pbios reserves in the E820 map, and fbcon draws the
/// kernel's messages on it (`console=tty0`), which `--screenshot` shows at
/// the end of the run.
#[test]
fn tcg_linux_vga_vesafb_console_in_the_screenshot() {
    let shot = std::env::temp_dir().join(format!("pbios-vesafb-{}.png", std::process::id()));
    let run = tcg_to(
        Image::LinuxVesa,
        &["--mem", "256M", "--screenshot", shot.to_str().unwrap()],
        USERSPACE_MARKER,
        Duration::from_secs(30),
    );
    let (fb, _) = MemoryMap::new(256 * MIB).unwrap().framebuffer().unwrap();
    run.expect(&format!("vesafb: framebuffer at {fb:#x}"));
    run.expect("vesafb: mode is 1024x768x24, linelength=3072");
    run.expect("fb0: VESA VGA frame buffer device");
    run.expect(USERSPACE_MARKER);
    assert_e820_is_pbios(&run, 256 * MIB);
    run.expect_clean_end("powered off");
    let png = std::fs::read(&shot).expect("the screenshot");
    let _ = std::fs::remove_file(&shot);
    let mut r = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .expect("a PNG");
    let mut px = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut px).expect("its pixels");
    assert_eq!(
        (info.width, info.height),
        (1024, 768),
        "the VESA mode's size"
    );
    // fbcon's text: light pixels in the top rows, where the kernel's first
    // messages are, and black between its lines' glyphs.
    let lit = |y0: usize, y1: usize| {
        px[y0 * 1024 * 3..y1 * 1024 * 3]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c > 0x80))
            .count()
    };
    let top = lit(0, 160);
    assert!(
        top > 2000,
        "{top} light pixels in the console's first ten lines"
    );
    assert!(
        top < 1024 * 160 / 2,
        "{top} light pixels: not text on black"
    );
}
