//! INT 13h (disk) cases: hard disk, diskette and CD-ROM.

use super::*;

/// Calls INT 13h with AX, CX, DX as given (ES:BX = 0:BUF) and records
/// flags and AX.
fn disk_call(r: &mut Rec, ax_in: u32, cx_in: u32, dx_in: u32) -> Result<(), IcedError> {
    r.a.mov(ax, ax_in)?;
    r.a.mov(cx, cx_in)?;
    r.a.mov(dx, dx_in)?;
    r.a.mov(bx, BUF)?;
    r.int(0x13)?;
    r.fa()
}

pub(super) fn disk_basic_guest() -> Vec<u8> {
    rec_guest(|r| {
        disk_call(r, 0x0000, 0, 0x80)?; // 0-1 reset
        for ah_in in [0x0Cu32, 0x0D, 0x10, 0x11, 0x14] {
            disk_call(r, ah_in << 8, 0x0001, 0x0080)?; // 2-11
        }
        disk_call(r, 0x0201, 0x0001, 0x0081)?; // 12-13 no drive 81h
        r.m(bda(0x74))?; // 14
        disk_call(r, 0x0100, 0, 0x80)?; // 15-16 status: 01h
        r.m(bda(0x74))?; // 17: left as it is
        disk_call(r, 0x1700, 0, 0x80)?; // 18-19 unknown function
        disk_call(r, 0x0000, 0, 0x80)?; // 20-21
        disk_call(r, 0x0100, 0, 0x80)?; // 22-23 status: 00h
        disk_call(r, 0x1600, 0, 0x80)?; // 24-25 no change line on a hard disk
        Ok(())
    })
}

pub(super) fn disk_basic_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) >> 8 == 0, "reset");
    for i in 0..5 {
        assert!(!c(run, 2 + 2 * i), "housekeeping function {i}: CF=0");
        assert_eq!(w(run, 3 + 2 * i) >> 8, 0, "AH=0");
    }
    assert!(c(run, 12) && w(run, 13) >> 8 == 0x01, "no drive 81h");
    assert_eq!(w(run, 14) & 0xFF, 0x01, "40:74");
    assert!(c(run, 15) && w(run, 16) >> 8 == 0x01, "AH=01h reports 01h");
    assert_eq!(w(run, 17) & 0xFF, 0x01, "and leaves 40:74");
    assert!(c(run, 18) && w(run, 19) >> 8 == 0x01, "unknown function");
    assert!(!c(run, 22) && w(run, 23) >> 8 == 0, "status after a reset");
    assert!(
        c(run, 24) && w(run, 25) >> 8 == 0x01,
        "AH=16h on a hard disk"
    );
}

pub(super) fn disk_rw_guest() -> Vec<u8> {
    rec_guest(|r| {
        // Write LBA 400 (C0 H6 S23) from a buffer of 0x5A5A, read back into
        // 2000h, verify.
        r.a.mov(cx, 256u32)?;
        r.a.mov(ax, 0x5A5Au32)?;
        r.a.mov(di, BUF)?;
        r.a.rep().stosw()?;
        disk_call(r, 0x0301, 0x0017, 0x0680)?; // 0-1
        r.a.mov(ax, 0x0201u32)?;
        r.a.mov(cx, 0x0017u32)?;
        r.a.mov(dx, 0x0680u32)?;
        r.a.mov(bx, 0x2000u32)?;
        r.int(0x13)?;
        r.fa()?; // 2-3
        r.m(0x2000)?; // 4
        r.m(0x21FE)?; // 5
        disk_call(r, 0x0405, 0x0017, 0x0680)?; // 6-7 verify 5
                                               // Read 2 sectors at C0 H0 S2 (LBA 1, 2): the pattern.
        r.a.mov(ax, 0x0202u32)?;
        r.a.mov(cx, 0x0002u32)?;
        r.a.mov(dx, 0x0080u32)?;
        r.a.mov(bx, 0x3000u32)?;
        r.int(0x13)?;
        r.fa()?; // 8-9
        r.m(0x3000)?; // 10: LBA 1
        r.m(0x3200)?; // 11: LBA 2
        r.m(0x3010)?; // 12
                      // Bad requests: count 0, sector 0, head 16, count 129.
        disk_call(r, 0x0200, 0x0001, 0x0080)?; // 13-14
        disk_call(r, 0x0201, 0x0000, 0x0080)?; // 15-16
        disk_call(r, 0x0201, 0x0001, 0x1080)?; // 17-18
        disk_call(r, 0x0281, 0x0001, 0x0080)?; // 19-20
        disk_call(r, 0x0301, 0x0000, 0x0080)?; // 21-22
                                               // A buffer that runs past its segment: ES:BX = 0000:FF00, 2 sectors.
        r.a.push(word_ptr(0u32))?;
        r.a.mov(word_ptr(0u32), 0x1234u32)?;
        r.a.mov(ax, 0x0202u32)?;
        r.a.mov(cx, 0x0002u32)?;
        r.a.mov(dx, 0x0080u32)?;
        r.a.mov(bx, 0xFF00u32)?;
        r.int(0x13)?;
        r.fa()?; // 23-24
        r.m(0x0000)?; // 25: 0000:0000 was not overwritten (no wrap)
        r.a.pop(word_ptr(0u32))?;
        Ok(())
    })
}

