//! The video modes pbios offers and the VGA's default colours.
//!
//! VBE modes are packed-pixel modes on a linear framebuffer in guest RAM
//! (VBE 3.0, 4.4 "Mode numbers"). They keep VESA's standard numbers where
//! VESA gave one (100h-11Bh: 640x400 to 1280x1024 at 8, 15, 16 and 24 bpp);
//! 32 bpp and 1920x1080 have none, and take numbers from 140h up (VBE 3.0
//! says a caller must look modes up by their 4F01h information, not by
//! number).

/// One VBE mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VbeMode {
    /// The mode number (4F02h's BX bits 0-8).
    pub number: u16,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Bits per pixel: 8, 15, 16, 24 or 32.
    pub bpp: u8,
}

impl VbeMode {
    /// Bytes per pixel.
    pub const fn bytes_per_pixel(&self) -> u32 {
        (self.bpp as u32).div_ceil(8)
    }
    /// Bytes per scan line.
    pub const fn pitch(&self) -> u32 {
        self.width as u32 * self.bytes_per_pixel()
    }
    /// Bytes of one screen.
    pub const fn size(&self) -> u64 {
        self.pitch() as u64 * self.height as u64
    }
    /// Direct-colour field sizes and positions (red, green, blue,
    /// reserved): (size, position) each, for 4F01h; zero for 8 bpp.
    pub const fn fields(&self) -> [(u8, u8); 4] {
        match self.bpp {
            15 => [(5, 10), (5, 5), (5, 0), (1, 15)],
            16 => [(5, 11), (6, 5), (5, 0), (0, 0)],
            24 => [(8, 16), (8, 8), (8, 0), (0, 0)],
            32 => [(8, 16), (8, 8), (8, 0), (8, 24)],
            _ => [(0, 0); 4],
        }
    }
}

const fn m(number: u16, width: u16, height: u16, bpp: u8) -> VbeMode {
    VbeMode {
        number,
        width,
        height,
        bpp,
    }
}

/// Every VBE mode, in 4F00h's list order.
pub const VBE_MODES: &[VbeMode] = &[
    m(0x100, 640, 400, 8),
    m(0x101, 640, 480, 8),
    m(0x103, 800, 600, 8),
    m(0x105, 1024, 768, 8),
    m(0x107, 1280, 1024, 8),
    m(0x110, 640, 480, 15),
    m(0x111, 640, 480, 16),
    m(0x112, 640, 480, 24),
    m(0x113, 800, 600, 15),
    m(0x114, 800, 600, 16),
    m(0x115, 800, 600, 24),
    m(0x116, 1024, 768, 15),
    m(0x117, 1024, 768, 16),
    m(0x118, 1024, 768, 24),
    m(0x119, 1280, 1024, 15),
    m(0x11A, 1280, 1024, 16),
    m(0x11B, 1280, 1024, 24),
    m(0x141, 640, 400, 32),
    m(0x142, 640, 480, 32),
    m(0x143, 800, 600, 32),
    m(0x144, 1024, 768, 32),
    m(0x145, 1280, 1024, 32),
    m(0x150, 1280, 720, 8),
    m(0x151, 1280, 720, 16),
    m(0x152, 1280, 720, 24),
    m(0x153, 1280, 720, 32),
    m(0x160, 1920, 1080, 8),
    m(0x161, 1920, 1080, 15),
    m(0x162, 1920, 1080, 16),
    m(0x163, 1920, 1080, 24),
    m(0x164, 1920, 1080, 32),
];

/// The VBE mode numbered `n` (flag bits ignored) that fits in a
/// framebuffer of `fb_size` bytes.
pub fn vbe_mode(n: u16, fb_size: u64) -> Option<VbeMode> {
    VBE_MODES
        .iter()
        .find(|m| m.number == n & 0x1FF && m.size() <= fb_size)
        .copied()
}

/// The modes that fit in a framebuffer of `fb_size` bytes.
pub fn offered(fb_size: u64) -> impl Iterator<Item = &'static VbeMode> {
    VBE_MODES.iter().filter(move |m| m.size() <= fb_size)
}

/// The attribute controller's palette in text modes: the 16 colours as
/// EGA DAC indices (brown is 14h, the bright colours 38h-3Fh).
pub const EGA_ATTR_PALETTE: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
];

