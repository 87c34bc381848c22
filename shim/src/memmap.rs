//! The guest's physical memory layout and the E820 map derived from it.

use thiserror::Error;

/// Bytes in a KiB.
pub const KIB: u64 = 1024;
/// Bytes in a MiB.
pub const MIB: u64 = 1024 * KIB;
/// Bytes in a GiB.
pub const GIB: u64 = 1024 * MIB;

pub use abi::layout::{
    CONVENTIONAL_TOP, EBDA_BASE, EBDA_KIB, HIGH_MEMORY, HIGH_RAM_START, KVM_IDENTITY_MAP,
    KVM_RESERVED_END, KVM_TSS, MONO_TEXT_BASE, PCI_HOLE_START, VGA_TEXT_BASE, VGA_TEXT_SIZE,
    VGA_WINDOW_BASE, VGA_WINDOW_SIZE,
};

/// Size of the VBE linear framebuffer: enough for 1920x1080 at 32 bpp.
pub const FRAMEBUFFER_SIZE: u64 = 8 * MIB;
/// The smallest machine that gets a framebuffer in its RAM (the default
/// layout): below this, VBE offers no modes and all RAM stays usable.
pub const FRAMEBUFFER_MIN_MEM: u64 = 32 * MIB;

/// Size of the range that holds the MP and ACPI tables (reserved in the
/// E820 map; see `platform`): by default the top of RAM below 4 GiB.
pub const TABLES_SIZE: u64 = 64 * KIB;
/// Smallest guest RAM pbios accepts.
pub const MIN_MEM: u64 = 2 * MIB;
/// Largest guest RAM pbios accepts.
pub const MAX_MEM: u64 = 1024 * GIB;

/// E820 address range types (ACPI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum E820Type {
    /// Usable RAM (type 1).
    Ram = 1,
    /// Reserved (type 2): firmware, tables, MMIO.
    Reserved = 2,
}

/// One E820 entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct E820Entry {
    /// First byte.
    pub base: u64,
    /// Length in bytes.
    pub length: u64,
    /// What the range is.
    pub kind: E820Type,
}

/// Why a memory layout was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MemError {
    /// Less than [`MIN_MEM`].
    #[error("guest memory of {0} bytes is too small (at least 2 MiB)")]
    TooSmall(u64),
    /// More than [`MAX_MEM`].
    #[error("guest memory of {0} bytes is too large (at most 1 TiB)")]
    TooLarge(u64),
    /// Not a whole number of 4 KiB pages (it could not be mapped).
    #[error("guest memory of {0} bytes is not a whole number of 4 KiB pages")]
    Unaligned(u64),
    /// A custom layout's E820 entries overlap or are out of order.
    #[error("E820 entry at {0:#x} overlaps the one before it or is out of order")]
    E820Order(u64),
    /// A custom layout lacks RAM where the BIOS keeps its data.
    #[error("guest RAM must cover conventional memory (0-9FFFFh)")]
    NoConventionalMemory,
    /// The table range is not RAM reserved in the E820 map.
    #[error("the platform tables at {0:#x} must be 16-byte aligned RAM, reserved in the E820 map, between 1 MiB and 4 GiB")]
    TablesPlacement(u64),
    /// A RAM range is empty, not page-aligned, or wraps around.
    #[error("guest RAM range at {0:#x} is empty, not 4 KiB-aligned, or wraps")]
    BadRamRange(u64),
    /// Two RAM ranges overlap.
    #[error("guest RAM range at {0:#x} overlaps another")]
    RamOverlap(u64),
    /// RAM where the ROM or KVM's pages must be.
    #[error(
        "guest RAM range at {0:#x} covers the ROM (F0000h, FFFF0000h) or KVM's pages (FEFFC000h)"
    )]
    RamOverFirmware(u64),
    /// An E820 RAM entry with no RAM behind it.
    #[error("E820 RAM entry at {0:#x} is not backed by a RAM range")]
    E820NotBacked(u64),
    /// A framebuffer that is not reserved RAM below 4 GiB clear of the tables.
    #[error("the framebuffer at {0:#x} must be page-aligned RAM below 4 GiB, reserved in the E820 map and clear of the platform tables")]
    Framebuffer(u64),
    /// The EBDA listed as usable RAM.
    #[error("the EBDA (9FC00h-9FFFFh) must not be usable RAM in the E820 map")]
    EbdaNotReserved,
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
    ram: Vec<(u64, usize)>,
    tables_base: u64,
    framebuffer: Option<(u64, u64)>,
}

