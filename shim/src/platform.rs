//! The platform an operating system finds after the BIOS: the Intel MP 1.4
//! table (CPUs, the I/O APIC, the ISA interrupts) and, optionally, ACPI
//! tables (RSDP, XSDT, MADT, FADT, FACS and a DSDT with `_S5`) built with
//! rust-vmm's `acpi_tables` crate.
//!
//! The tables are plain bytes built once from the machine's shape and
//! written into guest RAM by INT 19h, just before the boot sector runs (so
//! a reset rewrites them). The two pointers an OS scans for, the MP
//! floating pointer and the RSDP, sit in the first KiB of the EBDA; the
//! tables they point at fill a reserved range at the top of RAM below
//! 4 GiB ([`MemoryMap::tables_base`]), marked reserved in the E820 map.
//!
//! Both describe the PC that both backends present: one I/O APIC at
//! FEC00000h whose ID follows the CPUs', ISA IRQ 0 on its input 2 (QEMU's
//! wiring, which the KVM backend copies), and ACPI's PM1a registers at
//! [`PM_BASE`], where QEMU's PIIX4 has them once POST enables them and
//! where the KVM backend answers them.

use crate::memmap::MemoryMap;
#[cfg(test)]
use crate::memmap::EBDA_BASE;
use abi::header::checksum_byte;
use acpi_tables::fadt::{FADTBuilder, Flags};
use acpi_tables::gas::{AccessSize, AddressSpace, GAS};
use acpi_tables::madt::{
    EnabledStatus, IoApic, LocalInterruptController, ProcessorLocalApic, MADT,
};
use acpi_tables::{aml, Aml, AmlSink};
use zerocopy::{Immutable, IntoBytes};

pub use abi::layout::{IOAPIC_ADDR, LAPIC_ADDR, MP_FLOATING_ADDR, RSDP_ADDR};
/// Inputs of that I/O APIC.
pub const IOAPIC_PINS: u8 = 24;
/// ACPI PM1a event block (status, enable) by default: QEMU's PIIX4 PM
/// base ([`Platform::pm_base`]).
pub const PM_BASE: u16 = abi::ACPI_PM_BASE;
/// ACPI PM1a control block, by default ([`Platform::pm1a_control`]).
pub const PM1A_CNT: u16 = PM_BASE + 4;
/// PM1 control: SLP_EN (ACPI 6.5, 4.8.3.2.1).
pub const SLP_EN: u16 = 1 << 13;
/// PM1 control: SLP_TYP's shift and mask.
pub const SLP_TYP_SHIFT: u16 = 10;
/// The `_S5` (soft off) sleep type pbios's DSDT gives, as QEMU's.
pub const S5_SLP_TYP: u16 = 0;
/// The reset control register (PIIX3 RC, port CF9h), by default
/// ([`Platform::reset_port`]).
pub const RESET_CONTROL_PORT: u16 = 0xCF9;
/// The value of FADT's RESET_REG: hard reset + system reset.
pub const RESET_VALUE: u8 = 0x06;
/// SCI's ISA IRQ (QEMU's PIIX4).
pub const SCI_IRQ: u8 = 9;
/// OEM ID in every table.
const OEM_ID: [u8; 6] = *b"PBIOS ";
const OEM_TABLE_ID: [u8; 8] = *b"PBIOSVM ";

/// The machine's shape, as far as the tables care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// CPUs: the BSP (APIC ID 0) and APs with IDs 1..cpus.
    pub cpus: u8,
    /// Whether to publish ACPI tables (the MP table is always there).
    pub acpi: bool,
    /// I/O base of the ACPI PM1a event block (status, enable); the control
    /// block follows 4 bytes on. The FADT points here and pbios's
    /// [`crate::ports::PlatformPorts`] answer here. The TCG backend keeps
    /// QEMU's [`PM_BASE`].
    pub pm_base: u16,
    /// The reset control register the FADT names (RESET_REG) and
    /// [`crate::ports::PlatformPorts`] answer.
    pub reset_port: u16,
    /// SMBIOS type 1's identity (manufacturer, product, serial, ...).
    pub system: crate::smbios::SystemInfo,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform {
            cpus: 1,
            acpi: true,
            pm_base: PM_BASE,
            reset_port: RESET_CONTROL_PORT,
            system: crate::smbios::SystemInfo::default(),
        }
    }
}

