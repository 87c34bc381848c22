//! `pbios-bench` (run by `cargo xtask bench`): pbios side by side with QEMU
//! and SeaBIOS, as whole processes, on both accelerators.
//!
//! 1. Boot latency: launch to exit for a boot sector that writes to port
//!    F4h at once; plus pbios's own firmware time (`pbios --stats`).
//! 2. INT 13h throughput: a guest reading 64 MiB with AH=42h, 127 sectors a
//!    call, into a buffer below 1 MiB and through a flat 64-bit address.
//! 3. Per-call overhead: a guest looping over one BIOS call, against the
//!    same loop over a bare `out`.
//!
//! A figure that needs a baseline (a read, a call) is the difference
//! between a run of the guest and a run of the same guest with the loop
//! count set to 0. Every comparison is measured in rounds: each round runs
//! every contestant once, in an order that rotates from round to round, and
//! the ratio is taken within a round. Tables show the median and (min–max)
//! over the rounds, since this machine is shared and noisy.

use iced_x86::code_asm::*;
use pbios_tests::harness::pattern_byte;
use pbios_tests::harness::{exit, guest, DAP};
use pbios_tests::seabios::{drive, qemu_binary, qemu_command, seabios_path};
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Sectors per INT 13h call (the most some BIOSes allow).
const CHUNK: u32 = 127;
/// Where the low buffer is: 1000:0000.
const LOW_SEGMENT: u16 = 0x1000;
/// The flat buffer: 1 MiB, reachable from real mode at FFFF:0010 for the
/// check (A20 is on under both BIOSes).
const FLAT_BUFFER: u32 = 0x10_0000;
/// A run that takes longer has hung, and is killed.
const RUN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// Guest RAM for every run.
const MEM: &str = "128M";

type Result<T> = std::result::Result<T, String>;

/// One way to run a guest disk image.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Machine {
    Pbios(Accel),
    Qemu(Accel, Bus),
    /// QEMU with a 64 KiB "firmware" that exits at the reset vector: the
    /// floor of any QEMU-based run (process start, machine setup, exit).
    QemuAlone(Accel),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Accel {
    Kvm,
    Tcg,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bus {
    Ide,
    Virtio,
}

impl Accel {
    fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

impl Machine {
    fn name(self) -> String {
        match self {
            Machine::Pbios(_) => "pbios".into(),
            Machine::Qemu(_, Bus::Ide) => "QEMU + SeaBIOS, IDE".into(),
            Machine::Qemu(_, Bus::Virtio) => "QEMU + SeaBIOS, virtio-blk".into(),
            Machine::QemuAlone(_) => "QEMU alone".into(),
        }
    }
}

struct Tools {
    pbios: PathBuf,
    rom: PathBuf,
    seabios: PathBuf,
    dir: PathBuf,
}

impl Tools {
    /// The command line for `m` booting `disks[0]`, with `disks[1..]` as
    /// the next hard disks (81h, ...).
    fn command(&self, m: Machine, disks: &[&Path], extra: &[&str]) -> Command {
        match m {
            Machine::Pbios(accel) => {
                let mut c = Command::new(&self.pbios);
                c.arg("--rom").arg(&self.rom);
                c.args(["--mem", MEM, "--accel", accel.name()]);
                c.args(extra).args(disks);
                c
            }
            Machine::QemuAlone(accel) => self.qemu(accel, &self.dir.join("exit-at-reset.bin")),
            Machine::Qemu(accel, bus) => {
                let mut c = self.qemu(accel, &self.seabios);
                c.args(extra);
                let bus = match bus {
                    Bus::Ide => "ide",
                    Bus::Virtio => "virtio",
                };
                for (i, disk) in disks.iter().enumerate() {
                    if bus == "ide" {
                        c.arg("-drive")
                            .arg(drive(disk, &format!("if=ide,index={i}")));
                    } else {
                        // bootindex makes the first disk 80h and the boot disk.
                        c.arg("-drive")
                            .arg(drive(disk, &format!("if=none,id=d{i}")));
                        c.arg("-device")
                            .arg(format!("virtio-blk-pci,drive=d{i},bootindex={i}"));
                    }
                }
                c
            }
        }
    }

    fn qemu(&self, accel: Accel, bios: &Path) -> Command {
        let mut c = qemu_command(accel.name(), bios);
        c.args(["-machine", "pc", "-m", MEM]);
        c
    }

    /// Runs `m` on `disk` to the guest's exit; its wall time in seconds and
    /// its stderr. The guest must exit with value 0 (status 1).
    fn run(&self, m: Machine, disks: &[&Path], extra: &[&str]) -> Result<(f64, String)> {
        let mut c = self.command(m, disks, extra);
        if std::env::var_os("PBIOS_BENCH_VERBOSE").is_some() {
            eprintln!("bench: {c:?}");
        }
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let t = Instant::now();
        let mut child = c
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", m.name()))?;
        // A run that hangs (a guest that never exits) is killed.
        let pid = child.id() as libc::pid_t;
        let (done, watch) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if watch.recv_timeout(RUN_TIMEOUT).is_err() {
                // SAFETY: plain kill(2) of our own child, not yet reaped.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        });
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        let status = child.wait().map_err(|e| e.to_string());
        let _ = done.send(());
        let _ = watchdog.join();
        let status = status?;
        let secs = t.elapsed().as_secs_f64();
        match status.code() {
            Some(1) => Ok((secs, err)),
            Some(3) => Err(format!("{}: the guest's INT 13h failed", m.name())),
            Some(5) => Err(format!(
                "{}: the guest found other data in its buffer",
                m.name()
            )),
            _ => Err(format!(
                "{} on {} failed ({status}): {}",
                m.name(),
                disks[0].display(),
                err.lines().last().unwrap_or("")
            )),
        }
    }
}

/// Runs `measure` for every contestant in rounds, rotating the order each
/// round. Returns each contestant's samples, in round order.
fn rounds<T>(
    contestants: &[T],
    n: usize,
    mut measure: impl FnMut(&T) -> Result<f64>,
) -> Result<Vec<Vec<f64>>> {
    let mut samples = vec![Vec::new(); contestants.len()];
    for r in 0..n {
        for k in 0..contestants.len() {
            let i = (k + r) % contestants.len();
            let s = measure(&contestants[i])?;
            samples[i].push(s);
        }
    }
    Ok(samples)
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    if s.is_empty() {
        return f64::NAN;
    }
    if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    }
}

/// "median (min–max)" with `prec` decimals.
fn summary(v: &[f64], prec: usize) -> String {
    let s = sorted(v);
    match (s.first(), s.last()) {
        (Some(lo), Some(hi)) => format!("{:.prec$} ({lo:.prec$}–{hi:.prec$})", median(v)),
        _ => "—".into(),
    }
}

/// Per-round ratios `a[i] / b[i]`.
fn ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x / y).collect()
}

