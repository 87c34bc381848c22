//! INT 19h — bootstrap loader, and INT 18h — boot failure: try the next
//! device of the boot order.

use super::{Ctx, Function, Select, Service, Status, Stop};
use crate::boot::{boot_image, BootDevice, BootMedia};
use crate::regs::Regs;
use abi::bda;

/// INT 19h: the bootstrap loader.
pub const SERVICE: Service = Service {
    vector: 0x19,
    name: "boot",
    functions: &[Function {
        select: Select::Any,
        name: "int19_boot",
        handler: int19_boot,
    }],
    unsupported: Status::Done,
    finish: None,
};

/// INT 18h: boot failure, which tries the next boot device.
pub const SERVICE_18: Service = Service {
    vector: 0x18,
    name: "boot failure",
    functions: &[Function {
        select: Select::Any,
        name: "int18_next_boot_device",
        handler: int18_next_boot_device,
    }],
    unsupported: Status::Done,
    finish: None,
};

/// Where a boot sector is loaded: 0000:7C00.
pub const BOOT_ADDR: u64 = abi::layout::BOOT_ADDR;

/// INT 19h — boot from the first bootable device of the boot order; in:
/// nothing; out: does not return. A diskette's sector 0 or a hard disk's MBR
/// (which must end in 55AAh; a diskette's need not, as SeaBIOS) is loaded
/// at 0000:7C00; a CD-ROM's El Torito no-emulation image at its load segment
/// (07C0h by default). The guest starts there with DL=drive, AX=AA55h, the
/// other general registers and DS, ES, SS zero, SP=7C00h and only IF set
/// (as SeaBIOS). First the platform tables (MP, ACPI) are written to the
/// EBDA and the reserved top of RAM. With nothing bootable the run ends
/// with a message naming every device tried.
pub fn int19_boot(r: &mut Regs, ctx: &mut Ctx) -> Status {
    for t in ctx.tables {
        // Always RAM (the EBDA and the top of RAM below 4 GiB).
        let _ = ctx.mem.write(t.addr, &t.bytes);
    }
    ctx.state.boot_next = 0;
    boot_next(r, ctx)
}

/// INT 18h — boot failure (a boot sector found nothing to load); in:
/// nothing; out: does not return. Boots the next device of the boot order
/// after the one that ran, or ends the run with "no bootable device".
pub fn int18_next_boot_device(r: &mut Regs, ctx: &mut Ctx) -> Status {
    boot_next(r, ctx)
}

fn boot_next(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mut tried = Vec::new();
    while let Some(&dev) = ctx.boot_order.get(ctx.state.boot_next) {
        ctx.state.boot_next += 1;
        match try_boot(dev, r, ctx) {
            Ok(()) => return Status::Jump,
            Err(why) => tried.push(format!("{}: {why}", dev.name())),
        }
    }
    let why = if tried.is_empty() {
        "no boot device left".to_string()
    } else {
        tried.join("; ")
    };
    ctx.stop = Some(Stop::NoBootDevice(why));
    Status::Jump
}

fn try_boot(dev: BootDevice, r: &mut Regs, ctx: &mut Ctx) -> Result<(), String> {
    let image = boot_image(dev, ctx.drives)?;
    let segment = image.segment;
    let load = if segment == 0 {
        BOOT_ADDR
    } else {
        u64::from(segment) << 4
    };
    if !ctx.mem.is_ram(load, image.bytes.len()) || ctx.mem.write(load, &image.bytes).is_err() {
        return Err(format!("no RAM for the boot image at {load:#x}"));
    }
    // What booted (a CD-ROM's El Torito entry, or nothing of a CD-ROM's):
    // an emulated drive is made when this call returns (see
    // Bios::follow_emulation) and joins the BDA's counts.
    ctx.state.cdrom_boot = image.cdrom;
    ctx.state.emulation_ended = false;
    set_drive_counts(ctx, image.cdrom.map(|b| b.media));
    // Enter at segment & F000h, as SeaBIOS: 07C0:0000 becomes 0000:7C00.
    let (cs, ip) = if segment == 0 {
        (0, BOOT_ADDR as u32)
    } else {
        (segment & 0xF000, u32::from(segment & 0x0FFF) << 4)
    };
    *r = Regs {
        eax: 0xAA55,
        edx: u32::from(image.drive),
        esp: abi::BOOT_STACK.into(),
        cs,
        eip: ip,
        eflags: u32::from(crate::regs::FLAG_IF) | 0x2,
        ..Regs::default()
    };
    Ok(())
}

/// The BDA's drive counts for the real drives plus the drive an El Torito
/// `media` emulates, if any: 40:75 (hard disks) and the equipment word's
/// diskette bits (bit 0 present, bits 6-7 the count less one). Set from
/// the drives each time, so a second boot or the end of an emulation
/// (INT 13h AX=4B00h, with `None`) leaves them right.
pub fn set_drive_counts(ctx: &mut Ctx, media: Option<BootMedia>) {
    let hard = ctx.drives.hard.len() as u8;
    let floppies = ctx.drives.floppies();
    let (hard, floppies) = match media {
        Some(BootMedia::HardDisk) => (hard + 1, floppies),
        Some(BootMedia::NoEmulation) | None => (hard, floppies),
        Some(_) => (hard, floppies + 1),
    };
    ctx.set_bda_u8(bda::HD_COUNT, hard);
    let eq = ctx.bda_u16(bda::EQUIPMENT) & !0x00C1;
    let eq = match floppies {
        0 => eq,
        n => eq | 1 | (u16::from(n - 1) << 6),
    };
    ctx.set_bda_u16(bda::EQUIPMENT, eq);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::int1a;
    use crate::services::test_world::*;

    #[test]
    fn int19_and_int1a_handlers() {
        let mut w = World::new();
        let mut r = regs(0);
        assert_eq!(w.call(int19_boot, &mut r), Status::Jump);
        assert_eq!((r.cs, r.ip(), r.dl(), r.ax()), (0, 0x7C00, 0x80, 0xAA55));
        assert_eq!(w.mem.read_u16(0x7DFE).unwrap(), 0xAA55);
        let mut r = regs(0x0200);
        assert_eq!(w.call(int1a::int1a_02_get_rtc_time, &mut r), Status::Ok);
        assert_eq!((r.cx(), r.dh()), (0x2359, 0x58));
        let mut r = regs(0x0400);
        w.call(int1a::int1a_04_get_rtc_date, &mut r);
        assert_eq!((r.cx(), r.dx()), (0x1999, 0x1231));
        w.mem
            .write_u32(bda_addr(abi::bda::TIMER_COUNTER), 0x0012_3456)
            .unwrap();
        w.mem
            .write_u8(bda_addr(abi::bda::TIMER_ROLLOVER), 1)
            .unwrap();
        let mut r = regs(0);
        assert_eq!(w.call(int1a::int1a_00_get_ticks, &mut r), Status::Cleared);
        assert_eq!((r.cx(), r.dx(), r.al()), (0x0012, 0x3456, 1));
        assert_eq!(
            w.mem.read_u8(bda_addr(abi::bda::TIMER_ROLLOVER)).unwrap(),
            0,
            "cleared"
        );
    }
}
