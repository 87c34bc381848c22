//! The conformance suite: guest programs that call every BIOS function pbios
//! serves, each storing what it saw (registers, CF and ZF, BDA fields, buffer
//! contents) as words at [`RESULTS`].
//!
//! Every case runs twice in the tests: on pbios, where `check` asserts the
//! expected answers, and in the differential run under QEMU+SeaBIOS, where
//! the stored words must match pbios's except where
//! `tests/differential-allow.txt` lists, with a reason, a difference. The
//! coverage test checks that the cases cover every function of the shim's
//! dispatch table.

use crate::harness::*;
use iced_x86::code_asm::*;
use pbios::boot::{make_el_torito_image, BootDevice};
use pbios::services::Select;

/// What a case boots and attaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// The test hard disk (16 MiB with the pattern), booted.
    Disk,
    /// A 1.44 MB diskette with the pattern, booted (drive 00h), and the
    /// hard disk, not booted.
    Floppy,
    /// An El Torito no-emulation CD (the guest is its boot image, loaded at
    /// 07C0h) and the hard disk; the CD is booted.
    Cdrom,
}

/// One conformance guest.
pub struct Case {
    pub name: &'static str,
    /// The (vector, function) pairs it calls.
    pub covers: &'static [(u8, Select)],
    pub setup: Setup,
    /// Result words the differential run compares.
    pub slots: usize,
    pub guest: fn() -> Vec<u8>,
    /// Assertions on pbios's results.
    pub check: fn(&Run),
}

/// Sectors of the diskette (1.44 MB).
pub const FLOPPY_SECTORS: u64 = 2880;

/// The images of a case, removed on drop.
pub struct Images {
    pub disk: TempDisk,
    pub floppy: Option<TempDisk>,
    pub cdrom: Option<TempDisk>,
}

impl Images {
    pub fn new(setup: Setup, boot: &[u8]) -> Images {
        // The hard disk of the diskette and CD cases: a guest that just ends
        // the run (booted only by INT 18h in `next_boot_device`).
        let blank = guest(|_| Ok(()));
        match setup {
            Setup::Disk => Images {
                disk: TempDisk::new(boot, DISK_SECTORS),
                floppy: None,
                cdrom: None,
            },
            Setup::Floppy => Images {
                disk: TempDisk::new(&blank, DISK_SECTORS),
                floppy: Some(TempDisk::new(boot, FLOPPY_SECTORS)),
                cdrom: None,
            },
            Setup::Cdrom => Images {
                disk: TempDisk::new(&blank, DISK_SECTORS),
                floppy: None,
                cdrom: Some(TempDisk::from_image(
                    &make_el_torito_image(boot, 0, 64),
                    64 * 4,
                )),
            },
        }
    }

    pub fn media(&self) -> Media<'_> {
        Media {
            disks: vec![&self.disk.path],
            floppy: self.floppy.as_ref().map(|d| d.path.as_path()),
            cdrom: self.cdrom.as_ref().map(|d| d.path.as_path()),
        }
    }

    /// The boot order that boots the case's device first.
    pub fn order(setup: Setup) -> Vec<BootDevice> {
        match setup {
            Setup::Disk => vec![BootDevice::Disk],
            Setup::Floppy => vec![BootDevice::Floppy, BootDevice::Disk],
            Setup::Cdrom => vec![BootDevice::Cdrom, BootDevice::Disk],
        }
    }
}

/// Runs a case on pbios with a fixed clock.
pub fn run_case(case: &Case) -> Run {
    let boot = (case.guest)();
    let images = Images::new(case.setup, &boot);
    boot_media(
        &images.media(),
        Opts {
            boot: Images::order(case.setup),
            clock: fixed_clock(),
            ..Opts::default()
        },
    )
}

/// Stores result words in order.
struct Rec<'a> {
    a: &'a mut CodeAssembler,
    n: u64,
}

