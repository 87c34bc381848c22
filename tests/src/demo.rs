//! The demo disk (placeholder while the real one is written).
pub fn write_image(path: &std::path::Path) -> std::io::Result<()> {
    let mut img = vec![0u8; 512];
    // mov al, 0x42 ; out 0xF4, al ; hlt
    img[..5].copy_from_slice(&[0xB0, 0x00, 0xE6, 0xF4, 0xF4]);
    img[510] = 0x55;
    img[511] = 0xAA;
    std::fs::write(path, img)
}
