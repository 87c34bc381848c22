//! A raw disk image behind INT 13h: sector I/O with bounds checks and the
//! CHS geometry a PC BIOS reports for it.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use thiserror::Error;

/// Bytes per sector of a hard disk.
pub const SECTOR_SIZE: usize = 512;

/// A cylinder/head/sector geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chs {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

impl Chs {
    /// The physical geometry QEMU gives an IDE disk of `total` sectors when
    /// its MBR does not suggest one: 16 heads, 63 sectors per track,
    /// cylinders = total / 1008 clamped to 2..=16383.
    pub fn physical(total: u64) -> Chs {
        let c = (total / (16 * 63)).clamp(2, 16383) as u32;
        Chs {
            cylinders: c,
            heads: 16,
            sectors: 63,
        }
    }

    /// The logical (INT 13h) geometry SeaBIOS derives from the physical one:
    /// unchanged up to 1024 cylinders, LBA-assisted translation above
    /// (63 sectors, heads 16/32/64/128/255), cylinders clipped to 1024.
    pub fn logical(total: u64) -> Chs {
        let p = Chs::physical(total);
        if p.cylinders <= 1024 {
            return p;
        }
        let (c, h) = if total > 1024 * 255 * 63 {
            (1024, 255)
        } else {
            let t = (total / 63) as u32;
            let h = match t / 1024 {
                x if x > 128 => 255,
                x if x > 64 => 128,
                x if x > 32 => 64,
                x if x > 16 => 32,
                _ => 16,
            };
            (t / h, h)
        };
        Chs {
            cylinders: c.min(1024),
            heads: h,
            sectors: 63,
        }
    }
}

/// Host-side failures of disk I/O.
#[derive(Debug, Error)]
pub enum DiskError {
    #[error("cannot open disk image {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read disk image {path}: {source}")]
    Metadata {
        path: String,
        source: std::io::Error,
    },
    #[error("disk image {path} is empty")]
    Empty { path: String },
    #[error("sectors {lba}+{count} are past the end of the disk ({total} sectors)")]
    OutOfRange { lba: u64, count: u64, total: u64 },
    #[error("disk I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A raw disk image.
pub struct Disk {
    file: File,
    sectors: u64,
    geometry: Chs,
}

impl Disk {
    /// Opens a raw image (read-only: no service writes yet).
    pub fn open(path: &Path) -> Result<Disk, DiskError> {
        let p = path.display().to_string();
        let file = File::open(path).map_err(|source| DiskError::Open {
            path: p.clone(),
            source,
        })?;
        let len = file
            .metadata()
            .map_err(|source| DiskError::Metadata {
                path: p.clone(),
                source,
            })?
            .len();
        // A trailing partial sector is readable: round up.
        let sectors = len.div_ceil(SECTOR_SIZE as u64);
        if sectors == 0 {
            return Err(DiskError::Empty { path: p });
        }
        Ok(Disk {
            file,
            sectors,
            geometry: Chs::logical(sectors),
        })
    }

    /// Number of 512-byte sectors.
    pub fn sectors(&self) -> u64 {
        self.sectors
    }

    /// The logical CHS geometry (INT 13h AH=02h/08h).
    pub fn geometry(&self) -> Chs {
        self.geometry
    }

    /// The physical CHS geometry (INT 13h AH=48h).
    pub fn physical_geometry(&self) -> Chs {
        Chs::physical(self.sectors)
    }

    /// Reads `buf.len() / 512` sectors from `lba`. Bytes past the end of the
    /// file (a trailing partial sector) read as zero.
    pub fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        let count = (buf.len() / SECTOR_SIZE) as u64;
        if lba.checked_add(count).is_none_or(|end| end > self.sectors) {
            return Err(DiskError::OutOfRange {
                lba,
                count,
                total: self.sectors,
            });
        }
        let mut done = 0;
        let offset = lba * SECTOR_SIZE as u64;
        while done < buf.len() {
            match self.file.read_at(&mut buf[done..], offset + done as u64)? {
                0 => {
                    buf[done..].fill(0);
                    break;
                }
                n => done += n,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_matches_seabios_on_qemu() {
        // 64 MiB: 130/16/63, no translation.
        assert_eq!(
            Chs::logical(131072),
            Chs {
                cylinders: 130,
                heads: 16,
                sectors: 63
            }
        );
        // 1 GiB: LBA translation to 1024/32/63... clipped: t/h = 1040 -> 1024.
        assert_eq!(
            Chs::logical(2097152),
            Chs {
                cylinders: 1024,
                heads: 32,
                sectors: 63
            }
        );
        // 2 GiB: 520/128/63.
        assert_eq!(
            Chs::logical(4194304),
            Chs {
                cylinders: 520,
                heads: 128,
                sectors: 63
            }
        );
        // Over 8 GB: 1024/255/63.
        assert_eq!(
            Chs::logical(40_000_000),
            Chs {
                cylinders: 1024,
                heads: 255,
                sectors: 63
            }
        );
        // Tiny disks still have two cylinders.
        assert_eq!(Chs::logical(1).cylinders, 2);
    }

    #[test]
    fn reads_are_bounded() {
        let dir = std::env::temp_dir().join(format!("pbios-disk-{}", std::process::id()));
        std::fs::write(&dir, [7u8; 700]).unwrap();
        let d = Disk::open(&dir).unwrap();
        assert_eq!(d.sectors(), 2);
        let mut buf = [1u8; 1024];
        d.read(0, &mut buf).unwrap();
        assert!(buf[..700].iter().all(|&b| b == 7));
        assert!(
            buf[700..].iter().all(|&b| b == 0),
            "partial sector reads as zero"
        );
        assert!(d.read(1, &mut buf).is_err());
        assert!(d.read(u64::MAX, &mut buf[..512]).is_err());
        std::fs::remove_file(&dir).unwrap();
    }
}