pub(super) fn disk_rw_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) == 0x0001, "write: AL=1");
    assert!(!c(run, 2) && w(run, 3) == 0x0001, "read back");
    assert_eq!((w(run, 4), w(run, 5)), (0x5A5A, 0x5A5A));
    assert!(!c(run, 6) && w(run, 7) == 0x0005, "verify: AL=count");
    assert!(!c(run, 8) && w(run, 9) == 0x0002);
    assert_eq!((w(run, 10), w(run, 11)), (1, 2), "the pattern's LBA words");
    assert_eq!(
        w(run, 12),
        u16::from_le_bytes([pattern_byte(1, 16), pattern_byte(1, 17)])
    );
    for (i, al_in) in [
        (13u64, 0x00u16),
        (15, 0x01),
        (17, 0x01),
        (19, 0x81),
        (21, 0x01),
    ] {
        assert!(c(run, i), "bad request {i}: CF");
        assert_eq!(
            w(run, i + 1),
            0x0100 | al_in,
            "bad request {i}: AH=01h, AL unchanged"
        );
    }
    assert!(
        !c(run, 23) && w(run, 24) == 0x0002,
        "linear buffer past the segment"
    );
    assert_eq!(w(run, 25), 0x1234, "no wrap to 0000:0000");
}

pub(super) fn disk_params_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ah, 0x08u32)?;
        r.a.mov(dl, 0x80u32)?;
        r.a.mov(bx, 0x1234u32)?;
        r.int(0x13)?;
        r.fa()?; // 0-1
        r.r(bx)?; // 2
        r.r(cx)?; // 3
        r.r(dx)?; // 4
        r.a.mov(ah, 0x15u32)?;
        r.a.mov(dl, 0x80u32)?;
        r.int(0x13)?;
        r.fa()?; // 5-6
        r.r(cx)?; // 7
        r.r(dx)?; // 8
        r.a.mov(ah, 0x41u32)?;
        r.a.mov(bx, 0x55AAu32)?;
        r.a.mov(dl, 0x80u32)?;
        r.int(0x13)?;
        r.fa()?; // 9-10
        r.r(bx)?; // 11
        r.r(cx)?; // 12
        for (i, size) in [0x1Au32, 0x1E, 0x42].into_iter().enumerate() {
            let buf = 0x2000 + 0x100 * i as u32;
            r.a.mov(word_ptr(buf), size)?;
            r.a.mov(ah, 0x48u32)?;
            r.a.mov(dl, 0x80u32)?;
            r.a.mov(si, buf)?;
            r.int(0x13)?;
            r.fa()?; // 13-14, 19-20, 25-26
            for off in [0, 2, 4, 0x18] {
                r.m(buf + off)?; // size, flags, cylinders, bytes per sector
            }
        }
        // EDD 3.0 device path of the 66-byte buffer.
        r.m(0x2200 + 0x1E)?; // key
        r.m(0x2200 + 0x20)?; // length
        Ok(())
    })
}

