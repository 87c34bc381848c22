//! `pbios-bench` (run by `cargo xtask bench`): the cost of one BIOS call on
//! each backend, next to the cost of the cheapest guest exit.
//!
//! Each figure comes from pairs of runs taken alternately: a guest that loops
//! N times over the call, and the same guest with N = 0 (VM creation, POST
//! and boot included in both). The per-call cost is the difference divided
//! by N; the table shows the median, min and max over the pairs. On KVM the
//! ratio is to the exit floor (a bare `out`), on TCG to the same call on KVM.

use iced_x86::code_asm::*;
use pbios::Accel;
use pbios_tests::harness::*;
use std::fmt::Write as _;
use std::time::Instant;

/// What one loop iteration does.
#[derive(Clone, Copy)]
struct Kind {
    name: &'static str,
    body: fn(&mut CodeAssembler) -> Result<(), IcedError>,
}

const KINDS: [Kind; 4] = [
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
];

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

fn time_run(sector: &[u8], accel: Accel) -> f64 {
    let t = Instant::now();
    let run = boot_with(
        sector,
        Opts {
            accel,
            ..Opts::default()
        },
    );
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        run.exit,
        pbios::Exit::DebugExit(0),
        "the bench guest failed"
    );
    secs
}

struct Row {
    name: &'static str,
    /// Per-call cost of each pair, in µs.
    samples: Vec<f64>,
}

impl Row {
    fn sorted(&self) -> Vec<f64> {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        s
    }
    fn median(&self) -> f64 {
        let s = self.sorted();
        s[s.len() / 2]
    }
}

fn measure(accel: Accel, calls: u32, pairs: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = KINDS
        .iter()
        .map(|k| Row {
            name: k.name,
            samples: Vec::new(),
        })
        .collect();
    let guests: Vec<(Vec<u8>, Vec<u8>)> = KINDS
        .iter()
        .map(|&k| (looping(k, calls), looping(k, 0)))
        .collect();
    for _ in 0..pairs {
        for (row, (full, empty)) in rows.iter_mut().zip(&guests) {
            let with = time_run(full, accel);
            let without = time_run(empty, accel);
            row.samples
                .push((with - without).max(0.0) * 1e6 / f64::from(calls));
        }
    }
    rows
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
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

fn main() {
    let mut out_path = None;
    let mut kvm_calls = 100_000u32;
    let mut tcg_calls = 5_000u32;
    let mut pairs = 5usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().unwrap_or_default();
        match a.as_str() {
            "--out" => out_path = Some(val()),
            "--kvm-calls" => kvm_calls = val().parse().expect("--kvm-calls N"),
            "--tcg-calls" => tcg_calls = val().parse().expect("--tcg-calls N"),
            "--pairs" => pairs = val().parse().expect("--pairs N"),
            _ => {
                eprintln!(
                    "usage: pbios-bench [--out FILE] [--kvm-calls N] [--tcg-calls N] [--pairs N]"
                );
                std::process::exit(2);
            }
        }
    }
    let mut md = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` on {} — {}; {} CPUs ({cpu}); kernel {}; {}.\n",
        command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command_line("uname", &["-n"]),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        command_line("uname", &["-r"]),
        command_line(pbios::tcg::DEFAULT_QEMU, &["--version"]),
    );
    let _ = writeln!(
        md,
        "## Cost of one BIOS call\n\n\
         A guest loops N times over one call; the same guest with N = 0 is run\n\
         right after it, and the difference divided by N is one sample. Median\n\
         (min–max) of {pairs} such pairs, in µs per call. On KVM the ratio is\n\
         to the first row; on TCG, to the same call on KVM.\n\n\
         On KVM the first row is the floor of one exit to pbios (a port write\n\
         nobody handles). On TCG a port write never leaves QEMU, so that row is\n\
         QEMU's own cost of an `out`; a BIOS call there is a debugger stop:\n\
         stop reply, read registers, serve, write registers, continue.\n"
    );
    let _ = writeln!(md, "| backend | N | loop body | µs per call | ratio |");
    let _ = writeln!(md, "|---|---:|---|---:|---:|");
    let mut kvm_medians = Vec::new();
    for (accel, calls) in [(Accel::Kvm, kvm_calls), (Accel::Tcg, tcg_calls)] {
        eprintln!("bench: {} x {calls} calls x {pairs} pairs", accel.name());
        let rows = measure(accel, calls, pairs);
        let floor = rows[0].median().max(1e-9);
        for (i, r) in rows.iter().enumerate() {
            let s = r.sorted();
            let ratio = match accel {
                Accel::Kvm => {
                    kvm_medians.push(r.median());
                    format!("{:.2}× the exit floor", r.median() / floor)
                }
                _ if i == 0 => "—".into(),
                _ => format!(
                    "{:.1}× KVM",
                    r.median() / kvm_medians.get(i).copied().unwrap_or(f64::NAN)
                ),
            };
            let _ = writeln!(
                md,
                "| {} | {calls} | {} | {:.2} ({:.2}–{:.2}) | {ratio} |",
                accel.name(),
                r.name,
                r.median(),
                s[0],
                s[s.len() - 1],
            );
        }
    }
    print!("{md}");
    if let Some(p) = out_path {
        std::fs::write(&p, &md).unwrap_or_else(|e| panic!("cannot write {p}: {e}"));
        eprintln!("bench: wrote {p}");
    }
}
