//! INT 12h — conventional memory size.

use super::{Ctx, Function, Select, Service, Status};
use crate::regs::Regs;
use abi::bda;

/// INT 12h: the conventional-memory-size service.
pub const SERVICE: Service = Service {
    vector: 0x12,
    name: "memory size",
    functions: &[Function {
        select: Select::Any,
        name: "int12_memory_size",
        handler: int12_memory_size,
    }],
    unsupported: Status::Done,
    finish: None,
};

/// INT 12h — get conventional memory size; in: nothing; out: AX=KiB below
/// the EBDA (40:13).
pub fn int12_memory_size(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_ax(ctx.bda_u16(bda::MEM_SIZE_KIB));
    Status::Done
}
