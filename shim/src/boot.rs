//! Boot devices and order (INT 18h/19h), and El Torito no-emulation boot
//! images on a CD-ROM (El Torito 1.0, "Bootable CD-ROM Format
//! Specification", sections 2.0-2.5).

use crate::disk::{
    Chs, Disk, DiskError, Drives, MediaKind, CDROM_DRIVE, CD_SECTOR_SIZE, FIRST_HD, SECTOR_SIZE,
};

/// A kind of boot device, as `--boot` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootDevice {
    /// Drive 00h: its boot sector.
    Floppy,
    /// Drive 80h: its master boot record.
    Disk,
    /// Drive E0h: the El Torito boot catalog's no-emulation image.
    Cdrom,
}

impl BootDevice {
    /// Parses `floppy`, `disk` or `cdrom` (or QEMU's letters `a`, `c`, `d`).
    pub fn parse(s: &str) -> Option<BootDevice> {
        match s {
            "floppy" | "a" => Some(BootDevice::Floppy),
            "disk" | "c" => Some(BootDevice::Disk),
            "cdrom" | "d" => Some(BootDevice::Cdrom),
            _ => None,
        }
    }

    /// Parses a comma-separated order, e.g. `cdrom,disk`.
    pub fn parse_order(s: &str) -> Option<Vec<BootDevice>> {
        s.split(',').map(|d| BootDevice::parse(d.trim())).collect()
    }

    /// The device's `--boot` name: `floppy`, `disk` or `cdrom`.
    pub fn name(self) -> &'static str {
        match self {
            BootDevice::Floppy => "floppy",
            BootDevice::Disk => "disk",
            BootDevice::Cdrom => "cdrom",
        }
    }

    /// The default order: floppy, then disk, then CD-ROM (a PC's A:, C:, CD).
    pub const DEFAULT_ORDER: [BootDevice; 3] =
        [BootDevice::Floppy, BootDevice::Disk, BootDevice::Cdrom];
}

/// A boot image read from a device, ready to be placed in guest memory.
pub struct BootImage {
    /// The drive number the guest gets in DL.
    pub drive: u8,
    /// Real-mode segment to load at; 0 means 0000:7C00.
    pub segment: u16,
    /// The image itself: the boot sector, or the El Torito image's bytes.
    pub bytes: Vec<u8>,
    /// The El Torito entry, when booting a CD-ROM.
    pub cdrom: Option<ElTorito>,
}

/// The boot signature at the end of a hard disk's MBR.
pub const BOOT_SIGNATURE: [u8; 2] = [0x55, 0xAA];

/// Reads `dev`'s boot image: a diskette's sector 0 (no signature needed, as
/// SeaBIOS), a hard disk's MBR (must end in 55AAh), or a CD-ROM's El Torito
/// no-emulation image. The error says why the device does not boot.
pub fn boot_image(dev: BootDevice, drives: &Drives) -> Result<BootImage, String> {
    match dev {
        BootDevice::Floppy | BootDevice::Disk => {
            let drive = if dev == BootDevice::Floppy {
                0x00
            } else {
                FIRST_HD
            };
            let disk = drives.get(drive).ok_or("none attached")?;
            let mut bytes = vec![0u8; SECTOR_SIZE];
            disk.read(0, &mut bytes)
                .map_err(|e| format!("cannot read sector 0: {e}"))?;
            if dev == BootDevice::Disk && bytes[510..] != BOOT_SIGNATURE {
                return Err("not bootable (no 55AAh signature at the end of sector 0)".into());
            }
            Ok(BootImage {
                drive,
                segment: 0,
                bytes,
                cdrom: None,
            })
        }
        BootDevice::Cdrom => {
            let cd = drives.cdrom.as_ref().ok_or("none attached")?;
            let boot = el_torito(cd).map_err(|e| e.to_string())?;
            let len = usize::from(boot.sector_count.max(1)) * SECTOR_SIZE;
            let mut bytes = vec![0u8; len.div_ceil(CD_SECTOR_SIZE) * CD_SECTOR_SIZE];
            cd.read(u64::from(boot.load_rba), &mut bytes)
                .map_err(|e| format!("cannot read the boot image: {e}"))?;
            bytes.truncate(len);
            if boot.media.is_hard_disk() && bytes.get(510..512) != Some(&BOOT_SIGNATURE[..]) {
                return Err("the hard-disk emulation image has no 55AAh signature".into());
            }
            Ok(BootImage {
                drive: boot.media.drive(),
                segment: boot.load_segment,
                bytes,
                cdrom: Some(boot),
            })
        }
    }
}

