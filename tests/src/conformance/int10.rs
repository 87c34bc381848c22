//! INT 10h (video) cases.

use super::*;

pub(super) fn video_mode_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 0
        for off in [0x49, 0x4A, 0x4C, 0x4E, 0x60, 0x62, 0x63, 0x84, 0x85, 0x87] {
            r.m(bda(off))?; // 1-10
        }
        r.seg(0xB800, 0)?; // 11: blank cell
        r.a.mov(ah, 0x0Fu32)?;
        r.int(0x10)?;
        r.r(ax)?; // 12
        r.r(bx)?; // 13
        r.a.mov(ah, 0x01u32)?;
        r.a.mov(cx, 0x0E0Fu32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x02u32)?;
        r.a.mov(bx, 0x0000u32)?;
        r.a.mov(dx, 0x050Au32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x02u32)?;
        r.a.mov(bh, 0x01u32)?;
        r.a.mov(dx, 0x0102u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(cx)?; // 14
        r.r(dx)?; // 15
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 1u32)?;
        r.int(0x10)?;
        r.r(dx)?; // 16
        r.m(bda(0x50))?; // 17
        r.m(bda(0x52))?; // 18
        r.a.mov(ah, 0x05u32)?;
        r.a.mov(al, 1u32)?;
        r.int(0x10)?;
        r.m(bda(0x62))?; // 19
        r.m(bda(0x4E))?; // 20
        r.a.mov(ah, 0x0Fu32)?;
        r.int(0x10)?;
        r.r(bx)?; // 21
        r.a.mov(ax, 0x0500u32)?;
        r.int(0x10)?;
        r.m(bda(0x62))?; // 22
        Ok(())
    })
}

pub(super) fn video_mode_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x30, "AH=00h returns AL=30h");
    assert_eq!(w(run, 1) & 0xFF, 0x03, "40:49 mode");
    assert_eq!(w(run, 2), 80, "40:4A columns");
    assert_eq!(w(run, 3), 0x1000, "40:4C page size");
    assert_eq!(w(run, 4), 0, "40:4E page start");
    assert_eq!(w(run, 5), 0x0607, "40:60 cursor shape");
    assert_eq!(w(run, 6) & 0xFF, 0, "40:62 page");
    assert_eq!(w(run, 7), 0x3D4, "40:63 CRTC");
    assert_eq!(w(run, 8) & 0xFF, 24, "40:84 rows - 1");
    assert_eq!(w(run, 9), 16, "40:85 char height");
    assert_eq!(w(run, 10) & 0xFF, 0x60, "40:87");
    assert_eq!(w(run, 11), 0x0720, "the screen is blank");
    assert_eq!(w(run, 12), 0x5003, "AH=0Fh: 80 columns, mode 3");
    assert_eq!(w(run, 13) >> 8, 0, "page 0");
    assert_eq!(w(run, 14), 0x0E0F, "cursor shape set by AH=01h");
    assert_eq!(w(run, 15), 0x050A, "page 0 cursor");
    assert_eq!(w(run, 16), 0x0102, "page 1 cursor");
    assert_eq!((w(run, 17), w(run, 18)), (0x050A, 0x0102), "40:50, 40:52");
    assert_eq!(w(run, 19) & 0xFF, 1, "AH=05h: page 1 active");
    assert_eq!(w(run, 20), 0x1000, "page 1 starts at 1000h");
    assert_eq!(w(run, 21) >> 8, 1, "AH=0Fh: BH=1");
    assert_eq!(w(run, 22) & 0xFF, 0, "back to page 0");
}

pub(super) fn video_mono_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0007u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 0
        for off in [0x49, 0x4A, 0x4C, 0x63, 0x84, 0x85] {
            r.m(bda(off))?; // 1-6
        }
        r.a.mov(ah, 0x12u32)?;
        r.a.mov(bx, 0xFF10u32)?;
        r.a.mov(cx, 0xFFFFu32)?;
        r.int(0x10)?;
        r.r(bx)?; // 7
        r.r(cx)?; // 8
        r.a.mov(ax, 0x1A00u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 9
        r.r(bx)?; // 10
        r.a.mov(ax, 0x0E41u32)?;
        r.int(0x10)?;
        r.seg(0xB000, 0)?; // 11
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x12u32)?;
        r.a.mov(bx, 0xFF10u32)?;
        r.int(0x10)?;
        r.r(bx)?; // 12
        r.r(cx)?; // 13
        r.a.mov(ax, 0x1A00u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 14
        r.r(bx)?; // 15
        r.a.mov(ax, 0x1A01u32)?;
        r.a.mov(bx, 0x0008u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 16
        Ok(())
    })
}