fn ratio_summary(v: &[f64]) -> String {
    let s = sorted(v);
    match (s.first(), s.last()) {
        (Some(lo), Some(hi)) => {
            let p = if median(v) >= 10.0 { 0 } else { 2 };
            format!("{:.p$}× ({lo:.p$}–{hi:.p$})", median(v))
        }
        _ => "—".into(),
    }
}

/// Writes a disk image: `sectors`, then zeros to 1 MiB (SeaBIOS's
/// virtio-blk driver does not boot a one-sector disk).
fn write_image(path: &Path, sectors: &[Vec<u8>]) -> Result<()> {
    let data: Vec<u8> = sectors.concat();
    std::fs::write(path, &data)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .set_len((data.len() as u64).max(1 << 20))
        })
        .map_err(|e| format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------- boot

fn boot_latency(t: &Tools, md: &mut String, pairs: usize) -> Result<()> {
    eprintln!("bench: boot latency");
    let disk = t.dir.join("boot.img");
    write_image(&disk, &[guest(|_| Ok(()))])?;
    let _ = writeln!(
        md,
        "## Boot latency\n\n\
         Whole-process wall time from launch to the guest's exit, for a boot\n\
         sector that writes to port F4h at once (QEMU's isa-debug-exit on both\n\
         sides). QEMU runs SeaBIOS {} with `-nodefaults` (no VGA, no NIC: its\n\
         fastest configuration) and the image on IDE; pbios runs with its\n\
         defaults. Median (min–max) of {pairs} rounds, in ms; the ratio is\n\
         QEMU's time over pbios's, per round. \"QEMU alone\" is the same QEMU\n\
         with a ROM that exits at the reset vector: the floor of any run on\n\
         QEMU, which pbios's TCG backend (QEMU driven as a debugger) is too.\n",
        seabios_version()
    );
    let _ = writeln!(
        md,
        "| accelerator | pbios | QEMU + SeaBIOS | pbios is faster by | QEMU alone |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    // A ROM whose reset vector writes 0 to port F4h.
    let mut rom = vec![0xF4u8; abi::ROM_SIZE];
    rom[0xFFF0..0xFFF6].copy_from_slice(&[0xB0, 0x00, 0xE6, 0xF4, 0xEB, 0xFE]);
    let floor = t.dir.join("exit-at-reset.bin");
    std::fs::write(&floor, rom).map_err(|e| format!("{}: {e}", floor.display()))?;
    for accel in [Accel::Kvm, Accel::Tcg] {
        let machines = [
            Machine::Pbios(accel),
            Machine::Qemu(accel, Bus::Ide),
            Machine::QemuAlone(accel),
        ];
        let s = rounds(&machines, pairs, |&m| {
            t.run(m, &[&disk], &[]).map(|(secs, _)| secs * 1e3)
        })?;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            accel.name(),
            summary(&s[0], 1),
            summary(&s[1], 1),
            ratio_summary(&ratios(&s[1], &s[0])),
            summary(&s[2], 1)
        );
    }

    serial_probe(t, md, pairs)?;

    // The firmware alone, as pbios measures it.
    let _ = writeln!(
        md,
        "\npbios's firmware alone, from the vCPU's first instruction at the\n\
         reset vector to the boot sector's first (`pbios --stats`): POST,\n\
         INT 19h and loading the boot sector. An exit is a VM exit to pbios on\n\
         KVM and a debugger stop on TCG. The instruction count comes from\n\
         single-stepping the same run on KVM (`pbios --count-instructions`);\n\
         a `rep stosd` counts once.\n"
    );
    let _ = writeln!(
        md,
        "| accelerator | firmware time (ms) | exits | BIOS calls | guest instructions |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    let instructions = {
        let (_, err) = t.run(
            Machine::Pbios(Accel::Kvm),
            &[&disk],
            &["--count-instructions"],
        )?;
        stat(&err, "firmware-instructions")?
    };
    for accel in [Accel::Kvm, Accel::Tcg] {
        let mut times = Vec::new();
        let mut exits = String::new();
        let mut calls = String::new();
        for _ in 0..pairs {
            let (_, err) = t.run(Machine::Pbios(accel), &[&disk], &["--stats"])?;
            times.push(
                stat(&err, "firmware")?
                    .trim_end_matches("ms")
                    .parse::<f64>()
                    .map_err(|e| e.to_string())?,
            );
            exits = stat(&err, "firmware-exits")?;
            calls = stat(&err, "firmware-calls")?;
        }
        let insns = if accel == Accel::Kvm {
            instructions.clone()
        } else {
            "(same ROM)".into()
        };
        let _ = writeln!(
            md,
            "| {} | {} | {exits} | {calls} | {insns} |",
            accel.name(),
            summary(&times, 2)
        );
    }
    Ok(())
}

/// Bytes the serial probe prints.
const PROBE_BYTES: u32 = 5141;

/// A guest that probes the machine as a boot loader does (80 BIOS calls:
/// INT 11h, 12h, 1Ah AH=00h and 15h AH=88h, 20 times) and prints
/// [`PROBE_BYTES`] bytes on COM1 by polling LSR and writing THR, then
/// exits: launch to exit, pbios beside QEMU + SeaBIOS (`-serial null`).
fn serial_probe(t: &Tools, md: &mut String, pairs: usize) -> Result<()> {
    let disk = t.dir.join("serial-probe.img");
    write_image(
        &disk,
        &[guest(|a| {
            a.mov(si, 20u32)?;
            let mut probe = a.create_label();
            a.set_label(&mut probe)?;
            a.int(0x11)?;
            a.int(0x12)?;
            a.mov(ah, 0x00u32)?;
            a.int(0x1A)?;
            a.mov(ah, 0x88u32)?;
            a.int(0x15)?;
            a.dec(si)?;
            a.jnz(probe)?;
            a.mov(ebp, PROBE_BYTES)?;
            let mut byte = a.create_label();
            a.set_label(&mut byte)?;
            a.mov(ah, u32::from(b'.'))?;
            com1_send(a)?;
            a.dec(ebp)?;
            a.jnz(byte)
        })],
    )?;
    let _ = writeln!(
        md,
        "\nA serial probe: a boot sector that makes 80 BIOS calls (INT 11h, 12h,\n\
         1Ah, 15h AH=88h) and prints {PROBE_BYTES} bytes on COM1 by polling LSR\n\
         and writing THR, launch to exit; QEMU gets `-serial null`. Median\n\
         (min–max) of {pairs} rounds, in ms.\n"
    );
    let _ = writeln!(
        md,
        "| accelerator | pbios | QEMU + SeaBIOS | pbios is faster by |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    for accel in [Accel::Kvm, Accel::Tcg] {
        let machines = [Machine::Pbios(accel), Machine::Qemu(accel, Bus::Ide)];
        let s = rounds(&machines, pairs, |&m| {
            let extra: &[&str] = match m {
                Machine::Qemu(..) => &["-serial", "null"],
                _ => &[],
            };
            t.run(m, &[&disk], extra).map(|(secs, _)| secs * 1e3)
        })?;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            accel.name(),
            summary(&s[0], 1),
            summary(&s[1], 1),
            ratio_summary(&ratios(&s[1], &s[0]))
        );
    }
    Ok(())
}

