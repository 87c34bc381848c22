//! INT 15h — system services: memory maps.

use super::{Ctx, Function, Select, Service, Status};
use crate::mem::real_addr;
use crate::memmap::{HIGH_MEMORY, KIB, MIB};
use crate::regs::Regs;
use abi::status::RET_EUNSUPPORTED;

pub const SERVICE: Service = Service {
    vector: 0x15,
    name: "system",
    functions: &[
        Function {
            select: Select::Ah(0x88),
            name: "int15_88_extended_memory",
            handler: int15_88_extended_memory,
        },
        Function {
            select: Select::Ax(0xE801),
            name: "int15_e801_memory_size",
            handler: int15_e801_memory_size,
        },
        Function {
            select: Select::Ax(0xE820),
            name: "int15_e820_memory_map",
            handler: int15_e820_memory_map,
        },
    ],
    unsupported: Status::Fail(RET_EUNSUPPORTED),
    finish: None,
};

/// 'SMAP', the E820 signature in EDX/EAX.
pub const SMAP: u32 = 0x534D_4150;

/// INT 15h AX=E820h — query system address map; in: EAX=E820h,
/// EDX='SMAP', EBX=continuation (0 first), ECX=buffer size (at least 20),
/// ES:DI=buffer; out: EAX='SMAP', EBX=next continuation (0 after the last
/// entry), ECX=bytes stored (24 with ACPI 3.0 extended attributes when the
/// buffer has room, else 20). Errors: CF=1, AH=86h.
pub fn int15_e820_memory_map(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let map = ctx.memmap.e820();
    let index = r.ebx as usize;
    if r.edx != SMAP || r.ecx < 20 || index >= map.len() {
        return Status::Fail(RET_EUNSUPPORTED);
    }
    let e = map[index];
    let mut entry = [0u8; 24];
    entry[0..8].copy_from_slice(&e.base.to_le_bytes());
    entry[8..16].copy_from_slice(&e.length.to_le_bytes());
    entry[16..20].copy_from_slice(&(e.kind as u32).to_le_bytes());
    entry[20..24].copy_from_slice(&1u32.to_le_bytes()); // ACPI 3.0: enabled
    let len = if r.ecx >= 24 { 24 } else { 20 };
    if ctx
        .mem
        .write(real_addr(r.es, r.di()), &entry[..len])
        .is_err()
    {
        return Status::Fail(RET_EUNSUPPORTED);
    }
    r.eax = SMAP;
    r.ecx = len as u32;
    r.ebx = if index + 1 < map.len() {
        index as u32 + 1
    } else {
        0
    };
    Status::Cleared
}

/// Top of the RAM that starts at 1 MiB.
fn ram_top(ctx: &Ctx) -> u64 {
    ctx.memmap.low_top
}

/// INT 15h AX=E801h — get memory size for large configurations; out:
/// AX=CX=KiB between 1 MiB and 16 MiB, BX=DX=64 KiB blocks above 16 MiB
/// (below 4 GiB).
pub fn int15_e801_memory_size(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let top = ram_top(ctx);
    let (low, high) = if top > 16 * MIB {
        (15 * MIB / KIB, (top - 16 * MIB) / (64 * KIB))
    } else {
        ((top - HIGH_MEMORY) / KIB, 0)
    };
    r.set_ax(low as u16);
    r.set_cx(low as u16);
    r.set_bx(high.min(0xFFFF) as u16);
    r.set_dx(high.min(0xFFFF) as u16);
    Status::Cleared
}

/// INT 15h AH=88h — get extended memory size; out: AX=KiB above 1 MiB,
/// at most FC00h (63 MiB).
pub fn int15_88_extended_memory(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let kib = ((ram_top(ctx) - HIGH_MEMORY) / KIB).min(0xFC00);
    r.set_ax(kib as u16);
    Status::Cleared
}
