//! The one definition of the contract between the pbios ROM (`bios/`) and the
//! host-side shim (`shim/`).
//!
//! Everything both sides must agree on lives here: where the ROM sits and what
//! fixed entry points it has, how a BIOS call traps to the host (the trap port
//! and the stub table), the ROM header that tells the shim where the stubs
//! are, the private services the ROM asks of the host during POST, the BIOS
//! Data Area offsets, and the BIOS status codes.
//!
//! The crate is `no_std` and free of `unsafe`, so the ROM links it and the
//! host unit-tests it.
#![no_std]
#![deny(missing_docs)]

pub mod bda;
pub mod config;
pub mod header;
pub mod ivt;
pub mod layout;
pub mod status;
pub mod wire;

#[cfg(test)]
extern crate std;

/// Version of this contract. The shim refuses a ROM whose header carries a
/// different one.
pub const ABI_VERSION: u16 = 7;

/// Size of the ROM image: one 64 KiB real-mode segment.
pub const ROM_SIZE: usize = 0x1_0000;
/// Real-mode segment of the ROM (F000h), as in every PC BIOS.
pub const ROM_SEGMENT: u16 = 0xF000;
/// Linear address of the ROM's low mapping (F0000h–FFFFFh).
pub const ROM_BASE: u32 = 0xF_0000;
/// Linear address of the ROM's high alias, ending at 4 GiB, where the CPU
/// fetches its first instruction (FFFFFFF0h).
pub const ROM_HIGH_BASE: u64 = 0x1_0000_0000 - ROM_SIZE as u64;

