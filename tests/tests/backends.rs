//! The two backends, side by side: the same guest on KVM and on QEMU's TCG
//! gives the same console output, the same `--trace` and the same results.
//! (Every other guest test runs on both too: `cargo xtask test` runs the
//! suite once per backend.)

use pbios::{Accel, Exit};
use pbios_tests::harness::*;

/// Drops what depends on how much real time passed: the trace's time
/// stamps, and the timer-tick count, which the timer interrupt advances.
/// The demo reads it last (INT 1Ah AH=00h), so the trace is compared up to
/// that call and the console but for the line that prints it.
fn timeless(text: &str) -> String {
    text.lines()
        .take_while(|l| !l.contains("INT 1Ah AH=00h"))
        .map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest))
        .filter(|l| !l.starts_with("Timer ticks"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn demo_on(accel: Accel) -> Run {
    let disk = TempDisk::from_image(&pbios_tests::demo::image(), 0);
    boot_disk(
        &disk,
        Opts {
            clock: fixed_clock(),
            accel,
            ..Opts::default()
        },
    )
}

#[test]
fn demo_console_and_trace_match_across_backends() {
    let kvm = demo_on(Accel::Kvm);
    let tcg = demo_on(Accel::Tcg);
    assert_eq!(kvm.exit, Exit::DebugExit(0));
    assert_eq!(tcg.exit, kvm.exit);
    assert!(
        kvm.trace.lines().count() > 100,
        "a real trace: {}",
        kvm.trace
    );
    assert_eq!(timeless(&tcg.console), timeless(&kvm.console));
    let (k, t) = (timeless(&kvm.trace), timeless(&tcg.trace));
    if let Some((i, (a, b))) = k
        .lines()
        .zip(t.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!("trace line {i} differs:\n  kvm: {a}\n  tcg: {b}");
    }
    assert_eq!(k.lines().count(), t.lines().count(), "trace lengths");
    // What the BIOS set up in low memory: the vector table and the BDA
    // (but for the tick count at 40:6Ch) and the EBDA.
    let low = |r: &Run| {
        let mut b = r.bytes(0, 0x500);
        b[0x46C..0x471].fill(0);
        (b, r.bytes(0x9FC00, 0x400))
    };
    assert_eq!(low(&tcg), low(&kvm), "IVT, BDA and EBDA");
}

#[test]
fn exit_status_and_results_match_across_backends() {
    let sector = guest(|a| {
        use iced_x86::code_asm::*;
        a.mov(ax, 0xE801u32)?;
        a.int(0x15)?;
        save_flags(a, 0)?;
        save(a, 1, ax)?;
        save(a, 2, bx)?;
        a.int(0x12)?;
        save(a, 3, ax)?;
        exit(a, 0x2A)
    });
    let runs: Vec<Run> = [Accel::Kvm, Accel::Tcg]
        .into_iter()
        .map(|accel| {
            boot_with(
                &sector,
                Opts {
                    accel,
                    ..Opts::default()
                },
            )
        })
        .collect();
    for r in &runs {
        assert_eq!(r.exit, Exit::DebugExit(0x2A));
        assert_eq!(r.exit.status(), 0x55);
        assert_eq!(r.word(1), 15 * 1024, "E801h AX: KiB between 1 and 16 MiB");
        assert_eq!(r.word(3), 639, "INT 12h");
    }
    assert_eq!(runs[0].bytes(RESULTS, 8), runs[1].bytes(RESULTS, 8));
}
