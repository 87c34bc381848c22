//! INT 10h AH=4Fh — the VESA BIOS Extensions (VBE 3.0): packed-pixel
//! modes on a linear framebuffer in guest RAM ([`crate::vga::modes`]),
//! reserved in the E820 map, with no banked windows. Every function
//! answers AL=4Fh and a status in AH (00h success, 01h failed, 02h not
//! supported by the hardware, 03h invalid in this mode); a function this
//! BIOS lacks answers AX=0100h (AL is not 4Fh: not supported).
//!
//! Layouts: VBE 3.0's VbeInfoBlock (4F00h) and ModeInfoBlock (4F01h).

use super::int10::{set_font_vector, set_graphics_bda, set_vga_mode, VBE_BDA_MODE};
use super::{Ctx, Status};
use crate::mem::real_addr;
use crate::regs::Regs;
use crate::vga::{edid, font, modes, Linear, Mode};
use abi::bda;

/// AL=4Fh with AH=00h: success.
const OK: u16 = 0x004F;
/// AH=01h: the function failed.
const FAILED: u16 = 0x014F;
/// AH=02h: not supported in this hardware configuration.
const NOT_SUPPORTED: u16 = 0x024F;
/// AH=03h: invalid in the current video mode.
const INVALID_IN_MODE: u16 = 0x034F;
/// 4F02h's BX bit 14: use the linear framebuffer.
const LFB_FLAG: u16 = 0x4000;
/// 4F02h's BX bit 15: do not clear video memory.
const KEEP_FLAG: u16 = 0x8000;

fn answer(r: &mut Regs, ax: u16) -> Status {
    r.set_ax(ax);
    Status::Done
}

fn far(off: u16) -> u32 {
    u32::from(abi::ROM_SEGMENT) << 16 | u32::from(off)
}

/// The framebuffer's size (0 without one).
fn fb_size(ctx: &Ctx) -> u64 {
    ctx.memmap.framebuffer().map_or(0, |f| f.1)
}

/// INT 10h AX=4F00h — return VBE controller information; in: ES:DI=buffer
/// of 256 bytes, or 512 starting "VBE2" for the VBE 2.0+ fields; out:
/// AX=004Fh, the buffer: "VESA", version 3.0, the OEM strings in the ROM,
/// capabilities (DAC switchable to 8 bits), the mode list (in the buffer's
/// reserved area, ending FFFFh), the framebuffer in 64 KiB blocks.
pub fn int10_4f00_controller_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let at = real_addr(r.es, r.di());
    let mut sig = [0u8; 4];
    let v2 = ctx.mem.read(at, &mut sig).is_ok() && (&sig == b"VBE2" || &sig == b"VBE3");
    let mut b = vec![0u8; if v2 { 512 } else { 256 }];
    b[0..4].copy_from_slice(b"VESA");
    b[4..6].copy_from_slice(&0x0300u16.to_le_bytes());
    b[6..10].copy_from_slice(&far(abi::rom::VBE_OEM).to_le_bytes());
    b[10..14].copy_from_slice(&1u32.to_le_bytes()); // DAC width switchable
                                                    // The mode list in the reserved area at 22h, as VBE 3.0 allows.
    let list_off = r.di().wrapping_add(0x22);
    b[14..18].copy_from_slice(&(u32::from(r.es) << 16 | u32::from(list_off)).to_le_bytes());
    let blocks = (fb_size(ctx) / 0x1_0000).min(0xFFFF) as u16;
    b[18..20].copy_from_slice(&blocks.to_le_bytes());
    b[20..22].copy_from_slice(&0x0001u16.to_le_bytes()); // OEM software revision
    let strings = font::vbe_strings();
    for (i, (off, _)) in strings.iter().enumerate().skip(1) {
        b[22 + 4 * (i - 1)..26 + 4 * (i - 1)].copy_from_slice(&far(*off).to_le_bytes());
    }
    let mut p = 0x22;
    for m in modes::offered(fb_size(ctx)).take(100) {
        b[p..p + 2].copy_from_slice(&m.number.to_le_bytes());
        p += 2;
    }
    b[p..p + 2].copy_from_slice(&0xFFFFu16.to_le_bytes());
    if ctx.mem.write(at, &b).is_err() {
        return answer(r, FAILED);
    }
    answer(r, OK)
}

