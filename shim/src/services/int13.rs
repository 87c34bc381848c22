//! INT 13h — fixed disk services on the raw image, drive 80h.
//!
//! Semantics follow SeaBIOS's `disk.c`; where it and EDD 3.0 differ, the
//! spec wins (noted on the function).

use super::{Ctx, Function, Select, Service, Status};
use crate::disk::{Disk, DiskError, SECTOR_SIZE};
use crate::mem::real_addr;
use crate::regs::Regs;
use abi::bda;
use abi::status::*;

pub const SERVICE: Service = Service {
    vector: 0x13,
    name: "disk",
    functions: &[
        Function {
            select: Select::Ah(0x00),
            name: "int13_00_reset",
            handler: int13_00_reset,
        },
        Function {
            select: Select::Ah(0x01),
            name: "int13_01_get_status",
            handler: int13_01_get_status,
        },
        Function {
            select: Select::Ah(0x02),
            name: "int13_02_read_chs",
            handler: int13_02_read_chs,
        },
        Function {
            select: Select::Ah(0x08),
            name: "int13_08_get_parameters",
            handler: int13_08_get_parameters,
        },
        Function {
            select: Select::Ah(0x15),
            name: "int13_15_get_disk_type",
            handler: int13_15_get_disk_type,
        },
        Function {
            select: Select::Ah(0x41),
            name: "int13_41_extensions_check",
            handler: int13_41_extensions_check,
        },
        Function {
            select: Select::Ah(0x42),
            name: "int13_42_extended_read",
            handler: int13_42_extended_read,
        },
        Function {
            select: Select::Ah(0x48),
            name: "int13_48_get_extended_parameters",
            handler: int13_48_get_extended_parameters,
        },
    ],
    unsupported: Status::Fail(DISK_RET_EPARAM),
    finish: Some(record_status),
};

/// The first hard disk's BIOS number.
pub const FIRST_HD: u8 = 0x80;
/// Largest transfer of one call: 64 KiB (SeaBIOS; a count above 128 sectors
/// fails with a boundary error).
const MAX_SECTORS: u64 = 128;

/// Keeps the call's status byte in the BDA: 40:74 for hard disks, 40:41 for
/// floppies (chosen by the caller's DL on entry).
fn record_status(input: &Regs, status: Status, ctx: &mut Ctx) {
    let code = match status {
        Status::Fail(c) => c,
        Status::Unsupported => DISK_RET_EPARAM,
        _ => DISK_RET_SUCCESS,
    };
    let field = if input.dl() < FIRST_HD {
        bda::FLOPPY_LAST_STATUS
    } else {
        bda::DISK_LAST_STATUS
    };
    ctx.set_bda_u8(field, code);
}

/// The disk behind DL, or the "bad parameter" status.
fn drive<'a>(r: &Regs, ctx: &Ctx<'a>) -> Result<&'a Disk, Status> {
    match ctx.disk {
        Some(d) if r.dl() == FIRST_HD => Ok(d),
        _ => Err(Status::Fail(DISK_RET_EPARAM)),
    }
}

/// Reads `count` sectors at `lba` into guest memory at `addr`.
fn read_into_guest(disk: &Disk, lba: u64, count: u64, addr: u64, ctx: &mut Ctx) -> Result<(), u8> {
    let len = count as usize * SECTOR_SIZE;
    if !ctx.mem.is_ram(addr, len) {
        return Err(DISK_RET_EPARAM);
    }
    let mut buf = vec![0u8; len];
    disk.read(lba, &mut buf).map_err(|e| match e {
        DiskError::OutOfRange { .. } => DISK_RET_ESECTORNOTFOUND,
        _ => DISK_RET_ECONTROLLER,
    })?;
    ctx.mem.write(addr, &buf).map_err(|_| DISK_RET_EPARAM)
}

/// INT 13h AH=00h — reset disk system; in: DL=drive; out: AH=status.
pub fn int13_00_reset(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match drive(r, ctx) {
        Ok(_) => Status::Ok,
        Err(s) => s,
    }
}

/// INT 13h AH=01h — status of last operation; in: DL=drive; out: AH=last
/// status (40:74 or 40:41), CF set when it is non-zero.
pub fn int13_01_get_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let field = if r.dl() < FIRST_HD {
        bda::FLOPPY_LAST_STATUS
    } else {
        bda::DISK_LAST_STATUS
    };
    match ctx.bda_u8(field) {
        0 => Status::Ok,
        last => Status::Fail(last),
    }
}