pub(super) fn video_mono_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x30);
    assert_eq!(w(run, 1) & 0xFF, 0x07, "mode 7");
    assert_eq!(w(run, 2), 80);
    assert_eq!(w(run, 3), 0x1000);
    assert_eq!(w(run, 4), 0x3B4, "mono CRTC");
    assert_eq!(w(run, 5) & 0xFF, 24);
    assert_eq!(w(run, 6), 16, "VGA's mode 7 has 16-line characters");
    assert_eq!(w(run, 7), 0x0103, "AH=12h BL=10h on mono: BH=1, BL=3");
    assert_eq!(w(run, 8), 0x0009, "switches");
    assert_eq!(w(run, 9) & 0xFF, 0x1A, "AH=1Ah supported");
    assert_eq!(
        w(run, 10),
        0x0008,
        "the display is VGA colour whatever the mode"
    );
    assert_eq!(w(run, 11), 0x0741, "teletype at B0000h");
    assert_eq!(w(run, 12), 0x0003, "colour: BH=0, BL=3");
    assert_eq!(w(run, 13), 0x0009);
    assert_eq!(w(run, 14) & 0xFF, 0x1A);
    assert_eq!(w(run, 15), 0x0008, "VGA colour");
    assert_eq!(w(run, 16) & 0xFF, 0x1A, "AL=01h set");
}

pub(super) fn video_write_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x02u32)?;
        r.a.mov(bx, 0u32)?;
        r.a.mov(dx, 0x0302u32)?;
        r.int(0x10)?;
        r.a.mov(ax, 0x0958u32)?; // 'X'
        r.a.mov(bx, 0x001Eu32)?;
        r.a.mov(cx, 3u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x02u32)?;
        r.a.mov(bx, 0u32)?;
        r.a.mov(dx, 0x0303u32)?;
        r.int(0x10)?;
        r.a.mov(ax, 0x0A59u32)?; // 'Y', attributes kept
        r.a.mov(bx, 0x0071u32)?;
        r.a.mov(cx, 1u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x08u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 0
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(dx)?; // 1: not moved by 09h/0Ah
        for col in 1..6u16 {
            r.seg(0xB800, 3 * 160 + col * 2)?; // 2-6
        }
        // Wrap: 09h at the last column continues on the next row.
        r.a.mov(ah, 0x02u32)?;
        r.a.mov(bx, 0u32)?;
        r.a.mov(dx, 0x064Fu32)?;
        r.int(0x10)?;
        r.a.mov(ax, 0x095Au32)?;
        r.a.mov(bx, 0x0002u32)?;
        r.a.mov(cx, 2u32)?;
        r.int(0x10)?;
        r.seg(0xB800, 6 * 160 + 79 * 2)?; // 7
        r.seg(0xB800, 7 * 160)?; // 8
        Ok(())
    })
}

pub(super) fn video_write_check(run: &Run) {
    assert_eq!(w(run, 0), 0x1E59, "AH=08h: 'Y' on the attribute 09h wrote");
    assert_eq!(w(run, 1), 0x0303, "cursor unchanged");
    assert_eq!(
        [w(run, 2), w(run, 3), w(run, 4), w(run, 5), w(run, 6)],
        [0x0720, 0x1E58, 0x1E59, 0x1E58, 0x0720]
    );
    assert_eq!(
        (w(run, 7), w(run, 8)),
        (0x025A, 0x025A),
        "wraps to the next row"
    );
}

