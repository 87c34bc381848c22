//! INT 15h (system services) cases.

use super::*;

pub(super) fn system_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = |r: &mut Rec, ax_in: u32| -> Result<(), IcedError> {
            r.a.mov(ax, ax_in)?;
            r.a.mov(bx, 0xFFFFu32)?;
            r.int(0x15)?;
            r.fa()
        };
        call(r, 0x2401)?; // 0-1
        call(r, 0x2402)?; // 2-3
        call(r, 0x2403)?; // 4-5
        r.r(bx)?; // 6
        r.a.stc()?;
        call(r, 0x4F1E)?; // 7-8 intercept
        call(r, 0x5300)?; // 9-10 APM installation check
        call(r, 0xEC00)?; // 11-12
        call(r, 0xE980)?; // 13-14
        call(r, 0xD000)?; // 15-16 unknown
        r.a.mov(ah, 0xC0u32)?;
        r.int(0x15)?;
        r.fa()?; // 17-18
        r.a.push(es)?;
        r.a.pop(ax)?;
        r.r(ax)?; // 19
        r.r(bx)?; // 20
        for off in [0u16, 2, 4, 6, 8] {
            r.seg(0xF000, 0xE6F5 + off)?; // 21-25
        }
        r.a.stc()?;
        call(r, 0x9000)?; // 26-27 hooks: untouched
        r.a.clc()?;
        call(r, 0x9100)?; // 28-29
        call(r, 0x2400)?; // 30-31
        Ok(())
    })
}

pub(super) fn system_check(run: &Run) {
    assert_eq!((c(run, 0), w(run, 1) >> 8), (false, 0), "2401h");
    assert_eq!((c(run, 2), w(run, 3)), (false, 0x0001), "2402h: enabled");
    assert_eq!((c(run, 4), w(run, 6)), (false, 0), "2403h: no switch");
    assert!(c(run, 7) && w(run, 8) == 0x4F1E, "4Fh: CF=1, AL kept");
    assert_eq!((c(run, 9), w(run, 10)), (false, 0x0102), "5300h: APM 1.2");
    for i in [11u64, 13, 15] {
        assert!(c(run, i) && w(run, i + 1) >> 8 == 0x86, "slot {i}: 86h");
    }
    assert!(!c(run, 17) && w(run, 18) >> 8 == 0, "C0h");
    assert_eq!((w(run, 19), w(run, 20)), (0xF000, 0xE6F5));
    assert_eq!(w(run, 21), 8, "table size");
    assert_eq!(w(run, 22), 0x00FC, "model FCh, submodel 0");
    assert_eq!(w(run, 23) & 0xFF, 1, "revision");
    assert!(c(run, 26) && w(run, 27) == 0x9000, "90h: untouched");
    assert!(!c(run, 28) && w(run, 29) == 0x9100, "91h: untouched");
    assert!(
        c(run, 30) && w(run, 31) >> 8 == 0x86,
        "2400h: A20 stays open"
    );
}

pub(super) fn memory_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ah, 0x88u32)?;
        r.int(0x15)?;
        r.fa()?; // 0-1
        r.a.mov(ax, 0xE801u32)?;
        r.int(0x15)?;
        r.fa()?; // 2-3
        r.r(bx)?; // 4
        r.r(cx)?; // 5
        r.r(dx)?; // 6
                  // E820: walk, storing each entry's base (low word of bits 16-31) and type.
        r.a.xor(ebx, ebx)?;
        for _ in 0..3 {
            r.a.mov(eax, 0xE820u32)?;
            r.a.mov(edx, 0x534D_4150u32)?;
            r.a.mov(ecx, 20u32)?;
            r.a.mov(di, 0x2000u32)?;
            r.int(0x15)?;
            r.f()?;
            r.m(0x2002)?;
            r.m(0x2010)?;
            r.r(cx)?;
        } // 7-18
        r.a.mov(eax, 0xE820u32)?;
        r.a.mov(edx, 0u32)?; // no 'SMAP'
        r.a.xor(ebx, ebx)?;
        r.a.mov(ecx, 20u32)?;
        r.int(0x15)?;
        r.fa()?; // 19-20
        r.a.mov(eax, 0xE820u32)?;
        r.a.mov(edx, 0x534D_4150u32)?;
        r.a.mov(ebx, 0x1000u32)?; // bogus continuation
        r.a.mov(ecx, 20u32)?;
        r.int(0x15)?;
        r.fa()?; // 21-22
        Ok(())
    })
}

