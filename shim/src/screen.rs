//! The guest's screen as a person sees it, read from video memory, the
//! BIOS data area and the display adapter's registers (so a guest that
//! writes B8000h or the CRTC directly shows as well as one that calls
//! INT 10h). A text screen comes as UTF-8 text from code page 437, as ANSI
//! for a terminal, and (feature `screenshot`) as a PNG drawn with an 8x16
//! font in the adapter's 16 text colours; a graphics screen ([`Frame`],
//! mode 13h or a VBE mode) as a PNG at its resolution and, for a terminal,
//! in half-block characters of 24-bit colour scaled to fit.

use crate::mem::{bda_addr, Memory};
use crate::memmap::{MONO_TEXT_BASE, VGA_TEXT_BASE, VGA_TEXT_SIZE, VGA_WINDOW_BASE};
use crate::vga::{Mode, Vga};
use abi::bda;

/// The CRTC base the BDA names for the monochrome adapter (40:63).
const CRTC_MONO: u16 = 0x3B4;

/// One text screen: the active page's characters and attributes, the
/// cursor, and the mode they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextScreen {
    /// The BIOS video mode (40:49).
    pub mode: u8,
    /// Columns (40, 80, ...).
    pub cols: u16,
    /// Rows (25, 43, 50).
    pub rows: u16,
    /// `rows * cols` cells, row by row: attribute << 8 | character.
    pub cells: Vec<u16>,
    /// The cursor's column and row, if it is on the screen and visible.
    pub cursor: Option<(u16, u16)>,
    /// The cursor's first and last scan lines (40:60).
    pub cursor_shape: (u8, u8),
    /// The 16 text colours as RGB (the attribute palette through the DAC).
    pub palette: [[u8; 3]; 16],
}

impl TextScreen {
    /// Reads the active page as the BIOS data area describes it (values a
    /// guest may have scribbled on are clamped; cells outside RAM read as
    /// blanks).
    pub fn read<M: Memory + ?Sized>(mem: &M) -> TextScreen {
        let b8 = |off| mem.read_u8(bda_addr(off)).unwrap_or(0);
        let b16 = |off| mem.read_u16(bda_addr(off)).unwrap_or(0);
        let mode = b8(bda::VIDEO_MODE);
        let cols = match b16(bda::VIDEO_COLS) {
            c @ 20..=132 => c,
            _ => 80,
        };
        let rows = match b8(bda::VIDEO_ROWS) {
            r @ 10..=59 => u16::from(r) + 1,
            _ => 25,
        };
        let base = if b16(bda::CRTC_ADDRESS) == CRTC_MONO || mode == 7 {
            MONO_TEXT_BASE
        } else {
            VGA_TEXT_BASE
        };
        // The active page's start (40:4E), wrapped into the 32 KiB window.
        let window = VGA_TEXT_SIZE / 2;
        let start = u64::from(b16(bda::VIDEO_PAGE_START)) % window;
        let n = usize::from(cols) * usize::from(rows);
        let mut raw = vec![0u8; n * 2];
        for (i, chunk) in raw.chunks_mut(2).enumerate() {
            let at = base + (start + 2 * i as u64) % window;
            if mem.read(at, chunk).is_err() {
                chunk.copy_from_slice(&[b' ', 0x07]);
            }
        }
        let cells = raw
            .chunks(2)
            .map(|c| u16::from(c[1]) << 8 | u16::from(c[0]))
            .collect();
        let page = u16::from(b8(bda::VIDEO_PAGE) & 7);
        let pos = b16(bda::CURSOR_POS + 2 * page);
        let (col, row) = (pos & 0xFF, pos >> 8);
        let shape = b16(bda::CURSOR_SHAPE);
        let (first, last) = ((shape >> 8) as u8, shape as u8);
        // CH bit 5 (or bits 5-6 = 01b) hides the cursor (RBIL INT 10h AH=01h).
        let visible = first & 0x20 == 0;
        let cursor = (visible && col < cols && row < rows).then_some((col, row));
        TextScreen {
            mode,
            cols,
            rows,
            cells,
            cursor,
            cursor_shape: (first & 0x1F, last & 0x1F),
            palette: PALETTE,
        }
    }

