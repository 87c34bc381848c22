//! The differential run: every conformance guest on pbios and on
//! QEMU+SeaBIOS (TCG), comparing the words each stored. A difference fails
//! unless `tests/differential-allow.txt` lists it with a reason; an entry
//! that no longer differs fails too (unless marked `?`: it depends on wall
//! time), so the list stays short and true.

use pbios_tests::conformance::{cases, run_case, Images};
use pbios_tests::seabios::{run_seabios, seabios_path};
use std::collections::BTreeSet;

/// One allowed difference: a case and a range of result slots.
struct Allowed {
    case: String,
    slots: std::ops::RangeInclusive<usize>,
    /// `?` after the slots: may differ (wall time), so not stale when equal.
    may: bool,
    line: usize,
}

fn allow_list() -> Vec<Allowed> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/differential-allow.txt");
    let text = std::fs::read_to_string(path).expect("read tests/differential-allow.txt");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let (case, slots, reason) = (parts.next(), parts.next(), parts.next());
        let (Some(case), Some(slots), Some(reason)) = (case, slots, reason) else {
            panic!("differential-allow.txt:{line_no}: want `case slots reason`");
        };
        assert!(
            reason.trim().len() > 10,
            "differential-allow.txt:{line_no}: give a reason"
        );
        let may = slots.ends_with('?');
        let slots = slots.trim_end_matches('?');
        let range = match slots.split_once('-') {
            Some((a, b)) => a.parse().unwrap()..=b.parse().unwrap(),
            None => {
                let n: usize = slots.parse().unwrap_or_else(|_| {
                    panic!("differential-allow.txt:{line_no}: bad slot {slots}")
                });
                n..=n
            }
        };
        out.push(Allowed {
            case: case.to_string(),
            slots: range,
            may,
            line: line_no,
        });
    }
    out
}

#[test]
fn pbios_answers_as_seabios_does() {
    // The run compares services, not backends (tests/backends.rs does that):
    // it runs once, with pbios on KVM, in `cargo xtask test`'s first pass.
    if pbios_tests::harness::accel() != pbios::Accel::Kvm {
        eprintln!("differential run: pbios on KVM only; skipped on this backend");
        return;
    }
    assert!(
        seabios_path().is_file(),
        "{} is missing: install Debian's seabios package (or set PBIOS_SEABIOS)",
        seabios_path().display()
    );
    let allowed = allow_list();
    let names: BTreeSet<&str> = cases().iter().map(|c| c.name).collect();
    for a in &allowed {
        assert!(
            names.contains(a.case.as_str()),
            "differential-allow.txt:{}: no case {}",
            a.line,
            a.case
        );
    }
    let mut used = vec![false; allowed.len()];
    let mut report = Vec::new();
    for case in cases() {
        if case.slots == 0 {
            continue;
        }
        let ours = run_case(&case).bytes(pbios_tests::harness::RESULTS, case.slots * 2);
        let images = Images::new(case.setup, &(case.guest)());
        let theirs = run_seabios(&images.media(), &Images::order(case.setup), case.slots * 2)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        if std::env::var_os("PBIOS_DIFF_DUMP").is_some() {
            eprintln!(
                "{}: pbios {:02X?}\n{}: seabios {:02X?}",
                case.name, ours, case.name, theirs
            );
        }
        for slot in 0..case.slots {
            let (a, b) = (
                u16::from_le_bytes([ours[2 * slot], ours[2 * slot + 1]]),
                u16::from_le_bytes([theirs[2 * slot], theirs[2 * slot + 1]]),
            );
            if a == b {
                continue;
            }
            match allowed
                .iter()
                .position(|x| x.case == case.name && x.slots.contains(&slot))
            {
                Some(i) => used[i] = true,
                None => report.push(format!(
                    "{} slot {slot}: pbios {a:04X}h, SeaBIOS {b:04X}h",
                    case.name
                )),
            }
        }
    }
    for (a, used) in allowed.iter().zip(&used) {
        if !used && !a.may {
            report.push(format!(
                "differential-allow.txt:{}: {} {:?} no longer differs: remove it",
                a.line, a.case, a.slots
            ));
        }
    }
    assert!(report.is_empty(), "differences:\n{}", report.join("\n"));
}
