//! The ROM's assembly: header, trap stubs, 16-bit runtime, POST entry and
//! mode switches, reset vector. Sections are placed by `linker/pbios.ld`.

use crate::io::TRAP;
use abi::{header, rom, TrapKind};
use core::arch::global_asm;

// ROM header (abi::header).
global_asm!(
    ".section .rom.header, \"a\"",
    ".ascii \"PBIOSROM\"",
    ".word {abi_version}",
    ".word {header_size}",
    ".long {rom_size}",
    ".long stub_table",
    ".word {stride}",
    ".word {count}",
    ".byte {trap_kind}",
    ".byte {trap_port}",
    ".word bios_wait - rt16_start + {rt16}",
    ".long private_trap",
    ".long trap_entry",
    ".word mailbox_entry - rt16_start + {rt16}",
    ".word pci16_offset", // pci16 - F0000h (the linker script)
    abi_version = const abi::ABI_VERSION,
    header_size = const header::HEADER_SIZE,
    rom_size = const abi::ROM_SIZE,
    stride = const abi::STUB_STRIDE,
    count = const abi::STUB_COUNT,
    trap_kind = const TRAP as u8,
    trap_port = const abi::TRAP_PORT,
    rt16 = const rom::RUNTIME16,
    options(att_syntax)
);

// The SMBIOS entry points' slot: zeros here, filled in by the host in the
// copy of the ROM it maps (abi::rom::SMBIOS_SLOT).
global_asm!(
    ".section .rom.smbios, \"a\"",
    ".globl smbios_slot",
    "smbios_slot:",
    ".fill {size}, 1, 0",
    size = const abi::rom::SMBIOS_SLOT_SIZE,
    options(att_syntax)
);

// One stub per vector: a near call of the trap entry. The host decodes the
// vector from the return address the call pushed, pops it, and resumes at
// the entry's IRET with the caller's frame where an INT left it.
global_asm!(
    ".section .rom.stubs, \"ax\"",
    ".code16",
    ".globl stub_table",
    "stub_table:",
    ".rept 256",
    "call trap_entry",
    ".balign {stride}, 0x90",
    ".endr",
    ".code32",
    stride = const abi::STUB_STRIDE,
    options(att_syntax)
);

