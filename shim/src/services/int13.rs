//! INT 13h — disk services: diskette 00h, hard disks 80h-83h, CD-ROM E0h.
//!
//! Semantics follow SeaBIOS's `disk.c`, `floppy.c` and `cdrom.c`; where they
//! and EDD 3.0 or El Torito differ, the spec wins (noted on the function).

use super::{Ctx, Service, Status};
use crate::disk::{Disk, DiskError, MediaKind, CDROM_DRIVE, FIRST_HD, SECTOR_SIZE};
use crate::mem::real_addr;
use crate::regs::Regs;
use abi::bda;
use abi::status::*;

/// INT 13h: the disk service.
pub const SERVICE: Service = Service {
    vector: 0x13,
    name: "disk",
    functions: &[
        function!(0x00, int13_00_reset),
        function!(0x01, int13_01_get_status),
        function!(0x02, int13_02_read_chs),
        function!(0x03, int13_03_write_chs),
        function!(0x04, int13_04_verify_chs),
        function!(0x05, int13_05_format_track),
        function!(0x08, int13_08_get_parameters),
        function!(0x0C, int13_0c_seek),
        function!(0x0D, int13_0d_alternate_reset),
        function!(0x10, int13_10_test_ready),
        function!(0x11, int13_11_recalibrate),
        function!(0x14, int13_14_controller_diagnostic),
        function!(0x15, int13_15_get_disk_type),
        function!(0x16, int13_16_change_line_status),
        function!(0x41, int13_41_extensions_check),
        function!(0x42, int13_42_extended_read),
        function!(0x43, int13_43_extended_write),
        function!(0x44, int13_44_extended_verify),
        function!(0x47, int13_47_extended_seek),
        function!(0x48, int13_48_get_extended_parameters),
        function!(0x4B, int13_4b_emulation_status),
    ],
    unsupported: Status::Fail(DISK_RET_EPARAM),
    finish: Some(record_status),
};

/// Largest CHS transfer of one call: 128 sectors (SeaBIOS; 0 or more fails
/// with 01h).
const MAX_SECTORS: u64 = 128;
/// Largest extended transfer of one call: 64 KiB (128 sectors, 32 CD-ROM
/// blocks); more fails with 09h and a count of 0, as SeaBIOS.
const MAX_TRANSFER_BYTES: u64 = 0x1_0000;
/// Byte that fills formatted diskette sectors (the diskette parameter
/// table's format filler, F000:EFC7 + 8).
const FORMAT_FILLER: u8 = 0xF6;

/// Keeps the call's status byte in the BDA: 40:74 for hard disks and the
/// CD-ROM, 40:41 for diskettes (chosen by the caller's DL on entry). AH=01h
/// reports the last status and clears it itself.
fn record_status(input: &Regs, status: Status, ctx: &mut Ctx) {
    if input.ah() == 0x01 {
        return;
    }
    let code = match status {
        Status::Fail(c) => c,
        Status::Unsupported => DISK_RET_EPARAM,
        _ => DISK_RET_SUCCESS,
    };
    ctx.set_bda_u8(status_field(input.dl()), code);
}

fn status_field(dl: u8) -> u16 {
    if dl < FIRST_HD {
        bda::FLOPPY_LAST_STATUS
    } else {
        bda::DISK_LAST_STATUS
    }
}

/// The drive behind DL, or the "bad parameter" status.
fn drive<'a>(r: &Regs, ctx: &Ctx<'a>) -> Result<&'a Disk, Status> {
    ctx.drives.get(r.dl()).ok_or(Status::Fail(DISK_RET_EPARAM))
}

/// A drive with the EDD and housekeeping functions: a hard disk or the
/// CD-ROM. A diskette answers only AH=00h-05h, 08h, 15h and 16h (01h
/// otherwise), as SeaBIOS's diskette driver.
fn non_floppy<'a>(r: &Regs, ctx: &Ctx<'a>) -> Result<&'a Disk, Status> {
    let d = drive(r, ctx)?;
    if d.kind() == MediaKind::Floppy {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    Ok(d)
}

/// A drive that has cylinders, heads and sectors (not the CD-ROM).
fn chs_drive<'a>(r: &Regs, ctx: &Ctx<'a>) -> Result<&'a Disk, Status> {
    let d = drive(r, ctx)?;
    if d.kind() == MediaKind::Cdrom {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    Ok(d)
}

