//! What POST puts in each of the 256 interrupt vectors.
//!
//! Vectors whose work is done by the host point at their trap stub; a few are
//! served entirely in the guest (the timer tick, hardware IRQ acknowledgement,
//! user hooks) or are data pointers. The shim's vector table must agree with
//! this list: a vector is served by the host exactly when it points at a stub
//! (checked by the shim's tests and by an integration test that reads the IVT
//! POST wrote).

/// Where a vector points after POST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RomVector {
    /// The trap stub for this vector: the host serves it (or logs it as
    /// unsupported).
    Stub,
    /// INT 08h, IRQ 0: the tick count at 40:6C, INT 1Ch, EOI — in the guest.
    TimerIrq,
    /// IRQ 1–7 (INT 09h–0Fh): acknowledge the master PIC.
    MasterIrq,
    /// IRQ 8–15 (INT 70h–77h): acknowledge both PICs.
    SlaveIrq,
    /// INT 02h, NMI: a bare IRET at F000:E2C3.
    Nmi,
    /// A bare IRET: a hook for the user (INT 1Ch timer tick, INT 4Ah alarm).
    Iret,
    /// INT 1Eh: far pointer to the diskette parameter table.
    DisketteParams,
    /// A data pointer with nothing to point at yet (INT 1Dh, 41h, 46h): 0000:0000.
    Null,
    /// INT 1Fh: the 8x8 font's characters 80h-FFh (F000:D200).
    FontHigh,
    /// INT 43h: the graphics font, the 8x16 one after POST (mode 03h;
    /// INT 10h AH=00h moves it as the VGA BIOS does).
    Font,
}

/// First vector of the master PIC's IRQs (IRQ 0 = INT 08h).
pub const PIC1_BASE: u8 = 0x08;
/// First vector of the slave PIC's IRQs (IRQ 8 = INT 70h).
pub const PIC2_BASE: u8 = 0x70;

/// What POST puts in `vector`.
pub const fn rom_vector(vector: u8) -> RomVector {
    match vector {
        0x02 => RomVector::Nmi,
        0x08 => RomVector::TimerIrq,
        0x09..=0x0F => RomVector::MasterIrq,
        0x70..=0x77 => RomVector::SlaveIrq,
        0x1C | 0x4A => RomVector::Iret,
        0x1E => RomVector::DisketteParams,
        0x1D | 0x41 | 0x46 => RomVector::Null,
        0x1F => RomVector::FontHigh,
        0x43 => RomVector::Font,
        _ => RomVector::Stub,
    }
}