// The 16-bit runtime.
global_asm!(
    // The trap instruction this ROM is built with (abi::TrapKind), as a
    // macro for the trap entry and the private-service trap below (defined
    // in the block that uses it: rustc orders global_asm! blocks freely).
    ".macro pbios_trap",
    ".if {kind} == {out}",
    ".byte 0xE6, {port}", // out imm8, al
    ".elseif {kind} == {vmcall}",
    ".byte 0x0F, 0x01, 0xC1", // vmcall
    ".else",
    ".byte 0x0F, 0x01, 0xD9", // vmmcall
    ".endif",
    ".endm",
    ".section .rom.rt16, \"ax\"",
    ".code16",
    "rt16_start:",
    // The trap entry (F000:0040), the one trap site of every BIOS call: the
    // stubs call it. The host serves the call with the stub's return
    // address popped, so this IRET pops the caller's frame; for results in
    // CF/ZF the host edits the FLAGS image it pops (or, in real mode,
    // returns to the caller itself). A backend without cheap exits jumps
    // from here to the mailbox instead.
    ".globl trap_entry",
    "trap_entry:",
    "pbios_trap",
    ".byte 0xCF", // iret
    // The mailbox: a BIOS call without stopping the CPU, for a backend
    // whose trap entry jumps here (the TCG backend writes that jump into
    // its copy of the ROM). The caller's registers go on its own stack, the
    // host learns SS:SP through four bytes on the trap port (a debug
    // console there), serves the call from them, writes the answer back
    // and sets the flag this loop waits for. Layout from SS:SP:
    // abi::mailbox. Real and virtual-8086 mode alike (nothing here is
    // IOPL-sensitive but the OUTs, which a V86 monitor that lets BIOS code
    // reach its ports allows).
    ".globl mailbox_entry",
    "mailbox_entry:",
    // No interrupt until the answer is in (a far call with IF=1 gets here
    // with interrupts on): the IRET at the end restores the caller's IF.
    "cli",
    "subw $6, %sp",      // room for an IRET frame just below the stub's return
    "pushw $0",          // the mode, then where the host puts the IRET frame
    "pushw $0",          // the flag the host sets when the answer is in
    "pushal",
    "pushw %ds",
    "pushw %es",
    "pushw %fs",
    "pushw %gs",
    "movw %sp, %bp",
    "smsw %ax",
    "andw $1, %ax",      // CR0.PE: set in virtual-8086 mode
    "movw %ax, {frame}(%bp)",
    "movw %sp, %ax",
    "outb %al, ${port}",
    "movb %ah, %al",
    "outb %al, ${port}",
    "movw %ss, %ax",
    "outb %al, ${port}",
    "movb %ah, %al",
    "outb %al, ${port}",
    "1:",
    "pause",
    "cmpw $0, {flag}(%bp)",
    "je 1b",
    // Flag 2: the host wrote guest memory where code may have run (a disk
    // read); copying the bytes onto themselves makes the CPU see them as
    // stores, so an emulator drops translations they replace. The range
    // is in the room slots: segment, offset, length.
    "cmpw $2, {flag}(%bp)",
    "jne 2f",
    "movw {room}(%bp), %ax",
    "movw %ax, %ds",
    "movw %ax, %es",
    "movw {room}+2(%bp), %si",
    "movw %si, %di",
    "movw {room}+4(%bp), %cx",
    "cld",
    "rep movsb",
    "2:",
    "popw %gs",
    "popw %fs",
    "popw %es",
    "popw %ds",
    "popal",
    "addw $2, %sp", // the flag
    "popw %sp",     // the IRET frame's address, in the same SS
    "iretw",
    // Wait helper. A service with nothing to return yet (a key wait) makes the
    // host push the stub's address and point IP here: the guest sleeps with
    // interrupts on until the next IRQ (so the timer keeps ticking), then
    // returns into the stub, which calls the trap entry again.
    ".globl bios_wait",
    "bios_wait:",
    "sti",
    "hlt",
    "cli",
    "retw",
    // IRQ 8-15 with no handler: acknowledge the slave, then the master PIC.
    ".globl irq_slave",
    "irq_slave:",
    "pushw %ax",
    "movb $0x20, %al",
    "outb %al, $0xA0",
    "outb %al, $0x20",
    "popw %ax",
    "iretw",
    // The private-service trap, called by the 32-bit POST (`io::trap`): one
    // fixed trap site, listed in the header, so that every backend can see it.
    ".code32",
    ".globl private_trap",
    "private_trap:",
    "pbios_trap",
    "ret",
    port = const abi::TRAP_PORT,
    kind = const TRAP as u8,
    out = const TrapKind::Out as u8,
    vmcall = const TrapKind::Vmcall as u8,
    flag = const abi::mailbox::FLAG,
    frame = const abi::mailbox::FRAME,
    room = const abi::mailbox::ROOM,
    options(att_syntax)
);

