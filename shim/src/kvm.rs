//! The KVM backend: a VM with the pbios ROM, guest RAM, the in-kernel PIC
//! and PIT, a 16550 on COM1, and the exit loop that hands BIOS traps to
//! [`Bios`].

use crate::bios::Bios;
use crate::mem::Memory;
use crate::memmap::{KVM_IDENTITY_MAP, KVM_TSS};
use crate::platform::IOAPIC_PINS;
use crate::ports::{PlatformPorts, PortEffect};
use crate::regs::Regs;
use crate::rom::Rom;
use crate::serial::SharedUart;
use crate::services::Stop;
use crate::vcpu::{serve_trap, Exit, RunStats, TrapState, Vcpu};
use kvm_bindings::{
    kvm_guest_debug, kvm_irq_routing_entry, kvm_pit_config, kvm_regs, kvm_sregs,
    kvm_userspace_memory_region, CpuId, KvmIrqRouting, KVM_GUESTDBG_ENABLE,
    KVM_GUESTDBG_SINGLESTEP, KVM_IRQCHIP_IOAPIC, KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE,
    KVM_IRQ_ROUTING_IRQCHIP, KVM_MAX_CPUID_ENTRIES, KVM_MEM_READONLY, KVM_PIT_SPEAKER_DUMMY,
};
use kvm_ioctls::{Cap, Kvm, SyncReg, VcpuExit, VcpuFd, VmFd};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use thiserror::Error;
use vm_memory::{GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion, MmapRegion};
use vm_superio::{Serial, Trigger};
use vmm_sys_util::errno;
use vmm_sys_util::eventfd::EventFd;

/// Host-side failures of the KVM backend, one per operation.
#[derive(Debug, Error)]
pub enum KvmError {
    #[error("cannot open /dev/kvm: {0} (is KVM available, and may this user open /dev/kvm?)")]
    Open(errno::Error),
    #[error("this KVM lacks {0}")]
    MissingCapability(&'static str),
    #[error("cannot create a VM: {0}")]
    CreateVm(errno::Error),
    #[error("cannot set the real-mode TSS address: {0}")]
    SetTss(errno::Error),
    #[error("cannot set the identity-map address: {0}")]
    SetIdentityMap(errno::Error),
    #[error("cannot create the in-kernel interrupt controllers: {0}")]
    CreateIrqchip(errno::Error),
    #[error("cannot create the in-kernel PIT: {0}")]
    CreatePit(errno::Error),
    #[error("cannot route the interrupt lines: {0}")]
    IrqRouting(String),
    #[error("cannot start CPU {cpu}: {why}")]
    StartCpu { cpu: u8, why: String },
    #[error("cannot allocate guest memory: {0}")]
    AllocateMemory(String),
    #[error("cannot map guest memory at {addr:#x}: {source}")]
    MapMemory { addr: u64, source: errno::Error },
    #[error("cannot create the vCPU: {0}")]
    CreateVcpu(errno::Error),
    #[error("cannot set the vCPU's CPUID: {0}")]
    SetCpuid(errno::Error),
    #[error("cannot wire the serial port's interrupt: {0}")]
    SerialIrq(errno::Error),
    #[error("cannot read the vCPU's registers: {0}")]
    GetRegs(errno::Error),
    #[error("cannot single-step the vCPU: {0}")]
    SingleStep(errno::Error),
    #[error("cannot write the vCPU's registers: {0}")]
    SetRegs(errno::Error),
    #[error("KVM_RUN failed: {0}")]
    Run(errno::Error),
    #[error("the ROM traps with {0}, which KVM handles in the kernel; build it with `cargo xtask rom --trap out`")]
    TrapKind(&'static str),
    #[error("KVM could not run the guest ({what}) at {at}")]
    Guest { what: String, at: String },
}

/// Raises IRQ 4 through an irqfd.
struct IrqTrigger(EventFd);

impl Trigger for IrqTrigger {
    type E = std::io::Error;
    fn trigger(&self) -> std::io::Result<()> {
        self.0.write(1)
    }
}

/// COM1 as the KVM machine emulates it.
type KvmSerial = Serial<IrqTrigger, vm_superio::serial::NoEvents, SerialOut>;

fn uart(serial: &Mutex<KvmSerial>) -> std::sync::MutexGuard<'_, KvmSerial> {
    match serial.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    }
}