fn io_status(e: DiskError) -> u8 {
    match e {
        DiskError::OutOfRange { .. } => DISK_RET_ESECTORNOTFOUND,
        DiskError::ReadOnly => DISK_RET_EWRITEPROTECT,
        _ => DISK_RET_ECONTROLLER,
    }
}

/// A transfer between the disk and guest memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Verify,
}

/// Moves `count` sectors at `lba` between the disk and guest memory at
/// `addr` (linear: a buffer may run past the end of its segment, as on
/// SeaBIOS's ATA path). A diskette transfer may not cross a 64 KiB DMA
/// boundary (09h).
fn transfer(disk: &Disk, op: Op, lba: u64, count: u64, addr: u64, ctx: &mut Ctx) -> Result<(), u8> {
    let len = count as usize * disk.sector_size();
    if !disk.contains(lba, count) {
        return Err(DISK_RET_ESECTORNOTFOUND);
    }
    if op == Op::Verify {
        return Ok(());
    }
    if disk.kind() == MediaKind::Floppy && addr >> 16 != (addr + len as u64 - 1) >> 16 {
        return Err(DISK_RET_EBOUNDARY);
    }
    if !ctx.mem.is_ram(addr, len) {
        return Err(DISK_RET_EPARAM);
    }
    if op == Op::Read {
        if let Some(dst) = ctx.mem.ram_slice(addr, len) {
            return disk.read_into(lba, &dst).map_err(io_status);
        }
    }
    // A buffer spanning two RAM regions goes through a bounce buffer.
    let mut buf = vec![0u8; len];
    match op {
        Op::Read => {
            disk.read(lba, &mut buf).map_err(io_status)?;
            ctx.mem.write(addr, &buf).map_err(|_| DISK_RET_EPARAM)
        }
        Op::Write => {
            ctx.mem.read(addr, &mut buf).map_err(|_| DISK_RET_EPARAM)?;
            disk.write(lba, &buf).map_err(io_status)
        }
        Op::Verify => Ok(()),
    }
}

/// INT 13h AH=00h — reset disk system; in: DL=drive; out: AH=status.
pub fn int13_00_reset(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match drive(r, ctx) {
        Ok(_) => Status::Ok,
        Err(s) => s,
    }
}

/// INT 13h AH=01h — status of last operation; in: DL=drive; out: AH=last
/// status (40:74 or 40:41), CF set when it is non-zero. The BDA byte is left
/// as it is (SeaBIOS).
pub fn int13_01_get_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if let Err(s) = drive(r, ctx) {
        return s;
    }
    match ctx.bda_u8(status_field(r.dl())) {
        0 => Status::Ok,
        last => Status::Fail(last),
    }
}

