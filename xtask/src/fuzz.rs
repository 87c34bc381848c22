//! `cargo xtask fuzz`: the libFuzzer targets in fuzz/ (cargo-fuzz, on the
//! pinned nightly), a short seeded smoke run for CI or a long run that
//! reports BIOS calls a second.

use crate::{clean, ensure_nightly, root, Result, NIGHTLY};
use std::process::Command;
use std::time::Instant;

/// The targets, and the longest input each takes.
const TARGETS: [(&str, usize); 2] = [("dispatcher", 4096), ("gdb_replies", 8192)];

struct Opts {
    seconds: u64,
    smoke: bool,
    only: Option<String>,
    seed: u64,
}

fn parse(args: &[String]) -> Result<Opts> {
    let mut o = Opts {
        seconds: 600,
        smoke: false,
        only: None,
        seed: 1,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |what: &str| -> Result<u64> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("fuzz: {what} takes a number"))
        };
        match a.as_str() {
            "--smoke" => o.smoke = true,
            "--time" => o.seconds = num("--time")?,
            "--seed" => o.seed = num("--seed")?,
            "--target" => {
                o.only = Some(it.next().ok_or("fuzz: --target takes a name")?.clone());
            }
            _ => {
                return Err(
                    "usage: cargo xtask fuzz [--smoke] [--time SECONDS] [--seed N] [--target NAME]"
                        .into(),
                )
            }
        }
    }
    if o.smoke {
        o.seconds = o.seconds.min(30);
    }
    Ok(o)
}

/// cargo-fuzz, installed if missing.
fn ensure_cargo_fuzz() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-fuzz (cargo install cargo-fuzz)");
    crate::status(
        {
            let mut c = clean("cargo");
            c.args(["install", "--locked", "cargo-fuzz"]);
            c
        },
        "cargo install cargo-fuzz",
    )
}

pub fn run(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    ensure_nightly()?;
    ensure_cargo_fuzz()?;
    let dir = root().join("fuzz");
    for (name, max_len) in TARGETS {
        if o.only.as_deref().is_some_and(|t| t != name) {
            continue;
        }
        // Optimised, with overflow checks and debug assertions (-a): an
        // arithmetic overflow on guest data is a failure. The smoke run
        // keeps AddressSanitizer on; a long run goes faster without it (the
        // guard pages still catch an access outside RAM).
        let sanitizer = if o.smoke { "address" } else { "none" };
        // New inputs go to a scratch corpus (libFuzzer writes and prunes
        // only the first directory); the committed one is read only.
        let corpus = dir.join("corpus").join(name);
        let scratch = root().join("target/pbios/fuzz-corpus").join(name);
        for d in [&corpus, &scratch] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        eprintln!(
            "xtask: fuzzing {name} for {} s ({}), seed {}",
            o.seconds,
            if o.smoke {
                "smoke run, with ASan"
            } else {
                "long run"
            },
            o.seed
        );
        let mut c = clean("cargo");
        c.current_dir(&dir)
            .arg(format!("+{NIGHTLY}"))
            .args(["fuzz", "run", "-O", "-a", "-s", sanitizer, name])
            .arg(&scratch)
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={}", o.seconds))
            .arg(format!("-seed={}", o.seed))
            .arg(format!("-max_len={max_len}"))
            .arg("-print_final_stats=1");
        let t = Instant::now();
        let out = c
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let tail: Vec<&str> = err.lines().rev().take(40).collect();
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
            return Err(format!("fuzz target {name} failed ({})", out.status));
        }
        let stat = |key: &str| {
            err.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let runs = stat("stat::number_of_executed_units:").unwrap_or(0);
        let calls = err
            .lines()
            .find_map(|l| l.strip_prefix("pbios-fuzz: "))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
        match calls {
            Some(calls) => println!(
                "fuzz {name}: {runs} inputs, {calls} BIOS calls in {secs:.0} s ({:.0} calls/s), no failure",
                calls as f64 / secs
            ),
            None => println!(
                "fuzz {name}: {runs} inputs in {secs:.0} s ({:.0}/s), no failure",
                runs as f64 / secs
            ),
        }
    }
    Ok(())
}