pub(super) fn disk_params_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) == 0, "AH=08h: AX=0");
    assert_eq!(w(run, 2), 0x1234, "BX untouched on a hard disk");
    assert_eq!(w(run, 3), (30 << 8) | 63);
    assert_eq!(w(run, 4), (15 << 8) | 1);
    assert!(!c(run, 5) && w(run, 6) >> 8 == 0x03, "AH=15h: fixed disk");
    let n = (u32::from(w(run, 7)) << 16) | u32::from(w(run, 8));
    assert_eq!(n, 31 * 16 * 63, "CX:DX: all cylinders but the last");
    assert!(!c(run, 9) && w(run, 10) >> 8 == 0x30, "EDD 3.0");
    assert_eq!((w(run, 11), w(run, 12)), (0xAA55, 0x0007));
    for (i, size) in [(0u64, 0x1A), (1, 0x1E), (2, 0x42)] {
        let b = 13 + 6 * i;
        assert!(!c(run, b), "AH=48h size {size:#x}");
        assert_eq!(w(run, b + 2), size, "size word");
        assert_eq!(w(run, b + 3), 0x0002, "CHS valid");
        assert_eq!(w(run, b + 4), 32, "physical cylinders");
        assert_eq!(w(run, b + 5), 512, "bytes per sector");
    }
    assert_eq!(
        (w(run, 31), w(run, 32) & 0xFF),
        (0xBEDD, 0x24),
        "device path"
    );
}

/// INT 13h AH=`ah_in` on drive `dl_in` with the packet at DAP; records
/// flags, AX and the packet's count.
fn ext_call(r: &mut Rec, ah_in: u32, dl_in: u32) -> Result<(), IcedError> {
    r.a.mov(ah, ah_in)?;
    r.a.mov(al, 0u32)?;
    r.a.mov(dl, dl_in)?;
    r.a.mov(si, DAP)?;
    r.int(0x13)?;
    r.fa()?;
    r.m(DAP + 2)
}

pub(super) fn disk_ext_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = ext_call;
        // Write 2 sectors at LBA 500 from BUF (filled), read back to 3000h.
        r.a.mov(cx, 512u32)?;
        r.a.mov(ax, 0xC3C3u32)?;
        r.a.mov(di, BUF)?;
        r.a.rep().stosw()?;
        packet(r.a, 2, 0, BUF as u16, 500)?;
        call(r, 0x43, 0x80)?; // 0-2
        packet(r.a, 2, 0x0300, 0, 500)?;
        call(r, 0x42, 0x80)?; // 3-5
        r.m(0x3000)?; // 6
        r.m(0x33FE)?; // 7
        packet(r.a, 3, 0, 0, 10)?;
        call(r, 0x44, 0x80)?; // 8-10 verify
        packet(r.a, 0, 0, 0, 30000)?;
        call(r, 0x47, 0x80)?; // 11-13 seek
        packet(r.a, 1, 0, 0, DISK_SECTORS as u32)?;
        call(r, 0x47, 0x80)?; // 14-16 seek past the end
        Ok(())
    })
}

pub(super) fn disk_ext_check(run: &Run) {
    assert_eq!((c(run, 0), w(run, 1) >> 8, w(run, 2)), (false, 0, 2), "43h");
    assert_eq!((c(run, 3), w(run, 4) >> 8, w(run, 5)), (false, 0, 2), "42h");
    assert_eq!(
        (w(run, 6), w(run, 7)),
        (0xC3C3, 0xC3C3),
        "read what was written"
    );
    assert_eq!((c(run, 8), w(run, 10)), (false, 3), "44h verify");
    assert!(!c(run, 11), "47h seek");
    assert!(c(run, 14) && w(run, 15) >> 8 == 0x01, "seek past the end");
}