impl Rec<'_> {
    /// A 16-bit register.
    fn r(&mut self, r: AsmRegister16) -> Result<(), IcedError> {
        save(self.a, self.n, r)?;
        self.n += 1;
        Ok(())
    }
    /// CF (bit 0) and ZF (bit 6) of FLAGS, the rest masked off.
    fn f(&mut self) -> Result<(), IcedError> {
        self.a.pushf()?;
        self.a.pop(word_ptr(slot(self.n)))?;
        self.a.and(word_ptr(slot(self.n)), 0x41u32)?;
        // The same flags (CF=0, ZF=0) go into the next call whatever these
        // were: a handler that leaves them alone shows it the same way.
        self.a.cmp(sp, 0u32)?;
        self.n += 1;
        Ok(())
    }
    /// Flags, then AX.
    fn fa(&mut self) -> Result<(), IcedError> {
        self.f()?;
        self.r(ax)
    }
    /// A word of low memory (DS=0).
    fn m(&mut self, addr: u32) -> Result<(), IcedError> {
        self.a.mov(ax, word_ptr(addr))?;
        self.r(ax)
    }
    /// A word at `seg`:`off`.
    fn seg(&mut self, seg: u16, off: u16) -> Result<(), IcedError> {
        self.a.push(u32::from(seg))?;
        self.a.pop(es)?;
        self.a.mov(ax, word_ptr(u32::from(off)).es())?;
        self.a.push(0u32)?;
        self.a.pop(es)?;
        self.r(ax)
    }
    /// INT `n`.
    fn int(&mut self, n: u8) -> Result<(), IcedError> {
        self.a.int(u32::from(n))
    }
}

/// Assembles a guest whose body records results through a [`Rec`].
fn rec_guest(body: impl FnOnce(&mut Rec) -> Result<(), IcedError>) -> Vec<u8> {
    guest(|a| {
        let mut r = Rec { a, n: 0 };
        body(&mut r)
    })
}

/// BDA field address.
const fn bda(off: u32) -> u32 {
    0x400 + off
}

const BUF: u32 = 0x1000;

/// A 10h-byte packet at DAP, and DS:SI pointing at it.
fn packet(
    a: &mut CodeAssembler,
    count: u16,
    seg: u16,
    off: u16,
    lba: u32,
) -> Result<(), IcedError> {
    dap(a, 0x10, count, seg, off, lba)?;
    a.mov(si, DAP)
}

fn w(run: &Run, i: u64) -> u16 {
    run.word(i)
}

/// CF in a recorded flags word.
fn c(run: &Run, i: u64) -> bool {
    cf(run.word(i))
}

// ---------------------------------------------------------------- INT 10h

