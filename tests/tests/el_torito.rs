//! El Torito diskette and hard-disk emulation: ISOs made with xorriso
//! (Debian's, as real rescue CDs are made) from home-made images, booted
//! from the CD-ROM; the guest checks its drive numbers, geometry, reads,
//! the emulation status packet and the end of emulation.

use iced_x86::code_asm::*;
use pbios::boot::BootDevice;
use pbios_tests::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory for one test's images.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pbios-eltorito-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An ISO of `dir` with `image` (a file in `dir`) as its El Torito boot
/// image; `extra` are xorriso's emulation options.
fn iso(dir: &Path, image: &str, extra: &[&str]) -> PathBuf {
    let out = dir.with_extension("iso");
    let st = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-o"])
        .arg(&out)
        .args(["-b", image, "-c", "boot.cat"])
        .args(extra)
        .arg(dir)
        .status()
        .expect("xorriso (cargo xtask test installs it with the images' tools)");
    assert!(st.success(), "xorriso failed");
    out
}

/// Boots `cd` (first) with `disks` and `floppy` attached.
fn boot_cd(cd: &Path, disks: Vec<&Path>, floppy: Option<&Path>) -> Run {
    boot_media(
        &Media {
            disks,
            floppy,
            cdrom: Some(cd),
        },
        Opts {
            boot: vec![BootDevice::Cdrom, BootDevice::Disk],
            ..Opts::default()
        },
    )
}

/// Reads CHS (cylinder, head, sector) of `drive` into 0:8000h with AH=02h,
/// saving FLAGS and the first word read in slots `i` and `i + 1`.
fn read_chs(
    a: &mut CodeAssembler,
    drive: u8,
    c: u16,
    h: u8,
    s: u8,
    i: u64,
) -> Result<(), IcedError> {
    a.mov(ax, 0x0201u32)?;
    a.mov(
        cx,
        u32::from(((c & 0xFF) << 8) | ((c >> 2) & 0xC0) | u16::from(s)),
    )?;
    a.mov(dx, u32::from(u16::from(h) << 8 | u16::from(drive)))?;
    a.xor(bx, bx)?;
    a.mov(es, bx)?;
    a.mov(word_ptr(0x8000u32), 0u32)?;
    a.mov(bx, 0x8000u32)?;
    a.int(0x13)?;
    save_flags(a, i)?;
    a.mov(ax, word_ptr(0x8000u32))?;
    save(a, i + 1, ax)
}

/// INT 13h AX=4B0xh with DL=7Fh into 0:9000h; FLAGS in slot `i`, then the
/// packet's media type | drive << 8 in slot `i + 1`.
fn emulation_status(a: &mut CodeAssembler, al_: u8, i: u64) -> Result<(), IcedError> {
    a.mov(ax, 0x4B00u32 | u32::from(al_))?;
    a.mov(dl, 0x7Fu32)?;
    a.mov(si, 0x9000u32)?;
    a.int(0x13)?;
    save_flags(a, i)?;
    a.mov(ax, word_ptr(0x9001u32))?;
    save(a, i + 1, ax)
}

/// A 1.44 MB diskette: the guest in sector 0, marker words in the second
/// and the last sector.
fn floppy_image(code: &[u8]) -> Vec<u8> {
    let mut d = boot_sector(code);
    d.resize(1440 * 1024, 0);
    d[512..514].copy_from_slice(&0xB00Bu16.to_le_bytes());
    let last = 1440 * 1024 - 512;
    d[last..last + 2].copy_from_slice(&0xE0F1u16.to_le_bytes());
    d
}

