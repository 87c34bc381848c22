//! The ROM header at F000:0000: tells the shim where the trap stubs are and
//! how they trap. Every stub near-calls one shared trap entry, so a BIOS
//! call stops at one address, whatever the vector; the shim decodes the
//! vector from the return address the stub's call pushed.
//!
//! Layout (little endian, [`HEADER_SIZE`] bytes):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `PBIOSROM` |
//! | 8 | 2 | ABI version ([`crate::ABI_VERSION`]) |
//! | 10 | 2 | header size |
//! | 12 | 4 | ROM size in bytes |
//! | 16 | 4 | linear address of stub 0 |
//! | 20 | 2 | stub stride |
//! | 22 | 2 | stub count |
//! | 24 | 1 | trap kind ([`crate::TrapKind`]) |
//! | 25 | 1 | trap port |
//! | 26 | 2 | offset in F000h of the wait helper (`sti; hlt; cli; ret`) |
//! | 28 | 4 | linear address of the private-service trap (a `trap; ret` routine the 32-bit POST calls) |
//! | 32 | 4 | linear address of the trap entry (`trap; iret`) every stub calls |
//! | 36 | 2 | offset in F000h of the mailbox routine ([`crate::mailbox`]) |
//! | 38 | 2 | offset in F000h of the 16-bit PCI BIOS (`pci16`, entered by a jump from INT 1Ah AH=B1h); 0: none |
//! | 40 | 2 | offset in F000h of the APM BIOS's 16-bit protected-mode entry (`apm16`); 0: none |
//! | 42 | 2 | offset in F000h of the APM BIOS's 32-bit protected-mode entry (`apm32`); 0: none |
//! | 44 | 4 | reserved, 0 |

use crate::TrapKind;

/// The header's magic bytes.
pub const MAGIC: &[u8; 8] = b"PBIOSROM";
/// Size of the header in bytes.
pub const HEADER_SIZE: usize = 48;

/// Offsets of the header's fields (used by the ROM's assembly too).
pub mod field {
    /// The magic `PBIOSROM` (8 bytes).
    pub const MAGIC: usize = 0;
    /// ABI version (u16).
    pub const ABI_VERSION: usize = 8;
    /// Header size (u16).
    pub const HEADER_SIZE: usize = 10;
    /// ROM size (u32).
    pub const ROM_SIZE: usize = 12;
    /// Linear address of vector 0's stub (u32).
    pub const STUB_TABLE: usize = 16;
    /// Stub stride (u16).
    pub const STUB_STRIDE: usize = 20;
    /// Stub count (u16).
    pub const STUB_COUNT: usize = 22;
    /// Trap kind (u8, [`crate::TrapKind`]).
    pub const TRAP_KIND: usize = 24;
    /// Trap port (u8).
    pub const TRAP_PORT: usize = 25;
    /// Offset of the wait helper in segment F000h (u16).
    pub const WAIT_ENTRY: usize = 26;
    /// Linear address of the private-service trap (u32).
    pub const PRIVATE_TRAP: usize = 28;
    /// Linear address of the trap entry the stubs call (u32).
    pub const TRAP_ENTRY: usize = 32;
    /// Offset in F000h of the mailbox routine (u16).
    pub const MAILBOX_ENTRY: usize = 36;
    /// Offset in F000h of the guest-side 16-bit PCI BIOS, 0 if none (u16).
    pub const PCI_ENTRY: usize = 38;
    /// Offset in F000h of the APM 16-bit protected-mode entry (u16).
    pub const APM16_ENTRY: usize = 40;
    /// Offset in F000h of the APM 32-bit protected-mode entry (u16).
    pub const APM32_ENTRY: usize = 42;
}

