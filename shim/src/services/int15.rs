//! INT 15h — system services: memory maps, A20, waits, block moves, the
//! configuration table.

use super::apm::*;
use super::{Ctx, Service, Status};
use crate::mem::real_addr;
use crate::memmap::{HIGH_MEMORY, KIB, MIB};
use crate::regs::Regs;
use abi::status::RET_EUNSUPPORTED;
use abi::wire::{BlockMoveTable, E820Entry, SegmentDescriptor, E820_BASE_SIZE};
use std::time::{Duration, Instant};
use zerocopy::{FromZeros, IntoBytes};

/// INT 15h: the system service.
pub const SERVICE: Service = Service {
    vector: 0x15,
    name: "system",
    functions: &[
        function!(ax 0x2400, int15_2400_disable_a20),
        function!(ax 0x2401, int15_2401_enable_a20),
        function!(ax 0x2402, int15_2402_a20_status),
        function!(ax 0x2403, int15_2403_a20_support),
        function!(0x4F, int15_4f_keyboard_intercept),
        function!(ax 0x5300, int15_5300_apm_installation_check),
        function!(ax 0x5301, int15_5301_apm_connect_real_mode),
        function!(ax 0x5302, int15_5302_apm_connect_pm16),
        function!(ax 0x5303, int15_5303_apm_connect_pm32),
        function!(ax 0x5304, int15_5304_apm_disconnect),
        function!(ax 0x5305, int15_5305_apm_cpu_idle),
        function!(ax 0x5306, int15_5306_apm_cpu_busy),
        function!(ax 0x5307, int15_5307_apm_set_power_state),
        function!(ax 0x5308, int15_5308_apm_enable),
        function!(ax 0x530A, int15_530a_apm_power_status),
        function!(ax 0x530B, int15_530b_apm_get_event),
        function!(ax 0x530D, int15_530d_apm_device_enable),
        function!(ax 0x530E, int15_530e_apm_driver_version),
        function!(ax 0x530F, int15_530f_apm_engage),
        function!(ax 0x5310, int15_5310_apm_capabilities),
        function!(0x86, int15_86_wait),
        function!(0x87, int15_87_block_move),
        function!(0x88, int15_88_extended_memory),
        function!(0x90, int15_90_device_busy),
        function!(0x91, int15_91_interrupt_complete),
        function!(0xC0, int15_c0_configuration),
        function!(0xEC, int15_ec_cpu_mode),
        function!(ax 0xE801, int15_e801_memory_size),
        function!(ax 0xE820, int15_e820_memory_map),
        function!(ax 0xE980, int15_e980_speedstep),
    ],
    unsupported: Status::Fail(RET_EUNSUPPORTED),
    finish: None,
};

/// INT 15h AX=2400h — disable the A20 gate; out: CF=1, AH=86h. The gate
/// stays open: KVM has no A20 mask, so pbios cannot close it (SeaBIOS on
/// QEMU closes it through port 92h).
pub fn int15_2400_disable_a20(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Fail(RET_EUNSUPPORTED)
}

/// INT 15h AX=2401h — enable the A20 gate; out: AH=00h, CF=0 (it is always
/// open).
pub fn int15_2401_enable_a20(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Ok
}

/// INT 15h AX=2402h — A20 gate status; out: AL=01h (enabled), AH=00h, CF=0.
pub fn int15_2402_a20_status(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_al(1);
    Status::Ok
}

/// INT 15h AX=2403h — A20 gate support; out: BX=0000h (neither the keyboard
/// controller nor port 92h switches it: it is always open), AH=00h, CF=0.
pub fn int15_2403_a20_support(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_bx(0);
    Status::Ok
}

/// INT 15h AH=4Fh — keyboard intercept, called with a scan code in AL;
/// out: CF=1, AL unchanged: process the key normally (SeaBIOS).
pub fn int15_4f_keyboard_intercept(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::CarrySet
}