pub(super) fn disk_ext_errors_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = ext_call;
        packet(r.a, 1, 0x0400, 0, DISK_SECTORS as u32)?;
        call(r, 0x42, 0x80)?; // 0-2 LBA past the end
        packet(r.a, 0, 0x0400, 0, 5)?;
        call(r, 0x42, 0x80)?; // 3-5 count 0
        packet(r.a, 129, 0x0400, 0, 5)?;
        call(r, 0x42, 0x80)?; // 6-8 over 64 KiB
        packet(r.a, 2, 0x0400, 0, DISK_SECTORS as u32 - 1)?;
        call(r, 0x42, 0x80)?; // 9-11 runs off the end
        packet(r.a, 1, 0x0400, 0, 5)?;
        r.a.mov(byte_ptr(DAP), 0x08u32)?;
        call(r, 0x42, 0x80)?; // 12-14 packet too small
        r.a.mov(byte_ptr(DAP), 0x10u32)?; // the same packet, full size
        call(r, 0x42, 0x82)?; // 15-17 no drive 82h
        r.a.mov(word_ptr(DAP + 2), 128u32)?;
        r.a.mov(word_ptr(DAP + 6), 0x2000u32)?; // to 20000h, clear of the code
        call(r, 0x42, 0x80)?; // 18-20 exactly 64 KiB
        Ok(())
    })
}

pub(super) fn disk_ext_errors_check(run: &Run) {
    assert_eq!(
        (c(run, 0), w(run, 1) >> 8, w(run, 2)),
        (true, 0x01, 1),
        "LBA past the end"
    );
    assert_eq!((c(run, 3), w(run, 5)), (false, 0), "count 0");
    assert_eq!(
        (c(run, 6), w(run, 7) >> 8, w(run, 8)),
        (true, 0x09, 0),
        "129 blocks"
    );
    assert_eq!(
        (c(run, 9), w(run, 10) >> 8, w(run, 11)),
        (true, 0x04, 0),
        "off the end"
    );
    assert!(c(run, 12) && w(run, 13) >> 8 == 0x01, "short packet");
    assert!(c(run, 15) && w(run, 16) >> 8 == 0x01, "no drive");
    assert_eq!((c(run, 18), w(run, 20)), (false, 128), "128 blocks read");
    assert_eq!(run.u16(0x2_0000), 5, "LBA 5 at the buffer");
    assert_eq!(run.u16(0x2_0000 + 127 * 512), 132, "LBA 132 at its end");
    assert!(
        run.bytes(0x4000, 512).iter().all(|&b| b == 0),
        "nothing read on errors"
    );
}

pub(super) fn disk_format_guest() -> Vec<u8> {
    rec_guest(|r| {
        disk_call(r, 0x0511, 0x0000, 0x0080)?; // 0-1 hard disk: nothing to do
        disk_call(r, 0x0511, 0x0000, 0x4080)?; // 2-3 head 64: bad
        disk_call(r, 0x0201, 0x0001, 0x0080)?; // 4-5 sector 1 is still the boot sector
        r.m(BUF + 510)?; // 6
        Ok(())
    })
}

pub(super) fn disk_format_check(run: &Run) {
    assert!(
        !c(run, 0) && w(run, 1) >> 8 == 0,
        "format a hard disk track"
    );
    assert!(c(run, 2) && w(run, 3) >> 8 == 0x01, "bad head");
    assert!(!c(run, 4));
    assert_eq!(w(run, 6), 0xAA55, "nothing was written");
}

// -------------------------------------------------------------- diskette

