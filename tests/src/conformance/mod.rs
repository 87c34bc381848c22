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
//!
//! The cases live one file per vector (`int10.rs`, `int11.rs`, ...), like the
//! shim's `services/`; this module holds what they share and [`cases`], the
//! list of them all.

use crate::harness::*;
use iced_x86::code_asm::*;
use pbios::boot::{make_el_torito_image, BootDevice};
use pbios::services::Select;

mod int10;
mod int11;
mod int13;
mod int14;
mod int15;
mod int16;
mod int17;
mod int19;
mod int1a;

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
    /// An El Torito CD whose boot image is a 1.44 MB diskette (the guest in
    /// its sector 0, the pattern after) that the BIOS emulates as drive
    /// 00h, and the hard disk; the CD is booted.
    CdromFloppy,
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
            Setup::CdromFloppy => {
                let floppy = TempDisk::new(boot, FLOPPY_SECTORS);
                let image = std::fs::read(&floppy.path).expect("read the diskette image");
                let mut iso = make_el_torito_image(&image, 0, 0);
                // The initial entry (catalog at sector 18, after the
                // validation entry): 1.44 MB diskette emulation, loading
                // one virtual sector.
                let entry = 18 * 2048 + 32;
                iso[entry + 1] = 2;
                iso[entry + 6..entry + 8].copy_from_slice(&1u16.to_le_bytes());
                Images {
                    disk: TempDisk::new(&blank, DISK_SECTORS),
                    floppy: None,
                    cdrom: Some(TempDisk::from_image(&iso, 0)),
                }
            }
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
            Setup::Cdrom | Setup::CdromFloppy => vec![BootDevice::Cdrom, BootDevice::Disk],
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
            guest: int10::video_mode_guest,
            check: int10::video_mode_check,
        },
        Case {
            name: "video_mono",
            covers: &[(0x10, Ah(0x12)), (0x10, Ah(0x1A)), (0x10, Ah(0x0E))],
            setup: Setup::Disk,
            slots: 17,
            guest: int10::video_mono_guest,
            check: int10::video_mono_check,
        },
        Case {
            name: "video_write",
            covers: &[(0x10, Ah(0x08)), (0x10, Ah(0x09)), (0x10, Ah(0x0A))],
            setup: Setup::Disk,
            slots: 9,
            guest: int10::video_write_guest,
            check: int10::video_write_check,
        },
        Case {
            name: "video_scroll",
            covers: &[(0x10, Ah(0x06)), (0x10, Ah(0x07))],
            setup: Setup::Disk,
            slots: 13,
            guest: int10::video_scroll_guest,
            check: int10::video_scroll_check,
        },
        Case {
            name: "video_text",
            covers: &[(0x10, Ah(0x0E)), (0x10, Ah(0x13))],
            setup: Setup::Disk,
            slots: 10,
            guest: int10::video_text_guest,
            check: int10::video_text_check,
        },
        Case {
            name: "video_palette",
            covers: &[
                (0x10, Ax(0x1000)),
                (0x10, Ax(0x1001)),
                (0x10, Ax(0x1002)),
                (0x10, Ax(0x1003)),
                (0x10, Ax(0x1007)),
                (0x10, Ax(0x1008)),
                (0x10, Ax(0x1009)),
                (0x10, Ax(0x1010)),
                (0x10, Ax(0x1012)),
                (0x10, Ax(0x1013)),
                (0x10, Ax(0x1015)),
                (0x10, Ax(0x1017)),
                (0x10, Ax(0x1018)),
                (0x10, Ax(0x1019)),
                (0x10, Ax(0x101A)),
                (0x10, Ax(0x101B)),
            ],
            setup: Setup::Disk,
            slots: 18,
            guest: int10::video_palette_guest,
            check: int10::video_palette_check,
        },
        Case {
            name: "video_graphics",
            covers: &[
                (0x10, Ah(0x0C)),
                (0x10, Ah(0x0D)),
                (0x10, Ax(0x1130)),
                (0x10, Ah(0x1B)),
            ],
            setup: Setup::Disk,
            slots: 22,
            guest: int10::video_graphics_guest,
            check: int10::video_graphics_check,
        },
        Case {
            name: "video_state",
            covers: &[(0x10, Ah(0x12)), (0x10, Ah(0x1B))],
            setup: Setup::Disk,
            slots: 17,
            guest: int10::video_state_guest,
            check: int10::video_state_check,
        },
        Case {
            name: "video_vbe",
            covers: &[
                (0x10, Ax(0x4F00)),
                (0x10, Ax(0x4F01)),
                (0x10, Ax(0x4F02)),
                (0x10, Ax(0x4F03)),
                (0x10, Ax(0x4F04)),
                (0x10, Ax(0x4F05)),
                (0x10, Ax(0x4F06)),
                (0x10, Ax(0x4F07)),
                (0x10, Ax(0x4F08)),
                (0x10, Ax(0x4F09)),
                (0x10, Ax(0x4F15)),
                (0x10, Ah(0x4F)),
            ],
            setup: Setup::Disk,
            slots: 40,
            guest: int10::video_vbe_guest,
            check: int10::video_vbe_check,
        },
        Case {
            name: "equipment",
            covers: &[(0x11, Any), (0x12, Any)],
            setup: Setup::Floppy,
            slots: 8,
            guest: int11::equipment_guest,
            check: int11::equipment_check,
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
            guest: int13::disk_basic_guest,
            check: int13::disk_basic_check,
        },
        Case {
            name: "disk_rw",
            covers: &[(0x13, Ah(0x02)), (0x13, Ah(0x03)), (0x13, Ah(0x04))],
            setup: Setup::Disk,
            slots: 26,
            guest: int13::disk_rw_guest,
            check: int13::disk_rw_check,
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
            guest: int13::disk_params_guest,
            check: int13::disk_params_check,
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
            guest: int13::disk_ext_guest,
            check: int13::disk_ext_check,
        },
        Case {
            name: "disk_ext_errors",
            covers: &[(0x13, Ah(0x42))],
            setup: Setup::Disk,
            slots: 21,
            guest: int13::disk_ext_errors_guest,
            check: int13::disk_ext_errors_check,
        },
        Case {
            name: "disk_format",
            covers: &[(0x13, Ah(0x05))],
            setup: Setup::Disk,
            slots: 7,
            guest: int13::disk_format_guest,
            check: int13::disk_format_check,
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
            guest: int13::floppy_guest,
            check: int13::floppy_check,
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
            guest: int13::cdrom_guest,
            check: int13::cdrom_check,
        },
        Case {
            name: "cdrom_floppy_emulation",
            covers: &[(0x13, Ah(0x4B)), (0x13, Ah(0x08)), (0x13, Ah(0x02))],
            setup: Setup::CdromFloppy,
            slots: 24,
            guest: int13::cdrom_floppy_guest,
            check: int13::cdrom_floppy_check,
        },
        Case {
            name: "cdrom_door",
            covers: &[(0x13, Ah(0x45)), (0x13, Ah(0x46)), (0x13, Ah(0x49))],
            setup: Setup::Cdrom,
            slots: 18,
            guest: int13::cdrom_door_guest,
            check: int13::cdrom_door_check,
        },
        Case {
            name: "serial",
            covers: &[(0x14, Ah(0x00)), (0x14, Ah(0x01)), (0x14, Ah(0x03))],
            setup: Setup::Disk,
            slots: 13,
            guest: int14::serial_guest,
            check: int14::serial_check,
        },
        Case {
            name: "serial_receive",
            covers: &[(0x14, Ah(0x02))],
            setup: Setup::Disk,
            slots: 2,
            guest: int14::serial_receive_guest,
            check: int14::serial_receive_check,
        },
        Case {
            name: "system",
            covers: &[
                (0x15, Ax(0x2400)),
                (0x15, Ax(0x2401)),
                (0x15, Ax(0x2402)),
                (0x15, Ax(0x2403)),
                (0x15, Ah(0x4F)),
                (0x15, Ax(0x5300)),
                (0x15, Ah(0x90)),
                (0x15, Ah(0x91)),
                (0x15, Ah(0xC0)),
                (0x15, Ah(0xEC)),
                (0x15, Ax(0xE980)),
            ],
            setup: Setup::Disk,
            slots: 32,
            guest: int15::system_guest,
            check: int15::system_check,
        },
        Case {
            name: "apm",
            covers: &[
                (0x15, Ax(0x5300)),
                (0x15, Ax(0x5301)),
                (0x15, Ax(0x5302)),
                (0x15, Ax(0x5303)),
                (0x15, Ax(0x5304)),
                (0x15, Ax(0x5305)),
                (0x15, Ax(0x5306)),
                (0x15, Ax(0x5307)),
                (0x15, Ax(0x5308)),
                (0x15, Ax(0x530A)),
                (0x15, Ax(0x530B)),
                (0x15, Ax(0x530D)),
                (0x15, Ax(0x530E)),
                (0x15, Ax(0x530F)),
                (0x15, Ax(0x5310)),
            ],
            setup: Setup::Disk,
            slots: 37,
            guest: int15::apm_guest,
            check: int15::apm_check,
        },
        Case {
            name: "memory",
            covers: &[(0x15, Ah(0x88)), (0x15, Ax(0xE801)), (0x15, Ax(0xE820))],
            setup: Setup::Disk,
            slots: 23,
            guest: int15::memory_guest,
            check: int15::memory_check,
        },
        Case {
            name: "block_move",
            covers: &[(0x15, Ah(0x87))],
            setup: Setup::Disk,
            slots: 8,
            guest: int15::block_move_guest,
            check: int15::block_move_check,
        },
        Case {
            name: "wait",
            covers: &[(0x15, Ah(0x86))],
            setup: Setup::Disk,
            slots: 4,
            guest: int15::wait_guest,
            check: int15::wait_check,
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
            guest: int16::keyboard_guest,
            check: int16::keyboard_check,
        },
        Case {
            name: "printer",
            covers: &[(0x17, Ah(0x00)), (0x17, Ah(0x01)), (0x17, Ah(0x02))],
            setup: Setup::Disk,
            slots: 6,
            guest: int17::printer_guest,
            check: int17::printer_check,
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
            guest: int1a::clock_guest,
            check: int1a::clock_check,
        },
        Case {
            name: "boot",
            covers: &[(0x19, Any)],
            setup: Setup::Disk,
            slots: 2,
            guest: int19::boot_guest,
            check: int19::boot_check,
        },
        Case {
            name: "next_boot_device",
            covers: &[(0x18, Any)],
            setup: Setup::Floppy,
            slots: 0,
            guest: int19::next_device_guest,
            check: int19::next_device_check,
        },
    ]
}