// The IBM PC/AT compatibility entry points (abi::rom), each in a section the
// linker script places at its fixed address.
global_asm!(
    // A trap stub at a fixed compatibility entry point (abi::COMPAT_STUBS),
    // F000:\\off: a near call of the trap entry. The entry lies more than
    // 32 KiB back, reached by IP wrapping around the segment, so the rel16
    // is a constant from the entry's fixed offset (abi::rom::TRAP_ENTRY,
    // asserted by the linker script; `cargo xtask rom` checks every call).
    ".macro compat_stub sect, sym, off",
    ".section \\sect, \"ax\"",
    ".code16",
    ".globl \\sym",
    "\\sym:",
    ".byte 0xE8", // call rel16
    ".word {trap_entry} + 0x10000 - (\\off + 3)",
    ".code32",
    ".endm",
    "compat_stub .rom.int10, entry_10, {int10}",
    "compat_stub .rom.int11, entry_11, {int11}",
    "compat_stub .rom.int12, entry_12, {int12}",
    "compat_stub .rom.int13, entry_13, {int13}",
    "compat_stub .rom.int14, entry_14, {int14}",
    "compat_stub .rom.int15, entry_15, {int15}",
    "compat_stub .rom.int16, entry_16, {int16}",
    "compat_stub .rom.int17, entry_17, {int17}",
    // INT 19h (F000:E6F2): its three bytes end at the configuration table.
    "compat_stub .rom.int19, entry_19, {int19}",
    "compat_stub .rom.int1a, entry_1a, {int1a}",
    // NMI (F000:E2C3): nothing to do.
    ".section .rom.nmi, \"ax\"",
    ".code16",
    ".globl entry_02",
    "entry_02:",
    "iretw",
    // INT 08h, IRQ 0 (F000:FEA5): count the tick at 40:6C, wrap at midnight
    // (counting rollovers at 40:70), call the user hook INT 1Ch, acknowledge
    // the PIC.
    ".section .rom.int08, \"ax\"",
    ".globl irq0_timer",
    "irq0_timer:",
    "pushw %ax",
    "pushw %ds",
    "xorw %ax, %ax",
    "movw %ax, %ds",
    "addl $1, {ticks}",
    "cmpl ${ticks_per_day}, {ticks}",
    "jb 1f",
    "movl $0, {ticks}",
    "incb {rollover}",
    "1:",
    "int $0x1C",
    "movb $0x20, %al",
    "outb %al, $0x20",
    "popw %ds",
    "popw %ax",
    "iretw",
    // INT 09h and the other IRQs 1-7 with no handler (F000:E987):
    // acknowledge the master PIC.
    ".section .rom.int09, \"ax\"",
    ".globl irq_master",
    "irq_master:",
    "pushw %ax",
    "movb $0x20, %al",
    "outb %al, $0x20",
    "popw %ax",
    "iretw",
    // System configuration table (F000:E6F5), INT 15h AH=C0h.
    ".section .rom.config, \"a\"",
    ".globl config_table",
    "config_table:",
    ".word 8",           // bytes that follow
    ".byte {model}",     // model
    ".byte 0",           // submodel
    ".byte 1",           // BIOS revision
    ".byte {feature1}",  // feature byte 1
    ".byte 0x40",        // feature byte 2: INT 16h AH=09h supported
    ".byte 0, 0, 0",     // feature bytes 3-5
    ".code32",
    int10 = const rom::INT10,
    int11 = const rom::INT11,
    int12 = const rom::INT12,
    int13 = const rom::INT13,
    int14 = const rom::INT14,
    int15 = const rom::INT15,
    int16 = const rom::INT16,
    int17 = const rom::INT17,
    int19 = const rom::INT19,
    int1a = const rom::INT1A,
    trap_entry = const rom::TRAP_ENTRY,
    model = const abi::MODEL_BYTE,
    feature1 = const abi::CONFIG_FEATURE1,
    ticks = const abi::bda::BASE + abi::bda::TIMER_COUNTER as u32,
    rollover = const abi::bda::BASE + abi::bda::TIMER_ROLLOVER as u32,
    ticks_per_day = const abi::bda::TICKS_PER_DAY,
    options(att_syntax)
);

// POST entry (F000:E05B): real mode -> 32-bit flat -> Rust POST -> real mode
// -> INT 19h. The GDT lives in ROM, so its descriptors carry the accessed bit
// already (the CPU cannot set it in read-only memory; KVM spins if it tries).
global_asm!(
    ".section .rom.post, \"ax\"",
    ".code16",
    ".globl post_entry",
    "post_entry:",
    "cli",
    "cld",
    "lgdtl %cs:(gdt_desc - post_entry + {post})",
    "movl %cr0, %eax",
    "orl $1, %eax",
    "movl %eax, %cr0",
    "ljmpl $0x08, $post32",
    ".code32",
    "post32:",
    "movw $0x10, %ax",
    "movw %ax, %ds",
    "movw %ax, %es",
    "movw %ax, %ss",
    "movw %ax, %fs",
    "movw %ax, %gs",
    "movl ${stack}, %esp",
    "call pbios_post",
    "ljmpl $0x18, $(to16 - post_entry + {post})",
    ".code16",
    "to16:",
    "movw $0x20, %ax",
    "movw %ax, %ds",
    "movw %ax, %es",
    "movw %ax, %ss",
    "movw %ax, %fs",
    "movw %ax, %gs",
    "movl %cr0, %eax",
    "andl $0xFFFFFFFE, %eax",
    "movl %eax, %cr0",
    "ljmpw ${rom_seg}, $(real16 - post_entry + {post})",
    "real16:",
    "xorl %eax, %eax",
    "movw %ax, %ds",
    "movw %ax, %es",
    "movw %ax, %ss",
    "movw %ax, %fs",
    "movw %ax, %gs",
    "movl ${boot_stack}, %esp",
    "sti",
    "int $0x19",
    // INT 19h jumps to the boot sector; it only comes back if nothing booted.
    "2:",
    "hlt",
    "jmp 2b",
    "gdt:",
    ".quad 0",
    ".quad 0x00CF9B000000FFFF", // 08h: 32-bit code, flat, accessed
    ".quad 0x00CF93000000FFFF", // 10h: 32-bit data, flat, accessed
    ".quad 0x00009B0F0000FFFF", // 18h: 16-bit code, base F0000h, 64 KiB, accessed
    ".quad 0x000093000000FFFF", // 20h: 16-bit data, base 0, 64 KiB, accessed
    "gdt_end:",
    "gdt_desc:",
    ".word gdt_end - gdt - 1",
    ".long gdt",
    ".code32",
    post = const rom::POST_ENTRY,
    rom_seg = const abi::ROM_SEGMENT,
    stack = const abi::POST_STACK_TOP,
    boot_stack = const abi::BOOT_STACK,
    options(att_syntax)
);