#[test]
fn a_diskette_emulation_cd_boots_as_drive_00h() {
    let guest = guest_code(|a| {
        save(a, 0, dx)?; // DL at boot
        a.mov(ah, 0x08u32)?;
        a.mov(dl, 0u32)?;
        a.int(0x13)?;
        save_flags(a, 1)?;
        save(a, 2, cx)?;
        save(a, 3, dx)?;
        save(a, 4, bx)?;
        read_chs(a, 0x00, 0, 0, 2, 5)?; // 5-6: B00Bh
        read_chs(a, 0x00, 79, 1, 18, 7)?; // 7-8: E0F1h, the last sector
        emulation_status(a, 1, 9)?; // 9-10
        a.int(0x11)?;
        save(a, 11, ax)?;
        read_chs(a, 0x01, 0, 0, 1, 12)?; // 12-13: the real diskette, moved to 01h
        emulation_status(a, 0, 14)?; // 14-15: terminate
        read_chs(a, 0x00, 0, 0, 1, 16)?; // 16-17: the real diskette at 00h again
        a.mov(ah, 0x08u32)?;
        a.mov(dl, 1u32)?;
        a.int(0x13)?;
        save_flags(a, 18)?; // no drive 01h now
        Ok(())
    });
    let dir = scratch("floppy");
    std::fs::write(dir.join("fd.img"), floppy_image(&guest)).unwrap();
    let cd = iso(&dir, "fd.img", &[]);
    // A real 1.44 MB diskette too, with its own marker in sector 0.
    let mut real = vec![0u8; 1440 * 1024];
    real[..2].copy_from_slice(&0xF1F1u16.to_le_bytes());
    let floppy = TempDisk::from_image(&real, 0);
    let run = boot_cd(&cd, vec![], Some(&floppy.path));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let cf = |i| run.word(i) & 1 != 0;
    assert_eq!(run.word(0) & 0xFF, 0x00, "booted as drive 00h");
    assert!(!cf(1), "AH=08h");
    assert_eq!(
        (run.word(2), run.word(3), run.word(4) & 0xFF),
        (0x4F12, 0x0102, 4),
        "80/2/18, two diskettes, type 4"
    );
    assert_eq!(
        (cf(5), run.word(6)),
        (false, 0xB00B),
        "sector 2 of the image"
    );
    assert_eq!((cf(7), run.word(8)), (false, 0xE0F1), "its last sector");
    assert_eq!(
        (cf(9), run.word(10)),
        (false, 0x0002),
        "AX=4B01h: 1.44 MB media, drive 00h"
    );
    assert_eq!(run.word(11) & 0xC1, 0x41, "INT 11h: two diskettes");
    assert_eq!(
        (cf(12), run.word(13)),
        (false, 0xF1F1),
        "the real diskette as 01h"
    );
    assert_eq!(
        (cf(14), run.word(15)),
        (false, 0x0002),
        "AX=4B00h: the packet, then the end"
    );
    assert_eq!(
        (cf(16), run.word(17)),
        (false, 0xF1F1),
        "the real diskette back at 00h"
    );
    assert!(cf(18), "no drive 01h after the emulation ends");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&cd);
}

