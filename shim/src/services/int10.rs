//! INT 10h — video: text modes 00h-03h (colour, B8000h) and 07h
//! (monochrome, B0000h), mode 13h (320x200, 256 colours at A0000h) and VBE
//! modes on a linear framebuffer ([`super::vbe`]), with the BDA video
//! fields kept as SeaVGABIOS keeps them. Text is drawn with the BIOS font in
//! graphics modes; the palette and DAC functions, font information and
//! state functions act on the display adapter ([`crate::vga::Vga`]), whose
//! CRTC cursor and start address follow the BIOS's. Teletype and string
//! output also go to the host console.

use super::vbe::{
    int10_4f00_controller_info, int10_4f01_mode_info, int10_4f02_set_mode, int10_4f03_get_mode,
    int10_4f04_save_restore_state, int10_4f05_window_control, int10_4f06_scan_line_length,
    int10_4f07_display_start, int10_4f08_dac_format, int10_4f09_palette_data, int10_4f15_ddc,
    int10_4f_unsupported,
};
use super::{Ctx, Service, Status};
use crate::mem::real_addr;
use crate::memmap::{MONO_TEXT_BASE, VGA_TEXT_BASE, VGA_WINDOW_BASE};
use crate::regs::Regs;
use crate::vga::{font, Linear, Mode};
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
        function!(0x0C, int10_0c_write_pixel),
        function!(0x0D, int10_0d_read_pixel),
        function!(0x0E, int10_0e_teletype),
        function!(0x0F, int10_0f_get_mode),
        function!(ax 0x1000, int10_1000_set_palette_register),
        function!(ax 0x1001, int10_1001_set_border),
        function!(ax 0x1002, int10_1002_set_all_palette_registers),
        function!(ax 0x1003, int10_1003_toggle_blink),
        function!(ax 0x1007, int10_1007_get_palette_register),
        function!(ax 0x1008, int10_1008_get_border),
        function!(ax 0x1009, int10_1009_get_all_palette_registers),
        function!(ax 0x1010, int10_1010_set_dac_register),
        function!(ax 0x1012, int10_1012_set_dac_block),
        function!(ax 0x1013, int10_1013_select_colour_page),
        function!(ax 0x1015, int10_1015_get_dac_register),
        function!(ax 0x1017, int10_1017_get_dac_block),
        function!(ax 0x1018, int10_1018_set_pel_mask),
        function!(ax 0x1019, int10_1019_get_pel_mask),
        function!(ax 0x101A, int10_101a_get_colour_page),
        function!(ax 0x101B, int10_101b_grey_scale),
        function!(ax 0x1130, int10_1130_font_info),
        function!(0x12, int10_12_alternate_select),
        function!(0x13, int10_13_write_string),
        function!(0x1A, int10_1a_display_combination),
        function!(0x1B, int10_1b_state_info),
        function!(ax 0x4F00, int10_4f00_controller_info),
        function!(ax 0x4F01, int10_4f01_mode_info),
        function!(ax 0x4F02, int10_4f02_set_mode),
        function!(ax 0x4F03, int10_4f03_get_mode),
        function!(ax 0x4F04, int10_4f04_save_restore_state),
        function!(ax 0x4F05, int10_4f05_window_control),
        function!(ax 0x4F06, int10_4f06_scan_line_length),
        function!(ax 0x4F07, int10_4f07_display_start),
        function!(ax 0x4F08, int10_4f08_dac_format),
        function!(ax 0x4F09, int10_4f09_palette_data),
        function!(ax 0x4F15, int10_4f15_ddc),
        function!(0x4F, int10_4f_unsupported),
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
/// Mode 13h: 320x200, one byte per pixel.
pub const MODE_13H: u8 = 0x13;
/// What 40:49 holds in a VBE mode (its number does not fit), as SeaVGABIOS.
pub const VBE_BDA_MODE: u8 = 0xFF;

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

/// A graphics mode's pixels: where they are and how they are packed, and
/// the character cells text is drawn in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gfx {
    pub base: u64,
    pub width: u32,
    pub height: u32,
    pub bpp: u8,
    pub pitch: u32,
    pub char_height: u8,
}

impl Gfx {
    fn bytes_per_pixel(&self) -> u32 {
        u32::from(self.bpp).div_ceil(8)
    }
    fn cols(&self) -> u32 {
        self.width / 8
    }
    fn rows(&self) -> u32 {
        self.height / u32::from(self.char_height)
    }
    fn addr(&self, x: u32, y: u32) -> u64 {
        self.base + u64::from(y) * u64::from(self.pitch) + u64::from(x * self.bytes_per_pixel())
    }
}

/// The graphics mode the adapter is in, if any.
pub(crate) fn graphics(ctx: &Ctx) -> Option<Gfx> {
    match ctx.vga.mode {
        Mode::Text => None,
        Mode::Vga256 => Some(Gfx {
            base: VGA_WINDOW_BASE,
            width: 320,
            height: 200,
            bpp: 8,
            pitch: 320,
            char_height: 8,
        }),
        Mode::Linear(l) => Some(linear_gfx(&l)),
    }
}

fn linear_gfx(l: &Linear) -> Gfx {
    Gfx {
        base: l.base,
        width: l.width,
        height: l.height,
        bpp: l.bpp,
        pitch: l.pitch,
        char_height: 16,
    }
}