/// Fixed offsets inside the F000h segment. The PC/AT ones are the IBM
/// compatibility entry points that SeaBIOS also keeps (its `romlayout.S`).
pub mod rom {
    /// ROM header (see [`crate::header`]).
    pub const HEADER: u16 = 0x0000;
    /// Small 16-bit runtime: IRQ handlers, the wait helper.
    pub const RUNTIME16: u16 = 0x0040;
    /// The trap stub table: one stub per interrupt vector.
    pub const STUB_TABLE: u16 = 0x0400;
    /// The one trap site every stub calls (`trap; iret`), in the 16-bit
    /// runtime.
    pub const TRAP_ENTRY: u16 = 0x0040;
    /// Start of the 32-bit POST code and its read-only data.
    pub const POST32: u16 = 0x0800;
    /// Where the host writes the SMBIOS entry points (F000:E000, 16-byte
    /// aligned, [`SMBIOS_SLOT_SIZE`] bytes, zero in the ROM file): the 2.1
    /// (`_SM_`) at +0, the 3.0 (`_SM3_`) at +32. A legacy OS finds them by
    /// scanning F0000h-FFFFFh on 16-byte boundaries (SMBIOS 3.x, 5.2).
    pub const SMBIOS_SLOT: u16 = 0xE000;
    /// Bytes of [`SMBIOS_SLOT`].
    pub const SMBIOS_SLOT_SIZE: usize = 64;
    /// Where the host writes the video BIOS's read-only data (F000:B000,
    /// [`VIDEO_SLOT_SIZE`] bytes, zero in the ROM file): the character
    /// fonts INT 10h AX=1130h and INT 1Fh/43h point at, the static
    /// functionality table of AH=1Bh and the VBE strings. Its last byte
    /// makes the slot sum to zero, so the ROM's checksum holds.
    pub const VIDEO_SLOT: u16 = 0xB000;
    /// Bytes of [`VIDEO_SLOT`].
    pub const VIDEO_SLOT_SIZE: usize = 0x2800;
    /// The 8x16 font, 256 characters of 16 bytes (VGA's text font).
    pub const FONT_8X16: u16 = VIDEO_SLOT;
    /// The 8x14 font, 256 characters of 14 bytes (EGA's).
    pub const FONT_8X14: u16 = VIDEO_SLOT + 0x1000;
    /// The 8x8 font, 256 characters of 8 bytes (CGA's; INT 43h in mode 13h).
    pub const FONT_8X8: u16 = VIDEO_SLOT + 0x1E00;
    /// The 8x8 font's upper half, characters 80h-FFh (INT 1Fh).
    pub const FONT_8X8_HIGH: u16 = FONT_8X8 + 0x400;
    /// The static functionality table INT 10h AH=1Bh points at (16 bytes).
    pub const VIDEO_STATIC_TABLE: u16 = VIDEO_SLOT + 0x2600;
    /// VBE's OEM string (4F00h), NUL-terminated in 16 bytes.
    pub const VBE_OEM: u16 = VIDEO_SLOT + 0x2610;
    /// VBE's vendor name (4F00h), NUL-terminated in 16 bytes.
    pub const VBE_VENDOR: u16 = VIDEO_SLOT + 0x2620;
    /// VBE's product name (4F00h), NUL-terminated in 32 bytes.
    pub const VBE_PRODUCT: u16 = VIDEO_SLOT + 0x2630;
    /// VBE's product revision (4F00h), NUL-terminated in 16 bytes.
    pub const VBE_REVISION: u16 = VIDEO_SLOT + 0x2650;
    /// The BIOS32 service directory's 16-byte header (F000:E040, found by
    /// scanning E0000h-FFFFFh for `_32_` on 16-byte boundaries); its
    /// checksum byte (offset 10) is set by `cargo xtask rom`.
    pub const BIOS32_DIRECTORY: u16 = 0xE040;
    /// POST entry point (IBM PC/AT: F000:E05B).
    pub const POST_ENTRY: u16 = 0xE05B;
    /// NMI handler, INT 02h (F000:E2C3): a bare IRET.
    pub const NMI: u16 = 0xE2C3;
    /// INT 13h disk services (F000:E3FE): the vector's trap stub.
    pub const INT13: u16 = 0xE3FE;
    /// INT 19h bootstrap (F000:E6F2): trap stub (its three bytes end where
    /// the configuration table starts).
    pub const INT19: u16 = 0xE6F2;
    /// System configuration table, returned by INT 15h AH=C0h (F000:E6F5).
    pub const CONFIG_TABLE: u16 = 0xE6F5;
    /// INT 14h serial services (F000:E739): trap stub.
    pub const INT14: u16 = 0xE739;
    /// INT 16h keyboard services (F000:E82E): trap stub.
    pub const INT16: u16 = 0xE82E;
    /// INT 09h, IRQ 1 (F000:E987): acknowledges the master PIC.
    pub const INT09: u16 = 0xE987;
    /// Diskette parameter table, pointed at by INT 1Eh (IBM PC/AT: F000:EFC7).
    pub const DISKETTE_PARAMS: u16 = 0xEFC7;
    /// INT 17h printer services (F000:EFD2): trap stub.
    pub const INT17: u16 = 0xEFD2;
    /// INT 10h video services (F000:F065): trap stub.
    pub const INT10: u16 = 0xF065;
    /// INT 12h memory size (F000:F841): trap stub.
    pub const INT12: u16 = 0xF841;
    /// INT 11h equipment list (F000:F84D): trap stub.
    pub const INT11: u16 = 0xF84D;
    /// INT 15h system services (F000:F859): trap stub.
    pub const INT15: u16 = 0xF859;
    /// INT 1Ah time services (F000:FE6E): trap stub.
    pub const INT1A: u16 = 0xFE6E;
    /// INT 08h, IRQ 0 timer tick (F000:FEA5).
    pub const INT08: u16 = 0xFEA5;
    /// A bare IRET (IBM PC/AT: F000:FF53), for vectors with nothing to do.
    pub const DUMMY_IRET: u16 = 0xFF53;
    /// Power-on reset vector (F000:FFF0 = FFFFFFF0h at reset).
    pub const RESET_VECTOR: u16 = 0xFFF0;
    /// BIOS date string, "MM/DD/YY" (F000:FFF5).
    pub const DATE: u16 = 0xFFF5;
    /// Machine model byte (F000:FFFE); FCh = PC/AT.
    pub const MODEL: u16 = 0xFFFE;
    /// Checksum byte: makes all bytes of the image sum to zero (mod 256).
    pub const CHECKSUM: u16 = 0xFFFF;
}

