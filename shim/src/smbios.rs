//! SMBIOS (DMTF DSP0134 3.x): the structure table a legacy OS, dmidecode,
//! HDT and memtest86+ read the machine's identity and memory from, and the
//! 2.1 (`_SM_`, version 2.8 tables) and 3.0 (`_SM3_`) entry points that
//! point at it. The table goes in RAM with the other platform tables; the
//! entry points into the ROM's slot at F000:E000 (a legacy OS scans
//! F0000h-FFFFFh for them), which the host fills in its copy of the ROM
//! before the guest runs ([`patch_rom`]).

use crate::memmap::{E820Type, MemoryMap, KIB, MIB};
use crate::platform::Platform;

/// Type 1's identity, as QEMU's `-smbios type=1,...` sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemInfo {
    /// System manufacturer.
    pub manufacturer: String,
    /// Product name.
    pub product: String,
    /// Product version.
    pub version: String,
    /// Serial number.
    pub serial: String,
    /// SKU number.
    pub sku: String,
    /// Family.
    pub family: String,
    /// The system UUID (all zeros: not present).
    pub uuid: [u8; 16],
}

impl Default for SystemInfo {
    fn default() -> SystemInfo {
        SystemInfo {
            manufacturer: "pbios".into(),
            product: "pbios virtual machine".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            serial: String::new(),
            sku: String::new(),
            family: String::new(),
            uuid: [0; 16],
        }
    }
}