/// INT 15h AH=86h — wait; in: CX:DX=microseconds; out: CF=0 after the
/// time has passed. The guest sleeps with interrupts on meanwhile, so the
/// timer keeps ticking; the wait ends at the first interrupt after the time
/// (the timer's 55 ms granularity).
pub fn int15_86_wait(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let now = Instant::now();
    match ctx.state.wait_until {
        Some(end) if now >= end => {
            ctx.state.wait_until = None;
            Status::Cleared
        }
        Some(_) => Status::Wait,
        None => {
            let us = (u64::from(r.cx()) << 16) | u64::from(r.dx());
            ctx.state.wait_until = Some(now + Duration::from_micros(us));
            Status::Wait
        }
    }
}

/// INT 15h AH=87h — move extended memory block; in: CX=words (at most
/// 8000h), ES:SI=a GDT of six descriptors whose third and fourth (at +10h
/// and +18h) give the source and destination bases; out: AH=00h, CF=0.
/// The copy is done on the host; a count above 8000h, or either block
/// outside guest RAM, fails with AH=01h (RBIL: "RAM parity error" is the
/// only other code, so it stands for any failed move).
pub fn int15_87_block_move(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let words = usize::from(r.cx());
    if words > 0x8000 {
        return Status::Fail(0x01);
    }
    // The first four descriptors: the caller's table may end after the
    // destination's.
    let mut gdt = BlockMoveTable::new_zeroed();
    let head = &mut gdt.as_mut_bytes()[..4 * size_of::<SegmentDescriptor>()];
    if ctx.mem.read(real_addr(r.es, r.si()), head).is_err() {
        return Status::Fail(0x01);
    }
    let [_, _, src, dst, ..] = gdt.descriptors;
    let (src, dst) = (u64::from(src.base()), u64::from(dst.base()));
    let mut buf = vec![0u8; words * 2];
    if ctx.mem.read(src, &mut buf).is_err() || !ctx.mem.is_ram(dst, buf.len()) {
        return Status::Fail(0x01);
    }
    match ctx.mem.write(dst, &buf) {
        Ok(()) => Status::Ok,
        Err(_) => Status::Fail(0x01),
    }
}

/// INT 15h AH=90h — device busy: a hook for a multitasking OS; the BIOS's
/// own answer is to return at once, registers and flags untouched
/// (SeaBIOS).
pub fn int15_90_device_busy(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Done
}

/// INT 15h AH=91h — interrupt complete: a hook for a multitasking OS;
/// returns at once, registers and flags untouched (SeaBIOS).
pub fn int15_91_interrupt_complete(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Done
}

/// INT 15h AH=C0h — get configuration; out: ES:BX=F000:E6F5 (the system
/// configuration table: size, model FCh, submodel, revision, feature bytes),
/// AH=00h, CF=0.
pub fn int15_c0_configuration(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.es = abi::ROM_SEGMENT;
    r.set_bx(abi::rom::CONFIG_TABLE);
    Status::Ok
}

/// INT 15h AH=ECh — tell the BIOS the target CPU mode (AMD: AX=EC00h,
/// BL=1/2/3); out: CF=1, AH=86h: nothing to prepare, and SeaBIOS answers
/// the same (Linux ignores the result).
pub fn int15_ec_cpu_mode(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Fail(RET_EUNSUPPORTED)
}

/// INT 15h AX=E980h — Intel SpeedStep (applet) information; out: CF=1,
/// AH=86h: not supported, as SeaBIOS.
pub fn int15_e980_speedstep(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Fail(RET_EUNSUPPORTED)
}

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
    if r.edx != SMAP || (r.ecx as usize) < E820_BASE_SIZE || index >= map.len() {
        return Status::Fail(RET_EUNSUPPORTED);
    }
    let e = map[index];
    let entry = E820Entry {
        base: e.base.into(),
        length: e.length.into(),
        kind: (e.kind as u32).into(),
        attributes: 1.into(), // ACPI 3.0: enabled
    };
    let len = if r.ecx as usize >= size_of::<E820Entry>() {
        size_of::<E820Entry>()
    } else {
        E820_BASE_SIZE
    };
    if ctx
        .mem
        .write(real_addr(r.es, r.di()), &entry.as_bytes()[..len])
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

