//! INT 13h — disk services: diskette 00h, hard disks 80h-83h, CD-ROM E0h.
//!
//! Semantics follow SeaBIOS's `disk.c`, `floppy.c` and `cdrom.c`; where they
//! and EDD 3.0 or El Torito differ, the spec wins (noted on the function).

use super::{Ctx, Service, Status};
use crate::boot::BootMedia;
use crate::disk::{Disk, DiskError, MediaKind, CDROM_DRIVE, FIRST_HD, SECTOR_SIZE};
use crate::mem::real_addr;
use crate::regs::Regs;
use abi::bda;
use abi::status::*;
use abi::wire::{
    DiskAddressPacket, DriveParameters, SpecificationPacket, DAP_COUNT, DAP_FLAT_BUFFER, EDD1_SIZE,
    EDD2_SIZE, EDD3_SIZE, EDD_DEVICE_PATH,
};
use zerocopy::{FromZeros, IntoBytes};

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
        function!(0x45, int13_45_lock_unlock),
        function!(0x46, int13_46_eject),
        function!(0x47, int13_47_extended_seek),
        function!(0x48, int13_48_get_extended_parameters),
        function!(0x49, int13_49_extended_media_change),
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
    ctx.disk(r.dl()).ok_or(Status::Fail(DISK_RET_EPARAM))
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
        DiskError::OutOfRange { .. } | DiskError::Shrunk { .. } => DISK_RET_ESECTORNOTFOUND,
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
            r.set_dl(ctx.floppy_count());
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
    let mut p = DiskAddressPacket::new_zeroed();
    if ctx.mem.read(at, p.as_mut_bytes()).is_err() || p.size < 0x10 {
        return Err(Status::Fail(DISK_RET_EPARAM));
    }
    let (segment, offset) = (p.segment.get(), p.offset.get());
    let buffer = if p.size >= 0x18 && segment == 0xFFFF && offset == 0xFFFF {
        ctx.mem
            .read_u64(at + DAP_FLAT_BUFFER)
            .map_err(|_| Status::Fail(DISK_RET_EPARAM))?
    } else {
        real_addr(segment, offset)
    };
    Ok(Dap {
        at,
        count: u64::from(p.count.get()),
        lba: p.lba.get(),
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
        let _ = ctx.mem.write_u16(dap.at + DAP_COUNT, n);
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
    let mut p = DriveParameters {
        size: len.into(),
        flags: flags.into(),
        cylinders: cylinders.into(),
        heads: heads.into(),
        sectors_per_track: sectors.into(),
        sectors: total.into(),
        bytes_per_sector: (disk.sector_size() as u16).into(),
        dpte: 0xFFFF_FFFFu32.into(),
        key: 0xBEDDu16.into(),
        // From the key through the checksum.
        path_length: (size_of::<DriveParameters>() - EDD_DEVICE_PATH) as u8,
        host_bus: *b"ISA ",
        interface: match disk.kind() {
            MediaKind::Cdrom => *b"ATAPI   ",
            _ => *b"ATA     ",
        },
        // Interface path: I/O base of the primary channel (ISA).
        interface_path: 0x01F0u64.into(),
        // Device path: the hard disk's index (0 = master, as SeaBIOS's
        // master/slave flag for the first); the CD-ROM is unit 0.
        device_path: u64::from(match disk.kind() {
            MediaKind::HardDisk => r.dl() - FIRST_HD,
            _ => 0,
        })
        .into(),
        ..DriveParameters::new_zeroed()
    };
    p.checksum = abi::header::checksum_byte(&p.as_bytes()[EDD_DEVICE_PATH..]);
    match ctx.mem.write(buf, &p.as_bytes()[..usize::from(len)]) {
        Ok(()) => Status::Ok,
        Err(_) => Status::Fail(DISK_RET_EPARAM),
    }
}

/// Size of the El Torito specification packet.
const SPEC_PACKET_SIZE: u8 = size_of::<SpecificationPacket>() as u8;

/// INT 13h AH=4Bh — El Torito: AL=00h terminate disk emulation, AL=01h get
/// emulation status; in: DL=drive (the emulated drive, E0h, or 7Fh: any),
/// DS:SI=buffer of 13h bytes; out: the specification packet (El Torito
/// 1.0, table 12): size 13h, the media type (0 no emulation, 1-3 the
/// 1.2/1.44/2.88 MB diskettes, 4 hard disk), the drive number, controller
/// 0, the image's LBA, the load segment, the count of virtual sectors
/// loaded and the emulated drive's cylinder, sector and head counts.
/// AL=00h then ends the emulation: the drive is gone and the real drives
/// take their numbers back. Fails with 01h when nothing booted from the
/// CD-ROM.
pub fn int13_4b_emulation_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.al() > 1 {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let Some(boot) = ctx.state.cdrom_boot else {
        return Status::Fail(DISK_RET_EPARAM);
    };
    let emulating = boot.media != BootMedia::NoEmulation && !ctx.state.emulation_ended;
    let drive = if emulating {
        boot.media.drive()
    } else {
        CDROM_DRIVE
    };
    if ![drive, CDROM_DRIVE, 0x7F].contains(&r.dl()) {
        return Status::Fail(DISK_RET_EPARAM);
    }
    let mut p = SpecificationPacket {
        size: SPEC_PACKET_SIZE,
        media_type: if emulating { boot.media.code() } else { 0 },
        drive,
        controller: 0,
        image_lba: boot.load_rba.into(),
        load_segment: boot.load_segment.into(),
        sector_count: boot.sector_count.into(),
        // The device specification and user buffer are zero: no ATAPI
        // controller, no user buffer.
        ..SpecificationPacket::new_zeroed()
    };
    if let (true, Some(g)) = (emulating, ctx.emulated.map(|d| d.geometry())) {
        p.cylinders = g.cylinders as u8;
        p.sectors = (((g.cylinders >> 2) & 0xC0) | (g.sectors & 0x3F)) as u8;
        p.heads = g.heads as u8;
    }
    if ctx
        .mem
        .write(real_addr(r.ds, r.si()), p.as_bytes())
        .is_err()
    {
        return Status::Fail(DISK_RET_EPARAM);
    }
    if r.al() == 0 && emulating {
        ctx.state.emulation_ended = true;
        super::int19::set_drive_counts(ctx, None);
    }
    Status::Ok
}

/// INT 13h AH=45h — lock or unlock the medium; in: AL=00h lock, 01h unlock,
/// 02h status, DL=drive; out: AL=01h locked / 00h unlocked. The CD-ROM
/// counts its locks (up to 255: B4h past that; unlocking an unlocked drive:
/// B0h); a hard disk always succeeds (EDD 3.0, SeaBIOS).
pub fn int13_45_lock_unlock(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match non_floppy(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    if disk.kind() != MediaKind::Cdrom {
        return Status::Ok;
    }
    let locks = ctx.state.cdrom_locks;
    match r.al() {
        0x00 if locks == u8::MAX => return Status::Fail(DISK_RET_ELOCKCOUNT),
        0x00 => ctx.state.cdrom_locks = locks + 1,
        0x01 if locks == 0 => {
            r.set_al(0); // the state: unlocked (as SeaBIOS answers)
            return Status::Fail(DISK_RET_ENOTLOCKED);
        }
        0x01 => ctx.state.cdrom_locks = locks - 1,
        0x02 => {}
        _ => return Status::Fail(DISK_RET_EPARAM),
    }
    r.set_al(u8::from(ctx.state.cdrom_locks > 0));
    Status::Ok
}

/// INT 13h AH=46h — eject the medium; in: DL=drive; out: CF=0, or B1h while
/// the CD-ROM is locked. The image stays attached (a virtual tray has
/// nothing to eject); a hard disk always succeeds (SeaBIOS).
pub fn int13_46_eject(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let disk = match non_floppy(r, ctx) {
        Ok(d) => d,
        Err(s) => return s,
    };
    if disk.kind() == MediaKind::Cdrom && ctx.state.cdrom_locks > 0 {
        return Status::Fail(DISK_RET_ELOCKED);
    }
    Status::Ok
}

/// INT 13h AH=49h — extended media change; in: DL=drive; out: a hard disk
/// CF=0 (never changed); the CD-ROM CF=1, AH=06h (media may have changed),
/// as SeaBIOS answers.
pub fn int13_49_extended_media_change(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match non_floppy(r, ctx) {
        Ok(d) if d.kind() == MediaKind::Cdrom => Status::Fail(DISK_RET_ECHANGED),
        Ok(_) => Status::Ok,
        Err(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::test_world::*;

    #[test]
    fn int13_handlers() {
        let mut w = World::new();
        let mut r = regs(0x0201);
        r.set_cx(0x0002);
        r.set_dx(0x0080);
        r.set_bx(0x1000);
        assert_eq!(w.call(int13_02_read_chs, &mut r), Status::Ok);
        assert_eq!(r.al(), 1);
        assert_eq!(w.mem.read_u8(0x1000).unwrap(), 0x11);
        // ES:BX pointing into the hole above the VGA window: refused, nothing written.
        r = regs(0x0201);
        r.set_cx(0x0002);
        r.set_dx(0x0080);
        r.es = 0xC000;
        assert_eq!(w.call(int13_02_read_chs, &mut r), Status::Fail(0x01));
        // Geometry of a 1 MiB disk: 2 cylinders (minimum), 16 heads, 63 sectors.
        let mut r = regs(0x0800);
        r.set_dl(0x80);
        assert_eq!(w.call(int13_08_get_parameters, &mut r), Status::Ok);
        assert_eq!((r.cx(), r.dx()), (0x003F, 0x0F01));
        let mut r = regs(0x4100);
        r.set_dl(0x80);
        assert_eq!(
            w.call(int13_41_extensions_check, &mut r),
            Status::OkAh(0x30)
        );
        let mut r = regs(0x1500);
        r.set_dl(0x80);
        assert_eq!(w.call(int13_15_get_disk_type, &mut r), Status::OkAh(0x03));
        assert_eq!(r.dx(), 16 * 63);
        // A DAP whose count word is past the end of RAM: no panic, an error.
        let mut r = regs(0x4200);
        r.set_dl(0x80);
        r.ds = 0xFFFF;
        r.set_si(0xFFF8);
        let s = w.call(int13_42_extended_read, &mut r);
        assert_eq!(s, Status::Fail(0x01));
        // AH=48h buffer at the very end of the VGA window: refused.
        w.mem.write_u16(0xBFFFE, 0x1E).unwrap();
        let mut r = regs(0x4800);
        r.set_dl(0x80);
        r.ds = 0xBFFF;
        r.set_si(0x000E);
        assert_eq!(
            w.call(int13_48_get_extended_parameters, &mut r),
            Status::Fail(0x01)
        );
        // No disk at all.
        w.drives.hard.clear();
        let mut r = regs(0x0000);
        r.set_dl(0x80);
        assert_eq!(w.call(int13_00_reset, &mut r), Status::Fail(0x01));
    }

    #[test]
    fn int13_48_fills_the_edd3_parameters_with_a_summed_device_path() {
        let mut w = World::new();
        w.mem.write_u16(0x3000, 0x42).unwrap();
        let mut r = regs(0x4800);
        r.set_dl(0x80);
        r.set_si(0x3000);
        assert_eq!(w.call(int13_48_get_extended_parameters, &mut r), Status::Ok);
        let mut p = DriveParameters::new_zeroed();
        w.mem.read(0x3000, p.as_mut_bytes()).unwrap();
        assert_eq!(p.size.get(), EDD3_SIZE);
        assert_eq!(p.sectors.get(), 2048);
        assert_eq!(p.bytes_per_sector.get(), 512);
        assert_eq!(p.dpte.get(), 0xFFFF_FFFF);
        assert_eq!((p.key.get(), p.path_length), (0xBEDD, 0x24));
        assert_eq!((&p.host_bus, &p.interface), (b"ISA ", b"ATA     "));
        let path = &p.as_bytes()[EDD_DEVICE_PATH..];
        assert_eq!(path.iter().fold(0u8, |a, b| a.wrapping_add(*b)), 0);
        // An EDD 1.x buffer gets 1Ah bytes and nothing past them.
        w.mem.write(0x4000, &[0xEE; 0x42]).unwrap();
        w.mem.write_u16(0x4000, EDD1_SIZE).unwrap();
        r.set_si(0x4000);
        assert_eq!(w.call(int13_48_get_extended_parameters, &mut r), Status::Ok);
        assert_eq!(w.mem.read_u16(0x4000).unwrap(), EDD1_SIZE);
        assert_eq!(w.mem.read_u8(0x4000 + u64::from(EDD1_SIZE)).unwrap(), 0xEE);
    }

    #[test]
    fn int13_42_reads_through_a_flat_64_bit_buffer_address() {
        let mut w = World::new();
        let dap = DiskAddressPacket {
            size: 0x18,
            count: 1.into(),
            offset: 0xFFFF.into(),
            segment: 0xFFFF.into(),
            lba: 1.into(),
            ..DiskAddressPacket::new_zeroed()
        };
        w.mem.write(0x600, dap.as_bytes()).unwrap();
        w.mem
            .write(0x600 + DAP_FLAT_BUFFER, &0x20_0000u64.to_le_bytes())
            .unwrap();
        let mut r = regs(0x4200);
        r.set_dl(0x80);
        r.set_si(0x600);
        assert_eq!(w.call(int13_42_extended_read, &mut r), Status::Ok);
        assert_eq!(
            w.mem.read_u8(0x20_0000).unwrap(),
            0x11,
            "sector 1 above 1 MiB"
        );
    }
}