#[test]
fn a_hard_disk_emulation_cd_boots_as_drive_80h() {
    let guest = guest_code(|a| {
        save(a, 0, dx)?;
        a.mov(ah, 0x08u32)?;
        a.mov(dl, 0x80u32)?;
        a.int(0x13)?;
        save_flags(a, 1)?;
        save(a, 2, cx)?;
        save(a, 3, dx)?;
        read_chs(a, 0x80, 0, 0, 2, 4)?; // 4-5: the image's LBA 1
        read_chs(a, 0x81, 0, 0, 1, 6)?; // 6-7: the real hard disk, moved to 81h
        emulation_status(a, 1, 8)?; // 8-9
        a.mov(al, byte_ptr(0x475u32))?;
        save(a, 10, ax)?; // the BDA's hard disk count
        Ok(())
    });
    // An 8 x 16 x 63 hard disk image with one partition from sector 63.
    let (c, h, s) = (8u32, 16u32, 63u32);
    let mut img = boot_sector(&guest);
    img.resize((c * h * s * 512) as usize, 0);
    let e = 0x1BE;
    img[e] = 0x80;
    img[e + 1..e + 4].copy_from_slice(&[1, 1, 0]); // start: head 1, sector 1, cylinder 0
    img[e + 4] = 0x06;
    img[e + 5..e + 8].copy_from_slice(&[
        (h - 1) as u8,
        s as u8 | (((c - 1) >> 2) as u8 & 0xC0),
        (c - 1) as u8,
    ]);
    img[e + 8..e + 12].copy_from_slice(&s.to_le_bytes());
    img[e + 12..e + 16].copy_from_slice(&(c * h * s - s).to_le_bytes());
    img[512..514].copy_from_slice(&0xD15Cu16.to_le_bytes());
    let dir = scratch("hd");
    std::fs::write(dir.join("hd.img"), img).unwrap();
    let cd = iso(&dir, "hd.img", &["-hard-disk-boot"]);
    let real = TempDisk::new(&boot_sector(&[0xF4]), 2048);
    let run = boot_cd(&cd, vec![&real.path], None);
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let cf = |i| run.word(i) & 1 != 0;
    assert_eq!(run.word(0) & 0xFF, 0x80, "booted as drive 80h");
    assert!(!cf(1));
    // Last cylinder 6 (one kept back, as for any hard disk), 63 sectors,
    // last head 15, two hard disks.
    assert_eq!(
        (run.word(2), run.word(3)),
        (0x063F, 0x0F02),
        "geometry from the partition table"
    );
    assert_eq!((cf(4), run.word(5)), (false, 0xD15C), "LBA 1 of the image");
    assert_eq!(
        (cf(6), run.word(7)),
        (false, 0x00F4),
        "the real disk's sector 0 as 81h"
    );
    assert_eq!(
        (cf(8), run.word(9)),
        (false, 0x8004),
        "AX=4B01h: hard disk media, drive 80h"
    );
    assert_eq!(run.word(10) & 0xFF, 2, "40:75: two hard disks");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&cd);
}

#[test]
fn an_emulation_boot_that_gives_up_leaves_the_next_device_its_drives() {
    // The CD's hard-disk image gives up at once (INT 18h); the hard disk
    // boots next and finds itself at 80h, with one hard disk in the BDA.
    let gives_up = guest_code(|a| a.int(0x18));
    let mut img = boot_sector(&gives_up);
    img.resize(2 * 1024 * 1024, 0);
    let e = 0x1BE;
    img[e..e + 16].copy_from_slice(&[
        0x80, 1, 1, 0, 0x06, 15, 63, 3, 63, 0, 0, 0, 0xC1, 0x0F, 0, 0,
    ]);
    let dir = scratch("giveup");
    std::fs::write(dir.join("hd.img"), img).unwrap();
    let cd = iso(&dir, "hd.img", &["-hard-disk-boot"]);
    let disk_guest = guest(|a| {
        save(a, 0, dx)?;
        read_chs(a, 0x80, 0, 0, 1, 1)?; // 1-2: its own sector 0
        a.mov(al, byte_ptr(0x475u32))?;
        save(a, 3, ax)?;
        a.mov(ax, 0x4B01u32)?;
        a.mov(dl, 0x7Fu32)?;
        a.mov(si, 0x9000u32)?;
        a.int(0x13)?;
        save_flags(a, 4)?; // no emulation now: 4B01h reports the CD itself
        a.mov(ax, word_ptr(0x9001u32))?;
        save(a, 5, ax)
    });
    let real = TempDisk::new(&disk_guest, 2048);
    let run = boot_cd(&cd, vec![&real.path], None);
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    assert_eq!(run.word(0) & 0xFF, 0x80);
    let first = u16::from_le_bytes([disk_guest[0], disk_guest[1]]);
    assert_eq!(
        (run.word(1) & 1, run.word(2)),
        (0, first),
        "80h is the real disk again"
    );
    assert_eq!(run.word(3) & 0xFF, 1, "one hard disk");
    assert_eq!(
        run.word(4) & 1,
        1,
        "AX=4B01h: nothing booted from the CD-ROM now"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&cd);
}