pub(super) fn floppy_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ah, 0x08u32)?;
        r.a.mov(dl, 0u32)?;
        r.int(0x13)?;
        r.fa()?; // 0-1
        r.r(bx)?; // 2
        r.r(cx)?; // 3
        r.r(dx)?; // 4
        r.a.push(es)?;
        r.a.pop(ax)?;
        r.r(ax)?; // 5: ES
        r.r(di)?; // 6
        r.a.push(0u32)?;
        r.a.pop(es)?;
        disk_call(r, 0x1500, 0, 0)?; // 7-8 type: 01h
        disk_call(r, 0x1600, 0, 0)?; // 9-10 change line
        r.m(bda(0x41))?; // 11
        disk_call(r, 0x0000, 0, 0)?; // 12-13 reset
                                     // C1 H1 S3 = LBA (1*2+1)*18+2 = 56.
        disk_call(r, 0x0201, 0x0103, 0x0100)?; // 14-15
        r.m(BUF)?; // 16
                   // Write it back elsewhere: C2 H0 S1 = LBA 72, read to 2000h.
        disk_call(r, 0x0301, 0x0201, 0x0000)?; // 17-18
        r.a.mov(ax, 0x0201u32)?;
        r.a.mov(cx, 0x0201u32)?;
        r.a.mov(dx, 0x0000u32)?;
        r.a.mov(bx, 0x2000u32)?;
        r.int(0x13)?;
        r.fa()?; // 19-20
        r.m(0x2000)?; // 21
        disk_call(r, 0x0403, 0x0201, 0x0000)?; // 22-23 verify
                                               // Format C3 H1 (LBA 72+36+18=126): 18 sectors of F6h, with the
                                               // address fields (C, H, R, N) at ES:BX as a diskette controller
                                               // needs them.
        let mut fields = r.a.create_label();
        r.a.mov(di, BUF)?;
        r.a.mov(cx, 1u32)?;
        r.a.set_label(&mut fields)?;
        r.a.mov(word_ptr(di), 0x0103u32)?;
        r.a.mov(byte_ptr(di + 2), cl)?;
        r.a.mov(byte_ptr(di + 3), 2u32)?;
        r.a.add(di, 4u32)?;
        r.a.inc(cx)?;
        r.a.cmp(cx, 19u32)?;
        r.a.jb(fields)?;
        disk_call(r, 0x0512, 0x0300, 0x0100)?; // 24-25
        disk_call(r, 0x0201, 0x0301, 0x0100)?; // 26-27
        r.m(BUF)?; // 28
                   // A buffer across a 64 KiB boundary: 0000:FF00, 2 sectors.
        r.a.mov(ax, 0x0202u32)?;
        r.a.mov(cx, 0x0001u32)?;
        r.a.mov(dx, 0x0000u32)?;
        r.a.mov(bx, 0xFF00u32)?;
        r.int(0x13)?;
        r.fa()?; // 29-30
        r.m(bda(0x41))?; // 31
        disk_call(r, 0x4100, 0, 0)?; // 32-33 no EDD on a diskette
        disk_call(r, 0x0201, 0x5001, 0x0000)?; // 34-35 cylinder 80: bad
        r.int(0x11)?;
        r.r(ax)?; // 36
        Ok(())
    })
}

pub(super) fn floppy_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) == 0, "AH=08h: AX=0");
    assert_eq!(w(run, 2), 0x0004, "BL=4: 1.44 MB");
    assert_eq!(w(run, 3), 0x4F12, "79 cylinders, 18 sectors");
    assert_eq!(w(run, 4), 0x0101, "last head 1, one diskette drive");
    assert_eq!(
        (w(run, 5), w(run, 6)),
        (0xF000, 0xEFC7),
        "ES:DI: parameter table"
    );
    assert!(
        !c(run, 7) && w(run, 8) >> 8 == 0x01,
        "AH=15h: diskette, no change line"
    );
    assert!(c(run, 9) && w(run, 10) >> 8 == 0x06, "AH=16h: changed");
    assert_eq!(w(run, 11) & 0xFF, 0x06, "40:41");
    assert!(!c(run, 12));
    assert!(!c(run, 14) && w(run, 15) == 1);
    assert_eq!(w(run, 16), 56, "LBA 56");
    assert!(!c(run, 17) && w(run, 18) == 1, "write");
    assert!(!c(run, 19) && w(run, 21) == 56, "read back at LBA 72");
    assert!(!c(run, 22) && w(run, 23) == 3, "verify");
    assert!(!c(run, 24), "format");
    assert!(!c(run, 26) && w(run, 28) == 0xF6F6, "formatted with F6h");
    assert!(
        c(run, 29) && w(run, 30) == 0x0900,
        "DMA boundary: 09h, AL=0"
    );
    assert_eq!(w(run, 31) & 0xFF, 0x09);
    assert!(c(run, 32) && w(run, 33) >> 8 == 0x01, "no EDD");
    assert!(c(run, 34) && w(run, 35) >> 8 == 0x01, "cylinder 80");
    assert_eq!(w(run, 36) & 0xC1, 0x01, "equipment: one diskette drive");
}

// ---------------------------------------------------------------- CD-ROM

