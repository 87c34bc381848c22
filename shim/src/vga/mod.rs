//! The display adapter pbios gives a guest: VGA's registers as text
//! programs and the screen view need them (the CRT controller, the
//! attribute controller's palette, the DAC, the input status register whose
//! retrace bit toggles), and the mode the video BIOS set (a text mode,
//! mode 13h, or a VBE mode on a linear framebuffer in guest RAM).
//!
//! A device with no KVM in it, as vm-superio's: the KVM backend sends the
//! guest's port I/O here ([`Vga::handles`], [`Vga::read`], [`Vga::write`]),
//! INT 10h programs it through the same registers, and the screen view
//! ([`crate::screen`]) reads it with video memory. Register numbers and
//! meanings: IBM's VGA Technical Reference (the CRTC's 0Ah-0Fh cursor and
//! start address, 13h offset; input status 1 at 3BAh/3DAh, bit 0 display
//! disabled, bit 3 vertical retrace; DAC 3C6h-3C9h).

pub mod edid;
pub mod font;
pub mod modes;

use std::time::Instant;

/// The attribute controller's index/data port.
pub const ATTR_PORT: u16 = 0x3C0;
/// The attribute controller's data read port.
pub const ATTR_READ: u16 = 0x3C1;
/// Miscellaneous output register, write (3C2h); input status 0 on read.
pub const MISC_WRITE: u16 = 0x3C2;
/// Sequencer index (3C4h) and data (3C5h).
pub const SEQ_INDEX: u16 = 0x3C4;
/// The DAC's pixel mask (3C6h).
pub const DAC_MASK: u16 = 0x3C6;
/// DAC read index (write), DAC state (read) (3C7h).
pub const DAC_READ_INDEX: u16 = 0x3C7;
/// DAC write index (3C8h).
pub const DAC_WRITE_INDEX: u16 = 0x3C8;
/// DAC data, three 6-bit components per entry (3C9h).
pub const DAC_DATA: u16 = 0x3C9;
/// Feature control read (3CAh).
pub const FEATURE_READ: u16 = 0x3CA;
/// Miscellaneous output register, read (3CCh).
pub const MISC_READ: u16 = 0x3CC;
/// Graphics controller index (3CEh) and data (3CFh).
pub const GC_INDEX: u16 = 0x3CE;
/// CRTC index, colour (3D4h); data at 3D5h.
pub const CRTC_COLOUR: u16 = 0x3D4;
/// CRTC index, monochrome (3B4h); data at 3B5h.
pub const CRTC_MONO: u16 = 0x3B4;
/// Input status 1, colour (3DAh); feature control write.
pub const STATUS_COLOUR: u16 = 0x3DA;
/// Input status 1, monochrome (3BAh).
pub const STATUS_MONO: u16 = 0x3BA;

/// CRTC registers (VGA Technical Reference, "CRT Controller Registers").
pub mod crtc {
    /// Maximum scan line (bits 0-4: character height - 1).
    pub const MAX_SCAN: usize = 0x09;
    /// Cursor start (bits 0-4) and cursor off (bit 5).
    pub const CURSOR_START: usize = 0x0A;
    /// Cursor end (bits 0-4).
    pub const CURSOR_END: usize = 0x0B;
    /// Start address, high byte.
    pub const START_HIGH: usize = 0x0C;
    /// Start address, low byte.
    pub const START_LOW: usize = 0x0D;
    /// Cursor location, high byte.
    pub const CURSOR_HIGH: usize = 0x0E;
    /// Cursor location, low byte.
    pub const CURSOR_LOW: usize = 0x0F;
    /// Offset: words (text) per row, halved.
    pub const OFFSET: usize = 0x13;
    /// Number of CRTC registers.
    pub const COUNT: usize = 0x19;
}

/// A refresh of 60 Hz: the period of the vertical retrace bit.
const FRAME_NANOS: u128 = 16_666_667;
/// The part of each frame the retrace bit is set (about VGA's 45 blank
/// lines of 525).
const RETRACE_NANOS: u128 = 1_400_000;