/// Colour index `c` as the mode stores it: the byte itself at 8 bpp,
/// else the DAC entry's colour packed into the mode's pixel format.
fn pixel_bytes(ctx: &Ctx, g: &Gfx, c: u8) -> Vec<u8> {
    if g.bpp == 8 {
        return vec![c];
    }
    let [r, gr, b] = ctx.vga.rgb(c);
    let (r, gr, b) = (u32::from(r), u32::from(gr), u32::from(b));
    let v = match g.bpp {
        15 => (r >> 3) << 10 | (gr >> 3) << 5 | b >> 3,
        16 => (r >> 3) << 11 | (gr >> 2) << 5 | b >> 3,
        _ => r << 16 | gr << 8 | b,
    };
    v.to_le_bytes()[..g.bytes_per_pixel() as usize].to_vec()
}

/// Draws character `ch` in cell (col, row): colour `fg` where the glyph is
/// set, `bg` elsewhere (the packed-pixel modes have no XOR, RBIL).
fn draw_char(ctx: &mut Ctx, g: &Gfx, col: u32, row: u32, ch: u8, fg: u8, bg: u8) {
    if col >= g.cols() || row >= g.rows() {
        return;
    }
    let glyph = font::glyph(ch, g.char_height);
    let on = pixel_bytes(ctx, g, fg);
    let off = pixel_bytes(ctx, g, bg);
    let bpp = g.bytes_per_pixel() as usize;
    for (y, bits) in glyph.iter().enumerate() {
        let at = g.addr(col * 8, row * u32::from(g.char_height) + y as u32);
        let mut line = vec![0u8; 8 * bpp];
        for x in 0..8 {
            let set = bits & (0x80 >> x) != 0;
            line[x * bpp..(x + 1) * bpp].copy_from_slice(if set { &on } else { &off });
        }
        let _ = ctx.mem.write(at, &line);
    }
}

/// Moves the character rows `top..=bottom`, columns `left..=right`, of a
/// graphics screen by `lines` rows (up or down), filling with colour `fill`.
#[allow(clippy::too_many_arguments)]
fn scroll_gfx(
    ctx: &mut Ctx,
    g: &Gfx,
    top: u32,
    bottom: u32,
    left: u32,
    right: u32,
    lines: u32,
    up: bool,
    fill: u8,
) {
    let ch = u32::from(g.char_height);
    let bpp = g.bytes_per_pixel() as usize;
    let width = ((right - left + 1) * 8) as usize * bpp;
    let fill_px = pixel_bytes(ctx, g, fill);
    let blank: Vec<u8> = fill_px.repeat(width / bpp);
    let (y0, y1) = (top * ch, (bottom + 1) * ch);
    let height = y1 - y0;
    let shift = (lines * ch).min(height);
    let mut buf = vec![0u8; width];
    for i in 0..height {
        let y = if up { y0 + i } else { y1 - 1 - i };
        let src = i + shift;
        let data = if src < height {
            let sy = if up { y0 + src } else { y1 - 1 - src };
            if ctx.mem.read(g.addr(left * 8, sy), &mut buf).is_err() {
                continue;
            }
            &buf
        } else {
            &blank
        };
        let _ = ctx.mem.write(g.addr(left * 8, y), data);
    }
}

/// The character drawn in a graphics cell: the glyph whose pixels are
/// exactly the cell's non-background ones (0 if none is), and at 8 bpp the
/// colour of its first set pixel.
fn read_char_gfx(ctx: &Ctx, g: &Gfx, col: u32, row: u32) -> (u8, u8) {
    let bpp = g.bytes_per_pixel() as usize;
    let mut cell = Vec::with_capacity(usize::from(g.char_height));
    let mut colour = None;
    for y in 0..u32::from(g.char_height) {
        let mut line = vec![0u8; 8 * bpp];
        let _ = ctx.mem.read(
            g.addr(col * 8, row * u32::from(g.char_height) + y),
            &mut line,
        );
        let mut bits = 0u8;
        for x in 0..8 {
            let px = &line[x * bpp..(x + 1) * bpp];
            if px.iter().any(|&b| b != 0) {
                bits |= 0x80 >> x;
                colour.get_or_insert(px[0]);
            }
        }
        cell.push(bits);
    }
    let ch = (0..=255u8)
        .find(|&c| font::glyph(c, g.char_height) == cell)
        .unwrap_or(0);
    let colour = if g.bpp == 8 { colour.unwrap_or(0) } else { 0 };
    (ch, colour)
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
    if page & 7 == ctx.bda_u8(bda::VIDEO_PAGE) & 7 {
        sync_crtc(ctx);
    }
}

/// Points the CRTC's start address and cursor at the active page and its
/// cursor, as a VGA BIOS programs them (text modes).
fn sync_crtc(ctx: &mut Ctx) {
    if ctx.vga.mode != Mode::Text {
        return;
    }
    let cols = ctx.bda_u16(bda::VIDEO_COLS);
    let page = ctx.bda_u8(bda::VIDEO_PAGE);
    let start = ctx.bda_u16(bda::VIDEO_PAGE_START) / 2;
    let (col, row) = cursor(ctx, page);
    ctx.vga.set_start_address(start);
    ctx.vga.set_cursor_location(
        start
            .wrapping_add(u16::from(row).wrapping_mul(cols))
            .wrapping_add(u16::from(col)),
    );
}