/// The machine model byte stored at F000:FFFE (FCh, IBM PC/AT).
pub const MODEL_BYTE: u8 = 0xFC;
/// Feature byte 1 of the configuration table at F000:E6F5 (RBIL INT 15h
/// AH=C0h): a second 8259 (bit 6), a real-time clock (bit 5), an EBDA (bit 2).
/// Bit 4 (INT 09h calls INT 15h AH=4Fh) stays clear: the ROM has no
/// keyboard IRQ handler, keys come from the host.
pub const CONFIG_FEATURE1: u8 = 0x64;
/// The BIOS date stored at F000:FFF5.
pub const BIOS_DATE: &[u8; 8] = b"11/21/26";

/// The 16-bit stack POST leaves for the boot: SS:SP = 0000:7C00, under the
/// boot sector.
pub const BOOT_STACK: u16 = 0x7C00;
/// Top of the stack the 32-bit POST runs on (below the boot sector).
pub const POST_STACK_TOP: u32 = 0x7000;

/// How a trap stub reaches the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TrapKind {
    /// `out imm8, al` to [`TRAP_PORT`] (E6h ib): forwarded by every hypervisor.
    Out = 0,
    /// `vmcall` (0F 01 C1): only for hypervisors that forward it (not KVM).
    Vmcall = 1,
    /// `vmmcall` (0F 01 D9): only for hypervisors that forward it (not KVM).
    Vmmcall = 2,
}

impl TrapKind {
    /// Decodes the header byte.
    pub const fn from_u8(v: u8) -> Option<TrapKind> {
        match v {
            0 => Some(TrapKind::Out),
            1 => Some(TrapKind::Vmcall),
            2 => Some(TrapKind::Vmmcall),
            _ => None,
        }
    }

    /// The instruction's encoding.
    pub const fn bytes(self) -> &'static [u8] {
        match self {
            TrapKind::Out => &[0xE6, TRAP_PORT],
            TrapKind::Vmcall => &[0x0F, 0x01, 0xC1],
            TrapKind::Vmmcall => &[0x0F, 0x01, 0xD9],
        }
    }

    /// Name used on the command line and in messages.
    pub const fn name(self) -> &'static str {
        match self {
            TrapKind::Out => "out",
            TrapKind::Vmcall => "vmcall",
            TrapKind::Vmmcall => "vmmcall",
        }
    }
}

/// The I/O port the `out` trap writes AL to. Not 7Eh (KVM quirk), not a port
/// any PC device uses.
pub const TRAP_PORT: u8 = 0xE7;

/// Distance between two trap stubs; each stub is a near call of the trap
/// entry ([`CALL_OPCODE`] rel16) and a `nop`.
pub const STUB_STRIDE: u16 = 4;
/// Length of a stub's near call (`E8 rel16`): the return address it pushes
/// is the stub's address plus this.
pub const STUB_CALL_LEN: u16 = 3;
/// `call rel16` (in 16-bit code).
pub const CALL_OPCODE: u8 = 0xE8;
/// One stub per interrupt vector.
pub const STUB_COUNT: u16 = 256;
/// `iret`.
pub const IRET_OPCODE: u8 = 0xCF;
/// The boot CPU's local APIC, as the POST sets it up for PIC interrupts
/// (Intel SDM vol. 3A, 11.4 and 11.5.1; MP spec 1.4, 3.6.2.2 virtual wire
/// mode, as SeaBIOS does).
pub mod lapic {
    /// IA32_APIC_BASE MSR: base address in bits 12 and up.
    pub const BASE_MSR: u32 = 0x1B;
    /// Mask of the base address in IA32_APIC_BASE.
    pub const BASE_MASK: u64 = 0xF_FFFF_F000;
    /// Spurious-interrupt vector register; bit 8 enables the APIC.
    pub const SVR: u32 = 0xF0;
    /// The SVR's APIC software-enable bit.
    pub const SVR_ENABLE: u32 = 1 << 8;
    /// Local vector table entry of the LINT0 pin.
    pub const LVT_LINT0: u32 = 0x350;
    /// Local vector table entry of the LINT1 pin.
    pub const LVT_LINT1: u32 = 0x360;
    /// LINT0: ExtINT (the 8259's output), level triggered, unmasked.
    pub const LINT0_EXTINT: u32 = 0x8700;
    /// LINT1: NMI, level triggered, unmasked.
    pub const LINT1_NMI: u32 = 0x8400;
    /// CPUID leaf 1 EDX bit: an on-chip APIC.
    pub const CPUID_APIC: u32 = 1 << 9;
}