pub(super) fn memory_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) == 0xFC00, "88h: capped at 63 MiB");
    assert!(!c(run, 2) && w(run, 3) == 0x3C00, "E801h: 15 MiB");
    // 128 MiB less the 8 MiB framebuffer and the platform tables' 64 KiB,
    // reserved at the top.
    assert_eq!(
        w(run, 4),
        (128 - 8 - 16) * 16 - 1,
        "64 KiB blocks above 16 MiB"
    );
    assert_eq!((w(run, 5), w(run, 6)), (0x3C00, w(run, 4)));
    assert_eq!(
        (w(run, 8), w(run, 9), w(run, 10)),
        (0, 1, 20),
        "first entry: usable"
    );
    assert_eq!((w(run, 12), w(run, 13)), (0x0009, 2), "EBDA reserved");
    assert!(!c(run, 15) && w(run, 17) == 2, "F0000h reserved");
    assert!(c(run, 19) && w(run, 20) >> 8 == 0x86, "no SMAP");
    assert!(c(run, 21) && w(run, 22) >> 8 == 0x86, "bad continuation");
}

pub(super) fn block_move_guest() -> Vec<u8> {
    rec_guest(|r| {
        // GDT at 2000h: source 3000h, destination 200000h, 16 words.
        r.a.mov(cx, 24u32)?;
        r.a.xor(ax, ax)?;
        r.a.mov(di, 0x2000u32)?;
        r.a.rep().stosw()?;
        for (d, base) in [(0x10u32, 0x0000_3000u32), (0x18, 0x0020_0000)] {
            r.a.mov(word_ptr(0x2000 + d), 0xFFFFu32)?;
            r.a.mov(word_ptr(0x2000 + d + 2), base & 0xFFFF)?;
            r.a.mov(byte_ptr(0x2000 + d + 4), base >> 16)?;
            r.a.mov(byte_ptr(0x2000 + d + 5), 0x93u32)?;
        }
        r.a.mov(dword_ptr(0x3000u32), 0x1122_3344u32)?;
        r.a.mov(dword_ptr(0x301Cu32), 0x5566_7788u32)?;
        r.a.mov(ah, 0x87u32)?;
        r.a.mov(cx, 16u32)?;
        r.a.mov(si, 0x2000u32)?;
        r.int(0x15)?;
        r.fa()?; // 0-1
                 // And back to 4000h.
        r.a.mov(word_ptr(0x2012u32), 0u32)?;
        r.a.mov(byte_ptr(0x2014u32), 0x20u32)?;
        r.a.mov(word_ptr(0x201Au32), 0x4000u32)?;
        r.a.mov(byte_ptr(0x201Cu32), 0u32)?;
        r.a.mov(ah, 0x87u32)?;
        r.a.mov(cx, 16u32)?;
        r.a.mov(si, 0x2000u32)?;
        r.int(0x15)?;
        r.fa()?; // 2-3
        r.m(0x4000)?; // 4
        r.m(0x4002)?; // 5
        r.m(0x401C)?; // 6
        r.m(0x4020)?; // 7: past the 32 bytes
        Ok(())
    })
}

pub(super) fn block_move_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) >> 8 == 0);
    assert!(!c(run, 2) && w(run, 3) >> 8 == 0);
    assert_eq!(
        (w(run, 4), w(run, 5), w(run, 6), w(run, 7)),
        (0x3344, 0x1122, 0x7788, 0)
    );
}