// Diskette parameter table (F000:EFC7, INT 1Eh): the IBM PC/AT values for a
// 1.44 MB drive.
global_asm!(
    ".section .rom.diskette, \"a\"",
    ".globl diskette_params",
    "diskette_params:",
    ".byte 0xAF, 0x02, 0x25, 0x02, 0x12, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08",
    options(att_syntax)
);

// F000:FF53, a bare IRET; then the reset vector, date, model and checksum.
global_asm!(
    ".section .rom.iret, \"ax\"",
    ".globl dummy_iret",
    "dummy_iret:",
    ".byte 0xCF",
    ".section .rom.reset, \"ax\"",
    ".code16",
    ".globl reset_vector",
    "reset_vector:",
    "ljmpw ${rom_seg}, ${post}",
    ".byte {d0}, {d1}, {d2}, {d3}, {d4}, {d5}, {d6}, {d7}",
    ".byte 0",
    ".byte {model}",
    ".byte 0", // checksum, set by `cargo xtask rom`
    ".code32",
    rom_seg = const abi::ROM_SEGMENT,
    post = const rom::POST_ENTRY,
    d0 = const abi::BIOS_DATE[0],
    d1 = const abi::BIOS_DATE[1],
    d2 = const abi::BIOS_DATE[2],
    d3 = const abi::BIOS_DATE[3],
    d4 = const abi::BIOS_DATE[4],
    d5 = const abi::BIOS_DATE[5],
    d6 = const abi::BIOS_DATE[6],
    d7 = const abi::BIOS_DATE[7],
    model = const abi::MODEL_BYTE,
    options(att_syntax)
);

// The PCI BIOS (PCI BIOS Specification 2.1), run in the guest: the
// machine's configuration space is reached through ports CF8h/CFCh
// (mechanism 1), which on QEMU only guest code can drive. The same body
// is assembled twice:
// - 16-bit, for INT 1Ah AH=B1h: the host's INT 1Ah service jumps here
//   (F000:`pci16`, named by the ROM header) with the caller's registers
//   and its IRET frame on the stack; CF goes into that frame's FLAGS;
// - 32-bit, the `$PCI` service the BIOS32 service directory (F000:E040)
//   hands out, far-called from flat 32-bit protected mode.
//
// Functions: B101h installation check, B102h find device, B103h find
// class code, B108h-B10Dh read and write configuration bytes, words and
// dwords, B10Eh IRQ routing options (no entries: nothing on the bus needs
// a PCI interrupt routed); anything else is 81h (function not supported).

