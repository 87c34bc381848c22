//! INT 14h — serial port services on COM1 (the only port in BDA 40:00),
//! backed by the machine's UART.

use super::{Ctx, Service, Status};
use crate::regs::Regs;
use crate::serial::{reg, ComPort};
use abi::bda;

/// INT 14h: the serial-port service.
pub const SERVICE: Service = Service {
    vector: 0x14,
    name: "serial",
    functions: &[
        function!(0x00, int14_00_init_port),
        function!(0x01, int14_01_send),
        function!(0x02, int14_02_receive),
        function!(0x03, int14_03_status),
    ],
    // CF=1 with AX untouched, as for a missing port (SeaBIOS).
    unsupported: Status::CarrySet,
    finish: None,
};

/// LSR bit 7 in AH: the operation timed out.
const TIMEOUT: u8 = 0x80;

/// The UART behind DX (a port index 0-3 whose BDA word is set), or the
/// missing-port answer: CF=1, AX unchanged.
fn port<'c>(r: &Regs, ctx: &'c mut Ctx) -> Result<&'c mut dyn ComPort, Status> {
    let dx = r.dx();
    if dx >= 4 || ctx.bda_u16(bda::COM_PORTS + 2 * dx) != abi::COM1_PORT {
        return Err(Status::CarrySet);
    }
    match ctx.com1.as_deref_mut() {
        Some(p) => Ok(p),
        None => Err(Status::CarrySet),
    }
}

/// The 8250 divisor for INT 14h AH=00h's baud-rate bits (AL bits 5-7):
/// 110, 150, 300, 600, 1200, 2400, 4800, 9600 baud.
fn divisor(al: u8) -> u16 {
    match al >> 5 {
        0 => 0x0417,
        n => 0x0600 >> n,
    }
}

/// INT 14h AH=00h — initialise port; in: AL=parameters (bits 7-5 baud
/// rate, 4-3 parity, 2 stop bits, 1-0 word length), DX=port; out: AH=line
/// status, AL=modem status.
pub fn int14_00_init_port(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let al = r.al();
    let p = match port(r, ctx) {
        Ok(p) => p,
        Err(s) => return s,
    };
    p.configure(divisor(al), al & 0x1F);
    let (lsr, msr) = (p.line_status(), p.modem_status());
    r.set_ah(lsr);
    r.set_al(msr);
    Status::Cleared
}

/// INT 14h AH=01h — send character; in: AL=character, DX=port; out: AH=line
/// status (bit 7 set on a timeout: the transmitter never became ready).
pub fn int14_01_send(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let al = r.al();
    let p = match port(r, ctx) {
        Ok(p) => p,
        Err(s) => return s,
    };
    let lsr = p.line_status();
    if lsr & reg::LSR_IDLE != reg::LSR_IDLE {
        r.set_ah(lsr | TIMEOUT);
        return Status::Cleared;
    }
    p.send(al);
    r.set_ah(lsr);
    Status::Cleared
}

/// INT 14h AH=02h — receive character; in: DX=port; out: AL=character,
/// AH=line status; AH bit 7 set when no character is waiting (pbios does
/// not wait out the BDA timeout at 40:7C: the UART is polled once).
pub fn int14_02_receive(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let p = match port(r, ctx) {
        Ok(p) => p,
        Err(s) => return s,
    };
    match p.receive() {
        Some(b) => {
            r.set_al(b);
            let lsr = p.line_status();
            r.set_ah(lsr);
        }
        None => {
            let lsr = p.line_status();
            r.set_ah(lsr | TIMEOUT);
        }
    }
    Status::Cleared
}

/// INT 14h AH=03h — get port status; in: DX=port; out: AH=line status,
/// AL=modem status.
pub fn int14_03_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let p = match port(r, ctx) {
        Ok(p) => p,
        Err(s) => return s,
    };
    let (lsr, msr) = (p.line_status(), p.modem_status());
    r.set_ah(lsr);
    r.set_al(msr);
    Status::Cleared
}
