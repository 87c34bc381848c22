//! INT 16h (keyboard) cases.

use super::*;

pub(super) fn keyboard_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = |r: &mut Rec, ax_in: u32| -> Result<(), IcedError> {
            r.a.mov(ax, ax_in)?;
            r.int(0x16)?;
            r.fa()
        };
        call(r, 0x0100)?; // 0-1 empty: ZF=1, AX kept
        r.a.mov(cx, 0x1E61u32)?; // 'a'
        call(r, 0x0500)?; // 2-3
        r.a.mov(cx, 0xE00Du32)?; // keypad Enter
        call(r, 0x0500)?; // 4-5
        call(r, 0x0100)?; // 6-7
        call(r, 0x0000)?; // 8-9
        call(r, 0x1100)?; // 10-11
        call(r, 0x1000)?; // 12-13
        r.m(bda(0x1A))?; // 14
        r.m(bda(0x1C))?; // 15
        call(r, 0x0900)?; // 16-17
        r.a.mov(bx, 0u32)?;
        call(r, 0x0A00)?; // 18-19
        r.r(bx)?; // 20
        r.a.mov(byte_ptr(bda(0x17)), 0x03u32)?;
        r.a.mov(byte_ptr(bda(0x18)), 0x01u32)?;
        r.a.mov(byte_ptr(bda(0x96)), 0x1Cu32)?;
        call(r, 0x0200)?; // 21-22
        call(r, 0x1200)?; // 23-24
        call(r, 0x0305)?; // 25-26
                          // Fill the buffer: 15 keys fit, the 16th does not.
        r.a.mov(cx, 0x0231u32)?;
        for _ in 0..16 {
            r.a.mov(ah, 0x05u32)?;
            r.int(0x16)?;
        }
        r.r(ax)?; // 27
        r.a.mov(ah, 0x05u32)?;
        r.a.mov(cx, 0x0231u32)?;
        r.int(0x16)?;
        r.r(ax)?; // 28
        Ok(())
    })
}

pub(super) fn keyboard_check(run: &Run) {
    assert_eq!(w(run, 0), 0x40, "empty: ZF=1");
    assert_eq!(w(run, 1), 0x0100, "AX kept");
    assert_eq!(w(run, 3) & 0xFF, 0, "05h: stored");
    assert_eq!(w(run, 5) & 0xFF, 0);
    assert_eq!((w(run, 6), w(run, 7)), (0, 0x1E61), "01h sees 'a'");
    assert_eq!(w(run, 9), 0x1E61, "00h takes it");
    assert_eq!((w(run, 10), w(run, 11)), (0, 0xE00D), "11h keeps E0h");
    assert_eq!(w(run, 13), 0xE00D, "10h takes it");
    assert_eq!(w(run, 14), w(run, 15), "buffer empty again");
    assert_eq!(w(run, 17) & 0xFF, 0x30, "09h");
    assert_eq!(w(run, 20), 0x41AB, "0Ah: MF2 keyboard");
    assert_eq!(w(run, 22) & 0xFF, 0x03, "02h: 40:17");
    assert_eq!(w(run, 24), 0x0D03, "12h: 40:18 with 40:96 bits 2-3");
    assert_eq!(w(run, 26), 0x0305, "03h: nothing changes");
    assert_eq!(w(run, 27) & 0xFF, 1, "16th key: buffer full");
    assert_eq!(w(run, 28) & 0xFF, 1);
}
