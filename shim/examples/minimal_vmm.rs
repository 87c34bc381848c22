//! A complete minimal KVM VMM that boots a disk with pbios, in the way a
//! VMM author would embed it: kvm-ioctls for the VM, vm-memory for guest
//! RAM, and pbios for the firmware (its built-in ROM, the BIOS services,
//! the trap adapter). Everything else a PC has is left out.
//!
//!     cargo run --example minimal_vmm -- target/pbios/demo.img
//!
//! It prints what the guest prints through INT 10h and exits as `pbios`
//! does: the guest's port-F4h value `v` gives status `(v << 1) | 1`.

use kvm_bindings::{
    kvm_pit_config, kvm_userspace_memory_region, KVM_MAX_CPUID_ENTRIES, KVM_MEM_READONLY,
    KVM_PIT_SPEAKER_DUMMY,
};
use kvm_ioctls::{Kvm, VcpuExit, VmFd};
use pbios::abi::{self, layout};
use pbios::disk::{Disk, Drives, MediaKind};
use pbios::{Bios, Devices, Exit, MemoryMap, Rom};
use std::error::Error;
use std::process::ExitCode;
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Guest RAM: 128 MiB, laid out as pbios's default memory map says.
const RAM: u64 = 128 << 20;

fn main() -> ExitCode {
    let Some(image) = std::env::args().nth(1) else {
        eprintln!("usage: minimal_vmm DISK.IMG");
        return ExitCode::from(2);
    };
    match run(&image) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            eprintln!("minimal_vmm: {e}");
            ExitCode::from(2)
        }
    }
}

/// Tells KVM that guest physical `addr..addr + size` is host memory at
/// `host`.
fn map(vm: &VmFd, slot: u32, addr: u64, size: u64, host: u64, flags: u32) -> Result<()> {
    let region = kvm_userspace_memory_region {
        slot,
        flags,
        guest_phys_addr: addr,
        memory_size: size,
        userspace_addr: host,
    };
    // SAFETY: `host` is a live mapping of `size` bytes (guest RAM or the ROM
    // copy) that outlives the VM.
    unsafe { vm.set_user_memory_region(region) }?;
    Ok(())
}

fn run(image: &str) -> Result<i32> {
    // 1. The firmware side: the ROM, the memory map, the drives, the BIOS.
    let rom = Rom::builtin();
    let layout = MemoryMap::new(RAM)?;
    let disk = Disk::attach(image.as_ref(), MediaKind::HardDisk, false)?;
    let mut devices = Devices::new(Drives {
        hard: vec![disk],
        ..Drives::default()
    });
    devices.console = Box::new(std::io::stdout());
    let mut bios = Bios::builder(rom.header, layout.clone(), devices).build();

    // 2. The VM: the pages KVM needs for real mode, the in-kernel PIC and
    //    PIT (POST programs them; the timer ticks in the guest).
    let kvm = Kvm::new()?;
    let vm = kvm.create_vm()?;
    vm.set_identity_map_address(layout::KVM_IDENTITY_MAP)?;
    vm.set_tss_address(layout::KVM_TSS as usize)?;
    vm.create_irq_chip()?;
    vm.create_pit2(kvm_pit_config {
        flags: KVM_PIT_SPEAKER_DUMMY,
        ..Default::default()
    })?;

    // 3. Guest RAM where the memory map puts it, and the ROM read-only at
    //    F0000h and below 4 GiB (where the CPU starts).
    let ranges: Vec<(GuestAddress, usize)> = layout
        .ram_ranges()
        .into_iter()
        .map(|(base, size)| (GuestAddress(base), size))
        .collect();
    let ram = GuestMemoryMmap::<()>::from_ranges(&ranges)?;
    let mut slot = 0;
    for region in ram.iter() {
        let host = ram.get_host_address(region.start_addr())? as u64;
        map(&vm, slot, region.start_addr().0, region.len(), host, 0)?;
        slot += 1;
    }
    let rom_copy = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(0), abi::ROM_SIZE)])?;
    // The ROM with its SMBIOS entry points in (for the default platform).
    rom_copy.write_slice(
        &rom.image(&pbios::platform::Platform::default(), &layout),
        GuestAddress(0),
    )?;
    let rom_host = rom_copy.get_host_address(GuestAddress(0))? as u64;
    for base in [layout::ROM_BASE, layout::ROM_HIGH_BASE] {
        let size = abi::ROM_SIZE as u64;
        map(&vm, slot, base, size, rom_host, KVM_MEM_READONLY)?;
        slot += 1;
    }

    // 4. One vCPU at its reset state (F000:FFF0), registers handed over in
    //    kvm_run at each exit.
    let mut vcpu = vm.create_vcpu(0)?;
    vcpu.set_cpuid2(&kvm.get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)?)?;
    pbios::kvm::enable_sync_regs(&kvm, &mut vcpu);

    // 5. The exit loop: BIOS traps go to pbios, port F4h ends the run, any
    //    other port or MMIO access finds nothing there.
    let status = loop {
        match vcpu.run() {
            Ok(VcpuExit::IoOut(port, _)) if port == u16::from(abi::TRAP_PORT) => {
                if let Some(exit) = pbios::kvm::serve_trap(&mut bios, &mut vcpu, &ram)? {
                    eprintln!("minimal_vmm: {exit:?}");
                    break exit.status();
                }
            }
            Ok(VcpuExit::IoOut(abi::DEBUG_EXIT_PORT, data)) => {
                break Exit::DebugExit(data.first().copied().unwrap_or(0)).status();
            }
            Ok(VcpuExit::IoIn(_, data)) | Ok(VcpuExit::MmioRead(_, data)) => data.fill(0xFF),
            Ok(VcpuExit::IoOut(..) | VcpuExit::MmioWrite(..) | VcpuExit::Hlt) => {}
            Ok(VcpuExit::Intr) => {}
            Ok(VcpuExit::Shutdown) => return Err("the guest triple-faulted".into()),
            Ok(other) => return Err(format!("unexpected exit {other:?}").into()),
            Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {}
            Err(e) => return Err(e.into()),
        }
    };
    // The guest's disk writes reach the image before we exit.
    bios.flush()?;
    Ok(status)
}
