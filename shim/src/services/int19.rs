//! INT 19h — bootstrap loader.

use super::{Ctx, Function, Select, Service, Status, Stop};
use crate::disk::SECTOR_SIZE;
use crate::regs::Regs;

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

/// Where the boot sector is loaded: 0000:7C00.
pub const BOOT_ADDR: u64 = 0x7C00;
/// The boot signature at the end of the sector.
pub const BOOT_SIGNATURE: [u8; 2] = [0x55, 0xAA];

/// INT 19h — boot from the first hard disk; in: nothing; out: does not
/// return. Loads LBA 0 to 0000:7C00, checks the 55AAh signature and jumps
/// there with DL=80h, AX=AA55h, the other general registers and DS, ES, SS
/// zero, SP=7C00h and only IF set (as SeaBIOS). With nothing bootable the
/// run ends with a message.
pub fn int19_boot(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let drive = super::int13::FIRST_HD;
    let Some(disk) = ctx.disk else {
        ctx.stop = Some(Stop::NoBootDevice("no boot disk".into()));
        return Status::Jump;
    };
    let mut sector = [0u8; SECTOR_SIZE];
    if disk.read(0, &mut sector).is_err() {
        ctx.stop = Some(Stop::NoBootDevice("could not read the boot disk".into()));
        return Status::Jump;
    }
    if sector[510..] != BOOT_SIGNATURE {
        ctx.stop = Some(Stop::NoBootDevice(
            "not a bootable disk (no 55AAh signature)".into(),
        ));
        return Status::Jump;
    }
    if ctx.mem.write(BOOT_ADDR, &sector).is_err() {
        ctx.stop = Some(Stop::NoBootDevice("no RAM at 0000:7C00".into()));
        return Status::Jump;
    }
    *r = Regs {
        eax: 0xAA55,
        edx: u32::from(drive),
        esp: abi::BOOT_STACK.into(),
        eip: BOOT_ADDR as u32,
        eflags: u32::from(crate::regs::FLAG_IF) | 0x2,
        ..Regs::default()
    };
    Status::Jump
}
