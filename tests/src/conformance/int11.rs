//! INT 11h (equipment list) cases, with INT 12h (memory size), which the same guest calls.

use super::*;

pub(super) fn equipment_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.int(0x11)?;
        r.r(ax)?; // 0
        r.int(0x12)?;
        r.r(ax)?; // 1
        r.m(bda(0x10))?; // 2
        r.m(bda(0x13))?; // 3
        r.m(bda(0x00))?; // 4: COM1
        r.m(bda(0x02))?; // 5: COM2
        r.m(bda(0x08))?; // 6: LPT1
        r.m(bda(0x75))?; // 7: hard disks (low byte)
        Ok(())
    })
}

pub(super) fn equipment_check(run: &Run) {
    assert_eq!(
        w(run, 0),
        0x0223,
        "FPU, colour, one serial port, one diskette"
    );
    assert_eq!(w(run, 1), 639);
    assert_eq!(w(run, 2), w(run, 0));
    assert_eq!(w(run, 3), 639);
    assert_eq!((w(run, 4), w(run, 5), w(run, 6)), (0x3F8, 0, 0));
    assert_eq!(w(run, 7) & 0xFF, 1, "40:75: one hard disk");
}
