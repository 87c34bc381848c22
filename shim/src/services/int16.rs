//! INT 16h — keyboard, over the BDA ring buffer at 40:1E.
//!
//! Keys from the host are moved into the ring buffer (as the keyboard IRQ
//! would) before each call, so a guest that reads the BDA directly sees the
//! same keys.

use super::{Ctx, Function, Select, Service, Status};
use crate::regs::Regs;
use abi::bda;

pub const SERVICE: Service = Service {
    vector: 0x16,
    name: "keyboard",
    functions: &[
        Function {
            select: Select::Ah(0x00),
            name: "int16_00_read_key",
            handler: int16_00_read_key,
        },
        Function {
            select: Select::Ah(0x01),
            name: "int16_01_check_key",
            handler: int16_01_check_key,
        },
        Function {
            select: Select::Ah(0x02),
            name: "int16_02_shift_flags",
            handler: int16_02_shift_flags,
        },
        Function {
            select: Select::Ah(0x10),
            name: "int16_10_read_extended_key",
            handler: int16_10_read_extended_key,
        },
        Function {
            select: Select::Ah(0x11),
            name: "int16_11_check_extended_key",
            handler: int16_11_check_extended_key,
        },
    ],
    // The keyboard BIOS leaves registers alone for a function it lacks.
    unsupported: Status::Done,
    finish: None,
};

/// The ring buffer's bounds (offsets in segment 40h), sanitised: a guest
/// that broke 40:80/40:82 gets the default buffer.
fn ring(ctx: &Ctx) -> (u16, u16) {
    let (start, end) = (
        ctx.bda_u16(bda::KBD_BUF_START),
        ctx.bda_u16(bda::KBD_BUF_END),
    );
    if start < end && end <= 0x100 && start >= bda::KBD_BUFFER && (end - start) % 2 == 0 {
        (start, end)
    } else {
        (bda::KBD_BUFFER, bda::KBD_BUFFER_END)
    }
}

fn advance(p: u16, start: u16, end: u16) -> u16 {
    if p + 2 >= end {
        start
    } else {
        p + 2
    }
}

/// Moves keys from the host into the ring buffer while it has room.
fn refill(ctx: &mut Ctx) {
    let (start, end) = ring(ctx);
    loop {
        let head = ctx.bda_u16(bda::KBD_HEAD);
        let tail = ctx.bda_u16(bda::KBD_TAIL);
        let next = advance(tail, start, end);
        if next == head || tail < start || tail >= end {
            return;
        }
        let Some(key) = ctx.keys.poll() else { return };
        ctx.set_bda_u16(tail, key);
        ctx.set_bda_u16(bda::KBD_TAIL, next);
    }
}

/// The key at the head of the buffer, removed if `take`.
fn next_key(ctx: &mut Ctx, take: bool) -> Option<u16> {
    refill(ctx);
    let (start, end) = ring(ctx);
    let head = ctx.bda_u16(bda::KBD_HEAD);
    if head == ctx.bda_u16(bda::KBD_TAIL) || head < start || head >= end {
        return None;
    }
    let key = ctx.bda_u16(head);
    if take {
        ctx.set_bda_u16(bda::KBD_HEAD, advance(head, start, end));
    }
    Some(key)
}

/// What the non-extended functions return for an extended key: E0h prefixes
/// become 00h (keypad Enter and / get their main-keyboard scan codes).
fn legacy(key: u16) -> u16 {
    match key {
        0xE00D => 0x1C0D,
        0xE00A => 0x1C0A,
        0xE02F => 0x352F,
        k if k & 0xFF == 0xE0 && k >> 8 != 0 => k & 0xFF00,
        k => extended(k),
    }
}

/// F0h fill bytes with a scan code read as 00h.
fn extended(key: u16) -> u16 {
    if key & 0xFF == 0xF0 && key >> 8 != 0 {
        key & 0xFF00
    } else {
        key
    }
}

/// INT 16h AH=00h — read key, waiting for one; out: AH=scan code,
/// AL=ASCII (extended keys mapped to 00h). The wait lets the guest run with
/// interrupts on, so the timer keeps ticking.
pub fn int16_00_read_key(r: &mut Regs, ctx: &mut Ctx) -> Status {
    read(r, ctx, legacy)
}

fn read(r: &mut Regs, ctx: &mut Ctx, map: fn(u16) -> u16) -> Status {
    match next_key(ctx, true) {
        Some(k) => {
            r.set_ax(map(k));
            Status::Done
        }
        None => Status::Wait,
    }
}

/// INT 16h AH=01h — check for key; out: ZF=1 if none, else ZF=0 and
/// AX=the key, left in the buffer.
pub fn int16_01_check_key(r: &mut Regs, ctx: &mut Ctx) -> Status {
    check(r, ctx, legacy)
}

fn check(r: &mut Regs, ctx: &mut Ctx, map: fn(u16) -> u16) -> Status {
    match next_key(ctx, false) {
        Some(k) => {
            r.set_ax(map(k));
            r.set_zf(false);
        }
        None => r.set_zf(true),
    }
    Status::Done
}

/// INT 16h AH=02h — get shift flags; out: AL=40:17.
pub fn int16_02_shift_flags(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_al(ctx.bda_u8(bda::KBD_FLAGS1));
    Status::Done
}

/// INT 16h AH=10h — read extended key, waiting for one; out: AX=key
/// (E0h prefixes kept).
pub fn int16_10_read_extended_key(r: &mut Regs, ctx: &mut Ctx) -> Status {
    read(r, ctx, extended)
}

/// INT 16h AH=11h — check for extended key; out: ZF=1 if none, else ZF=0
/// and AX=the key, left in the buffer.
pub fn int16_11_check_extended_key(r: &mut Regs, ctx: &mut Ctx) -> Status {
    check(r, ctx, extended)
}
