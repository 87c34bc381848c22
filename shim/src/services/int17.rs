//! INT 17h — printer services. The machine has no parallel port (BDA 40:08
//! is empty, `abi::bda::LPT_PORTS`), so every call gets the BIOS's answer for a missing printer.

use super::{Ctx, Service, Status};
use crate::regs::Regs;

/// INT 17h: the printer service.
pub const SERVICE: Service = Service {
    vector: 0x17,
    name: "printer",
    functions: &[
        function!(0x00, int17_00_print_char),
        function!(0x01, int17_01_init_printer),
        function!(0x02, int17_02_printer_status),
    ],
    unsupported: Status::CarrySet,
    finish: None,
};

/// The missing-printer answer, CF=1 with AH unchanged (SeaBIOS): POST
/// leaves the printer ports at 40:08 empty, and nothing stands behind them
/// even if a guest fills them in.
fn no_printer(_r: &Regs, _ctx: &Ctx) -> Status {
    Status::CarrySet
}

/// INT 17h AH=00h — print character; in: AL=character, DX=printer;
/// out: CF=1, AH unchanged (no printer).
pub fn int17_00_print_char(r: &mut Regs, ctx: &mut Ctx) -> Status {
    no_printer(r, ctx)
}

/// INT 17h AH=01h — initialise printer; in: DX=printer; out: CF=1, AH
/// unchanged (no printer).
pub fn int17_01_init_printer(r: &mut Regs, ctx: &mut Ctx) -> Status {
    no_printer(r, ctx)
}

/// INT 17h AH=02h — printer status; in: DX=printer; out: CF=1, AH
/// unchanged (no printer).
pub fn int17_02_printer_status(r: &mut Regs, ctx: &mut Ctx) -> Status {
    no_printer(r, ctx)
}
