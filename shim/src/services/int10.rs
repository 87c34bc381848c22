//! INT 10h — video, text modes 00h-03h (colour, B8000h) and 07h
//! (monochrome, B0000h), with the BDA video fields kept as SeaVGABIOS keeps
//! them. Teletype and string output also go to the host console. VBE is
//! answered "not supported".

use super::{Ctx, Service, Status};
use crate::mem::real_addr;
use crate::memmap::{MONO_TEXT_BASE, VGA_TEXT_BASE};
use crate::regs::Regs;
use abi::bda;

/// INT 10h: the video service.
pub const SERVICE: Service = Service {
    vector: 0x10,
    name: "video",
    functions: &[
        function!(0x00, int10_00_set_mode),
        function!(0x01, int10_01_set_cursor_shape),
        function!(0x02, int10_02_set_cursor_position),
        function!(0x03, int10_03_get_cursor),
        function!(0x05, int10_05_select_page),
        function!(0x06, int10_06_scroll_up),
        function!(0x07, int10_07_scroll_down),
        function!(0x08, int10_08_read_char_attr),
        function!(0x09, int10_09_write_char_attr),
        function!(0x0A, int10_0a_write_char),
        function!(0x0E, int10_0e_teletype),
        function!(0x0F, int10_0f_get_mode),
        function!(0x12, int10_12_ega_info),
        function!(0x13, int10_13_write_string),
        function!(0x1A, int10_1a_display_combination),
        function!(0x4F, int10_4f_vbe),
    ],
    // The video BIOS leaves registers alone for a function it lacks.
    unsupported: Status::Done,
    finish: None,
};

/// A text mode's shape.
#[derive(Clone, Copy)]
struct TextMode {
    mode: u8,
    cols: u16,
    base: u64,
    crtc: u16,
    char_height: u16,
    /// CGA mode-select register value (40:65).
    msr: u8,
}

/// CRTC base ports (40:63).
const CRTC_COLOUR: u16 = 0x3D4;
const CRTC_MONO: u16 = 0x3B4;
/// A blank cell: space on light grey.
const BLANK: u16 = 0x0720;

/// The text modes this BIOS sets (RBIL INT 10h AH=00h table).
fn text_mode(mode: u8) -> Option<TextMode> {
    let colour = |cols, msr| TextMode {
        mode,
        cols,
        base: VGA_TEXT_BASE,
        crtc: CRTC_COLOUR,
        char_height: 16,
        msr,
    };
    match mode {
        0x00 | 0x01 => Some(colour(40, 0x2C)),
        0x02 | 0x03 => Some(colour(80, 0x29)),
        0x07 => Some(TextMode {
            mode,
            cols: 80,
            base: MONO_TEXT_BASE,
            crtc: CRTC_MONO,
            // VGA's mode 7: 720x400, 9x16 characters.
            char_height: 16,
            msr: 0x29,
        }),
        _ => None,
    }
}

/// The current screen, from the BDA (sanitised: a guest may scribble on it).
#[derive(Clone, Copy)]
struct Screen {
    cols: u16,
    rows: u8,
    base: u64,
    page_size: u64,
}

fn screen(ctx: &Ctx) -> Screen {
    let cols = ctx.bda_u16(bda::VIDEO_COLS).clamp(1, 255);
    let rows = ctx.bda_u8(bda::VIDEO_ROWS).min(49) + 1;
    let base = if ctx.bda_u16(bda::CRTC_ADDRESS) == CRTC_MONO {
        MONO_TEXT_BASE
    } else {
        VGA_TEXT_BASE
    };
    let page_size = match ctx.bda_u16(bda::VIDEO_PAGE_SIZE) {
        0 => u64::from(cols) * u64::from(rows) * 2,
        n => u64::from(n),
    };
    Screen {
        cols,
        rows,
        base,
        page_size,
    }
}

impl Screen {
    /// Address of the cell at (col, row) of `page` (0-7).
    fn cell(&self, page: u8, col: u16, row: u16) -> u64 {
        self.base
            + u64::from(page & 7) * self.page_size
            + (u64::from(row) * u64::from(self.cols) + u64::from(col)) * 2
    }
}

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