/// The body as assembly text, with labels prefixed by `$p` (one copy per
/// mode); it ends at `$p_ok` (AH=00h) or `$p_fail` (AH=the status), which
/// the mode defines.
macro_rules! pci_body {
    ($p:literal) => {
        concat!(
            "cmp $0x01, %al\n",
            "je ",
            $p,
            "_check\n",
            "cmp $0x02, %al\n",
            "je ",
            $p,
            "_find_device\n",
            "cmp $0x03, %al\n",
            "je ",
            $p,
            "_find_class\n",
            "cmp $0x08, %al\n",
            "je ",
            $p,
            "_read8\n",
            "cmp $0x09, %al\n",
            "je ",
            $p,
            "_read16\n",
            "cmp $0x0A, %al\n",
            "je ",
            $p,
            "_read32\n",
            "cmp $0x0B, %al\n",
            "je ",
            $p,
            "_write8\n",
            "cmp $0x0C, %al\n",
            "je ",
            $p,
            "_write16\n",
            "cmp $0x0D, %al\n",
            "je ",
            $p,
            "_write32\n",
            "cmp $0x0E, %al\n",
            "je ",
            $p,
            "_irq_routing\n",
            "mov $0x81, %ah\n",
            "jmp ",
            $p,
            "_fail\n",
            "",
            $p,
            "_check:\n",
            "mov $0x0001, %ax\n",
            "mov $0x0210, %bx\n",
            "xor %cl, %cl\n",
            "mov $0x20494350, %edx\n",
            "mov $pci32, %edi\n",
            "jmp ",
            $p,
            "_ok\n",
            "",
            $p,
            "_find_device:\n",
            "cmp $0xFFFF, %dx\n",
            "jne 1f\n",
            "mov $0x83, %ah\n",
            "jmp ",
            $p,
            "_fail\n",
            "1:\n",
            "push %ecx\n",
            "push %ebp\n",
            "shl $16, %ecx\n",
            "mov %dx, %cx\n",
            "xor %ebp, %ebp\n",
            "jmp ",
            $p,
            "_search\n",
            "",
            $p,
            "_find_class:\n",
            "push %ecx\n",
            "push %ebp\n",
            "and $0x00FFFFFF, %ecx\n",
            "mov $1, %ebp\n",
            "",
            $p,
            "_search:\n",
            "push %eax\n",
            "push %edx\n",
            "push %esi\n",
            "push %edi\n",
            "movzwl %si, %esi\n",
            "xor %ebx, %ebx\n",
            "2:\n",
            "xor %edi, %edi\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %eax\n",
            "cmp $0xFFFF, %ax\n",
            "je 4f\n",
            "test %ebp, %ebp\n",
            "jz 3f\n",
            "mov $0x08, %edi\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %eax\n",
            "shr $8, %eax\n",
            "3:\n",
            "cmp %ecx, %eax\n",
            "jne 5f\n",
            "test %esi, %esi\n",
            "jz 7f\n",
            "dec %esi\n",
            "5:\n",
            "test $7, %bl\n",
            "jnz 6f\n",
            "mov $0x0E, %edi\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %al\n",
            "test $0x80, %al\n",
            "jnz 6f\n",
            "4:\n",
            "test $7, %bl\n",
            "jnz 6f\n",
            "or $7, %bl\n",
            "6:\n",
            "inc %bx\n",
            "cmp $0x0100, %bx\n",
            "jb 2b\n",
            "pop %edi\n",
            "pop %esi\n",
            "pop %edx\n",
            "pop %eax\n",
            "pop %ebp\n",
            "pop %ecx\n",
            "mov $0x86, %ah\n",
            "jmp ",
            $p,
            "_fail\n",
            "7:\n",
            "pop %edi\n",
            "pop %esi\n",
            "pop %edx\n",
            "pop %eax\n",
            "pop %ebp\n",
            "pop %ecx\n",
            "jmp ",
            $p,
            "_ok\n",
            "",
            $p,
            "_read8:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %al\n",
            "mov %al, %cl\n",
            "jmp ",
            $p,
            "_done\n",
            "",
            $p,
            "_read16:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "test $1, %di\n",
            "jnz ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %ax\n",
            "mov %ax, %cx\n",
            "jmp ",
            $p,
            "_done\n",
            "",
            $p,
            "_read32:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "test $3, %di\n",
            "jnz ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "in %dx, %eax\n",
            "mov %eax, %ecx\n",
            "jmp ",
            $p,
            "_done\n",
            "",
            $p,
            "_write8:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "mov %cl, %al\n",
            "out %al, %dx\n",
            "jmp ",
            $p,
            "_done\n",
            "",
            $p,
            "_write16:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "test $1, %di\n",
            "jnz ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "mov %cx, %ax\n",
            "out %ax, %dx\n",
            "jmp ",
            $p,
            "_done\n",
            "",
            $p,
            "_write32:\n",
            "cmp $0xFF, %di\n",
            "ja ",
            $p,
            "_bad_reg\n",
            "test $3, %di\n",
            "jnz ",
            $p,
            "_bad_reg\n",
            "push %eax\n",
            "push %edx\n",
            "call ",
            $p,
            "_address\n",
            "mov %ecx, %eax\n",
            "out %eax, %dx\n",
            "",
            $p,
            "_done:\n",
            "pop %edx\n",
            "pop %eax\n",
            "jmp ",
            $p,
            "_ok\n",
            "",
            $p,
            "_bad_reg:\n",
            "mov $0x87, %ah\n",
            "jmp ",
            $p,
            "_fail\n",
            "",
            $p,
            "_address:\n",
            "movzwl %bx, %eax\n",
            "shl $8, %eax\n",
            "movzwl %di, %edx\n",
            "and $0xFC, %edx\n",
            "or %edx, %eax\n",
            "or $0x80000000, %eax\n",
            "mov $0xCF8, %dx\n",
            "out %eax, %dx\n",
            "movzwl %di, %edx\n",
            "and $3, %dx\n",
            "add $0xCFC, %dx\n",
            "ret\n",
        )
    };
}

