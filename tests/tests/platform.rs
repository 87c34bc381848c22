//! What POST leaves behind (IVT, BDA, EBDA), the vector table's agreement
//! with the ROM, unsupported vectors, and how runs end.

use iced_x86::code_asm::*;
use pbios::services::{vector, Vector};
use pbios_tests::harness::*;

#[test]
fn ivt_agrees_with_the_vector_table() {
    let run = boot(&guest(|_| Ok(())));
    let h = *run.machine.bios().header();
    for v in 0..=255u8 {
        let entry = run.u32(u64::from(v) * 4);
        let linear = (entry >> 16) * 16 + (entry & 0xFFFF);
        let at_stub = linear == h.stub_address(v);
        match vector(v) {
            Vector::Service(_) | Vector::Unsupported => {
                assert!(
                    at_stub,
                    "INT {v:02X}h should point at its stub, points at {entry:08X}"
                )
            }
            Vector::Guest(what) => assert!(!at_stub, "INT {v:02X}h ({what}) points at a stub"),
        }
    }
    // Hardware and data vectors.
    assert_eq!(run.u32(0x1E * 4), 0xF000_EFC7, "diskette parameter table");
    assert_eq!(run.u32(0x1C * 4), 0xF000_FF53, "INT 1Ch: dummy IRET");
    assert_eq!(run.u32(0x1D * 4), 0, "no video parameter table yet");
}

#[test]
fn post_initialises_bda_and_ebda() {
    let run = boot(&guest(|_| Ok(())));
    assert_eq!(run.u16(0x400), 0x3F8, "COM1");
    assert_eq!(run.u16(0x40E), 0x9FC0, "EBDA segment");
    assert_eq!(run.u16(0x410), 0x0222, "equipment");
    assert_eq!(run.u16(0x413), 639, "base memory");
    assert_eq!(run.u16(0x41A), 0x1E);
    assert_eq!(run.u16(0x480), 0x1E);
    assert_eq!(run.u16(0x482), 0x3E);
    assert_eq!(run.u8(0x449), 3, "video mode");
    assert_eq!(run.u16(0x44A), 80);
    assert_eq!(run.u16(0x463), 0x3D4);
    assert_eq!(run.u8(0x484), 24);
    assert_eq!(run.u8(0x475), 1, "one hard disk");
    assert_eq!(run.u8(0x9FC00), 1, "EBDA size in KiB");
    // ROM identification bytes.
    let rom = rom();
    assert_eq!(&rom.bytes[0xFFF5..0xFFFD], abi_date());
    assert_eq!(rom.bytes[0xFFFE], 0xFC);
}

fn abi_date() -> &'static [u8] {
    b"11/21/26"
}

#[test]
fn boot_registers_match_seabios() {
    // The boot sector saves what INT 19h handed it before touching anything.
    let mut a = CodeAssembler::new(16).unwrap();
    (|| -> Result<(), IcedError> {
        a.mov(word_ptr(slot(0)), ax)?;
        a.mov(word_ptr(slot(1)), dx)?;
        a.mov(word_ptr(slot(2)), sp)?;
        a.pushf()?;
        a.pop(word_ptr(slot(3)))?;
        a.mov(word_ptr(slot(4)), cs)?;
        a.mov(word_ptr(slot(5)), ss)?;
        exit(&mut a, 0)
    })()
    .unwrap();
    let run = boot(&boot_sector(&a.assemble(0x7C00).unwrap()));
    assert_eq!(run.word(0), 0xAA55);
    assert_eq!(run.word(1), 0x0080, "DL = boot drive");
    assert_eq!(run.word(2), 0x7C00);
    assert!(if_(run.word(3)), "interrupts on");
    assert_eq!((run.word(4), run.word(5)), (0, 0));
}

#[test]
fn unsupported_vector_leaves_registers_alone() {
    let run = boot(&guest(|a| {
        a.mov(ax, 0x1234u32)?;
        a.stc()?;
        a.int(0x14)?; // serial services: not served yet
        save_flags(a, 0)?;
        save(a, 1, ax)
    }));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0));
    assert!(cf(run.word(0)), "flags untouched");
    assert_eq!(run.word(1), 0x1234);
}

#[test]
fn runs_end_with_a_reason() {
    // Exit value through port F4h.
    let run = boot(&guest(|a| exit(a, 0x21)));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0x21));
    assert_eq!(run.exit.status(), 0x43);
    // Keyboard-controller reset. Like real code, the guest waits for it:
    // the line takes effect a little later on some backends (QEMU's TCG
    // finishes the translated block first), so it must not run into the
    // F4h exit behind it.
    let run = boot(&guest(|a| {
        a.mov(al, 0xFEu32)?;
        a.out(0x64, al)?;
        let mut wait = a.create_label();
        a.set_label(&mut wait)?;
        a.hlt()?;
        a.jmp(wait)
    }));
    assert!(matches!(run.exit, pbios::Exit::Reset(_)), "{:?}", run.exit);
}

#[test]
fn serial_output_reaches_the_console() {
    let run = boot(&guest(|a| {
        a.mov(dx, 0x3F8u32)?;
        for &c in b"COM1!" {
            a.mov(al, u32::from(c))?;
            a.out(dx, al)?;
        }
        Ok(())
    }));
    assert!(run.console.contains("COM1!"), "{:?}", run.console);
}

#[test]
fn guest_writes_to_the_rom_are_ignored() {
    let run = boot(&guest(|a| {
        a.push(0xF000u32)?;
        a.pop(ds)?;
        a.mov(ax, word_ptr(0x0000u32))?; // header magic "PB"
        a.not(ax)?;
        a.mov(word_ptr(0x0000u32), ax)?;
        a.mov(ax, word_ptr(0x0000u32))?;
        a.push(0u32)?;
        a.pop(ds)?;
        save(a, 0, ax)
    }));
    assert_eq!(run.word(0), u16::from_le_bytes(*b"PB"), "ROM unchanged");
}

#[test]
fn ram_above_4gib_is_in_the_e820_map() {
    let run = boot_with(
        &guest(|a| {
            // Find the last entry: walk until EBX = 0.
            let mut next = a.create_label();
            a.xor(ebx, ebx)?;
            a.set_label(&mut next)?;
            a.mov(eax, 0xE820u32)?;
            a.mov(edx, 0x534D_4150u32)?;
            a.mov(ecx, 20u32)?;
            a.mov(di, 0x1000u32)?;
            a.int(0x15)?;
            a.test(ebx, ebx)?;
            a.jnz(next)
        }),
        Opts {
            mem: 5 * pbios::memmap::GIB,
            ..Opts::default()
        },
    );
    let last = run.bytes(0x1000, 20);
    let base = u64::from_le_bytes(last[0..8].try_into().unwrap());
    let len = u64::from_le_bytes(last[8..16].try_into().unwrap());
    assert_eq!(
        (base, len, last[16]),
        (4 << 30, 2 << 30, 1),
        "5 GiB = 3 GiB below the hole + 2 GiB above 4 GiB"
    );
}