/// INT 10h AH=00h — set video mode; in: AL=mode (bit 7: keep the screen);
/// out: AL=30h (20h for a mode above 7, 3Fh for mode 6), as SeaVGABIOS.
/// Text modes 00h-03h and 07h are set: the BDA video fields (40:49-40:66,
/// 40:84-40:89) as SeaVGABIOS writes them, cursors home, page 0, and every
/// page blanked unless bit 7 is set (RBIL; SeaVGABIOS ignores the bit).
/// Graphics modes are not offered: nothing changes.
pub fn int10_00_set_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mode = r.al() & 0x7F;
    let keep = r.al() & 0x80 != 0;
    r.set_al(match mode {
        m if m > 7 => 0x20,
        6 => 0x3F,
        _ => 0x30,
    });
    let Some(m) = text_mode(mode) else {
        return Status::Done;
    };
    let state = bda::TextModeState {
        mode: m.mode,
        cols: m.cols,
        crtc: m.crtc,
        msr: m.msr,
        char_height: m.char_height,
    };
    for f in state.fields(keep) {
        match f {
            bda::Field::Byte(off, v) => ctx.set_bda_u8(off, v),
            bda::Field::Word(off, v) => ctx.set_bda_u16(off, v),
        }
    }
    for page in 0..8 {
        set_cursor(ctx, page, 0, 0);
    }
    let ctl = ctx.bda_u8(bda::MODESET_CTL);
    ctx.set_bda_u8(bda::MODESET_CTL, ctl & 0x7F);
    if !keep {
        let blank: Vec<u8> = BLANK.to_le_bytes().repeat(0x4000);
        let _ = ctx.mem.write(m.base, &blank);
    }
    Status::Done
}

/// INT 10h AH=01h — set cursor shape; in: CH=start scan line, CL=end;
/// out: nothing (40:60 = CX).
pub fn int10_01_set_cursor_shape(r: &mut Regs, ctx: &mut Ctx) -> Status {
    ctx.set_bda_u16(bda::CURSOR_SHAPE, r.cx());
    Status::Done
}