/// Fills 40:49-40:8A for a graphics mode of `cols` x `rows` characters
/// `char_height` lines tall, as SeaVGABIOS writes them: the page size
/// (40:4C) is an eighth of the pixels, in 8 KiB units, kept to 16 bits.
pub(crate) fn set_graphics_bda(ctx: &mut Ctx, mode: u8, cols: u16, rows: u8, char_height: u16) {
    let pixels = u32::from(cols) * 8 * u32::from(rows) * u32::from(char_height);
    let page_size = (pixels / 8).next_multiple_of(0x2000) as u16;
    ctx.set_bda_u8(bda::DCC_INDEX, 0x08);
    ctx.set_bda_u8(bda::VIDEO_MODE, mode);
    ctx.set_bda_u16(bda::VIDEO_COLS, cols);
    ctx.set_bda_u16(bda::VIDEO_PAGE_SIZE, page_size);
    ctx.set_bda_u16(bda::VIDEO_PAGE_START, 0);
    ctx.set_bda_u8(bda::VIDEO_PAGE, 0);
    ctx.set_bda_u16(bda::CRTC_ADDRESS, CRTC_COLOUR);
    ctx.set_bda_u8(bda::VIDEO_ROWS, rows.saturating_sub(1));
    ctx.set_bda_u16(bda::CHAR_HEIGHT, char_height);
    ctx.set_bda_u8(bda::VIDEO_CTL, 0x60);
    ctx.set_bda_u8(bda::VIDEO_SWITCHES, 0xF9);
    for page in 0..8 {
        ctx.set_bda_u16(bda::CURSOR_POS + 2 * page, 0);
    }
    let ctl = ctx.bda_u8(bda::MODESET_CTL);
    ctx.set_bda_u8(bda::MODESET_CTL, ctl & 0x7F);
}

/// Points INT 43h at the font of a mode whose characters are `height`
/// lines tall, as the VGA BIOS does at a mode set.
pub(crate) fn set_font_vector(ctx: &mut Ctx, height: u16) {
    let font = match height {
        8 => abi::rom::FONT_8X8,
        14 => abi::rom::FONT_8X14,
        _ => abi::rom::FONT_8X16,
    };
    let far = u32::from(abi::ROM_SEGMENT) << 16 | u32::from(font);
    let _ = ctx.mem.write_u32(0x43 * 4, far);
}

/// INT 10h AH=00h — set video mode; in: AL=mode (bit 7: keep the screen);
/// out: AL=30h (20h for a mode above 7, 3Fh for mode 6), as SeaVGABIOS.
/// Text modes 00h-03h and 07h: the BDA video fields (40:49-40:66,
/// 40:84-40:89) as SeaVGABIOS writes them, cursors home, page 0, every page
/// blanked unless bit 7 is set (RBIL; SeaVGABIOS ignores the bit), the
/// EGA palette. Mode 13h: 320x200 at A0000h with the default 256-colour
/// palette, 40x25 characters of 8x8. Other modes are not offered: nothing
/// changes.
pub fn int10_00_set_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mode = r.al() & 0x7F;
    let keep = r.al() & 0x80 != 0;
    r.set_al(match mode {
        m if m > 7 => 0x20,
        6 => 0x3F,
        _ => 0x30,
    });
    set_vga_mode(ctx, mode, keep);
    Status::Done
}

