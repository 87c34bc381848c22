//! The demo disk: a small two-stage boot program that asks the BIOS about the
//! machine and prints what it says.
//!
//! Layout of the raw 8 MiB image (16384 sectors of 512 bytes; the file is
//! sparse, and the BIOS reports it as 16 cylinders, 16 heads, 63 sectors):
//!
//! | sector | loaded at | contents                                          |
//! |--------|-----------|---------------------------------------------------|
//! | 0      | 0000:7C00 | stage 1 (boot sector), 55h AAh at offset 510      |
//! | 1..=8  | 0000:7E00 | stage 2, zero-padded to [`STAGE2_SECTORS`] sectors |
//! | rest   |           | zeros                                             |
//!
//! Stage 1 sets DS = ES = SS = 0 and SP = 7C00h, saves the boot drive from
//! DL, reads stage 2 with INT 13h AH=02h (CHS 0/0/2) and jumps to 0000:7E00
//! with the boot drive in DL. On a read error it prints `disk read error` and
//! writes 1 to port F4h (exit status 3).
//!
//! Stage 2 prints, with INT 10h AH=0Eh, what the BIOS reports through
//! INT 11h, INT 12h, INT 15h (AH=88h, E801h, E820h), INT 13h (AH=08h, 41h,
//! 48h) and INT 1Ah (AH=04h, 02h, 00h), then prints `Done.` and writes 0 to
//! port F4h (exit status 1).
//!
//! Both stages are assembled with iced-x86's `code_asm` in 16-bit mode. In
//! that mode a label can't be used as an immediate or as a memory operand
//! (`ptr(label)` is RIP-relative, 64-bit only), so each stage is assembled
//! twice: the first pass places the data (strings and buffers, emitted after
//! the code) and learns their addresses, the second emits the code with
//! those addresses. Data is only referenced through encodings whose size
//! doesn't depend on the value (`mov r16, imm16`, absolute `[disp16]`), so
//! the layout is the same in both passes; [`assemble`] checks it.

use iced_x86::code_asm::*;
use iced_x86::BlockEncoderOptions;
use std::io;
use std::ops::{Deref, DerefMut};
use std::path::Path;

/// Bytes per sector.
pub const SECTOR_SIZE: usize = 512;
/// Sectors in the image: 8 MiB.
pub const DISK_SECTORS: u64 = 16384;
/// Size of the image in bytes.
pub const IMAGE_SIZE: u64 = DISK_SECTORS * SECTOR_SIZE as u64;
/// Where the BIOS loads the boot sector.
pub const STAGE1_ORIGIN: u16 = 0x7C00;
/// Where stage 1 loads stage 2.
pub const STAGE2_ORIGIN: u16 = 0x7E00;
/// Sectors stage 1 loads (stage 2 must fit in them).
pub const STAGE2_SECTORS: u8 = 8;
/// Stage 1 must leave the partition table (offset 446) alone.
const STAGE1_MAX: usize = 446;
/// 'SMAP', the E820h signature.
const SMAP: u32 = 0x534D_4150;
/// The debug-exit port: writing `v` ends the run with status `(v << 1) | 1`.
const EXIT_PORT: u8 = 0xF4;

/// Writes the demo disk to `path` (8 MiB, sparse).
pub fn write_image(path: &Path) -> io::Result<()> {
    let boot = boot_sectors()?;
    let mut file = std::fs::File::create(path)?;
    io::Write::write_all(&mut file, &boot)?;
    file.set_len(IMAGE_SIZE)?;
    Ok(())
}

/// The whole demo disk, all [`IMAGE_SIZE`] bytes of it.
pub fn image() -> Vec<u8> {
    let mut img = boot_sectors().expect("the demo boot program is fixed and assembles");
    img.resize(IMAGE_SIZE as usize, 0);
    img
}

