//! BIOS status codes returned in AH with CF set (Ralf Brown's Interrupt
//! List; SeaBIOS `disk.h` and `bregs.h`).

/// INT 13h: success.
pub const DISK_RET_SUCCESS: u8 = 0x00;
/// INT 13h: invalid function or parameter.
pub const DISK_RET_EPARAM: u8 = 0x01;
/// INT 13h: address mark not found / bad sector.
pub const DISK_RET_EADDRNOTFOUND: u8 = 0x02;
/// INT 13h: disk write-protected.
pub const DISK_RET_EWRITEPROTECT: u8 = 0x03;
/// INT 13h: sector not found (LBA past the end of the disk).
pub const DISK_RET_ESECTORNOTFOUND: u8 = 0x04;
/// INT 13h: media changed.
pub const DISK_RET_ECHANGED: u8 = 0x06;
/// INT 13h: DMA boundary error (transfer crosses a 64 KiB boundary).
pub const DISK_RET_EBOUNDARY: u8 = 0x09;
/// INT 13h: no media / drive not ready.
pub const DISK_RET_ENOTREADY: u8 = 0xAA;
/// INT 13h: the volume is not locked (AH=45h unlock).
pub const DISK_RET_ENOTLOCKED: u8 = 0xB0;
/// INT 13h: the volume is locked in the drive (AH=46h eject).
pub const DISK_RET_ELOCKED: u8 = 0xB1;
/// INT 13h: the lock count is exceeded (AH=45h lock).
pub const DISK_RET_ELOCKCOUNT: u8 = 0xB4;
/// INT 13h: controller failure (host I/O error).
pub const DISK_RET_ECONTROLLER: u8 = 0x20;
/// INT 13h: timeout (drive not ready).
pub const DISK_RET_ETIMEOUT: u8 = 0x80;

/// Generic "function not supported" (INT 15h and most services).
pub const RET_EUNSUPPORTED: u8 = 0x86;
