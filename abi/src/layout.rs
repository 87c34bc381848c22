//! The guest's fixed physical addresses, in one place (in the manner of
//! Firecracker's `arch/x86_64/layout.rs`): the ROM, the POST, the memory
//! map, the platform tables and INT 19h all use these names.
//!
//! Addresses are physical (linear, A20 on). Spec references are given where
//! a spec fixes the value; the rest are pbios's (and SeaBIOS's or QEMU's)
//! choices, which an embedder may move where the API lets it
//! (`pbios::MemoryMap::custom`).

/// Top of conventional memory: 640 KiB (IBM PC; the VGA window follows).
pub const CONVENTIONAL_TOP: u64 = 0xA_0000;
/// The Extended BIOS Data Area: the last KiB of conventional memory
/// (segment 9FC0h), as SeaBIOS places it; BDA 40:0E holds its segment.
pub const EBDA_BASE: u64 = 0x9_FC00;
/// Size of the EBDA in KiB (its first byte, RBIL MEM 40:0E).
pub const EBDA_KIB: u16 = 1;
/// The ACPI RSDP: 16-byte aligned in the EBDA's first KiB (ACPI 6.5,
/// 5.2.5.1).
pub const RSDP_ADDR: u64 = EBDA_BASE + 0x3C0;
/// The MP floating pointer: in the EBDA's first KiB, where MP 1.4 (4.1)
/// says an OS looks first.
pub const MP_FLOATING_ADDR: u64 = EBDA_BASE + 0x3F0;
/// VGA's memory window (A0000h-BFFFFh): mode 13h's pixels at A0000h,
/// the text buffers from B0000h. pbios backs all of it with RAM.
pub const VGA_WINDOW_BASE: u64 = 0xA_0000;
/// Size of [`VGA_WINDOW_BASE`]'s window: 128 KiB.
pub const VGA_WINDOW_SIZE: u64 = 0x2_0000;
/// Monochrome text video memory (mode 07h), the start of the text window.
pub const MONO_TEXT_BASE: u64 = 0xB_0000;
/// Colour text video memory (modes 00h-03h).
pub const VGA_TEXT_BASE: u64 = 0xB_8000;
/// Size of the text window: B0000h-BFFFFh.
pub const VGA_TEXT_SIZE: u64 = 0x1_0000;
/// Where INT 19h loads a boot sector and jumps (0000:7C00, IBM PC).
pub const BOOT_ADDR: u64 = 0x7C00;
/// Start of extended memory (1 MiB).
pub const HIGH_MEMORY: u64 = 0x10_0000;
/// Start of the 32-bit PCI hole in pbios's default layout: RAM beyond it
/// goes above 4 GiB.
pub const PCI_HOLE_START: u64 = 0xC000_0000;
/// Start of RAM above 4 GiB.
pub const HIGH_RAM_START: u64 = 0x1_0000_0000;
/// The I/O APIC (82093AA datasheet; where QEMU and KVM put it).
pub const IOAPIC_ADDR: u32 = 0xFEC0_0000;
/// The local APICs (Intel SDM vol. 3, 10.4.1).
pub const LAPIC_ADDR: u32 = 0xFEE0_0000;
/// KVM's identity-map page (KVM_SET_IDENTITY_MAP_ADDR), as QEMU places it.
pub const KVM_IDENTITY_MAP: u64 = 0xFEFF_C000;
/// KVM's real-mode TSS (KVM_SET_TSS_ADDR, three pages), right after it.
pub const KVM_TSS: u64 = 0xFEFF_D000;
/// End of the pages reserved for KVM.
pub const KVM_RESERVED_END: u64 = 0xFF00_0000;
/// The ROM's low mapping (F0000h-FFFFFh); see [`crate::ROM_BASE`].
pub const ROM_BASE: u64 = crate::ROM_BASE as u64;
/// The ROM's high alias, ending at 4 GiB; see [`crate::ROM_HIGH_BASE`].
pub const ROM_HIGH_BASE: u64 = crate::ROM_HIGH_BASE;