/// Stage 1 and stage 2: the non-zero start of the image.
fn boot_sectors() -> io::Result<Vec<u8>> {
    let stage2 = assemble(STAGE2_ORIGIN, stage2)?;
    let room = usize::from(STAGE2_SECTORS) * SECTOR_SIZE;
    if stage2.len() > room {
        return Err(invalid(format!(
            "stage 2 is {} bytes, more than the {room} stage 1 loads",
            stage2.len()
        )));
    }
    let stage1 = assemble(STAGE1_ORIGIN, stage1)?;
    if stage1.len() > STAGE1_MAX {
        return Err(invalid(format!(
            "stage 1 is {} bytes, more than {STAGE1_MAX}",
            stage1.len()
        )));
    }
    let mut img = vec![0u8; SECTOR_SIZE + room];
    img[..stage1.len()].copy_from_slice(&stage1);
    img[510] = 0x55;
    img[511] = 0xAA;
    img[SECTOR_SIZE..SECTOR_SIZE + stage2.len()].copy_from_slice(&stage2);
    Ok(img)
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// A 16-bit `CodeAssembler` plus data (strings, buffers) placed after the code.
struct Asm {
    a: CodeAssembler,
    data: Vec<(CodeLabel, Vec<u8>)>,
    /// Addresses of the data items from the first pass (empty in it).
    known: Vec<u16>,
}

impl Deref for Asm {
    type Target = CodeAssembler;
    fn deref(&self) -> &CodeAssembler {
        &self.a
    }
}

impl DerefMut for Asm {
    fn deref_mut(&mut self) -> &mut CodeAssembler {
        &mut self.a
    }
}

impl Asm {
    fn new(known: Vec<u16>) -> Result<Self, IcedError> {
        Ok(Self {
            a: CodeAssembler::new(16)?,
            data: Vec::new(),
            known,
        })
    }

    /// Places `bytes` after the code; returns their address (0 in the first
    /// pass).
    fn data(&mut self, bytes: &[u8]) -> u32 {
        let label = self.a.create_label();
        let addr = self.known.get(self.data.len()).copied().unwrap_or(0);
        self.data.push((label, bytes.to_vec()));
        u32::from(addr)
    }

    /// A NUL-terminated string; returns its address.
    fn string(&mut self, s: &str) -> u32 {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        self.data(&bytes)
    }

    /// Sets `label` on an empty instruction, so that labels never collide.
    fn label(&mut self, label: &mut CodeLabel) -> Result<(), IcedError> {
        self.a.set_label(label)?;
        self.a.zero_bytes()
    }

    /// Emits the data and assembles; returns the code and the data's
    /// addresses.
    fn finish(mut self, origin: u16) -> Result<(Vec<u8>, Vec<u16>), IcedError> {
        let mut data = std::mem::take(&mut self.data);
        for (label, bytes) in &mut data {
            self.label(label)?;
            self.a.db(bytes)?;
        }
        let result = self.a.assemble_options(
            u64::from(origin),
            BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS,
        )?;
        let addrs = data
            .iter()
            .map(|(label, _)| result.label_ip(label).map(|ip| ip as u16))
            .collect::<Result<_, _>>()?;
        Ok((result.inner.code_buffer, addrs))
    }
}

/// Assembles `program` at `origin` in two passes (see the module docs).
fn assemble(origin: u16, program: fn(&mut Asm) -> Result<(), IcedError>) -> io::Result<Vec<u8>> {
    let pass = |known: Vec<u16>| -> Result<(Vec<u8>, Vec<u16>), IcedError> {
        let mut a = Asm::new(known)?;
        program(&mut a)?;
        a.finish(origin)
    };
    let asm_error = |e: IcedError| invalid(format!("assembling the demo at {origin:04X}h: {e}"));
    let (_, addrs) = pass(Vec::new()).map_err(asm_error)?;
    let (code, check) = pass(addrs.clone()).map_err(asm_error)?;
    if check != addrs {
        return Err(invalid(format!(
            "the demo's layout at {origin:04X}h changed between passes"
        )));
    }
    Ok(code)
}

/// Writes AL to the exit port, then halts for good.
fn exit(a: &mut Asm) -> Result<(), IcedError> {
    a.out(u32::from(EXIT_PORT), al)?;
    let mut halt = a.create_label();
    a.label(&mut halt)?;
    a.cli()?;
    a.hlt()?;
    a.jmp(halt)
}

/// Stage 1, the boot sector at 0000:7C00.
fn stage1(a: &mut Asm) -> Result<(), IcedError> {
    let drive = a.data(&[0]);
    let error = a.string("disk read error\r\n");
    let mut failed = a.create_label();
    let mut print = a.create_label();
    let mut done = a.create_label();

    a.cli()?;
    a.xor(ax, ax)?;
    a.mov(ds, ax)?;
    a.mov(es, ax)?;
    a.mov(ss, ax)?;
    a.mov(sp, u32::from(STAGE1_ORIGIN))?;
    a.sti()?;
    a.cld()?;
    a.mov(byte_ptr(drive), dl)?;

    // INT 13h AH=02h: read STAGE2_SECTORS sectors from CHS 0/0/2 to 0000:7E00.
    a.mov(ah, 0x02)?;
    a.mov(al, u32::from(STAGE2_SECTORS))?;
    a.mov(cx, 0x0002)?; // CH = cylinder 0, CL = sector 2
    a.mov(dh, 0)?;
    a.mov(dl, byte_ptr(drive))?;
    a.mov(bx, u32::from(STAGE2_ORIGIN))?;
    a.int(0x13)?;
    a.jc(failed)?;

    // Far jump to 0000:7E00 with the boot drive in DL.
    a.mov(dl, byte_ptr(drive))?;
    a.push(0)?;
    a.push(u32::from(STAGE2_ORIGIN))?;
    a.retf()?;

    a.label(&mut failed)?;
    a.mov(si, error)?;
    a.label(&mut print)?;
    a.lodsb()?;
    a.test(al, al)?;
    a.jz(done)?;
    a.mov(ah, 0x0E)?;
    a.mov(bx, 0x0007)?;
    a.int(0x10)?;
    a.jmp(print)?;
    a.label(&mut done)?;
    a.mov(al, 1)?;
    exit(a)
}

/// Stage 2's subroutines. Each one preserves every register.
#[derive(Clone, Copy)]
struct Lib {
    /// Prints the character in AL.
    putc: CodeLabel,
    /// Prints the NUL-terminated string at DS:SI.
    puts: CodeLabel,
    /// Prints CR LF.
    newline: CodeLabel,
    /// Prints AL as two hex digits.
    hex8: CodeLabel,
    /// Prints AX as four hex digits.
    hex16: CodeLabel,
    /// Prints EAX as eight hex digits.
    hex32: CodeLabel,
    /// Prints EAX in decimal.
    dec32: CodeLabel,
    /// Prints ` failed (CF=1, AH=xxh)` CR LF.
    failed: CodeLabel,
}

impl Lib {
    fn new(a: &mut Asm) -> Self {
        Self {
            putc: a.create_label(),
            puts: a.create_label(),
            newline: a.create_label(),
            hex8: a.create_label(),
            hex16: a.create_label(),
            hex32: a.create_label(),
            dec32: a.create_label(),
            failed: a.create_label(),
        }
    }

    /// Emits the subroutines' bodies.
    fn emit(mut self, a: &mut Asm) -> Result<(), IcedError> {
        // putc: INT 10h AH=0Eh, page 0.
        a.label(&mut self.putc)?;
        a.pusha()?;
        a.mov(ah, 0x0E)?;
        a.mov(bx, 0x0007)?;
        a.int(0x10)?;
        a.popa()?;
        a.ret()?;

        // puts
        a.label(&mut self.puts)?;
        a.pusha()?;
        let mut next = a.create_label();
        let mut end = a.create_label();
        a.label(&mut next)?;
        a.lodsb()?;
        a.test(al, al)?;
        a.jz(end)?;
        a.call(self.putc)?;
        a.jmp(next)?;
        a.label(&mut end)?;
        a.popa()?;
        a.ret()?;

        // newline
        a.label(&mut self.newline)?;
        a.push(ax)?;
        a.mov(al, 0x0D)?;
        a.call(self.putc)?;
        a.mov(al, 0x0A)?;
        a.call(self.putc)?;
        a.pop(ax)?;
        a.ret()?;

        // hex8: high nibble, then low nibble.
        let mut nibble = a.create_label();
        a.label(&mut self.hex8)?;
        a.push(ax)?;
        a.push(ax)?;
        a.shr(al, 4)?;
        a.call(nibble)?;
        a.pop(ax)?;
        a.and(al, 0x0F)?;
        a.call(nibble)?;
        a.pop(ax)?;
        a.ret()?;
        // nibble: AL = 0..15 -> '0'..'9', 'A'..'F' (clobbers AL).
        let mut digit = a.create_label();
        a.label(&mut nibble)?;
        a.add(al, i32::from(b'0'))?;
        a.cmp(al, i32::from(b'9'))?;
        a.jbe(digit)?;
        a.add(al, i32::from(b'A' - b'9' - 1))?;
        a.label(&mut digit)?;
        a.jmp(self.putc)?;

        // hex16: AH, then AL.
        a.label(&mut self.hex16)?;
        a.push(ax)?;
        a.xchg(al, ah)?;
        a.call(self.hex8)?;
        a.xchg(al, ah)?;
        a.call(self.hex8)?;
        a.pop(ax)?;
        a.ret()?;

        // hex32: high word, then low word.
        a.label(&mut self.hex32)?;
        a.push(eax)?;
        a.ror(eax, 16)?;
        a.call(self.hex16)?;
        a.ror(eax, 16)?;
        a.call(self.hex16)?;
        a.pop(eax)?;
        a.ret()?;

        // dec32: push the digits (least significant first), pop and print.
        let mut divide = a.create_label();
        let mut print = a.create_label();
        a.label(&mut self.dec32)?;
        a.pushad()?;
        a.xor(cx, cx)?;
        a.mov(ebx, 10)?;
        a.label(&mut divide)?;
        a.xor(edx, edx)?;
        a.div(ebx)?;
        a.push(dx)?;
        a.inc(cx)?;
        a.test(eax, eax)?;
        a.jnz(divide)?;
        a.label(&mut print)?;
        a.pop(ax)?;
        a.add(al, i32::from(b'0'))?;
        a.call(self.putc)?;
        a.loop_(print)?;
        a.popad()?;
        a.ret()?;

        // failed
        let msg = a.string(" failed (CF=1, AH=");
        let tail = a.string("h)");
        a.label(&mut self.failed)?;
        a.push(si)?;
        a.mov(si, msg)?;
        a.call(self.puts)?;
        a.push(ax)?;
        a.mov(al, ah)?;
        a.call(self.hex8)?;
        a.pop(ax)?;
        a.mov(si, tail)?;
        a.call(self.puts)?;
        a.call(self.newline)?;
        a.pop(si)?;
        a.ret()
    }

    /// Prints `s` (clobbers SI).
    fn print(&self, a: &mut Asm, s: &str) -> Result<(), IcedError> {
        let addr = a.string(s);
        a.mov(si, addr)?;
        a.call(self.puts)
    }

    /// Prints `s` and CR LF (clobbers SI).
    fn println(&self, a: &mut Asm, s: &str) -> Result<(), IcedError> {
        self.print(a, s)?;
        a.call(self.newline)
    }

    /// Prints the character `c` (clobbers AL).
    fn putc(&self, a: &mut Asm, c: u8) -> Result<(), IcedError> {
        a.mov(al, u32::from(c))?;
        a.call(self.putc)
    }

    /// After a BIOS call: if CF=1, reports the failure and jumps to `skip`.
    fn check_carry(&self, a: &mut Asm, skip: CodeLabel) -> Result<(), IcedError> {
        let mut ok = a.create_label();
        a.jnc(ok)?;
        a.call(self.failed)?;
        a.jmp(skip)?;
        a.label(&mut ok)
    }
}

/// Stage 2 at 0000:7E00 (entered with the boot drive in DL).
fn stage2(a: &mut Asm) -> Result<(), IcedError> {
    let lib = Lib::new(a);
    let drive = a.data(&[0]);
    let e820 = a.data(&[0; 24]);
    let edd = a.data(&[0; 30]);

    a.mov(byte_ptr(drive), dl)?;

    // 1. The boot drive.
    lib.print(a, "pbios demo: booted from drive ")?;
    a.mov(al, byte_ptr(drive))?;
    a.call(lib.hex8)?;
    lib.println(a, "h")?;

    // 2. INT 11h and INT 12h.
    lib.print(a, "Equipment (INT 11h): ")?;
    a.int(0x11)?;
    a.call(lib.hex16)?;
    lib.println(a, "h")?;

    lib.print(a, "Base memory (INT 12h): ")?;
    a.int(0x12)?;
    a.movzx(eax, ax)?;
    a.call(lib.dec32)?;
    lib.println(a, " KiB")?;

    // 3. INT 15h AH=88h and AX=E801h.
    let mut next = a.create_label();
    lib.print(a, "Extended memory (INT 15h AH=88h): ")?;
    a.mov(ah, 0x88)?;
    a.clc()?;
    a.int(0x15)?;
    lib.check_carry(a, next)?;
    a.movzx(eax, ax)?;
    a.call(lib.dec32)?;
    lib.println(a, " KiB")?;
    a.label(&mut next)?;

    let mut next = a.create_label();
    lib.print(a, "INT 15h E801h: ")?;
    a.mov(ax, 0xE801)?;
    a.clc()?;
    a.int(0x15)?;
    lib.check_carry(a, next)?;
    a.push(dx)?;
    a.push(cx)?;
    lib.print(a, "AX=")?;
    a.movzx(eax, ax)?;
    a.call(lib.dec32)?;
    lib.print(a, " KiB below 16 MiB, BX=")?;
    a.movzx(eax, bx)?;
    a.call(lib.dec32)?;
    lib.print(a, " x 64 KiB above (CX=")?;
    a.pop(ax)?;
    a.movzx(eax, ax)?;
    a.call(lib.dec32)?;
    lib.print(a, ", DX=")?;
    a.pop(ax)?;
    a.movzx(eax, ax)?;
    a.call(lib.dec32)?;
    lib.println(a, ")")?;
    a.label(&mut next)?;

    // 4. INT 15h E820h, one line per entry (at most 64 entries).
    lib.println(a, "Memory map (INT 15h E820h):")?;
    let mut entry = a.create_label();
    let mut end = a.create_label();
    let mut first_failed = a.create_label();
    let mut bad_signature = a.create_label();
    a.xor(ebx, ebx)?;
    a.xor(bp, bp)?;
    a.label(&mut entry)?;
    a.mov(eax, 0xE820)?;
    a.mov(edx, SMAP)?;
    a.mov(ecx, 24)?;
    a.mov(di, e820)?;
    // ACPI 3.0 extended attributes: "valid" unless the BIOS says otherwise.
    a.mov(dword_ptr(e820 + 20), 1)?;
    a.clc()?;
    a.int(0x15)?;
    a.jc(first_failed)?;
    a.cmp(eax, SMAP)?;
    a.jne(bad_signature)?;
    lib.print(a, "  ")?;
    a.mov(eax, dword_ptr(e820 + 4))?;
    a.call(lib.hex32)?;
    a.mov(eax, dword_ptr(e820))?;
    a.call(lib.hex32)?;
    lib.putc(a, b'-')?;
    // end = base + length - 1, in EDX:EAX
    a.mov(eax, dword_ptr(e820))?;
    a.mov(edx, dword_ptr(e820 + 4))?;
    a.add(eax, dword_ptr(e820 + 8))?;
    a.adc(edx, dword_ptr(e820 + 12))?;
    a.sub(eax, 1)?;
    a.sbb(edx, 0)?;
    a.xchg(eax, edx)?;
    a.call(lib.hex32)?;
    a.xchg(eax, edx)?;
    a.call(lib.hex32)?;
    lib.putc(a, b' ')?;
    let mut typed = a.create_label();
    a.mov(eax, dword_ptr(e820 + 16))?;
    for (kind, name) in [
        (1, "usable"),
        (2, "reserved"),
        (3, "ACPI reclaimable"),
        (4, "ACPI NVS"),
        (5, "unusable"),
    ] {
        let mut other = a.create_label();
        a.cmp(eax, kind)?;
        a.jne(other)?;
        lib.print(a, name)?;
        a.jmp(typed)?;
        a.label(&mut other)?;
    }
    lib.print(a, "type ")?;
    a.call(lib.dec32)?;
    a.label(&mut typed)?;
    a.call(lib.newline)?;
    a.inc(bp)?;
    a.cmp(bp, 64)?;
    a.jae(end)?;
    a.test(ebx, ebx)?;
    a.jnz(entry)?;
    a.jmp(end)?;
    // CF=1 ends the list; it is only an error on the first call.
    a.label(&mut first_failed)?;
    a.test(bp, bp)?;
    a.jnz(end)?;
    lib.print(a, " ")?;
    a.call(lib.failed)?;
    a.jmp(end)?;
    a.label(&mut bad_signature)?;
    lib.print(a, "  bad signature EAX=")?;
    a.call(lib.hex32)?;
    lib.println(a, "h")?;
    a.label(&mut end)?;

    // 5. INT 13h AH=08h: drive parameters.
    let mut next = a.create_label();
    lib.print(a, "Disk ")?;
    a.mov(al, byte_ptr(drive))?;
    a.call(lib.hex8)?;
    lib.print(a, "h (INT 13h AH=08h):")?;
    a.mov(ah, 0x08)?;
    a.mov(dl, byte_ptr(drive))?;
    a.xor(di, di)?;
    a.mov(es, di)?;
    a.clc()?;
    a.int(0x13)?;
    lib.check_carry(a, next)?;
    // last cylinder = (CL & C0h) << 2 | CH
    lib.print(a, " last cylinder ")?;
    a.movzx(eax, cl)?;
    a.shl(eax, 2)?;
    a.and(eax, 0x300)?;
    a.mov(al, ch)?;
    a.call(lib.dec32)?;
    lib.print(a, ", last head ")?;
    a.movzx(eax, dh)?;
    a.call(lib.dec32)?;
    lib.print(a, ", sectors/track ")?;
    a.movzx(eax, cl)?;
    a.and(al, 0x3F)?;
    a.call(lib.dec32)?;
    lib.print(a, ", drives ")?;
    a.movzx(eax, dl)?;
    a.call(lib.dec32)?;
    a.call(lib.newline)?;
    a.label(&mut next)?;
    // ES may have been changed by the call.
    a.xor(ax, ax)?;
    a.mov(es, ax)?;

    // 6. EDD: INT 13h AH=41h and AH=48h.
    let mut next = a.create_label();
    let mut signed = a.create_label();
    lib.print(a, "EDD (INT 13h AH=41h):")?;
    a.mov(ah, 0x41)?;
    a.mov(bx, 0x55AA)?;
    a.mov(dl, byte_ptr(drive))?;
    a.clc()?;
    a.int(0x13)?;
    lib.check_carry(a, next)?;
    lib.print(a, " version ")?;
    a.push(ax)?;
    a.mov(al, ah)?;
    a.call(lib.hex8)?;
    a.pop(ax)?;
    lib.print(a, "h, API subsets CX=")?;
    a.mov(ax, cx)?;
    a.call(lib.hex16)?;
    lib.print(a, "h")?;
    a.cmp(bx, 0xAA55)?;
    a.je(signed)?;
    lib.print(a, ", bad signature BX=")?;
    a.mov(ax, bx)?;
    a.call(lib.hex16)?;
    lib.print(a, "h")?;
    a.label(&mut signed)?;
    a.call(lib.newline)?;
    a.label(&mut next)?;

    let mut next = a.create_label();
    lib.print(a, "Disk size (INT 13h AH=48h):")?;
    a.mov(word_ptr(edd), 30)?;
    a.mov(ah, 0x48)?;
    a.mov(dl, byte_ptr(drive))?;
    a.mov(si, edd)?;
    a.clc()?;
    a.int(0x13)?;
    lib.check_carry(a, next)?;
    lib.print(a, " ")?;
    a.mov(eax, dword_ptr(edd + 16))?;
    a.call(lib.dec32)?;
    lib.print(a, " sectors of ")?;
    a.movzx(eax, word_ptr(edd + 24))?;
    a.call(lib.dec32)?;
    lib.println(a, " bytes")?;
    lib.print(a, "  (buffer size ")?;
    a.movzx(eax, word_ptr(edd))?;
    a.call(lib.dec32)?;
    lib.print(a, ", flags ")?;
    a.mov(ax, word_ptr(edd + 2))?;
    a.call(lib.hex16)?;
    lib.print(a, "h, geometry ")?;
    a.mov(eax, dword_ptr(edd + 4))?;
    a.call(lib.dec32)?;
    lib.putc(a, b'/')?;
    a.mov(eax, dword_ptr(edd + 8))?;
    a.call(lib.dec32)?;
    lib.putc(a, b'/')?;
    a.mov(eax, dword_ptr(edd + 12))?;
    a.call(lib.dec32)?;
    lib.print(a, ", DPTE ")?;
    a.mov(ax, word_ptr(edd + 28))?;
    a.call(lib.hex16)?;
    lib.putc(a, b':')?;
    a.mov(ax, word_ptr(edd + 26))?;
    a.call(lib.hex16)?;
    lib.println(a, ")")?;
    a.label(&mut next)?;

    // 7. INT 1Ah AH=04h and AH=02h: the RTC's date and time (BCD).
    let mut next = a.create_label();
    lib.print(a, "Date (INT 1Ah AH=04h):")?;
    a.mov(ah, 0x04)?;
    a.clc()?;
    a.int(0x1A)?;
    lib.check_carry(a, next)?;
    lib.putc(a, b' ')?;
    a.mov(al, ch)?;
    a.call(lib.hex8)?;
    a.mov(al, cl)?;
    a.call(lib.hex8)?;
    lib.putc(a, b'-')?;
    a.mov(al, dh)?;
    a.call(lib.hex8)?;
    lib.putc(a, b'-')?;
    a.mov(al, dl)?;
    a.call(lib.hex8)?;
    a.call(lib.newline)?;
    a.label(&mut next)?;

    let mut next = a.create_label();
    lib.print(a, "Time (INT 1Ah AH=02h):")?;
    a.mov(ah, 0x02)?;
    a.clc()?;
    a.int(0x1A)?;
    lib.check_carry(a, next)?;
    lib.putc(a, b' ')?;
    a.mov(al, ch)?;
    a.call(lib.hex8)?;
    lib.putc(a, b':')?;
    a.mov(al, cl)?;
    a.call(lib.hex8)?;
    lib.putc(a, b':')?;
    a.mov(al, dh)?;
    a.call(lib.hex8)?;
    lib.println(a, " UTC")?;
    a.label(&mut next)?;

    // 8. INT 1Ah AH=00h: ticks since midnight in CX:DX.
    lib.print(a, "Timer ticks since midnight (INT 1Ah AH=00h): ")?;
    a.mov(ah, 0x00)?;
    a.int(0x1A)?;
    a.mov(ax, cx)?;
    a.shl(eax, 16)?;
    a.mov(ax, dx)?;
    a.call(lib.dec32)?;
    a.call(lib.newline)?;

    // 9. Done: exit status 1.
    lib.println(a, "Done.")?;
    a.mov(al, 0)?;
    exit(a)?;

    lib.emit(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_is_an_8_mib_bootable_disk() {
        let img = image();
        assert_eq!(img.len() as u64, IMAGE_SIZE);
        assert_eq!(IMAGE_SIZE, 8 << 20);
        assert_eq!(&img[510..512], &[0x55, 0xAA]);
        // The partition table is left empty.
        assert!(img[446..510].iter().all(|&b| b == 0));
    }

    #[test]
    fn stage2_fits_in_the_sectors_stage1_loads() {
        let stage2 = assemble(STAGE2_ORIGIN, stage2).unwrap();
        assert!(stage2.len() <= usize::from(STAGE2_SECTORS) * SECTOR_SIZE);
        // Stage 1 asks INT 13h AH=02h for exactly that many sectors
        // (mov ah, 02h; mov al, STAGE2_SECTORS).
        let stage1 = assemble(STAGE1_ORIGIN, stage1).unwrap();
        let read = [0xB4, 0x02, 0xB0, STAGE2_SECTORS];
        assert!(stage1.windows(4).any(|w| w == read));
        // Stage 2 is in the image right after the boot sector.
        let img = image();
        assert_eq!(&img[SECTOR_SIZE..SECTOR_SIZE + stage2.len()], &stage2[..]);
    }

    #[test]
    fn write_image_is_8_mib() {
        let path = std::env::temp_dir().join(format!("pbios-demo-{}.img", std::process::id()));
        write_image(&path).unwrap();
        let len = std::fs::metadata(&path).map(|m| m.len());
        let _ = std::fs::remove_file(&path);
        assert_eq!(len.unwrap(), IMAGE_SIZE);
    }
}
