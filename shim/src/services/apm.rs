//! INT 15h AH=53h — the APM 1.2 BIOS (Advanced Power Management BIOS
//! Interface Specification 1.2), real-mode interface, as SeaBIOS's
//! `apm.c` answers it: installation check, connect and disconnect, CPU
//! idle/busy, power state (off ends the run as an ACPI S5 power-off does;
//! standby and suspend resume at once), power status and events, driver
//! version and capabilities. The 16- and 32-bit protected-mode interfaces
//! 5302h/5303h connect are ROM code (`apm16`, `apm32` in the ROM header)
//! that answers the same in the guest.

use abi::ROM_SEGMENT;

use super::{Ctx, Status, Stop};
use crate::regs::Regs;

/// APM error: no power management events pending.
const APM_NO_EVENTS: u8 = 0x80;
/// APM error: the 16-bit protected-mode interface is not supported.
const APM_NO_PM16: u8 = 0x06;
/// APM error: the 32-bit protected-mode interface is not supported.
const APM_NO_PM32: u8 = 0x08;
/// BX: all devices the APM BIOS manages (APM 1.2, 4.6).
const ALL_DEVICES: u16 = 0x0001;
/// CX of AX=5307h: the off state.
const STATE_OFF: u16 = 0x0003;

/// INT 15h AX=5300h — APM installation check; out: AH=01h AL=02h (version
/// 1.2), BX=504Dh ("PM"), CX=flags 0003h (the 16- and 32-bit
/// protected-mode interfaces; 0000h with a ROM that has none), CF=0.
pub fn int15_5300_apm_installation_check(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_ax(0x0102);
    r.set_bx(0x504D);
    r.set_cx(if has_pm(ctx) { 0x0003 } else { 0x0000 });
    Status::Cleared
}

fn has_pm(ctx: &Ctx) -> bool {
    ctx.rom.apm16_entry != 0 && ctx.rom.apm32_entry != 0
}

/// The protected-mode segments' length: the ROM's segment but for its
/// last 16 bytes (as SeaBIOS gives them).
const PM_SEGMENT_LENGTH: u16 = 0xFFF0;

/// INT 15h AX=5301h — APM real-mode interface connect; in: BX=0000h; out:
/// CF=0.
pub fn int15_5301_apm_connect_real_mode(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=5302h — APM 16-bit protected-mode connect; out: AX=F000h
/// (the code segment's base, as a real-mode segment), BX=the entry's
/// offset, CX=F000h (the data segment), SI=DI=FFF0h (their lengths), CF=0;
/// CF=1, AH=06h with a ROM that has no such entry.
pub fn int15_5302_apm_connect_pm16(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if !has_pm(ctx) {
        return Status::Fail(APM_NO_PM16);
    }
    r.set_ax(ROM_SEGMENT);
    r.set_bx(ctx.rom.apm16_entry);
    r.set_cx(ROM_SEGMENT);
    r.set_si(PM_SEGMENT_LENGTH);
    r.set_di(PM_SEGMENT_LENGTH);
    Status::Cleared
}

/// INT 15h AX=5303h — APM 32-bit protected-mode connect; out: AX=F000h
/// (the 32-bit code segment's base), EBX=the entry's offset, CX=F000h (the
/// 16-bit code segment), DX=F000h (the data segment), ESI=FFF0FFF0h and
/// DI=FFF0h (their lengths), CF=0; CF=1, AH=08h with a ROM that has none.
pub fn int15_5303_apm_connect_pm32(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if !has_pm(ctx) {
        return Status::Fail(APM_NO_PM32);
    }
    r.set_ax(ROM_SEGMENT);
    r.ebx = u32::from(ctx.rom.apm32_entry);
    r.set_cx(ROM_SEGMENT);
    r.set_dx(ROM_SEGMENT);
    r.esi = u32::from(PM_SEGMENT_LENGTH) << 16 | u32::from(PM_SEGMENT_LENGTH);
    r.set_di(PM_SEGMENT_LENGTH);
    Status::Cleared
}

/// INT 15h AX=5304h — APM interface disconnect; out: CF=0.
pub fn int15_5304_apm_disconnect(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=5305h — APM CPU idle; out: CF=0 (the guest's own HLT idles).
pub fn int15_5305_apm_cpu_idle(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=5306h — APM CPU busy; out: CF=0.
pub fn int15_5306_apm_cpu_busy(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=5307h — APM set power state; in: BX=device (0001h: all),
/// CX=state (0001h standby, 0002h suspend, 0003h off); out: CF=0. Off for
/// all devices ends the run as a power-off; standby and suspend return at
/// once (nothing to wake from); other devices are accepted and left alone.
pub fn int15_5307_apm_set_power_state(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bx() == ALL_DEVICES && r.cx() == STATE_OFF {
        ctx.stop = Some(Stop::PowerOff(
            "APM set power state: off (INT 15h AX=5307h)".into(),
        ));
    }
    Status::Cleared
}

/// INT 15h AX=5308h — APM enable/disable power management; out: CF=0.
pub fn int15_5308_apm_enable(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=530Ah — APM get power status; out: BH=01h (on AC line),
/// BL=FFh (battery unknown), CH=80h (no system battery), CL=FFh, DX=FFFFh
/// (life unknown), SI=0000h, CF=0.
pub fn int15_530a_apm_power_status(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_bx(0x01FF);
    r.set_cx(0x80FF);
    r.set_dx(0xFFFF);
    r.set_si(0);
    Status::Cleared
}

/// INT 15h AX=530Bh — APM get power management event; out: CF=1, AH=80h
/// (none pending).
pub fn int15_530b_apm_get_event(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Fail(APM_NO_EVENTS)
}

/// INT 15h AX=530Dh — APM enable/disable device power management; out:
/// CF=0.
pub fn int15_530d_apm_device_enable(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=530Eh — APM driver version; in: CX=the driver's version;
/// out: AH=01h AL=02h (the connection's version: 1.2), CF=0.
pub fn int15_530e_apm_driver_version(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_ax(0x0102);
    Status::Cleared
}

/// INT 15h AX=530Fh — APM engage/disengage power management; out: CF=0.
pub fn int15_530f_apm_engage(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Cleared
}

/// INT 15h AX=5310h — APM get capabilities; out: BL=00h batteries,
/// CX=0000h (no resume timers or events), CF=0.
pub fn int15_5310_apm_capabilities(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_bl(0);
    r.set_cx(0);
    Status::Cleared
}