pub(super) fn cdrom_guest() -> Vec<u8> {
    guest_with_entry(|r| {
        r.a.mov(ax, 0x4B01u32)?;
        r.a.mov(dl, 0xE0u32)?;
        r.a.mov(si, 0x0700u32)?;
        r.int(0x13)?;
        r.fa()?; // 2-3
        for off in (0..0x12).step_by(2) {
            r.m(0x0700 + off)?; // 4-12
        }
        r.a.mov(ah, 0x41u32)?;
        r.a.mov(bx, 0x55AAu32)?;
        r.a.mov(dl, 0xE0u32)?;
        r.int(0x13)?;
        r.fa()?; // 13-14
        r.r(bx)?; // 15
        r.a.mov(word_ptr(0x2000u32), 0x1Au32)?;
        r.a.mov(ah, 0x48u32)?;
        r.a.mov(dl, 0xE0u32)?;
        r.a.mov(si, 0x2000u32)?;
        r.int(0x13)?;
        r.fa()?; // 16-17
        r.m(0x2002)?; // 18 flags
        r.m(0x2018)?; // 19 bytes per sector
        packet(r.a, 1, 0, BUF as u16, 20)?;
        r.a.mov(ah, 0x42u32)?;
        r.a.mov(dl, 0xE0u32)?;
        r.int(0x13)?;
        r.fa()?; // 20-21
        r.m(BUF + 0x1FE)?; // 22: the boot image's signature
        r.m(DAP + 2)?; // 23
        disk_call(r, 0x1500, 0, 0xE0)?; // 24-25
        disk_call(r, 0x0800, 0, 0xE0)?; // 26-27 no CHS
        disk_call(r, 0x4300, 0, 0xE0)?; // 28-29 write: read-only
        Ok(())
    })
}

pub(super) fn cdrom_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0xE0, "booted with DL=E0h");
    assert_eq!(w(run, 1), 0, "at 0000:7C00");
    assert!(!c(run, 2), "AH=4Bh");
    assert_eq!(w(run, 4), 0x0013, "packet size 13h, no emulation");
    assert_eq!(w(run, 5) & 0xFF, 0xE0, "drive");
    assert_eq!((w(run, 6), w(run, 7)), (20, 0), "image LBA");
    assert_eq!(w(run, 10), 0x07C0, "load segment");
    assert_eq!(w(run, 11), 1, "virtual sectors");
    assert!(
        !c(run, 13) && w(run, 14) >> 8 == 0x30 && w(run, 15) == 0xAA55,
        "EDD"
    );
    assert!(!c(run, 16));
    assert_eq!(
        (w(run, 18), w(run, 19)),
        (0x0074, 2048),
        "removable, 2048-byte sectors"
    );
    assert!(
        !c(run, 20) && w(run, 22) == 0xAA55 && w(run, 23) == 1,
        "42h reads a block"
    );
    assert!(!c(run, 24) && w(run, 25) >> 8 == 0x01, "AH=15h: removable");
    assert!(c(run, 26) && w(run, 27) >> 8 == 0x01, "no CHS on a CD");
    assert!(c(run, 28), "read-only");
}

/// The CD-ROM's door: AH=45h locks, AH=46h eject, AH=49h media change
/// (and a hard disk's answers to them).
pub(super) fn cdrom_door_guest() -> Vec<u8> {
    guest_with_entry(|r| {
        disk_call(r, 0x4502, 0, 0xE0)?; // 2-3 lock status
        disk_call(r, 0x4500, 0, 0xE0)?; // 4-5 lock
        disk_call(r, 0x4600, 0, 0xE0)?; // 6-7 eject while locked
        disk_call(r, 0x4501, 0, 0xE0)?; // 8-9 unlock
        disk_call(r, 0x4501, 0, 0xE0)?; // 10-11 unlock, not locked
        disk_call(r, 0x4900, 0, 0xE0)?; // 12-13 extended media change
        disk_call(r, 0x4500, 0, 0x80)?; // 14-15 a hard disk: always fine
        disk_call(r, 0x4900, 0, 0x80)?; // 16-17
        Ok(())
    })
}

