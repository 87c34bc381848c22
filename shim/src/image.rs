//! Disk images as QEMU users have them: the format detected from the file
//! (raw, or qcow2 with its backing chain, through the imago crate), and
//! `--snapshot`'s overlay that keeps every guest write in memory.

use crate::disk::{BlockDevice, DiskError, RawFile};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// An image file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Sector for sector.
    Raw,
    /// QEMU's qcow2 (version 2 or 3), with its backing files.
    Qcow2,
}

/// qcow2's magic, "QFI\xfb" (docs/interop/qcow2.txt in QEMU).
const QCOW2_MAGIC: [u8; 4] = *b"QFI\xfb";

impl ImageFormat {
    /// Parses `raw` or `qcow2`.
    pub fn parse(s: &str) -> Option<ImageFormat> {
        match s {
            "raw" => Some(ImageFormat::Raw),
            "qcow2" => Some(ImageFormat::Qcow2),
            _ => None,
        }
    }

    /// The format a file's first bytes say (raw unless they are qcow2's).
    pub fn detect(path: &Path) -> ImageFormat {
        let mut magic = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut magic))
            .unwrap_or(0);
        if n == 4 && magic == QCOW2_MAGIC {
            ImageFormat::Qcow2
        } else {
            ImageFormat::Raw
        }
    }
}

/// Opens `path` as `format` (detected when `None`), read-only or not. The
/// file itself is opened (and locked) as a raw image is, so the same
/// checks and the same locks apply.
pub fn open(
    path: &Path,
    format: Option<ImageFormat>,
    read_only: bool,
) -> Result<Box<dyn BlockDevice>, DiskError> {
    let raw = RawFile::open(path, read_only)?;
    match format.unwrap_or_else(|| ImageFormat::detect(path)) {
        ImageFormat::Raw => Ok(Box::new(raw)),
        #[cfg(feature = "qcow2")]
        ImageFormat::Qcow2 => Ok(Box::new(qcow2::Qcow2Image::open(path, raw, read_only)?)),
        #[cfg(not(feature = "qcow2"))]
        ImageFormat::Qcow2 => Err(DiskError::Format {
            path: path.display().to_string(),
            why: "this pbios was built without qcow2 support (cargo feature `qcow2`)".into(),
        }),
    }
}

#[cfg(feature = "qcow2")]
mod qcow2 {
    use super::*;
    use imago::file::File as ImagoFile;
    use imago::qcow2::Qcow2;
    use imago::{FormatAccess, FormatDriverBuilder, PermissiveImplicitOpenGate};

    /// A qcow2 image (and its backing chain, opened read-only as the image
    /// names it), through imago.
    pub struct Qcow2Image {
        image: FormatAccess<ImagoFile>,
        /// The file as pbios opened it: its lock keeps other writers away.
        _lock: RawFile,
    }

    impl Qcow2Image {
        pub fn open(path: &Path, lock: RawFile, read_only: bool) -> Result<Qcow2Image, DiskError> {
            let image = Qcow2::<ImagoFile>::builder_path(path)
                .write(!read_only)
                .open(PermissiveImplicitOpenGate::default())
                .map_err(|e| DiskError::Format {
                    path: path.display().to_string(),
                    why: format!("qcow2: {e}"),
                })?;
            Ok(Qcow2Image {
                image: FormatAccess::new(image),
                _lock: lock,
            })
        }
    }

    impl BlockDevice for Qcow2Image {
        fn size(&self) -> u64 {
            self.image.size()
        }

        fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
            let size = self.image.size();
            if offset >= size {
                return Ok(0);
            }
            let n = buf.len().min((size - offset) as usize);
            self.image.read(&mut buf[..n], offset)?;
            Ok(n)
        }

        fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()> {
            self.image.write(data, offset)
        }

        fn flush(&self) -> std::io::Result<()> {
            self.image.flush()?;
            self.image.sync()
        }
    }
}

/// `--snapshot`: the guest's writes kept in memory, in 512-byte blocks
/// over a device opened read-only; the file is never written.
pub struct Snapshot {
    base: Box<dyn BlockDevice>,
    written: Mutex<BTreeMap<u64, Box<[u8; BLOCK]>>>,
}

const BLOCK: usize = 512;

impl Snapshot {
    /// An overlay on `base` (which it only reads).
    pub fn new(base: Box<dyn BlockDevice>) -> Snapshot {
        Snapshot {
            base,
            written: Mutex::new(BTreeMap::new()),
        }
    }

    fn blocks(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Box<[u8; BLOCK]>>> {
        match self.written.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Reads all of `buf` at `offset` from the base, zeros past its end.
    fn read_base(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            match self.base.read_at(&mut buf[done..], offset + done as u64)? {
                0 => break,
                n => done += n,
            }
        }
        buf[done..].fill(0);
        Ok(())
    }
}

impl BlockDevice for Snapshot {
    fn size(&self) -> u64 {
        self.base.size()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let size = self.size();
        if offset >= size {
            return Ok(0);
        }
        let n = buf.len().min((size - offset) as usize);
        let buf = &mut buf[..n];
        self.read_base(buf, offset)?;
        let end = offset + n as u64;
        let first = offset / BLOCK as u64;
        for (&b, data) in self.blocks().range(first..end.div_ceil(BLOCK as u64)) {
            let start = b * BLOCK as u64;
            let (from, to) = (start.max(offset), (start + BLOCK as u64).min(end));
            buf[(from - offset) as usize..(to - offset) as usize]
                .copy_from_slice(&data[(from - start) as usize..(to - start) as usize]);
        }
        Ok(n)
    }

    fn write_at(&self, data: &[u8], offset: u64) -> std::io::Result<()> {
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&e| e <= self.size())
            .ok_or_else(|| std::io::Error::other("write past the end of the image"))?;
        let mut blocks = self.blocks();
        let mut b = offset / BLOCK as u64;
        while b * (BLOCK as u64) < end {
            let start = b * BLOCK as u64;
            let block = match blocks.entry(b) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let mut fresh = Box::new([0u8; BLOCK]);
                    self.read_base(&mut fresh[..], start)?;
                    e.insert(fresh)
                }
            };
            let (from, to) = (start.max(offset), (start + BLOCK as u64).min(end));
            block[(from - start) as usize..(to - start) as usize]
                .copy_from_slice(&data[(from - offset) as usize..(to - offset) as usize]);
            b += 1;
        }
        Ok(())
    }

    fn flush(&self) -> std::io::Result<()> {
        Ok(()) // nothing reaches the file
    }

    fn current_size(&self) -> std::io::Result<u64> {
        self.base.current_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::MemDisk;

    #[test]
    fn the_snapshot_keeps_writes_and_reads_them_back() {
        let base: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
        let s = Snapshot::new(Box::new(MemDisk::new(base.clone())));
        s.write_at(&[0xAA; 700], 300).unwrap();
        let mut all = vec![0u8; 4096];
        assert_eq!(s.read_at(&mut all, 0).unwrap(), 4096);
        let mut want = base.clone();
        want[300..1000].fill(0xAA);
        assert_eq!(all, want);
        let mut part = [0u8; 10];
        s.read_at(&mut part, 995).unwrap();
        assert_eq!(&part[..5], &[0xAA; 5]);
        assert_eq!(&part[5..], &base[1000..1005]);
        assert!(s.write_at(&[1], 4096).is_err(), "past the end");
        assert_eq!(s.read_at(&mut part, 4096).unwrap(), 0);
    }
}
