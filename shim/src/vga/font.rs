//! The video BIOS's read-only data, which the host writes into the ROM's
//! video slot (`abi::rom::VIDEO_SLOT`) before the guest starts: the 8x16,
//! 8x14 and 8x8 fonts of code page 437 (INT 10h AX=1130h, INT 1Fh and 43h,
//! and text drawn in graphics modes), the static functionality table of
//! INT 10h AH=1Bh, and VBE's OEM strings.
//!
//! The glyphs are GNU Unifont's halfwidth ones for each character's Unicode
//! value; the 14- and 8-line fonts are drawn from them (the top and bottom
//! lines dropped, or pairs of lines merged).

use crate::screen::cp437_char;
use abi::rom;
use std::sync::OnceLock;

/// Software version in the VBE revision string.
const REVISION: &str = env!("CARGO_PKG_VERSION");

/// The 8x16 font: 16 rows per character, bit 7 the leftmost pixel.
pub fn font_8x16() -> &'static [[u8; 16]; 256] {
    static FONT: OnceLock<[[u8; 16]; 256]> = OnceLock::new();
    FONT.get_or_init(|| {
        let mut f = [[0u8; 16]; 256];
        for (b, glyph) in f.iter_mut().enumerate() {
            if let Some(unifont::Glyph::Halfwidth(rows)) = unifont::get_glyph(cp437_char(b as u8)) {
                *glyph = *rows;
            }
        }
        f
    })
}

/// Character `c`'s rows in a font `height` lines tall (8, 14 or 16).
pub fn glyph(c: u8, height: u8) -> Vec<u8> {
    let g = &font_8x16()[usize::from(c)];
    match height {
        14 => g[1..15].to_vec(),
        8 => (0..8)
            .map(|k| {
                // Lines 2-13 of the 16 (the cell's body) into 8.
                let (from, to) = (2 + k * 12 / 8, 2 + (k + 1) * 12 / 8);
                g[from..to].iter().fold(0, |a, b| a | b)
            })
            .collect(),
        _ => g.to_vec(),
    }
}

/// The whole font `height` lines tall, character by character.
pub fn font(height: u8) -> Vec<u8> {
    (0..=255u8).flat_map(|c| glyph(c, height)).collect()
}

/// INT 10h AH=1Bh's static functionality table (RBIL table 00039): modes
/// 00h-03h, 07h and 13h; 400 scan lines in text modes; one character
/// block; DAC, EGA palette and default palette loading; blink toggle
/// (AX=1003h) and the display combination code (AH=1Ah).
pub const STATIC_FUNCTIONALITY: [u8; 16] = [
    0x8F, 0x00, 0x08, 0, 0, 0, 0, 0x04, 1, 1, 0x68, 0x0C, 0, 0, 0, 0,
];

/// The VBE strings: OEM, vendor, product, revision.
pub fn vbe_strings() -> [(u16, String); 4] {
    [
        (rom::VBE_OEM, "pbios VBE".into()),
        (rom::VBE_VENDOR, "pbios".into()),
        (rom::VBE_PRODUCT, "pbios linear framebuffer".into()),
        (rom::VBE_REVISION, REVISION.chars().take(15).collect()),
    ]
}

/// Fills the video slot of a ROM image, if it is there and still zero
/// (a ROM that is not pbios's, or one already filled, is left alone). The
/// slot's last byte makes its bytes sum to zero, so the image's checksum
/// holds.
pub fn patch_rom(rom: &mut [u8]) {
    let slot = usize::from(rom::VIDEO_SLOT);
    let Some(area) = rom.get_mut(slot..slot + rom::VIDEO_SLOT_SIZE) else {
        return;
    };
    if area.iter().any(|&b| b != 0) {
        return;
    }
    let mut put = |at: u16, bytes: &[u8]| {
        let off = usize::from(at) - slot;
        area[off..off + bytes.len()].copy_from_slice(bytes);
    };
    put(rom::FONT_8X16, &font(16));
    put(rom::FONT_8X14, &font(14));
    put(rom::FONT_8X8, &font(8));
    put(rom::VIDEO_STATIC_TABLE, &STATIC_FUNCTIONALITY);
    for (at, s) in vbe_strings() {
        put(at, s.as_bytes());
    }
    let sum = area.iter().fold(0u8, |a, &b| a.wrapping_add(b));
    let last = area.len() - 1;
    area[last] = 0u8.wrapping_sub(sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_fits_and_sums_to_zero() {
        assert!(usize::from(rom::FONT_8X14) + 14 * 256 <= usize::from(rom::FONT_8X8));
        assert!(usize::from(rom::FONT_8X8) + 8 * 256 <= usize::from(rom::VIDEO_STATIC_TABLE));
        let end = usize::from(rom::VIDEO_SLOT) + rom::VIDEO_SLOT_SIZE;
        assert!(usize::from(rom::VBE_REVISION) + 16 < end);
        let mut image = crate::rom::BUILTIN_ROM.to_vec();
        patch_rom(&mut image);
        assert_eq!(abi::header::checksum(&image), 0);
        let at = usize::from(rom::FONT_8X16) + 16 * usize::from(b'A');
        assert_ne!(image[at..at + 16], [0; 16], "the glyph of A is drawn");
        let before = image.clone();
        patch_rom(&mut image);
        assert_eq!(image, before, "a filled slot is left alone");
    }
}