/// A serial port's output, shared with the INT 10h console.
pub type SerialOut = Box<dyn Write + Send>;

/// COM1's IRQ.
const COM1_IRQ: u32 = 4;

/// The vCPU and guest RAM: what a trap needs ([`Vcpu`]).
struct KvmVcpu {
    fd: VcpuFd,
    mem: GuestMemoryMmap,
    sync_regs: bool,
    /// The registers read at this trap, to write back with changes.
    saved: Option<(kvm_regs, kvm_sregs)>,
    /// The ROM's header: where the trap instructions are.
    header: abi::header::RomHeader,
    /// This trap's OUT has not been skipped yet (see [`KvmVcpu::trap_state`]).
    skip_pending: bool,
}

/// What every vCPU's thread shares: the devices behind port I/O, and how
/// an application processor ends the run.
struct Shared {
    serial: Arc<Mutex<KvmSerial>>,
    ports: Mutex<PlatformPorts>,
    /// Why an application processor ended the run, for the boot CPU.
    ended: Mutex<Option<Result<Exit, KvmError>>>,
    /// Tells the application processors' threads to finish.
    stopping: AtomicBool,
    /// The thread running the boot CPU (to interrupt its KVM_RUN).
    bsp_thread: Mutex<Option<libc::pthread_t>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A KVM virtual machine running the pbios ROM.
pub struct KvmMachine {
    // Kept alive for the VM's lifetime.
    _kvm: Kvm,
    _vm: VmFd,
    vcpu: KvmVcpu,
    _rom: MmapRegion,
    shared: Arc<Shared>,
    /// Application processors not yet started, then their threads.
    aps: Vec<VcpuFd>,
    ap_threads: Vec<JoinHandle<()>>,
    bios: Bios,
    stats: RunStats,
    /// Single-steps the firmware to count its instructions.
    count_instructions: bool,
    instructions: u64,
}

fn map(vm: &VmFd, slot: u32, addr: u64, size: u64, host: u64, flags: u32) -> Result<(), KvmError> {
    let region = kvm_userspace_memory_region {
        slot,
        flags,
        guest_phys_addr: addr,
        memory_size: size,
        userspace_addr: host,
    };
    // SAFETY: `host` points at a live mapping of `size` bytes owned by the
    // Machine, which outlives the VM's use of it.
    unsafe { vm.set_user_memory_region(region) }
        .map_err(|source| KvmError::MapMemory { addr, source })
}

impl KvmMachine {
    /// Builds the VM: RAM per the memory map, the ROM read-only at F0000h and
    /// below 4 GiB, the in-kernel PIC/IOAPIC/PIT, one vCPU at its reset state.
    pub fn new(rom: &Rom, mut bios: Bios, serial_out: SerialOut) -> Result<KvmMachine, KvmError> {
        if rom.header.trap_kind != abi::TrapKind::Out {
            return Err(KvmError::TrapKind(rom.header.trap_kind.name()));
        }
        let kvm = Kvm::new().map_err(KvmError::Open)?;
        for (cap, name) in [
            (Cap::Irqchip, "an in-kernel irqchip"),
            (Cap::Pit2, "an in-kernel PIT"),
            (Cap::ReadonlyMem, "read-only memory slots"),
        ] {
            if !kvm.check_extension(cap) {
                return Err(KvmError::MissingCapability(name));
            }
        }
        let vm = kvm.create_vm().map_err(KvmError::CreateVm)?;
        vm.set_identity_map_address(KVM_IDENTITY_MAP)
            .map_err(KvmError::SetIdentityMap)?;
        vm.set_tss_address(KVM_TSS as usize)
            .map_err(KvmError::SetTss)?;
        vm.create_irq_chip().map_err(KvmError::CreateIrqchip)?;
        let pit = kvm_pit_config {
            flags: KVM_PIT_SPEAKER_DUMMY,
            ..Default::default()
        };
        vm.create_pit2(pit).map_err(KvmError::CreatePit)?;
        route_irqs(&vm)?;

        let mem = crate::mem::guest_ram(&bios.memmap().ram_ranges())
            .map_err(|e| KvmError::AllocateMemory(e.to_string()))?;
        let mut slot = 0;
        for region in mem.iter() {
            let host =
                mem.get_host_address(region.start_addr())
                    .map_err(|e| KvmError::AllocateMemory(e.to_string()))? as u64;
            map(&vm, slot, region.start_addr().0, region.len(), host, 0)?;
            slot += 1;
        }
        let rom_region =
            MmapRegion::new(abi::ROM_SIZE).map_err(|e| KvmError::AllocateMemory(e.to_string()))?;
        // SAFETY: the region is a fresh private mapping of ROM_SIZE bytes, the
        // same length as the checked image.
        unsafe {
            std::ptr::copy_nonoverlapping(rom.bytes.as_ptr(), rom_region.as_ptr(), abi::ROM_SIZE)
        };
        let rom_host = rom_region.as_ptr() as u64;
        for base in [u64::from(abi::ROM_BASE), abi::ROM_HIGH_BASE] {
            map(
                &vm,
                slot,
                base,
                abi::ROM_SIZE as u64,
                rom_host,
                KVM_MEM_READONLY,
            )?;
            slot += 1;
        }

        let evt = EventFd::new(libc::EFD_NONBLOCK).map_err(|e| {
            KvmError::SerialIrq(errno::Error::new(e.raw_os_error().unwrap_or(libc::EIO)))
        })?;
        vm.register_irqfd(&evt, COM1_IRQ)
            .map_err(KvmError::SerialIrq)?;
        let serial = Arc::new(Mutex::new(Serial::new(IrqTrigger(evt), serial_out)));
        bios.set_com1(Box::new(SharedUart(serial.clone())));
        let platform = bios.platform();
        let shared = Arc::new(Shared {
            serial: serial.clone(),
            ports: Mutex::new(PlatformPorts::new(
                bios.memmap(),
                platform.cpus,
                Box::new(crate::clock::HostClock),
            )),
            ended: Mutex::new(None),
            stopping: AtomicBool::new(false),
            bsp_thread: Mutex::new(None),
        });

        let cpuid = kvm
            .get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)
            .map_err(KvmError::SetCpuid)?;
        // CPU 0 is KVM's boot CPU; the others wait for INIT and SIPI in
        // the kernel.
        let mut vcpu = vm.create_vcpu(0).map_err(KvmError::CreateVcpu)?;
        vcpu.set_cpuid2(&cpuid_for(&cpuid, 0))
            .map_err(KvmError::SetCpuid)?;
        let mut aps = Vec::new();
        for id in 1..platform.cpus {
            let ap = vm
                .create_vcpu(u64::from(id))
                .map_err(KvmError::CreateVcpu)?;
            ap.set_cpuid2(&cpuid_for(&cpuid, id))
                .map_err(KvmError::SetCpuid)?;
            aps.push(ap);
        }
        let sync_regs = kvm.check_extension(Cap::SyncRegs);
        if sync_regs {
            vcpu.set_sync_valid_reg(SyncReg::Register);
            vcpu.set_sync_valid_reg(SyncReg::SystemRegister);
        }
        Ok(KvmMachine {
            _kvm: kvm,
            _vm: vm,
            vcpu: KvmVcpu {
                fd: vcpu,
                mem,
                sync_regs,
                saved: None,
                header: rom.header,
                skip_pending: false,
            },
            _rom: rom_region,
            shared,
            aps,
            ap_threads: Vec::new(),
            bios,
            stats: RunStats::default(),
            count_instructions: false,
            instructions: 0,
        })
    }

