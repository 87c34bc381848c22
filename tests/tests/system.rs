//! INT 15h memory services, INT 11h/12h, INT 1Ah and the timer tick, on a
//! real guest.

use iced_x86::code_asm::*;
use pbios::memmap::{MemoryMap, MIB};
use pbios_tests::harness::*;

const ENTRIES: u32 = 0x1000;

#[test]
fn e820_walk_returns_the_memory_map() {
    // Walk with 24-byte buffers, storing each entry at ENTRIES + 24n.
    let run = boot(&guest(|a| {
        let mut next = a.create_label();
        let mut done = a.create_label();
        a.xor(ebx, ebx)?;
        a.mov(di, ENTRIES)?;
        a.mov(word_ptr(slot(0)), 0u32)?;
        a.set_label(&mut next)?;
        a.mov(eax, 0xE820u32)?;
        a.mov(edx, 0x534D_4150u32)?;
        a.mov(ecx, 24u32)?;
        a.int(0x15)?;
        a.jc(done)?;
        a.mov(dword_ptr(slot(2)), eax)?;
        a.mov(dword_ptr(slot(4)), ecx)?;
        a.inc(word_ptr(slot(0)))?;
        a.add(di, 24)?;
        a.test(ebx, ebx)?;
        a.jnz(next)?;
        a.set_label(&mut done)?;
        save_flags(a, 1)
    }));
    let map = MemoryMap::new(128 * MIB).unwrap();
    assert_eq!(
        u64::from(run.word(0)),
        map.e820().len() as u64,
        "entries walked"
    );
    assert_eq!(run.u32(slot(2)), 0x534D_4150, "EAX = 'SMAP'");
    assert_eq!(run.u32(slot(4)), 24, "ECX = 24 with extended attributes");
    for (i, e) in map.e820().iter().enumerate() {
        let raw = run.bytes(u64::from(ENTRIES) + 24 * i as u64, 24);
        let base = u64::from_le_bytes(raw[0..8].try_into().unwrap());
        let len = u64::from_le_bytes(raw[8..16].try_into().unwrap());
        let kind = u32::from_le_bytes(raw[16..20].try_into().unwrap());
        assert_eq!(
            (base, len, kind),
            (e.base, e.length, e.kind as u32),
            "entry {i}"
        );
        assert_eq!(raw[20], 1, "entry {i} enabled");
    }
    // Conventional RAM ends at the EBDA; extended RAM runs to 128 MiB less
    // VBE's framebuffer (8 MiB) and the platform tables' 64 KiB, reserved.
    assert_eq!(run.u32(u64::from(ENTRIES) + 8), 0x9FC00);
    assert_eq!(
        run.u32(u64::from(ENTRIES) + 3 * 24 + 8),
        (119 * MIB - 64 * 1024) as u32
    );
    for (i, what) in [(4, "framebuffer"), (5, "tables")] {
        assert_eq!(
            run.u32(u64::from(ENTRIES) + i * 24 + 16),
            2,
            "{what} reserved"
        );
    }
}

#[test]
fn e820_rejects_bad_requests_and_keeps_if() {
    let run = boot(&guest(|a| {
        let cases: [(u32, u32, u32); 4] = [
            (0x1234_5678, 0, 20),  // no 'SMAP'
            (0x534D_4150, 99, 20), // continuation past the end
            (0x534D_4150, 0, 19),  // buffer too small
            (0x534D_4150, 0, 20),  // good: 20 bytes
        ];
        for (i, (sig, cont, size)) in cases.into_iter().enumerate() {
            a.mov(eax, 0xE820u32)?;
            a.mov(edx, sig)?;
            a.mov(ebx, cont)?;
            a.mov(ecx, size)?;
            a.mov(di, ENTRIES)?;
            a.sti()?;
            a.int(0x15)?;
            save_flags(a, 4 * i as u64)?;
            save(a, 4 * i as u64 + 1, ax)?;
            save(a, 4 * i as u64 + 2, cx)?;
            save(a, 4 * i as u64 + 3, bx)?;
        }
        // The same call with interrupts off must come back with them off.
        a.cli()?;
        a.mov(eax, 0xE820u32)?;
        a.mov(edx, 0x534D_4150u32)?;
        a.xor(ebx, ebx)?;
        a.mov(ecx, 20u32)?;
        a.int(0x15)?;
        save_flags(a, 20)
    }));
    for i in 0..3 {
        assert!(cf(run.word(4 * i)), "case {i} fails");
        assert_eq!(run.word(4 * i + 1) >> 8, 0x86, "case {i}: AH=86h");
        assert!(if_(run.word(4 * i)), "case {i}: IF as the caller had it");
    }
    assert!(!cf(run.word(12)));
    assert_eq!(run.word(14), 20, "ECX = 20");
    assert_eq!(run.word(15), 1, "EBX = next entry");
    assert!(if_(run.word(12)), "IF kept on");
    assert!(!if_(run.word(20)), "IF kept off");
    assert!(!cf(run.word(20)));
}