/// `key=value` from `pbios --stats`'s line.
fn stat(stderr: &str, key: &str) -> Result<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("pbios: stats"))
        .flat_map(|l| l.split_whitespace())
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
        .ok_or_else(|| format!("no {key} in pbios's --stats line: {stderr}"))
}

fn seabios_version() -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "seabios"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|| "(version unknown)".into())
}

// ---------------------------------------------------------------- INT 13h

/// The data sectors' content: the test disks' pattern, whose first 8
/// bytes are the LBA (the guest checks it).
fn data_sector(lba: u64) -> Vec<u8> {
    (0..512).map(|o| pattern_byte(lba, o)).collect()
}

/// A guest that reads `calls` x 127 sectors of drive 81h from LBA 1 on,
/// `passes` times over, with AH=42h into 1000:0000 or (`flat`) through the
/// 64-bit address 1 MiB, then checks the last chunk's LBA stamp. Exit value
/// 0 on success, 1 if a call set CF, 2 if the data was wrong.
fn reader(calls: u32, passes: u32, flat: bool) -> Vec<u8> {
    guest(|a| {
        let mut pass = a.create_label();
        let mut top = a.create_label();
        let mut failed = a.create_label();
        let mut wrong = a.create_label();
        let mut end = a.create_label();
        a.mov(ecx, passes)?;
        a.test(ecx, ecx)?;
        a.jz(end)?;
        // The packet is filled once; a call changes only its LBA (the BIOS
        // leaves the packet's count alone when all sectors are read).
        a.mov(word_ptr(DAP), if flat { 0x18u32 } else { 0x10 })?;
        a.mov(word_ptr(DAP + 2), CHUNK)?;
        if flat {
            a.mov(dword_ptr(DAP + 4), 0xFFFF_FFFFu32)?;
            a.mov(dword_ptr(DAP + 16), FLAT_BUFFER)?;
            a.mov(dword_ptr(DAP + 20), 0u32)?;
        } else {
            a.mov(word_ptr(DAP + 4), 0u32)?;
            a.mov(word_ptr(DAP + 6), u32::from(LOW_SEGMENT))?;
        }
        a.mov(dword_ptr(DAP + 12), 0u32)?;
        a.mov(dl, 0x81u32)?;
        a.mov(si, DAP)?;
        a.set_label(&mut pass)?;
        a.mov(ebx, calls)?;
        a.mov(ebp, 1u32)?;
        a.set_label(&mut top)?;
        a.mov(dword_ptr(DAP + 8), ebp)?;
        a.mov(ah, 0x42u32)?;
        a.int(0x13)?;
        a.jc(failed)?;
        a.add(ebp, CHUNK)?;
        a.dec(ebx)?;
        a.jnz(top)?;
        a.dec(ecx)?;
        a.jnz(pass)?;
        // The last chunk began at EBP - 127.
        a.sub(ebp, CHUNK)?;
        if flat {
            a.mov(ax, 0xFFFFu32)?;
            a.mov(es, ax)?;
            a.cmp(dword_ptr(0x10).es(), ebp)?;
        } else {
            a.mov(ax, u32::from(LOW_SEGMENT))?;
            a.mov(es, ax)?;
            a.cmp(dword_ptr(0).es(), ebp)?;
        }
        a.jne(wrong)?;
        a.jmp(end)?;
        a.set_label(&mut failed)?;
        exit(a, 1)?;
        a.set_label(&mut wrong)?;
        exit(a, 2)?;
        a.set_label(&mut end)?;
        a.nop()
    })
}