/// The ModeInfoBlock of mode `m` on a framebuffer at `base`, `fb` bytes.
fn mode_info(m: &modes::VbeMode, base: u64, fb: u64) -> [u8; 256] {
    let mut b = [0u8; 256];
    // Supported, optional information present, BIOS TTY output, colour,
    // graphics, not VGA-compatible, no windows, linear framebuffer.
    b[0..2].copy_from_slice(&0x00FFu16.to_le_bytes());
    let pitch = m.pitch() as u16;
    b[0x10..0x12].copy_from_slice(&pitch.to_le_bytes());
    b[0x12..0x14].copy_from_slice(&m.width.to_le_bytes());
    b[0x14..0x16].copy_from_slice(&m.height.to_le_bytes());
    b[0x16] = 8; // character cell
    b[0x17] = 16;
    b[0x18] = 1; // planes
    b[0x19] = m.bpp;
    b[0x1A] = 1; // banks
    b[0x1B] = if m.bpp == 8 { 4 } else { 6 }; // packed pixel, direct colour
    let pages = (fb / m.size().max(1)).saturating_sub(1).min(255) as u8;
    b[0x1D] = pages;
    b[0x1E] = 1;
    let fields = m.fields();
    for (i, (size, pos)) in fields.iter().enumerate() {
        b[0x1F + 2 * i] = *size;
        b[0x20 + 2 * i] = *pos;
        b[0x36 + 2 * i] = *size;
        b[0x37 + 2 * i] = *pos;
    }
    b[0x27] = if m.bpp == 32 { 0x02 } else { 0 }; // reserved field usable
    b[0x28..0x2C].copy_from_slice(&(base as u32).to_le_bytes());
    b[0x32..0x34].copy_from_slice(&pitch.to_le_bytes());
    b[0x34] = pages;
    b[0x35] = pages;
    b
}

/// INT 10h AX=4F01h — return mode information; in: CX=mode, ES:DI=256-byte
/// buffer; out: AX=004Fh and the ModeInfoBlock, or AX=014Fh for a mode not
/// offered (none without a framebuffer).
pub fn int10_4f01_mode_info(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Some((base, size)) = ctx.memmap.framebuffer() else {
        return answer(r, FAILED);
    };
    let Some(m) = modes::vbe_mode(r.cx(), size) else {
        return answer(r, FAILED);
    };
    if ctx
        .mem
        .write(real_addr(r.es, r.di()), &mode_info(&m, base, size))
        .is_err()
    {
        return answer(r, FAILED);
    }
    answer(r, OK)
}

/// Sets VBE mode `m` on the framebuffer at `base`: the adapter, the BDA
/// (40:49=FFh, columns and rows of 8x16 characters), the default palette,
/// video memory cleared unless `keep`.
fn set_linear_mode(ctx: &mut Ctx, m: &modes::VbeMode, base: u64, keep: bool) {
    ctx.vga.set_text_registers(16);
    ctx.vga.load_default_palette();
    ctx.vga.set_colour(true);
    ctx.vga.mode = Mode::Linear(Linear {
        number: m.number,
        width: u32::from(m.width),
        height: u32::from(m.height),
        bpp: m.bpp,
        pitch: m.pitch(),
        base,
        start: (0, 0),
    });
    let cols = m.width / 8;
    let rows = (m.height / 16).min(255) as u8;
    set_graphics_bda(ctx, VBE_BDA_MODE, cols, rows, 16);
    set_font_vector(ctx, 16);
    if !keep {
        let zero = vec![0u8; 0x1_0000];
        let mut at = base;
        let end = base + m.size();
        while at < end {
            let n = (end - at).min(zero.len() as u64) as usize;
            let _ = ctx.mem.write(at, &zero[..n]);
            at += n as u64;
        }
    }
}

/// INT 10h AX=4F02h — set VBE mode; in: BX=mode (bits 0-8), bit 14 the
/// linear framebuffer, bit 15 keep video memory, bit 11 (refresh control)
/// ignored; out: AX=004Fh, or 014Fh for a mode not offered or a VBE mode
/// without bit 14 (there are no banked windows). Numbers below 100h set
/// the standard mode (as AH=00h).
pub fn int10_4f02_set_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let bx = r.bx();
    let number = bx & 0x1FF;
    let keep = bx & KEEP_FLAG != 0;
    if number < 0x100 {
        let ok = set_vga_mode(ctx, number as u8, keep);
        return answer(r, if ok { OK } else { FAILED });
    }
    let Some((base, size)) = ctx.memmap.framebuffer() else {
        return answer(r, FAILED);
    };
    let Some(m) = modes::vbe_mode(number, size) else {
        return answer(r, FAILED);
    };
    if bx & LFB_FLAG == 0 {
        return answer(r, FAILED);
    }
    set_linear_mode(ctx, &m, base, keep);
    answer(r, OK)
}