impl SystemInfo {
    /// Sets the fields QEMU's `-smbios type=1,...` takes from a
    /// comma-separated list (`manufacturer=`, `product=`, `version=`,
    /// `serial=`, `sku=`, `family=`, `uuid=`); the error names the field
    /// it cannot take.
    pub fn set(&mut self, list: &str) -> Result<(), String> {
        for item in list.split(',').filter(|i| !i.is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("'{item}' is not field=value"))?;
            let field = match k {
                "type" if v == "1" => continue,
                "type" => return Err(format!("only type=1 is settable, not type={v}")),
                "manufacturer" => &mut self.manufacturer,
                "product" => &mut self.product,
                "version" => &mut self.version,
                "serial" => &mut self.serial,
                "sku" => &mut self.sku,
                "family" => &mut self.family,
                "uuid" => {
                    self.uuid = parse_uuid(v).ok_or_else(|| format!("'{v}' is not a UUID"))?;
                    continue;
                }
                _ => return Err(format!("'{k}' is not a type 1 field")),
            };
            if v.len() > 64 || v.bytes().any(|b| !(0x20..0x7F).contains(&b)) {
                return Err(format!("{k}: at most 64 printable ASCII characters"));
            }
            *field = v.to_string();
        }
        Ok(())
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in SMBIOS's byte order (the
/// first three fields little-endian, SMBIOS 2.6+, 7.2.1).
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|&c| c != '-').collect();
    if hex.len() != 32 || s.len() != 36 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, out) in b.iter_mut().enumerate() {
        *out = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// Where the structure table goes: 32 KiB into the platform tables' area
/// (after the MP and ACPI tables), at most [`TABLE_MAX`] bytes.
pub const TABLE_OFFSET: u64 = 0x8000;
/// The structure table's room.
pub const TABLE_MAX: usize = 0x8000;

/// The BIOS release date (type 0), from the ROM's date `MM/DD/YY`.
fn release_date() -> String {
    let d = abi::BIOS_DATE;
    format!(
        "{}/20{}",
        String::from_utf8_lossy(&d[..5]),
        String::from_utf8_lossy(&d[6..8])
    )
}

/// One structure: its formatted area (type, length and handle filled in
/// here) and its strings.
struct Structure {
    kind: u8,
    body: Vec<u8>,
    strings: Vec<String>,
}

impl Structure {
    fn new(kind: u8) -> Structure {
        Structure {
            kind,
            body: Vec::new(),
            strings: Vec::new(),
        }
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.body.push(v);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.body.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.body.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.body.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A string field: its number, or 0 for an empty string.
    fn str(&mut self, s: &str) -> &mut Self {
        if s.is_empty() {
            return self.u8(0);
        }
        self.strings.push(s.to_string());
        let n = self.strings.len() as u8;
        self.u8(n)
    }
    fn encode(&self, handle: u16, out: &mut Vec<u8>) {
        out.push(self.kind);
        out.push((4 + self.body.len()) as u8);
        out.extend_from_slice(&handle.to_le_bytes());
        out.extend_from_slice(&self.body);
        if self.strings.is_empty() {
            out.extend_from_slice(&[0, 0]);
        } else {
            for s in &self.strings {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            out.push(0);
        }
    }
}

/// The structure table and what the entry points say of it.
pub struct Table {
    /// The structures, back to back, ending with type 127.
    pub bytes: Vec<u8>,
    /// How many structures.
    pub count: u16,
    /// The largest structure's size, strings included.
    pub max_structure: u16,
}

/// Builds the structure table for `platform` on `memmap`: types 0, 1, 3, 4
/// (one per CPU), 16, 17 (one device holding all RAM), 19 (one per RAM
/// range of the E820 map, low and high), 32 and 127.
pub fn table(platform: &Platform, memmap: &MemoryMap) -> Table {
    let sys = &platform.system;
    let mut all = Vec::new();
    // Type 0, BIOS information (2.4+ layout, 18h bytes).
    let mut t = Structure::new(0);
    t.str("pbios")
        .str(env!("CARGO_PKG_VERSION"))
        .u16(abi::ROM_SEGMENT);
    t.str(&release_date())
        .u8((abi::ROM_SIZE / (64 * 1024)) as u8 - 1);
    // Characteristics: ISA, PCI, APM, boot from CD, selectable boot, EDD,
    // INT 14h serial services, INT 10h CGA/mono video services.
    let chars: u64 =
        (1 << 4) | (1 << 7) | (1 << 10) | (1 << 15) | (1 << 16) | (1 << 19) | (1 << 28) | (1 << 30);
    t.u64(chars);
    // Extension bytes: ACPI; a virtual machine (bit 4 of byte 2).
    t.u8(u8::from(platform.acpi)).u8(1 << 4);
    let (major, minor) = version_numbers();
    t.u8(major).u8(minor).u8(0xFF).u8(0xFF);
    all.push(t);
    // Type 1, system information (2.4+ layout, 1Bh bytes).
    let mut t = Structure::new(1);
    t.str(&sys.manufacturer)
        .str(&sys.product)
        .str(&sys.version)
        .str(&sys.serial);
    t.body.extend_from_slice(&sys.uuid);
    t.u8(0x06); // wake-up type: power switch
    t.str(&sys.sku).str(&sys.family);
    all.push(t);
    // Type 3, system enclosure (2.3 layout, 15h bytes).
    let mut t = Structure::new(3);
    t.str(&sys.manufacturer).u8(0x01).str("").str("").str("");
    t.u8(0x03).u8(0x03).u8(0x03).u8(0x02); // boot-up, power, thermal: safe; security: unknown
    t.u32(0).u8(0).u8(0).u8(0).u8(0); // OEM, height, power cords, no contained elements
    all.push(t);
    // Type 4, one processor per CPU (2.6 layout, 2Ah bytes).
    for cpu in 0..platform.cpus {
        let mut t = Structure::new(4);
        t.str(&format!("CPU {cpu}"))
            .u8(0x03)
            .u8(0xFE)
            .str(&sys.manufacturer);
        t.u64(0).str("").u8(0); // processor ID (the guest's CPUID has it), version, voltage
        t.u16(0).u16(2000).u16(2000); // external clock unknown, max and current MHz
        t.u8(0x41).u8(0x01); // populated, enabled; upgrade: other
        t.u16(0xFFFF).u16(0xFFFF).u16(0xFFFF); // no cache information
        t.str("").str("").str("");
        t.u8(1).u8(1).u8(1).u16(0x0002).u16(0x0001); // 1 core, 1 thread; family 2: other
        all.push(t);
    }
    // Type 16, the physical memory array, and type 17, one device in it.
    let total = memmap.total;
    let total_kib = total / KIB;
    let array_handle = all.len() as u16;
    let mut t = Structure::new(16);
    t.u8(0x01).u8(0x03).u8(0x03); // location other, system memory, no ECC
    if total_kib < 0x8000_0000 {
        t.u32(total_kib as u32);
    } else {
        t.u32(0x8000_0000);
    }
    t.u16(0xFFFE)
        .u16(1)
        .u64(if total_kib < 0x8000_0000 { 0 } else { total });
    all.push(t);
    let mib = total / MIB;
    let mut t = Structure::new(17);
    t.u16(array_handle).u16(0xFFFE).u16(64).u16(64);
    t.u16(if mib < 0x7FFF { mib as u16 } else { 0x7FFF });
    t.u8(0x09).u8(0).str("DIMM 0").str("").u8(0x07).u16(0x0002); // DIMM, RAM, other
    t.u16(0).str(&sys.manufacturer).str("").str("").str("");
    t.u8(0)
        .u32(if mib < 0x7FFF { 0 } else { mib as u32 })
        .u16(0);
    t.u16(0).u16(0).u16(0); // voltages unknown
    all.push(t);
    // Type 19, one per RAM range of the E820 map.
    for e in memmap.e820().iter().filter(|e| e.kind == E820Type::Ram) {
        let (start, end) = (e.base, e.base + e.length - 1);
        let mut t = Structure::new(19);
        if end / KIB < 0xFFFF_FFFF {
            t.u32((start / KIB) as u32).u32((end / KIB) as u32);
        } else {
            t.u32(0xFFFF_FFFF).u32(0xFFFF_FFFF);
        }
        t.u16(array_handle).u8(1);
        if end / KIB < 0xFFFF_FFFF {
            t.u64(0).u64(0);
        } else {
            t.u64(start).u64(end);
        }
        all.push(t);
    }
    // Type 32, system boot information: no errors.
    let mut t = Structure::new(32);
    t.body.extend_from_slice(&[0; 6]);
    t.u8(0);
    all.push(t);
    all.push(Structure::new(127));
    let mut bytes = Vec::new();
    let mut max_structure = 0;
    for (handle, s) in all.iter().enumerate() {
        let before = bytes.len();
        s.encode(handle as u16, &mut bytes);
        max_structure = max_structure.max(bytes.len() - before);
    }
    Table {
        count: all.len() as u16,
        max_structure: max_structure as u16,
        bytes,
    }
}

/// The crate version's major and minor numbers (type 0's BIOS release).
fn version_numbers() -> (u8, u8) {
    let mut v = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|n| n.parse::<u8>().unwrap_or(0));
    (v.next().unwrap_or(0), v.next().unwrap_or(0))
}

fn checksum(b: &[u8]) -> u8 {
    0u8.wrapping_sub(b.iter().fold(0u8, |a, &x| a.wrapping_add(x)))
}

/// The two entry points for a structure table of `t` at `addr`, as the
/// ROM's [`abi::rom::SMBIOS_SLOT`] holds them: the 2.1 entry point
/// (1Fh bytes, tables of version 2.8) at +0 and the 3.0 one (18h bytes) at
/// +32. Each sums to zero, so the ROM's own checksum is unchanged.
pub fn entry_points(t: &Table, addr: u32) -> [u8; abi::rom::SMBIOS_SLOT_SIZE] {
    let mut slot = [0u8; abi::rom::SMBIOS_SLOT_SIZE];
    let ep = &mut slot[..0x1F];
    ep[0..4].copy_from_slice(b"_SM_");
    ep[5] = 0x1F;
    ep[6] = 2;
    ep[7] = 8;
    ep[8..10].copy_from_slice(&t.max_structure.to_le_bytes());
    ep[0x10..0x15].copy_from_slice(b"_DMI_");
    ep[0x16..0x18].copy_from_slice(&(t.bytes.len() as u16).to_le_bytes());
    ep[0x18..0x1C].copy_from_slice(&addr.to_le_bytes());
    ep[0x1C..0x1E].copy_from_slice(&t.count.to_le_bytes());
    ep[0x1E] = 0x28;
    ep[0x15] = checksum(&ep[0x10..0x1F]);
    ep[4] = checksum(ep);
    let ep3 = &mut slot[32..32 + 0x18];
    ep3[0..5].copy_from_slice(b"_SM3_");
    ep3[6] = 0x18;
    ep3[7] = 3;
    ep3[8] = 0;
    ep3[10] = 1; // entry point revision: 3.0
    ep3[12..16].copy_from_slice(&(t.bytes.len() as u32).to_le_bytes());
    ep3[16..24].copy_from_slice(&u64::from(addr).to_le_bytes());
    ep3[5] = checksum(ep3);
    slot
}

/// Writes the entry points for `platform` on `memmap` into a copy of the
/// ROM (`rom`, [`abi::ROM_SIZE`] bytes), as every backend does before the
/// guest runs; an embedder that maps the ROM itself calls this on its copy
/// (without it the guest finds no SMBIOS). A ROM without the slot (zero
/// there in the file) is all this writes; a table too large for its room
/// is left out.
pub fn patch_rom(rom: &mut [u8], platform: &Platform, memmap: &MemoryMap) {
    let t = table(platform, memmap);
    let slot = usize::from(abi::rom::SMBIOS_SLOT);
    let Some(area) = rom.get_mut(slot..slot + abi::rom::SMBIOS_SLOT_SIZE) else {
        return;
    };
    if t.bytes.len() > TABLE_MAX || area.iter().any(|&b| b != 0) {
        return;
    }
    area.copy_from_slice(&entry_points(
        &t,
        (memmap.tables_base() + TABLE_OFFSET) as u32,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks a structure table: (type, formatted area, strings) each.
    pub fn walk(mut b: &[u8]) -> Vec<(u8, Vec<u8>, Vec<String>)> {
        let mut out = Vec::new();
        while b.len() >= 4 {
            let len = usize::from(b[1]);
            let end = (len..b.len() - 1)
                .find(|&i| b[i] == 0 && b[i + 1] == 0)
                .expect("a double NUL ends each structure");
            let strings = b[len..end]
                .split(|&c| c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8(s.to_vec()).unwrap())
                .collect();
            out.push((b[0], b[..len].to_vec(), strings));
            b = &b[end + 2..];
        }
        out
    }

    #[test]
    fn the_table_and_entry_points_are_well_formed() {
        let mut p = Platform::new(2, true);
        p.system
            .set("type=1,manufacturer=ACME,product=Road Runner,serial=42,uuid=01234567-89ab-cdef-0123-456789abcdef")
            .unwrap();
        let m = MemoryMap::new(512 * MIB).unwrap();
        let t = table(&p, &m);
        let s = walk(&t.bytes);
        assert_eq!(s.len(), usize::from(t.count));
        let kinds: Vec<u8> = s.iter().map(|x| x.0).collect();
        assert_eq!(kinds, [0, 1, 3, 4, 4, 16, 17, 19, 19, 32, 127]);
        assert_eq!(s[0].2, ["pbios", env!("CARGO_PKG_VERSION"), "11/21/2026"]);
        assert_eq!(
            s[1].2[..3],
            [
                "ACME".to_string(),
                "Road Runner".into(),
                env!("CARGO_PKG_VERSION").into()
            ]
        );
        assert_eq!(&s[1].1[8..12], &[0x67, 0x45, 0x23, 0x01]);
        assert_eq!(s[1].1.len(), 0x1B);
        assert_eq!(s[0].1.len(), 0x18);
        assert_eq!(s[2].1.len(), 0x15);
        assert_eq!(s[3].1.len(), 0x2A);
        assert_eq!(s[6].1.len(), 0x28);
        assert_eq!(s[7].1.len(), 0x1F);
        // Type 17: 512 MiB; type 19: the low range from 0 and 1 MiB up.
        assert_eq!(u16::from_le_bytes([s[6].1[12], s[6].1[13]]), 512);
        let ep = entry_points(&t, 0x1234_5000);
        assert_eq!(&ep[..4], b"_SM_");
        assert_eq!(ep[..0x1F].iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        assert_eq!(
            ep[0x10..0x1F].iter().fold(0u8, |a, &b| a.wrapping_add(b)),
            0
        );
        assert_eq!(&ep[32..37], b"_SM3_");
        assert_eq!(ep[32..56].iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        assert_eq!(
            ep.iter().fold(0u8, |a, &b| a.wrapping_add(b)),
            0,
            "the ROM's sum is kept"
        );
    }

    #[test]
    fn type_1_fields_are_checked() {
        let mut s = SystemInfo::default();
        assert!(s.set("type=0,vendor=x").is_err());
        assert!(s.set("colour=red").is_err());
        assert!(s.set("serial=\u{1}").is_err());
        assert!(s.set("uuid=1234").is_err());
        assert!(s.set("product=X,serial=Y").is_ok());
        assert_eq!((s.product.as_str(), s.serial.as_str()), ("X", "Y"));
    }
}