#[test]
fn e801_88_and_unknown_int15() {
    let run = boot_with(
        &guest(|a| {
            a.mov(ax, 0xE801u32)?;
            a.int(0x15)?;
            save_flags(a, 0)?;
            save(a, 1, ax)?;
            save(a, 2, bx)?;
            save(a, 3, cx)?;
            save(a, 4, dx)?;
            a.mov(ah, 0x88u32)?;
            a.int(0x15)?;
            save_flags(a, 5)?;
            save(a, 6, ax)?;
            a.mov(ax, 0xD000u32)?;
            a.int(0x15)?;
            save_flags(a, 7)?;
            save(a, 8, ax)
        }),
        Opts {
            mem: 48 * MIB,
            ..Opts::default()
        },
    );
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1), 15 * 1024, "AX: KiB from 1 to 16 MiB");
    // Up to 48 MiB less the framebuffer's 8 MiB and the platform tables'
    // 64 KiB.
    assert_eq!(run.word(2), (24 * 16) - 1, "BX: 64 KiB blocks above 16 MiB");
    assert_eq!(run.word(3), run.word(1));
    assert_eq!(run.word(4), run.word(2));
    assert!(!cf(run.word(5)));
    assert_eq!(run.word(6), 39 * 1024 - 64, "KiB above 1 MiB");
    assert!(cf(run.word(7)), "unsupported INT 15h function");
    assert_eq!(run.word(8) >> 8, 0x86);
}

#[test]
fn equipment_and_base_memory() {
    let run = boot(&guest(|a| {
        a.int(0x11)?;
        save(a, 0, ax)?;
        a.int(0x12)?;
        save(a, 1, ax)
    }));
    assert_eq!(run.word(0), 0x0222, "FPU, 80x25 colour, one serial port");
    assert_eq!(run.word(1), 639);
}

#[test]
fn int1a_reads_the_clock_in_bcd() {
    let run = boot_with(
        &guest(|a| {
            a.mov(ah, 0x02u32)?;
            a.int(0x1A)?;
            save_flags(a, 0)?;
            save(a, 1, cx)?;
            save(a, 2, dx)?;
            a.mov(ah, 0x04u32)?;
            a.int(0x1A)?;
            save_flags(a, 3)?;
            save(a, 4, cx)?;
            save(a, 5, dx)?;
            a.mov(ah, 0x00u32)?;
            a.int(0x1A)?;
            save_flags(a, 6)?;
            save(a, 7, cx)?;
            save(a, 8, dx)?;
            a.mov(ah, 0x99u32)?;
            a.int(0x1A)?;
            save_flags(a, 9)
        }),
        Opts {
            clock: fixed_clock(),
            ..Opts::default()
        },
    );
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1), 0x1234, "12:34");
    assert_eq!(run.word(2), 0x5600, "56 seconds, no DST");
    assert!(!cf(run.word(3)));
    assert_eq!(run.word(4), 0x2026);
    assert_eq!(run.word(5), 0x1121);
    // POST seeded the tick count from 12:34:56 and the timer kept counting.
    let ticks = u32::from(run.word(7)) << 16 | u32::from(run.word(8));
    let seeded = (12 * 3600 + 34 * 60 + 56) * 1_193_182u64 / 65536;
    assert!(
        (seeded..seeded + 40).contains(&u64::from(ticks)),
        "ticks {ticks}, seeded {seeded}"
    );
    assert!(cf(run.word(9)), "unknown INT 1Ah function sets CF");
}

#[test]
fn the_timer_ticks_in_the_guest() {
    // Sleep through 5 timer interrupts; the tick count must advance by 5.
    let run = boot(&guest(|a| {
        a.mov(eax, dword_ptr(0x46Cu32))?;
        a.mov(dword_ptr(slot(0)), eax)?;
        a.mov(cx, 5u32)?;
        let mut again = a.create_label();
        a.set_label(&mut again)?;
        a.sti()?;
        a.hlt()?;
        a.loop_(again)?;
        a.mov(eax, dword_ptr(0x46Cu32))?;
        a.mov(dword_ptr(slot(2)), eax)
    }));
    let before = run.u32(slot(0));
    let after = run.u32(slot(2));
    assert!(after.wrapping_sub(before) >= 5, "ticks {before} -> {after}");
}