    /// Reads the screen the adapter shows: the shape from the BDA, but the
    /// start address, the cursor and its shape from the CRTC, and the
    /// colours from the attribute palette and the DAC, so that a guest that
    /// programs them directly (a console scrolling by the start address,
    /// Linux's vgacon moving the cursor) shows as it would on a VGA.
    pub fn read_display<M: Memory + ?Sized>(mem: &M, vga: &Vga) -> TextScreen {
        let mut s = TextScreen::read(mem);
        let base = if s.is_mono() {
            MONO_TEXT_BASE
        } else {
            VGA_TEXT_BASE
        };
        let window = VGA_TEXT_SIZE / 2;
        let start = u64::from(vga.start_address()) * 2;
        let mut raw = vec![0u8; s.cells.len() * 2];
        for (i, chunk) in raw.chunks_mut(2).enumerate() {
            let at = base + (start + 2 * i as u64) % window;
            if mem.read(at, chunk).is_err() {
                chunk.copy_from_slice(&[b' ', 0x07]);
            }
        }
        s.cells = raw
            .chunks(2)
            .map(|c| u16::from(c[1]) << 8 | u16::from(c[0]))
            .collect();
        let cols = u64::from(s.cols);
        let rel = u64::from(vga.cursor_location().wrapping_sub(vga.start_address()));
        let (col, row) = ((rel % cols) as u16, (rel / cols) as u16);
        s.cursor = match vga.cursor_shape() {
            Some(shape) if row < s.rows => {
                s.cursor_shape = shape;
                Some((col, row))
            }
            _ => None,
        };
        for (i, c) in s.palette.iter_mut().enumerate() {
            *c = vga.text_rgb(i as u8);
        }
        s
    }

    /// Whether this is the monochrome adapter's mode 7.
    pub fn is_mono(&self) -> bool {
        self.mode == 7
    }

    /// One row's cells.
    pub fn row(&self, r: u16) -> &[u16] {
        let c = usize::from(self.cols);
        &self.cells[usize::from(r) * c..(usize::from(r) + 1) * c]
    }

    /// The screen as UTF-8 text from code page 437: one line per row,
    /// trailing blanks removed, trailing empty lines kept (so a row's
    /// number is its line's).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for r in 0..self.rows {
            let line: String = self
                .row(r)
                .iter()
                .map(|&cell| cp437_char(cell as u8))
                .collect();
            out += line.trim_end_matches(' ');
            out.push('\n');
        }
        out
    }
}

/// A graphics screen's pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` pixels, row by row, as red, green, blue.
    pub rgb: Vec<u8>,
}

/// What the display shows: a text screen, or a graphics one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A text mode.
    Text(TextScreen),
    /// Mode 13h or a VBE mode.
    Graphics(Picture),
}

/// The largest picture read (a 1920x1080 screen is 2 million pixels).
const MAX_PIXELS: u64 = 4096 * 4096;