/// INT 10h AX=4F03h — return the current VBE mode; out: AX=004Fh, BX=mode
/// (bit 14 set for the linear framebuffer), or the standard mode number.
pub fn int10_4f03_get_mode(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let bx = match ctx.vga.mode {
        Mode::Linear(l) => l.number | LFB_FLAG,
        _ => u16::from(ctx.bda_u8(bda::VIDEO_MODE) & 0x7F),
    };
    r.set_bx(bx);
    answer(r, OK)
}

/// Bytes 4F04h saves: a version byte, the VGA registers and DAC, the VBE
/// mode, and the BDA's video fields.
const STATE_BLOCKS: u16 = 16;
const STATE_MAGIC: u8 = 0xB1;

fn save_state(ctx: &Ctx) -> Vec<u8> {
    let v = &*ctx.vga;
    let mut b = vec![STATE_MAGIC];
    b.extend_from_slice(&v.crtc);
    b.extend_from_slice(&v.attr);
    b.extend_from_slice(&[v.pel_mask, v.dac_bits]);
    for e in &v.dac {
        b.extend_from_slice(e);
    }
    let (number, start, pitch) = match v.mode {
        Mode::Text => (0u16, (0, 0), 0),
        Mode::Vga256 => (0x13, (0, 0), 0),
        Mode::Linear(l) => (l.number, l.start, l.pitch),
    };
    b.extend_from_slice(&number.to_le_bytes());
    b.extend_from_slice(&(start.0 as u16).to_le_bytes());
    b.extend_from_slice(&(start.1 as u16).to_le_bytes());
    b.extend_from_slice(&(pitch as u16).to_le_bytes());
    let mut video = [0u8; 30];
    let _ = ctx
        .mem
        .read(crate::mem::bda_addr(bda::VIDEO_MODE), &mut video);
    b.extend_from_slice(&video);
    let mut ega = [0u8; 7];
    let _ = ctx
        .mem
        .read(crate::mem::bda_addr(bda::VIDEO_ROWS), &mut ega);
    b.extend_from_slice(&ega);
    b.resize(usize::from(STATE_BLOCKS) * 64, 0);
    b
}

/// Restores the parts of what [`save_state`] wrote that `flags` (4F04h's
/// CX) name: bit 0 the controller's registers and bit 3 the VBE mode, bit
/// 1 the BDA's video fields, bit 2 the DAC. False if the buffer holds no
/// saved state, or a mode this machine does not have, or a display start
/// past its framebuffer.
fn restore_state(ctx: &mut Ctx, b: &[u8], flags: u16) -> bool {
    if b.first() != Some(&STATE_MAGIC) {
        return false;
    }
    let mut p = 1;
    let mut take = |n: usize| {
        let s = b.get(p..p + n).unwrap_or(&[]);
        p += n;
        s
    };
    let crtc = take(ctx.vga.crtc.len()).to_vec();
    let attr = take(ctx.vga.attr.len()).to_vec();
    let pel = take(2).to_vec();
    let dac = take(768).to_vec();
    let mode = take(8).to_vec();
    let video = take(30).to_vec();
    let ega = take(7).to_vec();
    if ega.len() != 7 {
        return false;
    }
    let word = |i: usize| u16::from_le_bytes([mode[i], mode[i + 1]]);
    let number = word(0);
    let start = (u32::from(word(2)), u32::from(word(4)));
    let fb = ctx.memmap.framebuffer();
    let new_mode = match number {
        0 => Mode::Text,
        0x13 => Mode::Vga256,
        n => {
            let Some(((m, base), size)) =
                fb.and_then(|(base, size)| modes::vbe_mode(n, size).map(|m| ((m, base), size)))
            else {
                return false;
            };
            let l = Linear {
                number: m.number,
                width: u32::from(m.width),
                height: u32::from(m.height),
                bpp: m.bpp,
                pitch: u32::from(word(6)).max(m.pitch()),
                base,
                start,
            };
            let fits = u64::from(l.pitch) * u64::from(l.height) <= size;
            if !fits || !start_fits(&l, start, size) {
                return false;
            }
            Mode::Linear(l)
        }
    };
    if flags & 0x09 != 0 {
        ctx.vga.crtc.copy_from_slice(&crtc);
        ctx.vga.attr.copy_from_slice(&attr);
        ctx.vga.mode = new_mode;
    }
    if flags & 0x04 != 0 {
        ctx.vga.pel_mask = pel[0];
        ctx.vga.dac_bits = if pel[1] == 8 { 8 } else { 6 };
        for (e, rgb) in ctx.vga.dac.iter_mut().zip(dac.chunks(3)) {
            e.copy_from_slice(rgb);
        }
    }
    if flags & 0x02 != 0 {
        let _ = ctx.mem.write(crate::mem::bda_addr(bda::VIDEO_MODE), &video);
        let _ = ctx.mem.write(crate::mem::bda_addr(bda::VIDEO_ROWS), &ega);
    }
    true
}

