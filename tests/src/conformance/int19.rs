//! INT 19h (bootstrap) and INT 18h (boot failure) cases.

use super::*;

pub(super) fn boot_guest() -> Vec<u8> {
    guest_with_entry(|_| Ok(()))
}

pub(super) fn boot_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x80, "DL=80h");
    assert_eq!(w(run, 1), 0, "CS=0");
}

pub(super) fn next_device_guest() -> Vec<u8> {
    // Booted from the diskette, which gives up: INT 18h boots the next
    // device, the hard disk, whose MBR (TempDisk's) ends the run.
    rec_guest(|r| {
        r.a.mov(word_ptr(0x7000u32), 0xBEEFu32)?;
        r.int(0x18)?;
        r.r(ax)?; // never reached
        Ok(())
    })
}

pub(super) fn next_device_check(run: &Run) {
    assert_eq!(run.u16(0x7000), 0xBEEF, "the diskette ran first");
    assert_eq!(run.u16(0x7DFE), 0xAA55, "then the disk's MBR was loaded");
}
