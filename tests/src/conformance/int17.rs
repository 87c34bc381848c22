//! INT 17h (printer) cases.

use super::*;

pub(super) fn printer_guest() -> Vec<u8> {
    rec_guest(|r| {
        for ax_in in [0x0041u32, 0x0100, 0x0200] {
            r.a.mov(ax, ax_in)?;
            r.a.mov(dx, 0u32)?;
            r.int(0x17)?;
            r.fa()?;
        }
        Ok(())
    })
}

pub(super) fn printer_check(run: &Run) {
    for (i, ax_in) in [(0u64, 0x0041u16), (2, 0x0100), (4, 0x0200)] {
        assert!(c(run, i), "no printer: CF=1");
        assert_eq!(w(run, i + 1), ax_in, "AX unchanged");
    }
}