pub(super) fn video_scroll_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        // Rows 0-4, column 0: 'A'..'E'.
        for row in 0..5u32 {
            r.a.mov(ah, 0x02u32)?;
            r.a.mov(bx, 0u32)?;
            r.a.mov(dx, row << 8)?;
            r.int(0x10)?;
            r.a.mov(ax, 0x0941 + row)?;
            r.a.mov(bx, 0x0007u32)?;
            r.a.mov(cx, 2u32)?;
            r.int(0x10)?;
        }
        // Up 1 in rows 1-3, columns 0-0, blank attribute 1Fh.
        r.a.mov(ax, 0x0601u32)?;
        r.a.mov(bh, 0x1Fu32)?;
        r.a.mov(cx, 0x0100u32)?;
        r.a.mov(dx, 0x0300u32)?;
        r.int(0x10)?;
        for row in 0..5u16 {
            r.seg(0xB800, row * 160)?; // 0-4
        }
        r.seg(0xB800, 160 + 2)?; // 5: column 1 untouched
                                 // Down 2 in rows 0-4, columns 0-1.
        r.a.mov(ax, 0x0702u32)?;
        r.a.mov(bh, 0x2Eu32)?;
        r.a.mov(cx, 0x0000u32)?;
        r.a.mov(dx, 0x0401u32)?;
        r.int(0x10)?;
        for row in 0..5u16 {
            r.seg(0xB800, row * 160)?; // 6-10
        }
        // AL=0: blank the window, lower right clipped to the screen.
        r.a.mov(ax, 0x0600u32)?;
        r.a.mov(bh, 0x4Fu32)?;
        r.a.mov(cx, 0x1700u32)?;
        r.a.mov(dx, 0xFFFFu32)?;
        r.int(0x10)?;
        r.seg(0xB800, 24 * 160 + 79 * 2)?; // 11
        r.seg(0xB800, 22 * 160)?; // 12
        Ok(())
    })
}

pub(super) fn video_scroll_check(run: &Run) {
    let up: Vec<u16> = (0..5).map(|i| w(run, i)).collect();
    assert_eq!(
        up,
        [0x0741, 0x0743, 0x0744, 0x1F20, 0x0745],
        "scrolled up one"
    );
    assert_eq!(w(run, 5), 0x0742, "outside the window");
    let down: Vec<u16> = (6..11).map(|i| w(run, i)).collect();
    assert_eq!(
        down,
        [0x2E20, 0x2E20, 0x0741, 0x0743, 0x0744],
        "scrolled down two"
    );
    assert_eq!(w(run, 11), 0x4F20, "blanked to the clipped corner");
    assert_eq!(w(run, 12), 0x0720, "above the window");
}

pub(super) fn video_text_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        // Teletype with BEL and BS.
        for &byte in b"ab\x07\x08c\r\n" {
            r.a.mov(ax, 0x0E00 | u32::from(byte))?;
            r.a.mov(bx, 0x0000u32)?;
            r.int(0x10)?;
        }
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(dx)?; // 0
        r.seg(0xB800, 0)?; // 1
        r.seg(0xB800, 2)?; // 2
                           // AH=13h, AL=1: attribute BL, cursor moved; CR LF inside.
        r.a.mov(word_ptr(0x0700u32), 0x5051u32)?; // "QP"
        r.a.mov(word_ptr(0x0702u32), 0x0A0Du32)?; // CR LF
        r.a.mov(word_ptr(0x0704u32), 0x0052u32)?; // "R"
        r.a.mov(bp, 0x0700u32)?;
        r.a.mov(ax, 0x1301u32)?;
        r.a.mov(bx, 0x001Bu32)?;
        r.a.mov(cx, 5u32)?;
        r.a.mov(dx, 0x0A05u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(dx)?; // 3
        r.seg(0xB800, 10 * 160 + 10)?; // 4
        r.seg(0xB800, 10 * 160 + 12)?; // 5
        r.seg(0xB800, 11 * 160)?; // 6
                                  // AL=2: character/attribute pairs, cursor kept.
        r.a.mov(word_ptr(0x0710u32), 0x3C53u32)?; // 'S' on 3Ch
        r.a.mov(word_ptr(0x0712u32), 0x4A54u32)?; // 'T' on 4Ah
        r.a.mov(bp, 0x0710u32)?;
        r.a.mov(ax, 0x1302u32)?;
        r.a.mov(bx, 0x0000u32)?;
        r.a.mov(cx, 2u32)?;
        r.a.mov(dx, 0x1400u32)?;
        r.int(0x10)?;
        r.a.mov(ah, 0x03u32)?;
        r.a.mov(bh, 0u32)?;
        r.int(0x10)?;
        r.r(dx)?; // 7
        r.seg(0xB800, 20 * 160)?; // 8
        r.seg(0xB800, 20 * 160 + 2)?; // 9
        Ok(())
    })
}