/// The boot media type of an El Torito entry (El Torito 1.0, 2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootMedia {
    /// The image is loaded and run; the CD-ROM is drive E0h.
    NoEmulation,
    /// The image is a 1.2 MB diskette, drive 00h.
    Floppy12,
    /// The image is a 1.44 MB diskette, drive 00h.
    Floppy144,
    /// The image is a 2.88 MB diskette, drive 00h.
    Floppy288,
    /// The image is a hard disk (an MBR and one partition), drive 80h.
    HardDisk,
}

impl BootMedia {
    /// The media type byte (the catalog's, and INT 13h AH=4Bh's).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether this is hard-disk emulation.
    pub fn is_hard_disk(self) -> bool {
        self == BootMedia::HardDisk
    }

    /// The drive number the booted image gets in DL.
    pub fn drive(self) -> u8 {
        match self {
            BootMedia::NoEmulation => CDROM_DRIVE,
            BootMedia::HardDisk => FIRST_HD,
            _ => 0x00,
        }
    }

    /// An emulated diskette's size in bytes.
    pub fn floppy_bytes(self) -> Option<u64> {
        match self {
            BootMedia::Floppy12 => Some(1200 * 1024),
            BootMedia::Floppy144 => Some(1440 * 1024),
            BootMedia::Floppy288 => Some(2880 * 1024),
            _ => None,
        }
    }
}

/// The drive an El Torito emulation boot makes of the CD-ROM's image: a
/// diskette of the media's size, or a hard disk whose geometry (and size)
/// its MBR's first partition gives (else the rest of the CD-ROM, at most
/// 2 GiB, in the logical geometry). Read-only, as the CD-ROM is.
pub fn emulated_drive(cd: &Disk, boot: &ElTorito) -> Result<Disk, DiskError> {
    let offset = u64::from(boot.load_rba) * CD_SECTOR_SIZE as u64;
    let rest = (cd.sectors() * CD_SECTOR_SIZE as u64).saturating_sub(offset);
    if let Some(bytes) = boot.media.floppy_bytes() {
        return cd.window(MediaKind::Floppy, offset, bytes, None);
    }
    let mut mbr = vec![0u8; CD_SECTOR_SIZE];
    cd.read(u64::from(boot.load_rba), &mut mbr)?;
    let geometry = (0..4).find_map(|i| {
        let e = &mbr[0x1BE + 16 * i..0x1BE + 16 * (i + 1)];
        let (head, sector) = (u32::from(e[5]), u32::from(e[6] & 0x3F));
        let cyl = u32::from(e[7]) | (u32::from(e[6] & 0xC0) << 2);
        (e[4] != 0 && sector != 0).then_some(Chs {
            cylinders: cyl + 1,
            heads: head + 1,
            sectors: sector,
        })
    });
    let len = match geometry {
        Some(g) => u64::from(g.cylinders) * u64::from(g.heads) * u64::from(g.sectors) * 512,
        None => rest.min(2 << 30),
    };
    cd.window(
        MediaKind::HardDisk,
        offset,
        len.min(rest.max(512)),
        geometry,
    )
}

/// What the boot catalog's initial entry says (El Torito 2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElTorito {
    /// The boot media type: no emulation, a diskette or a hard disk.
    pub media: BootMedia,
    /// Real-mode segment the image is loaded at (07C0h when the entry says 0).
    pub load_segment: u16,
    /// Virtual (512-byte) sectors to load.
    pub sector_count: u16,
    /// First 2048-byte sector of the image.
    pub load_rba: u32,
    /// LBA of the boot catalog.
    pub catalog_lba: u32,
}

