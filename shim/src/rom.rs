//! Loading and checking a pbios ROM image.

use abi::header::{checksum, HeaderError, RomHeader};
use std::path::Path;
use thiserror::Error;

/// Why a ROM image was refused.
#[derive(Debug, Error)]
#[allow(missing_docs)] // Each variant's message says what is wrong.
pub enum RomError {
    #[error("cannot read ROM {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("ROM is {0} bytes; a pbios ROM is exactly 65536")]
    Size(usize),
    #[error("ROM is larger than 65536 bytes; a pbios ROM is exactly that")]
    TooLarge,
    #[error("not a regular file (a ROM is a 65536-byte file)")]
    NotAFile,
    #[error("ROM checksum is {0:#04x}, not 0: the image is corrupt")]
    Checksum(u8),
    #[error("not a pbios ROM: {0}")]
    Header(String),
    #[error("ROM has no far jump to F000:E05B at its reset vector")]
    ResetVector,
}

impl From<HeaderError> for RomError {
    fn from(e: HeaderError) -> RomError {
        RomError::Header(match e {
            HeaderError::TooShort => "too short for a header".into(),
            HeaderError::BadMagic => "no PBIOSROM header".into(),
            HeaderError::AbiVersion(v) => {
                format!(
                    "built for ABI version {v}, this pbios speaks {}",
                    abi::ABI_VERSION
                )
            }
            HeaderError::BadField(f) => format!("bad header field: {f}"),
        })
    }
}

/// The pbios ROM this crate ships (`rom/bios.bin`, built from `bios/` by
/// `cargo xtask rom` with a pinned nightly; CI rebuilds it and checks it is
/// byte for byte the same). Trap kind `out`, port [`crate::abi::TRAP_PORT`].
pub const BUILTIN_ROM: &[u8; abi::ROM_SIZE] = include_bytes!("../rom/bios.bin");

/// A checked ROM image.
#[derive(Clone)]
pub struct Rom {
    /// The 64 KiB image, mapped at F0000h and below 4 GiB.
    pub bytes: Vec<u8>,
    /// Its header.
    pub header: RomHeader,
}

impl Rom {
    /// The ROM shipped with this crate ([`BUILTIN_ROM`]).
    pub fn builtin() -> Rom {
        // The xtask checks the committed image with the same checks, and a
        // unit test below loads it.
        match Rom::from_bytes(BUILTIN_ROM.to_vec()) {
            Ok(rom) => rom,
            Err(e) => unreachable!("the built-in ROM is checked at build time: {e}"),
        }
    }

    /// Reads and checks a ROM file.
    ///
    /// Only a regular file is read, and at most one byte more than a ROM
    /// (a device such as /dev/zero, or a FIFO, is refused, not read for
    /// ever or waited on).
    pub fn load(path: &Path) -> Result<Rom, RomError> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let read_err = |source| RomError::Read {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(RomError::NotAFile);
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(read_err)?;
        if !file.metadata().map_err(read_err)?.is_file() {
            return Err(RomError::NotAFile);
        }
        let mut bytes = Vec::with_capacity(abi::ROM_SIZE + 1);
        file.take(abi::ROM_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        if bytes.len() > abi::ROM_SIZE {
            return Err(RomError::TooLarge);
        }
        Rom::from_bytes(bytes)
    }

    /// The image to map for a machine of `platform` on `memmap`: these
    /// bytes with the SMBIOS entry points in their slot
    /// ([`crate::smbios::patch_rom`]), so that the guest finds the SMBIOS
    /// tables INT 19h installs, and the fonts and video tables in theirs
    /// ([`crate::vga::font::patch_rom`]). Map this rather than `bytes`.
    pub fn image(
        &self,
        platform: &crate::platform::Platform,
        memmap: &crate::memmap::MemoryMap,
    ) -> Vec<u8> {
        let mut b = self.bytes.clone();
        patch(&mut b, platform, memmap);
        b
    }

    /// Checks an image: size, checksum, header, reset vector.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Rom, RomError> {
        if bytes.len() != abi::ROM_SIZE {
            return Err(RomError::Size(bytes.len()));
        }
        let sum = checksum(&bytes);
        if sum != 0 {
            return Err(RomError::Checksum(sum));
        }
        let header = RomHeader::parse(&bytes)?;
        let reset = usize::from(abi::rom::RESET_VECTOR);
        let post = abi::rom::POST_ENTRY.to_le_bytes();
        let seg = abi::ROM_SEGMENT.to_le_bytes();
        if bytes[reset..reset + 5] != [0xEA, post[0], post[1], seg[0], seg[1]] {
            return Err(RomError::ResetVector);
        }
        Ok(Rom { bytes, header })
    }
}

/// Fills the slots the host writes in its copy of the ROM: the SMBIOS
/// entry points and the video data.
pub fn patch(
    image: &mut [u8],
    platform: &crate::platform::Platform,
    memmap: &crate::memmap::MemoryMap,
) {
    crate::smbios::patch_rom(image, platform, memmap);
    crate::vga::font::patch_rom(image);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rom_passes_the_load_checks() {
        let rom = Rom::from_bytes(BUILTIN_ROM.to_vec()).unwrap();
        assert_eq!(rom.header.trap_kind, abi::TrapKind::Out);
        assert_eq!(Rom::builtin().bytes, BUILTIN_ROM.to_vec());
    }
}
