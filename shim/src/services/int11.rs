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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::int12;
    use crate::services::test_world::*;

    #[test]
    fn int11_int12() {
        let mut w = World::new();
        w.mem
            .write_u16(bda_addr(abi::bda::EQUIPMENT), 0x0222)
            .unwrap();
        w.mem
            .write_u16(bda_addr(abi::bda::MEM_SIZE_KIB), 639)
            .unwrap();
        let mut r = regs(0);
        w.call(int11_equipment, &mut r);
        assert_eq!(r.ax(), 0x0222);
        w.call(int12::int12_memory_size, &mut r);
        assert_eq!(r.ax(), 639);
    }
}
