//! BIOS services: one module per interrupt vector, one function per
//! subfunction, and the declarative vector table the dispatcher and the
//! tests walk.
//!
//! Handlers are pure: they see the caller's registers and a [`Ctx`] (guest
//! memory, the disk, the console, the keyboard, the clock, the memory map)
//! and return a [`Status`]. CF and AH are set from that status in one place,
//! [`crate::bios::Bios`]'s dispatcher.

use crate::boot::{BootDevice, ElTorito};
use crate::clock::Clock;
use crate::disk::{Disk, Drives, MediaKind, FIRST_HD};
use crate::keyboard::KeySource;
use crate::mem::{bda_addr, Memory};
use crate::memmap::MemoryMap;
use crate::regs::Regs;
use crate::serial::ComPort;
use abi::ivt::{rom_vector, RomVector};
use std::io::Write;

/// A [`Function`] entry named after its handler: `function!(0x42,
/// int13_42_extended_read)` answers AH=42h, `function!(ax 0xE820, …)` AX=E820h.
macro_rules! function {
    (ax $ax:expr, $name:ident) => {
        $crate::services::Function {
            select: $crate::services::Select::Ax($ax),
            name: stringify!($name),
            handler: $name,
        }
    };
    ($ah:expr, $name:ident) => {
        $crate::services::Function {
            select: $crate::services::Select::Ah($ah),
            name: stringify!($name),
            handler: $name,
        }
    };
}

pub mod apm;
pub mod int10;
pub mod int11;
pub mod int12;
pub mod int13;
pub mod int14;
pub mod int15;
pub mod int16;
pub mod int17;
pub mod int19;
pub mod int1a;
pub mod vbe;

/// What a handler reports; the dispatcher turns it into CF, AH and the
/// guest's next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success: CF=0, AH=00h.
    Ok,
    /// Success with a status in AH: CF=0, AH=the value.
    OkAh(u8),
    /// Success, AH as the handler left it: CF=0.
    Cleared,
    /// Failure: CF=1, AH=the BIOS status code.
    Fail(u8),
    /// Failure with AH as the handler left it: CF=1.
    CarrySet,
    /// An answer in ZF alone (INT 16h AH=01h: ZF=1 when no key waits):
    /// ZF as given, CF and AH as the handler left them.
    Zf(bool),
    /// Registers as the handler left them, flags untouched.
    Done,
    /// No such function: the service's standard answer, logged.
    Unsupported,
    /// Nothing to return yet (a key wait): the guest sleeps until the next
    /// interrupt, with interrupts on, and the call is made again.
    Wait,
    /// The handler sent the guest elsewhere (INT 19h): no IRET.
    Jump,
}

/// A request to end the run, from a handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Nothing could be booted.
    NoBootDevice(String),
    /// The guest asked the BIOS to power the machine off (APM): how.
    PowerOff(String),
}

/// What the BIOS keeps across calls.
#[derive(Clone, Debug, Default)]
pub struct BiosState {
    /// Index in the boot order of the next device INT 19h/18h tries.
    pub boot_next: usize,
    /// The El Torito image booted from CD-ROM, if any (INT 13h AH=4Bh).
    pub cdrom_boot: Option<ElTorito>,
    /// The guest ended the boot image's emulation (INT 13h AX=4B00h).
    pub emulation_ended: bool,
    /// Locks on the CD-ROM's door (INT 13h AH=45h).
    pub cdrom_locks: u8,
    /// When the INT 15h AH=86h wait in progress ends.
    pub wait_until: Option<std::time::Instant>,
    /// Seconds the guest moved the RTC by (INT 1Ah AH=03h/05h).
    pub rtc_offset: i64,
    /// The RTC alarm (INT 1Ah AH=06h): hours, minutes, seconds in BCD.
    pub alarm: Option<[u8; 3]>,
}