impl MemoryMap {
    /// Lays out `total` bytes of RAM: 640 KiB conventional, the rest from
    /// 1 MiB up to the PCI hole at 3 GiB, the remainder above 4 GiB. The 384
    /// KiB between 640 KiB and 1 MiB are not RAM, except VGA's window
    /// (A0000h-BFFFFh, mapped separately). From [`FRAMEBUFFER_MIN_MEM`] up,
    /// the [`FRAMEBUFFER_SIZE`] bytes right below the platform tables are
    /// VBE's linear framebuffer, reserved in the E820 map.
    pub fn new(total: u64) -> Result<MemoryMap, MemError> {
        if total < MIN_MEM {
            return Err(MemError::TooSmall(total));
        }
        if total > MAX_MEM {
            return Err(MemError::TooLarge(total));
        }
        if !total.is_multiple_of(4 * KIB) {
            return Err(MemError::Unaligned(total));
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
        let tables_base = low_top - TABLES_SIZE;
        let framebuffer = (total >= FRAMEBUFFER_MIN_MEM)
            .then(|| (tables_base - FRAMEBUFFER_SIZE, FRAMEBUFFER_SIZE));
        let ram_end = framebuffer.map_or(tables_base, |f| f.0);
        let mut below_tables = vec![E820Entry {
            base: HIGH_MEMORY,
            length: ram_end - HIGH_MEMORY,
            kind: E820Type::Ram,
        }];
        if let Some((fb, size)) = framebuffer {
            below_tables.push(E820Entry {
                base: fb,
                length: size,
                kind: E820Type::Reserved,
            });
        }
        below_tables.push(E820Entry {
            base: tables_base,
            length: TABLES_SIZE,
            kind: E820Type::Reserved,
        });
        e820.splice(3..4, below_tables);
        if high_size > 0 {
            e820.push(E820Entry {
                base: HIGH_RAM_START,
                length: high_size,
                kind: E820Type::Ram,
            });
        }
        let mut ram = vec![
            (0, CONVENTIONAL_TOP as usize),
            (VGA_WINDOW_BASE, VGA_WINDOW_SIZE as usize),
            (HIGH_MEMORY, (low_top - HIGH_MEMORY) as usize),
        ];
        if high_size > 0 {
            ram.push((HIGH_RAM_START, high_size as usize));
        }
        Ok(MemoryMap {
            total,
            low_top,
            high_size,
            e820,
            ram,
            tables_base,
            framebuffer,
        })
    }

    /// This layout with VBE's linear framebuffer at `base`, `size` bytes:
    /// RAM reserved in the E820 map, below 4 GiB, 4 KiB aligned, clear of
    /// the platform tables. An embedder's [`MemoryMap::custom`] layout has
    /// none until this is called (VBE then offers no modes).
    pub fn with_framebuffer(mut self, base: u64, size: u64) -> Result<MemoryMap, MemError> {
        let end = base.checked_add(size).ok_or(MemError::Framebuffer(base))?;
        let backed = self
            .ram
            .iter()
            .any(|&(b, s)| b <= base && end <= b + s as u64);
        let reserved = self.e820.iter().any(|e| {
            e.kind == E820Type::Reserved && e.base <= base && end <= e.base.saturating_add(e.length)
        });
        let clear = end <= self.tables_base || self.tables_base + TABLES_SIZE <= base;
        if size == 0
            || !base.is_multiple_of(4 * KIB)
            || end > HIGH_RAM_START
            || !backed
            || !reserved
            || !clear
        {
            return Err(MemError::Framebuffer(base));
        }
        self.framebuffer = Some((base, size));
        Ok(self)
    }

    /// VBE's linear framebuffer: its address and size, if this machine has
    /// one.
    pub fn framebuffer(&self) -> Option<(u64, u64)> {
        self.framebuffer
    }

    /// An embedder's own layout: the RAM ranges `(base, size)` it backs
    /// (the guest memory it gives pbios must hold exactly these), the E820
    /// map INT 15h AX=E820h reports (sorted, non-overlapping), and where
    /// the [`TABLES_SIZE`] bytes of MP and ACPI tables go (RAM below 4 GiB,
    /// reserved in `e820`). RAM must cover conventional memory (0-9FFFFh:
    /// the IVT, the BDA and the EBDA at [`EBDA_BASE`]).
    pub fn custom(
        mut ram: Vec<(u64, u64)>,
        e820: Vec<E820Entry>,
        tables_base: u64,
    ) -> Result<MemoryMap, MemError> {
        const PAGE: u64 = 4 * KIB;
        let overlaps = |a: u64, a_end: u64, b: u64, b_end: u64| a < b_end && b < a_end;
        let firmware = [
            (
                u64::from(abi::ROM_BASE),
                u64::from(abi::ROM_BASE) + abi::ROM_SIZE as u64,
            ),
            (KVM_IDENTITY_MAP, KVM_RESERVED_END),
            (abi::ROM_HIGH_BASE, HIGH_RAM_START),
        ];
        ram.sort_unstable();
        let mut prev_end = 0;
        for (i, &(base, size)) in ram.iter().enumerate() {
            let end = match base.checked_add(size) {
                Some(end) if size > 0 && base.is_multiple_of(PAGE) && size.is_multiple_of(PAGE) => {
                    end
                }
                _ => return Err(MemError::BadRamRange(base)),
            };
            if usize::try_from(size).is_err() {
                return Err(MemError::BadRamRange(base));
            }
            if i > 0 && base < prev_end {
                return Err(MemError::RamOverlap(base));
            }
            if firmware
                .iter()
                .any(|&(f, f_end)| overlaps(base, end, f, f_end))
            {
                return Err(MemError::RamOverFirmware(base));
            }
            prev_end = end;
        }
        let covered = |base: u64, len: u64| {
            ram.iter()
                .any(|&(b, s)| b <= base && base.saturating_add(len) <= b + s)
        };
        if !covered(0, CONVENTIONAL_TOP) {
            return Err(MemError::NoConventionalMemory);
        }
        let mut end = 0;
        for (i, e) in e820.iter().enumerate() {
            let Some(e_end) = e.base.checked_add(e.length) else {
                return Err(MemError::E820Order(e.base));
            };
            if i > 0 && e.base < end {
                return Err(MemError::E820Order(e.base));
            }
            if e.kind == E820Type::Ram {
                if !covered(e.base, e.length) {
                    return Err(MemError::E820NotBacked(e.base));
                }
                if overlaps(e.base, e_end, EBDA_BASE, CONVENTIONAL_TOP) {
                    return Err(MemError::EbdaNotReserved);
                }
            }
            end = e_end;
        }
        let reserved = e820.iter().any(|e| {
            e.kind == E820Type::Reserved
                && e.base <= tables_base
                && tables_base.saturating_add(TABLES_SIZE) <= e.base.saturating_add(e.length)
        });
        if tables_base < HIGH_MEMORY
            || !tables_base.is_multiple_of(16)
            || !covered(tables_base, TABLES_SIZE)
            || !reserved
            || tables_base.saturating_add(TABLES_SIZE) > HIGH_RAM_START
        {
            return Err(MemError::TablesPlacement(tables_base));
        }
        let low_top = ram
            .iter()
            .filter(|r| r.0 <= HIGH_MEMORY && HIGH_MEMORY < r.0 + r.1)
            .map(|r| (r.0 + r.1).min(HIGH_RAM_START))
            .max()
            .unwrap_or(HIGH_MEMORY);
        // Disjoint ranges: the sum cannot pass 2^64, but stay safe.
        let high_size = ram
            .iter()
            .map(|&(b, s)| (b + s).saturating_sub(b.max(HIGH_RAM_START)))
            .fold(0u64, u64::saturating_add);
        Ok(MemoryMap {
            // As for the default layout: the RAM a PC of this shape has,
            // counting the legacy hole below 1 MiB.
            total: low_top.saturating_add(high_size),
            low_top,
            high_size,
            e820,
            ram: ram.into_iter().map(|(b, s)| (b, s as usize)).collect(),
            tables_base,
            framebuffer: None,
        })
    }

    /// Whether this is pbios's default layout for its RAM size
    /// ([`MemoryMap::new`]), the one QEMU's `-m` also builds.
    pub fn is_default(&self) -> bool {
        MemoryMap::new(self.total).as_ref() == Ok(self)
    }

    /// Top of the RAM that starts at 1 MiB and is usable, below the
    /// platform tables (INT 15h E801h and 88h).
    pub fn extended_top(&self) -> u64 {
        let fb = self.framebuffer.map_or(u64::MAX, |f| f.0);
        self.tables_base.min(fb).min(self.low_top).max(HIGH_MEMORY)
    }

    /// The E820 map: sorted by base, non-overlapping.
    pub fn e820(&self) -> &[E820Entry] {
        &self.e820
    }

    /// RAM ranges `(base, size)` to back with host memory.
    pub fn ram_ranges(&self) -> Vec<(u64, usize)> {
        self.ram.clone()
    }

    /// Where the platform tables (MP, ACPI) go: [`TABLES_SIZE`] bytes
    /// reserved in the E820 map (by default the last bytes of RAM below the
    /// PCI hole).
    pub fn tables_base(&self) -> u64 {
        self.tables_base
    }

    /// Conventional memory below the EBDA, in KiB (INT 12h): 639.
    pub fn base_mem_kib(&self) -> u16 {
        (EBDA_BASE / KIB) as u16
    }
}

/// Parses a guest memory size as QEMU's `-m` does: a bare number is MiB,
/// or a number (fractions allowed: `1.5G`) with a K, M, G or T suffix
/// (binary), optionally followed by B. The result is in bytes, rounded
/// down; whether it is whole pages is for [`MemoryMap::new`] to say.
pub fn parse_mem_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s
        .strip_suffix(['b', 'B'])
        .filter(|r| !r.is_empty())
        .unwrap_or(s);
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], KIB),
        (i, 'm' | 'M') => (&s[..i], MIB),
        (i, 'g' | 'G') => (&s[..i], GIB),
        (i, 't' | 'T') => (&s[..i], 1024 * GIB),
        _ => (s, MIB),
    };
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) => (w, f),
        None => (num, ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut bytes = whole.checked_mul(mult)?;
    if !frac.is_empty() {
        let digits: u64 = frac.parse().ok()?;
        let scale = 10u64.pow(frac.len() as u32);
        let part = u128::from(digits) * u128::from(mult) / u128::from(scale);
        bytes = bytes.checked_add(u64::try_from(part).ok()?)?;
    }
    Some(bytes)
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
        // RAM to the framebuffer, 8 MiB right below the tables, the tables.
        let fb = 120 * MIB - TABLES_SIZE;
        assert_eq!(m.framebuffer(), Some((fb, FRAMEBUFFER_SIZE)));
        let want = [
            (MIB, fb - MIB, E820Type::Ram),
            (fb, FRAMEBUFFER_SIZE, E820Type::Reserved),
            (128 * MIB - TABLES_SIZE, TABLES_SIZE, E820Type::Reserved),
        ];
        for (i, (base, length, kind)) in want.into_iter().enumerate() {
            assert_eq!(m.e820()[3 + i], E820Entry { base, length, kind });
        }
        assert_eq!(m.extended_top(), fb);
        assert_eq!(m.base_mem_kib(), 639);
        let ram: u64 = m.ram_ranges().iter().map(|r| r.1 as u64).sum();
        assert_eq!(ram, 128 * MIB - 384 * KIB + VGA_WINDOW_SIZE);
        // A small machine keeps all its RAM.
        let small = MemoryMap::new(16 * MIB).unwrap();
        assert_eq!(small.framebuffer(), None);
        assert_eq!(small.extended_top(), 16 * MIB - TABLES_SIZE);
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
        // QEMU's -m: a bare number is MiB; fractions; an optional B.
        assert_eq!(parse_mem_size("512"), Some(512 * MIB));
        assert_eq!(parse_mem_size("1.5G"), Some(1536 * MIB));
        assert_eq!(parse_mem_size("128M"), Some(128 * MIB));
        assert_eq!(parse_mem_size("128MB"), Some(128 * MIB));
        assert_eq!(parse_mem_size("2g"), Some(2 * GIB));
        assert_eq!(parse_mem_size("0.5"), Some(MIB / 2));
        assert_eq!(parse_mem_size("65536k"), Some(64 * MIB));
        for bad in [
            "",
            "x",
            "1..5G",
            "-1",
            "1.5.5",
            "G",
            ".",
            "99999999999T",
            "1e9",
        ] {
            assert_eq!(parse_mem_size(bad), None, "{bad:?}");
        }
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(MemoryMap::new(MIB), Err(MemError::TooSmall(MIB)));
    }

    #[test]
    fn custom_layouts_are_checked() {
        let d = MemoryMap::new(256 * MIB).unwrap();
        let ram: Vec<(u64, u64)> = d.ram_ranges().iter().map(|&(b, s)| (b, s as u64)).collect();
        let (fb, fb_size) = d.framebuffer().unwrap();
        let same = MemoryMap::custom(ram.clone(), d.e820().to_vec(), d.tables_base())
            .unwrap()
            .with_framebuffer(fb, fb_size)
            .unwrap();
        assert_eq!(same, d, "the default layout is a valid custom one");
        // Tables in the middle of RAM, reserved there.
        let e820 = vec![
            E820Entry {
                base: 0,
                length: EBDA_BASE,
                kind: E820Type::Ram,
            },
            E820Entry {
                base: MIB,
                length: 15 * MIB,
                kind: E820Type::Ram,
            },
            E820Entry {
                base: 16 * MIB,
                length: TABLES_SIZE,
                kind: E820Type::Reserved,
            },
            E820Entry {
                base: 16 * MIB + TABLES_SIZE,
                length: 16 * MIB,
                kind: E820Type::Ram,
            },
        ];
        let ram = vec![(0, CONVENTIONAL_TOP), (MIB, 63 * MIB)];
        let m = MemoryMap::custom(ram.clone(), e820.clone(), 16 * MIB).unwrap();
        assert_eq!(
            (m.tables_base(), m.low_top, m.high_size),
            (16 * MIB, 64 * MIB, 0)
        );
        assert_eq!(
            MemoryMap::custom(ram.clone(), e820.clone(), 40 * MIB),
            Err(MemError::TablesPlacement(40 * MIB)),
            "not reserved"
        );
        let mut swapped = e820.clone();
        swapped.swap(1, 2);
        assert_eq!(
            MemoryMap::custom(ram.clone(), swapped, 16 * MIB),
            Err(MemError::E820Order(MIB))
        );
        assert_eq!(
            MemoryMap::custom(vec![(MIB, 63 * MIB)], e820.clone(), 16 * MIB),
            Err(MemError::NoConventionalMemory)
        );
        // Hostile layouts are refused, never a panic.
        assert_eq!(
            MemoryMap::custom(ram.clone(), e820.clone(), 0),
            Err(MemError::TablesPlacement(0)),
            "over the IVT"
        );
        let mut twice = ram.clone();
        twice.push((MIB, MIB));
        assert_eq!(
            MemoryMap::custom(twice, e820.clone(), 16 * MIB),
            Err(MemError::RamOverlap(MIB))
        );
        let high = vec![
            (0, CONVENTIONAL_TOP),
            (MIB, 63 * MIB),
            (u64::MAX - 0xFFF, 0x1000),
        ];
        assert_eq!(
            MemoryMap::custom(high, e820.clone(), 16 * MIB),
            Err(MemError::BadRamRange(u64::MAX - 0xFFF))
        );
        let mut rom = ram.clone();
        rom.push((0xF_0000, 0x1_0000));
        assert_eq!(
            MemoryMap::custom(rom, e820.clone(), 16 * MIB),
            Err(MemError::RamOverFirmware(0xF_0000))
        );
        let mut ebda = e820.clone();
        ebda[0].length = CONVENTIONAL_TOP;
        assert_eq!(
            MemoryMap::custom(ram.clone(), ebda, 16 * MIB),
            Err(MemError::EbdaNotReserved)
        );
        let mut unbacked = e820.clone();
        unbacked.push(E820Entry {
            base: 4 * GIB,
            length: GIB,
            kind: E820Type::Ram,
        });
        assert_eq!(
            MemoryMap::custom(ram.clone(), unbacked, 16 * MIB),
            Err(MemError::E820NotBacked(4 * GIB))
        );
        assert!(!m.is_default() && d.is_default());
        assert_eq!(m.extended_top(), 16 * MIB);
        assert_eq!(m.framebuffer(), None);
        assert_eq!(
            m.clone().with_framebuffer(2 * MIB, MIB),
            Err(MemError::Framebuffer(2 * MIB)),
            "usable RAM"
        );
        let mut e = e820.clone();
        e[1].length = 7 * MIB;
        e.insert(
            2,
            E820Entry {
                base: 8 * MIB,
                length: 8 * MIB,
                kind: E820Type::Reserved,
            },
        );
        let fb = MemoryMap::custom(ram.clone(), e, 16 * MIB)
            .unwrap()
            .with_framebuffer(8 * MIB, 8 * MIB)
            .unwrap();
        assert_eq!(fb.framebuffer(), Some((8 * MIB, 8 * MIB)));
        assert_eq!(fb.extended_top(), 8 * MIB);
    }
}