/// Opcode of a near RET (ends the private-service trap routine).
pub const RET_OPCODE: u8 = 0xC3;

/// Vectors whose trap stub sits at their IBM PC/AT compatibility entry
/// point instead of in the stub table (SeaBIOS's `romlayout.S` keeps the same
/// addresses), so a caller that far-calls F000:E3FE directly reaches INT 13h.
pub const COMPAT_STUBS: [(u8, u16); 10] = [
    (0x10, rom::INT10),
    (0x11, rom::INT11),
    (0x12, rom::INT12),
    (0x13, rom::INT13),
    (0x14, rom::INT14),
    (0x15, rom::INT15),
    (0x16, rom::INT16),
    (0x17, rom::INT17),
    (0x19, rom::INT19),
    (0x1A, rom::INT1A),
];

/// The compatibility entry point holding `vector`'s stub, if any.
pub const fn compat_stub(vector: u8) -> Option<u16> {
    let mut i = 0;
    while i < COMPAT_STUBS.len() {
        if COMPAT_STUBS[i].0 == vector {
            return Some(COMPAT_STUBS[i].1);
        }
        i += 1;
    }
    None
}

/// Offset (in the F000h segment) of `vector`'s slot in the stub table.
pub const fn table_stub_offset(vector: u8) -> u16 {
    rom::STUB_TABLE + vector as u16 * STUB_STRIDE
}

/// Offset (in the F000h segment) of the trap stub that serves `vector`: its
/// compatibility entry point where it has one, else its stub-table slot.
pub const fn stub_offset(vector: u8) -> u16 {
    match compat_stub(vector) {
        Some(off) => off,
        None => table_stub_offset(vector),
    }
}

/// The mailbox: how a backend that cannot stop the CPU cheaply (QEMU's TCG
/// driven as a debugger) serves a real-mode or virtual-8086 BIOS call while
/// the guest waits. Its trap entry jumps to the ROM's mailbox routine
/// (header field 36), which pushes the caller's registers on the caller's
/// stack, writes SP then SS (low byte first) to the trap port, and spins
/// until the host sets [`mailbox::FLAG`]. The host reads the registers at
/// SS:SP, serves the call, writes the registers to resume with back into
/// their slots and the address of an IRET frame (IP, CS, FLAGS) in the same
/// SS at [`mailbox::FRAME`] (the caller's own INT frame, or one it writes
/// at the final SP − 6), then sets the flag; the routine pops the
/// registers, loads SP from [`mailbox::FRAME`] and IRETs.
pub mod mailbox {
    /// GS, FS, ES, DS (u16 each), from SS:SP up.
    pub const GS: u16 = 0;
    /// FS.
    pub const FS: u16 = 2;
    /// ES.
    pub const ES: u16 = 4;
    /// DS.
    pub const DS: u16 = 6;
    /// EDI, ESI, EBP, ESP, EBX, EDX, ECX, EAX (u32 each, as `pushad`
    /// leaves them; the ESP slot is ignored on the way back).
    pub const PUSHAD: u16 = 8;
    /// The flag (u16): 0 while the host works, non-zero when the answer is
    /// in; [`mailbox::TOUCH`] when the routine must first copy a range of
    /// guest memory onto itself (segment, offset, length in the
    /// [`mailbox::ROOM`] slots), so that an emulator sees the host's writes
    /// there as the CPU's own stores and drops stale translated code.
    pub const FLAG: u16 = 40;
    /// [`mailbox::FLAG`]'s value for "answer in, and touch the range".
    pub const TOUCH: u16 = 2;
    /// On the way in, the CPU's mode: 0 real, 1 virtual-8086 (CR0.PE). On
    /// the way out, where the IRET frame to resume with is, as an offset in
    /// SS (u16).
    pub const FRAME: u16 = 42;
    /// Six bytes of room for an IRET frame (when the final SP is the
    /// stub's return address slot, as the wait helper's is), or for the
    /// range to touch ([`mailbox::TOUCH`]).
    pub const ROOM: u16 = 44;
    /// The return address the stub's call pushed: SP at the trap entry.
    pub const RETURN: u16 = 50;
    /// Bytes from SS:SP to the stub's return address.
    pub const SIZE: u16 = RETURN;
}

