//! Graphics as a guest draws them and a person sees them: guests that set a
//! VBE mode or mode 13h, program the palette, draw (through INT 10h, the
//! framebuffer and video memory), and the screen pbios shows afterwards,
//! compared pixel by pixel with reference pictures in `tests/data/` (looked
//! at when they were made; `PBIOS_UPDATE_REFERENCE=1` writes them anew).
//! Also the VGA registers a text program touches directly: the retrace bit
//! at 3DAh, the DAC, and the CRTC's start address.

use iced_x86::code_asm::*;
use pbios::screen::{Frame, Picture};
use pbios::Accel;
use pbios_tests::harness::*;
use std::path::PathBuf;

/// The screen pbios shows at the end of `run`.
fn frame(run: &Run) -> Frame {
    let vga = run.machine.bios().vga();
    let vga = vga.lock().unwrap().clone();
    Frame::capture(run.machine.memory(), &vga)
}

fn picture(run: &Run) -> Picture {
    match frame(run) {
        Frame::Graphics(p) => p,
        Frame::Text(_) => panic!("the screen is in a text mode\n{}", run.console),
    }
}

fn reference_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(format!("{name}.png"))
}

/// Compares `pic` with the reference picture `name`, pixel by pixel (and
/// writes it there with `PBIOS_UPDATE_REFERENCE` set). The PNG pbios
/// writes for `--screenshot` is checked to decode to the same pixels.
fn assert_matches_reference(pic: &Picture, name: &str) {
    let mut png_bytes = Vec::new();
    Frame::Graphics(pic.clone())
        .write_png(&mut png_bytes)
        .expect("encode the PNG");
    let path = reference_path(name);
    if std::env::var_os("PBIOS_UPDATE_REFERENCE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &png_bytes).unwrap();
    }
    let decode = |bytes: &[u8]| {
        let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("a PNG");
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).expect("its pixels");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    };
    let ours = decode(&png_bytes);
    assert_eq!((ours.0, ours.1), (pic.width, pic.height));
    assert!(ours.2 == pic.rgb, "the PNG holds the screen's pixels");
    let reference = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (PBIOS_UPDATE_REFERENCE=1 makes it)",
            path.display()
        )
    });
    let want = decode(&reference);
    assert_eq!((want.0, want.1), (pic.width, pic.height), "{name}: size");
    let differ = want
        .2
        .chunks(3)
        .zip(pic.rgb.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differ, 0, "{name}: pixels differ from {}", path.display());
}

/// Where the guests keep the 4F01h mode information block.
const MODE_INFO: u32 = 0x1000;
/// A scratch segment for the pixels the guests copy to the framebuffer
/// (1000:0000, clear of the guest's code).
const LINES_SEG: u32 = 0x1000;

/// Writes `text` at row 0, column 0 with INT 10h AH=13h in colour `colour`.
fn write_string(a: &mut CodeAssembler, text: &str, colour: u8) -> Result<(), IcedError> {
    let at = 0x0800u32;
    for (i, b) in text.bytes().enumerate() {
        a.mov(byte_ptr(at + i as u32), u32::from(b))?;
    }
    a.xor(ax, ax)?;
    a.mov(es, ax)?;
    a.mov(bp, at)?;
    a.mov(cx, text.len() as u32)?;
    a.xor(dx, dx)?;
    a.mov(bx, u32::from(colour))?;
    a.mov(ax, 0x1301u32)?;
    a.int(0x10)
}

/// Fills a line of `bars` bars, `width` pixels each, at 1000:0000: pixel values
/// from `value(bar)`, `bytes` bytes each; then repeats it `lines` times.
fn bars(
    a: &mut CodeAssembler,
    values: &[u32],
    width: u32,
    bytes: u32,
    lines: u32,
) -> Result<(), IcedError> {
    a.mov(ax, LINES_SEG)?;
    a.mov(es, ax)?;
    a.mov(ds, ax)?;
    a.xor(di, di)?;
    a.cld()?;
    for v in values {
        a.mov(eax, *v)?;
        a.mov(cx, width)?;
        match bytes {
            4 => a.rep().stosd()?,
            _ => a.rep().stosb()?,
        }
    }
    let line = values.len() as u32 * width * bytes;
    a.xor(si, si)?;
    a.mov(di, line)?;
    a.mov(cx, line * (lines - 1) / 2)?;
    a.rep().movsw()?;
    a.xor(ax, ax)?;
    a.mov(ds, ax)?;
    a.mov(es, ax)
}