pub(super) fn cdrom_door_check(run: &Run) {
    assert_eq!(
        (c(run, 2), w(run, 3) & 0xFF),
        (false, 0),
        "AX=4502h: unlocked"
    );
    assert_eq!(
        (c(run, 4), w(run, 5) & 0xFF),
        (false, 1),
        "AX=4500h: locked"
    );
    assert!(
        c(run, 6) && w(run, 7) >> 8 == 0xB1,
        "AH=46h: locked in the drive"
    );
    assert_eq!(
        (c(run, 8), w(run, 9) & 0xFF),
        (false, 0),
        "AX=4501h: unlocked"
    );
    assert!(
        c(run, 10) && w(run, 11) >> 8 == 0xB0,
        "AX=4501h: not locked"
    );
    assert!(
        c(run, 12) && w(run, 13) >> 8 == 0x06,
        "AH=49h: media may have changed"
    );
    assert!(
        !c(run, 14) && !c(run, 16),
        "a hard disk locks and never changes"
    );
}

/// Booted from a CD-ROM's 1.44 MB diskette emulation: the drive number, the
/// emulated drive's parameters and a read from it, the emulation status,
/// the equipment word, then the end of the emulation.
pub(super) fn cdrom_floppy_guest() -> Vec<u8> {
    guest_with_entry(|r| {
        disk_call(r, 0x0800, 0, 0x00)?; // 2-3
        r.r(bx)?; // 4
        r.r(cx)?; // 5
        r.r(dx)?; // 6
        r.a.xor(ax, ax)?; // AH=08h set ES:DI to the diskette table
        r.a.mov(es, ax)?;
        disk_call(r, 0x0201, 0x0002, 0x0000)?; // 7-8: sector 2 into BUF
        r.m(BUF)?; // 9
        r.m(BUF + 0x1FE)?; // 10
        r.a.mov(ax, 0x4B01u32)?;
        r.a.mov(dl, 0x00u32)?;
        r.a.mov(si, 0x0700u32)?;
        r.int(0x13)?;
        r.fa()?; // 11-12
        r.m(0x0700)?; // 13: size, media type
        r.m(0x0702)?; // 14: drive (and the controller)
        r.m(0x0704)?; // 15: image LBA (low)
        r.m(0x070C)?; // 16: load segment
        r.m(0x070E)?; // 17: sector count
        r.m(0x0710)?; // 18: cylinders, sectors
        r.m(0x0712)?; // 19: heads
        r.int(0x11)?;
        r.r(ax)?; // 20
        r.a.mov(ax, 0x4B00u32)?;
        r.a.mov(dl, 0x00u32)?;
        r.a.mov(si, 0x0700u32)?;
        r.int(0x13)?;
        r.fa()?; // 21-22
        disk_call(r, 0x0800, 0, 0x00)?; // 23-24: no diskette now
        Ok(())
    })
}

pub(super) fn cdrom_floppy_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x00, "booted as drive 00h");
    assert!(!c(run, 2), "AH=08h on the emulated diskette");
    assert_eq!(
        (w(run, 4) & 0xFF, w(run, 5), w(run, 6)),
        (4, 0x4F12, 0x0101),
        "1.44 MB: 80/2/18, one drive"
    );
    assert!(!c(run, 7), "a CHS read");
    assert_eq!(
        w(run, 9),
        u16::from_le_bytes([pattern_byte(1, 0), pattern_byte(1, 1)]),
        "the image's sector 2"
    );
    assert!(!c(run, 11), "AX=4B01h");
    assert_eq!(w(run, 13), 0x0213, "packet size 13h, 1.44 MB media");
    assert_eq!(w(run, 14) & 0xFF, 0x00, "drive 00h");
    assert_eq!(w(run, 15), 20, "the image at LBA 20");
    assert_eq!(
        (w(run, 16), w(run, 17)),
        (0x07C0, 1),
        "load segment, one sector"
    );
    assert_eq!(
        (w(run, 18), w(run, 19) & 0xFF),
        (0x1250, 2),
        "80 cylinders, 18 sectors, 2 heads"
    );
    assert_eq!(w(run, 20) & 0xC1, 0x01, "INT 11h: one diskette");
    assert!(!c(run, 21), "AX=4B00h ends the emulation");
    assert!(c(run, 23), "then no drive 00h");
}