/// INT 10h AX=4F04h — save or restore the video state; in: DL=00h size,
/// 01h save, 02h restore; CX=state flags (bit 0 the controller, 1 the BIOS
/// data, 2 the DAC, 3 the VBE mode; a save keeps them all, a restore puts
/// back those named); ES:BX=buffer; out: AX=004Fh (DL=00h: BX=64-byte
/// blocks needed), 014Fh for a buffer that holds no saved state (or a
/// mode or display start this machine cannot show) or is not in RAM.
pub fn int10_4f04_save_restore_state(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let at = real_addr(r.es, r.bx());
    match r.dl() {
        0 => {
            r.set_bx(STATE_BLOCKS);
            answer(r, OK)
        }
        1 => {
            let b = save_state(ctx);
            let ax = if ctx.mem.write(at, &b).is_ok() {
                OK
            } else {
                FAILED
            };
            answer(r, ax)
        }
        2 => {
            let mut b = vec![0u8; usize::from(STATE_BLOCKS) * 64];
            let ok = ctx.mem.read(at, &mut b).is_ok() && restore_state(ctx, &b, r.cx());
            answer(r, if ok { OK } else { FAILED })
        }
        _ => answer(r, FAILED),
    }
}

/// INT 10h AX=4F05h — display window control; out: AX=034Fh: the modes
/// have no banked windows (4F01h says so), only the linear framebuffer.
pub fn int10_4f05_window_control(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    answer(r, INVALID_IN_MODE)
}

/// INT 10h AX=4F06h — set or get the logical scan line length; in:
/// BL=00h set in pixels (CX), 01h get, 02h set in bytes (CX), 03h get the
/// maximum; out: AX=004Fh, BX=bytes per line, CX=pixels per line, DX=lines
/// the framebuffer holds; 024Fh for a length that does not fit, 034Fh
/// outside a VBE mode. Setting a length moves the display start to the top.
pub fn int10_4f06_scan_line_length(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Mode::Linear(mut l) = ctx.vga.mode else {
        return answer(r, INVALID_IN_MODE);
    };
    let fb = fb_size(ctx);
    let bpp = l.bytes_per_pixel();
    let min = l.width * bpp;
    let max = ((fb / u64::from(l.height.max(1))) as u32).min(0xFFFF) / bpp * bpp;
    let pitch = match r.bl() {
        0 => u32::from(r.cx()) * bpp,
        1 => l.pitch,
        2 => u32::from(r.cx()).div_ceil(bpp) * bpp,
        3 => max,
        _ => return answer(r, FAILED),
    };
    if r.bl() == 0 || r.bl() == 2 {
        if pitch > max {
            return answer(r, NOT_SUPPORTED);
        }
        l.pitch = pitch.max(min);
        // The display start is in pixels of the old lines: back to the top.
        l.start = (0, 0);
        ctx.vga.mode = Mode::Linear(l);
    }
    let shown = if r.bl() == 3 { pitch } else { l.pitch };
    r.set_bx(shown as u16);
    r.set_cx((shown / bpp) as u16);
    r.set_dx((fb / u64::from(shown.max(1))).min(0xFFFF) as u16);
    answer(r, OK)
}

