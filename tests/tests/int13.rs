//! INT 13h on a real guest: outputs, CF/AH as the caller sees them, the
//! BDA status byte, and hostile requests.

use iced_x86::code_asm::*;
use pbios_tests::harness::*;

const BUF: u32 = 0x1000;

fn assert_pattern(run: &Run, addr: u64, first_lba: u64, sectors: u64) {
    let data = run.bytes(addr, (sectors * 512) as usize);
    for (i, chunk) in data.chunks(512).enumerate() {
        let lba = first_lba + i as u64;
        for (o, b) in chunk.iter().enumerate() {
            assert_eq!(*b, pattern_byte(lba, o), "sector {lba} byte {o}");
        }
    }
}

#[test]
fn ah08_reports_logical_geometry() {
    // 16 MiB disk: 32 cylinders x 16 heads x 63 sectors; the last cylinder
    // is reserved, so the last usable index is 30.
    let run = boot(&guest(|a| {
        a.mov(ah, 0x08u32)?;
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)?;
        save(a, 2, cx)?;
        save(a, 3, dx)
    }));
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1), 0x0000, "AX");
    assert_eq!(run.word(2), (30 << 8) | 63, "CX: cylinder 30, 63 sectors");
    assert_eq!(run.word(3), (15 << 8) | 1, "DX: last head 15, one disk");
}

#[test]
fn ah02_reads_chs_into_es_bx() {
    // Cylinder 0, head 1, sector 5 = LBA 63 + 4 = 67; three sectors.
    let run = boot(&guest(|a| {
        a.mov(ax, 0x0203u32)?;
        a.mov(cx, 0x0005u32)?;
        a.mov(dx, 0x0180u32)?;
        a.mov(bx, 0x0100u32)?;
        a.push(0x00F0u32)?; // ES = 00F0h: buffer 00F0:0100 = 1000h
        a.pop(es)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)
    }));
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1), 0x0003, "AH=0, AL=sectors read");
    assert_pattern(&run, u64::from(BUF), 67, 3);
    assert_eq!(run.u8(0x474), 0, "BDA 40:74 last status");
}

#[test]
fn ah02_rejects_bad_chs_and_counts() {
    let run = boot(&guest(|a| {
        for (i, (ax_in, cx_in)) in [
            (0x0200u32, 0x0001u32),
            (0x0281, 0x0001),
            (0x0201, 0x0000),
            (0x0201, 0x2001),
            (0x0201, 0x0040),
        ]
        .into_iter()
        .enumerate()
        {
            a.mov(ax, ax_in)?;
            a.mov(cx, cx_in)?;
            a.mov(dx, 0x0080u32)?;
            a.mov(bx, BUF)?;
            a.int(0x13)?;
            save_flags(a, 2 * i as u64)?;
            save(a, 2 * i as u64 + 1, ax)?;
        }
        Ok(())
    }));
    // count 0, count 129, sector 0, cylinder 32 (past the end), sector 64.
    for (i, al_in) in [0x00u16, 0x81, 0x01, 0x01, 0x01].into_iter().enumerate() {
        let i = i as u64;
        assert!(cf(run.word(2 * i)), "case {i}: CF");
        assert_eq!(
            run.word(2 * i + 1),
            0x0100 | al_in,
            "case {i}: AH=01h, AL as the caller had it (SeaBIOS)"
        );
    }
    assert_eq!(run.u8(0x474), 0x01, "BDA 40:74 holds the last error");
}

#[test]
fn ah42_extended_read_and_dap_count() {
    let run = boot(&guest(|a| {
        dap(a, 0x10, 4, 0x0100, 0x0000, 10)?;
        a.mov(ah, 0x42u32)?;
        a.mov(dl, 0x80u32)?;
        a.mov(si, DAP)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)
    }));
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1) >> 8, 0);
    assert_eq!(
        run.u16(u64::from(DAP) + 2),
        4,
        "count of blocks transferred"
    );
    assert_pattern(&run, 0x1000, 10, 4);
}

#[test]
fn ah42_flat_64bit_buffer_above_1mib() {
    // EDD 3.0: segment:offset FFFF:FFFF and a packet of 18h bytes select the
    // 64-bit flat address at offset 10h.
    let run = boot(&guest(|a| {
        dap(a, 0x18, 2, 0xFFFF, 0xFFFF, 20)?;
        a.mov(dword_ptr(DAP + 16), 0x0020_0000u32)?;
        a.mov(dword_ptr(DAP + 20), 0u32)?;
        a.mov(ah, 0x42u32)?;
        a.mov(dl, 0x80u32)?;
        a.mov(si, DAP)?;
        a.int(0x13)?;
        save_flags(a, 0)
    }));
    assert!(!cf(run.word(0)));
    assert_pattern(&run, 0x20_0000, 20, 2);
}