/// Why a CD-ROM does not boot.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ElToritoError {
    /// No El Torito boot record volume descriptor at sector 17.
    #[error("no El Torito boot record volume descriptor at sector 17")]
    NoBootRecord,
    /// The boot catalog's validation entry has a bad header, key bytes or checksum.
    #[error("the boot catalog's validation entry is invalid")]
    BadValidation,
    /// The boot catalog's initial entry is not marked bootable (88h).
    #[error("the boot catalog's initial entry is not bootable")]
    NotBootable,
    /// The entry's media type is none El Torito defines.
    #[error("the boot catalog's initial entry has an unknown media type {0}")]
    UnknownMedia(u8),
    /// Reading a sector of the CD-ROM failed.
    #[error("cannot read the CD-ROM: {0}")]
    Read(String),
}

/// Sector of the boot record volume descriptor (El Torito 2.0).
const BOOT_RECORD_SECTOR: u64 = 17;
/// Default load segment of a no-emulation image (El Torito 2.4).
pub const DEFAULT_LOAD_SEGMENT: u16 = 0x07C0;

fn read_sector(cd: &Disk, lba: u64) -> Result<Vec<u8>, ElToritoError> {
    let mut s = vec![0u8; CD_SECTOR_SIZE];
    cd.read(lba, &mut s)
        .map_err(|e: DiskError| ElToritoError::Read(e.to_string()))?;
    Ok(s)
}

/// The 16-bit sum of a validation entry's little-endian words (El Torito
/// 2.1: zero when the entry is valid).
fn word_sum(entry: &[u8]) -> u16 {
    entry.chunks(2).fold(0u16, |a, w| {
        a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    })
}

/// Reads the boot record and the boot catalog's initial entry.
pub fn el_torito(cd: &Disk) -> Result<ElTorito, ElToritoError> {
    let brvd = read_sector(cd, BOOT_RECORD_SECTOR)?;
    if brvd[0] != 0 || &brvd[1..6] != b"CD001" || brvd[6] != 1 {
        return Err(ElToritoError::NoBootRecord);
    }
    if !brvd[7..].starts_with(b"EL TORITO SPECIFICATION") {
        return Err(ElToritoError::NoBootRecord);
    }
    let catalog_lba = u32::from_le_bytes([brvd[0x47], brvd[0x48], brvd[0x49], brvd[0x4A]]);
    let cat = read_sector(cd, u64::from(catalog_lba))?;
    // Validation entry: header 01h, key bytes 55h AAh, words summing to 0.
    let sum = word_sum(&cat[..32]);
    // Platform ID 0: 80x86 (an EFI-only catalog, EFh, boots no PC BIOS).
    if cat[0] != 0x01 || cat[1] != 0 || cat[0x1E] != 0x55 || cat[0x1F] != 0xAA || sum != 0 {
        return Err(ElToritoError::BadValidation);
    }
    let e = &cat[32..64];
    if e[0] != 0x88 {
        return Err(ElToritoError::NotBootable);
    }
    let media = match e[1] & 0x0F {
        0 => BootMedia::NoEmulation,
        1 => BootMedia::Floppy12,
        2 => BootMedia::Floppy144,
        3 => BootMedia::Floppy288,
        4 => BootMedia::HardDisk,
        m => return Err(ElToritoError::UnknownMedia(m)),
    };
    let load_segment = match u16::from_le_bytes([e[2], e[3]]) {
        0 => DEFAULT_LOAD_SEGMENT,
        s => s,
    };
    Ok(ElTorito {
        media,
        load_segment,
        sector_count: u16::from_le_bytes([e[6], e[7]]),
        load_rba: u32::from_le_bytes([e[8], e[9], e[10], e[11]]),
        catalog_lba,
    })
}