    /// Guest RAM (for inspection after a run).
    pub fn memory(&self) -> &GuestMemoryMmap {
        &self.vcpu.mem
    }

    pub fn bios(&self) -> &Bios {
        &self.bios
    }

    /// Whether register reads and writes go through KVM_CAP_SYNC_REGS.
    pub fn uses_sync_regs(&self) -> bool {
        self.vcpu.sync_regs
    }

    /// Uses the KVM_GET/SET_REGS ioctls instead of KVM_CAP_SYNC_REGS (for
    /// comparing the two; sync regs is the default where KVM offers it).
    pub fn disable_sync_regs(&mut self) {
        if self.vcpu.sync_regs {
            self.vcpu.fd.clear_sync_valid_reg(SyncReg::Register);
            self.vcpu.fd.clear_sync_valid_reg(SyncReg::SystemRegister);
            self.vcpu.sync_regs = false;
        }
    }

    /// What this run counted so far.
    pub fn stats(&self) -> RunStats {
        self.stats
    }

    /// Single-steps the guest from the reset vector to the boot sector's
    /// first instruction, counting instructions ([`RunStats`]); it then runs
    /// at full speed. The firmware's time is meaningless in this mode.
    pub fn count_instructions(&mut self) -> Result<(), KvmError> {
        self.set_single_step(true)?;
        self.count_instructions = true;
        Ok(())
    }