#[test]
fn ah42_hostile_packets() {
    let run = boot(&guest(|a| {
        let cases: [(u8, u16, u32); 5] = [
            (0x10, 1, DISK_SECTORS as u32),     // LBA past the end
            (0x10, 0, 5),                       // count 0: nothing, success
            (0x10, 129, 5),                     // over 64 KiB
            (0x08, 1, 5),                       // packet too small
            (0x10, 2, DISK_SECTORS as u32 - 1), // runs off the end
        ];
        for (i, (size, count, lba)) in cases.into_iter().enumerate() {
            dap(a, size, count, 0x0100, 0, lba)?;
            a.mov(ah, 0x42u32)?;
            a.mov(dl, 0x80u32)?;
            a.mov(si, DAP)?;
            a.int(0x13)?;
            save_flags(a, 3 * i as u64)?;
            save(a, 3 * i as u64 + 1, ax)?;
            a.mov(ax, word_ptr(DAP + 2))?;
            save(a, 3 * i as u64 + 2, ax)?;
        }
        Ok(())
    }));
    let case = |i: u64| {
        (
            cf(run.word(3 * i)),
            run.word(3 * i + 1) >> 8,
            run.word(3 * i + 2),
        )
    };
    assert_eq!(
        case(0),
        (true, 0x01, 1),
        "LBA past the end: 01h, packet untouched"
    );
    assert_eq!(case(1), (false, 0x00, 0), "count 0 succeeds");
    assert_eq!(
        case(2),
        (true, 0x09, 0),
        "129 sectors: boundary error, count 0"
    );
    assert!(case(3).0, "short packet");
    assert_eq!(case(3).1, 0x01);
    assert_eq!(
        case(4),
        (true, 0x04, 0),
        "past the end: sector not found, count 0"
    );
    // Nothing was read into the buffer.
    assert!(run.bytes(0x1000, 512).iter().all(|&b| b == 0));
}

#[test]
fn bad_drive_unknown_function_and_status() {
    let run = boot(&guest(|a| {
        a.mov(ax, 0x0201u32)?;
        a.mov(cx, 0x0001u32)?;
        a.mov(dx, 0x0081u32)?; // no second disk
        a.mov(bx, BUF)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)?;
        a.mov(ah, 0x01u32)?; // status of the last operation
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 2)?;
        save(a, 3, ax)?;
        a.mov(ah, 0xEEu32)?; // no such function
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 4)?;
        save(a, 5, ax)?;
        a.mov(ah, 0x00u32)?; // reset clears the status
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 6)?;
        save(a, 7, ax)
    }));
    assert!(cf(run.word(0)));
    assert_eq!(run.word(1) >> 8, 0x01, "bad drive: AH=01h");
    assert!(cf(run.word(2)), "AH=01h reports the failed call");
    assert_eq!(run.word(3) >> 8, 0x01);
    assert!(cf(run.word(4)));
    assert_eq!(run.word(5) >> 8, 0x01, "unknown function: AH=01h");
    assert!(!cf(run.word(6)));
    assert_eq!(run.word(7) >> 8, 0x00);
    assert_eq!(run.u8(0x474), 0, "reset left status 0");
    assert!(
        run.trace.contains("unsupported"),
        "the unknown call is traced"
    );
}

#[test]
fn edd_check_size_and_parameters() {
    let run = boot(&guest(|a| {
        a.mov(ah, 0x41u32)?;
        a.mov(bx, 0x55AAu32)?;
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)?;
        save(a, 2, bx)?;
        save(a, 3, cx)?;
        a.mov(ah, 0x15u32)?;
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 4)?;
        save(a, 5, ax)?;
        save(a, 6, cx)?;
        save(a, 7, dx)?;
        // AH=48h with a 30-byte buffer at 0x0700, then a 26-byte one at
        // 0x0800, then one that claims 20 bytes at 0x0900.
        for (i, (addr, size)) in [(0x0700u32, 30u32), (0x0800, 26), (0x0900, 20)]
            .into_iter()
            .enumerate()
        {
            a.mov(word_ptr(addr), size)?;
            a.mov(ah, 0x48u32)?;
            a.mov(dl, 0x80u32)?;
            a.mov(si, addr)?;
            a.int(0x13)?;
            save_flags(a, 8 + 2 * i as u64)?;
            save(a, 9 + 2 * i as u64, ax)?;
        }
        Ok(())
    }));
    assert!(!cf(run.word(0)));
    assert_eq!(run.word(1) >> 8, 0x30, "EDD 3.0");
    assert_eq!(run.word(2), 0xAA55);
    assert_eq!(run.word(3), 0x0007);
    assert!(!cf(run.word(4)));
    assert_eq!(run.word(5) >> 8, 0x03, "fixed disk");
    let chs_sectors = u32::from(run.word(6)) << 16 | u32::from(run.word(7));
    assert_eq!(chs_sectors, 31 * 16 * 63, "all cylinders but the last");
    // 30-byte buffer.
    assert!(!cf(run.word(8)));
    assert_eq!(run.u16(0x700), 30);
    assert_eq!(run.u16(0x702), 0x0002, "CHS valid");
    assert_eq!(run.u32(0x704), 32, "physical cylinders");
    assert_eq!(run.u32(0x708), 16);
    assert_eq!(run.u32(0x70C), 63);
    assert_eq!(
        u64::from(run.u32(0x710)) | u64::from(run.u32(0x714)) << 32,
        DISK_SECTORS
    );
    assert_eq!(run.u16(0x718), 512);
    assert_eq!(run.u32(0x71A), 0xFFFF_FFFF, "no DPTE");
    // 26-byte buffer.
    assert!(!cf(run.word(10)));
    assert_eq!(run.u16(0x800), 26);
    // Too small.
    assert!(cf(run.word(12)));
    assert_eq!(run.word(13) >> 8, 0x01);
}

