//! INT 11h — equipment list.

use super::{Ctx, Function, Select, Service, Status};
use crate::regs::Regs;
use abi::bda;

/// INT 11h: the equipment-list service.
pub const SERVICE: Service = Service {
    vector: 0x11,
    name: "equipment",
    functions: &[Function {
        select: Select::Any,
        name: "int11_equipment",
        handler: int11_equipment,
    }],
    unsupported: Status::Done,
    finish: None,
};

/// INT 11h — get equipment list; in: nothing; out: AX=equipment word (40:10).
pub fn int11_equipment(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_ax(ctx.bda_u16(bda::EQUIPMENT));
    Status::Done
}