    fn set_single_step(&mut self, on: bool) -> Result<(), KvmError> {
        let control = if on {
            KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP
        } else {
            0
        };
        let dbg = kvm_guest_debug {
            control,
            ..Default::default()
        };
        self.vcpu
            .fd
            .set_guest_debug(&dbg)
            .map_err(KvmError::SingleStep)
    }

    /// Runs the guest from the reset vector until it ends.
    pub fn run(&mut self) -> Result<Exit, KvmError> {
        self.stats.start();
        self.start_aps()?;
        let end = self.run_bsp();
        // The boot CPU's thread may go on to other things: no more kicks
        // for it, and the other CPUs stop too.
        *lock(&self.shared.bsp_thread) = None;
        self.stop_aps();
        end
    }

    fn run_bsp(&mut self) -> Result<Exit, KvmError> {
        loop {
            self.stats.exits += 1;
            match self.vcpu.fd.run() {
                Ok(VcpuExit::IoOut(port, data)) => match port {
                    p if p == u16::from(abi::TRAP_PORT) => {
                        let stop = self.trap()?;
                        if self.stats.check_boot(&self.bios) && self.count_instructions {
                            self.stats.instructions_at_boot = Some(self.instructions);
                            self.count_instructions = false;
                            self.set_single_step(false)?;
                        }
                        if let Some(stop) = stop {
                            return Ok(match stop {
                                Stop::NoBootDevice(why) => Exit::NoBootDevice(why),
                            });
                        }
                    }
                    _ => {
                        if let Some(exit) = io_out(&self.shared, port, data) {
                            return Ok(match exit {
                                Exit::Reset(how) => {
                                    Exit::Reset(format!("{how} at {}", self.where_now()))
                                }
                                other => other,
                            });
                        }
                    }
                },
                Ok(VcpuExit::IoIn(port, data)) => io_in(&self.shared, port, data),
                // Unbacked addresses read as all ones; writes to the ROM and
                // to holes are dropped.
                Ok(VcpuExit::MmioRead(_, data)) => data.fill(0xFF),
                Ok(VcpuExit::MmioWrite(..)) => {}
                Ok(VcpuExit::Intr) | Ok(VcpuExit::Hlt) => {}
                Ok(VcpuExit::Debug(_)) if self.count_instructions => {
                    self.stats.exits -= 1;
                    self.instructions += 1;
                }
                Ok(VcpuExit::Shutdown) => return Ok(Exit::TripleFault(self.where_now())),
                Ok(VcpuExit::InternalError) => {
                    return Err(KvmError::Guest {
                        what: "internal error".into(),
                        at: self.where_now(),
                    })
                }
                Ok(VcpuExit::FailEntry(reason, _)) => {
                    return Err(KvmError::Guest {
                        what: format!("entry failed, reason {reason:#x}"),
                        at: self.where_now(),
                    })
                }
                Ok(other) => {
                    let what = format!("unexpected exit {other:?}");
                    return Err(KvmError::Guest {
                        what,
                        at: self.where_now(),
                    });
                }
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {
                    // An application processor may have ended the run.
                    if let Some(end) = lock(&self.shared.ended).take() {
                        return end;
                    }
                }
                Err(e) => return Err(KvmError::Run(e)),
            }
        }
    }

    /// Starts a thread per application processor; each waits in KVM_RUN
    /// for the INIT and SIPI an OS sends.
    fn start_aps(&mut self) -> Result<(), KvmError> {
        if self.aps.is_empty() {
            return Ok(());
        }
        install_kick_handler()?;
        // SAFETY: pthread_self has no preconditions.
        *lock(&self.shared.bsp_thread) = Some(unsafe { libc::pthread_self() });
        for (i, fd) in std::mem::take(&mut self.aps).into_iter().enumerate() {
            let cpu = i as u8 + 1;
            let shared = self.shared.clone();
            let t = std::thread::Builder::new()
                .name(format!("pbios-cpu{cpu}"))
                .spawn(move || run_ap(cpu, fd, &shared))
                .map_err(|e| KvmError::StartCpu {
                    cpu,
                    why: e.to_string(),
                })?;
            self.ap_threads.push(t);
        }
        Ok(())
    }