/// A parsed ROM header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RomHeader {
    /// The contract version the ROM was built for.
    pub abi_version: u16,
    /// Size of the image in bytes.
    pub rom_size: u32,
    /// Linear address of the stub for vector 0.
    pub stub_table: u32,
    /// Bytes between two stubs.
    pub stub_stride: u16,
    /// Number of stubs (one per vector).
    pub stub_count: u16,
    /// The instruction the stubs trap with.
    pub trap_kind: TrapKind,
    /// The port an `out` trap writes.
    pub trap_port: u8,
    /// Offset in segment F000h of the wait helper.
    pub wait_entry: u16,
    /// Linear address of the trap instruction through which the POST calls
    /// the host's private services. Backends that cannot see port I/O (a
    /// debugger-driven emulator) put a breakpoint here while POST runs.
    pub private_trap: u32,
    /// Linear address of the trap entry, `trap; iret`, that every stub
    /// near-calls: the one trap site of every BIOS call. A backend that
    /// cannot take the trap cheaply makes it a jump to the mailbox.
    pub trap_entry: u32,
    /// Offset in F000h of the mailbox routine ([`crate::mailbox`]).
    pub mailbox_entry: u16,
    /// Offset in F000h of the ROM's 16-bit PCI BIOS, which INT 1Ah AH=B1h
    /// jumps to with the caller's IRET frame on the stack (0: the ROM has
    /// none, and the host answers "no PCI BIOS").
    pub pci_entry: u16,
    /// Offsets in F000h of the APM BIOS's 16- and 32-bit protected-mode
    /// entries, which INT 15h AX=5302h/5303h hand out (0: none; those
    /// connects then fail).
    pub apm16_entry: u16,
    /// See [`RomHeader::apm16_entry`].
    pub apm32_entry: u16,
}