/// What the video BIOS last set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A text mode (00h-03h, 07h): cells in B0000h/B8000h.
    Text,
    /// Mode 13h: 320x200, one byte per pixel through the DAC, at A0000h.
    Vga256,
    /// A packed-pixel mode on a linear framebuffer (VBE; 8 bpp through
    /// the DAC, 15/16/24/32 bpp direct colour).
    Linear(Linear),
}

/// A linear framebuffer mode as set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    /// The VBE mode number (without the flag bits).
    pub number: u16,
    /// Pixels per line shown.
    pub width: u32,
    /// Lines shown.
    pub height: u32,
    /// Bits per pixel: 8, 15, 16, 24 or 32.
    pub bpp: u8,
    /// Bytes per scan line (VBE 4F06h may widen it).
    pub pitch: u32,
    /// Physical address of the framebuffer's first byte.
    pub base: u64,
    /// The pixel shown at the top left (VBE 4F07h): x and y.
    pub start: (u32, u32),
}

impl Linear {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(&self) -> u32 {
        u32::from(self.bpp).div_ceil(8)
    }
}

/// The adapter's state.
#[derive(Clone, Debug)]
pub struct Vga {
    misc: u8,
    seq_index: u8,
    seq: [u8; 5],
    gc_index: u8,
    gc: [u8; 9],
    crtc_index: u8,
    /// The CRT controller's registers.
    pub crtc: [u8; crtc::COUNT],
    attr_index: u8,
    attr_flip: bool,
    /// The attribute controller's registers: 00h-0Fh the palette (DAC
    /// indices of the 16 text colours), 10h mode control, 11h overscan,
    /// 12h plane enable, 13h panning, 14h colour select.
    pub attr: [u8; 0x15],
    dac_read: u8,
    dac_write: u8,
    dac_sub: u8,
    dac_reading: bool,
    dac_latch: [u8; 3],
    /// The DAC's 256 entries, 6 bits per component (8 with VBE 4F08h).
    pub dac: [[u8; 3]; 256],
    /// The DAC's pixel mask (3C6h).
    pub pel_mask: u8,
    /// The DAC's width in bits per component: 6, or 8 after 4F08h.
    pub dac_bits: u8,
    /// The mode the BIOS set.
    pub mode: Mode,
    epoch: Instant,
    status_reads: u32,
}

impl Default for Vga {
    fn default() -> Vga {
        Vga::new()
    }
}

impl Vga {
    /// An adapter in mode 03h's state, as after POST.
    pub fn new() -> Vga {
        let mut v = Vga {
            misc: 0x67,
            seq_index: 0,
            seq: [0x03, 0x00, 0x03, 0x00, 0x02],
            gc_index: 0,
            gc: [0, 0, 0, 0, 0, 0x10, 0x0E, 0x0F, 0xFF],
            crtc_index: 0,
            crtc: [0; crtc::COUNT],
            attr_index: 0x20,
            attr_flip: false,
            attr: [0; 0x15],
            dac_read: 0,
            dac_write: 0,
            dac_sub: 0,
            dac_reading: false,
            dac_latch: [0; 3],
            dac: [[0; 3]; 256],
            pel_mask: 0xFF,
            dac_bits: 6,
            mode: Mode::Text,
            epoch: Instant::now(),
            status_reads: 0,
        };
        v.set_text_registers(16);
        v.load_ega_palette();
        v
    }

    /// Text-mode registers for characters `char_height` lines tall: the
    /// 16 EGA colours in the attribute palette, the cursor on lines 6-7 of
    /// a CGA cell (what the BDA's 40:60 says after a mode set; the screen
    /// view scales such a shape to the cell, as cursor emulation does),
    /// start address 0, 80 columns.
    pub fn set_text_registers(&mut self, char_height: u8) {
        let h = char_height.clamp(1, 32);
        self.crtc = [0; crtc::COUNT];
        self.crtc[crtc::MAX_SCAN] = h - 1;
        self.crtc[crtc::CURSOR_START] = 6;
        self.crtc[crtc::CURSOR_END] = 7;
        self.crtc[crtc::OFFSET] = 40;
        self.attr[..16].copy_from_slice(&modes::EGA_ATTR_PALETTE);
        self.attr[0x10] = 0x0C;
        self.attr[0x12] = 0x0F;
        self.mode = Mode::Text;
    }

