//! The conformance suite on pbios: every case's guest runs on the backend
//! under test and its results are checked; and the cases together call every
//! function in the shim's dispatch table.

use pbios::services::{Select, SERVICES};
use pbios_tests::conformance::{cases, run_case};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn every_case_gets_the_expected_answers() {
    let mut failed = Vec::new();
    for case in cases() {
        eprintln!("case {}", case.name);
        let run = run_case(&case);
        assert!(
            matches!(run.exit, pbios::Exit::DebugExit(_)),
            "{}: the guest did not finish: {:?}",
            case.name,
            run.exit
        );
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| (case.check)(&run))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if std::env::var_os("PBIOS_CONF_TRACE").is_some() {
                eprintln!("TRACE {}:\n{}", case.name, run.trace);
            }
            failed.push(format!("{}: {msg}", case.name));
        }
    }
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
}

#[test]
fn the_cases_cover_every_function_of_the_dispatch_table() {
    let cases = cases();
    let mut missing = Vec::new();
    for s in SERVICES {
        for f in s.functions {
            let covered = cases
                .iter()
                .any(|c| c.covers.contains(&(s.vector, f.select)));
            if !covered {
                missing.push(f.name);
            }
        }
    }
    assert!(missing.is_empty(), "no conformance case calls {missing:?}");
    // And no case claims a function the table does not have.
    for c in &cases {
        for (v, sel) in c.covers {
            let known = SERVICES
                .iter()
                .filter(|s| s.vector == *v)
                .any(|s| s.functions.iter().any(|f| f.select == *sel));
            assert!(
                known,
                "{} covers INT {v:02X}h {sel:?}, which is not served",
                c.name
            );
        }
    }
    let _ = Select::Any;
}
