//! The guest's registers as a BIOS service sees them, independent of the
//! backend that fetched them.

/// Carry flag (bit 0 of FLAGS).
pub const FLAG_CF: u16 = 1 << 0;
/// Zero flag (bit 6 of FLAGS).
pub const FLAG_ZF: u16 = 1 << 6;
/// Interrupt-enable flag (bit 9 of FLAGS).
pub const FLAG_IF: u16 = 1 << 9;

/// Register state of a trapped BIOS call.
///
/// `iret_flags` is not the live RFLAGS: it is the FLAGS image the stub's IRET
/// pops (at SS:SP+4), which is where a BIOS returns CF and ZF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub esi: u32,
    pub edi: u32,
    pub ebp: u32,
    pub esp: u32,
    pub eip: u32,
    /// Live RFLAGS (low 32 bits).
    pub eflags: u32,
    pub cs: u16,
    pub ds: u16,
    pub es: u16,
    pub ss: u16,
    pub fs: u16,
    pub gs: u16,
    /// The caller's FLAGS as IRET will restore them.
    pub iret_flags: u16,
}

macro_rules! reg16 {
    ($get:ident, $set:ident, $field:ident) => {
        pub fn $get(&self) -> u16 {
            self.$field as u16
        }
        pub fn $set(&mut self, v: u16) {
            self.$field = (self.$field & 0xFFFF_0000) | u32::from(v);
        }
    };
}

macro_rules! reg8 {
    ($hi:ident, $set_hi:ident, $lo:ident, $set_lo:ident, $field:ident) => {
        pub fn $hi(&self) -> u8 {
            (self.$field >> 8) as u8
        }
        pub fn $set_hi(&mut self, v: u8) {
            self.$field = (self.$field & 0xFFFF_00FF) | (u32::from(v) << 8);
        }
        pub fn $lo(&self) -> u8 {
            self.$field as u8
        }
        pub fn $set_lo(&mut self, v: u8) {
            self.$field = (self.$field & 0xFFFF_FF00) | u32::from(v);
        }
    };
}

impl Regs {
    reg16!(ax, set_ax, eax);
    reg16!(bx, set_bx, ebx);
    reg16!(cx, set_cx, ecx);
    reg16!(dx, set_dx, edx);
    reg16!(si, set_si, esi);
    reg16!(di, set_di, edi);
    reg16!(bp, set_bp, ebp);
    reg16!(sp, set_sp, esp);
    reg16!(ip, set_ip, eip);
    reg8!(ah, set_ah, al, set_al, eax);
    reg8!(bh, set_bh, bl, set_bl, ebx);
    reg8!(ch, set_ch, cl, set_cl, ecx);
    reg8!(dh, set_dh, dl, set_dl, edx);

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

    /// One line with the 16-bit registers, for traces and crash reports.
    /// The segment selectors: CS, DS, ES, SS, FS, GS.
    pub fn segments(&self) -> [u16; 6] {
        [self.cs, self.ds, self.es, self.ss, self.fs, self.gs]
    }

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
}
