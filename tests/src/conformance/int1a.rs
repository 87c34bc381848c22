//! INT 1Ah (time of day) cases.

use super::*;

pub(super) fn clock_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = |r: &mut Rec, ah_in: u32| -> Result<(), IcedError> {
            r.a.mov(ah, ah_in)?;
            r.int(0x1A)?;
            r.fa()
        };
        r.a.mov(cx, 0x0001u32)?;
        r.a.mov(dx, 0x2345u32)?;
        call(r, 0x01)?; // 0-1
        call(r, 0x00)?; // 2-3
        r.r(cx)?; // 4
        r.a.mov(cx, 0x0830u32)?;
        r.a.mov(dx, 0x1500u32)?;
        call(r, 0x03)?; // 5-6
        call(r, 0x02)?; // 7-8
        r.r(cx)?; // 9
        r.a.mov(cx, 0x2031u32)?;
        r.a.mov(dx, 0x0415u32)?;
        call(r, 0x05)?; // 10-11
        call(r, 0x04)?; // 12-13
        r.r(cx)?; // 14
        r.r(dx)?; // 15
        r.a.mov(cx, 0x0600u32)?;
        r.a.mov(dx, 0x0000u32)?;
        call(r, 0x06)?; // 16-17
        call(r, 0x06)?; // 18-19 already set
        call(r, 0x07)?; // 20-21
        call(r, 0x06)?; // 22-23 can be set again
        call(r, 0x07)?; // 24-25
        r.a.mov(ax, 0xB101u32)?;
        r.int(0x1A)?;
        r.fa()?; // 26-27
        Ok(())
    })
}

pub(super) fn clock_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) >> 8 == 0, "01h");
    assert!(!c(run, 2) && w(run, 4) == 0x0001, "00h: CX as set");
    assert!(!c(run, 5) && w(run, 6) >> 8 == 0, "03h");
    assert!(!c(run, 7) && w(run, 9) == 0x0830, "02h: the time set");
    assert!(!c(run, 10), "05h");
    assert!(
        !c(run, 12) && w(run, 14) == 0x2031 && w(run, 15) == 0x0415,
        "04h: the date set"
    );
    assert!(!c(run, 16) && w(run, 17) == 0, "06h");
    assert!(c(run, 18), "06h: an alarm is set already");
    assert!(
        !c(run, 20) && w(run, 21) & 0x20 == 0x20,
        "07h: register B had the alarm"
    );
    assert!(!c(run, 22), "06h after 07h");
    assert!(
        !c(run, 26) && w(run, 27) == 0x0001,
        "B101h: a PCI BIOS, configuration mechanism 1"
    );
}