pub(super) fn wait_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(bx, word_ptr(bda(0x6C)))?;
        r.a.mov(ax, 0x8600u32)?;
        r.a.mov(cx, 0x0003u32)?; // 3 * 65536 + 0x0D40 us = 200 ms
        r.a.mov(dx, 0x0D40u32)?;
        r.int(0x15)?;
        r.fa()?; // 0-1
        r.a.mov(ax, word_ptr(bda(0x6C)))?;
        r.a.sub(ax, bx)?;
        r.r(ax)?; // 2: ticks waited
        r.a.cmp(ax, 3u32)?;
        r.a.sbb(ax, ax)?;
        r.r(ax)?; // 3: FFFFh if fewer than 3
        Ok(())
    })
}

pub(super) fn wait_check(run: &Run) {
    assert!(!c(run, 0), "86h");
    assert_eq!(w(run, 1), 0x8600, "AH kept");
    let ticks = w(run, 2);
    assert!(
        (3..=20).contains(&ticks),
        "200 ms is about 3.6 ticks, saw {ticks}"
    );
    assert_eq!(w(run, 3), 0);
}

/// The APM BIOS's real-mode functions, but for 5307h's off state (which
/// ends the run: `apm_power_off_ends_the_run`).
pub(super) fn apm_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = |r: &mut Rec, ax_in: u32, bx_in: u32, cx_in: u32| -> Result<(), IcedError> {
            r.a.mov(ax, ax_in)?;
            r.a.mov(bx, bx_in)?;
            r.a.mov(cx, cx_in)?;
            r.a.mov(dx, 0x1234u32)?;
            r.int(0x15)?;
            r.fa()
        };
        call(r, 0x5300, 0, 0)?; // 0-1
        r.r(bx)?; // 2
        r.r(cx)?; // 3
        call(r, 0x5301, 0, 0)?; // 4-5
        call(r, 0x530E, 0, 0x0102)?; // 6-7
        call(r, 0x530A, 0x0001, 0)?; // 8-9
        r.r(bx)?; // 10
        r.r(cx)?; // 11
        r.r(dx)?; // 12
        call(r, 0x530B, 0, 0)?; // 13-14
        call(r, 0x5310, 0, 0)?; // 15-16
        r.r(bx)?; // 17
        r.r(cx)?; // 18
        call(r, 0x5308, 0x0001, 0x0001)?; // 19-20
        call(r, 0x530D, 0x0001, 0x0001)?; // 21-22
        call(r, 0x530F, 0x0001, 0x0001)?; // 23-24
        call(r, 0x5305, 0, 0)?; // 25-26
        call(r, 0x5306, 0, 0)?; // 27-28
        call(r, 0x5307, 0x0001, 0x0001)?; // 29-30 standby: back at once
        call(r, 0x5302, 0, 0)?; // 31-32
        call(r, 0x5303, 0, 0)?; // 33-34
        call(r, 0x5304, 0, 0)?; // 35-36
        Ok(())
    })
}

pub(super) fn apm_check(run: &Run) {
    assert_eq!(
        (c(run, 0), w(run, 1), w(run, 2)),
        (false, 0x0102, 0x504D),
        "5300h"
    );
    assert_eq!(
        w(run, 3),
        0x0003,
        "5300h: 16- and 32-bit protected-mode interfaces"
    );
    assert!(!c(run, 4), "5301h");
    assert_eq!((c(run, 6), w(run, 7)), (false, 0x0102), "530Eh");
    assert!(!c(run, 8), "530Ah");
    assert_eq!(
        (w(run, 10) >> 8, w(run, 11), w(run, 12)),
        (0x01, 0x80FF, 0xFFFF),
        "on AC, no battery"
    );
    assert!(c(run, 13) && w(run, 14) >> 8 == 0x80, "530Bh: no event");
    assert_eq!(
        (c(run, 15), w(run, 17) & 0xFF, w(run, 18)),
        (false, 0, 0),
        "5310h"
    );
    for i in [19u64, 21, 23, 25, 27, 29, 35] {
        assert!(!c(run, i), "slot {i}: CF=0");
    }
    assert_eq!(
        (c(run, 31), w(run, 32)),
        (false, 0xF000),
        "5302h: the ROM's segment"
    );
    assert_eq!(
        (c(run, 33), w(run, 34)),
        (false, 0xF000),
        "5303h: the ROM's segment"
    );
}
