//! The EDID pbios's display reports through VBE/DDC (INT 10h AX=4F15h):
//! one 128-byte EDID 1.3 block (VESA E-EDID Standard, release A rev. 1)
//! naming the modes VBE offers: 640x480, 800x600 and 1024x768 in the
//! established timings, 1280x720, 1280x1024 and 1920x1080 in the standard
//! timings, and 1024x768 at 60 Hz (VESA DMT's timing) as the preferred one.

/// Length of an EDID block.
pub const EDID_LEN: usize = 128;

/// Manufacturer ID "PBI": three letters of five bits, big-endian.
const MANUFACTURER: u16 = (16 << 10) | (2 << 5) | 9;

/// A standard timing: horizontal pixels / 8 - 31, then the aspect ratio
/// (bits 6-7: 00 16:10, 01 4:3, 10 5:4, 11 16:9) and refresh - 60.
const fn standard(width: u16, aspect: u8) -> [u8; 2] {
    [(width / 8 - 31) as u8, aspect << 6]
}

/// The EDID block.
pub fn edid() -> [u8; EDID_LEN] {
    let mut e = [0u8; EDID_LEN];
    e[0..8].copy_from_slice(&[0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]);
    e[8..10].copy_from_slice(&MANUFACTURER.to_be_bytes());
    e[10..12].copy_from_slice(&1u16.to_le_bytes()); // product code
    e[17] = (2026 - 1990) as u8; // year of manufacture
    e[18] = 1; // EDID 1.3
    e[19] = 3;
    e[20] = 0x80; // digital input
    e[21] = 40; // 40 x 30 cm
    e[22] = 30;
    e[23] = 120; // gamma 2.2
    e[24] = 0x02; // RGB 4:4:4, preferred timing in the first descriptor
                  // Chromaticity: the sRGB primaries and D65 white point.
    e[25..35].copy_from_slice(&[0xEE, 0x91, 0xA3, 0x54, 0x4C, 0x99, 0x26, 0x0F, 0x50, 0x54]);
    // Established timings: 640x480@60 (byte 35 bit 5), 800x600@60 (bit 0),
    // 1024x768@60 (byte 36 bit 3).
    e[35] = 0x21;
    e[36] = 0x08;
    let std_timings = [
        standard(1024, 1),
        standard(800, 1),
        standard(640, 1),
        standard(1280, 2),
        standard(1280, 3),
        standard(1920, 3),
    ];
    for (i, t) in std_timings.iter().enumerate() {
        e[38 + 2 * i..40 + 2 * i].copy_from_slice(t);
    }
    for i in std_timings.len()..8 {
        e[38 + 2 * i..40 + 2 * i].copy_from_slice(&[0x01, 0x01]); // unused
    }
    // Preferred: 1024x768 at 60 Hz, 65 MHz, 1344x806 total, syncs 136
    // and 6 lines after porches of 24 and 3, both negative (VESA DMT).
    e[54..72].copy_from_slice(&[
        0x64, 0x19, // 6500 x 10 kHz
        0x00, 0x40, 0x41, // 1024 active, 320 blank
        0x00, 0x26, 0x30, // 768 active, 38 blank
        0x18, 0x88, 0x36, 0x00, // porch 24, sync 136; porch 3, sync 6
        0x90, 0x2C, 0x11, // 400 x 300 mm
        0x00, 0x00, 0x18, // no border, digital separate sync, negative
    ]);
    // Range limits: 50-75 Hz, 30-80 kHz, 150 MHz.
    e[72..90].copy_from_slice(&[
        0, 0, 0, 0xFD, 0, 50, 75, 30, 80, 15, 0x00, 0x0A, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    ]);
    // Monitor name.
    let mut name = [0x20u8; 13];
    name[..6].copy_from_slice(b"pbios\n");
    e[90..95].copy_from_slice(&[0, 0, 0, 0xFC, 0]);
    e[95..108].copy_from_slice(&name);
    // An unused descriptor.
    e[111] = 0x10;
    let sum = e[..127].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    e[127] = 0u8.wrapping_sub(sum);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_well_formed() {
        let e = edid();
        assert_eq!(e.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        assert_eq!(&e[0..8], &[0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0]);
        // The preferred timing decodes to 1024x768.
        let h = u16::from(e[56]) | u16::from(e[58] >> 4) << 8;
        let v = u16::from(e[59]) | u16::from(e[61] >> 4) << 8;
        assert_eq!((h, v), (1024, 768));
        assert_eq!(standard(1920, 3), [0xD1, 0xC0]);
    }
}