/// The data disk for reads of `calls` chunks (cached by size): LBA 0
/// empty, then stamped sectors.
fn data_disk(dir: &Path, calls: u32) -> Result<PathBuf> {
    let sectors = 1 + u64::from(calls) * u64::from(CHUNK);
    let data = dir.join(format!("data-{sectors}.img"));
    if std::fs::metadata(&data).map(|m| m.len()).ok() != Some(sectors * 512) {
        eprintln!("bench: writing {} ({} MiB)", data.display(), sectors >> 11);
        let mut all = vec![0u8; 512];
        all.reserve((sectors * 512) as usize);
        for lba in 1..sectors {
            all.extend_from_slice(&data_sector(lba));
        }
        std::fs::write(&data, &all).map_err(|e| format!("{}: {e}", data.display()))?;
    }
    Ok(data)
}

/// The host's own pread throughput over the same bytes, in the same
/// chunks: the ceiling for a BIOS that reads on the host.
fn pread_mb_s(path: &Path, calls: u32, passes: u32) -> Result<f64> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let chunk = CHUNK as usize * 512;
    let mut buf = vec![0u8; chunk];
    let t = Instant::now();
    for _ in 0..passes {
        for i in 0..u64::from(calls) {
            f.read_exact_at(&mut buf, 512 + i * chunk as u64)
                .map_err(|e| e.to_string())?;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    std::hint::black_box(&buf);
    Ok(chunk as f64 * f64::from(calls * passes) / secs / 1e6)
}

fn throughput(
    t: &Tools,
    md: &mut String,
    calls: u32,
    tcg_calls: u32,
    kvm_passes: u32,
    pairs: usize,
) -> Result<()> {
    let _ = writeln!(
        md,
        "## INT 13h throughput\n\n\
         A guest reads drive 81h (a second disk holding the data) with AH=42h,\n\
         {CHUNK} sectors a call, from LBA 1 on, then checks the last chunk's\n\
         data; the same guest with no calls is run in the same round, and the\n\
         difference is the reading time. pbios on KVM reads the data {kvm_passes}\n\
         times over, so that its read stands clear of the noise in a process's\n\
         run time; everything else reads it once. MB/s is\n\
         10⁶ bytes a second; median (min–max) of {pairs} rounds. \"below 1 MiB\"\n\
         reads into 1000:0000; \"flat\" passes the EDD 3.0 64-bit address\n\
         100000h (buffer FFFF:FFFF in the packet). The host row is pbios's\n\
         ceiling: `pread` of the same file in the same chunks, page cache warm.\n"
    );
    let _ = writeln!(
        md,
        "| accelerator | machine | buffer | read | MB/s | pbios is faster by |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---:|");
    for accel in [Accel::Kvm, Accel::Tcg] {
        let n = if accel == Accel::Kvm {
            calls
        } else {
            tcg_calls
        };
        let data = data_disk(&t.dir, n)?;
        let chunk_bytes = f64::from(CHUNK) * 512.0;
        eprintln!("bench: INT 13h on {}, {n} calls a pass", accel.name());
        let machines = [
            Machine::Pbios(accel),
            Machine::Qemu(accel, Bus::Ide),
            Machine::Qemu(accel, Bus::Virtio),
        ];
        // pbios on KVM reads the data several times over, so that its read
        // stands well clear of the noise in a process's run time.
        let passes = |m: Machine| {
            if m == Machine::Pbios(Accel::Kvm) {
                kvm_passes
            } else {
                1
            }
        };
        for (label, flat) in [("below 1 MiB", false), ("flat", true)] {
            let name = if flat { "flat" } else { "low" };
            let boot = |p: u32| -> Result<PathBuf> {
                let path = t.dir.join(format!("read-{name}-{n}x{p}.img"));
                write_image(&path, &[reader(n, p, flat)])?;
                Ok(path)
            };
            let empty = boot(0)?;
            let mut full = Vec::new();
            for &m in &machines {
                full.push(boot(passes(m))?);
            }
            // A BIOS that ignores the 64-bit address fails the guest's data
            // check: one probe run tells, and such a machine gets a note.
            let mut serving = Vec::new();
            for (i, &m) in machines.iter().enumerate() {
                match t.run(m, &[&full[i], &data], &[]) {
                    Ok(_) => serving.push(i),
                    Err(e) if i > 0 && flat => {
                        let _ = writeln!(
                            md,
                            "| {} | {} | {label} | — | not served: {} | — |",
                            accel.name(),
                            m.name(),
                            e.trim_start_matches(&format!("{}: ", m.name()))
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            let s = rounds(&serving, pairs, |&i| {
                let m = machines[i];
                let with = t.run(m, &[&full[i], &data], &[])?.0;
                let without = t.run(m, &[&empty, &data], &[])?.0;
                let bytes = chunk_bytes * f64::from(n * passes(m));
                Ok(bytes / (with - without).max(1e-6) / 1e6)
            })?;
            for (k, &i) in serving.iter().enumerate() {
                let m = machines[i];
                let vs = if k == 0 {
                    String::new()
                } else {
                    ratio_summary(&ratios(&s[0], &s[k]))
                };
                let mib = chunk_bytes * f64::from(n * passes(m)) / f64::from(1u32 << 20);
                let _ = writeln!(
                    md,
                    "| {} | {} | {label} | {mib:.0} MiB | {} | {vs} |",
                    accel.name(),
                    m.name(),
                    summary(&s[k], 0)
                );
            }
        }
        if accel == Accel::Kvm {
            let host: Vec<f64> = (0..pairs)
                .map(|_| pread_mb_s(&data, n, kvm_passes))
                .collect::<Result<_>>()?;
            let mib = chunk_bytes * f64::from(n * kvm_passes) / f64::from(1u32 << 20);
            let _ = writeln!(
                md,
                "| host | `pread`, {} KiB chunks | — | {mib:.0} MiB | {} | |",
                CHUNK * 512 / 1024,
                summary(&host, 0)
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- per call

/// What one loop iteration does.
#[derive(Clone, Copy)]
struct Kind {
    name: &'static str,
    body: fn(&mut CodeAssembler) -> std::result::Result<(), IcedError>,
}

const KINDS: [Kind; 5] = [
    Kind {
        name: "bare `out 80h, al` (no BIOS call)",
        body: |a| a.out(0x80, al),
    },
    Kind {
        name: "INT 1Ah AH=00h (read tick count)",
        body: |a| {
            a.mov(ah, 0x00u32)?;
            a.int(0x1A)
        },
    },
    Kind {
        name: "INT 16h AH=01h (key check)",
        body: |a| {
            a.mov(ah, 0x01u32)?;
            a.int(0x16)
        },
    },
    Kind {
        name: "INT 13h AH=41h (EDD check)",
        body: |a| {
            a.mov(ah, 0x41u32)?;
            a.mov(bx, 0x55AAu32)?;
            a.mov(dl, 0x80u32)?;
            a.int(0x13)
        },
    },
    Kind {
        name: "a byte on COM1: poll LSR, write THR (no BIOS call)",
        body: |a| {
            a.mov(ah, u32::from(b'.'))?;
            com1_send(a)
        },
    },
];

/// Sends AH on COM1 as a polling driver does: wait for LSR's THR-empty
/// bit, write THR (clobbers AL and DX).
fn com1_send(a: &mut CodeAssembler) -> std::result::Result<(), IcedError> {
    a.mov(dx, 0x3FDu32)?;
    let mut wait = a.create_label();
    a.set_label(&mut wait)?;
    a.in_(al, dx)?;
    a.test(al, 0x20u32)?;
    a.jz(wait)?;
    a.mov(dx, 0x3F8u32)?;
    a.mov(al, ah)?;
    a.out(dx, al)
}

/// A guest that runs `kind` `n` times (counter in ESI, which none of the
/// calls touches), then exits.
fn looping(kind: Kind, n: u32) -> Vec<u8> {
    guest(|a| {
        a.mov(esi, n)?;
        let mut top = a.create_label();
        let mut done = a.create_label();
        a.test(esi, esi)?;
        a.jz(done)?;
        a.set_label(&mut top)?;
        (kind.body)(a)?;
        a.dec(esi)?;
        a.jnz(top)?;
        a.set_label(&mut done)?;
        a.nop()
    })
}

fn per_call(
    t: &Tools,
    md: &mut String,
    kvm_calls: u32,
    tcg_calls: u32,
    pairs: usize,
) -> Result<()> {
    let _ = writeln!(
        md,
        "## Cost of one BIOS call\n\n\
         A guest loops N times over one call; the same guest with N = 0 runs in\n\
         the same round, and the difference divided by N is one sample, in µs\n\
         per call; median (min–max) of {pairs} rounds. The ratio is to the\n\
         first row, per round. On KVM the first row is the floor of one exit\n\
         to pbios (a port write nobody handles) on this machine. On TCG a port\n\
         write never leaves QEMU, so that row is QEMU's own cost of an `out`,\n\
         and a BIOS call goes through the ROM's mailbox (below); its ratio is\n\
         to the same call on KVM.\n"
    );
    let _ = writeln!(md, "| accelerator | N | loop body | µs per call | ratio |");
    let _ = writeln!(md, "|---|---:|---|---:|---:|");
    let mut kvm_samples: Vec<Vec<f64>> = Vec::new();
    for (accel, calls) in [(Accel::Kvm, kvm_calls), (Accel::Tcg, tcg_calls)] {
        eprintln!("bench: per call on {}, {calls} calls", accel.name());
        let mut images = Vec::new();
        for (i, &k) in KINDS.iter().enumerate() {
            let full = t.dir.join(format!("call-{i}-{calls}.img"));
            let empty = t.dir.join(format!("call-{i}-0.img"));
            write_image(&full, &[looping(k, calls)])?;
            write_image(&empty, &[looping(k, 0)])?;
            images.push((full, empty));
        }
        let s = rounds(&images, pairs, |(full, empty)| {
            let m = Machine::Pbios(accel);
            let with = t.run(m, &[full], &[])?.0;
            let without = t.run(m, &[empty], &[])?.0;
            Ok((with - without).max(0.0) * 1e6 / f64::from(calls))
        })?;
        for (i, k) in KINDS.iter().enumerate() {
            let ratio = match accel {
                Accel::Kvm => format!("{} the exit floor", ratio_summary(&ratios(&s[i], &s[0]))),
                Accel::Tcg if i == 0 => "—".into(),
                Accel::Tcg => format!("{} KVM", ratio_summary(&ratios(&s[i], &kvm_samples[i]))),
            };
            let _ = writeln!(
                md,
                "| {} | {calls} | {} | {} | {ratio} |",
                accel.name(),
                k.name,
                summary(&s[i], 2)
            );
        }
        if accel == Accel::Kvm {
            kvm_samples = s;
        }
    }
    tcg_breakdown(t, md, tcg_calls)
}

/// Where a TCG call's time goes, from the time stamps of pbios's GDB trace
/// (`$PBIOS_GDB_TRACE`, which logs the mailbox too) over one run of the
/// INT 1Ah loop.
fn tcg_breakdown(t: &Tools, md: &mut String, calls: u32) -> Result<()> {
    let img = t.dir.join(format!("call-1-{calls}.img"));
    let mut c = t.command(Machine::Pbios(Accel::Tcg), &[&img], &[]);
    let out = c
        .env("PBIOS_GDB_TRACE", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run pbios: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    // (time in µs, event)
    let events: Vec<(f64, &str)> = err
        .lines()
        .filter_map(|l| {
            let (t, rest) = l.trim_start().split_once(' ')?;
            Some((t.parse().ok()?, rest))
        })
        .collect();
    // [call in -> answer out, answer out -> next call in]
    let mut phases: [Vec<f64>; 2] = Default::default();
    let (mut call, mut answered, mut stopped) = (None::<f64>, None::<f64>, 0usize);
    for &(time, e) in &events {
        if e.starts_with("mailbox <-") {
            if let Some(a) = answered {
                phases[1].push(time - a);
            }
            call = Some(time);
            answered = None;
        } else if e == "mailbox -> answered" {
            if let Some(c) = call {
                phases[0].push(time - c);
            }
            answered = Some(time);
        } else if e == "mailbox -> stop" {
            stopped += 1;
            answered = None;
        }
    }
    if phases[1].len() < 10 {
        return Err(format!(
            "the trace showed {} mailbox calls",
            phases[1].len()
        ));
    }
    let total: f64 = phases.iter().map(|p| median(p)).sum();
    let _ = writeln!(
        md,
        "\nWhere a TCG call's time goes: the time stamps of pbios's trace\n\
         (`$PBIOS_GDB_TRACE`, which itself adds to every step) over {} calls\n\
         of the INT 1Ah loop ({stopped} of them needed a debugger stop), median\n\
         µs per call for each step. A call goes through the ROM's mailbox:\n\
         the guest leaves its registers on its stack, sends SS:SP to a debug\n\
         console on the trap port and spins until pbios has written the\n\
         answer into shared RAM; no debugger stop unless the service wrote\n\
         memory where QEMU may hold translated code.\n",
        phases[0].len()
    );
    let _ = writeln!(md, "| step | µs | share |");
    let _ = writeln!(md, "|---|---:|---:|");
    for (name, p) in [
        "pbios: SS:SP read, the call served, the answer written",
        "guest: sees the answer, returns, loops, enters the mailbox, sends SS:SP",
    ]
    .iter()
    .zip(&phases)
    {
        let m = median(p);
        let _ = writeln!(md, "| {name} | {m:.1} | {:.0}% |", 100.0 * m / total);
    }
    Ok(())
}

// ---------------------------------------------------------------- loaders

/// Guest RAM for the real-loader rows (Linux wants more than 128 MiB).
const LOADER_MEM: &str = "256M";
/// A real-loader run that takes longer has hung, and is killed.
const LOADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);
/// What the DOS-style client prints on COM1 when it reaches its "prompt".
const DOS_MARKER: &str = "PBIOS-DOS: prompt";

/// A guest to boot to a marker: a real loader from `cargo xtask images`, or
/// the home-made DOS-style client.
struct Loader {
    name: &'static str,
    path: PathBuf,
    cdrom: bool,
    marker: &'static str,
}

/// What one run to a marker saw: wall time from launch to the marker, and
/// Linux's own time stamp of `Run /init` (guest time since its clock
/// started), if it printed one.
struct MarkerRun {
    secs: f64,
    run_init: Option<f64>,
}

/// The DOS-style polling client, as DOS boots: a boot sector that loads a
/// 32 KiB "kernel" with INT 13h AH=02h a sector a call (CHS, as a DOS boot
/// sector does), asks the machine's size (INT 11h, 12h, 15h AH=88h) and the
/// clock (INT 1Ah AH=02h), prints a banner with INT 10h AH=0Eh, then sits
/// at its prompt polling the keyboard and the tick count (INT 16h AH=01h,
/// INT 1Ah AH=00h) 400 times, and prints its marker on COM1 by port I/O.
/// About 900 BIOS calls.
fn dos_client() -> Vec<Vec<u8>> {
    const SECTORS: u32 = 64;
    const POLLS: u32 = 400;
    // The strings, in the boot sector after the code.
    const BANNER: u32 = 0x7D80;
    const MARKER: u32 = 0x7DC0;
    let banner = b"DOS-style client: loading...\r\n\0";
    let code = pbios_tests::harness::guest_code(|a| {
        // Load sectors 2..=65 (CHS: 63 sectors a track, 16 heads) to 1000:0000.
        a.mov(ax, 0x1000u32)?;
        a.mov(es, ax)?;
        a.xor(bx, bx)?;
        a.mov(esi, 0u32)?;
        let mut load = a.create_label();
        a.set_label(&mut load)?;
        // LBA = ESI + 1 -> CHS with 63 sectors/track, 16 heads.
        a.mov(eax, esi)?;
        a.inc(eax)?;
        a.xor(edx, edx)?;
        a.mov(ecx, 63u32)?;
        a.div(ecx)?; // EAX = track, EDX = sector - 1
        a.mov(cx, dx)?;
        a.inc(cx)?;
        a.xor(edx, edx)?;
        a.mov(edi, 16u32)?;
        a.div(edi)?; // EAX = cylinder, EDX = head
        a.mov(ch, al)?;
        a.shl(ah, 6)?;
        a.or(cl, ah)?;
        a.mov(dh, dl)?;
        a.mov(dl, 0x80u32)?;
        a.mov(ax, 0x0201u32)?;
        a.int(0x13)?;
        let mut ok = a.create_label();
        a.jnc(ok)?;
        exit(a, 1)?;
        a.set_label(&mut ok)?;
        a.add(bx, 512u32)?;
        a.inc(esi)?;
        a.cmp(esi, SECTORS)?;
        a.jb(load)?;
        // The machine and the clock.
        a.int(0x11)?;
        a.int(0x12)?;
        a.mov(ah, 0x88u32)?;
        a.int(0x15)?;
        a.mov(ah, 0x02u32)?;
        a.int(0x1A)?;
        // The banner (a NUL-terminated string at BANNER).
        a.mov(si, BANNER)?;
        let mut next = a.create_label();
        let mut printed = a.create_label();
        a.set_label(&mut next)?;
        a.lodsb()?;
        a.test(al, al)?;
        a.jz(printed)?;
        a.mov(ah, 0x0Eu32)?;
        a.mov(bx, 0x0007u32)?;
        a.int(0x10)?;
        a.jmp(next)?;
        a.set_label(&mut printed)?;
        // The prompt.
        a.mov(esi, POLLS)?;
        let mut poll = a.create_label();
        a.set_label(&mut poll)?;
        a.mov(ah, 0x01u32)?;
        a.int(0x16)?;
        a.mov(ah, 0x00u32)?;
        a.int(0x1A)?;
        a.dec(esi)?;
        a.jnz(poll)?;
        // The marker, on COM1 through its registers (the string at MARKER).
        a.mov(si, MARKER)?;
        let mut next = a.create_label();
        let mut sent = a.create_label();
        a.set_label(&mut next)?;
        a.lodsb()?;
        a.test(al, al)?;
        a.jz(sent)?;
        a.mov(ah, al)?;
        com1_send(a)?;
        a.jmp(next)?;
        a.set_label(&mut sent)?;
        Ok(())
    });
    let mut boot = pbios_tests::harness::boot_sector(&code);
    let at = |addr: u32| (addr - 0x7C00) as usize;
    assert!(
        code.len() <= at(BANNER),
        "the client's code overlaps its strings"
    );
    boot[at(BANNER)..at(BANNER) + banner.len()].copy_from_slice(banner);
    let marker = format!("{DOS_MARKER}\r\n\0");
    boot[at(MARKER)..at(MARKER) + marker.len()].copy_from_slice(marker.as_bytes());
    let mut sectors = vec![boot];
    for lba in 1..=u64::from(SECTORS) {
        sectors.push(data_sector(lba));
    }
    sectors
}

/// Linux's time stamp on its `Run /init` line, in seconds.
fn run_init_stamp(out: &str) -> Option<f64> {
    let line = out.lines().find(|l| l.contains("Run /init"))?;
    let stamp = line.split('[').nth(1)?.split(']').next()?;
    stamp.trim().parse().ok()
}

impl Tools {
    /// Runs `m` (pbios or QEMU + SeaBIOS on TCG) on `l` until its marker
    /// shows on the serial console; then it is killed.
    fn run_to_marker(&self, m: Machine, l: &Loader) -> Result<MarkerRun> {
        let mut c = match m {
            Machine::Pbios(accel) => {
                let mut c = Command::new(&self.pbios);
                c.arg("--rom").arg(&self.rom);
                c.args(["--mem", LOADER_MEM, "--accel", accel.name()]);
                if l.cdrom {
                    c.arg("--cdrom");
                }
                c.arg(&l.path);
                c
            }
            Machine::Qemu(accel, _) => {
                let mut c = qemu_command(accel.name(), &self.seabios);
                c.args(["-machine", "pc", "-m", LOADER_MEM, "-serial", "stdio"]);
                if l.cdrom {
                    c.arg("-drive")
                        .arg(drive(&l.path, "if=ide,index=2,media=cdrom"));
                    c.args(["-boot", "d"]);
                } else {
                    c.arg("-drive").arg(drive(&l.path, "if=ide,index=0"));
                }
                c
            }
            Machine::QemuAlone(_) => return Err("no loader runs on QEMU alone".into()),
        };
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let t = Instant::now();
        let mut child = c
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", m.name()))?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let found = loop {
            if t.elapsed() > LOADER_TIMEOUT {
                break None;
            }
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break None,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
            if out
                .windows(l.marker.len())
                .any(|w| w == l.marker.as_bytes())
            {
                break Some(t.elapsed().as_secs_f64());
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        let text = String::from_utf8_lossy(&out);
        match found {
            Some(secs) => Ok(MarkerRun {
                secs,
                run_init: run_init_stamp(&text),
            }),
            None => Err(format!(
                "{} on {}: no {:?} (last output: {:?})",
                m.name(),
                l.name,
                l.marker,
                text.lines().last().unwrap_or("")
            )),
        }
    }
}

fn loaders(t: &Tools, md: &mut String, pairs: usize) -> Result<()> {
    use pbios_tests::images::{image_path, Image, USERSPACE_MARKER};
    eprintln!("bench: real loaders on TCG");
    let dos = t.dir.join("dos-client.img");
    write_image(&dos, &dos_client())?;
    let list = [
        Loader {
            name: "syslinux → Linux userspace",
            path: image_path(Image::LinuxSyslinux),
            cdrom: false,
            marker: USERSPACE_MARKER,
        },
        Loader {
            name: "GRUB 2 → Linux userspace",
            path: image_path(Image::GrubPc),
            cdrom: false,
            marker: USERSPACE_MARKER,
        },
        Loader {
            name: "El Torito ISO (isolinux) → Linux userspace",
            path: image_path(Image::IsolinuxIso),
            cdrom: true,
            marker: USERSPACE_MARKER,
        },
        Loader {
            name: "DOS-style polling client → its prompt",
            path: dos,
            cdrom: false,
            marker: DOS_MARKER,
        },
    ];
    for l in &list {
        if !l.path.is_file() {
            return Err(format!(
                "{} missing: `cargo xtask images` builds it",
                l.path.display()
            ));
        }
    }
    let _ = writeln!(
        md,
        "## Real loaders, to their markers\n\n\
         Whole-process wall time from launch until the guest's marker shows\n\
         on its serial console (then the process is killed), on TCG for both:\n\
         pbios, and QEMU with SeaBIOS {} and the image on IDE (the ISO as an\n\
         IDE CD-ROM). Linux's marker is its initramfs's `/init` line; the\n\
         DOS-style client is a home-made guest that loads 64 sectors with\n\
         INT 13h AH=02h, asks for the machine's size and the clock, prints a\n\
         banner with INT 10h AH=0Eh and polls INT 16h AH=01h and INT 1Ah\n\
         AH=00h 400 times, about 900 calls in all. Median (min–max) of\n\
         {pairs} rounds in s, the two machines alternating; the ratio is\n\
         SeaBIOS's time over pbios's, per round. \"Run /init\" is Linux's own\n\
         time stamp on that line (guest time since its clock started): the\n\
         guest's speed after the BIOS is idle. On this machine's emulated KVM\n\
         a whole Linux boot does not run (README), so these rows are TCG only.\n",
        seabios_version()
    );
    let _ = writeln!(
        md,
        "| guest | pbios (s) | QEMU + SeaBIOS (s) | pbios is faster by | `Run /init`, pbios (s) | `Run /init`, SeaBIOS (s) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    let machines = [
        Machine::Pbios(Accel::Tcg),
        Machine::Qemu(Accel::Tcg, Bus::Ide),
    ];
    for l in &list {
        eprintln!("bench: {}", l.name);
        let mut stamps: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let s = rounds(&machines, pairs, |&m| {
            let r = t.run_to_marker(m, l)?;
            if let Some(s) = r.run_init {
                stamps[usize::from(m != machines[0])].push(s);
            }
            Ok(r.secs)
        })?;
        let stamp = |v: &[f64]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                summary(v, 2)
            }
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            l.name,
            summary(&s[0], 2),
            summary(&s[1], 2),
            ratio_summary(&ratios(&s[1], &s[0])),
            stamp(&stamps[0]),
            stamp(&stamps[1]),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- main

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into())
}

struct Args {
    out: Option<PathBuf>,
    pairs: usize,
    kvm_calls: u32,
    tcg_calls: u32,
    read_mib: u32,
    tcg_read_mib: u32,
    kvm_passes: u32,
    loader_pairs: usize,
    only: Option<String>,
}

const USAGE: &str = "usage: pbios-bench [--out FILE] [--pairs N] [--kvm-calls N] \
[--tcg-calls N] [--read-mib N] [--tcg-read-mib N] [--kvm-passes N] [--loader-pairs N] \
[--only boot|int13|calls|loaders]";

fn parse_args() -> Result<Args> {
    let mut a = Args {
        out: None,
        pairs: 5,
        kvm_calls: 100_000,
        tcg_calls: 5_000,
        read_mib: 64,
        tcg_read_mib: 64,
        kvm_passes: 8,
        loader_pairs: 3,
        only: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let val = it.next().ok_or(USAGE)?;
        let num = || {
            val.parse::<u32>()
                .map_err(|_| format!("{flag}: not a number: {val}"))
        };
        match flag.as_str() {
            "--out" => a.out = Some(val.into()),
            "--pairs" => a.pairs = num()?.max(1) as usize,
            "--kvm-calls" => a.kvm_calls = num()?.max(1),
            "--tcg-calls" => a.tcg_calls = num()?.max(1),
            "--read-mib" => a.read_mib = num()?.max(1),
            "--tcg-read-mib" => a.tcg_read_mib = num()?.max(1),
            "--kvm-passes" => a.kvm_passes = num()?.max(1),
            "--loader-pairs" => a.loader_pairs = num()?.max(1) as usize,
            "--only" => a.only = Some(val.clone()),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(a)
}

/// Calls of 127 sectors that read at least `mib` MiB... rounded down to
/// whole calls (64 MiB: 1032 calls, 63.99 MiB).
fn calls_for(mib: u32) -> u32 {
    ((u64::from(mib) << 11) / u64::from(CHUNK)) as u32
}

fn run() -> Result<()> {
    let args = parse_args()?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let pbios = exe.with_file_name("pbios");
    if !pbios.is_file() {
        return Err(format!(
            "{} missing: `cargo xtask bench` builds it",
            pbios.display()
        ));
    }
    let rom = pbios_tests::harness::rom_path();
    let qemu = qemu_binary();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tools = Tools {
        pbios,
        rom,
        seabios: seabios_path(),
        dir,
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let started = Instant::now();
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` on {} — {}; {} CPUs ({cpu}); kernel {}; {}; SeaBIOS {}.\n",
        command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command_line("uname", &["-n"]),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        command_line("uname", &["-r"]),
        command_line(&qemu, &["--version"]),
        seabios_version(),
    );
    let _ = writeln!(
        md,
        "Every figure is whole `pbios` and `qemu-system-x86_64` processes, run\n\
         one at a time. On this machine KVM is a software backend that emulates\n\
         every guest instruction (about 1 µs each) and every exit (about 7.6 µs);\n\
         see README.\n"
    );
    let want = |s: &str| args.only.as_deref().is_none_or(|o| o == s);
    if want("boot") {
        boot_latency(&tools, &mut md, args.pairs)?;
        md.push('\n');
    }
    if want("int13") {
        throughput(
            &tools,
            &mut md,
            calls_for(args.read_mib),
            calls_for(args.tcg_read_mib),
            args.kvm_passes,
            args.pairs,
        )?;
        md.push('\n');
    }
    if want("calls") {
        per_call(&tools, &mut md, args.kvm_calls, args.tcg_calls, args.pairs)?;
        md.push('\n');
    }
    if want("loaders") {
        loaders(&tools, &mut md, args.loader_pairs)?;
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "The whole benchmark took {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    print!("{md}");
    if let Some(p) = args.out {
        std::fs::write(&p, &md).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        eprintln!("bench: wrote {}", p.display());
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}
