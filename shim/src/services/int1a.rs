//! INT 1Ah — time of day: the BDA tick count and the host's clock as the RTC.

use super::{Ctx, Service, Status};
use crate::clock::{bcd, from_bcd, DateTime};
use crate::regs::Regs;
use abi::bda;

/// INT 1Ah: the time-of-day service.
pub const SERVICE: Service = Service {
    vector: 0x1A,
    name: "time",
    functions: &[
        function!(0x00, int1a_00_get_ticks),
        function!(0x01, int1a_01_set_ticks),
        function!(0x02, int1a_02_get_rtc_time),
        function!(0x03, int1a_03_set_rtc_time),
        function!(0x04, int1a_04_get_rtc_date),
        function!(0x05, int1a_05_set_rtc_date),
        function!(0x06, int1a_06_set_alarm),
        function!(0x07, int1a_07_cancel_alarm),
        function!(0xB1, int1a_b1_pci_bios),
    ],
    // CF=1 with AH unchanged (SeaBIOS).
    unsupported: Status::CarrySet,
    finish: None,
};

/// RTC status register B as the guest sees it: 24-hour mode (02h), the
/// alarm interrupt enable (20h) while an alarm is set.
fn register_b(ctx: &Ctx) -> u8 {
    0x02 | if ctx.state.alarm.is_some() { 0x20 } else { 0 }
}

/// The RTC's time now: the host clock moved by what the guest set.
fn rtc_now(ctx: &Ctx) -> DateTime {
    let t = ctx.clock.now();
    if ctx.state.rtc_offset == 0 {
        return t;
    }
    DateTime::from_unix(t.to_unix().saturating_add_signed(ctx.state.rtc_offset))
}

/// Moves the RTC so that it reads `want` now.
fn set_rtc(ctx: &mut Ctx, want: DateTime) {
    let host = ctx.clock.now().to_unix() as i64;
    ctx.state.rtc_offset = want.to_unix() as i64 - host;
}

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

/// INT 1Ah AH=01h — set system time; in: CX:DX=ticks since midnight;
/// out: AH=00h, CF=0 (40:6C set, the midnight flag 40:70 cleared).
pub fn int1a_01_set_ticks(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let ticks = (u32::from(r.cx()) << 16) | u32::from(r.dx());
    let _ = ctx
        .mem
        .write_u32(crate::mem::bda_addr(bda::TIMER_COUNTER), ticks);
    ctx.set_bda_u8(bda::TIMER_ROLLOVER, 0);
    Status::Ok
}

/// INT 1Ah AH=02h — get RTC time; out: CH=hours, CL=minutes, DH=seconds
/// (BCD, UTC unless the guest set it), DL=0 (no daylight saving), AL=CH.
pub fn int1a_02_get_rtc_time(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let t = rtc_now(ctx);
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
    let t = rtc_now(ctx);
    r.set_ch(bcd(t.year / 100));
    r.set_cl(bcd(t.year % 100));
    r.set_dh(bcd(t.month));
    r.set_dl(bcd(t.day));
    r.set_al(r.ch());
    Status::Ok
}

/// INT 1Ah AH=03h — set RTC time; in: CH=hours, CL=minutes, DH=seconds
/// (BCD), DL=daylight saving (ignored); out: AH=00h, AL=register B (02h:
/// 24-hour mode), CF=0. The host clock is not changed: the guest's RTC runs
/// at an offset from it. Invalid BCD or an out-of-range time: CF=1.
pub fn int1a_03_set_rtc_time(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let (Some(hour), Some(minute), Some(second)) =
        (from_bcd(r.ch()), from_bcd(r.cl()), from_bcd(r.dh()))
    else {
        return Status::CarrySet;
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Status::CarrySet;
    }
    let now = rtc_now(ctx);
    set_rtc(
        ctx,
        DateTime {
            hour,
            minute,
            second,
            ..now
        },
    );
    r.set_al(register_b(ctx));
    Status::Ok
}

/// INT 1Ah AH=05h — set RTC date; in: CH=century, CL=year, DH=month,
/// DL=day (BCD); out: AH=00h, AL=register B, CF=0. Invalid BCD or an
/// impossible date: CF=1.
pub fn int1a_05_set_rtc_date(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let (Some(century), Some(year), Some(month), Some(day)) = (
        from_bcd(r.ch()),
        from_bcd(r.cl()),
        from_bcd(r.dh()),
        from_bcd(r.dl()),
    ) else {
        return Status::CarrySet;
    };
    let year = century * 100 + year;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > 31 {
        return Status::CarrySet;
    }
    let now = rtc_now(ctx);
    set_rtc(
        ctx,
        DateTime {
            year,
            month,
            day,
            ..now
        },
    );
    r.set_al(register_b(ctx));
    Status::Ok
}

/// INT 1Ah AH=06h — set RTC alarm; in: CH=hours, CL=minutes, DH=seconds
/// (BCD); out: AX=0000h, CF=0; CF=1 when an alarm is already set. The alarm
/// is recorded (register B shows it) but this machine has no RTC interrupt,
/// so INT 4Ah is never called.
pub fn int1a_06_set_alarm(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_ax(0);
    if ctx.state.alarm.is_some() {
        return Status::CarrySet;
    }
    ctx.state.alarm = Some([r.ch(), r.cl(), r.dh()]);
    Status::Cleared
}

/// INT 1Ah AH=07h — cancel RTC alarm; out: AH=00h, AL=register B before
/// the alarm was cleared, CF=0.
pub fn int1a_07_cancel_alarm(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_al(register_b(ctx));
    ctx.state.alarm = None;
    Status::Ok
}

/// INT 1Ah AH=B1h — PCI BIOS 2.1 (B101h-B10Eh); runs in the guest: the
/// call continues at the ROM's 16-bit PCI BIOS (F000:`pci16`, named by the
/// ROM header) with the caller's registers and IRET frame, since the
/// machine's configuration space is behind ports CF8h/CFCh, which on QEMU
/// only guest code reaches. With a ROM that has none: CF=1, AH unchanged.
pub fn int1a_b1_pci_bios(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match Some(ctx.rom.pci_entry).filter(|&e| e != 0) {
        Some(ip) => {
            r.cs = abi::ROM_SEGMENT;
            r.set_ip(ip);
            Status::Jump
        }
        None => Status::CarrySet,
    }
}
