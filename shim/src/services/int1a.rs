//! INT 1Ah — time of day: the BDA tick count and the host's clock as the RTC.

use super::{Ctx, Function, Select, Service, Status};
use crate::clock::bcd;
use crate::regs::Regs;
use abi::bda;

pub const SERVICE: Service = Service {
    vector: 0x1A,
    name: "time",
    functions: &[
        Function {
            select: Select::Ah(0x00),
            name: "int1a_00_get_ticks",
            handler: int1a_00_get_ticks,
        },
        Function {
            select: Select::Ah(0x02),
            name: "int1a_02_get_rtc_time",
            handler: int1a_02_get_rtc_time,
        },
        Function {
            select: Select::Ah(0x04),
            name: "int1a_04_get_rtc_date",
            handler: int1a_04_get_rtc_date,
        },
    ],
    unsupported: Status::CarrySet,
    finish: None,
};

/// INT 1Ah AH=00h — get system time; out: CX:DX=ticks since midnight
/// (40:6C), AL=midnight rollovers since the last call (40:70, then cleared).
pub fn int1a_00_get_ticks(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let ticks = ctx.bda_u32(bda::TIMER_COUNTER);
    r.set_cx((ticks >> 16) as u16);
    r.set_dx(ticks as u16);
    r.set_al(ctx.bda_u8(bda::TIMER_ROLLOVER));
    ctx.set_bda_u8(bda::TIMER_ROLLOVER, 0);
    Status::Cleared
}

/// INT 1Ah AH=02h — get RTC time; out: CH=hours, CL=minutes, DH=seconds
/// (BCD, UTC), DL=0 (no daylight saving), AL=CH.
pub fn int1a_02_get_rtc_time(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let t = ctx.clock.now();
    r.set_ch(bcd(t.hour));
    r.set_cl(bcd(t.minute));
    r.set_dh(bcd(t.second));
    r.set_dl(0);
    r.set_al(r.ch());
    Status::Ok
}

/// INT 1Ah AH=04h — get RTC date; out: CH=century, CL=year, DH=month,
/// DL=day (BCD), AL=CH.
pub fn int1a_04_get_rtc_date(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let t = ctx.clock.now();
    r.set_ch(bcd(t.year / 100));
    r.set_cl(bcd(t.year % 100));
    r.set_dh(bcd(t.month));
    r.set_dl(bcd(t.day));
    r.set_al(r.ch());
    Status::Ok
}
