//! Power-on self test, in 32-bit flat protected mode.

use crate::io::{cpuid, fill32, inl, outb, outl, peek32, poke16, poke32, poke8, rdmsr, trap};
use abi::bda;
use abi::config::HostConfig;
use abi::ivt::{rom_vector, RomVector, PIC1_BASE, PIC2_BASE};

extern "C" {
    static irq0_timer: u8;
    static irq_master: u8;
    static irq_slave: u8;
    static dummy_iret: u8;
    static diskette_params: u8;
}

/// Offset within the F000h segment of a ROM symbol.
fn rom_offset(sym: *const u8) -> u16 {
    (sym as u32).wrapping_sub(abi::ROM_BASE) as u16
}

/// Far pointer (segment:offset, as stored in the IVT) to a ROM offset.
fn far_rom(offset: u16) -> u32 {
    (u32::from(abi::ROM_SEGMENT) << 16) | u32::from(offset)
}

/// Called from the POST entry with a stack at [`abi::POST_STACK_TOP`].
#[no_mangle]
pub extern "C" fn pbios_post() {
    let mut buf = [0u8; HostConfig::SIZE];
    let cfg = if trap(
        abi::svc::GET_CONFIG,
        buf.as_mut_ptr() as u32,
        buf.len() as u32,
    ) == 0
    {
        HostConfig::decode(&buf)
    } else {
        // The host did not answer: a bare PC with 639 KiB and a 1 KiB EBDA.
        HostConfig {
            base_mem_kib: 639,
            ebda_segment: (abi::layout::EBDA_BASE >> 4) as u16,
            ebda_kib: abi::layout::EBDA_KIB,
            equipment: 0x0020,
            ..HostConfig::default()
        }
    };
    // Before the rest: the VGA window must be RAM before the screen is
    // blanked, and both backends leave POST with the same registers.
    if cfg.flags & abi::config::FLAG_PIIX4_PM != 0 {
        init_acpi_pm();
        open_vga_window();
        init_vga();
    }
    init_ivt();
    init_bda(&cfg);
    init_ebda(&cfg);
    init_pic();
    init_pit();
    init_lapic();
    trap(abi::svc::POST_DONE, 0, 0);
}

/// The vectors that do not point at their own stub-table slot (IRQ
/// handlers, data pointers, compatibility entry points), found at compile
/// time so POST visits only these after one pass over the table.
const SPECIAL: ([u8; 256], usize) = {
    let mut list = [0u8; 256];
    let mut n = 0;
    let mut v = 0;
    while v < 256 {
        let vector = v as u8;
        let slot = matches!(rom_vector(vector), RomVector::Stub)
            && abi::stub_offset(vector) == abi::table_stub_offset(vector);
        if !slot {
            list[n] = vector;
            n += 1;
        }
        v += 1;
    }
    (list, n)
};

/// Fills all 256 vectors from [`abi::ivt::rom_vector`].
fn init_ivt() {
    // Only the addresses of the linker-placed ROM symbols are taken.
    let (timer, master, slave, iret, fdpt) = (
        rom_offset(&raw const irq0_timer),
        rom_offset(&raw const irq_master),
        rom_offset(&raw const irq_slave),
        rom_offset(&raw const dummy_iret),
        rom_offset(&raw const diskette_params),
    );
    // Every vector's stub-table slot first: the slots are evenly spaced.
    let mut entry = far_rom(abi::table_stub_offset(0));
    let mut v: u32 = 0;
    while v < 256 {
        poke32(v * 4, entry);
        entry += u32::from(abi::STUB_STRIDE);
        v += 1;
    }
    let (list, n) = SPECIAL;
    let mut i = 0;
    while i < n {
        let vector = list[i];
        let entry = match rom_vector(vector) {
            RomVector::Stub => far_rom(abi::stub_offset(vector)),
            RomVector::Nmi => far_rom(abi::rom::NMI),
            RomVector::TimerIrq => far_rom(timer),
            RomVector::MasterIrq => far_rom(master),
            RomVector::SlaveIrq => far_rom(slave),
            RomVector::Iret => far_rom(iret),
            RomVector::DisketteParams => far_rom(fdpt),
            RomVector::Null => 0,
            RomVector::FontHigh => far_rom(abi::rom::FONT_8X8_HIGH),
            RomVector::Font => far_rom(abi::rom::FONT_8X16),
        };
        poke32(u32::from(vector) * 4, entry);
        i += 1;
    }
}

fn bda8(off: u16, v: u8) {
    poke8(bda::addr(off), v)
}

fn bda16(off: u16, v: u16) {
    poke16(bda::addr(off), v)
}