    /// The EGA's 64 colours in DAC entries 0-63 (what text modes use).
    pub fn load_ega_palette(&mut self) {
        for (i, e) in self.dac.iter_mut().enumerate().take(64) {
            *e = modes::ega_colour(i as u8);
        }
        self.dac_bits = 6;
        self.pel_mask = 0xFF;
    }

    /// VGA's default 256-colour palette (mode 13h, 8-bpp VBE modes).
    pub fn load_default_palette(&mut self) {
        for i in 0..=255u8 {
            self.dac[usize::from(i)] = modes::default_colour(i);
        }
        for (i, a) in self.attr.iter_mut().take(16).enumerate() {
            *a = i as u8;
        }
        self.dac_bits = 6;
        self.pel_mask = 0xFF;
    }

    /// Whether the CRTC answers at 3Dxh (misc bit 0) rather than 3Bxh.
    fn colour(&self) -> bool {
        self.misc & 1 != 0
    }

    /// Sets misc bit 0: the CRTC at 3D4h (colour) or 3B4h (mode 07h).
    pub fn set_colour(&mut self, colour: bool) {
        self.misc = (self.misc & !1) | u8::from(colour);
    }

    /// The CRTC's start address, in character cells (text) or bytes.
    pub fn start_address(&self) -> u16 {
        u16::from(self.crtc[crtc::START_HIGH]) << 8 | u16::from(self.crtc[crtc::START_LOW])
    }

    /// Sets the CRTC's start address.
    pub fn set_start_address(&mut self, a: u16) {
        self.crtc[crtc::START_HIGH] = (a >> 8) as u8;
        self.crtc[crtc::START_LOW] = a as u8;
    }

    /// The CRTC's cursor location, in character cells from video memory's start.
    pub fn cursor_location(&self) -> u16 {
        u16::from(self.crtc[crtc::CURSOR_HIGH]) << 8 | u16::from(self.crtc[crtc::CURSOR_LOW])
    }

    /// Sets the CRTC's cursor location.
    pub fn set_cursor_location(&mut self, a: u16) {
        self.crtc[crtc::CURSOR_HIGH] = (a >> 8) as u8;
        self.crtc[crtc::CURSOR_LOW] = a as u8;
    }

    /// Sets the cursor's scan lines from INT 10h AH=01h's CX (CH bit 5
    /// hides it).
    pub fn set_cursor_shape(&mut self, cx: u16) {
        self.crtc[crtc::CURSOR_START] = (cx >> 8) as u8 & 0x3F;
        self.crtc[crtc::CURSOR_END] = cx as u8 & 0x1F;
    }

    /// The cursor's first and last scan lines, or `None` when it is off.
    pub fn cursor_shape(&self) -> Option<(u8, u8)> {
        let start = self.crtc[crtc::CURSOR_START];
        (start & 0x20 == 0).then_some((start & 0x1F, self.crtc[crtc::CURSOR_END] & 0x1F))
    }

    /// DAC entry `i` as 8-bit RGB, whatever the DAC's width.
    pub fn rgb(&self, i: u8) -> [u8; 3] {
        let e = self.dac[usize::from(i & self.pel_mask)];
        if self.dac_bits == 8 {
            e
        } else {
            e.map(|c| {
                let c = c & 0x3F;
                (c << 2) | (c >> 4)
            })
        }
    }

    /// The 8-bit RGB of text colour `c` (0-15): the attribute palette, then
    /// the DAC.
    pub fn text_rgb(&self, c: u8) -> [u8; 3] {
        self.rgb(self.attr[usize::from(c & 15)] & 0x3F)
    }