/// Builds a minimal El Torito no-emulation ISO image (for tests and the
/// differential suite): boot record at 17, catalog at 18, the boot image
/// (`image`, padded to whole 2048-byte sectors) from 20, `total` sectors.
pub fn make_el_torito_image(image: &[u8], load_segment: u16, total: u64) -> Vec<u8> {
    let cd = CD_SECTOR_SIZE;
    let image_sectors = image.len().div_ceil(cd).max(1);
    let total = (total as usize).max(20 + image_sectors);
    let mut iso = vec![0u8; total * cd];
    // Primary volume descriptor at 16 (type 1), so tools see an ISO 9660.
    let pvd = 16 * cd;
    iso[pvd] = 1;
    iso[pvd + 1..pvd + 6].copy_from_slice(b"CD001");
    iso[pvd + 6] = 1;
    iso[pvd + 80..pvd + 84].copy_from_slice(&(total as u32).to_le_bytes());
    iso[pvd + 84..pvd + 88].copy_from_slice(&(total as u32).to_be_bytes());
    // Boot record volume descriptor at 17.
    let br = 17 * cd;
    iso[br + 1..br + 6].copy_from_slice(b"CD001");
    iso[br + 6] = 1;
    iso[br + 7..br + 30].copy_from_slice(b"EL TORITO SPECIFICATION");
    iso[br + 0x47..br + 0x4B].copy_from_slice(&18u32.to_le_bytes());
    // Volume descriptor set terminator at 19, after the catalog.
    let term = 19 * cd;
    iso[term] = 0xFF;
    iso[term + 1..term + 6].copy_from_slice(b"CD001");
    iso[term + 6] = 1;
    // Boot catalog at 18: validation entry, then the initial entry.
    let cat = 18 * cd;
    iso[cat] = 0x01;
    iso[cat + 0x1E] = 0x55;
    iso[cat + 0x1F] = 0xAA;
    let sum = word_sum(&iso[cat..cat + 32]);
    iso[cat + 0x1C..cat + 0x1E].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
    let e = cat + 32;
    iso[e] = 0x88;
    iso[e + 1] = 0; // no emulation
    iso[e + 2..e + 4].copy_from_slice(&load_segment.to_le_bytes());
    let virtual_sectors = (image.len().div_ceil(512)) as u16;
    iso[e + 6..e + 8].copy_from_slice(&virtual_sectors.to_le_bytes());
    iso[e + 8..e + 12].copy_from_slice(&20u32.to_le_bytes());
    iso[20 * cd..20 * cd + image.len()].copy_from_slice(image);
    iso
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::MediaKind;

    #[test]
    fn parses_boot_orders() {
        assert_eq!(
            BootDevice::parse_order("cdrom,disk"),
            Some(vec![BootDevice::Cdrom, BootDevice::Disk])
        );
        assert_eq!(
            BootDevice::parse_order("a,c"),
            Some(vec![BootDevice::Floppy, BootDevice::Disk])
        );
        assert_eq!(BootDevice::parse_order("net"), None);
    }

    #[test]
    fn reads_the_catalog_it_writes() {
        let iso = make_el_torito_image(&[0xAB; 3000], 0, 64);
        let path = std::env::temp_dir().join(format!("pbios-eltorito-{}.iso", std::process::id()));
        std::fs::write(&path, &iso).unwrap();
        let cd = Disk::attach(&path, MediaKind::Cdrom, true).unwrap();
        let b = el_torito(&cd).unwrap();
        assert_eq!(b.load_segment, DEFAULT_LOAD_SEGMENT);
        assert_eq!(b.sector_count, 6);
        assert_eq!(b.load_rba, 20);
        // A broken validation checksum is refused.
        let mut bad = iso.clone();
        bad[18 * 2048 + 4] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        let cd = Disk::attach(&path, MediaKind::Cdrom, true).unwrap();
        assert_eq!(el_torito(&cd), Err(ElToritoError::BadValidation));
        std::fs::remove_file(&path).unwrap();
    }
}