/// Why a ROM header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer bytes than a header.
    TooShort,
    /// The magic is not `PBIOSROM`: not a pbios ROM.
    BadMagic,
    /// Built for another version of this contract.
    AbiVersion(u16),
    /// A field holds a value this contract does not allow.
    BadField(&'static str),
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl RomHeader {
    /// Parses and validates the header at the start of `rom`.
    pub fn parse(rom: &[u8]) -> Result<RomHeader, HeaderError> {
        if rom.len() < HEADER_SIZE {
            return Err(HeaderError::TooShort);
        }
        if &rom[..8] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let abi_version = u16_at(rom, field::ABI_VERSION);
        if abi_version != crate::ABI_VERSION {
            return Err(HeaderError::AbiVersion(abi_version));
        }
        if usize::from(u16_at(rom, field::HEADER_SIZE)) != HEADER_SIZE {
            return Err(HeaderError::BadField("header size"));
        }
        let trap_kind =
            TrapKind::from_u8(rom[field::TRAP_KIND]).ok_or(HeaderError::BadField("trap kind"))?;
        let h = RomHeader {
            abi_version,
            rom_size: u32_at(rom, field::ROM_SIZE),
            stub_table: u32_at(rom, field::STUB_TABLE),
            stub_stride: u16_at(rom, field::STUB_STRIDE),
            stub_count: u16_at(rom, field::STUB_COUNT),
            trap_kind,
            trap_port: rom[field::TRAP_PORT],
            wait_entry: u16_at(rom, field::WAIT_ENTRY),
            private_trap: u32_at(rom, field::PRIVATE_TRAP),
            trap_entry: u32_at(rom, field::TRAP_ENTRY),
            mailbox_entry: u16_at(rom, field::MAILBOX_ENTRY),
            pci_entry: u16_at(rom, field::PCI_ENTRY),
            apm16_entry: u16_at(rom, field::APM16_ENTRY),
            apm32_entry: u16_at(rom, field::APM32_ENTRY),
        };
        if h.rom_size as usize != crate::ROM_SIZE {
            return Err(HeaderError::BadField("ROM size"));
        }
        if h.stub_stride < crate::STUB_CALL_LEN {
            return Err(HeaderError::BadField("stub stride"));
        }
        if h.stub_count == 0 || h.stub_count > 256 {
            return Err(HeaderError::BadField("stub count"));
        }
        let end = u64::from(h.stub_table) + u64::from(h.stub_stride) * u64::from(h.stub_count);
        if h.stub_table < crate::ROM_BASE
            || end > u64::from(crate::ROM_BASE) + crate::ROM_SIZE as u64
        {
            return Err(HeaderError::BadField("stub table address"));
        }
        if !(crate::ROM_BASE..crate::ROM_BASE + crate::ROM_SIZE as u32).contains(&h.private_trap) {
            return Err(HeaderError::BadField("private trap address"));
        }
        // The stubs' near calls reach it within segment F000h, with room
        // for the trap and its IRET (or a near jump over them).
        if !(crate::ROM_BASE..crate::ROM_BASE + crate::ROM_SIZE as u32 - 4).contains(&h.trap_entry)
        {
            return Err(HeaderError::BadField("trap entry address"));
        }
        if !(crate::rom::RUNTIME16..crate::rom::STUB_TABLE).contains(&h.mailbox_entry) {
            return Err(HeaderError::BadField("mailbox entry"));
        }
        if h.pci_entry != 0 && h.pci_entry < crate::rom::POST32 {
            return Err(HeaderError::BadField("PCI BIOS entry"));
        }
        Ok(h)
    }

    /// The interrupt vector whose stub starts at linear address `stub`:
    /// a stub-table slot or a compatibility entry point. `None` for any
    /// other address.
    pub fn vector_of_stub(&self, stub: u64) -> Option<u8> {
        for (v, off) in crate::COMPAT_STUBS {
            if stub == u64::from(crate::ROM_BASE) + u64::from(off) {
                return Some(v);
            }
        }
        let rel = stub.checked_sub(u64::from(self.stub_table))?;
        let stride = u64::from(self.stub_stride);
        if rel % stride != 0 || rel / stride >= u64::from(self.stub_count) {
            return None;
        }
        u8::try_from(rel / stride).ok()
    }

    /// The interrupt vector of a BIOS call stopped at the trap entry, from
    /// the return address its stub's near call pushed (`ret`, an offset in
    /// the caller's code segment, whose base is `cs_base`). `None` when the
    /// entry was reached some other way than from a stub.
    pub fn vector_of_return(&self, cs_base: u64, ret: u16) -> Option<u8> {
        let stub = ret.checked_sub(crate::STUB_CALL_LEN)?;
        self.vector_of_stub(cs_base.wrapping_add(u64::from(stub)))
    }

    /// Linear addresses of every trap instruction in the ROM: the trap
    /// entry every stub calls, then the private-service trap.
    pub fn trap_sites(&self) -> [u32; 2] {
        [self.trap_entry, self.private_trap]
    }

    /// Whether `linear_rip` is the address of a trap instruction (one of
    /// [`RomHeader::trap_sites`]), as opposed to a point past one.
    pub fn is_trap_site(&self, linear_rip: u64) -> bool {
        u32::try_from(linear_rip).is_ok_and(|a| self.trap_sites().contains(&a))
    }

    /// Whether `linear_rip`, at a trap instruction or just past it, is a
    /// stub's call: the trap entry.
    pub fn is_call_trap(&self, linear_rip: u64) -> bool {
        let site = u64::from(self.trap_entry);
        linear_rip == site || linear_rip == site + self.trap_kind.bytes().len() as u64
    }

    /// Linear address of the trap instruction that serves `vector` (its
    /// compatibility entry point, if it has one).
    pub fn stub_address(&self, vector: u8) -> u32 {
        match crate::compat_stub(vector) {
            Some(off) => crate::ROM_BASE + u32::from(off),
            None => self.stub_table + u32::from(vector) * u32::from(self.stub_stride),
        }
    }
}

/// Sum of all bytes modulo 256 (a valid ROM sums to zero).
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

/// The byte that makes `bytes` plus itself sum to zero (the checksum byte
/// of BIOS tables: EDD device paths, MP and ACPI tables).
pub fn checksum_byte(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(checksum(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[..8].copy_from_slice(MAGIC);
        b[8..10].copy_from_slice(&crate::ABI_VERSION.to_le_bytes());
        b[10..12].copy_from_slice(&(HEADER_SIZE as u16).to_le_bytes());
        b[12..16].copy_from_slice(&(crate::ROM_SIZE as u32).to_le_bytes());
        b[16..20].copy_from_slice(&0xF0400u32.to_le_bytes());
        b[20..22].copy_from_slice(&4u16.to_le_bytes());
        b[22..24].copy_from_slice(&256u16.to_le_bytes());
        b[25] = crate::TRAP_PORT;
        b[28..32].copy_from_slice(&0xF0090u32.to_le_bytes());
        b[32..36].copy_from_slice(&0xF0040u32.to_le_bytes());
        b[36..38].copy_from_slice(&0x0043u16.to_le_bytes());
        b
    }

    #[test]
    fn parses_and_decodes_vectors() {
        let h = RomHeader::parse(&sample()).unwrap();
        assert_eq!(h.trap_kind, TrapKind::Out);
        assert_eq!(h.vector_of_stub(0xF0400), Some(0));
        assert_eq!(h.vector_of_stub(0xF0400 + 0x13 * 4), Some(0x13));
        assert_eq!(h.vector_of_stub(0xF0400 + 0x13 * 4 + 2), None);
        assert_eq!(h.vector_of_stub(0xF0400 + 0x400), None);
        assert_eq!(h.vector_of_stub(0xF03FC), None);
        assert_eq!(
            h.vector_of_stub(0xFE3FE),
            Some(0x13),
            "INT 13h at F000:E3FE"
        );
        assert_eq!(
            h.vector_of_stub(0xFE6F2),
            Some(0x19),
            "INT 19h at F000:E6F2"
        );
        // The return address a stub's call pushes, in F000h or an alias.
        assert_eq!(h.vector_of_return(0xF0000, 0x0400 + 3), Some(0));
        assert_eq!(h.vector_of_return(0xF0000, 0xE3FE + 3), Some(0x13));
        assert_eq!(h.vector_of_return(0xFE000, 0x03FE + 3), Some(0x13));
        assert_eq!(h.vector_of_return(0xF0000, 0xE3FE), None);
        assert_eq!(h.vector_of_return(0xF0000, 2), None, "no wrap below 0");
        assert_eq!(h.vector_of_return(0, 0x7C03), None);
        assert_eq!(h.stub_address(0x13), 0xFE3FE);
        assert_eq!(h.stub_address(0x20), 0xF0400 + 0x20 * 4);
        assert_eq!(h.trap_sites(), [0xF0040, 0xF0090], "two sites in all");
        assert!(h.is_call_trap(0xF0040) && h.is_call_trap(0xF0042));
        assert!(!h.is_call_trap(0xF0090) && !h.is_call_trap(0xF0041));
        assert_eq!(h.mailbox_entry, 0x0043);
        for site in h.trap_sites() {
            assert!(h.is_trap_site(u64::from(site)), "{site:#x}");
            assert!(!h.is_trap_site(u64::from(site) + 2), "{site:#x} + 2");
        }
        assert!(!h.is_trap_site(0xF0400));
        assert!(!h.is_trap_site(0x1_0000_0000 + 0xF0040));
    }

    #[test]
    fn rejects_bad_headers() {
        let mut b = sample();
        b[0] = b'X';
        assert_eq!(RomHeader::parse(&b), Err(HeaderError::BadMagic));
        let mut b = sample();
        b[8] = 99;
        assert_eq!(RomHeader::parse(&b), Err(HeaderError::AbiVersion(99)));
        let mut b = sample();
        b[24] = 7;
        assert_eq!(
            RomHeader::parse(&b),
            Err(HeaderError::BadField("trap kind"))
        );
        let mut b = sample();
        b[16..20].copy_from_slice(&0xFFFF0u32.to_le_bytes());
        assert!(RomHeader::parse(&b).is_err());
        assert_eq!(RomHeader::parse(&b[..10]), Err(HeaderError::TooShort));
        let mut b = sample();
        b[28..32].copy_from_slice(&0x7C00u32.to_le_bytes());
        assert_eq!(
            RomHeader::parse(&b),
            Err(HeaderError::BadField("private trap address"))
        );
        for bad in [0u32, 0xFFFFE] {
            let mut b = sample();
            b[32..36].copy_from_slice(&bad.to_le_bytes());
            assert_eq!(
                RomHeader::parse(&b),
                Err(HeaderError::BadField("trap entry address"))
            );
        }
        let mut b = sample();
        b[36..38].copy_from_slice(&0xFFFFu16.to_le_bytes());
        assert_eq!(
            RomHeader::parse(&b),
            Err(HeaderError::BadField("mailbox entry"))
        );
    }
}