#[test]
fn read_over_code_the_guest_ran_replaces_it() {
    // The guest writes `mov ax, 1; ret` at 8000h and calls it, then reads a
    // sector holding `mov ax, 2; ret` over it and calls it again: the second
    // call runs the new code (what a chain-loading MBR relies on). On TCG the
    // BIOS's writes also go through QEMU's stub so that its translated-code
    // cache sees them; QEMU 7.2 happens to flush that cache at every debugger
    // stop as well, so there this checks the behaviour, not which of the two
    // provides it.
    const CODE: u32 = 0x8000;
    let boot = guest(|a| {
        a.mov(dword_ptr(CODE), 0x00_01B8u32)?; // B8 01 00: mov ax, 1
        a.mov(byte_ptr(CODE + 3), 0xC3u32)?; // ret
        a.mov(ax, 0u32)?;
        a.call(u64::from(CODE))?;
        save(a, 0, ax)?;
        dap(a, 0x10, 1, 0, CODE as u16, 1)?;
        a.mov(ah, 0x42u32)?;
        a.mov(dl, 0x80u32)?;
        a.mov(si, DAP)?;
        a.int(0x13)?;
        save_flags(a, 1)?;
        a.mov(ax, 0u32)?;
        a.call(u64::from(CODE))?;
        save(a, 2, ax)
    });
    let mut image = boot.clone();
    image.extend_from_slice(&[0xB8, 0x02, 0x00, 0xC3]); // mov ax, 2; ret
    image.resize(1024, 0);
    let disk = TempDisk::from_image(&image, DISK_SECTORS);
    let run = boot_disk(&disk, Opts::default());
    assert_eq!(run.word(0), 1, "first call");
    assert!(!cf(run.word(1)), "read succeeded");
    assert_eq!(run.word(2), 2, "second call runs the code just read");
}

/// Writes LBA 7 from a buffer of 77h bytes with AH=43h.
fn write_lba7() -> Vec<u8> {
    guest(|a| {
        a.mov(cx, 256u32)?;
        a.mov(ax, 0x7777u32)?;
        a.mov(di, BUF)?;
        a.rep().stosw()?;
        dap(a, 0x10, 1, 0, BUF as u16, 7)?;
        a.mov(ah, 0x43u32)?;
        a.mov(dl, 0x80u32)?;
        a.mov(si, DAP)?;
        a.int(0x13)?;
        save_flags(a, 0)?;
        save(a, 1, ax)
    })
}

#[test]
fn writes_reach_the_image_only_where_the_guest_wrote() {
    let disk = TempDisk::new(&write_lba7(), DISK_SECTORS);
    let before = std::fs::read(&disk.path).unwrap();
    let run = boot_disk(&disk, Opts::default());
    assert!(!cf(run.word(0)));
    drop(run);
    let after = std::fs::read(&disk.path).unwrap();
    assert!(
        after[7 * 512..8 * 512].iter().all(|&b| b == 0x77),
        "LBA 7 written"
    );
    assert_eq!(before[..7 * 512], after[..7 * 512], "nothing else changed");
    assert_eq!(before[8 * 512..], after[8 * 512..], "nothing else changed");
}

#[test]
fn read_only_disks_refuse_writes() {
    let disk = TempDisk::new(&write_lba7(), DISK_SECTORS);
    let before = std::fs::read(&disk.path).unwrap();
    let run = boot_disk(
        &disk,
        Opts {
            read_only: true,
            ..Opts::default()
        },
    );
    assert!(cf(run.word(0)));
    assert_eq!(run.word(1) >> 8, 0x03, "write protected");
    assert_eq!(run.u16(u64::from(DAP) + 2), 0, "no blocks written");
    assert_eq!(
        std::fs::read(&disk.path).unwrap(),
        before,
        "the image is untouched"
    );
}