/// Copies the `lines`-line block at 1000:0000 down the framebuffer (its address
/// at MODE_INFO+28h) from line `first` to the bottom of a `height`-line
/// screen of `pitch` bytes.
fn fill_framebuffer(
    a: &mut CodeAssembler,
    first: u32,
    lines: u32,
    height: u32,
    pitch: u32,
) -> Result<(), IcedError> {
    a.mov(eax, dword_ptr(MODE_INFO + 0x28))?;
    a.add(eax, first * pitch)?;
    let block = lines * pitch;
    for _ in 0..(height - first) / lines {
        block_move_eax(a, EaxIs::Destination, LINES_SEG << 4, block / 2)?;
        a.add(eax, block)?;
    }
    Ok(())
}

/// AX=4F01h for `mode` into MODE_INFO, then AX=4F02h with the LFB bit.
fn set_vbe_mode(a: &mut CodeAssembler, mode: u16) -> Result<(), IcedError> {
    a.xor(ax, ax)?;
    a.mov(es, ax)?;
    a.mov(ax, 0x4F01u32)?;
    a.mov(cx, u32::from(mode))?;
    a.mov(di, MODE_INFO)?;
    a.int(0x10)?;
    save(a, 0, ax)?;
    a.mov(ax, 0x4F02u32)?;
    a.mov(bx, 0x4000 | u32::from(mode))?;
    a.int(0x10)?;
    save(a, 1, ax)
}

/// The eight bar colours, as 0xRRGGBB.
const BARS: [u32; 8] = [
    0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF, 0xFFFF00, 0x00FFFF, 0xFF00FF, 0x808080,
];