/// Decodes a CHS request (AL=count, CH/CL=cylinder and sector, DH=head) into
/// an LBA, checking it against the drive's geometry.
fn chs_request(r: &Regs, disk: &Disk) -> Result<(u64, u64), Status> {
    let count = u64::from(r.al());
    let sector = u32::from(r.cl() & 0x3F);
    let cylinder = u32::from(r.ch()) | (u32::from(r.cl() & 0xC0) << 2);
    let head = u32::from(r.dh());
    let g = disk.geometry();
    if count == 0 || count > MAX_SECTORS || sector == 0 {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    if cylinder >= g.cylinders || head >= g.heads || sector > g.sectors {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    let lba = (u64::from(cylinder) * u64::from(g.heads) + u64::from(head)) * u64::from(g.sectors)
        + u64::from(sector)
        - 1;
    Ok((lba, count))
}

fn chs_access(r: &mut Regs, ctx: &mut Ctx, op: Op) -> Status {
    let disk = match chs_drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let (lba, count) = match chs_request(r, disk) {
        Ok(x) => x,
        Err(s) => return s,
    };
    if op == Op::Write && disk.read_only() {
        r.set_al(0);
        return Status::Fail(DISK_RET_EWRITEPROTECT);
    }
    match transfer(disk, op, lba, count, real_addr(r.es, r.bx()), ctx) {
        Ok(()) => {
            r.set_al(count as u8);
            Status::Ok
        }
        Err(code) => {
            r.set_al(0);
            Status::Fail(code)
        }
    }
}

/// INT 13h AH=02h — read sectors (CHS); in: AL=count (1–128),
/// CH=cylinder low, CL=sector (bits 0–5) and cylinder high (bits 6–7),
/// DH=head, DL=drive, ES:BX=buffer; out: AH=status, AL=sectors read.
pub fn int13_02_read_chs(r: &mut Regs, ctx: &mut Ctx) -> Status {
    chs_access(r, ctx, Op::Read)
}

/// INT 13h AH=03h — write sectors (CHS); in: as AH=02h, ES:BX=data;
/// out: AH=status (03h on a read-only drive), AL=sectors written.
pub fn int13_03_write_chs(r: &mut Regs, ctx: &mut Ctx) -> Status {
    chs_access(r, ctx, Op::Write)
}

/// INT 13h AH=04h — verify sectors (CHS); in: as AH=02h without a buffer;
/// out: AH=status, AL=sectors verified. An image has no bad sectors: this
/// checks the address only.
pub fn int13_04_verify_chs(r: &mut Regs, ctx: &mut Ctx) -> Status {
    chs_access(r, ctx, Op::Verify)
}

/// INT 13h AH=05h — format track; in: AL=sectors per track (diskette),
/// CH=cylinder, DH=head, DL=drive, ES:BX=address fields; out: AH=status.
/// A diskette track is filled with F6h (the parameter table's filler); on a
/// hard disk nothing is written (ATA drives format themselves; SeaBIOS's
/// ATA driver does the same).
pub fn int13_05_format_track(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match chs_drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let g = disk.geometry();
    // The cylinder is CH alone: CL's high bits are not used (SeaBIOS).
    let (cylinder, head) = (u32::from(r.ch()), u32::from(r.dh()));
    let sectors = u32::from(r.al());
    if cylinder >= g.cylinders || head >= g.heads || sectors == 0 || sectors > g.sectors {
        return Status::Fail(DISK_RET_EPARAM);
    }
    if disk.kind() != MediaKind::Floppy {
        return Status::Ok;
    }
    if disk.read_only() {
        return Status::Fail(DISK_RET_EWRITEPROTECT);
    }
    if sectors != g.sectors {
        // A partial track cannot be laid out on an image.
        return Status::Fail(DISK_RET_EPARAM);
    }
    let lba = u64::from((cylinder * g.heads + head) * g.sectors);
    let track = vec![FORMAT_FILLER; g.sectors as usize * SECTOR_SIZE];
    match disk.write(lba, &track) {
        Ok(()) => Status::Ok,
        Err(e) => Status::Fail(io_status(e)),
    }
}

/// INT 13h AH=08h — get drive parameters; in: DL=drive; out: CH=last
/// cylinder (low 8 bits), CL=sectors per track | cylinder bits 8–9 << 6,
/// DH=last head, DL=number of drives of that kind, AX=0; on a diskette also
/// BL=drive type and ES:DI=the diskette parameter table (F000:EFC7). A hard
/// disk's last cylinder is kept back as the diagnostic cylinder, as SeaBIOS
/// does.
pub fn int13_08_get_parameters(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match chs_drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let g = disk.geometry();
    let last_cyl = match disk.floppy_format() {
        Some(f) => {
            r.set_bx(u16::from(f.drive_type));
            r.es = abi::ROM_SEGMENT;
            r.set_di(abi::rom::DISKETTE_PARAMS);
            r.set_dl(ctx.drives.floppies());
            g.cylinders - 1
        }
        None => {
            r.set_dl(ctx.bda_u8(bda::HD_COUNT));
            g.cylinders.saturating_sub(2)
        }
    };
    r.set_ch(last_cyl as u8);
    r.set_cl((((last_cyl >> 2) & 0xC0) | (g.sectors & 0x3F)) as u8);
    r.set_dh((g.heads - 1) as u8);
    r.set_al(0);
    Status::Ok
}

/// The answer of the housekeeping functions (0Ch, 0Dh, 10h, 11h, 14h):
/// success on a hard disk or the CD-ROM, nothing to do on an image; 01h on
/// a diskette (SeaBIOS's diskette driver has none of them).
fn hard_disk_only(r: &Regs, ctx: &Ctx) -> Status {
    match non_floppy(r, ctx) {
        Ok(_) => Status::Ok,
        Err(s) => s,
    }
}

/// INT 13h AH=0Ch — seek to cylinder; in: CH/CL=cylinder, DH=head,
/// DL=drive; out: AH=status. Nothing moves on an image.
pub fn int13_0c_seek(r: &mut Regs, ctx: &mut Ctx) -> Status {
    hard_disk_only(r, ctx)
}

/// INT 13h AH=0Dh — alternate disk reset; in: DL=drive; out: AH=status.
pub fn int13_0d_alternate_reset(r: &mut Regs, ctx: &mut Ctx) -> Status {
    hard_disk_only(r, ctx)
}

/// INT 13h AH=10h — test whether the drive is ready; in: DL=drive;
/// out: AH=status.
pub fn int13_10_test_ready(r: &mut Regs, ctx: &mut Ctx) -> Status {
    hard_disk_only(r, ctx)
}

/// INT 13h AH=11h — recalibrate drive; in: DL=drive; out: AH=status.
pub fn int13_11_recalibrate(r: &mut Regs, ctx: &mut Ctx) -> Status {
    hard_disk_only(r, ctx)
}

/// INT 13h AH=14h — controller internal diagnostic; in: DL=drive;
/// out: AH=status.
pub fn int13_14_controller_diagnostic(r: &mut Regs, ctx: &mut Ctx) -> Status {
    hard_disk_only(r, ctx)
}

/// INT 13h AH=15h — get disk type; in: DL=drive; out: AH=01h for a
/// diskette or the CD-ROM (removable, no change line), or AH=03h (fixed
/// disk) with CX:DX=sectors addressable by CHS (all cylinders but the last).
pub fn int13_15_get_disk_type(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match drive(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    if disk.kind() != MediaKind::HardDisk {
        return Status::OkAh(0x01);
    }
    let g = disk.geometry();
    let n = (g.cylinders - 1) * g.heads * g.sectors;
    r.set_cx((n >> 16) as u16);
    r.set_dx(n as u16);
    Status::OkAh(0x03)
}

/// INT 13h AH=16h — diskette change line status; in: DL=drive; out:
/// AH=06h, CF=1 (change line active) on a diskette, as SeaBIOS: the guest
/// re-reads the media, which is always safe. No change line elsewhere: 01h.
pub fn int13_16_change_line_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match drive(r, ctx) {
        Ok(d) if d.kind() == MediaKind::Floppy => Status::Fail(DISK_RET_ECHANGED),
        Ok(_) => Status::Fail(DISK_RET_EPARAM),
        Err(s) => s,
    }
}

/// INT 13h AH=41h — extensions installation check; in: BX=55AAh, DL=drive;
/// out: AH=30h (EDD 3.0), BX=AA55h, CX=0007h (extended access, removable
/// media, EDD). BX is not checked, as SeaBIOS. A diskette has no EDD:
/// CF=1, AH=01h, so the guest falls back to CHS.
pub fn int13_41_extensions_check(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if let Err(s) = non_floppy(r, ctx) {
        return s;
    }
    r.set_bx(0xAA55);
    r.set_cx(0x0007);
    Status::OkAh(0x30)
}

/// A decoded disk address packet (EDD 3.0, 3.4.1).
struct Dap {
    at: u64,
    count: u64,
    lba: u64,
    buffer: u64,
}

/// Reads the packet at DS:SI: size 10h, or 18h with a 64-bit flat buffer
/// address when the segment:offset is FFFF:FFFF.
fn read_dap(r: &Regs, ctx: &Ctx) -> Result<Dap, Status> {
    let at = real_addr(r.ds, r.si());
    let mut p = [0u8; 16];
    if ctx.mem.read(at, &mut p).is_err() || p[0] < 0x10 {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    let count = u64::from(u16::from_le_bytes([p[2], p[3]]));
    let offset = u16::from_le_bytes([p[4], p[5]]);
    let segment = u16::from_le_bytes([p[6], p[7]]);
    let lba = u64::from_le_bytes([p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]]);
    let buffer = if p[0] >= 0x18 && segment == 0xFFFF && offset == 0xFFFF {
        ctx.mem
            .read_u64(at + 0x10)
            .map_err(|_| Status::Fail(DISK_RET_EPARAM))?
    } else {
        real_addr(segment, offset)
    };
    Ok(Dap {
        at,
        count,
        lba,
        buffer,
    })
}

fn extended_access(r: &mut Regs, ctx: &mut Ctx, op: Op) -> Status {
    let disk = match non_floppy(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let dap = match read_dap(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let set_count = |ctx: &mut Ctx, n: u16| {
        let _ = ctx.mem.write_u16(dap.at + 2, n);
    };
    if op == Op::Write && disk.read_only() {
        set_count(ctx, 0);
        return Status::Fail(DISK_RET_EWRITEPROTECT);
    }
    if dap.lba >= disk.sectors() {
        return Status::Fail(DISK_RET_EPARAM);
    }
    if dap.count == 0 {
        return Status::Ok;
    }
    if dap.count * disk.sector_size() as u64 > MAX_TRANSFER_BYTES {
        set_count(ctx, 0);
        return Status::Fail(DISK_RET_EBOUNDARY);
    }
    match transfer(disk, op, dap.lba, dap.count, dap.buffer, ctx) {
        Ok(()) => Status::Ok,
        Err(code) => {
            set_count(ctx, 0);
            Status::Fail(code)
        }
    }
}

/// INT 13h AH=42h — extended read; in: DL=drive, DS:SI=disk address packet
/// (size 10h, or 18h with a 64-bit flat buffer address when the segment:
/// offset is FFFF:FFFF, per EDD 3.0); out: AH=status, the packet's count =
/// blocks read. A count of 0 reads nothing; above 64 KiB fails with 09h.
pub fn int13_42_extended_read(r: &mut Regs, ctx: &mut Ctx) -> Status {
    extended_access(r, ctx, Op::Read)
}

/// INT 13h AH=43h — extended write; in: AL=00h/01h write, 02h write with
/// verify, DL=drive, DS:SI=disk address packet; out: AH=status (03h on a
/// read-only drive or the CD-ROM), the packet's count = blocks written.
pub fn int13_43_extended_write(r: &mut Regs, ctx: &mut Ctx) -> Status {
    extended_access(r, ctx, Op::Write)
}

/// INT 13h AH=44h — extended verify; in: DL=drive, DS:SI=disk address
/// packet; out: AH=status. Checks the addresses only.
pub fn int13_44_extended_verify(r: &mut Regs, ctx: &mut Ctx) -> Status {
    extended_access(r, ctx, Op::Verify)
}

/// INT 13h AH=47h — extended seek; in: DL=drive, DS:SI=disk address packet
/// (its LBA); out: AH=status (01h when the LBA is past the end).
pub fn int13_47_extended_seek(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match non_floppy(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    match read_dap(r, ctx) {
        Ok(d) if d.lba < disk.sectors() => Status::Ok,
        Ok(_) => Status::Fail(DISK_RET_EPARAM),
        Err(s) => s,
    }
}

/// Size of the AH=48h result: EDD 1.x (1Ah), 2.x (1Eh, DPTE pointer),
/// 3.0 (42h, device path).
const EDD1_SIZE: u16 = 0x1A;
const EDD2_SIZE: u16 = 0x1E;
const EDD3_SIZE: u16 = 0x42;

/// INT 13h AH=48h — get drive parameters (EDD); in: DL=drive, DS:SI=buffer
/// whose first word is its size (at least 1Ah); out: the buffer filled with
/// 1Ah bytes (flags, physical C/H/S, total sectors, bytes per sector); 1Eh
/// with a DPTE pointer FFFF:FFFF (no DPTE: there is no ATA controller
/// behind the drive) when it has room; 42h with the EDD 3.0 device path
/// when it has room for that: key BEDDh, ISA host bus, an interface type
/// naming the drive's kind, and the checksum byte.
pub fn int13_48_get_extended_parameters(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match non_floppy(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    let buf = real_addr(r.ds, r.si());
    let size = match ctx.mem.read_u16(buf) {
        Ok(s) if s >= EDD1_SIZE => s,
        _ => return Status::Fail(DISK_RET_EPARAM),
    };
    let len = match size {
        s if s >= EDD3_SIZE => EDD3_SIZE,
        s if s >= EDD2_SIZE => EDD2_SIZE,
        _ => EDD1_SIZE,
    };
    let total = disk.sectors();
    let (flags, cylinders, heads, sectors) = match disk.kind() {
        // Removable, change line, lockable, no CHS: El Torito / EDD for CD-ROMs.
        MediaKind::Cdrom => (0x0074u16, 0xFFFF_FFFFu32, 0xFFFF_FFFFu32, 0xFFFF_FFFFu32),
        _ => {
            let g = disk.physical_geometry();
            let chs_valid = total <= u64::from(g.sectors) * u64::from(g.heads) * 0x3FFF;
            if chs_valid {
                (0x0002, g.cylinders, g.heads, g.sectors)
            } else {
                (0x0000, 0x3FFF, g.heads, g.sectors)
            }
        }
    };
    let mut out = Vec::with_capacity(usize::from(EDD3_SIZE));
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&cylinders.to_le_bytes());
    out.extend_from_slice(&heads.to_le_bytes());
    out.extend_from_slice(&sectors.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&(disk.sector_size() as u16).to_le_bytes());
    if len >= EDD2_SIZE {
        out.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    if len >= EDD3_SIZE {
        let start = out.len();
        out.extend_from_slice(&0xBEDDu16.to_le_bytes()); // key
        out.push(0x24); // device path length, from the key through the checksum
        out.extend_from_slice(&[0, 0, 0]); // reserved
        out.extend_from_slice(b"ISA ");
        let interface: &[u8; 8] = match disk.kind() {
            MediaKind::Cdrom => b"ATAPI   ",
            _ => b"ATA     ",
        };
        out.extend_from_slice(interface);
        // Interface path: I/O base of the primary channel (ISA).
        out.extend_from_slice(&0x01F0u64.to_le_bytes());
        // Device path: the hard disk's index (0 = master, as SeaBIOS's
        // master/slave flag for the first); the CD-ROM is unit 0.
        let unit = match disk.kind() {
            MediaKind::HardDisk => r.dl() - FIRST_HD,
            _ => 0,
        };
        out.extend_from_slice(&u64::from(unit).to_le_bytes());
        out.push(0); // reserved
        out.push(abi::header::checksum_byte(&out[start..]));
    }
    match ctx.mem.write(buf, &out) {
        Ok(()) => Status::Ok,
        Err(_) => Status::Fail(DISK_RET_EPARAM),
    }
}

/// Size of the El Torito specification packet.
const SPEC_PACKET_SIZE: u8 = 0x13;

/// INT 13h AH=4Bh — El Torito: AL=00h terminate disk emulation, AL=01h get
/// emulation status; in: DL=drive (or 7Fh: any), DS:SI=buffer of 13h bytes;
/// out: the specification packet (El Torito 1.0, table 12): size 13h, media
/// type 0 (no emulation), the drive number, controller 0, the image's LBA,
/// the catalog's LBA as device specification, the load segment and the
/// count of virtual sectors loaded. Fails with 01h when nothing booted
/// from the CD-ROM.
pub fn int13_4b_emulation_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.al() > 1 {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let Some(boot) = ctx.state.cdrom_boot else {
        return Status::Fail(DISK_RET_EPARAM);
    };
    if r.dl() != CDROM_DRIVE && r.dl() != 0x7F {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let mut p = [0u8; SPEC_PACKET_SIZE as usize];
    p[0] = SPEC_PACKET_SIZE;
    p[1] = 0x00; // no emulation
    p[2] = CDROM_DRIVE;
    p[3] = 0; // controller index
    p[4..8].copy_from_slice(&boot.load_rba.to_le_bytes());
    p[8..10].copy_from_slice(&0u16.to_le_bytes()); // device specification
    p[10..12].copy_from_slice(&0u16.to_le_bytes()); // user buffer segment
    p[12..14].copy_from_slice(&boot.load_segment.to_le_bytes());
    p[14..16].copy_from_slice(&boot.sector_count.to_le_bytes());
    // Bytes 10h-12h: CHS of an emulated diskette; zero without emulation.
    match ctx.mem.write(real_addr(r.ds, r.si()), &p) {
        Ok(()) => Status::Ok,
        Err(_) => Status::Fail(DISK_RET_EPARAM),
    }
}