/// Whether a screen of `l` shown from pixel `start` ends inside a
/// framebuffer of `fb` bytes.
fn start_fits(l: &Linear, (x, y): (u32, u32), fb: u64) -> bool {
    let bpp = u64::from(l.bytes_per_pixel());
    let pitch = u64::from(l.pitch);
    let last = u64::from(y) * pitch
        + u64::from(x) * bpp
        + u64::from(l.height.saturating_sub(1)) * pitch
        + u64::from(l.width) * bpp;
    u64::from(x) * bpp < pitch && last <= fb
}

/// INT 10h AX=4F07h — set or get the display start; in: BL=00h/80h set
/// (CX=first pixel of a line, DX=first line), 01h get, 02h/82h schedule
/// (ECX=byte offset), 04h scheduled flip status; out: AX=004Fh (01h: BH=0,
/// CX, DX; 04h: CX=1, done), 014Fh for a start past the framebuffer, 034Fh
/// outside a VBE mode.
pub fn int10_4f07_display_start(r: &mut Regs, ctx: &mut Ctx) -> Status {
    let Mode::Linear(mut l) = ctx.vga.mode else {
        return answer(r, INVALID_IN_MODE);
    };
    let fb = fb_size(ctx);
    let start = match r.bl() {
        0x00 | 0x80 => (u32::from(r.cx()), u32::from(r.dx())),
        0x02 | 0x82 => {
            let off = r.ecx;
            let pitch = l.pitch.max(1);
            ((off % pitch) / l.bytes_per_pixel(), off / pitch)
        }
        0x01 => {
            r.set_bh(0);
            r.set_cx(l.start.0 as u16);
            r.set_dx(l.start.1 as u16);
            return answer(r, OK);
        }
        0x04 => {
            r.set_cx(1);
            return answer(r, OK);
        }
        _ => return answer(r, FAILED),
    };
    if !start_fits(&l, start, fb) {
        return answer(r, FAILED);
    }
    l.start = start;
    ctx.vga.mode = Mode::Linear(l);
    answer(r, OK)
}

/// INT 10h AX=4F08h — set or get the DAC palette format; in: BL=00h set
/// (BH=bits per primary: 8 and above give 8, below 6), 01h get; out:
/// AX=004Fh, BH=the width. The DAC's entries are converted.
pub fn int10_4f08_dac_format(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match r.bl() {
        0 => {
            let bits = if r.bh() >= 8 { 8 } else { 6 };
            if bits != ctx.vga.dac_bits {
                for e in ctx.vga.dac.iter_mut() {
                    *e = if bits == 8 {
                        e.map(|c| (c << 2) | (c >> 4))
                    } else {
                        e.map(|c| c >> 2)
                    };
                }
                ctx.vga.dac_bits = bits;
            }
            r.set_bh(bits);
            answer(r, OK)
        }
        1 => {
            r.set_bh(ctx.vga.dac_bits);
            answer(r, OK)
        }
        _ => answer(r, FAILED),
    }
}

/// INT 10h AX=4F09h — set or get palette data; in: BL=00h set, 01h get,
/// 80h set during the retrace (as 00h); 02h/03h (a secondary palette) are
/// not supported; CX=entries, DX=first, ES:DI=table of blue, green, red,
/// alignment bytes; out: AX=004Fh, 014Fh for entries past FFh, 024Fh for
/// a secondary palette.
pub fn int10_4f09_palette_data(r: &mut Regs, ctx: &mut Ctx) -> Status {
    if matches!(r.bl(), 0x02 | 0x03) {
        return answer(r, NOT_SUPPORTED);
    }
    let (first, count) = (usize::from(r.dx()), usize::from(r.cx()));
    if first + count > 256 {
        return answer(r, FAILED);
    }
    let at = real_addr(r.es, r.di());
    let mask = if ctx.vga.dac_bits == 8 { 0xFF } else { 0x3F };
    match r.bl() {
        0x00 | 0x80 => {
            let mut t = vec![0u8; count * 4];
            if ctx.mem.read(at, &mut t).is_err() {
                return answer(r, FAILED);
            }
            for (i, e) in t.chunks(4).enumerate() {
                ctx.vga.dac[first + i] = [e[2] & mask, e[1] & mask, e[0] & mask];
            }
            answer(r, OK)
        }
        0x01 => {
            let t: Vec<u8> = ctx.vga.dac[first..first + count]
                .iter()
                .flat_map(|[red, green, blue]| [*blue, *green, *red, 0])
                .collect();
            let ax = if ctx.mem.write(at, &t).is_ok() {
                OK
            } else {
                FAILED
            };
            answer(r, ax)
        }
        _ => answer(r, FAILED),
    }
}