/// INT 10h AH=02h — set cursor position; in: BH=page, DH=row, DL=column;
/// out: nothing. A page above 7 is ignored.
pub fn int10_02_set_cursor_position(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bh() <= 7 {
        set_cursor(ctx, r.bh(), r.dl(), r.dh());
    }
    Status::Done
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

/// INT 10h AH=05h — select active display page; in: AL=page (0-7; above is
/// ignored); out: nothing (40:62 = page, 40:4E = its offset).
pub fn int10_05_select_page(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let page = r.al();
    if page <= 7 {
        let s = screen(ctx);
        ctx.set_bda_u8(bda::VIDEO_PAGE, page);
        ctx.set_bda_u16(
            bda::VIDEO_PAGE_START,
            (u64::from(page) * s.page_size) as u16,
        );
    }
    Status::Done
}

/// Scrolls the window (CH,CL)-(DH,DL) of the active page by AL lines, up or
/// down; AL=0 or at least the window's height blanks it. New lines are
/// spaces with attribute BH.
fn scroll(r: &Regs, ctx: &mut Ctx, up: bool) {
    let s = screen(ctx);
    let page = ctx.bda_u8(bda::VIDEO_PAGE);
    let (top, left) = (u16::from(r.ch()), u16::from(r.cl()));
    let bottom = u16::from(r.dh()).min(u16::from(s.rows) - 1);
    let right = u16::from(r.dl()).min(s.cols - 1);
    if top > bottom || left > right {
        return;
    }
    let height = bottom - top + 1;
    let width = usize::from(right - left + 1);
    let lines = match u16::from(r.al()) {
        0 => height,
        n => n.min(height),
    };
    let blank = [b' ', r.bh()].repeat(width);
    let read_row = |ctx: &Ctx, row: u16| {
        let mut b = vec![0u8; width * 2];
        let _ = ctx.mem.read(s.cell(page, left, row), &mut b);
        b
    };
    for i in 0..height {
        // Destination row, walking away from the side the lines move to.
        let row = if up { top + i } else { bottom - i };
        let src = i + lines;
        let data = if src < height {
            read_row(ctx, if up { top + src } else { bottom - src })
        } else {
            blank.clone()
        };
        let _ = ctx.mem.write(s.cell(page, left, row), &data);
    }
}

/// INT 10h AH=06h — scroll window up; in: AL=lines (0: blank the window),
/// BH=attribute for blank lines, CH,CL=upper left row,column, DH,DL=lower
/// right; out: nothing. Acts on the active page.
pub fn int10_06_scroll_up(r: &mut Regs, ctx: &mut Ctx) -> Status {
    scroll(r, ctx, true);
    Status::Done
}

/// INT 10h AH=07h — scroll window down; in and out as AH=06h.
pub fn int10_07_scroll_down(r: &mut Regs, ctx: &mut Ctx) -> Status {
    scroll(r, ctx, false);
    Status::Done
}

/// INT 10h AH=08h — read character and attribute at the cursor; in:
/// BH=page; out: AL=character, AH=attribute.
pub fn int10_08_read_char_attr(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let s = screen(ctx);
    let (col, row) = cursor(ctx, r.bh());
    let cell = ctx
        .mem
        .read_u16(s.cell(r.bh(), u16::from(col), u16::from(row)))
        .unwrap_or(BLANK);
    r.set_ax(cell);
    Status::Done
}

/// Writes AL (with attribute BL if `attr`) CX times from the cursor of
/// page BH, wrapping at the end of a row and stopping at the end of the
/// page; the cursor does not move.
fn write_repeated(r: &Regs, ctx: &mut Ctx, attr: bool) {
    let s = screen(ctx);
    let page = r.bh();
    let (col, row) = cursor(ctx, page);
    let start = u64::from(row) * u64::from(s.cols) + u64::from(col);
    let end = (start + u64::from(r.cx())).min(u64::from(s.cols) * u64::from(s.rows));
    for i in start..end {
        let cell = s.cell(page, 0, 0) + i * 2;
        let _ = ctx.mem.write_u8(cell, r.al());
        if attr {
            let _ = ctx.mem.write_u8(cell + 1, r.bl());
        }
    }
}

/// INT 10h AH=09h — write character and attribute at the cursor; in:
/// AL=character, BL=attribute, BH=page, CX=count; out: nothing.
pub fn int10_09_write_char_attr(r: &mut Regs, ctx: &mut Ctx) -> Status {
    write_repeated(r, ctx, true);
    Status::Done
}

/// INT 10h AH=0Ah — write character at the cursor, keeping the attributes;
/// in: AL=character, BH=page, CX=count; out: nothing.
pub fn int10_0a_write_char(r: &mut Regs, ctx: &mut Ctx) -> Status {
    write_repeated(r, ctx, false);
    Status::Done
}

/// Teletype output of `ch` on `page` at its cursor: BEL ignored, BS left,
/// CR to column 0, LF down; other characters stored (with `attr`, if any);
/// the page scrolls up at the bottom, the new line blank on attribute 07h.
fn teletype(ctx: &mut Ctx, page: u8, ch: u8, attr: Option<u8>) {
    let s = screen(ctx);
    let (col, row) = cursor(ctx, page);
    let (mut col, mut row) = (u16::from(col), u16::from(row));
    match ch {
        0x07 => {}
        0x08 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row += 1,
        _ => {
            let cell = s.cell(page, col.min(s.cols - 1), row.min(u16::from(s.rows) - 1));
            let _ = ctx.mem.write_u8(cell, ch);
            if let Some(a) = attr {
                let _ = ctx.mem.write_u8(cell + 1, a);
            }
            col += 1;
            if col >= s.cols {
                col = 0;
                row += 1;
            }
        }
    }
    let last = u16::from(s.rows) - 1;
    if row > last {
        scroll_page_up(ctx, &s, page);
        row = last;
    }
    set_cursor(ctx, page, col as u8, row as u8);
}

/// Moves every row of `page` up by one and blanks the last (space, 07h).
fn scroll_page_up(ctx: &mut Ctx, s: &Screen, page: u8) {
    let row_bytes = usize::from(s.cols) * 2;
    let mut screen = vec![0u8; row_bytes * usize::from(s.rows)];
    let base = s.cell(page, 0, 0);
    if ctx.mem.read(base, &mut screen).is_err() {
        return;
    }
    screen.copy_within(row_bytes.., 0);
    let n = screen.len();
    for cell in screen[n - row_bytes..].chunks_mut(2) {
        cell.copy_from_slice(&BLANK.to_le_bytes());
    }
    let _ = ctx.mem.write(base, &screen);
}

fn echo(ctx: &mut Ctx, bytes: &[u8]) {
    let _ = ctx.console.write_all(bytes);
    let _ = ctx.console.flush();
}

/// INT 10h AH=0Eh — teletype output on the active page; in: AL=character
/// (BH is ignored, as SeaVGABIOS); out: nothing. BEL is ignored, BS moves
/// left, CR to column 0, LF down; other characters are stored keeping the
/// cell's attribute; the screen scrolls at the bottom. The character is also
/// written to the host console.
pub fn int10_0e_teletype(r: &mut Regs, ctx: &mut Ctx) -> Status {
    echo(ctx, &[r.al()]);
    let page = ctx.bda_u8(bda::VIDEO_PAGE);
    teletype(ctx, page, r.al(), None);
    Status::Done
}

/// INT 10h AH=0Fh — get video mode; out: AL=mode (bit 7 from 40:87),
/// AH=columns, BH=active page.
pub fn int10_0f_get_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_al(ctx.bda_u8(bda::VIDEO_MODE) | (ctx.bda_u8(bda::VIDEO_CTL) & 0x80));
    r.set_ah(ctx.bda_u16(bda::VIDEO_COLS) as u8);
    r.set_bh(ctx.bda_u8(bda::VIDEO_PAGE));
    Status::Done
}

