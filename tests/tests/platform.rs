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
        let at_stub = linear == abi::ROM_BASE + u32::from(abi::stub_offset(v));
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
    // The IBM PC/AT compatibility entry points (SeaBIOS's addresses).
    for (v, off) in [
        (0x02, 0xE2C3),
        (0x08, 0xFEA5),
        (0x09, 0xE987),
        (0x10, 0xF065),
        (0x11, 0xF84D),
        (0x12, 0xF841),
        (0x13, 0xE3FE),
        (0x14, 0xE739),
        (0x15, 0xF859),
        (0x16, 0xE82E),
        (0x17, 0xEFD2),
        (0x19, 0xE6F2),
        (0x1A, 0xFE6E),
    ] {
        assert_eq!(run.u32(v * 4), 0xF000_0000 | off, "INT {v:02X}h");
    }
    let h = h.stub_address(0x13);
    assert_eq!(h, 0xFE3FE, "INT 13h traps at its compatibility entry");
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

#[test]
fn bios_call_from_virtual_8086_mode() {
    let run = v86_call(0x12, [0x1234, 0, 0, 0]);
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    assert_eq!(run.word(0), 639, "INT 12h answered in V86 mode");
}

#[test]
fn disk_read_from_virtual_8086_mode() {
    // INT 13h AH=02h: the boot sector again, to 0000:8000. A read into RAM
    // is finished with the guest stopped on TCG (QEMU must see the write):
    // the caller still gets its IRET.
    let run = v86_call(0x13, [0x0201, 0x8000, 0x0001, 0x0080]);
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    assert_eq!(run.word(0), 0x0001, "AH=00h, one sector read");
    assert_eq!(run.u16(0x81FE), 0xAA55, "the boot sector's signature");
}

/// A guest enters protected mode and drops into virtual-8086 mode (what
/// EMM386 and DOS extenders do) right at `vector`'s stub with EAX, EBX,
/// ECX, EDX = `gprs` and all segments 0, on a V86 stack that returns to
/// code at 0000:6000 storing AX at 500h. The BIOS must serve it as a
/// real-mode call: segments work as in real mode there. Always on TCG:
/// this machine's emulated KVM fails the IRETD into V86 mode itself
/// ("internal error", an instruction-emulation failure), before any BIOS
/// code runs.
fn v86_call(vector: u8, gprs: [u32; 4]) -> Run {
    const GDT: u32 = 0x6100;
    const GDTR: u32 = 0x60F0;
    const TSS: u32 = 0x10000;
    const AFTER: u32 = 0x6000;
    let stub = u32::from(abi::stub_offset(vector));
    let assemble = |pm_entry: u32| -> (Vec<u8>, u32) {
        let mut a = CodeAssembler::new(16).unwrap();
        (|| -> Result<(), IcedError> {
            a.cli()?;
            a.xor(ax, ax)?;
            a.mov(ds, ax)?;
            a.mov(ss, ax)?;
            a.mov(sp, 0x7C00u32)?;
            // A TSS at 1000:0000 with an all-zero I/O bitmap (ports allowed).
            a.mov(ax, TSS >> 4)?;
            a.mov(es, ax)?;
            a.xor(di, di)?;
            a.mov(cx, 0x2100u32)?;
            a.xor(al, al)?;
            a.rep().stosb()?;
            a.mov(word_ptr(0x66u32).es(), 0x68u32)?; // I/O bitmap offset
            a.mov(byte_ptr(0x68u32 + 0x2000).es(), 0xFFu32)?; // bitmap end
            a.xor(ax, ax)?;
            a.mov(es, ax)?;
            // GDT: null, 32-bit code, 32-bit data (4 GiB), 32-bit TSS.
            let gdt: [u8; 32] = [
                0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0, 0xFF, 0xFF, 0, 0, 0,
                0x92, 0xCF, 0, 0x68, 0x20, 0, 0, 1, 0x89, 0, 0,
            ];
            for (i, b) in gdt.iter().enumerate() {
                a.mov(byte_ptr(GDT + i as u32), u32::from(*b))?;
            }
            a.mov(word_ptr(GDTR), 0x1Fu32)?;
            a.mov(dword_ptr(GDTR + 2), GDT)?;
            // Back in V86 after the stub's IRET: mov [500h], ax; out F4h.
            let code: [u8; 9] = [0xA3, 0x00, 0x05, 0xB0, 0x00, 0xE6, 0xF4, 0xEB, 0xFE];
            for (i, b) in code.iter().enumerate() {
                a.mov(byte_ptr(AFTER + i as u32), u32::from(*b))?;
            }
            // The V86 stack at 0000:7000: IP, CS, FLAGS for the stub's IRET.
            a.mov(word_ptr(0x7000u32), AFTER)?;
            a.mov(word_ptr(0x7002u32), 0u32)?;
            a.mov(word_ptr(0x7004u32), 0x3002u32)?;
            enter_protected_mode(&mut a, GDTR, 0x08, pm_entry)
        })()
        .unwrap();
        let mut b = CodeAssembler::new(32).unwrap();
        (|| -> Result<(), IcedError> {
            b.mov(ax, 0x10u32)?;
            b.mov(ds, ax)?;
            b.mov(ss, ax)?;
            b.mov(es, ax)?;
            b.mov(esp, 0x7B00u32)?;
            b.mov(ax, 0x18u32)?;
            b.ltr(ax)?;
            // IRETD to V86: GS, FS, DS, ES, SS, ESP, EFLAGS (VM, IOPL 3), CS, EIP.
            for v in [
                0u32,
                0,
                0,
                0,
                0,
                0x7000,
                (1 << 17) | (3 << 12) | 2,
                0xF000,
                stub,
            ] {
                b.push(v)?;
            }
            b.mov(eax, gprs[0])?;
            b.mov(ebx, gprs[1])?;
            b.mov(ecx, gprs[2])?;
            b.mov(edx, gprs[3])?;
            b.iretd()
        })()
        .unwrap();
        let mut code = a.assemble(0x7C00).unwrap();
        let entry = 0x7C00 + code.len() as u32;
        code.extend(b.assemble(u64::from(entry)).unwrap());
        (code, entry)
    };
    let code = with_stable_entry(assemble);
    boot_with(
        &boot_sector(&code),
        Opts {
            accel: pbios::Accel::Tcg,
            ..Opts::default()
        },
    )
}