    /// Serves one BIOS trap, straight from the OUT's exit: no extra
    /// KVM_RUN to complete the OUT first (see [`KvmVcpu::trap_state`]).
    fn trap(&mut self) -> Result<Option<Stop>, KvmError> {
        serve_trap(&mut self.bios, &mut self.vcpu)
    }

    /// Where the vCPU is, for messages: CS:IP and the registers.
    fn where_now(&mut self) -> String {
        match (self.vcpu.fd.get_regs(), self.vcpu.fd.get_sregs()) {
            (Ok(k), Ok(s)) => {
                let r = from_kvm(&k, &s);
                format!(
                    "CS:IP={:04X}:{:04X} (linear {:#x}) SS:SP={:04X}:{:04X} FLAGS={:04X} CR0={:#x} {}",
                    r.cs,
                    r.ip(),
                    s.cs.base.wrapping_add(k.rip),
                    r.ss,
                    r.sp(),
                    r.eflags,
                    s.cr0,
                    r.summary()
                )
            }
            _ => "unknown registers".into(),
        }
    }
}

impl KvmMachine {
    /// Ends the application processors' threads: their KVM_RUN may be
    /// waiting for a SIPI that never comes, so they are interrupted until
    /// they notice.
    fn stop_aps(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for t in self.ap_threads.drain(..) {
            while !t.is_finished() {
                kick(std::os::unix::thread::JoinHandleExt::as_pthread_t(&t));
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = t.join();
        }
    }
}

impl Drop for KvmMachine {
    fn drop(&mut self) {
        self.stop_aps();
    }
}

/// The signal that interrupts a vCPU thread's KVM_RUN (its handler does
/// nothing; KVM_RUN returns EINTR).
fn kick_signal() -> libc::c_int {
    vmm_sys_util::signal::SIGRTMIN()
}

extern "C" fn ignore_kick(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

fn install_kick_handler() -> Result<(), KvmError> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            vmm_sys_util::signal::register_signal_handler(kick_signal(), ignore_kick)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|why| KvmError::StartCpu { cpu: 1, why })
}

fn kick(thread: libc::pthread_t) {
    // SAFETY: the thread is alive (its JoinHandle or the running boot CPU
    // owns it) and the signal has a handler.
    unsafe { libc::pthread_kill(thread, kick_signal()) };
}