pub(super) fn video_text_check(run: &Run) {
    assert_eq!(w(run, 0), 0x0100, "row 1, column 0");
    assert_eq!(
        (w(run, 1), w(run, 2)),
        (0x0761, 0x0763),
        "BEL ignored, BS then c"
    );
    assert_eq!(w(run, 3), 0x0B01, "AL=1 moves the cursor past the string");
    assert_eq!((w(run, 4), w(run, 5)), (0x1B51, 0x1B50), "BL attribute");
    assert_eq!(w(run, 6), 0x1B52, "CR LF: 'R' at the start of the next row");
    assert_eq!(w(run, 7), 0x0B01, "AL=2 keeps the cursor");
    assert_eq!(
        (w(run, 8), w(run, 9)),
        (0x3C53, 0x4A54),
        "attributes from the string"
    );
    assert!(run.console.contains("ab\x07\x08c\r\n"), "teletype echoed");
}

/// Writes `bytes` at `addr` (DS=0) from the guest.
fn poke(r: &mut Rec, addr: u32, bytes: &[u8]) -> Result<(), IcedError> {
    for (i, b) in bytes.iter().enumerate() {
        r.a.mov(byte_ptr(addr + i as u32), u32::from(*b))?;
    }
    Ok(())
}

/// AX=`ax_in`, BX=`bx_in`, INT 10h.
fn call(r: &mut Rec, ax_in: u32, bx_in: u32) -> Result<(), IcedError> {
    r.a.mov(ax, ax_in)?;
    r.a.mov(bx, bx_in)?;
    r.int(0x10)
}

const BUF2: u32 = 0x1200;
const BUF3: u32 = 0x1300;
const BUF4: u32 = 0x1310;
const BUF5: u32 = 0x1400;

pub(super) fn video_palette_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        call(r, 0x1000, 0x3F01)?;
        call(r, 0x1007, 0x0001)?;
        r.r(bx)?; // 0
        call(r, 0x1001, 0x0500)?;
        call(r, 0x1008, 0x0000)?;
        r.r(bx)?; // 1
        r.a.mov(dx, BUF)?;
        call(r, 0x1009, 0)?;
        r.m(BUF)?; // 2
        r.m(BUF + 6)?; // 3
        r.m(BUF + 15)?; // 4: register 0Fh and the border
        let table: Vec<u8> = (0..16).chain([0]).collect();
        poke(r, BUF2, &table)?;
        r.a.mov(dx, BUF2)?;
        call(r, 0x1002, 0)?;
        call(r, 0x1007, 0x0006)?;
        r.r(bx)?; // 5
        call(r, 0x1003, 0x0000)?;
        r.m(bda(0x65))?; // 6
        call(r, 0x1003, 0x0001)?;
        r.m(bda(0x65))?; // 7
        r.a.mov(dh, 10u32)?;
        r.a.mov(cx, 0x0B0Cu32)?;
        call(r, 0x1010, 20)?;
        r.a.xor(dx, dx)?;
        r.a.xor(cx, cx)?;
        call(r, 0x1015, 20)?;
        r.r(dx)?; // 8
        r.r(cx)?; // 9
        poke(r, BUF3, &[1, 2, 3, 4, 5, 6, 7, 8, 9])?;
        r.a.mov(cx, 3u32)?;
        r.a.mov(dx, BUF3)?;
        call(r, 0x1012, 30)?;
        r.a.mov(cx, 3u32)?;
        r.a.mov(dx, BUF4)?;
        call(r, 0x1017, 30)?;
        for off in [0, 2, 4, 7] {
            r.m(BUF4 + off)?; // 10-13
        }
        call(r, 0x1018, 0x00F0)?;
        call(r, 0x1019, 0x0000)?;
        r.r(bx)?; // 14
        call(r, 0x1018, 0x00FF)?;
        call(r, 0x1013, 0x0100)?;
        call(r, 0x1013, 0x0301)?;
        call(r, 0x101A, 0)?;
        r.r(bx)?; // 15
        call(r, 0x1013, 0x0000)?;
        r.a.mov(cx, 1u32)?;
        call(r, 0x101B, 20)?;
        r.a.xor(dx, dx)?;
        r.a.xor(cx, cx)?;
        call(r, 0x1015, 20)?;
        r.r(dx)?; // 16
        r.r(cx)?; // 17
        Ok(())
    })
}