/// QEMU's isa-debug-exit port: a byte `v` written here ends the run with
/// process exit status `(v << 1) | 1`.
pub const DEBUG_EXIT_PORT: u16 = 0xF4;
/// COM1's base port.
pub const COM1_PORT: u16 = 0x3F8;
/// The i8042 command port; writing FEh to it pulses the CPU reset line.
pub const I8042_COMMAND_PORT: u16 = 0x64;
/// i8042 command: pulse reset.
pub const I8042_CMD_RESET: u8 = 0xFE;

/// Private services: traps outside the stub table, issued by the ROM itself.
/// The service number is in AL.
pub mod svc {
    /// POST asks for the host configuration: EDI = flat address of a buffer
    /// of ECX bytes that receives a [`crate::config::HostConfig`].
    /// Out: EAX = 0 on success, otherwise non-zero.
    pub const GET_CONFIG: u8 = 0x01;
    /// POST is done and about to run INT 19h (lets the host time the POST).
    pub const POST_DONE: u8 = 0x02;
}

/// PCI configuration mechanism #1: the address and data ports (PCI Local
/// Bus 3.0, 3.2.2.3.2).
pub mod pci {
    /// CONFIG_ADDRESS (CF8h): enable bit, bus, device, function, register.
    pub const CONFIG_ADDRESS: u16 = 0xCF8;
    /// CONFIG_DATA (CFCh-CFFh): the addressed register.
    pub const CONFIG_DATA: u16 = 0xCFC;
    /// The enable bit of a CONFIG_ADDRESS value.
    pub const ENABLE: u32 = 1 << 31;
    /// CONFIG_ADDRESS for bus 0, `dev`, `func`, register `reg`.
    pub const fn address(dev: u8, func: u8, reg: u8) -> u32 {
        ENABLE | ((dev as u32) << 11) | ((func as u32) << 8) | (reg as u32 & 0xFC)
    }
    /// Intel 82371AB (PIIX4) power management function, 00:01.3 on QEMU's
    /// `pc` machine: vendor and device ID as one dword.
    pub const PIIX4_PM_ID: u32 = 0x7113_8086;
    /// The PIIX4 PM function's device number on bus 0.
    pub const PIIX4_PM_DEV: u8 = 1;
    /// The PIIX4 PM function's function number.
    pub const PIIX4_PM_FUNC: u8 = 3;
    /// PIIX4 PM base address register (PMBA) and its I/O-space bit.
    pub const PIIX4_PMBA: u8 = 0x40;
    /// PIIX4 PM miscellaneous register (PMREGMISC): bit 0 enables PMBA.
    pub const PIIX4_PMREGMISC: u8 = 0x80;
    /// Intel 82441FX (i440FX) host bridge, 00:00.0 on QEMU's `pc` machine.
    pub const I440FX_ID: u32 = 0x1237_8086;
    /// The i440FX's SMRAM control register (82441FX datasheet, 3.2.26).
    pub const I440FX_SMRAM: u8 = 0x72;
    /// SMRAM: D_OPEN, the CPU sees the RAM behind A0000h-BFFFFh.
    pub const SMRAM_D_OPEN: u8 = 0x40;
}

/// ACPI PM1a registers' I/O base: where QEMU's PIIX4 puts them (and POST
/// programs PMBA), and where the KVM backend answers them.
pub const ACPI_PM_BASE: u16 = 0x600;
