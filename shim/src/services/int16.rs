//! INT 16h — keyboard, over the BDA ring buffer at 40:1E.
//!
//! Keys from the host are moved into the ring buffer (as the keyboard IRQ
//! would) before each call, so a guest that reads the BDA directly sees the
//! same keys.

use super::{Ctx, Service, Status};
use crate::regs::Regs;
use abi::bda;

/// INT 16h: the keyboard service.
pub const SERVICE: Service = Service {
    vector: 0x16,
    name: "keyboard",
    functions: &[
        function!(0x00, int16_00_read_key),
        function!(0x01, int16_01_check_key),
        function!(0x02, int16_02_shift_flags),
        function!(0x03, int16_03_set_typematic),
        function!(0x05, int16_05_store_key),
        function!(0x09, int16_09_capabilities),
        function!(0x0A, int16_0a_keyboard_id),
        function!(0x10, int16_10_read_extended_key),
        function!(0x11, int16_11_check_extended_key),
        function!(0x12, int16_12_extended_shift_flags),
    ],
    // The keyboard BIOS leaves registers alone for a function it lacks.
    unsupported: Status::Done,
    finish: None,
};

/// The ring buffer as read from the BDA, every pointer validated where it
/// is read (offsets in segment 40h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ring {
    start: u16,
    end: u16,
    head: u16,
    tail: u16,
}

impl Ring {
    /// The slot after `p` (`p` is a valid slot, below `end` <= 100h).
    fn advance(&self, p: u16) -> u16 {
        let next = p + 2;
        if next >= self.end {
            self.start
        } else {
            next
        }
    }

    /// Keys the buffer holds when full (one slot stays free).
    fn capacity(&self) -> u16 {
        (self.end - self.start) / 2 - 1
    }
}

/// Reads the ring buffer. Bounds a guest broke (40:80/40:82) give the
/// default buffer; a head or tail outside the buffer or off a key's slot
/// (odd, past the end, FFFEh) empties it, as a keyboard reset would, so no
/// pointer arithmetic ever runs on a value the guest left out of range.
fn ring(ctx: &mut Ctx) -> Ring {
    let (mut start, mut end) = (
        ctx.bda_u16(bda::KBD_BUF_START),
        ctx.bda_u16(bda::KBD_BUF_END),
    );
    if !(start < end && end <= 0x100 && start >= bda::KBD_BUFFER && (end - start) % 2 == 0)
        || end - start < 4
    {
        (start, end) = (bda::KBD_BUFFER, bda::KBD_BUFFER_END);
    }
    let slot = |p: u16| (start..end).contains(&p) && (p - start).is_multiple_of(2);
    let (head, tail) = (ctx.bda_u16(bda::KBD_HEAD), ctx.bda_u16(bda::KBD_TAIL));
    if slot(head) && slot(tail) {
        return Ring {
            start,
            end,
            head,
            tail,
        };
    }
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        log::warn!(
            "INT 16h: keyboard buffer pointers out of range (head {head:04X}h, tail {tail:04X}h, \
             buffer {start:04X}h-{end:04X}h): buffer emptied"
        );
    }
    ctx.set_bda_u16(bda::KBD_HEAD, start);
    ctx.set_bda_u16(bda::KBD_TAIL, start);
    Ring {
        start,
        end,
        head: start,
        tail: start,
    }
}

/// Moves keys from the host into the ring buffer while it has room (at
/// most a buffer's worth per call, whatever the host has queued).
fn refill(ctx: &mut Ctx) {
    let mut r = ring(ctx);
    for _ in 0..r.capacity() {
        let next = r.advance(r.tail);
        if next == r.head {
            return;
        }
        let Some(key) = ctx.keys.poll() else { return };
        ctx.set_bda_u16(r.tail, key);
        ctx.set_bda_u16(bda::KBD_TAIL, next);
        r.tail = next;
    }
}

/// The key at the head of the buffer, removed if `take`.
fn next_key(ctx: &mut Ctx, take: bool) -> Option<u16> {
    refill(ctx);
    let r = ring(ctx);
    if r.head == r.tail {
        return None;
    }
    let key = ctx.bda_u16(r.head);
    if take {
        ctx.set_bda_u16(bda::KBD_HEAD, r.advance(r.head));
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
            Status::Zf(false)
        }
        None => Status::Zf(true),
    }
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

/// INT 16h AH=03h — set typematic rate and delay; in: AL=05h, BH=delay,
/// BL=rate; out: nothing. Keys come from the host already repeated, so
/// there is nothing to program (SeaBIOS does nothing either).
pub fn int16_03_set_typematic(_r: &mut Regs, _ctx: &mut Ctx) -> Status {
    Status::Done
}

/// INT 16h AH=05h — store a key in the buffer; in: CH=scan code,
/// CL=ASCII; out: AL=00h stored, 01h buffer full.
pub fn int16_05_store_key(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let ring = ring(ctx);
    let next = ring.advance(ring.tail);
    if next == ring.head {
        r.set_al(1);
        return Status::Done;
    }
    ctx.set_bda_u16(ring.tail, r.cx());
    ctx.set_bda_u16(bda::KBD_TAIL, next);
    r.set_al(0);
    Status::Done
}