/// The BIOS Data Area, as SeaBIOS leaves it for an 80x25 colour text mode.
fn init_bda(cfg: &HostConfig) {
    fill32(bda::BASE, 0, 0x100 / 4);
    for (i, port) in cfg.com_ports.iter().enumerate() {
        bda16(bda::COM_PORTS + 2 * i as u16, *port);
        if *port != 0 {
            // About half a second, as SeaBIOS.
            bda8(bda::SERIAL_TIMEOUTS + i as u16, 0x0A);
        }
    }
    bda16(bda::EBDA_SEGMENT, cfg.ebda_segment);
    bda16(bda::EQUIPMENT, cfg.equipment);
    bda16(bda::MEM_SIZE_KIB, cfg.base_mem_kib);
    bda16(bda::KBD_HEAD, bda::KBD_BUFFER);
    bda16(bda::KBD_TAIL, bda::KBD_BUFFER);
    bda16(bda::KBD_BUF_START, bda::KBD_BUFFER);
    bda16(bda::KBD_BUF_END, bda::KBD_BUFFER_END);
    bda8(bda::KBD_MODE, 0x10);
    poke32(
        bda::addr(bda::TIMER_COUNTER),
        cfg.ticks_since_midnight % bda::TICKS_PER_DAY,
    );
    bda8(bda::HD_COUNT, cfg.hd_count);
    // Video: mode 03h, 80x25, colour, page 0 (SeaBIOS's values after a
    // mode set; INT 10h AH=00h writes the same fields).
    for f in bda::TextModeState::MODE3.fields(false) {
        match f {
            bda::Field::Byte(off, v) => bda8(off, v),
            bda::Field::Word(off, v) => bda16(off, v),
        }
    }
    bda8(bda::MODESET_CTL, 0x51);
    // A blank 80x25 screen: space on light grey.
    fill32(VGA_TEXT, 0x0720_0720, 80 * 25 * 2 / 4);
}

/// Colour text-mode video memory.
const VGA_TEXT: u32 = abi::layout::VGA_TEXT_BASE as u32;

/// The EBDA: zeroed, its first byte its size in KiB.
fn init_ebda(cfg: &HostConfig) {
    let base = u32::from(cfg.ebda_segment) << 4;
    let size = u32::from(cfg.ebda_kib) * 1024;
    if base == 0 || size == 0 {
        return;
    }
    fill32(base, 0, size / 4);
    poke8(base, cfg.ebda_kib as u8);
}

/// Both 8259s: edge triggered, cascaded, vectors 08h and 70h, all IRQs masked
/// but the timer (IRQ 0) and the cascade (IRQ 2).
fn init_pic() {
    outb(0x20, 0x11); // ICW1: edge, cascade, ICW4 follows
    outb(0xA0, 0x11);
    outb(0x21, PIC1_BASE); // ICW2: vector base
    outb(0xA1, PIC2_BASE);
    outb(0x21, 0x04); // ICW3: slave on IRQ 2
    outb(0xA1, 0x02); // ICW3: slave identity
    outb(0x21, 0x01); // ICW4: 8086 mode
    outb(0xA1, 0x01);
    outb(0x21, !0x05); // OCW1: unmask IRQ 0 and 2
    outb(0xA1, 0xFF);
}

/// The boot CPU's local APIC in virtual wire mode: enabled, LINT0 taking
/// the 8259's interrupts (ExtINT), LINT1 as NMI. Some hypervisors leave
/// LINT0 masked after reset (QEMU does), and then no timer tick arrives.
fn init_lapic() {
    use abi::lapic::*;
    if cpuid(1).3 & CPUID_APIC == 0 {
        return;
    }
    let base = (rdmsr(BASE_MSR) & BASE_MASK) as u32;
    poke32(base + SVR, peek32(base + SVR) | SVR_ENABLE);
    poke32(base + LVT_LINT0, LINT0_EXTINT);
    poke32(base + LVT_LINT1, LINT1_NMI);
}

/// On QEMU's `pc` machine (the TCG backend, which says so in the host
/// configuration), turns on the PIIX4's power management registers at
/// [`abi::ACPI_PM_BASE`], where the FADT says they are, so an OS can power
/// off through ACPI (as SeaBIOS does). If 00:01.3 is not a PIIX4 PM,
/// nothing is written.
fn init_acpi_pm() {
    use abi::pci::*;
    let cfg = |reg| address(PIIX4_PM_DEV, PIIX4_PM_FUNC, reg);
    outl(CONFIG_ADDRESS, cfg(0));
    if inl(CONFIG_DATA) != PIIX4_PM_ID {
        return;
    }
    outl(CONFIG_ADDRESS, cfg(PIIX4_PMBA));
    outl(CONFIG_DATA, u32::from(abi::ACPI_PM_BASE) | 1);
    outl(CONFIG_ADDRESS, cfg(PIIX4_PMREGMISC));
    outl(CONFIG_DATA, inl(CONFIG_DATA) | 1);
}

/// On QEMU's `pc` machine, opens the i440FX's SMRAM window (D_OPEN) so
/// that A0000h-BFFFFh is the RAM behind it for the CPU, not the ISA VGA's
/// memory (pbios's QEMU has that VGA for its registers only): the host
/// reads the screen from that RAM, as on KVM. If 00:00.0 is not an i440FX,
/// nothing is written.
fn open_vga_window() {
    use abi::pci::*;
    let cfg = |reg| address(0, 0, reg);
    outl(CONFIG_ADDRESS, cfg(0));
    if inl(CONFIG_DATA) != I440FX_ID {
        return;
    }
    let shift = 8 * u32::from(I440FX_SMRAM & 3);
    outl(CONFIG_ADDRESS, cfg(I440FX_SMRAM));
    let v = inl(CONFIG_DATA);
    outl(CONFIG_DATA, v | (u32::from(SMRAM_D_OPEN) << shift));
}

/// QEMU's VGA's miscellaneous output register (3C2h): the CRTC at 3D4h,
/// as for mode 03h (a VGA resets with it at 3B4h, where colour text
/// programs do not look). pbios's own registers (KVM) start so.
fn init_vga() {
    outb(0x3C2, 0x67);
}

/// 8254 channel 0: mode 3 (square wave), divisor 65536, so IRQ 0 fires at
/// 1193182 / 65536 = 18.2 Hz.
fn init_pit() {
    outb(0x43, 0x36);
    outb(0x40, 0x00);
    outb(0x40, 0x00);
}
