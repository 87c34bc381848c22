//! INT 10h — video, text mode 03h on the colour text buffer at B8000h.
//! Output also goes to the host console.

use super::{Ctx, Function, Select, Service, Status};
use crate::memmap::VGA_TEXT_BASE;
use crate::regs::Regs;
use abi::bda;

pub const SERVICE: Service = Service {
    vector: 0x10,
    name: "video",
    functions: &[
        Function {
            select: Select::Ah(0x03),
            name: "int10_03_get_cursor",
            handler: int10_03_get_cursor,
        },
        Function {
            select: Select::Ah(0x0E),
            name: "int10_0e_teletype",
            handler: int10_0e_teletype,
        },
        Function {
            select: Select::Ah(0x0F),
            name: "int10_0f_get_mode",
            handler: int10_0f_get_mode,
        },
    ],
    // The video BIOS leaves registers alone for a function it lacks.
    unsupported: Status::Done,
    finish: None,
};

/// Cursor (column, row) of `page`.
fn cursor(ctx: &Ctx, page: u8) -> (u8, u8) {
    let w = ctx.bda_u16(bda::CURSOR_POS + 2 * u16::from(page & 7));
    (w as u8, (w >> 8) as u8)
}

fn set_cursor(ctx: &mut Ctx, page: u8, col: u8, row: u8) {
    ctx.set_bda_u16(
        bda::CURSOR_POS + 2 * u16::from(page & 7),
        u16::from(row) << 8 | u16::from(col),
    );
}

/// INT 10h AH=03h — get cursor position and shape; in: BH=page;
/// out: CX=shape (40:60), DH=row, DL=column (0,0 for a page above 7).
pub fn int10_03_get_cursor(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_cx(ctx.bda_u16(bda::CURSOR_SHAPE));
    let (col, row) = if r.bh() > 7 {
        (0, 0)
    } else {
        cursor(ctx, r.bh())
    };
    r.set_dh(row);
    r.set_dl(col);
    Status::Done
}

/// INT 10h AH=0Eh — teletype output on the active page; in: AL=character;
/// out: nothing. BEL is ignored, BS moves left, CR to column 0, LF down;
/// other characters are stored keeping the cell's attribute; the screen
/// scrolls at the bottom. The character is also written to the host console.
pub fn int10_0e_teletype(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let ch = r.al();
    let _ = ctx.console.write_all(&[ch]);
    let _ = ctx.console.flush();
    let page = ctx.bda_u8(bda::VIDEO_PAGE) & 7;
    let cols = ctx.bda_u16(bda::VIDEO_COLS).clamp(1, 255) as u8;
    let last_row = ctx.bda_u8(bda::VIDEO_ROWS);
    let page_base = VGA_TEXT_BASE + u64::from(ctx.bda_u16(bda::VIDEO_PAGE_START));
    let (mut col, mut row) = cursor(ctx, page);
    match ch {
        0x07 => {}
        0x08 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row = row.saturating_add(1),
        _ => {
            let cell = page_base + (u64::from(row) * u64::from(cols) + u64::from(col)) * 2;
            let _ = ctx.mem.write_u8(cell, ch);
            col += 1;
            if col >= cols {
                col = 0;
                row = row.saturating_add(1);
            }
        }
    }
    if row > last_row {
        scroll_up(ctx, page_base, cols, last_row);
        row = last_row;
    }
    set_cursor(ctx, page, col, row);
    Status::Done
}

/// Moves rows 1..=last up by one and blanks the last row (space, attribute 07h).
fn scroll_up(ctx: &mut Ctx, base: u64, cols: u8, last: u8) {
    let row_bytes = usize::from(cols) * 2;
    let mut screen = vec![0u8; row_bytes * (usize::from(last) + 1)];
    if ctx.mem.read(base, &mut screen).is_err() {
        return;
    }
    screen.copy_within(row_bytes.., 0);
    let n = screen.len();
    for cell in screen[n - row_bytes..].chunks_mut(2) {
        cell.copy_from_slice(&[b' ', 0x07]);
    }
    let _ = ctx.mem.write(base, &screen);
}

/// INT 10h AH=0Fh — get video mode; out: AL=mode (bit 7 from 40:87),
/// AH=columns, BH=active page.
pub fn int10_0f_get_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_al(ctx.bda_u8(bda::VIDEO_MODE) | (ctx.bda_u8(bda::VIDEO_CTL) & 0x80));
    r.set_ah(ctx.bda_u16(bda::VIDEO_COLS) as u8);
    r.set_bh(ctx.bda_u8(bda::VIDEO_PAGE));
    Status::Done
}