/// INT 13h AH=02h — read sectors (CHS); in: AL=count (1–128),
/// CH=cylinder low, CL=sector (bits 0–5) and cylinder high (bits 6–7),
/// DH=head, DL=drive, ES:BX=buffer; out: AH=status, AL=sectors read.
pub fn int13_02_read_chs(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let count = u64::from(r.al());
    let sector = u32::from(r.cl() & 0x3F);
    let cylinder = u32::from(r.ch()) | (u32::from(r.cl() & 0xC0) << 2);
    let head = u32::from(r.dh());
    let g = disk.geometry();
    r.set_al(0);
    if count == 0 || count > MAX_SECTORS || sector == 0 {
        return Status::Fail(DISK_RET_EPARAM);
    }
    if cylinder >= g.cylinders || head >= g.heads || sector > g.sectors {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let lba = (u64::from(cylinder) * u64::from(g.heads) + u64::from(head)) * u64::from(g.sectors)
        + u64::from(sector)
        - 1;
    match read_into_guest(disk, lba, count, real_addr(r.es, r.bx()), ctx) {
        Ok(()) => {
            r.set_al(count as u8);
            Status::Ok
        }
        Err(code) => Status::Fail(code),
    }
}

/// INT 13h AH=08h — get drive parameters; in: DL=drive; out: CH=last
/// cylinder (low 8 bits), CL=sectors per track | cylinder bits 8–9 << 6,
/// DH=last head, DL=number of hard disks, AX=0. The last cylinder is kept
/// back as the diagnostic cylinder, as SeaBIOS does.
pub fn int13_08_get_parameters(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let g = match drive(r, ctx) {
        Ok(d) => d.geometry(),
        Err(s) => return s,
    };
    let last_cyl = g.cylinders.saturating_sub(2);
    r.set_ch(last_cyl as u8);
    r.set_cl((((last_cyl >> 2) & 0xC0) | (g.sectors & 0x3F)) as u8);
    r.set_dh((g.heads - 1) as u8);
    r.set_dl(ctx.bda_u8(bda::HD_COUNT));
    r.set_al(0);
    Status::Ok
}

/// INT 13h AH=15h — get disk type; in: DL=drive; out: AH=03h (fixed disk),
/// CX:DX=sectors addressable by CHS (all cylinders but the last).
pub fn int13_15_get_disk_type(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let g = match drive(r, ctx) {
        Ok(d) => d.geometry(),
        Err(s) => return s,
    };
    let n = (g.cylinders - 1) * g.heads * g.sectors;
    r.set_cx((n >> 16) as u16);
    r.set_dx(n as u16);
    Status::OkAh(0x03)
}

/// INT 13h AH=41h — extensions installation check; in: BX=55AAh, DL=drive;
/// out: AH=30h (EDD 3.0), BX=AA55h, CX=0007h (extended access, removable
/// media, EDD). BX is not checked, as SeaBIOS.
pub fn int13_41_extensions_check(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if let Err(s) = drive(r, ctx) {
        return s;
    }
    r.set_bx(0xAA55);
    r.set_cx(0x0007);
    Status::OkAh(0x30)
}

/// INT 13h AH=42h — extended read; in: DL=drive, DS:SI=disk address packet
/// (size 10h, or 18h with a 64-bit flat buffer address when the segment:
/// offset is FFFF:FFFF, per EDD 3.0); out: AH=status, the packet's count =
/// sectors read. A count of 0 reads nothing; above 128 fails with 09h.
pub fn int13_42_extended_read(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let dap = real_addr(r.ds, r.si());
    let mut p = [0u8; 16];
    if ctx.mem.read(dap, &mut p).is_err() || p[0] < 0x10 {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let count = u64::from(u16::from_le_bytes([p[2], p[3]]));
    let offset = u16::from_le_bytes([p[4], p[5]]);
    let segment = u16::from_le_bytes([p[6], p[7]]);
    let lba = u64::from_le_bytes([p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]]);
    let addr = if p[0] >= 0x18 && segment == 0xFFFF && offset == 0xFFFF {
        match ctx.mem.read_u64(dap + 0x10) {
            Ok(flat) => flat,
            Err(_) => return Status::Fail(DISK_RET_EPARAM),
        }
    } else {
        real_addr(segment, offset)
    };
    if lba >= disk.sectors() {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let set_count = |ctx: &mut Ctx, n: u16| {
        let _ = ctx.mem.write_u16(dap + 2, n);
    };
    if count == 0 {
        return Status::Ok;
    }
    if count > MAX_SECTORS {
        set_count(ctx, 0);
        return Status::Fail(DISK_RET_EBOUNDARY);
    }
    match read_into_guest(disk, lba, count, addr, ctx) {
        Ok(()) => Status::Ok,
        Err(code) => {
            set_count(ctx, 0);
            Status::Fail(code)
        }
    }
}

/// INT 13h AH=48h — get drive parameters (EDD); in: DL=drive, DS:SI=buffer
/// whose first word is its size (at least 1Ah); out: the buffer filled with
/// 1Ah bytes (flags, physical C/H/S, total sectors, bytes per sector), or
/// 1Eh when it has room for a DPTE pointer, which is FFFF:FFFF (no DPTE).
pub fn int13_48_get_extended_parameters(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let buf = real_addr(r.ds, r.si());
    let size = match ctx.mem.read_u16(buf) {
        Ok(s) if s >= 0x1A => s,
        _ => return Status::Fail(DISK_RET_EPARAM),
    };
    let g = disk.physical_geometry();
    let total = disk.sectors();
    let (flags, cylinders) = if total > u64::from(g.sectors) * u64::from(g.heads) * 0x3FFF {
        (0u16, 0x3FFFu32)
    } else {
        (0x0002, g.cylinders)
    };
    let mut out = Vec::with_capacity(0x1E);
    let len: u16 = if size >= 0x1E { 0x1E } else { 0x1A };
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&cylinders.to_le_bytes());
    out.extend_from_slice(&g.heads.to_le_bytes());
    out.extend_from_slice(&g.sectors.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&(SECTOR_SIZE as u16).to_le_bytes());
    if len == 0x1E {
        out.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    match ctx.mem.write(buf, &out) {
        Ok(()) => Status::Ok,
        Err(_) => Status::Fail(DISK_RET_EPARAM),
    }
}