impl Frame {
    /// Reads what the adapter `vga` shows from `mem`: in a graphics mode
    /// every pixel, from the display start, through the DAC at 8 bpp;
    /// pixels outside RAM read as black.
    pub fn capture<M: Memory + ?Sized>(mem: &M, vga: &Vga) -> Frame {
        let (base, width, height, bpp, pitch) = match vga.mode {
            Mode::Text => return Frame::Text(TextScreen::read_display(mem, vga)),
            Mode::Vga256 => (VGA_WINDOW_BASE, 320, 200, 8, 320),
            Mode::Linear(l) => {
                let off = u64::from(l.start.1) * u64::from(l.pitch)
                    + u64::from(l.start.0 * l.bytes_per_pixel());
                (l.base + off, l.width, l.height, l.bpp, l.pitch)
            }
        };
        if u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Frame::Graphics(Picture {
                width: 0,
                height: 0,
                rgb: Vec::new(),
            });
        }
        let bytes = u32::from(bpp).div_ceil(8) as usize;
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        let mut line = vec![0u8; width as usize * bytes];
        for y in 0..height {
            let at = base + u64::from(y) * u64::from(pitch);
            if mem.read(at, &mut line).is_err() {
                line.fill(0);
            }
            for px in line.chunks(bytes) {
                let v = px.iter().rev().fold(0u32, |a, &b| a << 8 | u32::from(b));
                let c = match bpp {
                    8 => vga.rgb(px[0]),
                    15 => [(v >> 10) & 31, (v >> 5) & 31, v & 31].map(|c| (c << 3 | c >> 2) as u8),
                    16 => [
                        ((v >> 11) & 31) << 3 | ((v >> 11) & 31) >> 2,
                        ((v >> 5) & 63) << 2 | ((v >> 5) & 63) >> 4,
                        (v & 31) << 3 | (v & 31) >> 2,
                    ]
                    .map(|c| c as u8),
                    _ => [(v >> 16) as u8, (v >> 8) as u8, v as u8],
                };
                rgb.extend_from_slice(&c);
            }
        }
        Frame::Graphics(Picture { width, height, rgb })
    }

    /// The text screen, if this is one.
    pub fn text_screen(&self) -> Option<&TextScreen> {
        match self {
            Frame::Text(t) => Some(t),
            Frame::Graphics(_) => None,
        }
    }

    /// The screen as UTF-8 text (empty for a graphics screen).
    pub fn text(&self) -> String {
        self.text_screen().map(TextScreen::text).unwrap_or_default()
    }

    /// ANSI output that brings a terminal showing `prev` to this frame, in
    /// a `width` x `height` terminal. A graphics screen is drawn in upper
    /// half blocks (two pixels a cell, 24-bit colour), scaled to fit.
    pub fn ansi_update(&self, prev: Option<&Frame>, width: u16, height: u16) -> Vec<u8> {
        match (self, prev) {
            (Frame::Text(t), Some(Frame::Text(p))) => t.ansi_update(Some(p), width, height),
            (Frame::Text(t), _) => t.ansi_update(None, width, height),
            (Frame::Graphics(g), prev) => {
                let prev = match prev {
                    Some(Frame::Graphics(p)) => Some(p),
                    _ => None,
                };
                g.ansi_update(prev, width, height)
            }
        }
    }
}

impl Picture {
    /// The pixel at (x, y) (black outside the picture).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if x >= self.width || y >= self.height {
            return [0; 3];
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        match self.rgb.get(i..i + 3) {
            Some(p) => [p[0], p[1], p[2]],
            None => [0; 3],
        }
    }

    /// The picture scaled to at most `cols` x `2 * rows` pixels, keeping
    /// its shape: (columns, pixel rows, pixels).
    fn scaled(&self, cols: u16, rows: u16) -> (u32, u32, Vec<[u8; 3]>) {
        if self.width == 0 || self.height == 0 {
            return (0, 0, Vec::new());
        }
        let (tw, th) = (u64::from(cols.max(1)), u64::from(rows.max(1)) * 2);
        let (w, h) = (u64::from(self.width), u64::from(self.height));
        // The scale is the smaller of the two ratios, as a fraction num/den.
        let (num, den) = if tw * h <= th * w { (tw, w) } else { (th, h) };
        let (sw, sh) = ((w * num / den).max(1), (h * num / den).max(1));
        let mut px = Vec::with_capacity((sw * sh) as usize);
        for y in 0..sh {
            for x in 0..sw {
                px.push(self.pixel((x * w / sw) as u32, (y * h / sh) as u32));
            }
        }
        (sw as u32, sh as u32, px)
    }

    /// ANSI output drawing this picture in half blocks; only rows that
    /// differ from `prev`'s drawing at the same size are sent.
    pub fn ansi_update(&self, prev: Option<&Picture>, width: u16, height: u16) -> Vec<u8> {
        let (w, h, px) = self.scaled(width, height);
        let old = prev.map(|p| p.scaled(width, height));
        let same_size = old.as_ref().is_some_and(|o| (o.0, o.1) == (w, h));
        let mut out = Vec::new();
        if !same_size {
            out.extend_from_slice(b"\x1b[0m\x1b[H\x1b[2J\x1b[?25l");
        }
        for row in 0..h.div_ceil(2) {
            let line = |px: &[[u8; 3]], y: u32| -> Vec<[u8; 3]> {
                if y < h {
                    px[(y * w) as usize..((y + 1) * w) as usize].to_vec()
                } else {
                    vec![[0; 3]; w as usize]
                }
            };
            let (top, bottom) = (line(&px, 2 * row), line(&px, 2 * row + 1));
            if let (true, Some(o)) = (same_size, &old) {
                if line(&o.2, 2 * row) == top && line(&o.2, 2 * row + 1) == bottom {
                    continue;
                }
            }
            out.extend_from_slice(format!("\x1b[{};1H", row + 1).as_bytes());
            let mut last = None;
            for (t, b) in top.iter().zip(&bottom) {
                if last != Some((*t, *b)) {
                    out.extend_from_slice(
                        format!(
                            "\x1b[38;2;{};{};{};48;2;{};{};{}m",
                            t[0], t[1], t[2], b[0], b[1], b[2]
                        )
                        .as_bytes(),
                    );
                    last = Some((*t, *b));
                }
                out.extend_from_slice("▀".as_bytes());
            }
            out.extend_from_slice(b"\x1b[0m");
        }
        out
    }
}