/// Everything a handler may touch besides the registers.
pub struct Ctx<'a> {
    /// Guest memory.
    pub mem: &'a mut dyn Memory,
    /// The attached diskette, hard disks and CD-ROM.
    pub drives: &'a Drives,
    /// The drive an El Torito CD-ROM boot emulates (00h or 80h), while it
    /// does: [`Ctx::disk`] renumbers the real drives around it.
    pub emulated: Option<&'a Disk>,
    /// The boot order INT 19h/18h walk.
    pub boot_order: &'a [BootDevice],
    /// What the BIOS keeps across calls.
    pub state: &'a mut BiosState,
    /// COM1's UART (INT 14h), if the backend has one.
    pub com1: Option<&'a mut dyn ComPort>,
    /// The host console that video output is copied to.
    pub console: &'a mut dyn Write,
    /// Where host keys come from (INT 16h).
    pub keys: &'a mut dyn KeySource,
    /// The clock behind the RTC (INT 1Ah).
    pub clock: &'a dyn Clock,
    /// The guest's physical memory map (INT 15h AX=E820h, E801h, AH=88h).
    pub memmap: &'a MemoryMap,
    /// The MP and ACPI tables INT 19h installs before the boot sector runs.
    pub tables: &'a [crate::platform::Blob],
    /// Set by a handler to end the run after this call.
    pub stop: Option<Stop>,
    /// The ROM's header: where its guest-side services (the PCI BIOS, APM's
    /// protected-mode entries) are.
    pub rom: &'a abi::header::RomHeader,
    /// The display adapter (INT 10h).
    pub vga: &'a mut crate::vga::Vga,
}

impl<'a> Ctx<'a> {
    /// The drive behind an INT 13h drive number. While an El Torito
    /// emulation runs, its drive takes 00h (the real diskette moves to
    /// 01h) or 80h (the real hard disks move up one), as El Torito 1.0
    /// (3.0) has it.
    pub fn disk(&self, dl: u8) -> Option<&'a Disk> {
        let drives: &'a Drives = self.drives;
        let Some(e) = self.emulated else {
            return drives.get(dl);
        };
        match (e.kind(), dl) {
            (MediaKind::Floppy, 0x00) | (MediaKind::HardDisk, FIRST_HD) => Some(e),
            (MediaKind::Floppy, 0x01) => drives.floppy.as_ref(),
            (MediaKind::HardDisk, 0x81..=0x84) => drives.hard.get(usize::from(dl - 0x81)),
            _ => drives.get(dl),
        }
    }

    /// Diskette drives, an emulated one included.
    pub fn floppy_count(&self) -> u8 {
        let emulated = self.emulated.is_some_and(|e| e.kind() == MediaKind::Floppy);
        self.drives.floppies() + u8::from(emulated)
    }
}

impl Ctx<'_> {
    /// Reads a BDA byte. Conventional memory is always guest RAM, so this
    /// only fails on a broken machine; it then reads as 0.
    pub fn bda_u8(&self, off: u16) -> u8 {
        self.mem.read_u8(bda_addr(off)).unwrap_or(0)
    }
    /// Reads a BDA word (0 on a broken machine).
    pub fn bda_u16(&self, off: u16) -> u16 {
        self.mem.read_u16(bda_addr(off)).unwrap_or(0)
    }
    /// Reads a BDA doubleword (0 on a broken machine).
    pub fn bda_u32(&self, off: u16) -> u32 {
        self.mem.read_u32(bda_addr(off)).unwrap_or(0)
    }
    /// Writes a BDA byte (ignoring a failed write).
    pub fn set_bda_u8(&mut self, off: u16, v: u8) {
        let _ = self.mem.write_u8(bda_addr(off), v);
    }
    /// Writes a BDA word (ignoring a failed write).
    pub fn set_bda_u16(&mut self, off: u16, v: u16) {
        let _ = self.mem.write_u16(bda_addr(off), v);
    }
}

/// A handler: registers in and out, context, status.
pub type Handler = fn(&mut Regs, &mut Ctx) -> Status;

/// Which calls a function answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// Every call (services without subfunctions: INT 11h, 12h, 19h).
    Any,
    /// AH = the value.
    Ah(u8),
    /// AX = the value (INT 15h AX=E820h, E801h).
    Ax(u16),
}

impl Select {
    fn matches(self, r: &Regs) -> bool {
        match self {
            Select::Any => true,
            Select::Ah(ah) => r.ah() == ah,
            Select::Ax(ax) => r.ax() == ax,
        }
    }
}

/// One BIOS function.
pub struct Function {
    /// Which calls this function answers.
    pub select: Select,
    /// Named for what it does, e.g. `int13_42_extended_read`.
    pub name: &'static str,
    /// The function's handler.
    pub handler: Handler,
}

/// A hook run after every call of a service, with the caller's registers as
/// they were on entry and the handler's status (INT 13h keeps its last status
/// in the BDA).
pub type Finish = fn(&Regs, Status, &mut Ctx);

