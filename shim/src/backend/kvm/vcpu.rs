//! The KVM adapter an embedder's exit loop calls: serve the BIOS call a
//! `kvm_ioctls::VcpuFd` stopped at, with the registers through
//! KVM_CAP_SYNC_REGS where the vCPU has it on.

use super::KvmError;
use crate::bios::Bios;
use crate::mem::{GuestRam, Memory};
use crate::regs::Regs;
use crate::vcpu::{past_trap, serve_trap as serve, Exit, TrapState, Vcpu};
use abi::header::RomHeader;
use kvm_bindings::{kvm_regs, kvm_sregs, KVM_SYNC_X86_REGS, KVM_SYNC_X86_SREGS};
use kvm_ioctls::{Cap, Kvm, SyncReg, VcpuFd};
use vm_memory::GuestMemoryMmap;

/// Asks KVM to hand the registers over in the shared `kvm_run` page at each
/// exit (KVM_CAP_SYNC_REGS), which saves the three or four GET/SET ioctls
/// a BIOS call would take (about 6 µs each where KVM is emulated). Call it
/// once, before the vCPU's first KVM_RUN, and leave it on. Returns whether
/// this KVM offers it; [`serve_trap`] works either way.
pub fn enable_sync_regs(kvm: &Kvm, vcpu: &mut VcpuFd) -> bool {
    if !kvm.check_extension(Cap::SyncRegs) {
        return false;
    }
    vcpu.set_sync_valid_reg(SyncReg::Register);
    vcpu.set_sync_valid_reg(SyncReg::SystemRegister);
    true
}

/// Serves the BIOS call `vcpu` stopped at: call it for a `VcpuExit::IoOut`
/// on [`crate::abi::TRAP_PORT`], then `run()` the vCPU again. It reads the
/// registers, runs the service on `bios` with `mem` as guest RAM, and
/// writes back what changed: the FLAGS image on the guest's stack, the
/// registers, and RIP past the OUT when KVM left it on the trap (its fast
/// PIO path does; see docs/embedding.md). Returns why the run must end, if
/// the service says so (INT 19h found nothing to boot).
///
/// With SYNC_REGS on, the new registers reach KVM at the next KVM_RUN:
/// make no KVM_GET/SET_REGS or SREGS call between this and that run. When
/// it returns an exit, everything is written through the ioctls instead,
/// so a VMM that resets the vCPU next is not overridden.
pub fn serve_trap(
    bios: &mut Bios,
    vcpu: &mut VcpuFd,
    mem: &GuestMemoryMmap,
) -> Result<Option<Exit>, KvmError> {
    let valid = vcpu.get_kvm_run().kvm_valid_regs;
    let sync = u64::from(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
    let mut v = KvmVcpu {
        header: *bios.header(),
        fd: vcpu,
        mem: GuestRam(mem),
        sync_regs: valid & sync == sync,
        saved: None,
        skip_pending: false,
        dirty: false,
    };
    let stop = serve(bios, &mut v)?;
    if stop.is_some() && v.dirty {
        let s = v.fd.sync_regs();
        v.fd.set_regs(&s.regs).map_err(KvmError::SetRegs)?;
        v.fd.set_sregs(&s.sregs).map_err(KvmError::SetRegs)?;
        v.fd.clear_sync_dirty_reg(SyncReg::Register);
        v.fd.clear_sync_dirty_reg(SyncReg::SystemRegister);
    }
    Ok(stop.map(Exit::from))
}

/// The vCPU and guest RAM at one trap ([`Vcpu`]).
pub(crate) struct KvmVcpu<'a> {
    pub(crate) fd: &'a mut VcpuFd,
    pub(crate) mem: GuestRam<'a>,
    pub(crate) sync_regs: bool,
    /// The registers read at this trap, to write back with changes.
    pub(crate) saved: Option<(kvm_regs, kvm_sregs)>,
    /// The ROM's header: where the trap instructions are.
    pub(crate) header: RomHeader,
    /// This trap's OUT has not been skipped yet (see [`KvmVcpu::trap_state`]).
    pub(crate) skip_pending: bool,
    /// Registers were handed to KVM through the sync area.
    pub(crate) dirty: bool,
}

impl KvmVcpu<'_> {
    fn read_regs(&mut self) -> Result<(kvm_regs, kvm_sregs), KvmError> {
        if self.sync_regs {
            let s = self.fd.sync_regs();
            // CR0.ET is set on every x86 CPU from reset on: a zero CR0 is a
            // sync area KVM has not filled (SYNC_REGS turned on after the
            // vCPU ran): read through the ioctls this time.
            if s.sregs.cr0 != 0 {
                return Ok((s.regs, s.sregs));
            }
            self.sync_regs = false;
        }
        Ok((
            self.fd.get_regs().map_err(KvmError::GetRegs)?,
            self.fd.get_sregs().map_err(KvmError::GetRegs)?,
        ))
    }
}

impl Vcpu for KvmVcpu<'_> {
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
        let past = past_trap(&self.header, s.cs.base, k.rip as u32);
        self.skip_pending = past.is_some();
        if let Some(eip) = past {
            k.rip = (k.rip & !0xFFFF_FFFF) | u64::from(eip);
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
        new.write_gprs([
            &mut k.rax,
            &mut k.rbx,
            &mut k.rcx,
            &mut k.rdx,
            &mut k.rsi,
            &mut k.rdi,
            &mut k.rbp,
            &mut k.rsp,
            &mut k.rip,
            &mut k.rflags,
        ]);
        let segs_changed = new.write_segments(
            old,
            [
                (&mut s.cs.selector, &mut s.cs.base),
                (&mut s.ds.selector, &mut s.ds.base),
                (&mut s.es.selector, &mut s.es.base),
                (&mut s.ss.selector, &mut s.ss.base),
                (&mut s.fs.selector, &mut s.fs.base),
                (&mut s.gs.selector, &mut s.gs.base),
            ],
        );
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
            self.dirty = true;
        } else {
            self.fd.set_regs(&k).map_err(KvmError::SetRegs)?;
            if segs_changed {
                self.fd.set_sregs(&s).map_err(KvmError::SetRegs)?;
            }
        }
        Ok(())
    }
}

/// [`Regs`] from KVM's register structures.
pub(crate) fn from_kvm(k: &kvm_regs, s: &kvm_sregs) -> Regs {
    Regs::from_hypervisor(
        [
            k.rax, k.rbx, k.rcx, k.rdx, k.rsi, k.rdi, k.rbp, k.rsp, k.rip, k.rflags,
        ],
        [
            s.cs.selector,
            s.ds.selector,
            s.es.selector,
            s.ss.selector,
            s.fs.selector,
            s.gs.selector,
        ],
    )
}