pub(super) fn video_palette_check(run: &Run) {
    assert_eq!(w(run, 0), 0x3F01, "AX=1000h/1007h: register 1");
    assert_eq!(w(run, 1) >> 8, 0x05, "the border");
    assert_eq!(w(run, 2), 0x3F00, "AX=1009h: registers 0 and 1");
    assert_eq!(w(run, 3), 0x0714, "registers 6 and 7 (brown is 14h)");
    assert_eq!(w(run, 4), 0x053F, "register 0Fh, then the border");
    assert_eq!(w(run, 5), 0x0606, "AX=1002h set them all");
    assert_eq!(w(run, 6) & 0x20, 0, "AX=1003h BL=0: blink off in 40:65");
    assert_eq!(w(run, 7) & 0x20, 0x20, "BL=1: blink on");
    assert_eq!((w(run, 8), w(run, 9)), (0x0A00, 0x0B0C), "AX=1010h/1015h");
    assert_eq!(
        [w(run, 10), w(run, 11), w(run, 12), w(run, 13)],
        [0x0201, 0x0403, 0x0605, 0x0908],
        "AX=1012h/1017h"
    );
    assert_eq!(w(run, 14) & 0xFF, 0xF0, "the pixel mask");
    assert_eq!(w(run, 15), 0x0301, "AX=101Ah: 16-colour pages, page 3");
    assert_eq!(
        (w(run, 16), w(run, 17)),
        (0x0B00, 0x0B0B),
        "grey of (10, 11, 12)"
    );
}

pub(super) fn video_graphics_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0013u32)?;
        r.int(0x10)?;
        r.r(ax)?; // 0
        for off in [0x49, 0x4A, 0x4C, 0x84, 0x85] {
            r.m(bda(off))?; // 1-5
        }
        r.a.mov(ah, 0x0Fu32)?;
        r.int(0x10)?;
        r.r(ax)?; // 6
        r.a.mov(cx, 5u32)?;
        r.a.mov(dx, 3u32)?;
        call(r, 0x0C2A, 0)?;
        r.a.mov(cx, 5u32)?;
        r.a.mov(dx, 3u32)?;
        call(r, 0x0D00, 0)?;
        r.r(ax)?; // 7
        r.seg(0xA000, 3 * 320 + 5)?; // 8
        r.a.mov(cx, 5u32)?;
        r.a.mov(dx, 3u32)?;
        call(r, 0x0C81, 0)?;
        r.a.mov(cx, 5u32)?;
        r.a.mov(dx, 3u32)?;
        call(r, 0x0D00, 0)?;
        r.r(ax)?; // 9: XORed
        r.a.mov(dx, 0x0101u32)?;
        call(r, 0x0200, 0)?;
        call(r, 0x0E41, 0x000F)?;
        call(r, 0x0300, 0)?;
        r.r(dx)?; // 10
        r.a.mov(dx, 0x0101u32)?;
        call(r, 0x0200, 0)?;
        call(r, 0x0800, 0)?;
        r.r(ax)?; // 11: the 'A' read back from its pixels
        r.a.mov(dx, 0x0002u32)?;
        call(r, 0x0200, 0)?;
        r.a.mov(cx, 3u32)?;
        call(r, 0x0942, 0x000C)?;
        r.a.mov(dx, 0x0004u32)?;
        call(r, 0x0200, 0)?;
        call(r, 0x0800, 0)?;
        r.r(ax)?; // 12: the third 'B'
        r.a.xor(dx, dx)?;
        r.a.xor(cx, cx)?;
        call(r, 0x1130, 0x0300)?;
        r.r(cx)?; // 13
        r.r(dx)?; // 14
        call(r, 0x1130, 0x0600)?;
        r.r(cx)?; // 15
        r.a.push(0u32)?;
        r.a.pop(es)?;
        r.a.mov(di, BUF)?;
        call(r, 0x1B00, 0)?;
        r.r(ax)?; // 16
        for off in [0x04, 0x22, 0x27, 0x29] {
            r.m(BUF + off)?; // 17-20
        }
        r.a.xor(cx, cx)?;
        r.a.mov(dx, 0x184Fu32)?;
        call(r, 0x0601, 0)?;
        r.a.mov(dx, 0x0001u32)?;
        call(r, 0x0200, 0)?;
        call(r, 0x0800, 0)?;
        r.r(ax)?; // 21: the 'A' scrolled up a row
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)
    })
}