/// Top of the usable RAM that starts at 1 MiB: the platform tables above
/// it are reserved.
fn ram_top(ctx: &Ctx) -> u64 {
    ctx.memmap.extended_top()
}

/// INT 15h AX=E801h — get memory size for large configurations; out:
/// AX=CX=KiB between 1 MiB and 16 MiB, BX=DX=64 KiB blocks above 16 MiB
/// (below 4 GiB).
pub fn int15_e801_memory_size(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let top = ram_top(ctx);
    let (low, high) = if top > 16 * MIB {
        (15 * MIB / KIB, (top - 16 * MIB) / (64 * KIB))
    } else {
        (top.saturating_sub(HIGH_MEMORY) / KIB, 0)
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
    let kib = (ram_top(ctx).saturating_sub(HIGH_MEMORY) / KIB).min(0xFC00);
    r.set_ax(kib as u16);
    Status::Cleared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::test_world::*;

    #[test]
    fn int15_handlers() {
        let mut w = World::new();
        let mut r = regs(0xE820);
        r.edx = SMAP;
        r.ecx = 20;
        r.es = 0;
        r.set_di(0x2000);
        assert_eq!(w.call(int15_e820_memory_map, &mut r), Status::Cleared);
        assert_eq!((r.eax, r.ebx, r.ecx), (SMAP, 1, 20));
        // A continuation value from a hostile guest.
        r.eax = 0xE820;
        r.ebx = u32::MAX;
        r.ecx = 20;
        assert_eq!(w.call(int15_e820_memory_map, &mut r), Status::Fail(0x86));
        let mut r = regs(0xE801);
        w.call(int15_e801_memory_size, &mut r);
        // 32 MiB, less the 8 MiB framebuffer and 64 KiB of platform
        // tables at the top.
        assert_eq!((r.ax(), r.bx()), (15 * 1024, 8 * 16 - 1));
        let mut r = regs(0x8800);
        w.call(int15_88_extended_memory, &mut r);
        assert_eq!(r.ax(), 23 * 1024 - 64);
    }

    #[test]
    fn int15_e820_gives_24_bytes_with_the_enabled_attribute_when_asked() {
        let mut w = World::new();
        let mut r = regs(0xE820);
        r.edx = SMAP;
        r.ecx = 24;
        r.set_di(0x2000);
        assert_eq!(w.call(int15_e820_memory_map, &mut r), Status::Cleared);
        assert_eq!(r.ecx, 24);
        let mut e = E820Entry::new_zeroed();
        w.mem.read(0x2000, e.as_mut_bytes()).unwrap();
        assert_eq!((e.base.get(), e.length.get()), (0, 0x9_FC00));
        assert_eq!((e.kind.get(), e.attributes.get()), (1, 1));
    }

    #[test]
    fn int15_87_moves_between_the_descriptors_bases() {
        let mut w = World::new();
        let desc = |base: u32| SegmentDescriptor {
            limit_low: 0xFFFF.into(),
            base_low: (base as u16).into(),
            base_mid: (base >> 16) as u8,
            access: 0x93,
            limit_high: 0,
            base_high: (base >> 24) as u8,
        };
        let mut t = BlockMoveTable::new_zeroed();
        t.descriptors[2] = desc(0x10_0000);
        t.descriptors[3] = desc(0x5000);
        w.mem.write(0x700, t.as_bytes()).unwrap();
        w.mem.write(0x10_0000, b"pbios!").unwrap();
        let mut r = regs(0x8700);
        r.set_cx(3);
        r.set_si(0x700);
        assert_eq!(w.call(int15_87_block_move, &mut r), Status::Ok);
        let mut got = [0u8; 6];
        w.mem.read(0x5000, &mut got).unwrap();
        assert_eq!(&got, b"pbios!");
        // A destination outside RAM: refused, nothing written.
        t.descriptors[3] = desc(0xC_0000);
        w.mem.write(0x700, t.as_bytes()).unwrap();
        assert_eq!(w.call(int15_87_block_move, &mut r), Status::Fail(0x01));
    }
}
