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

pub(super) fn video_vbe_guest() -> Vec<u8> {
    rec_guest(|r| {
        for (ax_in, cx_in) in [(0x4F00u32, 0u32), (0x4F01, 0x0101), (0x4F15, 0)] {
            r.a.mov(ax, ax_in)?;
            r.a.mov(bx, 0u32)?;
            r.a.mov(cx, cx_in)?;
            r.a.mov(di, BUF)?;
            r.int(0x10)?;
            r.r(ax)?;
        }
        Ok(())
    })
}

pub(super) fn video_vbe_check(run: &Run) {
    for i in 0..3 {
        assert_eq!(w(run, i), 0x0100, "VBE: AX=0100h, AL is not 4Fh");
    }
}