/// An application processor ends the run: records why and interrupts the
/// boot CPU until it has taken the reason.
fn end_from_ap(shared: &Shared, end: Result<Exit, KvmError>) {
    {
        let mut e = lock(&shared.ended);
        if e.is_none() {
            *e = Some(end);
        }
    }
    while lock(&shared.ended).is_some() && !shared.stopping.load(Ordering::SeqCst) {
        // Under the lock: the boot CPU's thread clears it when it leaves
        // KVM_RUN for good, and is never kicked after that.
        match *lock(&shared.bsp_thread) {
            Some(t) => kick(t),
            None => return,
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// An application processor's thread: serves its port and MMIO exits
/// until the machine stops. BIOS calls are the boot CPU's only.
fn run_ap(cpu: u8, mut fd: VcpuFd, shared: &Shared) {
    while !shared.stopping.load(Ordering::SeqCst) {
        let end = match fd.run() {
            Ok(VcpuExit::IoOut(port, _)) if port == u16::from(abi::TRAP_PORT) => {
                Some(Err(KvmError::Guest {
                    what: format!("a BIOS call from CPU {cpu} (only CPU 0's are served)"),
                    at: format!("CPU {cpu}"),
                }))
            }
            Ok(VcpuExit::IoOut(port, data)) => io_out(shared, port, data).map(|e| {
                Ok(match e {
                    Exit::Reset(how) => Exit::Reset(format!("{how} on CPU {cpu}")),
                    other => other,
                })
            }),
            Ok(VcpuExit::IoIn(port, data)) => {
                io_in(shared, port, data);
                None
            }
            Ok(VcpuExit::MmioRead(_, data)) => {
                data.fill(0xFF);
                None
            }
            Ok(VcpuExit::MmioWrite(..)) | Ok(VcpuExit::Intr) | Ok(VcpuExit::Hlt) => None,
            Ok(VcpuExit::Shutdown) => Some(Ok(Exit::TripleFault(format!("CPU {cpu}")))),
            Ok(other) => Some(Err(KvmError::Guest {
                what: format!("unexpected exit {other:?}"),
                at: format!("CPU {cpu}"),
            })),
            Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => None,
            Err(e) => Some(Err(KvmError::Run(e))),
        };
        if let Some(end) = end {
            end_from_ap(shared, end);
            return;
        }
    }
}

/// A port write other than the trap, from any CPU. Returns how the run
/// ends, if it does.
fn io_out(shared: &Shared, port: u16, data: &[u8]) -> Option<Exit> {
    let value = data.first().copied().unwrap_or(0);
    match port {
        abi::DEBUG_EXIT_PORT => {
            let _ = uart(&shared.serial).writer_mut().flush();
            Some(Exit::DebugExit(value))
        }
        p if (abi::COM1_PORT..abi::COM1_PORT + 8).contains(&p) => {
            let _ = uart(&shared.serial).write((p - abi::COM1_PORT) as u8, value);
            None
        }
        abi::I8042_COMMAND_PORT if value == abi::I8042_CMD_RESET => {
            Some(Exit::Reset("i8042 reset (FEh to port 64h)".into()))
        }
        p if PlatformPorts::handles(p) => match lock(&shared.ports).write(p, data) {
            PortEffect::None => None,
            PortEffect::Reset(how) => Some(Exit::Reset(how.into())),
            PortEffect::PowerOff(how) => {
                let _ = uart(&shared.serial).writer_mut().flush();
                Some(Exit::PowerOff(how.into()))
            }
        },
        _ => None,
    }
}

/// A port read, from any CPU: COM1, the platform's ports, else all ones.
fn io_in(shared: &Shared, port: u16, data: &mut [u8]) {
    if (abi::COM1_PORT..abi::COM1_PORT + 8).contains(&port) {
        let v = uart(&shared.serial).read((port - abi::COM1_PORT) as u8);
        data.fill(v);
    } else if PlatformPorts::handles(port) {
        lock(&shared.ports).read(port, data);
    } else {
        data.fill(0xFF);
    }
}

/// Routes the interrupt lines as QEMU does: ISA IRQs to both 8259s and
/// the I/O APIC, except that IRQ 0 (the PIT) goes to the I/O APIC's input 2
/// (as the MP table and the MADT say) and nothing uses GSI 2.
fn route_irqs(vm: &VmFd) -> Result<(), KvmError> {
    let mut entries = Vec::new();
    let route = |gsi: u32, chip: u32, pin: u32| {
        let mut e = kvm_irq_routing_entry {
            gsi,
            type_: KVM_IRQ_ROUTING_IRQCHIP,
            ..Default::default()
        };
        e.u.irqchip.irqchip = chip;
        e.u.irqchip.pin = pin;
        e
    };
    for gsi in (0..16).filter(|&g| g != 2) {
        let (chip, pin) = if gsi < 8 {
            (KVM_IRQCHIP_PIC_MASTER, gsi)
        } else {
            (KVM_IRQCHIP_PIC_SLAVE, gsi - 8)
        };
        entries.push(route(gsi, chip, pin));
    }
    for gsi in (0..u32::from(IOAPIC_PINS)).filter(|&g| g != 2) {
        let pin = if gsi == 0 { 2 } else { gsi };
        entries.push(route(gsi, KVM_IRQCHIP_IOAPIC, pin));
    }
    let routing = KvmIrqRouting::from_entries(&entries)
        .map_err(|e| KvmError::IrqRouting(format!("{e:?}")))?;
    vm.set_gsi_routing(&routing)
        .map_err(|e| KvmError::IrqRouting(e.to_string()))
}

/// KVM's supported CPUID made into CPU `id`'s: its initial APIC ID (leaf 1
/// EBX[31:24]; leaves 0Bh and 1Fh EDX), the ID the MP table gives it.
fn cpuid_for(supported: &CpuId, id: u8) -> CpuId {
    let mut c = supported.clone();
    for e in c.as_mut_slice() {
        match e.function {
            1 => e.ebx = (e.ebx & 0x00FF_FFFF) | (u32::from(id) << 24),
            0xB | 0x1F => e.edx = u32::from(id),
            _ => {}
        }
    }
    c
}

impl KvmVcpu {
    fn read_regs(&mut self) -> Result<(kvm_regs, kvm_sregs), KvmError> {
        if self.sync_regs {
            let s = self.fd.sync_regs();
            Ok((s.regs, s.sregs))
        } else {
            Ok((
                self.fd.get_regs().map_err(KvmError::GetRegs)?,
                self.fd.get_sregs().map_err(KvmError::GetRegs)?,
            ))
        }
    }
}

impl Vcpu for KvmVcpu {
    type Error = KvmError;

    /// The registers at an OUT exit. KVM finishes an OUT on the next
    /// KVM_RUN, and how depends on the path it took: its instruction
    /// emulator has already moved RIP past the OUT, while the fast PIO path
    /// (VMX/SVM) leaves RIP on it and skips it at the next entry, but only
    /// if RIP still points there (`complete_fast_pio_out`, Linux 5.1 and
    /// later). So when RIP is on the trap site, the OUT is skipped here and
    /// RIP is always written back: the registers can be served and changed
    /// at this exit, with no KVM_RUN in between to complete the OUT.
    fn trap_state(&mut self) -> Result<TrapState, KvmError> {
        let (mut k, s) = self.read_regs()?;
        let at = s.cs.base.wrapping_add(k.rip);
        self.skip_pending = self.header.is_trap_site(at);
        if self.skip_pending {
            let len = self.header.trap_kind.bytes().len() as u64;
            k.rip = (k.rip & !0xFFFF_FFFF) | u64::from((k.rip as u32).wrapping_add(len as u32));
        }
        self.saved = Some((k, s));
        Ok(TrapState {
            regs: from_kvm(&k, &s),
            linear_rip: s.cs.base.wrapping_add(k.rip),
        })
    }

    fn always_resume(&self) -> bool {
        self.skip_pending
    }

    fn memory(&mut self) -> &mut dyn Memory {
        &mut self.mem
    }

    fn set_regs(&mut self, old: &Regs, new: &Regs) -> Result<(), KvmError> {
        let Some((mut k, mut s)) = self.saved.take() else {
            return Ok(());
        };
        let set32 = |r: &mut u64, v: u32| *r = (*r & !0xFFFF_FFFF) | u64::from(v);
        set32(&mut k.rax, new.eax);
        set32(&mut k.rbx, new.ebx);
        set32(&mut k.rcx, new.ecx);
        set32(&mut k.rdx, new.edx);
        set32(&mut k.rsi, new.esi);
        set32(&mut k.rdi, new.edi);
        set32(&mut k.rbp, new.ebp);
        set32(&mut k.rsp, new.esp);
        set32(&mut k.rip, new.eip);
        set32(&mut k.rflags, new.eflags);
        let segs_changed = old.segments() != new.segments();
        if segs_changed {
            for (seg, sel) in [
                (&mut s.cs, new.cs),
                (&mut s.ds, new.ds),
                (&mut s.es, new.es),
                (&mut s.ss, new.ss),
                (&mut s.fs, new.fs),
                (&mut s.gs, new.gs),
            ] {
                if seg.selector != sel {
                    // Real mode: the base follows the selector.
                    seg.selector = sel;
                    seg.base = u64::from(sel) << 4;
                }
            }
        }
        if self.sync_regs {
            let sync = self.fd.sync_regs_mut();
            sync.regs = k;
            if segs_changed {
                sync.sregs = s;
            }
            self.fd.set_sync_dirty_reg(SyncReg::Register);
            if segs_changed {
                self.fd.set_sync_dirty_reg(SyncReg::SystemRegister);
            }
        } else {
            self.fd.set_regs(&k).map_err(KvmError::SetRegs)?;
            if segs_changed {
                self.fd.set_sregs(&s).map_err(KvmError::SetRegs)?;
            }
        }
        Ok(())
    }
}

fn from_kvm(k: &kvm_regs, s: &kvm_sregs) -> Regs {
    Regs {
        eax: k.rax as u32,
        ebx: k.rbx as u32,
        ecx: k.rcx as u32,
        edx: k.rdx as u32,
        esi: k.rsi as u32,
        edi: k.rdi as u32,
        ebp: k.rbp as u32,
        esp: k.rsp as u32,
        eip: k.rip as u32,
        eflags: k.rflags as u32,
        cs: s.cs.selector,
        ds: s.ds.selector,
        es: s.es.selector,
        ss: s.ss.selector,
        fs: s.fs.selector,
        gs: s.gs.selector,
        iret_flags: 0,
    }
}