/// Sets standard mode `mode` (text or 13h); false if it is not offered.
pub(crate) fn set_vga_mode(ctx: &mut Ctx, mode: u8, keep: bool) -> bool {
    if mode == MODE_13H {
        ctx.vga.set_text_registers(8);
        ctx.vga.mode = Mode::Vga256;
        ctx.vga.set_colour(true);
        if ctx.bda_u8(bda::MODESET_CTL) & 0x08 == 0 {
            ctx.vga.load_default_palette();
        }
        set_graphics_bda(ctx, MODE_13H, 40, 25, 8);
        ctx.set_bda_u16(bda::CURSOR_SHAPE, 0x0607);
        set_font_vector(ctx, 8);
        if !keep {
            let _ = ctx.mem.write(VGA_WINDOW_BASE, &vec![0u8; 0x1_0000]);
        }
        return true;
    }
    let Some(m) = text_mode(mode) else {
        return false;
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
    let ctl = ctx.bda_u8(bda::MODESET_CTL);
    ctx.set_bda_u8(bda::MODESET_CTL, ctl & 0x7F);
    let reload = ctl & 0x08 == 0;
    ctx.vga.set_text_registers(m.char_height as u8);
    ctx.vga.set_colour(m.crtc == CRTC_COLOUR);
    ctx.vga.set_cursor_shape(0x0607);
    if reload {
        ctx.vga.load_ega_palette();
    }
    for page in 0..8 {
        set_cursor(ctx, page, 0, 0);
    }
    set_font_vector(ctx, m.char_height);
    if !keep {
        let blank: Vec<u8> = BLANK.to_le_bytes().repeat(0x4000);
        let _ = ctx.mem.write(m.base, &blank);
    }
    true
}

/// INT 10h AH=01h — set cursor shape; in: CH=start scan line (bit 5: off),
/// CL=end; out: nothing (40:60 = CX, and the CRTC's cursor registers).
pub fn int10_01_set_cursor_shape(r: &mut Regs, ctx: &mut Ctx) -> Status {
    ctx.set_bda_u16(bda::CURSOR_SHAPE, r.cx());
    ctx.vga.set_cursor_shape(r.cx());
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
/// ignored, as is any page in a graphics mode); out: nothing (40:62 =
/// page, 40:4E = its offset, the CRTC's start address and cursor follow).
pub fn int10_05_select_page(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let page = r.al();
    if page <= 7 && graphics(ctx).is_none() {
        let s = screen(ctx);
        ctx.set_bda_u8(bda::VIDEO_PAGE, page);
        ctx.set_bda_u16(
            bda::VIDEO_PAGE_START,
            (u64::from(page) * s.page_size) as u16,
        );
        sync_crtc(ctx);
    }
    Status::Done
}

/// Scrolls the window (CH,CL)-(DH,DL) of the active page by AL lines, up or
/// down; AL=0 or at least the window's height blanks it. New lines are
/// spaces with attribute BH (in graphics modes: pixels of colour BH).
fn scroll(r: &Regs, ctx: &mut Ctx, up: bool) {
    if let Some(g) = graphics(ctx) {
        let (top, left) = (u32::from(r.ch()), u32::from(r.cl()));
        let bottom = u32::from(r.dh()).min(g.rows().saturating_sub(1));
        let right = u32::from(r.dl()).min(g.cols().saturating_sub(1));
        if top > bottom || left > right {
            return;
        }
        let height = bottom - top + 1;
        let lines = match u32::from(r.al()) {
            0 => height,
            n => n.min(height),
        };
        scroll_gfx(ctx, &g, top, bottom, left, right, lines, up, r.bh());
        return;
    }
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
/// BH=attribute (graphics: colour) for blank lines, CH,CL=upper left
/// row,column, DH,DL=lower right; out: nothing. Acts on the active page.
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
/// BH=page; out: AL=character, AH=attribute. In graphics modes AL is the
/// character whose glyph the cell's pixels show (0 if none, or with the
/// cursor off the screen), AH its colour (8 bpp; 00h in direct-colour
/// modes).
pub fn int10_08_read_char_attr(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if let Some(g) = graphics(ctx) {
        let (col, row) = cursor(ctx, 0);
        let (col, row) = (u32::from(col), u32::from(row));
        if col >= g.cols() || row >= g.rows() {
            r.set_ax(0);
            return Status::Done;
        }
        let (ch, colour) = read_char_gfx(ctx, &g, col, row);
        r.set_ax(u16::from(colour) << 8 | u16::from(ch));
        return Status::Done;
    }
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
/// page; the cursor does not move. In graphics modes the glyph is drawn in
/// colour BL on colour 0.
fn write_repeated(r: &Regs, ctx: &mut Ctx, attr: bool) {
    if let Some(g) = graphics(ctx) {
        let (col, row) = cursor(ctx, 0);
        let start = u32::from(row) * g.cols() + u32::from(col);
        let end = (start + u32::from(r.cx())).min(g.cols() * g.rows());
        for i in start..end {
            draw_char(ctx, &g, i % g.cols(), i / g.cols(), r.al(), r.bl(), 0);
        }
        return;
    }
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
/// AL=character, BL=attribute (graphics: colour), BH=page, CX=count; out:
/// nothing.
pub fn int10_09_write_char_attr(r: &mut Regs, ctx: &mut Ctx) -> Status {
    write_repeated(r, ctx, true);
    Status::Done
}

/// INT 10h AH=0Ah — write character at the cursor, keeping the attributes
/// (graphics: in colour BL); in: AL=character, BH=page, CX=count; out:
/// nothing.
pub fn int10_0a_write_char(r: &mut Regs, ctx: &mut Ctx) -> Status {
    write_repeated(r, ctx, false);
    Status::Done
}

/// INT 10h AH=0Ch — write graphics pixel; in: AL=colour, CX=column,
/// DX=row; out: nothing. AL bit 7 is a colour bit, not XOR, as in every
/// 256-colour mode (RBIL); in direct-colour modes the pixel gets DAC entry
/// AL's colour. Off the screen, or in a text mode, nothing is drawn.
pub fn int10_0c_write_pixel(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Some(g) = graphics(ctx) else {
        return Status::Done;
    };
    let (x, y) = (u32::from(r.cx()), u32::from(r.dx()));
    if x >= g.width || y >= g.height {
        return Status::Done;
    }
    let px = pixel_bytes(ctx, &g, r.al());
    let _ = ctx.mem.write(g.addr(x, y), &px);
    Status::Done
}

/// INT 10h AH=0Dh — read graphics pixel; in: CX=column, DX=row; out:
/// AL=colour (the pixel's first byte in direct-colour modes; 0 off the
/// screen or in a text mode).
pub fn int10_0d_read_pixel(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let (x, y) = (u32::from(r.cx()), u32::from(r.dx()));
    let v = match graphics(ctx) {
        Some(g) if x < g.width && y < g.height => ctx.mem.read_u8(g.addr(x, y)).unwrap_or(0),
        _ => 0,
    };
    r.set_al(v);
    Status::Done
}

/// Teletype output of `ch` on `page` at its cursor: BEL ignored, BS left,
/// CR to column 0, LF down; other characters stored (with `attr`, if any;
/// in graphics modes drawn in colour `attr`, else `colour`); the page
/// scrolls up at the bottom, the new line blank on attribute 07h (graphics:
/// colour 0).
fn teletype(ctx: &mut Ctx, page: u8, ch: u8, attr: Option<u8>, colour: u8) {
    if let Some(g) = graphics(ctx) {
        teletype_gfx(ctx, &g, ch, attr.unwrap_or(colour));
        return;
    }
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

fn teletype_gfx(ctx: &mut Ctx, g: &Gfx, ch: u8, colour: u8) {
    let (col, row) = cursor(ctx, 0);
    let (mut col, mut row) = (u32::from(col), u32::from(row));
    let (cols, rows) = (g.cols().clamp(1, 255), g.rows().clamp(1, 255));
    match ch {
        0x07 => {}
        0x08 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row += 1,
        _ => {
            draw_char(ctx, g, col.min(cols - 1), row.min(rows - 1), ch, colour, 0);
            col += 1;
            if col >= cols {
                col = 0;
                row += 1;
            }
        }
    }
    if row >= rows {
        scroll_gfx(ctx, g, 0, rows - 1, 0, cols - 1, 1, true, 0);
        row = rows - 1;
    }
    set_cursor(ctx, 0, col as u8, row as u8);
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

/// INT 10h AH=0Eh — teletype output on the active page; in: AL=character,
/// BL=foreground colour in graphics modes (BH is ignored, as SeaVGABIOS);
/// out: nothing. BEL is ignored, BS moves left, CR to column 0, LF down;
/// other characters are stored keeping the cell's attribute (graphics:
/// drawn with the BIOS font); the screen scrolls at the bottom. The
/// character is also written to the host console.
pub fn int10_0e_teletype(r: &mut Regs, ctx: &mut Ctx) -> Status {
    echo(ctx, &[r.al()]);
    let page = ctx.bda_u8(bda::VIDEO_PAGE);
    teletype(ctx, page, r.al(), None, r.bl());
    Status::Done
}

/// INT 10h AH=0Fh — get video mode; out: AL=mode (bit 7 from 40:87; FFh
/// in a VBE mode), AH=columns, BH=active page.
pub fn int10_0f_get_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_al(ctx.bda_u8(bda::VIDEO_MODE) | (ctx.bda_u8(bda::VIDEO_CTL) & 0x80));
    r.set_ah(ctx.bda_u16(bda::VIDEO_COLS) as u8);
    r.set_bh(ctx.bda_u8(bda::VIDEO_PAGE));
    Status::Done
}

/// INT 10h AX=1000h — set one palette register; in: BL=register (00h-0Fh,
/// or 11h the border), BH=value (a DAC index); out: nothing.
pub fn int10_1000_set_palette_register(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bl() <= 0x0F || r.bl() == 0x11 {
        ctx.vga.attr[usize::from(r.bl())] = r.bh() & 0x3F;
    }
    Status::Done
}

/// INT 10h AX=1001h — set the border (overscan) colour; in: BH=colour;
/// out: nothing.
pub fn int10_1001_set_border(r: &mut Regs, ctx: &mut Ctx) -> Status {
    ctx.vga.attr[0x11] = r.bh();
    Status::Done
}

/// INT 10h AX=1002h — set all palette registers and the border; in:
/// ES:DX=17 bytes (registers 00h-0Fh, then the border); out: nothing.
pub fn int10_1002_set_all_palette_registers(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mut t = [0u8; 17];
    if ctx.mem.read(real_addr(r.es, r.dx()), &mut t).is_ok() {
        for (i, v) in t[..16].iter().enumerate() {
            ctx.vga.attr[i] = v & 0x3F;
        }
        ctx.vga.attr[0x11] = t[16];
    }
    Status::Done
}

/// INT 10h AX=1003h — toggle intensity or blinking; in: BL=00h background
/// intensity, 01h blinking; out: nothing (attribute mode control bit 3,
/// 40:65 bit 5).
pub fn int10_1003_toggle_blink(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let blink = match r.bl() {
        0 => false,
        1 => true,
        _ => return Status::Done,
    };
    ctx.vga.attr[0x10] = (ctx.vga.attr[0x10] & !0x08) | if blink { 0x08 } else { 0 };
    let msr = ctx.bda_u8(bda::VIDEO_MSR);
    ctx.set_bda_u8(bda::VIDEO_MSR, (msr & !0x20) | if blink { 0x20 } else { 0 });
    Status::Done
}

/// INT 10h AX=1007h — read one palette register; in: BL=register (00h-0Fh,
/// 11h); out: BH=value.
pub fn int10_1007_get_palette_register(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bl() <= 0x0F || r.bl() == 0x11 {
        r.set_bh(ctx.vga.attr[usize::from(r.bl())]);
    }
    Status::Done
}

/// INT 10h AX=1008h — read the border colour; out: BH=colour.
pub fn int10_1008_get_border(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_bh(ctx.vga.attr[0x11]);
    Status::Done
}

/// INT 10h AX=1009h — read all palette registers and the border; in:
/// ES:DX=17-byte buffer; out: the buffer filled.
pub fn int10_1009_get_all_palette_registers(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mut t = [0u8; 17];
    t[..16].copy_from_slice(&ctx.vga.attr[..16]);
    t[16] = ctx.vga.attr[0x11];
    let _ = ctx.mem.write(real_addr(r.es, r.dx()), &t);
    Status::Done
}

/// A DAC component as the DAC's width keeps it.
fn dac_value(ctx: &Ctx, v: u8) -> u8 {
    if ctx.vga.dac_bits == 8 {
        v
    } else {
        v & 0x3F
    }
}

/// The DAC registers a block function names: BX the first, CX of them,
/// cut at register FFh; `None` for a first register above FFh.
fn dac_block(r: &Regs) -> Option<std::ops::Range<usize>> {
    let first = usize::from(r.bx());
    (first < 256).then(|| first..(first + usize::from(r.cx())).min(256))
}

/// INT 10h AX=1010h — set one DAC register; in: BX=register (low byte
/// used), DH=red, CH=green, CL=blue; out: nothing.
pub fn int10_1010_set_dac_register(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let e = [r.dh(), r.ch(), r.cl()].map(|v| dac_value(ctx, v));
    ctx.vga.dac[usize::from(r.bl())] = e;
    Status::Done
}

/// INT 10h AX=1012h — set a block of DAC registers; in: BX=first, CX=count,
/// ES:DX=red, green, blue bytes for each; out: nothing. Registers past
/// FFh are not written (a first register above FFh writes none).
pub fn int10_1012_set_dac_block(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Some(range) = dac_block(r) else {
        return Status::Done;
    };
    let mut t = vec![0u8; range.len() * 3];
    if ctx.mem.read(real_addr(r.es, r.dx()), &mut t).is_ok() {
        for (i, rgb) in range.zip(t.chunks(3)) {
            ctx.vga.dac[i] = [rgb[0], rgb[1], rgb[2]].map(|v| dac_value(ctx, v));
        }
    }
    Status::Done
}

/// INT 10h AX=1013h — select the colour page; in: BL=00h: BH=paging mode
/// (0: 4 pages of 64, 1: 16 of 16), BL=01h: BH=page; out: nothing.
pub fn int10_1013_select_colour_page(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match r.bl() {
        0 => {
            ctx.vga.attr[0x10] = (ctx.vga.attr[0x10] & 0x7F) | (r.bh() & 1) << 7;
        }
        1 => {
            let page = if ctx.vga.attr[0x10] & 0x80 != 0 {
                r.bh() & 0x0F
            } else {
                (r.bh() & 3) << 2
            };
            ctx.vga.attr[0x14] = page;
        }
        _ => {}
    }
    Status::Done
}

/// INT 10h AX=1015h — read one DAC register; in: BX=register (low byte
/// used); out: DH=red, CH=green, CL=blue.
pub fn int10_1015_get_dac_register(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let [red, green, blue] = ctx.vga.dac[usize::from(r.bl())];
    r.set_dh(red);
    r.set_ch(green);
    r.set_cl(blue);
    Status::Done
}

/// INT 10h AX=1017h — read a block of DAC registers; in: BX=first,
/// CX=count, ES:DX=buffer of 3 bytes each; out: the buffer filled (up to
/// register FFh).
pub fn int10_1017_get_dac_block(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Some(range) = dac_block(r) else {
        return Status::Done;
    };
    let t: Vec<u8> = ctx.vga.dac[range].iter().flatten().copied().collect();
    let _ = ctx.mem.write(real_addr(r.es, r.dx()), &t);
    Status::Done
}

/// INT 10h AX=1018h — set the DAC's pixel mask; in: BL=mask; out: nothing.
pub fn int10_1018_set_pel_mask(r: &mut Regs, ctx: &mut Ctx) -> Status {
    ctx.vga.pel_mask = r.bl();
    Status::Done
}

/// INT 10h AX=1019h — read the DAC's pixel mask; out: BL=mask.
pub fn int10_1019_get_pel_mask(r: &mut Regs, ctx: &mut Ctx) -> Status {
    r.set_bl(ctx.vga.pel_mask);
    Status::Done
}

/// INT 10h AX=101Ah — read the colour page state; out: BL=paging mode,
/// BH=current page.
pub fn int10_101a_get_colour_page(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mode = ctx.vga.attr[0x10] >> 7;
    let page = ctx.vga.attr[0x14] & 0x0F;
    r.set_bl(mode);
    r.set_bh(if mode == 0 { page >> 2 } else { page });
    Status::Done
}

/// INT 10h AX=101Bh — sum DAC registers to grey; in: BX=first, CX=count;
/// out: nothing (each becomes 30% red + 59% green + 11% blue, in all three).
pub fn int10_101b_grey_scale(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Some(range) = dac_block(r) else {
        return Status::Done;
    };
    for e in &mut ctx.vga.dac[range] {
        let [red, green, blue] = e.map(u32::from);
        let grey = ((77 * red + 151 * green + 28 * blue + 0x80) >> 8) as u8;
        *e = [grey; 3];
    }
    Status::Done
}

/// INT 10h AX=1130h — get font information; in: BH=which (00h INT 1Fh's,
/// 01h INT 43h's, 02h 8x14, 03h 8x8, 04h 8x8 characters 80h-FFh, 05h the
/// 9x14 alternates, 06h 8x16, 07h the 9x16 alternates); out: ES:BP=font
/// (0000:0000 for the alternates, which this BIOS lacks, and for BH above
/// 07h), CX=bytes per character of the current mode (40:85), DL=rows less
/// one (40:84).
pub fn int10_1130_font_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let rom = |off: u16| (abi::ROM_SEGMENT, off);
    let vector = |ctx: &Ctx, v: u64| {
        let far = ctx.mem.read_u32(v * 4).unwrap_or(0);
        ((far >> 16) as u16, far as u16)
    };
    let (seg, off) = match r.bh() {
        0x00 => vector(ctx, 0x1F),
        0x01 => vector(ctx, 0x43),
        0x02 => rom(abi::rom::FONT_8X14),
        0x03 => rom(abi::rom::FONT_8X8),
        0x04 => rom(abi::rom::FONT_8X8_HIGH),
        0x06 => rom(abi::rom::FONT_8X16),
        _ => (0, 0),
    };
    r.es = seg;
    r.set_bp(off);
    r.set_cx(ctx.bda_u16(bda::CHAR_HEIGHT));
    r.set_dl(ctx.bda_u8(bda::VIDEO_ROWS));
    Status::Done
}

/// INT 10h AH=12h — alternate select; in: BL=subfunction; out: per
/// subfunction, AL=12h where it succeeded. Offered: 10h EGA information,
/// 20h print-screen handler, 30h text scan lines, 31h default palette
/// loading, 32h video addressing, 33h grey-scale summing, 34h cursor
/// emulation, 36h screen refresh. Other BL values are not offered.
pub fn int10_12_alternate_select(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match r.bl() {
        0x10 => int10_12_10_ega_info(r, ctx),
        0x20 => Status::Done,
        0x30 => int10_12_30_scan_lines(r, ctx),
        0x31 => int10_12_31_palette_loading(r, ctx),
        0x32 => int10_12_32_video_addressing(r, ctx),
        0x33 => int10_12_33_grey_summing(r, ctx),
        0x34 => int10_12_34_cursor_emulation(r, ctx),
        0x36 => int10_12_36_screen_refresh(r, ctx),
        _ => Status::Unsupported,
    }
}

/// INT 10h AH=12h BL=10h — get EGA information; out: BH=00h colour (01h
/// mono), BL=03h (256 KiB), CH=feature bits 0, CL=switch settings (40:88
/// low nibble).
fn int10_12_10_ega_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let mono = ctx.bda_u16(bda::CRTC_ADDRESS) == CRTC_MONO;
    r.set_bh(u8::from(mono));
    r.set_bl(0x03);
    r.set_cx(u16::from(ctx.bda_u8(bda::VIDEO_SWITCHES) & 0x0F));
    Status::Done
}

/// Sets or clears `bit` of the BDA byte at `off` from AL (00h: `set_on_0`).
fn modeset_bit(r: &mut Regs, ctx: &mut Ctx, off: u16, bit: u8, set_on_0: bool) -> Status {
    let on = match r.al() {
        0 => set_on_0,
        1 => !set_on_0,
        _ => return Status::Done,
    };
    let v = ctx.bda_u8(off);
    ctx.set_bda_u8(off, if on { v | bit } else { v & !bit });
    r.set_al(0x12);
    Status::Done
}

/// INT 10h AH=12h BL=30h — select text scan lines for the next mode set;
/// in: AL=00h 200, 01h 350, 02h 400; out: AL=12h (40:89 bits 4 and 7).
/// Modes are set with 400 lines whatever is chosen.
fn int10_12_30_scan_lines(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let bits = match r.al() {
        0 => 0x80,
        1 => 0x00,
        2 => 0x10,
        _ => return Status::Done,
    };
    let v = ctx.bda_u8(bda::MODESET_CTL) & !0x90;
    ctx.set_bda_u8(bda::MODESET_CTL, v | bits);
    r.set_al(0x12);
    Status::Done
}

/// INT 10h AH=12h BL=31h — default palette loading at mode sets; in:
/// AL=00h on, 01h off; out: AL=12h (40:89 bit 3 set when off).
fn int10_12_31_palette_loading(r: &mut Regs, ctx: &mut Ctx) -> Status {
    modeset_bit(r, ctx, bda::MODESET_CTL, 0x08, false)
}

/// INT 10h AH=12h BL=32h — video addressing; in: AL=00h on, 01h off; out:
/// AL=12h (nothing changes: the adapter's memory stays mapped).
fn int10_12_32_video_addressing(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    if r.al() <= 1 {
        r.set_al(0x12);
    }
    Status::Done
}

/// INT 10h AH=12h BL=33h — grey-scale summing at mode sets; in: AL=00h on,
/// 01h off; out: AL=12h (40:89 bit 1).
fn int10_12_33_grey_summing(r: &mut Regs, ctx: &mut Ctx) -> Status {
    modeset_bit(r, ctx, bda::MODESET_CTL, 0x02, true)
}

/// INT 10h AH=12h BL=34h — cursor emulation; in: AL=00h on, 01h off; out:
/// AL=12h (40:87 bit 0 set when off).
fn int10_12_34_cursor_emulation(r: &mut Regs, ctx: &mut Ctx) -> Status {
    modeset_bit(r, ctx, bda::VIDEO_CTL, 0x01, false)
}

/// INT 10h AH=12h BL=36h — screen refresh; in: AL=00h on, 01h off; out:
/// AL=12h (sequencer clocking mode bit 5, the screen-off bit).
fn int10_12_36_screen_refresh(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let off = match r.al() {
        0 => false,
        1 => true,
        _ => return Status::Done,
    };
    ctx.vga.write_u8(crate::vga::SEQ_INDEX, 1);
    let v = ctx.vga.read_u8(0x3C5);
    ctx.vga
        .write_u8(0x3C5, if off { v | 0x20 } else { v & !0x20 });
    r.set_al(0x12);
    Status::Done
}

/// INT 10h AH=13h — write string; in: AL=mode (bit 0: move the cursor,
/// bit 1: the string holds character/attribute pairs), BH=page, BL=attribute
/// (modes 0 and 1; graphics: colour), CX=characters, DH,DL=row,column
/// (DH=FFh: the page's cursor), ES:BP=string; out: nothing. Characters go
/// through teletype processing (CR, LF, BS, BEL, scrolling) with their
/// attribute, and to the host console.
pub fn int10_13_write_string(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let page = if graphics(ctx).is_some() {
        0
    } else {
        r.bh() & 7
    };
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
        teletype(ctx, page, ch, Some(attr), attr);
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

/// INT 10h AH=1Bh — functionality and state information; in: BX=0000h,
/// ES:DI=64-byte buffer; out: AL=1Bh, the buffer filled (RBIL table
/// 00040): the static table's address (F000:D600), the BDA's video fields
/// 40:49-40:66, rows (40:84), character height, display combination 08h,
/// colours, pages, scan lines, and 256 KiB of video memory. BX other than
/// 0 is not offered.
pub fn int10_1b_state_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if r.bx() != 0 {
        return Status::Unsupported;
    }
    let mut t = [0u8; 64];
    let table = u32::from(abi::ROM_SEGMENT) << 16 | u32::from(abi::rom::VIDEO_STATIC_TABLE);
    t[0..4].copy_from_slice(&table.to_le_bytes());
    let mut bda_video = [0u8; 30];
    let _ = ctx
        .mem
        .read(crate::mem::bda_addr(bda::VIDEO_MODE), &mut bda_video);
    t[4..34].copy_from_slice(&bda_video);
    t[0x22] = ctx.bda_u8(bda::VIDEO_ROWS); // 40:84 as it is, as SeaVGABIOS
    t[0x23..0x25].copy_from_slice(&ctx.bda_u16(bda::CHAR_HEIGHT).to_le_bytes());
    t[0x25] = 0x08; // VGA, colour display
    let (colours, pages, lines): (u16, u8, u8) = match ctx.vga.mode {
        Mode::Text if ctx.bda_u16(bda::CRTC_ADDRESS) == CRTC_MONO => (0, 8, 2),
        Mode::Text => (16, 8, 2),
        // 200 lines, scanned twice: 400.
        Mode::Vga256 => (256, 1, 2),
        Mode::Linear(l) if l.bpp == 8 => (256, 1, 3),
        Mode::Linear(_) => (0, 1, 3),
    };
    t[0x27..0x29].copy_from_slice(&colours.to_le_bytes());
    t[0x29] = pages;
    t[0x2A] = lines;
    t[0x2D] = (ctx.vga.attr[0x10] & 0x08) << 2 | 0x10; // blink (bit 5), cursor emulation
    t[0x31] = 3; // 256 KiB
    if ctx.mem.write(real_addr(r.es, r.di()), &t).is_ok() {
        r.set_al(0x1B);
    }
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
        assert_eq!(w.vga.cursor_location(), 80, "the CRTC's cursor follows");
        let mut r = regs(0x0F00);
        w.call(int10_0f_get_mode, &mut r);
        assert_eq!(r.ax(), 0x5003);
    }

    #[test]
    fn mode_13h_text_pixels_and_palette() {
        let mut w = World::new();
        w.call(int10_00_set_mode, &mut regs(0x0013));
        assert_eq!(w.vga.mode, Mode::Vga256);
        assert_eq!(w.vga.dac[40], [63, 0, 0]);
        let mut r = regs(0x0C85);
        r.set_cx(10);
        r.set_dx(2);
        w.call(int10_0c_write_pixel, &mut r);
        assert_eq!(
            w.mem.read_u8(0xA0000 + 2 * 320 + 10).unwrap(),
            0x85,
            "no XOR"
        );
        let mut r = regs(0x0D00);
        r.set_cx(10);
        r.set_dx(2);
        w.call(int10_0d_read_pixel, &mut r);
        assert_eq!(r.al(), 0x85);
        // Hostile coordinates draw nothing.
        let mut r = regs(0x0C0F);
        r.set_cx(0xFFFF);
        r.set_dx(0xFFFF);
        w.call(int10_0c_write_pixel, &mut r);
        // 'H' drawn at the cursor in colour 0Eh, read back by its glyph.
        let mut r = regs(0x0E00 | u16::from(b'H'));
        r.set_bl(0x0E);
        w.call(int10_0e_teletype, &mut r);
        let mut r = regs(0x0200);
        w.call(int10_02_set_cursor_position, &mut r);
        let mut r = regs(0x0800);
        w.call(int10_08_read_char_attr, &mut r);
        assert_eq!(r.ax(), 0x0E00 | u16::from(b'H'), "the glyph, in its colour");
        // The DAC through AX=1010h/1015h.
        let mut r = regs(0x1010);
        r.set_bx(7);
        r.set_dx(0x0100);
        r.set_cx(0x0203);
        w.call(int10_1010_set_dac_register, &mut r);
        let mut r = regs(0x1015);
        r.set_bx(7);
        w.call(int10_1015_get_dac_register, &mut r);
        assert_eq!((r.dh(), r.ch(), r.cl()), (1, 2, 3));
        // Blocks that start past register FFh touch nothing.
        for f in [
            int10_1012_set_dac_block as super::super::Handler,
            int10_1017_get_dac_block,
            int10_101b_grey_scale,
        ] {
            let mut r = regs(0x1000);
            r.set_bx(0x0101);
            r.set_cx(0xFFFF);
            w.call(f, &mut r);
        }
        // A block that runs past register FFh stops there.
        let mut r = regs(0x1017);
        r.set_bx(250);
        r.set_cx(0xFFFF);
        r.set_dx(0x1000);
        w.call(int10_1017_get_dac_block, &mut r);
    }
}
