//! The guest's registers as a BIOS service sees them, independent of the
//! backend that fetched them.

/// Carry flag (bit 0 of FLAGS).
pub const FLAG_CF: u16 = 1 << 0;
/// Zero flag (bit 6 of FLAGS).
pub const FLAG_ZF: u16 = 1 << 6;
/// Interrupt-enable flag (bit 9 of FLAGS).
pub const FLAG_IF: u16 = 1 << 9;
/// EFLAGS.VM (bit 17): the CPU runs in virtual-8086 mode.
pub const EFLAGS_VM: u32 = 1 << 17;

/// Register state of a trapped BIOS call.
///
/// `iret_flags` is not the live RFLAGS: it is the FLAGS image the stub's IRET
/// pops (at SS:SP+4), which is where a BIOS returns CF and ZF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// EAX: accumulator; AH usually selects the BIOS function.
    pub eax: u32,
    /// EBX: base register.
    pub ebx: u32,
    /// ECX: count register.
    pub ecx: u32,
    /// EDX: data register.
    pub edx: u32,
    /// ESI: source index.
    pub esi: u32,
    /// EDI: destination index.
    pub edi: u32,
    /// EBP: base pointer.
    pub ebp: u32,
    /// ESP: stack pointer.
    pub esp: u32,
    /// EIP: instruction pointer.
    pub eip: u32,
    /// Live RFLAGS (low 32 bits).
    pub eflags: u32,
    /// CS: code segment selector.
    pub cs: u16,
    /// DS: data segment selector.
    pub ds: u16,
    /// ES: extra segment selector.
    pub es: u16,
    /// SS: stack segment selector.
    pub ss: u16,
    /// FS: extra segment selector.
    pub fs: u16,
    /// GS: extra segment selector.
    pub gs: u16,
    /// The caller's FLAGS as IRET will restore them.
    pub iret_flags: u16,
}

macro_rules! reg16 {
    ($get:ident, $set:ident, $field:ident, $name:literal, $wide:literal) => {
        #[doc = concat!($name, ": the low 16 bits of ", $wide, ".")]
        pub fn $get(&self) -> u16 {
            self.$field as u16
        }
        #[doc = concat!("Sets ", $name, " (the low 16 bits of ", $wide, "), keeping the upper 16 bits.")]
        pub fn $set(&mut self, v: u16) {
            self.$field = (self.$field & 0xFFFF_0000) | u32::from(v);
        }
    };
}

macro_rules! reg8 {
    ($hi:ident, $set_hi:ident, $lo:ident, $set_lo:ident, $field:ident, $hname:literal, $lname:literal, $wide:literal) => {
        #[doc = concat!($hname, ": bits 8-15 of ", $wide, ".")]
        pub fn $hi(&self) -> u8 {
            (self.$field >> 8) as u8
        }
        #[doc = concat!("Sets ", $hname, " (bits 8-15 of ", $wide, "), keeping the other bits.")]
        pub fn $set_hi(&mut self, v: u8) {
            self.$field = (self.$field & 0xFFFF_00FF) | (u32::from(v) << 8);
        }
        #[doc = concat!($lname, ": the low 8 bits of ", $wide, ".")]
        pub fn $lo(&self) -> u8 {
            self.$field as u8
        }
        #[doc = concat!("Sets ", $lname, " (the low 8 bits of ", $wide, "), keeping the other bits.")]
        pub fn $set_lo(&mut self, v: u8) {
            self.$field = (self.$field & 0xFFFF_FF00) | u32::from(v);
        }
    };
}

impl Regs {
    reg16!(ax, set_ax, eax, "AX", "EAX");
    reg16!(bx, set_bx, ebx, "BX", "EBX");
    reg16!(cx, set_cx, ecx, "CX", "ECX");
    reg16!(dx, set_dx, edx, "DX", "EDX");
    reg16!(si, set_si, esi, "SI", "ESI");
    reg16!(di, set_di, edi, "DI", "EDI");
    reg16!(bp, set_bp, ebp, "BP", "EBP");
    reg16!(sp, set_sp, esp, "SP", "ESP");
    reg16!(ip, set_ip, eip, "IP", "EIP");
    reg8!(ah, set_ah, al, set_al, eax, "AH", "AL", "EAX");
    reg8!(bh, set_bh, bl, set_bl, ebx, "BH", "BL", "EBX");
    reg8!(ch, set_ch, cl, set_cl, ecx, "CH", "CL", "ECX");
    reg8!(dh, set_dh, dl, set_dl, edx, "DH", "DL", "EDX");

    /// Sets or clears CF in the IRET FLAGS image.
    pub fn set_cf(&mut self, on: bool) {
        self.set_iret_flag(FLAG_CF, on)
    }

    /// Sets or clears ZF in the IRET FLAGS image.
    pub fn set_zf(&mut self, on: bool) {
        self.set_iret_flag(FLAG_ZF, on)
    }

    /// CF as IRET will restore it.
    pub fn cf(&self) -> bool {
        self.iret_flags & FLAG_CF != 0
    }

    /// ZF as IRET will restore it.
    pub fn zf(&self) -> bool {
        self.iret_flags & FLAG_ZF != 0
    }

    fn set_iret_flag(&mut self, flag: u16, on: bool) {
        if on {
            self.iret_flags |= flag
        } else {
            self.iret_flags &= !flag
        }
    }

