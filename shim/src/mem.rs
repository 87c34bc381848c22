//! Guest physical memory as services see it: only guest RAM, bounds-checked.

use thiserror::Error;
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap, VolatileSlice};

/// An access that is not entirely inside guest RAM.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("guest access of {len} bytes at {addr:#x} is outside guest RAM")]
pub struct OutOfRange {
    /// Where the access started.
    pub addr: u64,
    /// Its length.
    pub len: usize,
}

/// Guest physical memory. Every access is checked: a range that is not
/// entirely guest RAM (the VGA hole, the ROM, past the end) fails and
/// touches nothing.
pub trait Memory {
    /// Reads `buf.len()` bytes at guest physical `addr`.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange>;
    /// Writes `data` at guest physical `addr`.
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange>;
    /// Whether `len` bytes at `addr` are all guest RAM.
    fn is_ram(&self, addr: u64, len: usize) -> bool;
    /// `len` bytes of guest RAM at `addr` as one host slice, for a device
    /// that moves data straight into the guest (one copy, not two). `None`
    /// unless the whole range lies in one RAM region. What is put there
    /// counts as written (a backend that mirrors writes records the range).
    fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>>;

    /// Reads a byte.
    fn read_u8(&self, addr: u64) -> Result<u8, OutOfRange> {
        let mut b = [0u8; 1];
        self.read(addr, &mut b)?;
        Ok(b[0])
    }
    /// Reads a little-endian word.
    fn read_u16(&self, addr: u64) -> Result<u16, OutOfRange> {
        let mut b = [0u8; 2];
        self.read(addr, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }
    /// Reads a little-endian dword.
    fn read_u32(&self, addr: u64) -> Result<u32, OutOfRange> {
        let mut b = [0u8; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    /// Reads a little-endian qword.
    fn read_u64(&self, addr: u64) -> Result<u64, OutOfRange> {
        let mut b = [0u8; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    /// Writes a byte.
    fn write_u8(&mut self, addr: u64, v: u8) -> Result<(), OutOfRange> {
        self.write(addr, &[v])
    }
    /// Writes a little-endian word.
    fn write_u16(&mut self, addr: u64, v: u16) -> Result<(), OutOfRange> {
        self.write(addr, &v.to_le_bytes())
    }
    /// Writes a little-endian dword.
    fn write_u32(&mut self, addr: u64, v: u32) -> Result<(), OutOfRange> {
        self.write(addr, &v.to_le_bytes())
    }
}

/// Linear address of real-mode `segment:offset` (no wrap at 1 MiB: A20 is on).
pub fn real_addr(segment: u16, offset: u16) -> u64 {
    (u64::from(segment) << 4) + u64::from(offset)
}

/// Linear address of a BDA field (segment 40h).
pub fn bda_addr(offset: u16) -> u64 {
    u64::from(abi::bda::addr(offset))
}

/// Guest RAM borrowed from its owner (an embedder's `GuestMemoryMmap`,
/// which vm-memory writes through a shared reference).
pub struct GuestRam<'a>(pub &'a GuestMemoryMmap);

impl Memory for GuestRam<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        self.0
            .read_slice(buf, GuestAddress(addr))
            .map_err(|_| OutOfRange {
                addr,
                len: buf.len(),
            })
    }

    fn is_ram(&self, addr: u64, len: usize) -> bool {
        len == 0 || GuestMemoryBackend::check_range(self.0, GuestAddress(addr), len)
    }

    fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>> {
        self.0.get_slice(GuestAddress(addr), len).ok()
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange> {
        if !self.is_ram(addr, data.len()) {
            return Err(OutOfRange {
                addr,
                len: data.len(),
            });
        }
        self.0
            .write_slice(data, GuestAddress(addr))
            .map_err(|_| OutOfRange {
                addr,
                len: data.len(),
            })
    }
}

impl Memory for GuestMemoryMmap {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        GuestRam(self).read(addr, buf)
    }

    fn is_ram(&self, addr: u64, len: usize) -> bool {
        GuestRam(self).is_ram(addr, len)
    }

    fn ram_slice(&mut self, addr: u64, len: usize) -> Option<VolatileSlice<'_>> {
        self.get_slice(GuestAddress(addr), len).ok()
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), OutOfRange> {
        GuestRam(self).write(addr, data)
    }
}

/// Builds guest RAM from `(start, size)` ranges (also used by tests).
pub fn guest_ram(ranges: &[(u64, usize)]) -> std::io::Result<GuestMemoryMmap> {
    let r: Vec<(GuestAddress, usize)> = ranges.iter().map(|&(a, s)| (GuestAddress(a), s)).collect();
    GuestMemoryMmap::from_ranges(&r).map_err(|e| std::io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_are_bounded_to_ram() {
        let mut m = guest_ram(&[(0, 0x1000), (0x2000, 0x1000)]).unwrap();
        m.write_u32(0xFFC, 0xDEAD_BEEF).unwrap();
        assert_eq!(m.read_u32(0xFFC).unwrap(), 0xDEAD_BEEF);
        assert!(m.write_u32(0xFFE, 1).is_err(), "crosses into the hole");
        assert!(m.read_u8(0x1800).is_err(), "in the hole");
        assert!(m.read_u8(0x3000).is_err(), "past the end");
        assert!(m.read_u8(u64::MAX).is_err());
        assert!(m.is_ram(0x2000, 0x1000) && !m.is_ram(0x2000, 0x1001));
        assert_eq!(m.ram_slice(0x2000, 0x1000).map(|s| s.len()), Some(0x1000));
        assert!(m.ram_slice(0xF00, 0x200).is_none(), "crosses into the hole");
        assert!(m.ram_slice(0x2800, 0x1000).is_none(), "past the end");
        assert_eq!(real_addr(0xFFFF, 0xFFFF), 0x10FFEF);
        assert_eq!(real_addr(0x07C0, 0x0000), 0x7C00);
    }
}
