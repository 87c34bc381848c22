//! The KVM backend: pbios's own VM (the ROM, guest RAM, the in-kernel PIC,
//! I/O APIC and PIT, a 16550 on COM1, the platform ports, APs on their own
//! threads) and, in [`serve_trap`], the adapter any kvm-ioctls VMM's exit
//! loop calls to serve a BIOS trap.

mod vcpu;

pub use vcpu::{enable_sync_regs, serve_trap};

use super::{Accel, Backend, MachineError, MachineSpec, SerialIn, SerialOut, Stopper};
use crate::bios::Bios;

use crate::memmap::{KVM_IDENTITY_MAP, KVM_TSS};
use crate::platform::IOAPIC_PINS;
use crate::ports::{PlatformPorts, PortEffect};
use crate::serial::{CoalescedOut, SharedUart};
use crate::vcpu::{Exit, RunStats};
use kvm_bindings::{
    kvm_guest_debug, kvm_irq_routing_entry, kvm_pit_config, kvm_userspace_memory_region, CpuId,
    KvmIrqRouting, KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_SINGLESTEP, KVM_IRQCHIP_IOAPIC,
    KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQ_ROUTING_IRQCHIP, KVM_MAX_CPUID_ENTRIES,
    KVM_MEM_READONLY, KVM_PIT_SPEAKER_DUMMY,
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
#[allow(missing_docs)] // Each variant's message says what failed.
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

/// Bytes for COM1's receiver: queued in the UART's FIFO (which raises IRQ 4
/// if the guest enabled it), waiting while the FIFO is full.
struct UartInput(Arc<Mutex<KvmSerial>>);

impl Write for UartInput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        loop {
            // The UART's lock is not held while waiting.
            let queued = uart(&self.0).enqueue_raw_bytes(buf);
            match queued {
                Ok(n) => return Ok(n),
                Err(vm_superio::serial::Error::FullFifo) => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Err(e) => return Err(std::io::Error::other(format!("{e:?}"))),
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// COM1's IRQ.
const COM1_IRQ: u32 = 4;

/// What every vCPU's thread shares: the devices behind port I/O, and how
/// an application processor ends the run.
struct Shared {
    serial: Arc<Mutex<KvmSerial>>,
    /// COM1's output stream, behind the UART (flushed when a run ends).
    com1_out: CoalescedOut,
    ports: Mutex<PlatformPorts>,
    /// The display adapter's registers (the BIOS's own).
    vga: Arc<Mutex<crate::vga::Vga>>,
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
    fd: VcpuFd,
    mem: GuestMemoryMmap,
    sync_regs: bool,
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
    pub fn new(spec: MachineSpec) -> Result<KvmMachine, KvmError> {
        let MachineSpec {
            rom,
            memmap,
            platform,
            devices,
            serial_out,
        } = spec;
        let platform = platform.clamped();
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

        let mem = crate::mem::guest_ram(&memmap.ram_ranges())
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
        // The guest's copy of the ROM, with the SMBIOS entry points in.
        let mut image = rom.bytes.clone();
        crate::rom::patch(&mut image, &platform, &memmap);
        // SAFETY: the region is a fresh private mapping of ROM_SIZE bytes, the
        // same length as the checked image.
        unsafe {
            std::ptr::copy_nonoverlapping(image.as_ptr(), rom_region.as_ptr(), abi::ROM_SIZE)
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
        // The UART flushes after every byte; the stream gets them in batches.
        let com1_out = CoalescedOut::new(serial_out);
        let serial = Arc::new(Mutex::new(Serial::new(
            IrqTrigger(evt),
            Box::new(com1_out.clone()) as SerialOut,
        )));
        let vga = Arc::new(Mutex::new(crate::vga::Vga::new()));
        let shared = Arc::new(Shared {
            vga: vga.clone(),
            serial: serial.clone(),
            com1_out,
            ports: Mutex::new(PlatformPorts::new(
                &memmap,
                &platform,
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
        let sync_regs = enable_sync_regs(&kvm, &mut vcpu);
        let bios = Bios::builder(rom.header, memmap, devices)
            .vga(vga)
            .platform(platform)
            .com1(Box::new(SharedUart(serial)))
            .build();
        Ok(KvmMachine {
            _kvm: kvm,
            _vm: vm,
            fd: vcpu,
            mem,
            sync_regs,
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

    /// Whether register reads and writes go through KVM_CAP_SYNC_REGS.
    pub fn uses_sync_regs(&self) -> bool {
        self.sync_regs
    }

    /// Uses the KVM_GET/SET_REGS ioctls instead of KVM_CAP_SYNC_REGS (for
    /// comparing the two; sync regs is the default where KVM offers it).
    pub fn disable_sync_regs(&mut self) {
        if self.sync_regs {
            self.fd.clear_sync_valid_reg(SyncReg::Register);
            self.fd.clear_sync_valid_reg(SyncReg::SystemRegister);
            self.sync_regs = false;
        }
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
        self.fd.set_guest_debug(&dbg).map_err(KvmError::SingleStep)
    }

    /// Runs the guest from the reset vector until it ends.
    fn run_machine(&mut self) -> Result<Exit, KvmError> {
        self.stats.start();
        // A Stopper (and an application processor) kicks this thread out
        // of KVM_RUN.
        install_kick_handler()?;
        // SAFETY: pthread_self has no preconditions.
        *lock(&self.shared.bsp_thread) = Some(unsafe { libc::pthread_self() });
        if let Some(end) = lock(&self.shared.ended).take() {
            *lock(&self.shared.bsp_thread) = None;
            return end; // stopped before it ran
        }
        self.start_aps()?;
        let end = self.run_bsp();
        // The boot CPU's thread may go on to other things: no more kicks
        // for it, and the other CPUs stop too.
        *lock(&self.shared.bsp_thread) = None;
        self.stop_aps();
        // Whatever ended the run, the guest's serial output is all out.
        let _ = self.shared.com1_out.flush_now();
        end
    }

    fn run_bsp(&mut self) -> Result<Exit, KvmError> {
        loop {
            self.stats.exits += 1;
            let step = match self.fd.run() {
                Ok(exit) => on_exit(&self.shared, exit, 0),
                Err(e) => on_run_error(e),
            };
            match step {
                Step::Go => {}
                Step::Trap => {
                    let stop = serve_trap(&mut self.bios, &mut self.fd, &self.mem)?;
                    if self.stats.check_boot(&self.bios) && self.count_instructions {
                        self.stats.instructions_at_boot = Some(self.instructions);
                        self.count_instructions = false;
                        self.set_single_step(false)?;
                    }
                    if let Some(exit) = stop {
                        return Ok(exit);
                    }
                }
                Step::Debug if self.count_instructions => {
                    self.stats.exits -= 1;
                    self.instructions += 1;
                }
                Step::Debug => return self.fail("unexpected debug exit".into()),
                Step::Interrupted => {
                    // An application processor may have ended the run.
                    if let Some(end) = lock(&self.shared.ended).take() {
                        return end;
                    }
                }
                Step::End(Exit::Reset(how)) => {
                    return Ok(Exit::Reset(format!("{how} at {}", self.where_now())))
                }
                Step::End(Exit::TripleFault(_)) => return Ok(Exit::TripleFault(self.where_now())),
                Step::End(exit) => return Ok(exit),
                Step::Fail(what) => return self.fail(what),
                Step::Error(e) => return Err(e),
            }
        }
    }

    fn fail(&mut self, what: String) -> Result<Exit, KvmError> {
        Err(KvmError::Guest {
            what,
            at: self.where_now(),
        })
    }

    /// Starts a thread per application processor; each waits in KVM_RUN
    /// for the INIT and SIPI an OS sends.
    fn start_aps(&mut self) -> Result<(), KvmError> {
        if self.aps.is_empty() {
            return Ok(());
        }
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

    /// Where the vCPU is, for messages: CS:IP and the registers.
    fn where_now(&mut self) -> String {
        match (self.fd.get_regs(), self.fd.get_sregs()) {
            (Ok(k), Ok(s)) => {
                let r = vcpu::from_kvm(&k, &s);
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

/// What an exit asks of the CPU's loop. The boot CPU and the application
/// processors share [`on_exit`]; only the boot CPU serves BIOS calls.
enum Step {
    /// Run on.
    Go,
    /// A BIOS trap (an OUT to the trap port).
    Trap,
    /// A single-step exit (instruction counting).
    Debug,
    /// KVM_RUN was interrupted (a kick).
    Interrupted,
    /// The run ends with this exit.
    End(Exit),
    /// KVM could not run the guest: what happened.
    Fail(String),
    /// KVM_RUN itself failed.
    Error(KvmError),
}

/// Handles one exit of CPU `cpu`: port and MMIO accesses are served here.
fn on_exit(shared: &Shared, exit: VcpuExit, cpu: u8) -> Step {
    match exit {
        VcpuExit::IoOut(port, _) if port == u16::from(abi::TRAP_PORT) => Step::Trap,
        VcpuExit::IoOut(port, data) => match io_out(shared, port, data) {
            Some(exit) => Step::End(exit),
            None => Step::Go,
        },
        VcpuExit::IoIn(port, data) => {
            io_in(shared, port, data);
            Step::Go
        }
        // Unbacked addresses read as all ones; writes to the ROM and
        // to holes are dropped.
        VcpuExit::MmioRead(_, data) => {
            data.fill(0xFF);
            Step::Go
        }
        VcpuExit::MmioWrite(..) | VcpuExit::Intr | VcpuExit::Hlt => Step::Go,
        VcpuExit::Debug(_) => Step::Debug,
        VcpuExit::Shutdown => Step::End(Exit::TripleFault(format!("CPU {cpu}"))),
        VcpuExit::InternalError => Step::Fail("internal error".into()),
        VcpuExit::FailEntry(reason, _) => Step::Fail(format!("entry failed, reason {reason:#x}")),
        other => Step::Fail(format!("unexpected exit {other:?}")),
    }
}

/// A failed KVM_RUN: a kick, or a real failure.
fn on_run_error(e: errno::Error) -> Step {
    if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN {
        Step::Interrupted
    } else {
        Step::Error(KvmError::Run(e))
    }
}

/// An application processor's thread: serves its port and MMIO exits
/// until the machine stops. BIOS calls are the boot CPU's only.
fn run_ap(cpu: u8, mut fd: VcpuFd, shared: &Shared) {
    let fail = |what: String| {
        Some(Err(KvmError::Guest {
            what,
            at: format!("CPU {cpu}"),
        }))
    };
    while !shared.stopping.load(Ordering::SeqCst) {
        let step = match fd.run() {
            Ok(exit) => on_exit(shared, exit, cpu),
            Err(e) => on_run_error(e),
        };
        let end = match step {
            Step::Go | Step::Interrupted => None,
            Step::Trap => fail(format!(
                "a BIOS call from CPU {cpu} (only CPU 0's are served)"
            )),
            Step::Debug => fail("unexpected debug exit".into()),
            Step::End(Exit::Reset(how)) => Some(Ok(Exit::Reset(format!("{how} on CPU {cpu}")))),
            Step::End(exit) => Some(Ok(exit)),
            Step::Fail(what) => fail(what),
            Step::Error(e) => Some(Err(e)),
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
            let _ = shared.com1_out.flush_now();
            Some(Exit::DebugExit(value))
        }
        p if (abi::COM1_PORT..abi::COM1_PORT + 8).contains(&p) => {
            let _ = uart(&shared.serial).write((p - abi::COM1_PORT) as u8, value);
            None
        }
        abi::I8042_COMMAND_PORT if value == abi::I8042_CMD_RESET => {
            Some(Exit::Reset("i8042 reset (FEh to port 64h)".into()))
        }
        p if (0x3B4..=0x3DF).contains(&p) => {
            let mut vga = lock(&shared.vga);
            if vga.handles(p) {
                vga.write(p, data);
            }
            None
        }
        p => {
            let mut ports = lock(&shared.ports);
            if !ports.handles(p) {
                return None;
            }
            match ports.write(p, data) {
                PortEffect::None => None,
                PortEffect::Reset(how) => Some(Exit::Reset(how.into())),
                PortEffect::PowerOff(how) => {
                    let _ = shared.com1_out.flush_now();
                    Some(Exit::PowerOff(how.into()))
                }
            }
        }
    }
}

/// A port read, from any CPU: COM1, the platform's ports, else all ones.
fn io_in(shared: &Shared, port: u16, data: &mut [u8]) {
    if (abi::COM1_PORT..abi::COM1_PORT + 8).contains(&port) {
        let v = uart(&shared.serial).read((port - abi::COM1_PORT) as u8);
        data.fill(v);
    } else if (0x3B4..=0x3DF).contains(&port) {
        let mut vga = lock(&shared.vga);
        if vga.handles(port) {
            vga.read(port, data);
        } else {
            data.fill(0xFF);
        }
    } else {
        let mut ports = lock(&shared.ports);
        if ports.handles(port) {
            ports.read(port, data);
        } else {
            data.fill(0xFF);
        }
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

impl Backend for KvmMachine {
    fn run(&mut self) -> Result<Exit, MachineError> {
        Ok(self.run_machine()?)
    }

    fn memory(&self) -> &GuestMemoryMmap {
        &self.mem
    }

    fn bios(&self) -> &Bios {
        &self.bios
    }

    fn stats(&self) -> RunStats {
        self.stats
    }

    fn accel(&self) -> Accel {
        Accel::Kvm
    }

    fn stopper(&self) -> Stopper {
        let shared = self.shared.clone();
        Stopper::new(move |why| end_from_ap(&shared, Ok(Exit::Stopped(why))))
    }

    fn serial_input(&self) -> Result<SerialIn, MachineError> {
        Ok(Box::new(UartInput(self.shared.serial.clone())))
    }

    fn count_instructions(&mut self) -> Result<bool, MachineError> {
        self.count_instructions()?;
        Ok(true)
    }
}