// The 16-bit entry (INT 1Ah AH=B1h): the caller's IRET frame is at SS:SP;
// CF goes into its FLAGS image (SP+4).
global_asm!(
    ".section .rom.pci, \"ax\"",
    ".code16",
    ".globl pci16",
    "pci16:",
    pci_body!("p16"),
    "p16_irq_routing:", // ES:DI: the buffer's size word: no entries
    "movw $0, %es:(%di)",
    "xor %bx, %bx",
    "p16_ok:",
    "xor %ah, %ah",
    "push %bp",
    "mov %sp, %bp",
    "andw $0xFFFE, 6(%bp)",
    "pop %bp",
    "iret",
    "p16_fail:",
    "push %bp",
    "mov %sp, %bp",
    "orw $1, 6(%bp)",
    "pop %bp",
    "iret",
    ".code32",
    options(att_syntax)
);

// The 32-bit `$PCI` entry, far-called from flat protected mode.
global_asm!(
    ".section .rom.pci, \"ax\"",
    ".code32",
    ".globl pci32",
    "pci32:",
    "cmp $0xB1, %ah",
    "je 1f",
    "mov $0x81, %ah",
    "stc",
    "lret",
    "1:",
    pci_body!("p32"),
    "p32_irq_routing:", // ES:EDI: the buffer's size word: no entries
    "movw $0, %es:(%edi)",
    "xor %bx, %bx",
    "p32_ok:",
    "xor %ah, %ah",
    "clc",
    "lret",
    "p32_fail:",
    "stc",
    "lret",
    // The BIOS32 service directory's entry: EAX=service ("$PCI"); out
    // AL=00h, EBX=base, ECX=length, EDX=entry offset; AL=80h otherwise.
    ".globl bios32_entry",
    "bios32_entry:",
    "cmp $0x49435024, %eax",
    "jne 2f",
    "mov ${rom_base}, %ebx",
    "mov ${rom_size}, %ecx",
    "mov $pci32 - {rom_base}, %edx",
    "xor %al, %al",
    "lret",
    "2:",
    "mov $0x80, %al",
    "lret",
    rom_base = const abi::ROM_BASE,
    rom_size = const abi::ROM_SIZE,
    options(att_syntax)
);

// The BIOS32 service directory header (16 bytes at F000:E040, found by
// scanning E0000h-FFFFFh): "_32_", the entry's physical address, revision
// 0, 1 paragraph, the checksum (set by `cargo xtask rom`).
global_asm!(
    ".section .rom.bios32, \"a\"",
    ".globl bios32_directory",
    "bios32_directory:",
    ".ascii \"_32_\"",
    ".long bios32_entry",
    ".byte 0",
    ".byte 1",
    ".byte 0",
    ".fill 5, 1, 0",
    options(att_syntax)
);