/// INT 16h AH=09h — keyboard functionality; out: AL=30h (AH=0Ah and the
/// enhanced 10h-12h functions are supported; no typematic or keyclick).
pub fn int16_09_capabilities(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_al(0x30);
    Status::Done
}

/// INT 16h AH=0Ah — keyboard ID; out: BX=41ABh (an MF2 keyboard, ID bytes
/// ABh 41h as it answers F2h).
pub fn int16_0a_keyboard_id(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_bx(0x41AB);
    Status::Done
}

/// INT 16h AH=12h — get extended shift flags; out: AL=40:17, AH=40:18 with
/// bits 2-3 (right Ctrl, right Alt) taken from 40:96.
pub fn int16_12_extended_shift_flags(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let f2 = ctx.bda_u8(bda::KBD_FLAGS2) & !0x0C;
    let right = ctx.bda_u8(bda::KBD_MODE) & 0x0C;
    r.set_al(ctx.bda_u8(bda::KBD_FLAGS1));
    r.set_ah(f2 | right);
    Status::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::test_world::*;

    #[test]
    fn int16_handlers() {
        let mut w = World::new();
        let mut r = regs(0x0100);
        w.call(int16_01_check_key, &mut r);
        assert!(r.zf());
        assert_eq!(w.call(int16_00_read_key, &mut regs(0)), Status::Wait);
        w.keys.0.extend([0x1E61, 0x48E0]);
        let mut r = regs(0x1000);
        assert_eq!(w.call(int16_10_read_extended_key, &mut r), Status::Done);
        assert_eq!(r.ax(), 0x1E61);
        let mut r = regs(0x1100);
        assert_eq!(
            w.call(int16_11_check_extended_key, &mut r),
            Status::Zf(false),
            "a key waits"
        );
        assert!(!r.zf());
        assert_eq!(r.ax(), 0x48E0);
        let mut r = regs(0x0000);
        w.call(int16_00_read_key, &mut r);
        assert_eq!(r.ax(), 0x4800);
        // A guest that broke its ring buffer pointers gets the default buffer.
        w.mem
            .write_u16(bda_addr(abi::bda::KBD_BUF_START), 0xFFFF)
            .unwrap();
        w.mem
            .write_u16(bda_addr(abi::bda::KBD_TAIL), 0xFFF0)
            .unwrap();
        let mut r = regs(0x0100);
        w.call(int16_01_check_key, &mut r);
        let mut r = regs(0x0200);
        w.call(int16_02_shift_flags, &mut r);
        assert_eq!(r.al(), 0);
    }

    /// A world whose ring pointers are `head`/`tail`, with `queued` keys
    /// waiting on the host side.
    fn broken(head: u16, tail: u16, queued: usize) -> World {
        let mut w = World::new();
        w.mem.write_u16(bda_addr(bda::KBD_HEAD), head).unwrap();
        w.mem.write_u16(bda_addr(bda::KBD_TAIL), tail).unwrap();
        w.keys.0.extend(std::iter::repeat_n(0x1E61, queued));
        w
    }

    #[test]
    fn hostile_ring_pointers_give_a_sane_answer_and_no_endless_refill() {
        // FFFEh (the tail's + 2 overflowed), odd, past the end, below the
        // start: with keys arriving all the while.
        for (head, tail) in [
            (0x1E, 0xFFFE),
            (0xFFFE, 0x1E),
            (0x0001, 0x001E),
            (0x001F, 0x0020),
            (0x1E, 0x3E),
            (0x1C, 0x1E),
            (0xFFFF, 0xFFFF),
        ] {
            for f in [
                int16_00_read_key as super::super::Handler,
                int16_01_check_key,
                int16_05_store_key,
                int16_10_read_extended_key,
                int16_11_check_extended_key,
            ] {
                let mut w = broken(head, tail, 100_000);
                let mut r = regs(0x0100);
                r.set_cx(0x1C0D);
                let status = w.call(f, &mut r);
                assert_ne!(status, Status::Unsupported);
                let h = w.mem.read_u16(bda_addr(bda::KBD_HEAD)).unwrap();
                let t = w.mem.read_u16(bda_addr(bda::KBD_TAIL)).unwrap();
                for p in [h, t] {
                    assert!(
                        (0x1E..0x3E).contains(&p) && p % 2 == 0,
                        "{head:04X}/{tail:04X}: now {h:04X}/{t:04X}"
                    );
                }
                // At most a buffer's worth of keys was taken from the host.
                assert!(w.keys.0.len() >= 100_000 - 16, "{}", w.keys.0.len());
            }
        }
        // A valid ring that is full stays full: AH=05h says so.
        let mut w = broken(0x20, 0x1E, 0);
        let mut r = regs(0x0500);
        w.call(int16_05_store_key, &mut r);
        assert_eq!(r.al(), 1, "full");
    }
}