pub(super) fn video_graphics_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x20, "AH=00h mode 13h: AL=20h");
    assert_eq!(w(run, 1) & 0xFF, 0x13, "40:49");
    assert_eq!(w(run, 2), 40, "40 columns");
    assert_eq!(w(run, 4) & 0xFF, 24, "25 rows");
    assert_eq!(w(run, 5), 8, "8x8 characters");
    assert_eq!(w(run, 6), 0x2813, "AH=0Fh");
    assert_eq!(w(run, 7) & 0xFF, 0x2A, "AH=0Ch/0Dh");
    assert_eq!(w(run, 8) & 0xFF, 0x2A, "the pixel at A000:03C5");
    assert_eq!(w(run, 9) & 0xFF, 0x81, "no XOR in a 256-colour mode");
    assert_eq!(w(run, 10), 0x0102, "teletype moved the cursor");
    assert_eq!(
        w(run, 3),
        0x2000,
        "40:4C: an eighth of the pixels, in 8 KiB"
    );
    assert_eq!(
        w(run, 11),
        0x0F41,
        "AH=08h reads the glyph back, and its colour"
    );
    assert_eq!(w(run, 12), 0x0C42, "AH=09h wrote three");
    assert_eq!((w(run, 13), w(run, 14) & 0xFF), (8, 24), "AX=1130h");
    assert_eq!(w(run, 15), 8, "CX is the mode's character height");
    assert_eq!(w(run, 16) & 0xFF, 0x1B, "AH=1Bh");
    assert_eq!(w(run, 17) & 0xFF, 0x13, "the state's mode byte");
    assert_eq!(w(run, 19), 256, "256 colours");
    assert_eq!(w(run, 18), 0x0818, "40:84, then 8-line characters");
    assert_eq!(w(run, 20), 0x0201, "one page, 400 scan lines");
    assert_eq!(w(run, 21), 0x0F41, "AH=06h scrolled the pixels");
}

pub(super) fn video_state_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)?;
        call(r, 0x1201, 0x0030)?;
        r.r(ax)?; // 0
        r.m(bda(0x89))?; // 1
        call(r, 0x1201, 0x0031)?;
        r.r(ax)?; // 2
        r.m(bda(0x89))?; // 3
        call(r, 0x1200, 0x0031)?;
        call(r, 0x1200, 0x0033)?;
        r.r(ax)?; // 4
        r.m(bda(0x89))?; // 5
        call(r, 0x1201, 0x0033)?;
        call(r, 0x1200, 0x0034)?;
        r.r(ax)?; // 6
        r.m(bda(0x87))?; // 7
        call(r, 0x1201, 0x0036)?;
        r.r(ax)?; // 8
        call(r, 0x1200, 0x0036)?;
        r.r(ax)?; // 9
        call(r, 0x1202, 0x0030)?;
        r.a.mov(di, BUF)?;
        call(r, 0x1B00, 0)?;
        r.r(ax)?; // 10
        for off in [0x22, 0x25, 0x27, 0x29, 0x31] {
            r.m(BUF + off)?; // 11-15
        }
        r.a.les(si, dword_ptr(BUF))?;
        r.a.mov(ax, word_ptr(si).es())?;
        r.r(ax)?; // 16: the static table's first bytes
        r.a.push(0u32)?;
        r.a.pop(es)?;
        Ok(())
    })
}

