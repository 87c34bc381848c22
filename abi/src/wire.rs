//! The structures BIOS calls pass through guest memory, typed (in the
//! manner of SeaBIOS's `disk.h`): little-endian, unaligned, read and
//! written whole with zerocopy instead of by byte offsets.

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The EDD 3.0 disk address packet of INT 13h AH=42h-44h and 47h (EDD 3.0,
/// 3.4.1). With `size` 18h and FFFF:FFFF as the buffer, a 64-bit flat
/// buffer address follows ([`DAP_FLAT_BUFFER`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct DiskAddressPacket {
    /// Packet size: 10h, or 18h with the flat buffer address.
    pub size: u8,
    /// Reserved, 0.
    pub reserved: u8,
    /// Blocks to transfer; on return, blocks transferred.
    pub count: U16,
    /// Buffer offset.
    pub offset: U16,
    /// Buffer segment.
    pub segment: U16,
    /// First block.
    pub lba: U64,
}

/// Offset of the 64-bit flat buffer address in an 18h-byte packet.
pub const DAP_FLAT_BUFFER: u64 = 0x10;
/// Offset of the block count in the packet (written back).
pub const DAP_COUNT: u64 = 2;

/// The INT 13h AH=48h result buffer, EDD 3.0's 42h bytes (EDD 3.0, table
/// 8). EDD 1.x callers get its first 1Ah bytes, 2.x the first 1Eh.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct DriveParameters {
    /// Size of the buffer filled.
    pub size: U16,
    /// Information flags (bit 1: CHS valid; 2: removable; …).
    pub flags: U16,
    /// Physical cylinders.
    pub cylinders: U32,
    /// Physical heads.
    pub heads: U32,
    /// Physical sectors per track.
    pub sectors_per_track: U32,
    /// Total sectors.
    pub sectors: U64,
    /// Bytes per sector.
    pub bytes_per_sector: U16,
    /// EDD 2.x: pointer to the device parameter table extension
    /// (FFFF:FFFF: none).
    pub dpte: U32,
    /// EDD 3.0 device path: key BEDDh.
    pub key: U16,
    /// Length of the device path from `key` through `checksum` (24h).
    pub path_length: u8,
    /// Reserved.
    pub reserved1: [u8; 3],
    /// Host bus type, e.g. `ISA `.
    pub host_bus: [u8; 4],
    /// Interface type, e.g. `ATA     `.
    pub interface: [u8; 8],
    /// Interface path (ISA: the I/O base).
    pub interface_path: U64,
    /// Device path (ATA: master/slave).
    pub device_path: U64,
    /// Reserved.
    pub reserved2: u8,
    /// Makes the device path's bytes sum to zero.
    pub checksum: u8,
}

/// EDD 1.x size of [`DriveParameters`].
pub const EDD1_SIZE: u16 = 0x1A;
/// EDD 2.x size (with the DPTE pointer).
pub const EDD2_SIZE: u16 = 0x1E;
/// EDD 3.0 size (with the device path).
pub const EDD3_SIZE: u16 = 0x42;
/// Offset of the device path (`key`) in [`DriveParameters`].
pub const EDD_DEVICE_PATH: usize = EDD2_SIZE as usize;

/// The El Torito specification packet of INT 13h AH=4Bh (El Torito 1.0,
/// table 12), 13h bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct SpecificationPacket {
    /// Packet size, 13h.
    pub size: u8,
    /// Boot media type (0: no emulation).
    pub media_type: u8,
    /// Drive number.
    pub drive: u8,
    /// Controller index.
    pub controller: u8,
    /// LBA of the disk image.
    pub image_lba: U32,
    /// Device specification.
    pub device_spec: U16,
    /// Segment of the 3K user buffer.
    pub user_buffer_segment: U16,
    /// Load segment of the boot image.
    pub load_segment: U16,
    /// Virtual sectors loaded.
    pub sector_count: U16,
    /// Emulated diskette: low byte of the cylinder count.
    pub cylinders: u8,
    /// Emulated diskette: sectors per track and cylinder high bits.
    pub sectors: u8,
    /// Emulated diskette: heads.
    pub heads: u8,
}

/// One entry of INT 15h AX=E820h (ACPI 6.5, 15.1), with ACPI 3.0's
/// extended attributes (callers with a 20-byte buffer get the first 20).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct E820Entry {
    /// Base address.
    pub base: U64,
    /// Length in bytes.
    pub length: U64,
    /// Address range type (1 RAM, 2 reserved, …).
    pub kind: U32,
    /// Extended attributes (bit 0: enabled).
    pub attributes: U32,
}

/// Size of an E820 entry without extended attributes.
pub const E820_BASE_SIZE: usize = 20;

/// A segment descriptor of INT 15h AH=87h's table (Intel SDM vol. 3,
/// 3.4.5): the source and destination blocks' bases.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct SegmentDescriptor {
    /// Limit, bits 0-15.
    pub limit_low: U16,
    /// Base, bits 0-15.
    pub base_low: U16,
    /// Base, bits 16-23.
    pub base_mid: u8,
    /// Access rights.
    pub access: u8,
    /// Limit bits 16-19 and flags.
    pub limit_high: u8,
    /// Base, bits 24-31.
    pub base_high: u8,
}

impl SegmentDescriptor {
    /// The 32-bit base address.
    pub fn base(&self) -> u32 {
        u32::from(self.base_low.get())
            | u32::from(self.base_mid) << 16
            | u32::from(self.base_high) << 24
    }
}

/// INT 15h AH=87h's descriptor table at ES:SI: six descriptors; the third
/// and fourth are the source and the destination.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
pub struct BlockMoveTable {
    /// Dummy, the GDT descriptor, source, destination, BIOS CS, BIOS SS.
    pub descriptors: [SegmentDescriptor; 6],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_the_specs() {
        use core::mem::size_of;
        assert_eq!(size_of::<DiskAddressPacket>(), 0x10);
        assert_eq!(size_of::<DriveParameters>(), usize::from(EDD3_SIZE));
        assert_eq!(size_of::<SpecificationPacket>(), 0x13);
        assert_eq!(size_of::<E820Entry>(), 24);
        assert_eq!(size_of::<BlockMoveTable>(), 0x30);
        let d = SegmentDescriptor::read_from_bytes(&[0xFF, 0xFF, 0x34, 0x12, 0x56, 0x93, 0, 0x78])
            .unwrap();
        assert_eq!(d.base(), 0x7856_1234);
    }
}