fn video_mode_guest() -> Vec<u8> {
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

fn video_mode_check(run: &Run) {
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

fn video_mono_guest() -> Vec<u8> {
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

fn video_mono_check(run: &Run) {
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

fn video_write_guest() -> Vec<u8> {
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

fn video_write_check(run: &Run) {
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

fn video_scroll_guest() -> Vec<u8> {
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

fn video_scroll_check(run: &Run) {
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

fn video_text_guest() -> Vec<u8> {
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

fn video_text_check(run: &Run) {
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

fn video_vbe_guest() -> Vec<u8> {
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

fn video_vbe_check(run: &Run) {
    for i in 0..3 {
        assert_eq!(w(run, i), 0x0100, "VBE: AX=0100h, AL is not 4Fh");
    }
}

// ------------------------------------------------------------ INT 11h/12h

fn equipment_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.int(0x11)?;
        r.r(ax)?; // 0
        r.int(0x12)?;
        r.r(ax)?; // 1
        r.m(bda(0x10))?; // 2
        r.m(bda(0x13))?; // 3
        r.m(bda(0x00))?; // 4: COM1
        r.m(bda(0x02))?; // 5: COM2
        r.m(bda(0x08))?; // 6: LPT1
        r.m(bda(0x75))?; // 7: hard disks (low byte)
        Ok(())
    })
}

fn equipment_check(run: &Run) {
    assert_eq!(
        w(run, 0),
        0x0223,
        "FPU, colour, one serial port, one diskette"
    );
    assert_eq!(w(run, 1), 639);
    assert_eq!(w(run, 2), w(run, 0));
    assert_eq!(w(run, 3), 639);
    assert_eq!((w(run, 4), w(run, 5), w(run, 6)), (0x3F8, 0, 0));
    assert_eq!(w(run, 7) & 0xFF, 1, "40:75: one hard disk");
}

// ---------------------------------------------------------------- INT 13h

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

fn disk_basic_guest() -> Vec<u8> {
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

fn disk_basic_check(run: &Run) {
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

fn disk_rw_guest() -> Vec<u8> {
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

fn disk_rw_check(run: &Run) {
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

fn disk_params_guest() -> Vec<u8> {
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

fn disk_params_check(run: &Run) {
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

fn disk_ext_guest() -> Vec<u8> {
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

fn disk_ext_check(run: &Run) {
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

fn disk_ext_errors_guest() -> Vec<u8> {
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

fn disk_ext_errors_check(run: &Run) {
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

fn disk_format_guest() -> Vec<u8> {
    rec_guest(|r| {
        disk_call(r, 0x0511, 0x0000, 0x0080)?; // 0-1 hard disk: nothing to do
        disk_call(r, 0x0511, 0x0000, 0x4080)?; // 2-3 head 64: bad
        disk_call(r, 0x0201, 0x0001, 0x0080)?; // 4-5 sector 1 is still the boot sector
        r.m(BUF + 510)?; // 6
        Ok(())
    })
}

fn disk_format_check(run: &Run) {
    assert!(
        !c(run, 0) && w(run, 1) >> 8 == 0,
        "format a hard disk track"
    );
    assert!(c(run, 2) && w(run, 3) >> 8 == 0x01, "bad head");
    assert!(!c(run, 4));
    assert_eq!(w(run, 6), 0xAA55, "nothing was written");
}

// -------------------------------------------------------------- diskette

fn floppy_guest() -> Vec<u8> {
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

fn floppy_check(run: &Run) {
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

fn cdrom_guest() -> Vec<u8> {
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

/// A guest that first records DX and CS as it was entered (slots 0, 1).
fn guest_with_entry(body: impl FnOnce(&mut Rec) -> Result<(), IcedError>) -> Vec<u8> {
    let mut a = CodeAssembler::new(16).unwrap();
    (|| -> Result<(), IcedError> {
        a.cli()?;
        a.mov(bx, dx)?;
        a.mov(cx, cs)?;
        a.xor(ax, ax)?;
        a.mov(ds, ax)?;
        a.mov(es, ax)?;
        a.mov(ss, ax)?;
        a.mov(sp, 0x7C00u32)?;
        a.sti()?;
        let mut r = Rec { a: &mut a, n: 0 };
        r.r(bx)?;
        r.r(cx)?;
        body(&mut r)?;
        exit(&mut a, 0)
    })()
    .expect("assemble the guest");
    boot_sector(&a.assemble(0x7C00).expect("assemble the guest"))
}

fn cdrom_check(run: &Run) {
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

// ---------------------------------------------------------------- INT 14h

fn serial_guest() -> Vec<u8> {
    rec_guest(|r| {
        let call = |r: &mut Rec, ax_in: u32, dx_in: u32| -> Result<(), IcedError> {
            r.a.mov(ax, ax_in)?;
            r.a.mov(dx, dx_in)?;
            r.int(0x14)?;
            r.fa()
        };
        call(r, 0x00E3, 0)?; // 0-1 9600 8N1
        call(r, 0x0300, 0)?; // 2-3
        call(r, 0x015A, 0)?; // 4-5 send 'Z'
        call(r, 0x0300, 1)?; // 6-7 COM2: absent
        call(r, 0x0300, 9)?; // 8-9 bad index
        r.a.mov(dx, 0x3FBu32)?; // LCR as AH=00h left it
        r.a.in_(al, dx)?;
        r.a.xor(ah, ah)?;
        r.r(ax)?; // 10
        r.a.mov(dx, 0x3FBu32)?;
        r.a.mov(al, 0x83u32)?;
        r.a.out(dx, al)?;
        r.a.mov(dx, 0x3F8u32)?;
        r.a.in_(al, dx)?;
        r.a.xor(ah, ah)?;
        r.r(ax)?; // 11 divisor low
        r.a.mov(dx, 0x3FBu32)?;
        r.a.mov(al, 0x03u32)?;
        r.a.out(dx, al)?;
        r.m(bda(0x7C))?; // 12 timeouts
        Ok(())
    })
}

fn serial_check(run: &Run) {
    assert!(!c(run, 0), "init");
    assert_eq!(w(run, 1) >> 8 & 0x60, 0x60, "transmitter idle");
    assert!(!c(run, 2) && w(run, 3) >> 8 & 0x60 == 0x60);
    assert!(!c(run, 4) && w(run, 5) >> 8 & 0x80 == 0, "sent");
    assert!(
        c(run, 6) && w(run, 7) == 0x0300,
        "COM2 absent: CF=1, AX kept"
    );
    assert!(c(run, 8) && w(run, 9) == 0x0300);
    // On TCG QEMU owns the UART and the shim cannot program it: AH=00h
    // reaches the UART's registers on KVM only.
    if run.machine.accel() == pbios::Accel::Kvm {
        assert_eq!(w(run, 10), 0x03, "LCR 8N1");
        assert_eq!(w(run, 11), 0x0C, "divisor 12: 9600 baud");
    }
    assert_eq!(w(run, 12) & 0xFF, 0x0A, "40:7C: COM1 timeout");
    assert!(
        run.console.contains('Z'),
        "the byte reached the serial console"
    );
}

fn serial_receive_guest() -> Vec<u8> {
    rec_guest(|r| {
        r.a.mov(ax, 0x0200u32)?;
        r.a.mov(dx, 0u32)?;
        r.int(0x14)?;
        r.f()?; // 0
        r.a.mov(al, 0u32)?; // AL is undefined on a timeout
        r.r(ax)?; // 1
        Ok(())
    })
}

fn serial_receive_check(run: &Run) {
    assert!(!c(run, 0));
    assert_eq!(w(run, 1) & 0x8000, 0x8000, "nothing to receive: timeout");
}

// ---------------------------------------------------------------- INT 15h

fn system_guest() -> Vec<u8> {
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
        call(r, 0x5300)?; // 9-10 APM
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

fn system_check(run: &Run) {
    assert_eq!((c(run, 0), w(run, 1) >> 8), (false, 0), "2401h");
    assert_eq!((c(run, 2), w(run, 3)), (false, 0x0001), "2402h: enabled");
    assert_eq!((c(run, 4), w(run, 6)), (false, 0), "2403h: no switch");
    assert!(c(run, 7) && w(run, 8) == 0x4F1E, "4Fh: CF=1, AL kept");
    for i in [9u64, 11, 13, 15] {
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

fn memory_guest() -> Vec<u8> {
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

fn memory_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) == 0xFC00, "88h: capped at 63 MiB");
    assert!(!c(run, 2) && w(run, 3) == 0x3C00, "E801h: 15 MiB");
    // 128 MiB less the platform tables' reserved 64 KiB at the top.
    assert_eq!(w(run, 4), (128 - 16) * 16 - 1, "64 KiB blocks above 16 MiB");
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

fn block_move_guest() -> Vec<u8> {
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

fn block_move_check(run: &Run) {
    assert!(!c(run, 0) && w(run, 1) >> 8 == 0);
    assert!(!c(run, 2) && w(run, 3) >> 8 == 0);
    assert_eq!(
        (w(run, 4), w(run, 5), w(run, 6), w(run, 7)),
        (0x3344, 0x1122, 0x7788, 0)
    );
}

fn wait_guest() -> Vec<u8> {
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

fn wait_check(run: &Run) {
    assert!(!c(run, 0), "86h");
    assert_eq!(w(run, 1), 0x8600, "AH kept");
    let ticks = w(run, 2);
    assert!(
        (3..=20).contains(&ticks),
        "200 ms is about 3.6 ticks, saw {ticks}"
    );
    assert_eq!(w(run, 3), 0);
}

// ---------------------------------------------------------------- INT 16h

fn keyboard_guest() -> Vec<u8> {
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

fn keyboard_check(run: &Run) {
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

// ---------------------------------------------------------------- INT 17h

fn printer_guest() -> Vec<u8> {
    rec_guest(|r| {
        for ax_in in [0x0041u32, 0x0100, 0x0200] {
            r.a.mov(ax, ax_in)?;
            r.a.mov(dx, 0u32)?;
            r.int(0x17)?;
            r.fa()?;
        }
        Ok(())
    })
}

fn printer_check(run: &Run) {
    for (i, ax_in) in [(0u64, 0x0041u16), (2, 0x0100), (4, 0x0200)] {
        assert!(c(run, i), "no printer: CF=1");
        assert_eq!(w(run, i + 1), ax_in, "AX unchanged");
    }
}

// ---------------------------------------------------------------- INT 1Ah

fn clock_guest() -> Vec<u8> {
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

fn clock_check(run: &Run) {
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
        c(run, 26) && w(run, 27) == 0xB101,
        "B1h: no PCI BIOS, AH kept"
    );
}

// ---------------------------------------------------------------- INT 18h/19h

fn boot_guest() -> Vec<u8> {
    guest_with_entry(|_| Ok(()))
}

fn boot_check(run: &Run) {
    assert_eq!(w(run, 0) & 0xFF, 0x80, "DL=80h");
    assert_eq!(w(run, 1), 0, "CS=0");
}

fn next_device_guest() -> Vec<u8> {
    // Booted from the diskette, which gives up: INT 18h boots the next
    // device, the hard disk, whose MBR (TempDisk's) ends the run.
    rec_guest(|r| {
        r.a.mov(word_ptr(0x7000u32), 0xBEEFu32)?;
        r.int(0x18)?;
        r.r(ax)?; // never reached
        Ok(())
    })
}

fn next_device_check(run: &Run) {
    assert_eq!(run.u16(0x7000), 0xBEEF, "the diskette ran first");
    assert_eq!(run.u16(0x7DFE), 0xAA55, "then the disk's MBR was loaded");
}

use Select::{Ah, Any, Ax};

/// The suite.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "video_mode",
            covers: &[
                (0x10, Ah(0x00)),
                (0x10, Ah(0x01)),
                (0x10, Ah(0x02)),
                (0x10, Ah(0x03)),
                (0x10, Ah(0x05)),
                (0x10, Ah(0x0F)),
            ],
            setup: Setup::Disk,
            slots: 23,
            guest: video_mode_guest,
            check: video_mode_check,
        },
        Case {
            name: "video_mono",
            covers: &[(0x10, Ah(0x12)), (0x10, Ah(0x1A)), (0x10, Ah(0x0E))],
            setup: Setup::Disk,
            slots: 17,
            guest: video_mono_guest,
            check: video_mono_check,
        },
        Case {
            name: "video_write",
            covers: &[(0x10, Ah(0x08)), (0x10, Ah(0x09)), (0x10, Ah(0x0A))],
            setup: Setup::Disk,
            slots: 9,
            guest: video_write_guest,
            check: video_write_check,
        },
        Case {
            name: "video_scroll",
            covers: &[(0x10, Ah(0x06)), (0x10, Ah(0x07))],
            setup: Setup::Disk,
            slots: 13,
            guest: video_scroll_guest,
            check: video_scroll_check,
        },
        Case {
            name: "video_text",
            covers: &[(0x10, Ah(0x0E)), (0x10, Ah(0x13))],
            setup: Setup::Disk,
            slots: 10,
            guest: video_text_guest,
            check: video_text_check,
        },
        Case {
            name: "video_vbe",
            covers: &[(0x10, Ah(0x4F))],
            setup: Setup::Disk,
            slots: 3,
            guest: video_vbe_guest,
            check: video_vbe_check,
        },
        Case {
            name: "equipment",
            covers: &[(0x11, Any), (0x12, Any)],
            setup: Setup::Floppy,
            slots: 8,
            guest: equipment_guest,
            check: equipment_check,
        },
        Case {
            name: "disk_basic",
            covers: &[
                (0x13, Ah(0x00)),
                (0x13, Ah(0x01)),
                (0x13, Ah(0x0C)),
                (0x13, Ah(0x0D)),
                (0x13, Ah(0x10)),
                (0x13, Ah(0x11)),
                (0x13, Ah(0x14)),
                (0x13, Ah(0x16)),
            ],
            setup: Setup::Disk,
            slots: 26,
            guest: disk_basic_guest,
            check: disk_basic_check,
        },
        Case {
            name: "disk_rw",
            covers: &[(0x13, Ah(0x02)), (0x13, Ah(0x03)), (0x13, Ah(0x04))],
            setup: Setup::Disk,
            slots: 26,
            guest: disk_rw_guest,
            check: disk_rw_check,
        },
        Case {
            name: "disk_params",
            covers: &[
                (0x13, Ah(0x08)),
                (0x13, Ah(0x15)),
                (0x13, Ah(0x41)),
                (0x13, Ah(0x48)),
            ],
            setup: Setup::Disk,
            slots: 33,
            guest: disk_params_guest,
            check: disk_params_check,
        },
        Case {
            name: "disk_ext",
            covers: &[
                (0x13, Ah(0x42)),
                (0x13, Ah(0x43)),
                (0x13, Ah(0x44)),
                (0x13, Ah(0x47)),
            ],
            setup: Setup::Disk,
            slots: 17,
            guest: disk_ext_guest,
            check: disk_ext_check,
        },
        Case {
            name: "disk_ext_errors",
            covers: &[(0x13, Ah(0x42))],
            setup: Setup::Disk,
            slots: 21,
            guest: disk_ext_errors_guest,
            check: disk_ext_errors_check,
        },
        Case {
            name: "disk_format",
            covers: &[(0x13, Ah(0x05))],
            setup: Setup::Disk,
            slots: 7,
            guest: disk_format_guest,
            check: disk_format_check,
        },
        Case {
            name: "floppy",
            covers: &[
                (0x13, Ah(0x00)),
                (0x13, Ah(0x02)),
                (0x13, Ah(0x03)),
                (0x13, Ah(0x04)),
                (0x13, Ah(0x05)),
                (0x13, Ah(0x08)),
                (0x13, Ah(0x15)),
                (0x13, Ah(0x16)),
                (0x13, Ah(0x41)),
            ],
            setup: Setup::Floppy,
            slots: 37,
            guest: floppy_guest,
            check: floppy_check,
        },
        Case {
            name: "cdrom",
            covers: &[
                (0x13, Ah(0x4B)),
                (0x13, Ah(0x41)),
                (0x13, Ah(0x42)),
                (0x13, Ah(0x48)),
                (0x19, Any),
            ],
            setup: Setup::Cdrom,
            slots: 30,
            guest: cdrom_guest,
            check: cdrom_check,
        },
        Case {
            name: "serial",
            covers: &[(0x14, Ah(0x00)), (0x14, Ah(0x01)), (0x14, Ah(0x03))],
            setup: Setup::Disk,
            slots: 13,
            guest: serial_guest,
            check: serial_check,
        },
        Case {
            name: "serial_receive",
            covers: &[(0x14, Ah(0x02))],
            setup: Setup::Disk,
            slots: 2,
            guest: serial_receive_guest,
            check: serial_receive_check,
        },
        Case {
            name: "system",
            covers: &[
                (0x15, Ax(0x2400)),
                (0x15, Ax(0x2401)),
                (0x15, Ax(0x2402)),
                (0x15, Ax(0x2403)),
                (0x15, Ah(0x4F)),
                (0x15, Ah(0x53)),
                (0x15, Ah(0x90)),
                (0x15, Ah(0x91)),
                (0x15, Ah(0xC0)),
                (0x15, Ah(0xEC)),
                (0x15, Ax(0xE980)),
            ],
            setup: Setup::Disk,
            slots: 32,
            guest: system_guest,
            check: system_check,
        },
        Case {
            name: "memory",
            covers: &[(0x15, Ah(0x88)), (0x15, Ax(0xE801)), (0x15, Ax(0xE820))],
            setup: Setup::Disk,
            slots: 23,
            guest: memory_guest,
            check: memory_check,
        },
        Case {
            name: "block_move",
            covers: &[(0x15, Ah(0x87))],
            setup: Setup::Disk,
            slots: 8,
            guest: block_move_guest,
            check: block_move_check,
        },
        Case {
            name: "wait",
            covers: &[(0x15, Ah(0x86))],
            setup: Setup::Disk,
            slots: 4,
            guest: wait_guest,
            check: wait_check,
        },
        Case {
            name: "keyboard",
            covers: &[
                (0x16, Ah(0x00)),
                (0x16, Ah(0x01)),
                (0x16, Ah(0x02)),
                (0x16, Ah(0x03)),
                (0x16, Ah(0x05)),
                (0x16, Ah(0x09)),
                (0x16, Ah(0x0A)),
                (0x16, Ah(0x10)),
                (0x16, Ah(0x11)),
                (0x16, Ah(0x12)),
            ],
            setup: Setup::Disk,
            slots: 29,
            guest: keyboard_guest,
            check: keyboard_check,
        },
        Case {
            name: "printer",
            covers: &[(0x17, Ah(0x00)), (0x17, Ah(0x01)), (0x17, Ah(0x02))],
            setup: Setup::Disk,
            slots: 6,
            guest: printer_guest,
            check: printer_check,
        },
        Case {
            name: "clock",
            covers: &[
                (0x1A, Ah(0x00)),
                (0x1A, Ah(0x01)),
                (0x1A, Ah(0x02)),
                (0x1A, Ah(0x03)),
                (0x1A, Ah(0x04)),
                (0x1A, Ah(0x05)),
                (0x1A, Ah(0x06)),
                (0x1A, Ah(0x07)),
                (0x1A, Ah(0xB1)),
            ],
            setup: Setup::Disk,
            slots: 28,
            guest: clock_guest,
            check: clock_check,
        },
        Case {
            name: "boot",
            covers: &[(0x19, Any)],
            setup: Setup::Disk,
            slots: 2,
            guest: boot_guest,
            check: boot_check,
        },
        Case {
            name: "next_boot_device",
            covers: &[(0x18, Any)],
            setup: Setup::Floppy,
            slots: 0,
            guest: next_device_guest,
            check: next_device_check,
        },
    ]
}
