//! Loading and checking a pbios ROM image.

use abi::header::{checksum, HeaderError, RomHeader};
use std::path::Path;
use thiserror::Error;

/// Why a ROM image was refused.
#[derive(Debug, Error)]
pub enum RomError {
    #[error("cannot read ROM {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("ROM is {0} bytes; a pbios ROM is exactly 65536")]
    Size(usize),
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

/// A checked ROM image.
#[derive(Clone)]
pub struct Rom {
    pub bytes: Vec<u8>,
    pub header: RomHeader,
}

impl Rom {
    /// Reads and checks a ROM file.
    pub fn load(path: &Path) -> Result<Rom, RomError> {
        let bytes = std::fs::read(path).map_err(|source| RomError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Rom::from_bytes(bytes)
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