    /// The segment selectors: CS, DS, ES, SS, FS, GS.
    pub fn segments(&self) -> [u16; 6] {
        [self.cs, self.ds, self.es, self.ss, self.fs, self.gs]
    }

    /// The registers from a hypervisor's 64-bit ones (RAX, RBX, RCX, RDX,
    /// RSI, RDI, RBP, RSP, RIP, RFLAGS; their low halves) and selectors
    /// (CS, DS, ES, SS, FS, GS): the inverse of [`Regs::write_gprs`].
    pub fn from_hypervisor(gprs: [u64; 10], segs: [u16; 6]) -> Regs {
        let [eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags] = gprs.map(|r| r as u32);
        let [cs, ds, es, ss, fs, gs] = segs;
        Regs {
            eax,
            ebx,
            ecx,
            edx,
            esi,
            edi,
            ebp,
            esp,
            eip,
            eflags,
            cs,
            ds,
            es,
            ss,
            fs,
            gs,
            iret_flags: 0,
        }
    }

    /// The 32-bit registers a service may change, in the order EAX, EBX,
    /// ECX, EDX, ESI, EDI, EBP, ESP, EIP, EFLAGS.
    pub fn gprs(&self) -> [u32; 10] {
        [
            self.eax,
            self.ebx,
            self.ecx,
            self.edx,
            self.esi,
            self.edi,
            self.ebp,
            self.esp,
            self.eip,
            self.eflags,
        ]
    }

    /// Writes [`Regs::gprs`] into a hypervisor's 64-bit registers (in the
    /// same order), keeping their upper halves.
    pub fn write_gprs(&self, dst: [&mut u64; 10]) {
        for (r, v) in dst.into_iter().zip(self.gprs()) {
            *r = (*r & !0xFFFF_FFFF) | u64::from(v);
        }
    }

    /// Writes the selectors that differ from `old`'s into a hypervisor's
    /// (selector, base) pairs, CS, DS, ES, SS, FS, GS, with the real-mode
    /// base (selector × 16). Returns whether any changed.
    pub fn write_segments(&self, old: &Regs, dst: [(&mut u16, &mut u64); 6]) -> bool {
        if old.segments() == self.segments() {
            return false;
        }
        for ((sel, base), v) in dst.into_iter().zip(self.segments()) {
            if *sel != v {
                *sel = v;
                *base = u64::from(v) << 4;
            }
        }
        true
    }

    /// One line with the 16-bit registers, for traces and crash reports.
    pub fn summary(&self) -> String {
        format!(
            "AX={:04X} BX={:04X} CX={:04X} DX={:04X} SI={:04X} DI={:04X} BP={:04X} \
             DS={:04X} ES={:04X}",
            self.ax(),
            self.bx(),
            self.cx(),
            self.dx(),
            self.si(),
            self.di(),
            self.bp(),
            self.ds,
            self.es
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_registers() {
        let mut r = Regs {
            eax: 0x1234_5678,
            ..Default::default()
        };
        assert_eq!(r.ax(), 0x5678);
        assert_eq!(r.ah(), 0x56);
        assert_eq!(r.al(), 0x78);
        r.set_ah(0xAB);
        assert_eq!(r.eax, 0x1234_AB78);
        r.set_ax(0);
        assert_eq!(r.eax, 0x1234_0000);
        r.set_cf(true);
        r.set_zf(true);
        assert_eq!(r.iret_flags, FLAG_CF | FLAG_ZF);
        r.set_cf(false);
        assert!(!r.cf() && r.zf());
    }

    #[test]
    fn write_back_keeps_upper_halves_and_moves_real_mode_bases() {
        let old = Regs {
            ds: 0x1000,
            ..Default::default()
        };
        let new = Regs {
            eax: 0xAABB,
            eip: 0x7C00,
            es: 0x2000,
            ..old
        };
        let mut hv = [u64::MAX; 10];
        let [a, b, c, d, e, f, g, h, i, j] = &mut hv;
        new.write_gprs([a, b, c, d, e, f, g, h, i, j]);
        assert_eq!(hv[0], 0xFFFF_FFFF_0000_AABB);
        assert_eq!(hv[8], 0xFFFF_FFFF_0000_7C00);
        let mut sel = [0u16, 0x1000, 0, 0, 0, 0];
        let mut base = [0u64, 0x10000, 0, 0, 0, 0xDEAD];
        let [s0, s1, s2, s3, s4, s5] = &mut sel;
        let [b0, b1, b2, b3, b4, b5] = &mut base;
        let dst = [(s0, b0), (s1, b1), (s2, b2), (s3, b3), (s4, b4), (s5, b5)];
        assert!(new.write_segments(&old, dst));
        assert_eq!((sel[2], base[2]), (0x2000, 0x20000), "ES moved");
        assert_eq!(base[5], 0xDEAD, "an unchanged selector keeps its base");
        let [s0, s1, s2, s3, s4, s5] = &mut sel;
        let [b0, b1, b2, b3, b4, b5] = &mut base;
        let dst = [(s0, b0), (s1, b1), (s2, b2), (s3, b3), (s4, b4), (s5, b5)];
        assert!(!new.write_segments(&new, dst), "nothing changed");
        assert_eq!(base[5], 0xDEAD);
    }
}