/// The characters of text video memory (every page of both adapters'
/// windows, B0000h-BFFFFh), with the attribute bytes skipped; empty if it
/// is not RAM.
pub fn text_memory<M: Memory + ?Sized>(mem: &M) -> Vec<u8> {
    let mut buf = vec![0u8; VGA_TEXT_SIZE as usize];
    if mem.read(MONO_TEXT_BASE, &mut buf).is_err() {
        return Vec::new();
    }
    buf.iter().step_by(2).copied().collect()
}

/// How many times `needle` occurs in `chars` (overlaps counted).
pub fn occurrences(chars: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 0;
    }
    chars.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Whether `needle` is anywhere in text video memory ([`text_memory`]).
/// Rows run on into each other, as they are stored.
pub fn text_memory_contains<M: Memory + ?Sized>(mem: &M, needle: &[u8]) -> bool {
    needle.is_empty() || occurrences(&text_memory(mem), needle) > 0
}

/// Code page 437 as Unicode: the IBM PC's character set, including the
/// graphic symbols its video adapters show for control codes. NUL shows as
/// a space and FFh (a no-break space) as one too.
pub fn cp437_char(b: u8) -> char {
    const LOW: [char; 32] = [
        ' ', '☺', '☻', '♥', '♦', '♣', '♠', '•', '◘', '○', '◙', '♂', '♀', '♪', '♫', '☼', //
        '►', '◄', '↕', '‼', '¶', '§', '▬', '↨', '↑', '↓', '→', '←', '∟', '↔', '▲', '▼',
    ];
    const HIGH: [char; 128] = [
        'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
        'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
        'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
        '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
        '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
        '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
        'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
        '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', ' ',
    ];
    match b {
        0x00..=0x1F => LOW[usize::from(b)],
        0x7F => '⌂',
        0x20..=0x7E => char::from(b),
        _ => HIGH[usize::from(b - 0x80)],
    }
}

/// The 16 colours of the VGA's default palette (text attributes' 4-bit
/// indices), as RGB.
pub const PALETTE: [[u8; 3]; 16] = [
    [0x00, 0x00, 0x00],
    [0x00, 0x00, 0xAA],
    [0x00, 0xAA, 0x00],
    [0x00, 0xAA, 0xAA],
    [0xAA, 0x00, 0x00],
    [0xAA, 0x00, 0xAA],
    [0xAA, 0x55, 0x00],
    [0xAA, 0xAA, 0xAA],
    [0x55, 0x55, 0x55],
    [0x55, 0x55, 0xFF],
    [0x55, 0xFF, 0x55],
    [0x55, 0xFF, 0xFF],
    [0xFF, 0x55, 0x55],
    [0xFF, 0x55, 0xFF],
    [0xFF, 0xFF, 0x55],
    [0xFF, 0xFF, 0xFF],
];

/// A cell's foreground and background colour indices, with underline,
/// as the adapter shows them: blink (attribute bit 7) enabled, so the
/// background has 8 colours; on the monochrome adapter only normal,
/// intense, reverse, underline and invisible exist.
pub fn cell_colours(attr: u8, mono: bool) -> (u8, u8, bool) {
    if !mono {
        return (attr & 0x0F, (attr >> 4) & 7, false);
    }
    let intense = attr & 0x08 != 0;
    match attr & 0x77 {
        0x00 => (0, 0, false),
        0x70 => (0, 7, false),
        fg => {
            let c = if intense { 15 } else { 7 };
            (c, 0, fg & 7 == 1)
        }
    }
}

/// ANSI colour numbers (30 + n) for the VGA's indices 0-7.
const ANSI_OF_VGA: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

