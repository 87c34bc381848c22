//! The guest's physical memory layout and the E820 map derived from it.

use thiserror::Error;

/// Bytes in a KiB / MiB / GiB.
pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;

/// Top of conventional memory: 640 KiB.
pub const CONVENTIONAL_TOP: u64 = 0xA_0000;
/// EBDA: the last KiB of conventional memory (segment 9FC0h), as SeaBIOS.
pub const EBDA_BASE: u64 = 0x9_FC00;
/// Size of the EBDA in KiB.
pub const EBDA_KIB: u16 = 1;
/// Monochrome text video memory (mode 07h), the start of the text mapping.
pub const MONO_TEXT_BASE: u64 = 0xB_0000;
/// Colour text video memory (modes 00h-03h).
pub const VGA_TEXT_BASE: u64 = 0xB_8000;
/// Size of the text video memory mapped as RAM: B0000h-BFFFFh.
pub const VGA_TEXT_SIZE: u64 = 0x1_0000;
/// Start of extended memory.
pub const HIGH_MEMORY: u64 = MIB;
/// Start of the 32-bit PCI hole: RAM beyond this goes above 4 GiB.
pub const PCI_HOLE_START: u64 = 3 * GIB;
/// Start of RAM above 4 GiB.
pub const HIGH_RAM_START: u64 = 4 * GIB;
/// KVM's identity-map page (KVM_SET_IDENTITY_MAP_ADDR), as QEMU places it.
pub const KVM_IDENTITY_MAP: u64 = 0xFEFF_C000;
/// KVM's real-mode TSS (KVM_SET_TSS_ADDR, three pages), right after it.
pub const KVM_TSS: u64 = 0xFEFF_D000;
/// End of the pages reserved for KVM.
pub const KVM_RESERVED_END: u64 = 0xFF00_0000;
/// Size of the range at the top of RAM below 4 GiB that holds the MP and
/// ACPI tables (reserved in the E820 map; see `platform`).
pub const TABLES_SIZE: u64 = 64 * KIB;
/// Smallest guest RAM pbios accepts.
pub const MIN_MEM: u64 = 2 * MIB;
/// Largest guest RAM pbios accepts.
pub const MAX_MEM: u64 = 1024 * GIB;

/// E820 address range types (ACPI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum E820Type {
    Ram = 1,
    Reserved = 2,
}

/// One E820 entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct E820Entry {
    pub base: u64,
    pub length: u64,
    pub kind: E820Type,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MemError {
    #[error("guest memory of {0} bytes is too small (at least 2 MiB)")]
    TooSmall(u64),
    #[error("guest memory of {0} bytes is too large (at most 1 TiB)")]
    TooLarge(u64),
}

/// Where guest RAM is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryMap {
    /// Total guest RAM in bytes.
    pub total: u64,
    /// End of RAM that starts at 1 MiB (below the PCI hole).
    pub low_top: u64,
    /// Bytes of RAM at 4 GiB and up.
    pub high_size: u64,
    e820: Vec<E820Entry>,
}

impl MemoryMap {
    /// Lays out `total` bytes of RAM: 640 KiB conventional, the rest from
    /// 1 MiB up to the PCI hole at 3 GiB, the remainder above 4 GiB. The 384
    /// KiB between 640 KiB and 1 MiB are not RAM (the text buffer is mapped
    /// separately).
    pub fn new(total: u64) -> Result<MemoryMap, MemError> {
        if total < MIN_MEM {
            return Err(MemError::TooSmall(total));
        }
        if total > MAX_MEM {
            return Err(MemError::TooLarge(total));
        }
        let above_1m = total - MIB;
        let low_top = (HIGH_MEMORY + above_1m).min(PCI_HOLE_START);
        let high_size = HIGH_MEMORY + above_1m - low_top;
        let mut e820 = vec![
            E820Entry {
                base: 0,
                length: EBDA_BASE,
                kind: E820Type::Ram,
            },
            E820Entry {
                base: EBDA_BASE,
                length: CONVENTIONAL_TOP - EBDA_BASE,
                kind: E820Type::Reserved,
            },
            E820Entry {
                base: u64::from(abi::ROM_BASE),
                length: abi::ROM_SIZE as u64,
                kind: E820Type::Reserved,
            },
            E820Entry {
                base: HIGH_MEMORY,
                length: low_top - TABLES_SIZE - HIGH_MEMORY,
                kind: E820Type::Ram,
            },
            E820Entry {
                base: low_top - TABLES_SIZE,
                length: TABLES_SIZE,
                kind: E820Type::Reserved,
            },
            E820Entry {
                base: KVM_IDENTITY_MAP,
                length: KVM_RESERVED_END - KVM_IDENTITY_MAP,
                kind: E820Type::Reserved,
            },
            E820Entry {
                base: abi::ROM_HIGH_BASE,
                length: abi::ROM_SIZE as u64,
                kind: E820Type::Reserved,
            },
        ];
        if high_size > 0 {
            e820.push(E820Entry {
                base: HIGH_RAM_START,
                length: high_size,
                kind: E820Type::Ram,
            });
        }
        Ok(MemoryMap {
            total,
            low_top,
            high_size,
            e820,
        })
    }