impl Platform {
    /// `cpus` CPUs, ACPI on or off, the default ports.
    pub fn new(cpus: u8, acpi: bool) -> Platform {
        Platform {
            cpus,
            acpi,
            ..Platform::default()
        }
    }

    /// This platform with `cpus` kept to 1..=[`MAX_CPUS`], as the tables,
    /// the backends and the CMOS all describe it.
    pub fn clamped(self) -> Platform {
        Platform {
            cpus: self.cpus.clamp(1, MAX_CPUS),
            ..self
        }
    }

    /// The PM1a control block's port.
    pub fn pm1a_control(&self) -> u16 {
        self.pm_base.wrapping_add(4)
    }
}

/// Most CPUs pbios describes: the I/O APIC takes the next APIC ID, and
/// xAPIC IDs are 8 bits with FFh meaning "all".
pub const MAX_CPUS: u8 = 64;

/// One table: where it goes and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// Guest physical address.
    pub addr: u64,
    /// The table's bytes.
    pub bytes: Vec<u8>,
}

/// The I/O APIC's ID: the first after the CPUs'.
pub fn ioapic_id(p: &Platform) -> u8 {
    p.cpus
}

/// ISA IRQ → I/O APIC input: IRQ 0 (the PIT) is wired to input 2, IRQ 2
/// (the cascade) to nothing, the rest to their own number.
pub fn isa_irq_pin(irq: u8) -> Option<u8> {
    match irq {
        0 => Some(2),
        2 => None,
        n if n < 16 => Some(n),
        _ => None,
    }
}

/// Builds every table for `platform` on `memmap`.
pub fn tables(platform: &Platform, memmap: &MemoryMap) -> Vec<Blob> {
    let base = memmap.tables_base();
    let mp_table_addr = base;
    let mut out = vec![
        Blob {
            addr: MP_FLOATING_ADDR,
            bytes: mp_floating_pointer(mp_table_addr as u32),
        },
        Blob {
            addr: mp_table_addr,
            bytes: mp_config_table(platform),
        },
    ];
    if platform.acpi {
        out.extend(acpi(platform, base + 0x1000));
    }
    // SMBIOS's structure table (its entry points are in the ROM).
    let smbios = crate::smbios::table(platform, memmap);
    if smbios.bytes.len() <= crate::smbios::TABLE_MAX {
        out.push(Blob {
            addr: base + crate::smbios::TABLE_OFFSET,
            bytes: smbios.bytes,
        });
    }
    out
}

/// MP 1.4, 4.1: the 16-byte floating pointer structure.
fn mp_floating_pointer(table: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(16);
    b.extend_from_slice(b"_MP_");
    b.extend_from_slice(&table.to_le_bytes());
    b.push(1); // length in paragraphs
    b.push(4); // spec revision 1.4
    b.push(0); // checksum
    b.extend_from_slice(&[0; 5]); // feature bytes: a table is present, no IMCR
    b[10] = checksum_byte(&b);
    b
}