/// EGA colour `i` (0-63, bits rgbRGB: secondary 1/3, primary 2/3 of full)
/// as 6-bit DAC components.
pub fn ega_colour(i: u8) -> [u8; 3] {
    let c = |primary: u8, secondary: u8| {
        (if i & primary != 0 { 42 } else { 0 }) + (if i & secondary != 0 { 21 } else { 0 })
    };
    [c(0x04, 0x20), c(0x02, 0x10), c(0x01, 0x08)]
}

/// The 16 CGA colours as 6-bit DAC components (brown's green is half).
pub fn cga_colour(i: u8) -> [u8; 3] {
    let hi = if i & 8 != 0 { 21 } else { 0 };
    let c = |bit: u8| if i & bit != 0 { 42 + hi } else { hi };
    if i == 6 {
        [42, 21, 0]
    } else {
        [c(4), c(2), c(1)]
    }
}

/// VGA's default 256-colour palette, entry `i`, as 6-bit components:
/// 0-15 the CGA colours, 16-31 a grey ramp, 32-247 nine hue wheels of 24
/// (three intensities, each at three saturations), 248-255 black.
pub fn default_colour(i: u8) -> [u8; 3] {
    const GREYS: [u8; 16] = [0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63];
    // Each wheel's five levels, from its floor to its ceiling.
    const WHEELS: [[u8; 5]; 9] = [
        [0, 16, 31, 47, 63],
        [31, 39, 47, 55, 63],
        [45, 49, 54, 58, 63],
        [0, 7, 14, 21, 28],
        [14, 17, 21, 24, 28],
        [20, 22, 24, 26, 28],
        [0, 4, 8, 12, 16],
        [8, 10, 12, 14, 16],
        [11, 12, 13, 15, 16],
    ];
    match i {
        0..=15 => cga_colour(i),
        16..=31 => [GREYS[usize::from(i - 16)]; 3],
        32..=247 => {
            let n = usize::from(i - 32);
            let l = WHEELS[n / 24];
            let (lo, hi) = (l[0], l[4]);
            // The hue wheel: blue to magenta to red to yellow to green to
            // cyan and back to blue, one component moving at a time.
            let step = n % 24;
            let (seg, k) = (step / 4, step % 4);
            let up = l[k];
            let down = l[4 - k];
            match seg {
                0 => [up, lo, hi],   // blue -> magenta: red rises
                1 => [hi, lo, down], // magenta -> red: blue falls
                2 => [hi, up, lo],   // red -> yellow: green rises
                3 => [down, hi, lo], // yellow -> green: red falls
                4 => [lo, hi, up],   // green -> cyan: blue rises
                _ => [lo, down, hi], // cyan -> blue: green falls
            }
        }
        _ => [0, 0, 0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_palette_is_vgas() {
        assert_eq!(default_colour(6), [42, 21, 0]);
        assert_eq!(default_colour(15), [63, 63, 63]);
        assert_eq!(default_colour(31), [63, 63, 63]);
        assert_eq!(default_colour(32), [0, 0, 63]);
        assert_eq!(default_colour(36), [63, 0, 63]);
        assert_eq!(default_colour(40), [63, 0, 0]);
        assert_eq!(default_colour(44), [63, 63, 0]);
        assert_eq!(default_colour(48), [0, 63, 0]);
        assert_eq!(default_colour(52), [0, 63, 63]);
        assert_eq!(default_colour(55), [0, 16, 63]);
        assert_eq!(default_colour(56), [31, 31, 63]);
        assert_eq!(default_colour(104), [0, 0, 28]);
        assert_eq!(default_colour(247), [11, 12, 16]);
        assert_eq!(default_colour(248), [0, 0, 0]);
        assert_eq!(ega_colour(0x14), [42, 21, 0]);
        assert_eq!(ega_colour(0x3F), [63, 63, 63]);
    }

    #[test]
    fn modes_are_unique_and_fit_eight_mib() {
        let mut n: Vec<u16> = VBE_MODES.iter().map(|m| m.number).collect();
        n.dedup();
        assert_eq!(n.len(), VBE_MODES.len());
        assert_eq!(offered(8 << 20).count(), VBE_MODES.len());
        assert_eq!(vbe_mode(0x4118, 8 << 20).map(|m| m.bpp), Some(24));
        assert_eq!(vbe_mode(0x164, 4 << 20), None);
    }
}