fn rgb(v: u32) -> [u8; 3] {
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn a_32bpp_lfb_mode_shows_what_the_guest_drew() {
    let run = boot_image(
        &big_guest(|a| {
            set_vbe_mode(a, 0x142)?;
            write_string(a, "pbios VBE 640x480x32", 0x0E)?;
            bars(a, &BARS, 80, 4, 16)?;
            fill_framebuffer(a, 32, 16, 480, 640 * 4)
        }),
        Opts::default(),
    );
    assert_eq!((run.word(0), run.word(1)), (0x004F, 0x004F), "4F01h, 4F02h");
    let pic = picture(&run);
    assert_eq!((pic.width, pic.height), (640, 480));
    for (i, c) in BARS.iter().enumerate() {
        let x = i as u32 * 80 + 40;
        assert_eq!(pic.pixel(x, 100), rgb(*c), "bar {i}");
        assert_eq!(pic.pixel(x, 479), rgb(*c), "bar {i} at the bottom");
    }
    // The text: yellow (the default palette's 0Eh) on black in row 0.
    let yellow = [0xFF, 0xFF, 0x55];
    let lit = (0..16)
        .flat_map(|y| (0..160).map(move |x| (x, y)))
        .filter(|&(x, y)| pic.pixel(x, y) == yellow)
        .count();
    assert!(lit > 200, "the string's glyphs are drawn ({lit} pixels)");
    assert_eq!(pic.pixel(400, 8), [0, 0, 0], "past the string");
    assert_matches_reference(&pic, "vbe-640x480x32");
}

#[test]
fn mode_13h_shows_pixels_through_the_programmed_palette() {
    // Entries 1-4 set with AX=1012h, four bands drawn into A0000h, a
    // diagonal with AH=0Ch, text with AH=0Eh.
    let palette: [[u8; 3]; 4] = [[63, 0, 0], [0, 40, 0], [10, 20, 63], [63, 63, 0]];
    let run = boot_image(
        &big_guest(|a| {
            a.mov(ax, 0x0013u32)?;
            a.int(0x10)?;
            for (i, c) in palette.iter().flatten().enumerate() {
                a.mov(byte_ptr(0x0900 + i as u32), u32::from(*c))?;
            }
            a.mov(ax, 0x1012u32)?;
            a.mov(bx, 1u32)?;
            a.mov(cx, 4u32)?;
            a.mov(dx, 0x0900u32)?;
            a.int(0x10)?;
            a.mov(ax, 0xA000u32)?;
            a.mov(es, ax)?;
            a.xor(di, di)?;
            a.cld()?;
            for band in 1..=4u32 {
                a.mov(al, band)?;
                a.mov(cx, 320 * 50u32)?;
                a.rep().stosb()?;
            }
            let mut next = a.create_label();
            a.xor(si, si)?;
            a.set_label(&mut next)?;
            a.mov(ax, 0x0C0Fu32)?;
            a.mov(cx, si)?;
            a.mov(dx, si)?;
            a.int(0x10)?;
            a.inc(si)?;
            a.cmp(si, 200u32)?;
            a.jb(next)?;
            for c in b"13h" {
                a.mov(ax, 0x0E00 | u32::from(*c))?;
                a.mov(bx, 0x000Eu32)?;
                a.int(0x10)?;
            }
            Ok(())
        }),
        Opts::default(),
    );
    let pic = picture(&run);
    assert_eq!((pic.width, pic.height), (320, 200));
    let six_to_eight = |c: [u8; 3]| c.map(|v| (v << 2) | (v >> 4));
    for (i, c) in palette.iter().enumerate() {
        assert_eq!(
            pic.pixel(300, i as u32 * 50 + 25),
            six_to_eight(*c),
            "band {i}"
        );
    }
    assert_eq!(pic.pixel(100, 100), [0xFF; 3], "the diagonal in colour 0Fh");
    assert_matches_reference(&pic, "mode13h");
}

#[test]
fn an_8bpp_vbe_mode_uses_the_palette_set_with_4f09h() {
    let colours: [u32; 8] = [
        0x102030, 0x405060, 0x708090, 0xA0B0C0, 0xD0E0F0, 0xFC0000, 0x00FC00, 0x0000FC,
    ];
    let run = boot_image(
        &big_guest(|a| {
            set_vbe_mode(a, 0x101)?;
            // 4F08h: an 8-bit DAC, then the entries 10h-17h from a table of
            // blue, green, red, 0.
            a.mov(ax, 0x4F08u32)?;
            a.mov(bx, 0x0800u32)?;
            a.int(0x10)?;
            save(a, 2, bx)?;
            for (i, c) in colours.iter().enumerate() {
                let [r, g, b] = rgb(*c);
                let at = 0x0900 + 4 * i as u32;
                a.mov(dword_ptr(at), u32::from_le_bytes([b, g, r, 0]))?;
            }
            a.xor(ax, ax)?;
            a.mov(es, ax)?;
            a.mov(ax, 0x4F09u32)?;
            a.xor(bx, bx)?;
            a.mov(cx, 8u32)?;
            a.mov(dx, 0x10u32)?;
            a.mov(di, 0x0900u32)?;
            a.int(0x10)?;
            save(a, 3, ax)?;
            let indices: Vec<u32> = (0x10..0x18).map(|i| i * 0x0101_0101).collect();
            bars(a, &indices, 80, 1, 16)?;
            fill_framebuffer(a, 0, 16, 480, 640)?;
            write_string(a, "8 bpp", 0x0F)
        }),
        Opts::default(),
    );
    assert_eq!(
        [run.word(0), run.word(1), run.word(3)],
        [0x004F, 0x004F, 0x004F]
    );
    assert_eq!(run.word(2) >> 8, 8, "the DAC is 8 bits wide");
    let pic = picture(&run);
    assert_eq!((pic.width, pic.height), (640, 480));
    for (i, c) in colours.iter().enumerate() {
        assert_eq!(pic.pixel(i as u32 * 80 + 40, 200), rgb(*c), "bar {i}");
    }
    assert_matches_reference(&pic, "vbe-640x480x8");
}

#[test]
fn a_retrace_wait_at_3dah_ends() {
    // Three frames: wait while in a retrace, then until the next one;
    // bounded, so a bit that never toggles shows as a count of zero.
    let run = boot_image(
        &big_guest(|a| {
            a.mov(dx, 0x3DAu32)?;
            a.xor(bx, bx)?;
            for _ in 0..3 {
                let mut out_of = a.create_label();
                let mut into = a.create_label();
                let mut next = a.create_label();
                a.mov(ecx, 2_000_000u32)?;
                a.set_label(&mut out_of)?;
                a.in_(al, dx)?;
                a.test(al, 8u32)?;
                a.loopnz(out_of)?;
                a.mov(ecx, 2_000_000u32)?;
                a.set_label(&mut into)?;
                a.in_(al, dx)?;
                a.test(al, 8u32)?;
                a.loopz(into)?;
                a.jecxz(next)?;
                a.inc(bx)?;
                a.set_label(&mut next)?;
            }
            save(a, 0, bx)
        }),
        Opts::default(),
    );
    assert_eq!(run.word(0), 3, "three retraces began");
}

#[test]
fn the_dac_and_the_crtc_read_back_through_their_ports() {
    let run = boot_image(
        &big_guest(|a| {
            // DAC entry C8h through 3C8h/3C9h, read back through 3C7h/3C9h.
            a.mov(dx, 0x3C8u32)?;
            a.mov(al, 0xC8u32)?;
            a.out(dx, al)?;
            a.inc(dx)?;
            for v in [0x11u32, 0x22, 0x33] {
                a.mov(al, v)?;
                a.out(dx, al)?;
            }
            a.mov(dx, 0x3C7u32)?;
            a.mov(al, 0xC8u32)?;
            a.out(dx, al)?;
            a.mov(dx, 0x3C9u32)?;
            for i in 0..3 {
                a.in_(al, dx)?;
                a.mov(byte_ptr(slot(0) as u32 + i), al)?;
            }
            // The CRTC's offset register (13h), a word OUT then a byte IN.
            a.mov(dx, 0x3D4u32)?;
            a.mov(ax, 0x2A13u32)?;
            a.out(dx, ax)?;
            a.inc(dx)?;
            a.in_(al, dx)?;
            save(a, 2, ax)
        }),
        Opts::default(),
    );
    assert_eq!(run.bytes(slot(0), 3), [0x11, 0x22, 0x33]);
    assert_eq!(run.word(2) & 0xFF, 0x2A);
}

#[test]
fn a_console_scrolled_by_the_crtc_start_address_is_shown_scrolled() {
    // Fifty rows written straight into B8000h, then the start address
    // moved ten rows on, and the cursor put on the (new) top row.
    let run = boot_image(
        &big_guest(|a| {
            a.mov(ax, 0xB800u32)?;
            a.mov(es, ax)?;
            a.xor(di, di)?;
            a.cld()?;
            for row in 0..50u32 {
                a.mov(di, row * 160)?;
                for c in format!("row {row:02}").bytes() {
                    a.mov(ax, 0x1F00 | u32::from(c))?;
                    a.stosw()?;
                }
            }
            let start = 10 * 80u32;
            a.mov(dx, 0x3D4u32)?;
            a.mov(ax, 0x0C | (start >> 8) << 8)?;
            a.out(dx, ax)?;
            a.mov(ax, 0x0D | (start & 0xFF) << 8)?;
            a.out(dx, ax)?;
            let cursor = start + 3;
            a.mov(ax, 0x0E | (cursor >> 8) << 8)?;
            a.out(dx, ax)?;
            a.mov(ax, 0x0F | (cursor & 0xFF) << 8)?;
            a.out(dx, ax)?;
            // Read back what the CRTC holds.
            a.mov(al, 0x0Du32)?;
            a.out(dx, al)?;
            a.inc(dx)?;
            a.in_(al, dx)?;
            save(a, 0, ax)
        }),
        Opts::default(),
    );
    assert_eq!(
        run.word(0) & 0xFF,
        800 & 0xFF,
        "the start address reads back"
    );
    if accel() == Accel::Tcg {
        // QEMU's VGA holds the guest's registers on TCG; the screen shows
        // what the BIOS programmed (docs/video.md).
        eprintln!("TCG: the screen does not follow a start address set through the ports");
        return;
    }
    let Frame::Text(screen) = frame(&run) else {
        panic!("a text screen")
    };
    let text = screen.text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row 10"), "{text}");
    assert_eq!(lines.nth(23), Some("row 34"));
    assert_eq!(screen.cursor, Some((3, 0)), "the cursor from the CRTC");
}