/// MP 1.4, 4.2 and 4.3: the configuration table.
fn mp_config_table(p: &Platform) -> Vec<u8> {
    let mut entries = Vec::new();
    let mut count = 0u16;
    // Processors (type 0): APIC ID = index, the first is the BSP.
    for id in 0..p.cpus {
        let mut e = vec![0u8, id, 0x14, if id == 0 { 0x03 } else { 0x01 }];
        e.extend_from_slice(&0x0000_0600_u32.to_le_bytes()); // family 6
        e.extend_from_slice(&0x0000_0201_u32.to_le_bytes()); // FPU, APIC
        e.extend_from_slice(&[0; 8]);
        entries.extend(e);
        count += 1;
    }
    // Bus 0: ISA (type 1).
    entries.extend_from_slice(&[1, 0]);
    entries.extend_from_slice(b"ISA   ");
    count += 1;
    // The I/O APIC (type 2), enabled.
    entries.extend_from_slice(&[2, ioapic_id(p), 0x11, 0x01]);
    entries.extend_from_slice(&IOAPIC_ADDR.to_le_bytes());
    count += 1;
    // I/O interrupt assignments (type 3): ISA IRQs, polarity and trigger
    // as the bus says.
    for irq in 0..16u8 {
        if let Some(pin) = isa_irq_pin(irq) {
            entries.extend_from_slice(&[3, 0, 0, 0, 0, irq, ioapic_id(p), pin]);
            count += 1;
        }
    }
    // The 8259's output on every CPU's LINT0 (ExtINT) and NMI on LINT1
    // (type 4), as POST programs the local APICs.
    entries.extend_from_slice(&[4, 3, 0, 0, 0, 0, 0xFF, 0]);
    entries.extend_from_slice(&[4, 1, 0, 0, 0, 0, 0xFF, 1]);
    count += 2;

    let mut t = Vec::with_capacity(44 + entries.len());
    t.extend_from_slice(b"PCMP");
    t.extend_from_slice(&((44 + entries.len()) as u16).to_le_bytes());
    t.push(4); // revision 1.4
    t.push(0); // checksum
    t.extend_from_slice(b"PBIOS   ");
    t.extend_from_slice(b"PBIOS VM    ");
    t.extend_from_slice(&0u32.to_le_bytes()); // no OEM table
    t.extend_from_slice(&0u16.to_le_bytes());
    t.extend_from_slice(&count.to_le_bytes());
    t.extend_from_slice(&LAPIC_ADDR.to_le_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]); // no extended table
    t.extend(entries);
    t[7] = checksum_byte(&t);
    t
}

/// MADT Interrupt Source Override (ACPI 6.5, 5.2.12.5).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, IntoBytes, Immutable)]
struct InterruptSourceOverride {
    r#type: u8,
    length: u8,
    bus: u8,
    source: u8,
    gsi: u32,
    flags: u16,
}

acpi_tables::aml_as_bytes!(InterruptSourceOverride);

/// MADT Local APIC NMI (ACPI 6.5, 5.2.12.7).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, IntoBytes, Immutable)]
struct LocalApicNmi {
    r#type: u8,
    length: u8,
    processor_uid: u8,
    flags: u16,
    lint: u8,
}

acpi_tables::aml_as_bytes!(LocalApicNmi);

/// MADT flags: PCAT_COMPAT, a pair of 8259s is present.
const MADT_PCAT_COMPAT: u32 = 1;
/// Offset of the MADT's flags.
const MADT_FLAGS_OFFSET: usize = 40;

fn bytes_of(t: &dyn Aml) -> Vec<u8> {
    let mut v = Vec::new();
    t.to_aml_bytes(&mut v);
    v
}

/// Rounds `n` up to a multiple of 64 (FACS alignment, and tidy tables).
fn align64(n: u64) -> u64 {
    (n + 63) & !63
}