    /// The E820 map: sorted by base, non-overlapping.
    pub fn e820(&self) -> &[E820Entry] {
        &self.e820
    }

    /// RAM ranges `(base, size)` to back with host memory.
    pub fn ram_ranges(&self) -> Vec<(u64, usize)> {
        let mut r = vec![
            (0, CONVENTIONAL_TOP as usize),
            (MONO_TEXT_BASE, VGA_TEXT_SIZE as usize),
            (HIGH_MEMORY, (self.low_top - HIGH_MEMORY) as usize),
        ];
        if self.high_size > 0 {
            r.push((HIGH_RAM_START, self.high_size as usize));
        }
        r
    }

    /// Where the platform tables (MP, ACPI) go: the last [`TABLES_SIZE`]
    /// bytes of RAM below the PCI hole, reserved in the E820 map.
    pub fn tables_base(&self) -> u64 {
        self.low_top - TABLES_SIZE
    }

    /// Conventional memory below the EBDA, in KiB (INT 12h): 639.
    pub fn base_mem_kib(&self) -> u16 {
        (EBDA_BASE / KIB) as u16
    }
}

/// Parses a memory size: bytes, or a number with K, M, G or T (binary).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], KIB),
        (i, 'm' | 'M') => (&s[..i], MIB),
        (i, 'g' | 'G') => (&s[..i], GIB),
        (i, 't' | 'T') => (&s[..i], 1024 * GIB),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_sorted(m: &MemoryMap) {
        for w in m.e820().windows(2) {
            assert!(
                w[0].base + w[0].length <= w[1].base,
                "{:?} overlaps {:?}",
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn small_machine() {
        let m = MemoryMap::new(128 * MIB).unwrap();
        check_sorted(&m);
        assert_eq!(m.low_top, 128 * MIB);
        assert_eq!(m.high_size, 0);
        assert_eq!(
            m.e820()[0],
            E820Entry {
                base: 0,
                length: 0x9FC00,
                kind: E820Type::Ram
            }
        );
        assert_eq!(
            m.e820()[3],
            E820Entry {
                base: MIB,
                length: 127 * MIB - TABLES_SIZE,
                kind: E820Type::Ram
            }
        );
        assert_eq!(
            m.e820()[4],
            E820Entry {
                base: 128 * MIB - TABLES_SIZE,
                length: TABLES_SIZE,
                kind: E820Type::Reserved
            }
        );
        assert_eq!(m.base_mem_kib(), 639);
        let ram: u64 = m.ram_ranges().iter().map(|r| r.1 as u64).sum();
        assert_eq!(ram, 128 * MIB - 384 * KIB + VGA_TEXT_SIZE);
    }

    #[test]
    fn big_machine_has_a_hole() {
        let m = MemoryMap::new(6 * GIB).unwrap();
        check_sorted(&m);
        assert_eq!(m.low_top, 3 * GIB);
        assert_eq!(m.high_size, 3 * GIB);
        assert_eq!(m.e820().last().unwrap().base, 4 * GIB);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128M"), Some(128 * MIB));
        assert_eq!(parse_size("2g"), Some(2 * GIB));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(MemoryMap::new(MIB), Err(MemError::TooSmall(MIB)));
    }
}