impl TextScreen {
    /// ANSI output that brings a terminal showing `prev` (or anything, if
    /// `None`) to this screen: changed rows redrawn at the top left, at
    /// most `width` columns and `height` rows of it (a smaller terminal
    /// shows the top left part), then the cursor placed and shown or hidden.
    pub fn ansi_update(&self, prev: Option<&TextScreen>, width: u16, height: u16) -> Vec<u8> {
        let mut out = Vec::new();
        let same_shape = prev.is_some_and(|p| p.cols == self.cols && p.rows == self.rows);
        if !same_shape {
            out.extend_from_slice(b"\x1b[0m\x1b[H\x1b[2J");
        }
        let cols = self.cols.min(width.max(1));
        let rows = self.rows.min(height.max(1));
        let mut changed = false;
        for r in 0..rows {
            let row = &self.row(r)[..usize::from(cols)];
            if same_shape && prev.is_some_and(|p| &p.row(r)[..usize::from(cols)] == row) {
                continue;
            }
            changed = true;
            out.extend_from_slice(format!("\x1b[{};1H", r + 1).as_bytes());
            let mut last: Option<u8> = None;
            for &cell in row {
                let attr = (cell >> 8) as u8;
                if last != Some(attr) {
                    let (fg, bg, ul) = cell_colours(attr, self.is_mono());
                    let fg_code = if fg >= 8 { 90 } else { 30 } + ANSI_OF_VGA[usize::from(fg & 7)];
                    let bg_code = 40 + ANSI_OF_VGA[usize::from(bg & 7)];
                    let ul = if ul { ";4" } else { "" };
                    out.extend_from_slice(format!("\x1b[0;{fg_code};{bg_code}{ul}m").as_bytes());
                    last = Some(attr);
                }
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(cp437_char(cell as u8).encode_utf8(&mut utf8).as_bytes());
            }
        }
        if changed {
            out.extend_from_slice(b"\x1b[0m");
        }
        if changed
            || prev.map(|p| (p.cursor, p.cursor_shape)) != Some((self.cursor, self.cursor_shape))
        {
            match self.cursor {
                Some((c, r)) if c < cols && r < rows => {
                    out.extend_from_slice(format!("\x1b[{};{}H\x1b[?25h", r + 1, c + 1).as_bytes())
                }
                _ => out.extend_from_slice(b"\x1b[?25l"),
            }
        }
        out
    }
}

#[cfg(feature = "screenshot")]
mod picture {
    use super::*;