    /// Whether pbios answers `port` here: the VGA's 3B4h/3B5h, 3BAh and
    /// 3C0h-3DFh.
    pub fn handles(&self, port: u16) -> bool {
        matches!(port, 0x3B4 | 0x3B5 | 0x3BA | 0x3C0..=0x3DF)
    }

    /// Input status 1: bit 3 set during the vertical retrace of a 60 Hz
    /// frame; bit 0 (display disabled: any retrace) also alternates from
    /// read to read, as horizontal retraces come every 32 µs.
    fn status(&mut self) -> u8 {
        self.attr_flip = false;
        self.status_reads = self.status_reads.wrapping_add(1);
        let t = self.epoch.elapsed().as_nanos() % FRAME_NANOS;
        let vretrace = t < RETRACE_NANOS;
        let hretrace = self.status_reads & 1 == 0;
        u8::from(vretrace) << 3 | u8::from(vretrace || hretrace)
    }

    /// Reads one byte from `port`.
    pub fn read_u8(&mut self, port: u16) -> u8 {
        let crtc = if self.colour() {
            CRTC_COLOUR
        } else {
            CRTC_MONO
        };
        match port {
            ATTR_PORT => self.attr_index,
            ATTR_READ => self
                .attr
                .get(usize::from(self.attr_index & 0x1F))
                .copied()
                .unwrap_or(0),
            MISC_WRITE => 0x10, // input status 0: the switch sense bit
            SEQ_INDEX => self.seq_index,
            0x3C5 => self
                .seq
                .get(usize::from(self.seq_index))
                .copied()
                .unwrap_or(0),
            DAC_MASK => self.pel_mask,
            DAC_READ_INDEX => {
                if self.dac_reading {
                    0x03
                } else {
                    0x00
                }
            }
            DAC_WRITE_INDEX => self.dac_write,
            DAC_DATA => {
                let e = self.dac[usize::from(self.dac_read)];
                let v = e[usize::from(self.dac_sub)];
                self.advance_dac(true);
                if self.dac_bits == 8 {
                    v
                } else {
                    v & 0x3F
                }
            }
            FEATURE_READ => 0,
            MISC_READ => self.misc,
            GC_INDEX => self.gc_index,
            0x3CF => self
                .gc
                .get(usize::from(self.gc_index))
                .copied()
                .unwrap_or(0),
            p if p == crtc => self.crtc_index,
            p if p == crtc + 1 => self
                .crtc
                .get(usize::from(self.crtc_index))
                .copied()
                .unwrap_or(0),
            p if p == crtc + 6 => self.status(),
            _ => 0xFF,
        }
    }

    fn advance_dac(&mut self, reading: bool) {
        self.dac_sub += 1;
        if self.dac_sub == 3 {
            self.dac_sub = 0;
            if reading {
                self.dac_read = self.dac_read.wrapping_add(1);
            } else {
                self.dac[usize::from(self.dac_write)] = self.dac_latch;
                self.dac_write = self.dac_write.wrapping_add(1);
            }
        }
    }

    /// Writes one byte to `port`.
    pub fn write_u8(&mut self, port: u16, v: u8) {
        let crtc = if self.colour() {
            CRTC_COLOUR
        } else {
            CRTC_MONO
        };
        match port {
            ATTR_PORT => {
                if self.attr_flip {
                    if let Some(r) = self.attr.get_mut(usize::from(self.attr_index & 0x1F)) {
                        *r = v;
                    }
                } else {
                    self.attr_index = v & 0x3F;
                }
                self.attr_flip = !self.attr_flip;
            }
            MISC_WRITE => self.misc = v,
            SEQ_INDEX => self.seq_index = v & 7,
            0x3C5 => {
                if let Some(r) = self.seq.get_mut(usize::from(self.seq_index)) {
                    *r = v;
                }
            }
            DAC_MASK => self.pel_mask = v,
            DAC_READ_INDEX => {
                self.dac_read = v;
                self.dac_sub = 0;
                self.dac_reading = true;
            }
            DAC_WRITE_INDEX => {
                self.dac_write = v;
                self.dac_sub = 0;
                self.dac_reading = false;
            }
            DAC_DATA => {
                let mask = if self.dac_bits == 8 { 0xFF } else { 0x3F };
                self.dac_latch[usize::from(self.dac_sub)] = v & mask;
                self.advance_dac(false);
            }
            GC_INDEX => self.gc_index = v & 0x0F,
            0x3CF => {
                if let Some(r) = self.gc.get_mut(usize::from(self.gc_index)) {
                    *r = v;
                }
            }
            p if p == crtc => self.crtc_index = v & 0x3F,
            p if p == crtc + 1 => {
                if let Some(r) = self.crtc.get_mut(usize::from(self.crtc_index)) {
                    *r = v;
                }
            }
            _ => {}
        }
    }