#[test]
fn acpi_power_off_ends_the_run() {
    // What Linux does for S5: SLP_TYP from \_S5 (0) with SLP_EN, to the
    // FADT's PM1a control block. On TCG that is QEMU's PIIX4, whose
    // registers POST turned on.
    let run = boot(&guest(|a| {
        a.mov(dx, u32::from(pbios::platform::PM1A_CNT))?;
        a.mov(ax, u32::from(pbios::platform::SLP_EN))?;
        a.out(dx, ax)?;
        let mut wait = a.create_label();
        a.set_label(&mut wait)?;
        a.hlt()?;
        a.jmp(wait)
    }));
    assert!(
        matches!(run.exit, pbios::Exit::PowerOff(_)),
        "{:?}",
        run.exit
    );
    assert_eq!(run.exit.status(), 0);
}

#[test]
fn apm_power_off_ends_the_run() {
    // As syslinux's poweroff.c32 does: check, connect (real mode), say the
    // driver's version, set all devices off.
    let run = boot(&guest(|a| {
        for (ax_in, bx_in, cx_in) in [(0x5300u32, 0u32, 0u32), (0x5301, 0, 0), (0x530E, 0, 0x0102)]
        {
            a.mov(ax, ax_in)?;
            a.mov(bx, bx_in)?;
            a.mov(cx, cx_in)?;
            a.int(0x15)?;
        }
        a.mov(ax, 0x5307u32)?;
        a.mov(bx, 0x0001u32)?;
        a.mov(cx, 0x0003u32)?;
        a.int(0x15)?;
        // Not reached: the run has ended.
        exit(a, 0x55)
    }));
    match &run.exit {
        pbios::Exit::PowerOff(how) => assert!(how.contains("APM"), "{how}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(run.exit.status(), 0);
}

/// Loads the GDT that `gdtr` describes, sets CR0.PE and jumps to
/// `selector:entry`.
fn enter_protected_mode(
    a: &mut CodeAssembler,
    gdtr: u32,
    selector: u16,
    entry: u32,
) -> Result<(), IcedError> {
    a.lgdt(word_ptr(gdtr))?;
    a.mov(eax, cr0)?;
    a.or(eax, 1)?;
    a.mov(cr0, eax)?;
    a.jmp_far(selector, entry)
}

/// A guest whose real-mode part jumps to a protected-mode part assembled
/// right after it: `assemble(entry)` gives the code and where its
/// protected-mode part starts, called until that address holds still.
fn with_stable_entry(assemble: impl Fn(u32) -> (Vec<u8>, u32)) -> Vec<u8> {
    let mut entry = 0x7C00;
    loop {
        let (code, at) = assemble(entry);
        if at == entry {
            return code;
        }
        entry = at;
    }
}

/// Where the guest copies the MP configuration table.
const MP_COPY: u32 = 0x3000;

#[test]
fn guest_finds_the_mp_table_in_the_ebda() {
    // As an OS does: scan the EBDA's first KiB (segment at 40:0Eh) for
    // "_MP_", then fetch the configuration table it points at (above
    // 1 MiB) with INT 15h AH=87h.
    let cpus = 3;
    let run = boot_with(
        &guest(|a| {
            a.mov(ax, word_ptr(0x40Eu32))?;
            a.mov(es, ax)?;
            a.xor(di, di)?;
            a.mov(word_ptr(slot(0)), 0xFFFFu32)?;
            let mut scan = a.create_label();
            let mut next = a.create_label();
            let mut found = a.create_label();
            let mut copy = a.create_label();
            a.set_label(&mut scan)?;
            a.cmp(dword_ptr(di).es(), 0x5F50_4D5Fu32)?; // "_MP_"
            a.je(found)?;
            a.set_label(&mut next)?;
            a.add(di, 16u32)?;
            a.cmp(di, 1024u32)?;
            a.jb(scan)?;
            a.jmp(copy)?;
            a.set_label(&mut found)?;
            a.mov(word_ptr(slot(0)), di)?;
            a.mov(eax, dword_ptr(di + 4).es())?;
            // GDT for AH=87h at 2000h: source = the table, destination =
            // MP_COPY, 512 bytes.
            block_move_eax(a, EaxIs::Source, MP_COPY, 256)?;
            a.set_label(&mut copy)?;
            Ok(())
        }),
        Opts {
            platform: pbios::platform::Platform::new(cpus, true),
            ..Opts::default()
        },
    );
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let fp_at = run.word(0);
    assert_eq!(fp_at, 0x3F0, "floating pointer in the EBDA's first KiB");
    let t = run.bytes(u64::from(MP_COPY), 512);
    assert_eq!(&t[..4], b"PCMP");
    let len = usize::from(u16::from_le_bytes([t[4], t[5]]));
    assert_eq!(
        t[..len].iter().fold(0u8, |s, b| s.wrapping_add(*b)),
        0,
        "checksum"
    );
    // Entries: processors (20 bytes, type 0) then the rest (8 bytes).
    let (mut at, mut procs, mut ioapic) = (44, Vec::new(), None);
    while at < len {
        match t[at] {
            0 => {
                procs.push(t[at + 1]);
                at += 20;
            }
            2 => {
                ioapic = Some(u32::from_le_bytes(t[at + 4..at + 8].try_into().unwrap()));
                at += 8;
            }
            _ => at += 8,
        }
    }
    assert_eq!(
        procs,
        vec![0, 1, 2],
        "one entry per CPU, APIC IDs 0..{cpus}"
    );
    assert_eq!(ioapic, Some(0xFEC0_0000));
}

#[test]
fn application_processors_start_on_init_sipi() {
    // The boot CPU sends INIT and two SIPIs (vector 08h: 0800:0000) to all
    // the others through its local APIC, from unreal mode; each AP's
    // trampoline counts itself at 7000h and halts. The exit value is the
    // count.
    const GDT: u32 = 0x6100;
    const GDTR: u32 = 0x60F0;
    const COUNT: u32 = 0x7000;
    const TRAMPOLINE: u32 = 0x8000;
    let cpus = 4;
    let run = boot_with(
        &guest(|a| {
            // mov ax, 0; mov ds, ax; lock inc byte [7000h]; cli; hlt; jmp $-1
            let ap: [u8; 13] = [
                0xB8, 0x00, 0x00, 0x8E, 0xD8, 0xF0, 0xFE, 0x06, 0x00, 0x70, 0xFA, 0xF4, 0xEB,
            ];
            for (i, b) in ap.iter().chain(&[0xFDu8]).enumerate() {
                a.mov(byte_ptr(TRAMPOLINE + i as u32), u32::from(*b))?;
            }
            a.mov(byte_ptr(COUNT), 0u32)?;
            // Unreal mode: FS with a 4 GiB limit.
            let gdt: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0];
            for (i, b) in gdt.iter().enumerate() {
                a.mov(byte_ptr(GDT + i as u32), u32::from(*b))?;
            }
            a.mov(word_ptr(GDTR), 0x0Fu32)?;
            a.mov(dword_ptr(GDTR + 2), GDT)?;
            a.cli()?;
            a.lgdt(word_ptr(GDTR))?;
            a.mov(eax, cr0)?;
            a.or(eax, 1)?;
            a.mov(cr0, eax)?;
            a.mov(bx, 0x08u32)?;
            a.mov(fs, bx)?;
            a.and(eax, !1u32 as i32)?;
            a.mov(cr0, eax)?;
            a.xor(bx, bx)?;
            a.mov(fs, bx)?;
            a.sti()?;
            // ICR: INIT, then SIPI twice, to all excluding self; a timer
            // tick (55 ms) between them.
            a.mov(edi, 0xFEE0_0300u32)?;
            for icr in [0x000C_4500u32, 0x000C_4608, 0x000C_4608] {
                a.mov(dword_ptr(edi).fs(), icr)?;
                a.hlt()?;
            }
            // Wait up to 36 ticks (2 s) for the count.
            a.mov(cx, 36u32)?;
            let mut wait = a.create_label();
            let mut done = a.create_label();
            a.set_label(&mut wait)?;
            a.cmp(byte_ptr(COUNT), (cpus - 1) as u32)?;
            a.jae(done)?;
            a.hlt()?;
            a.loop_(wait)?;
            a.set_label(&mut done)?;
            a.mov(al, byte_ptr(COUNT))?;
            a.out(0xF4, al)
        }),
        Opts {
            platform: pbios::platform::Platform::new(cpus, true),
            ..Opts::default()
        },
    );
    assert_eq!(run.exit, pbios::Exit::DebugExit(cpus - 1), "{}", run.trace);
}

#[test]
fn cmos_memory_size_and_rtc_and_pci() {
    // CMOS 34h/35h: RAM between 16 MiB and the top in 64 KiB blocks, as
    // SeaBIOS reads it (QEMU's CMOS on TCG, pbios's on KVM); status D says
    // the clock is valid; the seconds are BCD. CF8h reads back what was
    // written (configuration mechanism #1); 00:1F.0 has no device.
    let run = boot(&guest(|a| {
        for (i, reg) in [(0u64, 0x34u32), (1, 0x35), (2, 0x0D), (3, 0x00)] {
            a.mov(al, reg)?;
            a.out(0x70, al)?;
            a.in_(al, 0x71)?;
            a.xor(ah, ah)?;
            save(a, i, ax)?;
        }
        a.mov(dx, 0xCF8u32)?;
        a.mov(eax, 0x8000_F800u32)?;
        a.out(dx, eax)?;
        a.in_(eax, dx)?;
        a.mov(dword_ptr(slot(4)), eax)?;
        a.mov(dx, 0xCFCu32)?;
        a.in_(eax, dx)?;
        a.mov(dword_ptr(slot(6)), eax)
    }));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let blocks = run.word(0) | run.word(1) << 8;
    assert_eq!(blocks, (128 - 16) * 16, "64 KiB blocks above 16 MiB");
    assert_eq!(run.word(2) & 0x80, 0x80, "RTC valid");
    let s = run.word(3);
    assert!(s >> 4 < 6 && s & 0xF < 10, "BCD seconds: {s:#x}");
    assert_eq!(run.u32(slot(4)), 0x8000_F800, "CF8h latches the address");
    assert_eq!(run.u32(slot(6)), 0xFFFF_FFFF, "no device at 00:1F.0");
}

/// Where the guest copies the SMBIOS entry point and structure table.
const SMBIOS_EP_COPY: u32 = 0x3000;
const SMBIOS_TABLE_COPY: u32 = 0x4000;

#[test]
fn guest_finds_smbios_in_the_f_segment() {
    // As Linux's dmi_scan does: scan F0000h-FFFFFh on 16-byte boundaries for
    // "_SM_", then fetch the structure table the entry point names (near the
    // top of low RAM) with INT 15h AH=87h.
    let mut platform = pbios::platform::Platform::new(2, true);
    platform
        .system
        .set("manufacturer=ACME,product=Anvil 3000,serial=S-1")
        .unwrap();
    let run = boot_with(
        &guest(|a| {
            a.mov(ax, 0xF000u32)?;
            a.mov(es, ax)?;
            a.xor(di, di)?;
            a.mov(word_ptr(slot(0)), 0xFFFFu32)?;
            let mut scan = a.create_label();
            let mut found = a.create_label();
            let mut done = a.create_label();
            a.set_label(&mut scan)?;
            a.cmp(dword_ptr(di).es(), 0x5F4D_535Fu32)?; // "_SM_"
            a.je(found)?;
            a.add(di, 16u32)?;
            a.jnz(scan)?;
            a.jmp(done)?;
            a.set_label(&mut found)?;
            a.mov(word_ptr(slot(0)), di)?;
            // The entry point, copied from the ROM.
            a.push(ds)?;
            a.mov(si, di)?;
            a.mov(ax, 0xF000u32)?;
            a.mov(ds, ax)?;
            a.xor(ax, ax)?;
            a.mov(es, ax)?;
            a.mov(di, SMBIOS_EP_COPY)?;
            a.mov(cx, 32u32)?;
            a.rep().movsb()?;
            a.pop(ds)?;
            // The table, from the address the entry point gives, 4 KiB.
            a.mov(eax, dword_ptr(SMBIOS_EP_COPY + 0x18))?;
            block_move_eax(a, EaxIs::Source, SMBIOS_TABLE_COPY, 2048)?;
            a.set_label(&mut done)?;
            Ok(())
        }),
        Opts {
            platform,
            ..Opts::default()
        },
    );
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    assert_eq!(
        run.word(0),
        pbios::abi::rom::SMBIOS_SLOT,
        "the entry point's place"
    );
    let ep = run.bytes(u64::from(SMBIOS_EP_COPY), 32);
    let sum = |b: &[u8]| b.iter().fold(0u8, |s, x| s.wrapping_add(*x));
    assert_eq!((&ep[..4], ep[5], ep[6], ep[7]), (&b"_SM_"[..], 0x1F, 2, 8));
    assert_eq!(sum(&ep[..0x1F]), 0, "entry point checksum");
    assert_eq!(&ep[0x10..0x15], b"_DMI_");
    assert_eq!(sum(&ep[0x10..0x1F]), 0, "intermediate checksum");
    let len = usize::from(u16::from_le_bytes([ep[0x16], ep[0x17]]));
    let count = u16::from_le_bytes([ep[0x1C], ep[0x1D]]);
    assert!(len < 4096, "{len}");
    let t = run.bytes(u64::from(SMBIOS_TABLE_COPY), len);
    // Walk the structures: type, length, handle, then strings to a double NUL.
    let (mut at, mut seen) = (0, Vec::new());
    let mut strings_of = std::collections::HashMap::new();
    while at + 4 <= len {
        let (kind, flen) = (t[at], usize::from(t[at + 1]));
        let end = (at + flen..len - 1)
            .find(|&i| t[i] == 0 && t[i + 1] == 0)
            .expect("double NUL");
        let strs: Vec<String> = t[at + flen..end]
            .split(|&c| c == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        strings_of.entry(kind).or_insert(strs);
        seen.push(kind);
        at = end + 2;
    }
    assert_eq!(at, len, "the structures fill the table's length");
    assert_eq!(seen.len(), usize::from(count));
    assert_eq!(seen, [0, 1, 3, 4, 4, 16, 17, 19, 19, 32, 127]);
    assert_eq!(strings_of[&0][0], "pbios");
    assert_eq!(
        strings_of[&1][..2],
        ["ACME".to_string(), "Anvil 3000".to_string()]
    );
    assert!(strings_of[&1].contains(&"S-1".to_string()));
}

#[test]
fn pci_bios_finds_the_machines_devices() {
    // INT 1Ah AH=B1h, the 16-bit PCI BIOS: the installation check, finding
    // QEMU's i440FX host bridge by ID and its PIIX ISA bridge by class,
    // reading their configuration space, and the errors.
    let run = boot(&guest(|a| {
        let pci = |a: &mut CodeAssembler, ax_in: u32| -> Result<(), IcedError> {
            a.mov(ax, ax_in)?;
            a.int(0x1A)
        };
        a.xor(edi, edi)?;
        pci(a, 0xB101)?;
        save_flags(a, 0)?;
        save(a, 1, ax)?;
        save(a, 2, bx)?;
        save(a, 3, cx)?;
        save(a, 4, dx)?;
        a.shr(edx, 16u32)?;
        save(a, 5, dx)?;
        a.mov(eax, edi)?;
        save(a, 6, ax)?;
        a.shr(eax, 16u32)?;
        save(a, 7, ax)?;
        // B102h: 8086:1237 (i440FX), index 0.
        a.mov(cx, 0x1237u32)?;
        a.mov(dx, 0x8086u32)?;
        a.xor(si, si)?;
        a.mov(bx, 0xFFFFu32)?;
        pci(a, 0xB102)?;
        save_flags(a, 8)?;
        save(a, 9, ax)?;
        save(a, 10, bx)?;
        // B103h: class 060100h (PCI-to-ISA bridge), index 0.
        a.mov(ecx, 0x0006_0100u32)?;
        a.xor(si, si)?;
        a.mov(bx, 0xFFFFu32)?;
        pci(a, 0xB103)?;
        save_flags(a, 11)?;
        save(a, 12, ax)?;
        save(a, 13, bx)?;
        // B10Ah: dword 0 of the bridge found (BX kept), B108h byte 0Bh (class).
        a.mov(di, 0u32)?;
        pci(a, 0xB10A)?;
        save_flags(a, 14)?;
        save(a, 15, cx)?;
        a.shr(ecx, 16u32)?;
        save(a, 16, cx)?;
        a.mov(di, 0x0Bu32)?;
        pci(a, 0xB108)?;
        save(a, 17, cx)?;
        // B109h at an odd register: 87h; B102h with vendor FFFFh: 83h;
        // an unknown function: 81h.
        a.mov(di, 1u32)?;
        pci(a, 0xB109)?;
        save_flags(a, 18)?;
        save(a, 19, ax)?;
        a.mov(dx, 0xFFFFu32)?;
        pci(a, 0xB102)?;
        save_flags(a, 20)?;
        save(a, 21, ax)?;
        pci(a, 0xB1FF)?;
        save_flags(a, 22)?;
        save(a, 23, ax)?;
        // B102h for a device that is not there: 86h.
        a.mov(cx, 0xBEEFu32)?;
        a.mov(dx, 0x1234u32)?;
        a.xor(si, si)?;
        pci(a, 0xB102)?;
        save_flags(a, 24)?;
        save(a, 25, ax)?;
        // B10Eh: the routing options into a buffer of 100h bytes at 0:3000h.
        a.mov(word_ptr(0x2000u32), 0x100u32)?;
        a.mov(word_ptr(0x2002u32), 0x3000u32)?;
        a.mov(word_ptr(0x2004u32), 0u32)?;
        a.xor(bx, bx)?;
        a.mov(es, bx)?;
        a.mov(di, 0x2000u32)?;
        a.mov(bx, 0xFFFFu32)?;
        pci(a, 0xB10E)?;
        save_flags(a, 26)?;
        save(a, 27, ax)?;
        a.mov(ax, word_ptr(0x2000u32))?;
        save(a, 28, ax)?;
        save(a, 29, bx)?;
        Ok(())
    }));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let cf = |i| run.word(i) & 1 != 0;
    // B101h: present (AH=0), mechanism 1, version 2.10, last bus 0, 'PCI ',
    // EDI = the 32-bit entry, in the ROM.
    assert!(!cf(0));
    assert_eq!(
        (run.word(1), run.word(2), run.word(3) & 0xFF),
        (0x0001, 0x0210, 0)
    );
    assert_eq!((run.word(4), run.word(5)), (0x4350, 0x2049), "EDX='PCI '");
    let entry = u32::from(run.word(7)) << 16 | u32::from(run.word(6));
    assert!((0xF_0000..0x10_0000).contains(&entry), "{entry:#x}");
    assert!(cf(18) && run.word(19) >> 8 == 0x87, "bad register number");
    assert!(cf(20) && run.word(21) >> 8 == 0x83, "bad vendor ID");
    assert!(
        cf(22) && run.word(23) >> 8 == 0x81,
        "function not supported"
    );
    assert!(cf(24) && run.word(25) >> 8 == 0x86, "device not found");
    assert_eq!(
        (cf(26), run.word(27) >> 8, run.word(28), run.word(29)),
        (false, 0, 0, 0),
        "no routing entries"
    );
    match run.machine.accel() {
        // QEMU's pc: the i440FX at 00:00.0, the PIIX3 ISA bridge at 00:01.0.
        pbios::Accel::Tcg => {
            assert_eq!(
                (cf(8), run.word(9) >> 8, run.word(10)),
                (false, 0, 0x0000),
                "i440FX"
            );
            assert_eq!(
                (cf(11), run.word(12) >> 8, run.word(13)),
                (false, 0, 0x0008),
                "PIIX3 at 00:01.0"
            );
            assert_eq!(
                (cf(14), run.word(15), run.word(16)),
                (false, 0x8086, 0x7000),
                "PIIX3's IDs"
            );
            assert_eq!(run.word(17) & 0xFF, 0x06, "base class: bridge");
        }
        // pbios's KVM machine has a configuration space with nothing in it.
        _ => {
            assert!(cf(8) && run.word(9) >> 8 == 0x86, "no host bridge on KVM");
            assert!(cf(11) && run.word(12) >> 8 == 0x86);
        }
    }
}

#[test]
fn bios32_directory_hands_out_the_32_bit_pci_bios() {
    // As a 32-bit kernel does: scan E0000h-FFFFFh for "_32_", far-call the
    // directory's entry for "$PCI", then far-call that service (B101h,
    // B102h, B10Ah) from flat protected mode.
    const GDT: u32 = 0x6100;
    const GDTR: u32 = 0x60F0;
    const FAR: u32 = 0x6000;
    let assemble = |pm_entry: u32| -> (Vec<u8>, u32) {
        let mut a = CodeAssembler::new(16).unwrap();
        (|| -> Result<(), IcedError> {
            a.cli()?;
            a.xor(ax, ax)?;
            a.mov(ds, ax)?;
            a.mov(ss, ax)?;
            a.mov(sp, 0x7C00u32)?;
            // GDT: null, flat 32-bit code (08h), flat 32-bit data (10h).
            let gdt: [u8; 24] = [
                0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0, 0xFF, 0xFF, 0, 0, 0,
                0x92, 0xCF, 0,
            ];
            for (i, b) in gdt.iter().enumerate() {
                a.mov(byte_ptr(GDT + i as u32), u32::from(*b))?;
            }
            a.mov(word_ptr(GDTR), 0x17u32)?;
            a.mov(dword_ptr(GDTR + 2), GDT)?;
            enter_protected_mode(&mut a, GDTR, 0x08, pm_entry)
        })()
        .unwrap();
        let mut b = CodeAssembler::new(32).unwrap();
        (|| -> Result<(), IcedError> {
            b.mov(ax, 0x10u32)?;
            b.mov(ds, ax)?;
            b.mov(es, ax)?;
            b.mov(ss, ax)?;
            b.mov(esp, 0x7B00u32)?;
            let slot32 = |i: u64| slot(i) as u32;
            let mut scan = b.create_label();
            let mut found = b.create_label();
            let mut end = b.create_label();
            b.mov(esi, 0xE_0000u32)?;
            b.set_label(&mut scan)?;
            b.cmp(dword_ptr(esi), 0x5F32_335Fu32)?; // "_32_"
            b.je(found)?;
            b.add(esi, 16u32)?;
            b.cmp(esi, 0x10_0000u32)?;
            b.jb(scan)?;
            b.jmp(end)?;
            b.set_label(&mut found)?;
            b.mov(dword_ptr(slot32(0)), esi)?;
            b.mov(eax, dword_ptr(esi + 4))?;
            b.mov(dword_ptr(FAR), eax)?;
            b.mov(word_ptr(FAR + 4), 0x08u32)?;
            b.mov(eax, 0x4943_5024u32)?; // "$PCI"
            b.xor(ebx, ebx)?;
            b.call(fword_ptr(FAR))?;
            b.mov(byte_ptr(slot32(2)), al)?;
            b.mov(dword_ptr(slot32(3)), ebx)?;
            b.mov(dword_ptr(slot32(5)), ecx)?;
            b.mov(dword_ptr(slot32(7)), edx)?;
            b.add(ebx, edx)?;
            b.mov(dword_ptr(FAR + 8), ebx)?;
            b.mov(word_ptr(FAR + 12), 0x08u32)?;
            let call =
                |b: &mut CodeAssembler, ax_in: u32, flags_slot: u64| -> Result<(), IcedError> {
                    b.mov(ax, ax_in)?;
                    b.call(fword_ptr(FAR + 8))?;
                    b.pushfd()?;
                    b.pop(dword_ptr(slot32(flags_slot)))?;
                    b.mov(word_ptr(slot32(flags_slot + 1)), ax)
                };
            call(&mut b, 0xB101, 9)?; // 9-10
            b.mov(dword_ptr(slot32(11)), edx)?;
            b.mov(cx, 0x1237u32)?;
            b.mov(dx, 0x8086u32)?;
            b.xor(esi, esi)?;
            b.mov(ebx, 0xFFFFu32)?;
            call(&mut b, 0xB102, 13)?; // 13-14
            b.mov(word_ptr(slot32(15)), bx)?;
            b.xor(edi, edi)?;
            call(&mut b, 0xB10A, 16)?; // 16-17
            b.mov(dword_ptr(slot32(18)), ecx)?;
            // A service the directory does not have: AL=80h.
            b.mov(eax, 0x5858_5858u32)?;
            b.call(fword_ptr(FAR))?;
            b.mov(byte_ptr(slot32(20)), al)?;
            b.set_label(&mut end)?;
            b.mov(al, 0u32)?;
            b.out(0xF4, al)?;
            let mut spin = b.create_label();
            b.set_label(&mut spin)?;
            b.hlt()?;
            b.jmp(spin)
        })()
        .unwrap();
        let mut code = a.assemble(0x7C00).unwrap();
        let entry = 0x7C00 + code.len() as u32;
        code.extend(b.assemble(u64::from(entry)).unwrap());
        (code, entry)
    };
    let code = with_stable_entry(assemble);
    let run = boot(&boot_sector(&code));
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{}", run.trace);
    let dword = |i: u64| u32::from(run.word(i + 1)) << 16 | u32::from(run.word(i));
    assert_eq!(
        dword(0),
        0xF_0000 + u32::from(pbios::abi::rom::BIOS32_DIRECTORY),
        "the directory"
    );
    assert_eq!(run.word(2) & 0xFF, 0, "$PCI is there");
    assert_eq!(
        (dword(3), dword(5)),
        (0xF_0000, 0x1_0000),
        "base and length: the ROM"
    );
    assert!(dword(7) < 0x1_0000, "the entry's offset");
    assert_eq!((run.word(9) & 1, run.word(10)), (0, 0x0001), "B101h");
    assert_eq!(dword(11), 0x2049_4350, "EDX='PCI '");
    assert_eq!(run.word(20) & 0xFF, 0x80, "an unknown service");
    match run.machine.accel() {
        pbios::Accel::Tcg => {
            assert_eq!(
                (run.word(13) & 1, run.word(14) >> 8, run.word(15)),
                (0, 0, 0),
                "i440FX at 00:00.0"
            );
            assert_eq!(dword(18), 0x1237_8086, "its IDs");
        }
        _ => assert_eq!(
            (run.word(13) & 1, run.word(14) >> 8),
            (1, 0x86),
            "no devices on KVM"
        ),
    }
}

#[test]
fn apm_protected_mode_interfaces_answer_and_power_off() {
    // As an APM driver does: connect both protected-mode interfaces in real
    // mode (5302h, 5303h), make segments on the ROM from what they say,
    // call the 16-bit entry from 16-bit protected mode (530Ah) and the
    // 32-bit one from 32-bit (530Eh, 5310h, then 5307h off).
    const GDT: u32 = 0x6100;
    const GDTR: u32 = 0x60F0;
    // GDT: null; flat 32-bit code 08h and data 10h; on the ROM (base
    // F0000h, 64 KiB) 32-bit code 18h, 16-bit code 20h, data 28h; 16-bit
    // code 30h and data 38h at 0.
    let gdt_bytes = || -> Vec<u8> {
        let gdt: [[u8; 8]; 8] = [
            [0; 8],
            [0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0],
            [0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0],
            [0xFF, 0xFF, 0, 0, 0x0F, 0x9A, 0x40, 0],
            [0xFF, 0xFF, 0, 0, 0x0F, 0x9A, 0x00, 0],
            [0xFF, 0xFF, 0, 0, 0x0F, 0x92, 0x00, 0],
            [0xFF, 0xFF, 0, 0, 0, 0x9A, 0x00, 0],
            [0xFF, 0xFF, 0, 0, 0, 0x92, 0x00, 0],
        ];
        gdt.concat()
    };
    let assemble = |pm16: u32, pm32: u32, table_at: u32| -> (Vec<u8>, u32, u32, u32) {
        let mut a = CodeAssembler::new(16).unwrap();
        let mut b = CodeAssembler::new(32).unwrap();
        (|| -> Result<(), IcedError> {
            a.cli()?;
            a.xor(ax, ax)?;
            a.mov(ds, ax)?;
            a.mov(ss, ax)?;
            a.mov(sp, 0x7C00u32)?;
            a.mov(ax, 0x5302u32)?;
            a.xor(bx, bx)?;
            a.int(0x15)?;
            save_flags(&mut a, 0)?;
            save(&mut a, 1, ax)?;
            a.mov(word_ptr(0x6010u32), bx)?;
            a.mov(word_ptr(0x6012u32), 0x20u32)?;
            a.mov(ax, 0x5303u32)?;
            a.xor(bx, bx)?;
            a.int(0x15)?;
            save_flags(&mut a, 2)?;
            save(&mut a, 3, ax)?;
            a.mov(dword_ptr(0x6000u32), ebx)?;
            a.mov(word_ptr(0x6004u32), 0x18u32)?;
            // GDT: null; flat 32-bit code 08h and data 10h; on the ROM
            // (base F0000h, 64 KiB) 32-bit code 18h, 16-bit code 20h, data
            // 28h; 16-bit code 30h and data 38h at 0.
            // Copied from the table after this code (one rep movsb).
            a.mov(si, table_at)?;
            a.mov(di, GDT)?;
            a.mov(cx, 64u32)?;
            a.xor(ax, ax)?;
            a.mov(es, ax)?;
            a.cld()?;
            a.rep().movsb()?;
            a.mov(word_ptr(GDTR), 0x3Fu32)?;
            a.mov(dword_ptr(GDTR + 2), GDT)?;
            enter_protected_mode(&mut a, GDTR, 0x30, pm16)?;
            Ok(())
        })()
        .unwrap();
        let real = a.assemble(0x7C00).unwrap();
        let pm16_at = 0x7C00 + real.len() as u32;
        // 16-bit protected mode: the 16-bit entry, far-called (m16:16).
        let mut c = CodeAssembler::new(16).unwrap();
        (|| -> Result<(), IcedError> {
            c.mov(ax, 0x38u32)?;
            c.mov(ds, ax)?;
            c.mov(ss, ax)?;
            c.mov(ax, 0x530Au32)?;
            c.mov(bx, 0x0001u32)?;
            c.db(&[0xFF, 0x1E, 0x10, 0x60])?; // call far [6010h]
            save_flags(&mut c, 4)?;
            save(&mut c, 5, bx)?;
            save(&mut c, 6, cx)?;
            c.jmp_far(0x08, pm32)
        })()
        .unwrap();
        let p16 = c.assemble(u64::from(pm16_at)).unwrap();
        let pm32_at = pm16_at + p16.len() as u32;
        (|| -> Result<(), IcedError> {
            b.mov(ax, 0x10u32)?;
            b.mov(ds, ax)?;
            b.mov(ss, ax)?;
            b.mov(esp, 0x7B00u32)?;
            let slot32 = |i: u64| slot(i) as u32;
            let call = |b: &mut CodeAssembler, ax_in: u32, i: u64| -> Result<(), IcedError> {
                b.mov(ax, ax_in)?;
                b.call(fword_ptr(0x6000u32))?;
                b.pushfd()?;
                b.pop(dword_ptr(slot32(i)))?;
                b.mov(word_ptr(slot32(i + 1)), ax)
            };
            b.mov(cx, 0x0102u32)?;
            call(&mut b, 0x530E, 7)?; // 7-8
            call(&mut b, 0x530B, 9)?; // 9-10: no event
            call(&mut b, 0x5310, 11)?; // 11-12
            b.mov(bx, 0x0001u32)?;
            b.mov(cx, 0x0003u32)?;
            call(&mut b, 0x5307, 13)?; // off: the run ends here
                                       // QEMU takes a power-off request a little later: wait for it
                                       // (as an OS does), then give up with 55h.
            let mut wait = b.create_label();
            b.mov(ecx, 200_000_000u32)?;
            b.set_label(&mut wait)?;
            b.dec(ecx)?;
            b.jnz(wait)?;
            b.mov(al, 0x55u32)?;
            b.out(0xF4, al)?;
            let mut spin = b.create_label();
            b.set_label(&mut spin)?;
            b.hlt()?;
            b.jmp(spin)
        })()
        .unwrap();
        let p32 = b.assemble(u64::from(pm32_at)).unwrap();
        let mut code = real;
        code.extend(p16);
        code.extend(p32);
        let table = 0x7C00 + code.len() as u32;
        code.extend(gdt_bytes());
        (code, pm16_at, pm32_at, table)
    };
    let mut at = (0x7C00, 0x7C00, 0x7C00);
    let code = loop {
        let (code, p16, p32, table) = assemble(at.0, at.1, at.2);
        if (p16, p32, table) == at {
            break code;
        }
        at = (p16, p32, table);
    };
    let run = boot(&boot_sector(&code));
    assert!(
        matches!(run.exit, pbios::Exit::PowerOff(_)),
        "{:?}\n{}",
        run.exit,
        run.trace
    );
    let cf = |i| run.word(i) & 1 != 0;
    assert_eq!((cf(0), run.word(1)), (false, 0xF000), "5302h");
    assert_eq!((cf(2), run.word(3)), (false, 0xF000), "5303h");
    assert_eq!(
        (cf(4), run.word(5), run.word(6)),
        (false, 0x01FF, 0x80FF),
        "530Ah through the 16-bit entry"
    );
    assert_eq!(
        (cf(7), run.word(8)),
        (false, 0x0102),
        "530Eh through the 32-bit entry"
    );
    assert!(cf(9) && run.word(10) >> 8 == 0x80, "530Bh: no event");
    assert!(!cf(11), "5310h");
}