    fn font() -> &'static [[u8; 16]; 256] {
        crate::vga::font::font_8x16()
    }

    /// The cursor's scan lines in a 16-line cell: a CGA-style shape (both
    /// lines below 8, as the BDA keeps it, 0607h by default) scaled as a
    /// VGA BIOS's cursor emulation does.
    fn cursor_lines((first, last): (u8, u8)) -> (usize, usize) {
        let (f, l) = (usize::from(first), usize::from(last));
        if l < 8 {
            (f * 2, (l * 2 + 1).min(15))
        } else {
            (f.min(15), l.min(15))
        }
    }

    /// A cell's pixel width: 8, doubled in 40-column modes (as the adapter
    /// doubles its dot clock's period), so both fill 640 pixels.
    fn cell_width(s: &TextScreen) -> usize {
        if s.cols <= 40 {
            16
        } else {
            8
        }
    }

    impl TextScreen {
        /// The screen as an 8-bit indexed image: `(width, height, pixels)`
        /// with palette indices into [`PALETTE`]; the cursor drawn on its
        /// scan lines.
        pub fn pixels(&self) -> (u32, u32, Vec<u8>) {
            let cw = cell_width(self);
            let (w, h) = (usize::from(self.cols) * cw, usize::from(self.rows) * 16);
            let mut px = vec![0u8; w * h];
            let font = font();
            for r in 0..usize::from(self.rows) {
                for c in 0..usize::from(self.cols) {
                    let cell = self.cells[r * usize::from(self.cols) + c];
                    let (fg, bg, ul) = cell_colours((cell >> 8) as u8, self.is_mono());
                    let glyph = &font[usize::from(cell as u8)];
                    let cursor = self.cursor == Some((c as u16, r as u16));
                    for y in 0..16 {
                        let mut bits = glyph[y];
                        if ul && y == 14 {
                            bits = 0xFF;
                        }
                        let (first, last) = cursor_lines(self.cursor_shape);
                        if cursor && (first..=last).contains(&y) {
                            bits = 0xFF;
                        }
                        let line = &mut px[(r * 16 + y) * w + c * cw..][..cw];
                        for (x, p) in line.iter_mut().enumerate() {
                            let on = bits & (0x80 >> (x * 8 / cw)) != 0;
                            *p = if on { fg } else { bg };
                        }
                    }
                }
            }
            (w as u32, h as u32, px)
        }

        /// Writes the screen as a PNG (indexed colour, the 16 text colours).
        pub fn write_png(&self, out: impl std::io::Write) -> std::io::Result<()> {
            let (w, h, px) = self.pixels();
            let mut enc = png::Encoder::new(out, w, h);
            enc.set_color(png::ColorType::Indexed);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_palette(self.palette.concat());
            let mut writer = enc.write_header().map_err(std::io::Error::other)?;
            writer
                .write_image_data(&px)
                .map_err(std::io::Error::other)?;
            writer.finish().map_err(std::io::Error::other)
        }
    }

    impl Picture {
        /// Writes the picture as a PNG (8-bit RGB) at its resolution.
        pub fn write_png(&self, out: impl std::io::Write) -> std::io::Result<()> {
            let mut enc = png::Encoder::new(out, self.width.max(1), self.height.max(1));
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().map_err(std::io::Error::other)?;
            let data = if self.rgb.is_empty() {
                vec![0u8; 3]
            } else {
                self.rgb.clone()
            };
            writer
                .write_image_data(&data)
                .map_err(std::io::Error::other)?;
            writer.finish().map_err(std::io::Error::other)
        }
    }

    impl Frame {
        /// Writes what the display shows as a PNG: a text screen in 8x16
        /// cells, a graphics screen at its resolution.
        pub fn write_png(&self, out: impl std::io::Write) -> std::io::Result<()> {
            match self {
                Frame::Text(t) => t.write_png(out),
                Frame::Graphics(g) => g.write_png(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::guest_ram;
    use vm_memory::GuestMemoryMmap;

    fn ram() -> GuestMemoryMmap {
        guest_ram(&[(0, 0xA_0000), (MONO_TEXT_BASE, VGA_TEXT_SIZE as usize)]).unwrap()
    }

    fn set_80x25(mem: &mut GuestMemoryMmap) {
        mem.write_u8(bda_addr(bda::VIDEO_MODE), 3).unwrap();
        mem.write_u16(bda_addr(bda::VIDEO_COLS), 80).unwrap();
        mem.write_u8(bda_addr(bda::VIDEO_ROWS), 24).unwrap();
        mem.write_u16(bda_addr(bda::CRTC_ADDRESS), 0x3D4).unwrap();
        mem.write_u16(bda_addr(bda::CURSOR_SHAPE), 0x0D0E).unwrap();
    }

    #[test]
    fn reads_what_the_guest_wrote_and_the_cursor() {
        let mut mem = ram();
        set_80x25(&mut mem);
        for (i, b) in b"Hi\x01\xC9\xCD".iter().enumerate() {
            mem.write(VGA_TEXT_BASE + 160 + 2 * i as u64, &[*b, 0x1F])
                .unwrap();
        }
        mem.write_u16(bda_addr(bda::CURSOR_POS), 0x0105).unwrap();
        let s = TextScreen::read(&mem);
        assert_eq!((s.cols, s.rows), (80, 25));
        assert_eq!(s.cursor, Some((5, 1)));
        let text = s.text();
        assert_eq!(text.lines().nth(1), Some("Hi☺╔═"));
        assert_eq!(text.lines().count(), 25);
        assert!(text_memory_contains(&mem, b"Hi\x01"));
        assert!(!text_memory_contains(&mem, b"Hello"));
    }

    #[test]
    fn hostile_bda_values_are_clamped() {
        let mut mem = ram();
        mem.write_u16(bda_addr(bda::VIDEO_COLS), 0xFFFF).unwrap();
        mem.write_u8(bda_addr(bda::VIDEO_ROWS), 0xFF).unwrap();
        mem.write_u16(bda_addr(bda::VIDEO_PAGE_START), 0xFFFF)
            .unwrap();
        mem.write_u16(bda_addr(bda::CURSOR_POS), 0xFFFF).unwrap();
        let s = TextScreen::read(&mem);
        assert_eq!((s.cols, s.rows, s.cursor), (80, 25, None));
        assert_eq!(s.cells.len(), 80 * 25);
    }

    #[test]
    fn ansi_redraws_only_changed_rows() {
        let mut mem = ram();
        set_80x25(&mut mem);
        let a = TextScreen::read(&mem);
        let full = a.ansi_update(None, 80, 25);
        assert!(full.starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
        assert!(a.ansi_update(Some(&a), 80, 25).is_empty());
        mem.write(VGA_TEXT_BASE + 160 * 3, b"X\x4E").unwrap();
        let b = TextScreen::read(&mem);
        let delta = String::from_utf8(b.ansi_update(Some(&a), 80, 25)).unwrap();
        assert!(delta.starts_with("\x1b[4;1H\x1b[0;93;41mX"), "{delta:?}");
        assert!(!delta.contains("\x1b[1;1H\x1b[0;"), "row 1 is unchanged");
        assert!(delta.ends_with("\x1b[0m\x1b[1;1H\x1b[?25h"), "{delta:?}");
    }

    #[test]
    fn the_crtc_start_address_and_cursor_move_the_picture() {
        let mut mem = ram();
        set_80x25(&mut mem);
        for row in 0..30u64 {
            mem.write(VGA_TEXT_BASE + row * 160, &[b'0' + row as u8 % 10, 0x07])
                .unwrap();
        }
        let mut vga = Vga::new();
        vga.set_start_address(80 * 3);
        vga.set_cursor_location(80 * 3 + 80 + 2);
        let s = TextScreen::read_display(&mem, &vga);
        assert_eq!(s.text().lines().next(), Some("3"));
        assert_eq!(s.cursor, Some((2, 1)));
        // Hostile registers wrap, as the CRTC's addresses do.
        vga.set_start_address(0xFFFF);
        vga.set_cursor_location(0);
        let s = TextScreen::read_display(&mem, &vga);
        assert_eq!((s.cells.len(), s.cursor), (80 * 25, Some((1, 0))));
        vga.set_cursor_location(0xFFFE);
        assert_eq!(TextScreen::read_display(&mem, &vga).cursor, None);
    }

    #[test]
    fn graphics_are_captured_and_drawn_in_half_blocks() {
        let mut mem = guest_ram(&[(0, 0xA_0000), (VGA_WINDOW_BASE, 0x2_0000)]).unwrap();
        let mut vga = Vga::new();
        vga.mode = Mode::Vga256;
        vga.load_default_palette();
        mem.write(VGA_WINDOW_BASE, &[4u8; 320 * 100]).unwrap();
        mem.write(VGA_WINDOW_BASE + 320 * 100, &[1u8; 320 * 100])
            .unwrap();
        let Frame::Graphics(p) = Frame::capture(&mem, &vga) else {
            panic!("mode 13h is graphics")
        };
        assert_eq!((p.width, p.height), (320, 200));
        assert_eq!(p.pixel(0, 0), [0xAA, 0, 0]);
        assert_eq!(p.pixel(319, 199), [0, 0, 0xAA]);
        assert_eq!(p.pixel(320, 0), [0; 3], "off the picture: black");
        let full = String::from_utf8(p.ansi_update(None, 100, 30)).unwrap();
        assert_eq!(full.matches('▀').count(), 96 * 30, "96x60 pixels");
        assert!(full.contains("38;2;170;0;0;48;2;170;0;0m"));
        assert!(p.ansi_update(Some(&p), 100, 30).is_empty(), "unchanged");
        for (w, h) in [(1, 1), (0, 0), (1000, 1)] {
            let _ = p.ansi_update(None, w, h);
        }
        let empty = Picture {
            width: 0,
            height: 0,
            rgb: Vec::new(),
        };
        assert!(
            !empty.ansi_update(None, 80, 24).is_empty(),
            "a clear screen"
        );
    }

    #[test]
    fn code_page_437() {
        assert_eq!(cp437_char(b'A'), 'A');
        assert_eq!(cp437_char(0xB0), '░');
        assert_eq!(cp437_char(0xDB), '█');
        assert_eq!(cp437_char(0xE1), 'ß');
        assert_eq!(cp437_char(0xFE), '■');
        let all: std::collections::HashSet<char> = (0x01..=0xFEu8).map(cp437_char).collect();
        assert_eq!(
            all.len(),
            0xFE,
            "every code from 01h to FEh is its own character"
        );
    }
}