    /// Reads `data.len()` bytes from consecutive ports from `port` (a word
    /// IN reads the index and the data register, as on a VGA).
    pub fn read(&mut self, port: u16, data: &mut [u8]) {
        for (i, b) in data.iter_mut().enumerate() {
            *b = self.read_u8(port.wrapping_add(i as u16));
        }
    }

    /// Writes `data` to consecutive ports from `port` (`out dx, ax` to
    /// 3D4h sets the index from AL and the register from AH).
    pub fn write(&mut self, port: u16, data: &[u8]) {
        for (i, b) in data.iter().enumerate() {
            self.write_u8(port.wrapping_add(i as u16), *b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crtc_through_ports_word_and_byte() {
        let mut v = Vga::new();
        v.write(0x3D4, &[0x0C, 0x12]);
        v.write_u8(0x3D4, 0x0D);
        v.write_u8(0x3D5, 0x34);
        assert_eq!(v.start_address(), 0x1234);
        v.write_u8(0x3D4, 0x0E);
        assert_eq!(v.read_u8(0x3D5), 0);
        // Mono ports are dead while the CRTC is at 3Dxh.
        assert_eq!(v.read_u8(0x3B5), 0xFF);
        v.set_colour(false);
        v.write(0x3B4, &[0x0F, 0x50]);
        assert_eq!(v.cursor_location(), 0x50);
    }

    #[test]
    fn dac_reads_back_what_was_written() {
        let mut v = Vga::new();
        v.write_u8(DAC_WRITE_INDEX, 250);
        for c in [1, 2, 3, 0x44, 5, 6] {
            v.write_u8(DAC_DATA, c);
        }
        assert_eq!(v.dac[250], [1, 2, 3]);
        assert_eq!(v.dac[251], [4, 5, 6], "6-bit components");
        assert_eq!(v.read_u8(DAC_WRITE_INDEX), 252);
        v.write_u8(DAC_READ_INDEX, 251);
        assert_eq!(v.read_u8(DAC_READ_INDEX), 3);
        let got: Vec<u8> = (0..3).map(|_| v.read_u8(DAC_DATA)).collect();
        assert_eq!(got, [4, 5, 6]);
        assert_eq!(v.rgb(251), [16, 20, 24]);
        // A hostile write sequence never panics and wraps at 255.
        v.write_u8(DAC_WRITE_INDEX, 255);
        for _ in 0..9 {
            v.write_u8(DAC_DATA, 0xFF);
        }
    }

    #[test]
    fn the_retrace_bit_comes_and_goes() {
        let mut v = Vga::new();
        let (mut set, mut clear) = (false, false);
        let t = Instant::now();
        while !(set && clear) && t.elapsed().as_millis() < 200 {
            let s = v.read_u8(STATUS_COLOUR);
            set |= s & 8 != 0;
            clear |= s & 8 == 0;
        }
        assert!(set && clear);
        // The status read resets the attribute flip-flop.
        v.write_u8(ATTR_PORT, 0x01);
        v.read_u8(STATUS_COLOUR);
        v.write_u8(ATTR_PORT, 0x02);
        v.write_u8(ATTR_PORT, 0x3F);
        assert_eq!(v.attr[2], 0x3F);
    }
}