/// INT 10h AH=12h BL=10h — get EGA information; out: BH=00h colour (01h
/// mono), BL=03h (256 KiB), CH=feature bits 0, CL=switch settings (40:88
/// low nibble). Other BL values are not offered.
pub fn int10_12_ega_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bl() != 0x10 {
        return Status::Unsupported;
    }
    let mono = ctx.bda_u16(bda::CRTC_ADDRESS) == CRTC_MONO;
    r.set_bh(u8::from(mono));
    r.set_bl(0x03);
    r.set_cx(u16::from(ctx.bda_u8(bda::VIDEO_SWITCHES) & 0x0F));
    Status::Done
}

/// INT 10h AH=13h — write string; in: AL=mode (bit 0: move the cursor,
/// bit 1: the string holds character/attribute pairs), BH=page, BL=attribute
/// (modes 0 and 1), CX=characters, DH,DL=row,column (DH=FFh: the page's
/// cursor), ES:BP=string; out: nothing. Characters go through teletype
/// processing (CR, LF, BS, BEL, scrolling) with their attribute, and to the
/// host console.
pub fn int10_13_write_string(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let page = r.bh() & 7;
    let pairs = r.al() & 2 != 0;
    let saved = cursor(ctx, page);
    if r.dh() != 0xFF {
        set_cursor(ctx, page, r.dl(), r.dh());
    }
    let stride = if pairs { 2 } else { 1 };
    let mut text = Vec::with_capacity(usize::from(r.cx()));
    for i in 0..u32::from(r.cx()) {
        let off = r.bp().wrapping_add((i * stride) as u16);
        let ch = ctx.mem.read_u8(real_addr(r.es, off)).unwrap_or(b' ');
        let attr = if pairs {
            ctx.mem
                .read_u8(real_addr(r.es, off.wrapping_add(1)))
                .unwrap_or(0x07)
        } else {
            r.bl()
        };
        text.push(ch);
        teletype(ctx, page, ch, Some(attr));
    }
    echo(ctx, &text);
    if r.al() & 1 == 0 {
        set_cursor(ctx, page, saved.0, saved.1);
    }
    Status::Done
}

/// INT 10h AH=1Ah — display combination code; in: AL=00h get, 01h set;
/// out: AL=1Ah, and for AL=00h BL=08h (VGA with a colour display, whatever
/// the mode, as SeaVGABIOS), BH=00h (no alternate). Setting changes
/// nothing. Other AL values are not offered.
pub fn int10_1a_display_combination(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    match r.al() {
        0x00 => {
            r.set_bx(0x0008);
            r.set_al(0x1A);
            Status::Done
        }
        0x01 => {
            r.set_al(0x1A);
            Status::Done
        }
        _ => Status::Unsupported,
    }
}

/// INT 10h AH=4Fh — VESA BIOS Extensions; out: AX=0100h for every
/// subfunction: AL is not 4Fh, so a caller (syslinux's 4F00h/4F01h/4F15h
/// probes, Linux's mode scan) sees no VBE and stays in text mode. SeaVGABIOS
/// answers the same without VBE.
pub fn int10_4f_vbe(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    r.set_ax(0x0100);
    Status::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::test_world::*;

    #[test]
    fn int10_teletype_and_queries() {
        let mut w = World::new();
        for c in *b"A\r\n" {
            assert_eq!(
                w.call(int10_0e_teletype, &mut regs(0x0E00 | u16::from(c))),
                Status::Done
            );
        }
        assert_eq!(w.out, b"A\r\n");
        assert_eq!(w.mem.read_u8(0xB8000).unwrap(), b'A');
        let mut r = regs(0x0300);
        w.call(int10_03_get_cursor, &mut r);
        assert_eq!(r.dx(), 0x0100);
        let mut r = regs(0x0F00);
        w.call(int10_0f_get_mode, &mut r);
        assert_eq!(r.ax(), 0x5003);
    }
}