/// The ACPI tables, laid out from `at` (the RSDP goes to [`RSDP_ADDR`]).
fn acpi(p: &Platform, at: u64) -> Vec<Blob> {
    // DSDT: just the \_S5 sleep object, so the OS can power off.
    let mut dsdt = acpi_tables::sdt::Sdt::new(*b"DSDT", 36, 2, OEM_ID, OEM_TABLE_ID, 1);
    let typ = S5_SLP_TYP as u8;
    let s5 = aml::Package::new(vec![&typ, &typ, &0u8, &0u8]);
    aml::Name::new("_S5_".into(), &s5).to_aml_bytes(&mut dsdt);
    let dsdt = dsdt.as_slice().to_vec();

    let facs = bytes_of(&acpi_tables::facs::FACS::new());

    let mut madt = MADT::new(
        OEM_ID,
        OEM_TABLE_ID,
        1,
        LocalInterruptController::Address(LAPIC_ADDR),
    );
    for id in 0..p.cpus {
        madt.add_structure(ProcessorLocalApic::new(id, id, EnabledStatus::Enabled));
    }
    madt.add_structure(IoApic::new(ioapic_id(p), IOAPIC_ADDR, 0));
    // IRQ 0 on GSI 2; the SCI level-triggered, active high (QEMU's PIIX4).
    madt.add_structure(InterruptSourceOverride {
        r#type: 2,
        length: 10,
        bus: 0,
        source: 0,
        gsi: 2,
        flags: 0,
    });
    madt.add_structure(InterruptSourceOverride {
        r#type: 2,
        length: 10,
        bus: 0,
        source: SCI_IRQ,
        gsi: u32::from(SCI_IRQ),
        flags: 0x000D,
    });
    madt.add_structure(LocalApicNmi {
        r#type: 4,
        length: 6,
        processor_uid: 0xFF,
        flags: 0,
        lint: 1,
    });
    let mut madt = bytes_of(&madt);
    madt[MADT_FLAGS_OFFSET..MADT_FLAGS_OFFSET + 4].copy_from_slice(&MADT_PCAT_COMPAT.to_le_bytes());
    madt[9] = 0;
    madt[9] = checksum_byte(&madt);

    let facs_addr = align64(at);
    let dsdt_addr = align64(facs_addr + facs.len() as u64);
    let madt_addr = align64(dsdt_addr + dsdt.len() as u64);
    let fadt_addr = align64(madt_addr + madt.len() as u64);

    let mut fadt = FADTBuilder::new(OEM_ID, OEM_TABLE_ID, 1)
        .dsdt_32(dsdt_addr as u32)
        .firmware_ctrl_32(facs_addr as u32)
        .flag(Flags::Wbinvd)
        .flag(Flags::ProcC1)
        .flag(Flags::PwrButton)
        .flag(Flags::SlpButton)
        .flag(Flags::ResetRegSup);
    fadt.sci_int = u16::from(SCI_IRQ).into();
    fadt.pm1a_evt_blk = u32::from(p.pm_base).into();
    fadt.pm1_evt_len = 4;
    fadt.pm1a_cnt_blk = u32::from(p.pm1a_control()).into();
    fadt.pm1_cnt_len = 2;
    // Legacy devices and an 8042 (IA-PC boot architecture flags, 5.2.9.3).
    fadt.iapc_boot_arch = 0x0003.into();
    fadt.reset_reg = GAS::new(
        AddressSpace::SystemIo,
        8,
        0,
        AccessSize::ByteAccess,
        u64::from(p.reset_port),
    );
    fadt.reset_value = RESET_VALUE;
    let fadt = bytes_of(&fadt.finalize());

    let xsdt_addr = align64(fadt_addr + fadt.len() as u64);
    let mut xsdt = acpi_tables::xsdt::XSDT::new(OEM_ID, OEM_TABLE_ID, 1);
    xsdt.add_entry(fadt_addr);
    xsdt.add_entry(madt_addr);
    let xsdt = bytes_of(&xsdt);
    let rsdp = bytes_of(&acpi_tables::rsdp::Rsdp::new(OEM_ID, xsdt_addr));

    vec![
        Blob {
            addr: facs_addr,
            bytes: facs,
        },
        Blob {
            addr: dsdt_addr,
            bytes: dsdt,
        },
        Blob {
            addr: madt_addr,
            bytes: madt,
        },
        Blob {
            addr: fadt_addr,
            bytes: fadt,
        },
        Blob {
            addr: xsdt_addr,
            bytes: xsdt,
        },
        Blob {
            addr: RSDP_ADDR,
            bytes: rsdp,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memmap::MIB;

    fn sum(b: &[u8]) -> u8 {
        b.iter().fold(0u8, |a, x| a.wrapping_add(*x))
    }

    fn find<'a>(t: &'a [Blob], sig: &[u8]) -> &'a Blob {
        t.iter().find(|b| b.bytes.starts_with(sig)).unwrap()
    }

    #[test]
    fn mp_table_lists_every_cpu_and_checksums() {
        let m = MemoryMap::new(128 * MIB).unwrap();
        let p = Platform::new(4, false);
        let t = tables(&p, &m);
        assert_eq!(
            t.len(),
            3,
            "no ACPI: the MP floating pointer and table, SMBIOS's"
        );
        assert_eq!(t[2].addr, m.tables_base() + crate::smbios::TABLE_OFFSET);
        let fp = find(&t, b"_MP_");
        assert_eq!(fp.addr, MP_FLOATING_ADDR);
        assert_eq!(fp.bytes.len(), 16);
        assert_eq!(sum(&fp.bytes), 0);
        let table = u32::from_le_bytes(fp.bytes[4..8].try_into().unwrap()) as u64;
        let cfg = find(&t, b"PCMP");
        assert_eq!(cfg.addr, table);
        assert_eq!(sum(&cfg.bytes), 0);
        let len = u16::from_le_bytes([cfg.bytes[4], cfg.bytes[5]]) as usize;
        assert_eq!(len, cfg.bytes.len());
        // Walk the entries: 4 processors, BSP first, then the I/O APIC.
        let mut at = 44;
        let mut cpus = Vec::new();
        let mut ioapic = None;
        let mut irq0 = None;
        while at < len {
            let size = if cfg.bytes[at] == 0 { 20 } else { 8 };
            let e = &cfg.bytes[at..at + size];
            match e[0] {
                0 => cpus.push((e[1], e[3])),
                2 => ioapic = Some(e[1]),
                3 if e[5] == 0 => irq0 = Some(e[7]),
                _ => {}
            }
            at += size;
        }
        assert_eq!(cpus, vec![(0, 3), (1, 1), (2, 1), (3, 1)]);
        assert_eq!(ioapic, Some(4));
        assert_eq!(irq0, Some(2));
        // The tables sit in the E820 map's reserved range.
        assert!(m
            .e820()
            .iter()
            .any(|e| e.kind == crate::memmap::E820Type::Reserved
                && e.base <= table
                && table + len as u64 <= e.base + e.length));
    }

    #[test]
    fn acpi_tables_point_at_each_other() {
        let m = MemoryMap::new(64 * MIB).unwrap();
        let p = Platform::new(2, true);
        let t = tables(&p, &m);
        let rsdp = find(&t, b"RSD PTR ");
        assert_eq!(rsdp.addr, RSDP_ADDR);
        assert_eq!(sum(&rsdp.bytes[..20]), 0);
        assert_eq!(sum(&rsdp.bytes), 0);
        let xsdt_addr = u64::from_le_bytes(rsdp.bytes[24..32].try_into().unwrap());
        let xsdt = find(&t, b"XSDT");
        assert_eq!(xsdt.addr, xsdt_addr);
        for sig in [&b"XSDT"[..], b"APIC", b"FACP", b"DSDT"] {
            let b = find(&t, sig);
            assert_eq!(sum(&b.bytes), 0, "{}", String::from_utf8_lossy(sig));
            let len = u32::from_le_bytes(b.bytes[4..8].try_into().unwrap()) as usize;
            assert_eq!(len, b.bytes.len());
            assert!(b.addr >= m.tables_base() && b.addr + len as u64 <= m.low_top);
        }
        let fadt = find(&t, b"FACP");
        let dsdt = u32::from_le_bytes(fadt.bytes[40..44].try_into().unwrap()) as u64;
        assert_eq!(dsdt, find(&t, b"DSDT").addr);
        let pm1a_cnt = u32::from_le_bytes(fadt.bytes[64..68].try_into().unwrap());
        assert_eq!(pm1a_cnt, u32::from(PM1A_CNT));
        // The DSDT names \_S5.
        assert!(find(&t, b"DSDT").bytes.windows(4).any(|w| w == b"_S5_"));
        // MADT: two local APICs, the I/O APIC with ID 2.
        let madt = find(&t, b"APIC");
        let mut at = 44;
        let mut lapics = 0;
        let mut ioapic = None;
        while at < madt.bytes.len() {
            let (kind, len) = (madt.bytes[at], madt.bytes[at + 1] as usize);
            match kind {
                0 => lapics += 1,
                1 => ioapic = Some(madt.bytes[at + 2]),
                _ => {}
            }
            at += len;
        }
        assert_eq!(lapics, 2);
        assert_eq!(ioapic, Some(2));
    }

    #[test]
    fn tables_for_the_most_cpus_fit_without_overlapping() {
        let m = MemoryMap::new(2 * MIB).unwrap();
        let mut t = tables(&Platform::new(MAX_CPUS, true), &m);
        t.sort_by_key(|b| b.addr);
        for w in t.windows(2) {
            assert!(
                w[0].addr + w[0].bytes.len() as u64 <= w[1].addr,
                "{:#x}",
                w[1].addr
            );
        }
        let last = t.last().unwrap();
        assert!(last.addr + last.bytes.len() as u64 <= m.low_top);
        for b in &t[..2] {
            assert!(b.addr >= EBDA_BASE && b.addr + b.bytes.len() as u64 <= EBDA_BASE + 1024);
        }
    }
}