/// INT 10h AX=4F15h — display data channel; in: BL=00h capabilities,
/// 01h read EDID (CX=controller 0, DX=block 0, ES:DI=128-byte buffer);
/// out: AX=004Fh (00h: BH=0 seconds per block, BL=02h DDC2; 01h: the
/// EDID), 014Fh for another block or controller; other BL values are not
/// offered (AX=0100h).
pub fn int10_4f15_ddc(r: &mut Regs, ctx: &mut Ctx) -> Status {
    match r.bl() {
        0 => {
            r.set_bx(0x0002);
            answer(r, OK)
        }
        1 => {
            if r.cx() != 0 || r.dx() != 0 {
                return answer(r, FAILED);
            }
            let ax = if ctx
                .mem
                .write(real_addr(r.es, r.di()), &edid::edid())
                .is_ok()
            {
                OK
            } else {
                FAILED
            };
            answer(r, ax)
        }
        _ => int10_4f_unsupported(r, ctx),
    }
}

/// INT 10h AH=4Fh, other AL — a VBE function this BIOS lacks (4F0Ah's
/// protected-mode interface, power management, ...); out: AX=0100h (AL is
/// not 4Fh: not supported), so a caller goes without.
pub fn int10_4f_unsupported(r: &mut Regs, _ctx: &mut Ctx) -> Status {
    answer(r, 0x0100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::test_world::*;

    fn call(w: &mut World, f: super::super::Handler, ax: u16, bx: u16, cx: u16) -> Regs {
        let mut r = regs(ax);
        r.set_bx(bx);
        r.set_cx(cx);
        r.es = 0x1000;
        w.call(f, &mut r);
        r
    }

    #[test]
    fn controller_and_mode_info() {
        let mut w = World::new();
        w.mem.write(0x10000, b"VBE2").unwrap();
        let r = call(&mut w, int10_4f00_controller_info, 0x4F00, 0, 0);
        assert_eq!(r.ax(), 0x004F);
        let mut b = [0u8; 512];
        w.mem.read(0x10000, &mut b).unwrap();
        assert_eq!(&b[0..4], b"VESA");
        assert_eq!(u16::from_le_bytes([b[4], b[5]]), 0x0300);
        assert_eq!(u16::from_le_bytes([b[0x22], b[0x23]]), 0x100);
        assert_eq!(u16::from_le_bytes([b[18], b[19]]), 128, "8 MiB");
        let r = call(&mut w, int10_4f01_mode_info, 0x4F01, 0, 0x118);
        assert_eq!(r.ax(), 0x004F);
        w.mem.read(0x10000, &mut b[..256]).unwrap();
        assert_eq!(u16::from_le_bytes([b[0x12], b[0x13]]), 1024);
        assert_eq!(b[0x19], 24);
        let fb = w.map.framebuffer().unwrap().0 as u32;
        assert_eq!(u32::from_le_bytes([b[0x28], b[0x29], b[0x2A], b[0x2B]]), fb);
        assert_eq!(
            call(&mut w, int10_4f01_mode_info, 0x4F01, 0, 0x1FF).ax(),
            0x014F
        );
    }

    #[test]
    fn set_mode_start_and_state() {
        let mut w = World::new();
        assert_eq!(
            call(&mut w, int10_4f02_set_mode, 0x4F02, 0x0142, 0).ax(),
            0x014F
        );
        assert_eq!(
            call(&mut w, int10_4f02_set_mode, 0x4F02, 0x4142, 0).ax(),
            0x004F
        );
        assert_eq!(call(&mut w, int10_4f03_get_mode, 0x4F03, 0, 0).bx(), 0x4142);
        let r = call(&mut w, int10_4f07_display_start, 0x4F07, 0, 0);
        assert_eq!(r.ax(), 0x004F);
        let mut r = regs(0x4F07);
        r.set_bx(0);
        r.set_cx(0);
        r.set_dx(0xFFFF);
        w.call(int10_4f07_display_start, &mut r);
        assert_eq!(r.ax(), 0x014F, "past the framebuffer");
        // The last line's end counts the start's column too.
        assert_eq!(
            call(&mut w, int10_4f02_set_mode, 0x4F02, 0x4164, 0).ax(),
            0x004F
        );
        let mut r = regs(0x4F07);
        r.set_bx(0);
        r.set_cx(1919);
        r.set_dx(12);
        w.call(int10_4f07_display_start, &mut r);
        assert_eq!(
            r.ax(),
            0x014F,
            "1920x1080x32 shown from (1919, 12) overruns"
        );
        r.set_ax(0x4F07);
        r.set_cx(0);
        r.set_dx(1);
        w.call(int10_4f07_display_start, &mut r);
        assert_eq!(r.ax(), 0x004F);
        assert_eq!(
            call(&mut w, int10_4f02_set_mode, 0x4F02, 0x4142, 0).ax(),
            0x004F
        );
        let r = call(&mut w, int10_4f06_scan_line_length, 0x4F06, 3, 0);
        assert_eq!(r.ax(), 0x004F);
        assert!(r.bx() >= 640 * 4);
        // Save, change, restore.
        let r = call(&mut w, int10_4f04_save_restore_state, 0x4F04, 0, 0);
        assert_eq!(r.bx(), STATE_BLOCKS);
        let mut r = regs(0x4F04);
        r.set_dx(1);
        r.es = 0x1000;
        w.call(int10_4f04_save_restore_state, &mut r);
        assert_eq!(r.ax(), 0x004F);
        call(&mut w, int10_4f02_set_mode, 0x4F02, 0x0003, 0);
        assert_eq!(w.vga.mode, Mode::Text);
        let mut r = regs(0x4F04);
        r.set_dx(2);
        r.set_cx(0x0004);
        r.es = 0x1000;
        w.call(int10_4f04_save_restore_state, &mut r);
        assert_eq!(r.ax(), 0x004F);
        assert_eq!(w.vga.mode, Mode::Text, "CX=0004h: the DAC only");
        r.set_ax(0x4F04);
        r.set_cx(0x000F);
        w.call(int10_4f04_save_restore_state, &mut r);
        assert_eq!(r.ax(), 0x004F);
        assert!(matches!(w.vga.mode, Mode::Linear(l) if l.number == 0x142));
        // A display start past the framebuffer in a crafted buffer.
        let start = 0x10000 + 1 + 25 + 21 + 2 + 768 + 4;
        w.mem.write(start, &0xFFFFu16.to_le_bytes()).unwrap();
        r.set_ax(0x4F04);
        w.call(int10_4f04_save_restore_state, &mut r);
        assert_eq!(r.ax(), 0x014F, "refused");
        // A buffer of garbage is refused.
        w.mem.write(0x10000, &[0x55; 64]).unwrap();
        let mut r = regs(0x4F04);
        r.set_dx(2);
        r.es = 0x1000;
        w.call(int10_4f04_save_restore_state, &mut r);
        assert_eq!(r.ax(), 0x014F);
    }

    #[test]
    fn palette_and_edid() {
        let mut w = World::new();
        w.mem
            .write(0x10000, &[1, 2, 3, 0, 0xFF, 0xFF, 0xFF, 0])
            .unwrap();
        let mut r = regs(0x4F09);
        r.set_bx(0);
        r.set_cx(2);
        r.set_dx(254);
        r.es = 0x1000;
        w.call(int10_4f09_palette_data, &mut r);
        assert_eq!(r.ax(), 0x004F);
        assert_eq!(w.vga.dac[254], [3, 2, 1]);
        assert_eq!(w.vga.dac[255], [0x3F; 3], "6-bit DAC");
        r.set_ax(0x4F09);
        r.set_cx(3);
        w.call(int10_4f09_palette_data, &mut r);
        assert_eq!(r.ax(), 0x014F, "past entry FFh");
        assert_eq!(
            call(&mut w, int10_4f08_dac_format, 0x4F08, 0x0800, 0).bh(),
            8
        );
        assert_eq!(w.vga.dac[255], [0xFF; 3]);
        let mut r = regs(0x4F15);
        r.set_bx(1);
        r.es = 0x1000;
        w.call(int10_4f15_ddc, &mut r);
        assert_eq!(r.ax(), 0x004F);
        let mut e = [0u8; 128];
        w.mem.read(0x10000, &mut e).unwrap();
        assert_eq!(e, edid::edid());
        assert_eq!(
            call(&mut w, int10_4f_unsupported, 0x4F0A, 0, 0).ax(),
            0x0100
        );
    }
}