pub(super) fn video_state_check(run: &Run) {
    for (slot, what) in [
        (0, "30h"),
        (2, "31h"),
        (4, "33h"),
        (6, "34h"),
        (8, "36h"),
        (9, "36h"),
    ] {
        assert_eq!(w(run, slot) & 0xFF, 0x12, "AH=12h BL={what}: AL=12h");
    }
    assert_eq!(w(run, 1) & 0x90, 0x00, "350 lines chosen (40:89 bits 4, 7)");
    assert_eq!(w(run, 1) >> 8, 0x08, "40:8A, the display combination index");
    assert_eq!(w(run, 3) & 0x08, 0x08, "palette loading off");
    assert_eq!(w(run, 5) & 0x02, 0x02, "grey-scale summing on");
    assert_eq!(w(run, 7) & 0x01, 0x00, "cursor emulation on");
    assert_eq!(w(run, 10) & 0xFF, 0x1B, "AH=1Bh");
    assert_eq!(
        w(run, 11),
        0x1018,
        "40:84 (rows less one), 16-line characters"
    );
    assert_eq!(w(run, 12), 0x0008, "VGA with a colour display");
    assert_eq!(w(run, 13), 16, "16 colours");
    assert_eq!(w(run, 14), 0x0208, "8 pages, 400 lines");
    assert_eq!(w(run, 15) & 0xFF, 3, "256 KiB");
    assert_eq!(w(run, 16) & 0xFF, 0x8F, "modes 00h-03h and 07h");
}

pub(super) fn video_vbe_guest() -> Vec<u8> {
    rec_guest(|r| {
        poke(r, BUF, b"VBE2")?;
        r.a.mov(di, BUF)?;
        call(r, 0x4F00, 0)?;
        r.r(ax)?; // 0
        for off in [0, 2, 4] {
            r.m(BUF + off)?; // 1-3
        }
        // Is 118h in the mode list?
        r.a.les(si, dword_ptr(BUF + 14))?;
        r.a.xor(bx, bx)?;
        let mut scan = r.a.create_label();
        let mut found = r.a.create_label();
        let mut done = r.a.create_label();
        r.a.set_label(&mut scan)?;
        r.a.mov(ax, word_ptr(si).es())?;
        r.a.cmp(ax, 0x118u32)?;
        r.a.je(found)?;
        r.a.cmp(ax, 0xFFFFu32)?;
        r.a.je(done)?;
        r.a.add(si, 2u32)?;
        r.a.jmp(scan)?;
        r.a.set_label(&mut found)?;
        r.a.inc(bx)?;
        r.a.set_label(&mut done)?;
        r.a.push(0u32)?;
        r.a.pop(es)?;
        r.r(bx)?; // 4
        r.a.mov(cx, 0x118u32)?;
        r.a.mov(di, BUF2)?;
        call(r, 0x4F01, 0)?;
        r.r(ax)?; // 5
        r.a.and(word_ptr(BUF2), 0x99u32)?;
        for off in [0x00, 0x10, 0x12, 0x14, 0x19, 0x1B, 0x1F, 0x21, 0x23] {
            r.m(BUF2 + off)?; // 6-14
        }
        r.a.mov(cx, 0x1FFu32)?;
        call(r, 0x4F01, 0)?;
        r.r(ax)?; // 15
        call(r, 0x4F02, 0x4118)?;
        r.r(ax)?; // 16
        call(r, 0x4F03, 0)?;
        r.r(ax)?; // 17
        r.r(bx)?; // 18
        call(r, 0x4F06, 0x0001)?;
        r.r(ax)?; // 19
        r.r(bx)?; // 20
        r.r(cx)?; // 21
        r.a.xor(cx, cx)?;
        r.a.mov(dx, 10u32)?;
        call(r, 0x4F07, 0x0000)?;
        r.r(ax)?; // 22
        call(r, 0x4F07, 0x0001)?;
        r.r(ax)?; // 23
        r.r(cx)?; // 24
        r.r(dx)?; // 25
        call(r, 0x4F08, 0x0800)?;
        r.r(ax)?; // 26
        r.r(bx)?; // 27
        call(r, 0x4F08, 0x0001)?;
        r.r(bx)?; // 28
        call(r, 0x4F08, 0x0600)?;
        poke(r, BUF3, &[1, 2, 3, 0])?;
        r.a.mov(cx, 1u32)?;
        r.a.mov(dx, 5u32)?;
        r.a.mov(di, BUF3)?;
        call(r, 0x4F09, 0x0000)?;
        r.r(ax)?; // 29
        r.a.mov(cx, 1u32)?;
        r.a.mov(dx, 5u32)?;
        r.a.mov(di, BUF4)?;
        call(r, 0x4F09, 0x0001)?;
        r.r(ax)?; // 30
        r.m(BUF4)?; // 31
        r.a.and(word_ptr(BUF4 + 2), 0xFFu32)?;
        r.m(BUF4 + 2)?; // 32
        r.a.xor(dx, dx)?;
        r.a.mov(cx, 0x000Fu32)?;
        call(r, 0x4F04, 0)?;
        r.r(ax)?; // 33
        call(r, 0x4F15, 0x0000)?;
        r.r(ax)?; // 34
        r.a.xor(cx, cx)?;
        r.a.xor(dx, dx)?;
        r.a.mov(di, BUF5)?;
        call(r, 0x4F15, 0x0001)?;
        r.r(ax)?; // 35
        r.m(BUF5)?; // 36
        r.m(BUF5 + 2)?; // 37
        r.a.xor(dx, dx)?;
        call(r, 0x4F05, 0x0000)?;
        r.r(ax)?; // 38
        call(r, 0x4F0A, 0x0000)?;
        r.r(ax)?; // 39
        r.a.mov(ax, 0x0003u32)?;
        r.int(0x10)
    })
}