/// A BIOS service vector.
pub struct Service {
    /// The interrupt vector number, e.g. 13h.
    pub vector: u8,
    /// A short name for traces, e.g. `disk`.
    pub name: &'static str,
    /// The service's functions, by AH or AX.
    pub functions: &'static [Function],
    /// What an unknown function gets (e.g. `Fail(86h)`, or `Fail(01h)` for
    /// INT 13h, or `Done` where the BIOS leaves registers alone).
    pub unsupported: Status,
    /// A hook run after every call, if any.
    pub finish: Option<Finish>,
}

impl Service {
    /// The function that answers these registers, if any.
    pub fn lookup(&self, r: &Regs) -> Option<&'static Function> {
        self.functions.iter().find(|f| f.select.matches(r))
    }
}

/// The host-served vectors.
pub const SERVICES: &[&Service] = &[
    &int10::SERVICE,
    &int11::SERVICE,
    &int12::SERVICE,
    &int13::SERVICE,
    &int14::SERVICE,
    &int15::SERVICE,
    &int16::SERVICE,
    &int17::SERVICE,
    &int19::SERVICE_18,
    &int19::SERVICE,
    &int1a::SERVICE,
];

/// What stands behind an interrupt vector.
#[derive(Clone, Copy)]
pub enum Vector {
    /// Served by the host through the vector's trap stub.
    Service(&'static Service),
    /// Handled inside the guest by ROM code (or a data pointer): never traps.
    Guest(&'static str),
    /// Points at its trap stub, but nothing serves it: a call is logged and
    /// returns with registers and flags untouched.
    Unsupported,
}

/// The vector table: what every one of the 256 vectors is.
pub fn vector(v: u8) -> Vector {
    if let Some(s) = SERVICES.iter().find(|s| s.vector == v) {
        return Vector::Service(s);
    }
    match rom_vector(v) {
        RomVector::Stub => Vector::Unsupported,
        RomVector::Nmi => Vector::Guest("NMI: IRET at F000:E2C3"),
        RomVector::TimerIrq => Vector::Guest("timer tick: BDA count, INT 1Ch, EOI"),
        RomVector::MasterIrq => Vector::Guest("IRQ 1-7: EOI to the master PIC"),
        RomVector::SlaveIrq => Vector::Guest("IRQ 8-15: EOI to both PICs"),
        RomVector::Iret => Vector::Guest("user hook: IRET"),
        RomVector::DisketteParams => Vector::Guest("diskette parameter table"),
        RomVector::Null => Vector::Guest("null data pointer"),
        RomVector::FontHigh => Vector::Guest("8x8 font, characters 80h-FFh"),
        RomVector::Font => Vector::Guest("graphics character font"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_vector_has_an_entry_that_agrees_with_the_rom() {
        let mut services = 0;
        for v in 0..=255u8 {
            match vector(v) {
                Vector::Service(s) => {
                    services += 1;
                    assert_eq!(s.vector, v);
                    assert_eq!(
                        rom_vector(v),
                        RomVector::Stub,
                        "INT {v:02X}h must point at its stub"
                    );
                }
                Vector::Unsupported => assert_eq!(rom_vector(v), RomVector::Stub),
                Vector::Guest(what) => {
                    assert_ne!(rom_vector(v), RomVector::Stub, "INT {v:02X}h ({what})")
                }
            }
        }
        assert_eq!(services, SERVICES.len(), "one service per vector");
    }

    #[test]
    fn function_names_follow_the_house_style() {
        let mut names = HashSet::new();
        for s in SERVICES {
            for f in s.functions {
                assert!(names.insert(f.name), "duplicate {}", f.name);
                let prefix = format!("int{:02x}_", s.vector);
                assert!(
                    f.name.starts_with(&prefix),
                    "{} in INT {:02X}h",
                    f.name,
                    s.vector
                );
                if let Select::Ah(ah) = f.select {
                    assert!(
                        f.name.starts_with(&format!("{prefix}{ah:02x}_")),
                        "{}",
                        f.name
                    );
                }
                if let Select::Ax(ax) = f.select {
                    assert!(
                        f.name.starts_with(&format!("{prefix}{ax:04x}_")),
                        "{}",
                        f.name
                    );
                }
            }
            // No two functions answer the same selector.
            let sel: HashSet<String> = s
                .functions
                .iter()
                .map(|f| format!("{:?}", f.select))
                .collect();
            assert_eq!(sel.len(), s.functions.len(), "INT {:02X}h", s.vector);
        }
    }
}

#[cfg(test)]
pub(crate) mod test_world;
