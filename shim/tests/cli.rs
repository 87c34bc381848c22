//! The `pbios` runner's answers to bad input: one clear line, non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rom_path() -> PathBuf {
    std::env::var_os("PBIOS_ROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bios.bin"))
}

fn tmp(name: &str, data: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("pbios-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    p
}

fn pbios(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbios"))
        .args(args)
        .output()
        .unwrap()
}

/// Exactly one line on stderr, starting with "pbios:" and containing `what`.
fn assert_one_line(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {err}");
    assert_eq!(err.lines().count(), 1, "one line, got: {err}");
    assert!(err.starts_with("pbios: ") && err.contains(what), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn bootable() -> Vec<u8> {
    let mut s = vec![0u8; 512];
    s[..4].copy_from_slice(&[0xB0, 0x00, 0xE6, 0xF4]); // mov al, 0; out F4h, al
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

#[test]
fn missing_disk() {
    let rom = rom_path();
    assert_one_line(
        &pbios(&["--rom", rom.to_str().unwrap(), "/nonexistent/disk.img"]),
        "cannot open disk image",
    );
}

#[test]
fn non_bootable_disk() {
    let rom = rom_path();
    let disk = tmp("nonboot.img", &[0u8; 1024]);
    assert_one_line(
        &pbios(&["--rom", rom.to_str().unwrap(), disk.to_str().unwrap()]),
        "not bootable",
    );
    let empty = tmp("empty.img", &[]);
    assert_one_line(
        &pbios(&["--rom", rom.to_str().unwrap(), empty.to_str().unwrap()]),
        "empty",
    );
}

#[test]
fn corrupt_or_wrong_rom() {
    let disk = tmp("boot.img", &bootable());
    let mut rom = std::fs::read(rom_path()).expect("build the ROM with `cargo xtask rom`");
    rom[0x2000] ^= 0xFF;
    let bad = tmp("corrupt.bin", &rom);
    assert_one_line(
        &pbios(&["--rom", bad.to_str().unwrap(), disk.to_str().unwrap()]),
        "checksum",
    );
    let short = tmp("short.bin", &rom[..1000]);
    assert_one_line(
        &pbios(&["--rom", short.to_str().unwrap(), disk.to_str().unwrap()]),
        "65536",
    );
    let missing = "/nonexistent/bios.bin";
    assert_one_line(
        &pbios(&["--rom", missing, disk.to_str().unwrap()]),
        "cannot read ROM",
    );
}

#[test]
fn vmcall_rom_is_refused_on_kvm() {
    let vmcall = rom_path().with_file_name("bios-vmcall.bin");
    if !vmcall.exists() {
        panic!("{} missing: `cargo xtask test` builds it", vmcall.display());
    }
    let disk = tmp("boot2.img", &bootable());
    assert_one_line(
        &pbios(&["--rom", vmcall.to_str().unwrap(), disk.to_str().unwrap()]),
        "--trap out",
    );
}

#[test]
fn bad_memory_size() {
    let rom = rom_path();
    let disk = tmp("boot3.img", &bootable());
    let out = pbios(&[
        "--mem",
        "1M",
        "--rom",
        rom.to_str().unwrap(),
        disk.to_str().unwrap(),
    ]);
    assert_one_line(&out, "too small");
}

#[test]
fn boots_and_exits_with_the_guest_status() {
    let rom = rom_path();
    let disk = tmp("boot4.img", &bootable());
    let out = pbios(&[
        "--trace",
        "--rom",
        rom.to_str().unwrap(),
        disk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "(0 << 1) | 1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("INT 19h int19_boot"), "trace: {err}");
}

/// Runs pbios on TCG with `qemu` as the QEMU binary.
fn on_tcg_with(qemu: &Path, rom: &Path, disk: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbios"))
        .args(["--accel", "tcg", "--rom"])
        .arg(rom)
        .arg(disk)
        .env("PBIOS_QEMU", qemu)
        .output()
        .unwrap()
}

#[test]
fn tcg_without_qemu_says_what_to_install() {
    let rom = rom_path();
    let disk = tmp("boot5.img", &bootable());
    let out = on_tcg_with(Path::new("/nonexistent/qemu-system-x86_64"), &rom, &disk);
    assert_one_line(&out, "apt install qemu-system-x86");
    // A QEMU that fails at once: its first line of stderr, on one line.
    let fake = tmp(
        "fake-qemu.sh",
        b"#!/bin/sh\necho 'qemu: cannot do that' >&2\nexit 1\n",
    );
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = on_tcg_with(&fake, &rom, &disk);
    assert_one_line(
        &out,
        "QEMU exited before the guest started: qemu: cannot do that",
    );
}

#[test]
fn every_trap_flavor_boots_on_tcg() {
    // TCG breaks on the trap sites before they execute, so vmcall and
    // vmmcall ROMs (refused by KVM) run there too.
    let disk = tmp("boot6.img", &bootable());
    for name in ["bios.bin", "bios-vmcall.bin", "bios-vmmcall.bin"] {
        let rom = rom_path().with_file_name(name);
        let out = pbios(&[
            "--accel",
            "tcg",
            "--trace",
            "--rom",
            rom.to_str().unwrap(),
            disk.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains("INT 19h int19_boot"), "{name}: {err}");
    }
}

#[test]
fn tcg_keeps_two_breakpoints_at_most() {
    // QEMU checks every breakpoint at every translation-block lookup, so
    // the TCG backend may hold two at most, however many vectors it
    // serves. The GDB trace shows each one inserted (Z0) and removed (z0).
    let mut s = vec![0u8; 512];
    let code = [
        0xCD, 0x12, // int 12h
        0xB4, 0x00, 0xCD, 0x1A, // mov ah, 0; int 1Ah
        0xB4, 0x01, 0xCD, 0x16, // mov ah, 1; int 16h
        0xB4, 0x41, 0xBB, 0xAA, 0x55, 0xB2, 0x80, 0xCD, 0x13, // EDD check
        0xB0, 0x00, 0xE6, 0xF4, // exit
    ];
    s[..code.len()].copy_from_slice(&code);
    s[510..].copy_from_slice(&[0x55, 0xAA]);
    let disk = tmp("bps.img", &s);
    let rom = rom_path();
    let out = Command::new(env!("CARGO_BIN_EXE_pbios"))
        .args(["--accel", "tcg", "--trace", "--rom"])
        .arg(&rom)
        .arg(&disk)
        .env("PBIOS_GDB_TRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for call in ["INT 12h", "INT 1Ah", "INT 16h", "INT 13h", "INT 19h"] {
        assert!(err.contains(call), "{call} served: {err}");
    }
    let mut live = std::collections::BTreeSet::new();
    let mut most = 0;
    for line in err.lines() {
        // "<µs since connect> gdb -> <packet>"
        let packet = line.trim_start().split_once(' ').map_or("", |(_, p)| p);
        if let Some(addr) = packet.strip_prefix("gdb -> Z0,") {
            live.insert(addr.to_string());
        } else if let Some(addr) = packet.strip_prefix("gdb -> z0,") {
            live.remove(addr);
        }
        most = most.max(live.len());
    }
    assert!((1..=2).contains(&most), "{most} breakpoints at once: {err}");
}

#[test]
fn unknown_accelerator() {
    let rom = rom_path();
    let disk = tmp("boot7.img", &bootable());
    let out = pbios(&[
        "--accel",
        "hvf",
        "--rom",
        rom.to_str().unwrap(),
        disk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kvm, tcg or auto"), "{err}");
}

/// Pids of the processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        if after.split(' ').nth(1) == Some(&pid.to_string()) {
            out.push(p);
        }
    }
    out
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s[s.rfind(')').unwrap() + 2..].starts_with('Z'))
        .unwrap_or(false)
}

/// Starts pbios on TCG with a guest that spins forever; returns it and
/// its QEMU's pid.
fn spinning_on_tcg(disk: &Path, own_group: bool) -> (std::process::Child, u32) {
    use std::os::unix::process::CommandExt;
    let rom = rom_path();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbios"));
    cmd.args(["--accel", "tcg", "--rom", rom.to_str().unwrap()])
        .arg(disk)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    if own_group {
        cmd.process_group(0);
    }
    let child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let qemu = loop {
        if let Some(&q) = children(child.id()).first() {
            break q;
        }
        assert!(std::time::Instant::now() < deadline, "QEMU never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    (child, qemu)
}

fn spin_disk(name: &str) -> PathBuf {
    let mut spin = vec![0u8; 512];
    spin[..2].copy_from_slice(&[0xEB, 0xFE]); // jmp $
    spin[510] = 0x55;
    spin[511] = 0xAA;
    tmp(name, &spin)
}

#[test]
fn qemu_killed_under_pbios_is_an_error() {
    let disk = spin_disk("spin2.img");
    let (child, qemu) = spinning_on_tcg(&disk, false);
    // SAFETY: signals the QEMU this test's pbios started.
    unsafe { libc::kill(qemu as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "not a guest exit");
    assert_one_line(&out, "QEMU ended abnormally");
}

#[test]
fn qemu_never_outlives_pbios() {
    // A guest that spins forever; pbios is killed by SIGINT to its process
    // group (Ctrl-C in a terminal) and by SIGKILL (a crash); QEMU must be
    // gone right after.
    let disk = spin_disk("spin.img");
    for signal in [libc::SIGINT, libc::SIGKILL] {
        let (mut child, qemu) = spinning_on_tcg(&disk, true);
        // SAFETY: signals the process group of our own child.
        unsafe { libc::kill(-(child.id() as i32), signal) };
        child.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while alive(qemu) {
            assert!(
                std::time::Instant::now() < deadline,
                "QEMU {qemu} outlived pbios (signal {signal})"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn bad_drives_and_boot_orders() {
    let rom = rom_path();
    let rom = rom.to_str().unwrap();
    assert_one_line(&pbios(&["--rom", rom]), "nothing to boot");
    let odd = tmp("odd-floppy.img", &[0u8; 1000]);
    assert_one_line(
        &pbios(&["--rom", rom, "--floppy", odd.to_str().unwrap()]),
        "not a 360K, 720K, 1.2M, 1.44M or 2.88M diskette",
    );
    let cd = tmp("plain.iso", &vec![0u8; 40 * 2048]);
    assert_one_line(
        &pbios(&["--rom", rom, "--cdrom", cd.to_str().unwrap()]),
        "no El Torito boot record",
    );
    let disk = tmp("boot-order.img", &bootable());
    assert_one_line(
        &pbios(&["--rom", rom, "--boot", "cdrom", disk.to_str().unwrap()]),
        "no attached device is in the boot order",
    );
    // clap's usage error: status 2 and the reason.
    let out = pbios(&["--rom", rom, "--boot", "net", disk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'net' is not a boot order"));
    for p in [odd, cd, disk] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn boots_a_floppy_and_a_cdrom() {
    let rom = rom_path();
    let rom = rom.to_str().unwrap();
    // A diskette boot sector that exits with DL (drive 00h): status 1.
    let mut fd = vec![0u8; 1440 * 1024];
    fd[..4].copy_from_slice(&[0x88, 0xD0, 0xE6, 0xF4]); // mov al, dl; out F4h, al
    let fd = tmp("boot.fd", &fd);
    let out = pbios(&["--rom", rom, "--floppy", fd.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A CD whose no-emulation image exits with DL & 7Fh (E0h -> 60h): status C1h.
    let mut image = vec![0u8; 512];
    image[..6].copy_from_slice(&[0x88, 0xD0, 0x24, 0x7F, 0xE6, 0xF4]); // mov al, dl; and al, 7Fh; out
    let cd = tmp(
        "boot.iso",
        &pbios::boot::make_el_torito_image(&image, 0, 64),
    );
    let out = pbios(&["--rom", rom, "--cdrom", cd.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0xC1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(fd);
    let _ = std::fs::remove_file(cd);
}

/// `key=value` from `--stats`'s line.
fn stat<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// Boots a bootable sector with `flag`; the guest's status and `--stats`'s line.
fn stats_run(flag: &str) -> String {
    let rom = rom_path();
    let disk = tmp("stats.img", &bootable());
    let out = pbios(&[flag, "--rom", rom.to_str().unwrap(), disk.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    err.lines()
        .find(|l| l.starts_with("pbios: stats"))
        .unwrap_or_else(|| panic!("no stats line: {err}"))
        .to_string()
}

#[test]
fn stats_report_the_firmware_and_the_run() {
    let line = stats_run("--stats");
    let line = line.as_str();
    // POST's two private calls and INT 19h: three exits, one BIOS call,
    // then the guest's OUT to F4h.
    assert_eq!(stat(line, "firmware-exits"), "3", "{line}");
    assert_eq!(stat(line, "firmware-calls"), "1", "{line}");
    assert_eq!(stat(line, "exits"), "4", "{line}");
    let ms = |k| {
        stat(line, k)
            .trim_end_matches("ms")
            .parse::<f64>()
            .expect(line)
    };
    assert!(
        ms("firmware") > 0.0 && ms("firmware") <= ms("run"),
        "{line}"
    );

    // Single-stepped: the firmware's instruction count. POST is a few
    // thousand instructions (2628 when this was written); the bound catches
    // a loop that grows it by an order of magnitude.
    let line = stats_run("--count-instructions");
    let line = line.as_str();
    let n: u64 = stat(line, "firmware-instructions").parse().expect(line);
    assert!((1000..10_000).contains(&n), "{line}");
    assert_eq!(stat(line, "firmware-exits"), "3", "{line}");

    let rom = rom_path();
    let disk = tmp("stats.img", &bootable());
    assert_one_line(
        &pbios(&[
            "--count-instructions",
            "--accel",
            "tcg",
            "--rom",
            rom.to_str().unwrap(),
            disk.to_str().unwrap(),
        ]),
        "--accel kvm",
    );
}

#[test]
fn the_builtin_rom_boots_a_disk_from_a_copied_binary() {
    // pbios copied elsewhere, with no --rom, no $PBIOS_ROM and no ROM file
    // beside it: the ROM inside the binary boots the disk.
    let dir = std::env::temp_dir().join(format!("pbios-cli-{}-copy", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("pbios");
    std::fs::copy(env!("CARGO_BIN_EXE_pbios"), &exe).unwrap();
    let disk = tmp("builtin.img", &bootable());
    let out = Command::new(&exe)
        .arg(&disk)
        .env_remove("PBIOS_ROM")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the guest's F4h value 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&disk).unwrap();
}

/// A boot sector: `code` at 7C00h, the 16 bytes of `dap` at 7D00h.
fn sector_with(code: &[u8], dap: [u8; 16]) -> Vec<u8> {
    let mut s = vec![0u8; 512];
    s[..code.len()].copy_from_slice(code);
    s[0x100..0x110].copy_from_slice(&dap);
    s[510..].copy_from_slice(&[0x55, 0xAA]);
    s
}

/// An EDD disk address packet: one sector at 0000:8000 from `lba`.
fn dap(lba: u64) -> [u8; 16] {
    let mut d = [
        0x10, 0, 1, 0, 0x00, 0x80, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    d[8..].copy_from_slice(&lba.to_le_bytes());
    d
}

/// A disk image of `sectors` sectors starting with `boot`.
fn image(name: &str, boot: &[u8], sectors: u64) -> PathBuf {
    let p = tmp(name, boot);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(sectors * 512)
        .unwrap();
    p
}

#[test]
fn command_line_mistakes_get_one_line_and_status_2() {
    let rom = rom_path();
    let rom = rom.to_str().unwrap();
    let disk = tmp("mistake.img", &bootable());
    let disk = disk.to_str().unwrap();
    for (args, what) in [
        (vec!["--bogus", disk], "unexpected argument '--bogus'"),
        (vec!["--mem"], "a value is required for '--mem"),
        (vec!["--cpus", "99", disk], "--cpus"),
        (
            vec!["--rom", rom, "--mem", "3001k", disk],
            "whole number of 4 KiB pages",
        ),
    ] {
        let out = pbios(&args);
        assert_one_line(&out, what);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let help = pbios(&["--help"]);
    assert!(help.status.success(), "--help is no mistake");
}

#[test]
fn files_that_are_no_images_are_named_for_what_they_are() {
    let rom = rom_path();
    let rom = rom.to_str().unwrap();
    let disk = tmp("noimage.img", &bootable());
    let disk = disk.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("pbios-cli-{}-dir", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = std::env::temp_dir().join(format!("pbios-cli-{}-fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (dir, fifo) = (dir.to_str().unwrap(), fifo.to_str().unwrap());
    // Each must answer at once: a FIFO is never opened for a blocking read.
    for (args, what) in [
        (vec!["--rom", rom, "--cdrom", dir], "is a directory"),
        (vec!["--rom", rom, dir], "is a directory"),
        (
            vec!["--rom", rom, "--read-only", fifo],
            "not a regular file or a block device",
        ),
        (
            vec!["--rom", rom, "--cdrom", fifo],
            "not a regular file or a block device",
        ),
        (vec!["--rom", fifo, disk], "not a regular file"),
        (vec!["--rom", "/dev/zero", disk], "not a regular file"),
        (vec!["--rom", rom, disk, disk], "is given twice"),
    ] {
        let t = std::time::Instant::now();
        assert_one_line(&pbios(&args), what);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{args:?} hung"
        );
    }
}

#[test]
fn a_writable_image_has_one_user_and_readers_share() {
    let rom = rom_path();
    // A boot sector that spins: the first pbios keeps the image open.
    let spin = sector_with(&[0xEB, 0xFE], dap(0));
    let disk = image("locked.img", &spin, 16);
    let start = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pbios"))
            .args(["--rom", rom.to_str().unwrap()])
            .args(extra)
            .arg(&disk)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start(&[]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = pbios(&["--rom", rom.to_str().unwrap(), disk.to_str().unwrap()]);
    assert_one_line(&out, "is in use by pbios (pid");
    let out = pbios(&[
        "--rom",
        rom.to_str().unwrap(),
        "--read-only",
        disk.to_str().unwrap(),
    ]);
    assert_one_line(&out, "open for writing (locked)");
    first.kill().unwrap();
    first.wait().unwrap();
    // Two readers run side by side.
    let mut readers = [start(&["--read-only"]), start(&["--read-only"])];
    std::thread::sleep(std::time::Duration::from_millis(500));
    for r in &mut readers {
        assert!(r.try_wait().unwrap().is_none(), "a reader was refused");
        r.kill().unwrap();
        r.wait().unwrap();
    }
}

#[test]
fn an_image_that_shrinks_under_the_guest_gives_it_an_error() {
    // Reads LBA 50 with AH=42h until one fails, then exits with AH.
    let code = [
        0x31, 0xC0, // xor ax, ax
        0x8E, 0xD8, // mov ds, ax
        0xB4, 0x42, // again: mov ah, 42h
        0xB2, 0x80, // mov dl, 80h
        0xBE, 0x00, 0x7D, // mov si, 7D00h
        0xCD, 0x13, // int 13h
        0x73, 0xF5, // jnc again
        0x88, 0xE0, // mov al, ah
        0xE6, 0xF4, // out F4h, al
        0xEB, 0xFE, // jmp $
    ];
    let disk = image("shrink.img", &sector_with(&code, dap(50)), 100);
    let rom = rom_path();
    let child = Command::new(env!("CARGO_BIN_EXE_pbios"))
        .args(["--rom", rom.to_str().unwrap()])
        .arg(&disk)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&disk)
        .unwrap()
        .set_len(1024)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some((0x04 << 1) | 1),
        "the guest saw 04h, sector not found: {err}"
    );
    assert!(err.contains("shrank from 51200 to 1024 bytes"), "{err}");
    assert_eq!(
        std::fs::metadata(&disk).unwrap().len(),
        1024,
        "not grown back"
    );
}

#[test]
fn sigterm_during_writes_keeps_every_completed_write() {
    // Writes sector n with n in its first word, n = 1, 2, ... until done.
    let code = [
        0x31, 0xC0, // xor ax, ax
        0x8E, 0xD8, // mov ds, ax
        0xC7, 0x06, 0x08, 0x7D, 0x01, 0x00, // mov word [7D08h], 1
        0xA1, 0x08, 0x7D, // loop: mov ax, [7D08h]
        0xA3, 0x00, 0x80, // mov [8000h], ax
        0xB8, 0x00, 0x43, // mov ax, 4300h
        0xB2, 0x80, // mov dl, 80h
        0xBE, 0x00, 0x7D, // mov si, 7D00h
        0xCD, 0x13, // int 13h
        0x72, 0x0E, // jc fail
        0xFF, 0x06, 0x08, 0x7D, // inc word [7D08h]
        0x81, 0x3E, 0x08, 0x7D, 0x00, 0xF0, // cmp word [7D08h], F000h
        0x72, 0xE2, // jb loop
        0xEB, 0xFE, // jmp $
        0x88, 0xE0, // fail: mov al, ah
        0xE6, 0xF4, // out F4h, al
        0xEB, 0xFE, // jmp $
    ];
    let sectors = 0x1_0000;
    let disk = image("sigterm.img", &sector_with(&code, dap(1)), sectors);
    let rom = rom_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pbios"))
        .args(["--rom", rom.to_str().unwrap()])
        .arg(&disk)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status}");
    let data = std::fs::read(&disk).unwrap();
    let word = |n: usize| u16::from_le_bytes([data[n * 512], data[n * 512 + 1]]);
    let written = (1..sectors as usize)
        .take_while(|&n| usize::from(word(n)) == n)
        .count();
    assert!(written > 0, "no write landed");
    assert!(
        (written + 1..sectors as usize).all(|n| word(n) == 0),
        "{written} sectors written in order, then nothing"
    );
}

#[test]
fn a_reader_keeps_away_from_a_qemu_that_writes_the_image() {
    // QEMU's image locking: a shared lock on byte 101 marks a writer.
    let disk = image("qemu-lock.img", &bootable(), 16);
    let mut qemu = Command::new(std::env::var("PBIOS_QEMU").unwrap_or("qemu-system-x86_64".into()))
        .args(["-nodefaults", "-display", "none", "-S", "-drive"])
        .arg(format!("file={},format=raw,if=ide", disk.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("QEMU runs (cargo xtask test installs it)");
    // Until QEMU has its locks (/proc/locks lists them by inode): a pbios
    // reader before that would keep QEMU from starting.
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&disk).unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|l| l.contains(&format!(":{ino} ")))
    {
        assert!(std::time::Instant::now() < deadline, "QEMU took no lock");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // QEMU sets its locks in two steps at start-up; let it finish.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let rom = rom_path();
    let out = pbios(&[
        "--rom",
        rom.to_str().unwrap(),
        "--read-only",
        disk.to_str().unwrap(),
    ]);
    let _ = qemu.kill();
    let q = qemu.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("locked"),
        "QEMU said: {}",
        String::from_utf8_lossy(&q.stderr)
    );
    assert_one_line(&out, "a QEMU process has it open for writing (locked)");
}

#[test]
fn memory_sizes_are_read_as_qemu_reads_them() {
    let rom = rom_path();
    let rom = rom.to_str().unwrap();
    let disk = tmp("mem.img", &bootable());
    let disk = disk.to_str().unwrap();
    // A bare number is MiB, fractions and -m work: these boot.
    for args in [
        vec!["-m", "3"],
        vec!["--mem", "1.5G"],
        vec!["--mem", "64MB"],
    ] {
        let mut all = vec!["--rom", rom];
        all.extend(&args);
        all.push(disk);
        let out = pbios(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    }
    assert_one_line(&pbios(&["--rom", rom, "-m", "1", disk]), "too small");
    assert_one_line(&pbios(&["--rom", rom, "-m", "2000000", disk]), "too large");
    assert_one_line(
        &pbios(&["--rom", rom, "-m", "1.5x", disk]),
        "a bare number is MiB",
    );
}

#[test]
fn images_pbios_cannot_read_get_a_hint() {
    let rom = rom_path();
    let mut head = vec![0u8; 1024];
    head[..4].copy_from_slice(b"KDMV");
    let disk = tmp("image.vmdk", &head);
    let out = pbios(&["--rom", rom.to_str().unwrap(), disk.to_str().unwrap()]);
    assert_one_line(
        &out,
        "it is a VMDK image, and pbios boots raw and qcow2 images (qemu-img convert -O qcow2",
    );
    // A qcow2 header and nothing else: imago's complaint, on one line.
    head[..4].copy_from_slice(b"QFI\xfb");
    let disk = tmp("broken.qcow2", &head);
    let out = pbios(&["--rom", rom.to_str().unwrap(), disk.to_str().unwrap()]);
    assert_one_line(&out, "qcow2");
}