pub(super) fn video_vbe_check(run: &Run) {
    assert_eq!(w(run, 0), 0x004F, "4F00h");
    assert_eq!((w(run, 1), w(run, 2)), (0x4556, 0x4153), "VESA");
    assert_eq!(w(run, 3), 0x0300, "VBE 3.0");
    assert_eq!(w(run, 4), 1, "118h is listed");
    assert_eq!(w(run, 5), 0x004F, "4F01h");
    assert_eq!(w(run, 6), 0x0099, "supported, colour, graphics, LFB");
    assert_eq!(w(run, 7), 3072, "bytes per line");
    assert_eq!((w(run, 8), w(run, 9)), (1024, 768));
    assert_eq!(w(run, 10), 0x0118, "24 bpp, one bank");
    assert_eq!(w(run, 11) & 0xFF, 6, "direct colour");
    assert_eq!(
        [w(run, 12), w(run, 13), w(run, 14)],
        [0x1008, 0x0808, 0x0008]
    );
    assert_eq!(w(run, 15), 0x014F, "no mode 1FFh");
    assert_eq!(w(run, 16), 0x004F, "4F02h");
    assert_eq!((w(run, 17), w(run, 18)), (0x004F, 0x4118), "4F03h");
    assert_eq!(
        [w(run, 19), w(run, 20), w(run, 21)],
        [0x004F, 3072, 1024],
        "4F06h"
    );
    assert_eq!(w(run, 22), 0x004F, "4F07h set");
    assert_eq!(
        [w(run, 23), w(run, 24), w(run, 25)],
        [0x004F, 0, 10],
        "4F07h get"
    );
    assert_eq!((w(run, 26), w(run, 27) >> 8), (0x004F, 8), "4F08h: 8 bits");
    assert_eq!(w(run, 28) >> 8, 8);
    assert_eq!((w(run, 29), w(run, 30)), (0x004F, 0x004F), "4F09h");
    assert_eq!(
        (w(run, 31), w(run, 32)),
        (0x0201, 0x0003),
        "entry 5 read back"
    );
    assert_eq!(w(run, 33), 0x004F, "4F04h size");
    assert_eq!((w(run, 34), w(run, 35)), (0x004F, 0x004F), "4F15h");
    assert_eq!(
        (w(run, 36), w(run, 37)),
        (0xFF00, 0xFFFF),
        "the EDID header"
    );
    assert_eq!(w(run, 38), 0x034F, "4F05h: no windows");
    assert_eq!(w(run, 39), 0x0100, "4F0Ah not offered");
}
