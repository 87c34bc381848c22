//! The legacy I/O ports the KVM backend answers itself, besides COM1 and
//! the trap: the CMOS/RTC (70h/71h), the system control port A (92h), the
//! PCI configuration ports (CF8h/CFCh, no devices behind them), the reset
//! control register (CF9h), ACPI's PM1a block (600h-605h), and POST
//! diagnostic ports (80h, EDh), which are ignored. On the TCG backend QEMU's
//! own devices answer all of these.
//!
//! A device with no KVM in it: [`PlatformPorts::read`] and
//! [`PlatformPorts::write`] take a port and bytes and say what the machine
//! must do, so they are tested on their own.

use crate::clock::{bcd, Clock, DateTime};
use crate::memmap::{MemoryMap, HIGH_MEMORY, KIB, MIB};
use crate::platform::{Platform, S5_SLP_TYP, SLP_EN, SLP_TYP_SHIFT};

/// CMOS index port (MC146818A).
pub const CMOS_INDEX: u16 = 0x70;
/// CMOS data port.
pub const CMOS_DATA: u16 = 0x71;
/// System control port A: bit 0 fast reset, bit 1 A20 (PS/2).
pub const PORT_A: u16 = 0x92;
/// POST code port (ignored).
pub const POST_CODE: u16 = 0x80;
/// I/O delay port (ignored).
pub const IO_DELAY: u16 = 0xED;

/// CMOS registers (MC146818A; memory sizes as IBM AT, QEMU and SeaBIOS).
mod reg {
    pub const SECONDS: u8 = 0x00;
    pub const MINUTES: u8 = 0x02;
    pub const HOURS: u8 = 0x04;
    pub const WEEKDAY: u8 = 0x06;
    pub const DAY: u8 = 0x07;
    pub const MONTH: u8 = 0x08;
    pub const YEAR: u8 = 0x09;
    pub const STATUS_A: u8 = 0x0A;
    pub const STATUS_B: u8 = 0x0B;
    pub const STATUS_C: u8 = 0x0C;
    pub const STATUS_D: u8 = 0x0D;
    /// Base memory in KiB (word).
    pub const BASE_MEM: u8 = 0x15;
    /// Extended memory above 1 MiB in KiB, at most 65535 (word; twice).
    pub const EXT_MEM: u8 = 0x17;
    pub const EXT_MEM2: u8 = 0x30;
    /// Checksum of 10h-2Dh (word, big-endian).
    pub const CHECKSUM: u8 = 0x2E;
    /// Century (BCD).
    pub const CENTURY: u8 = 0x32;
    /// RAM between 16 MiB and 4 GiB in 64 KiB blocks (word).
    pub const MEM_ABOVE_16M: u8 = 0x34;
    /// RAM above 4 GiB in 64 KiB blocks (three bytes).
    pub const MEM_ABOVE_4G: u8 = 0x5B;
    /// Number of CPUs less one (QEMU's, which SeaBIOS reads).
    pub const CPUS: u8 = 0x5F;
}

/// Status B: 24-hour mode (bit 1), binary rather than BCD (bit 2).
const B_24H: u8 = 0x02;
const B_BINARY: u8 = 0x04;

/// What a port access asks of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortEffect {
    /// Nothing beyond the access itself.
    None,
    /// Reset the machine; says which register did it.
    Reset(&'static str),
    /// Power off (ACPI S5).
    PowerOff(&'static str),
}

/// The ports a PC has besides its UARTs, as far as an OS or a loader
/// touches them under pbios.
pub struct PlatformPorts {
    cmos: [u8; 128],
    index: u8,
    clock: Box<dyn Clock + Send>,
    pci_address: u32,
    port_a: u8,
    pm1_status: u16,
    pm1_enable: u16,
    pm1_control: u16,
    pm_base: u16,
    reset_port: u16,
}

impl PlatformPorts {
    /// The ports of a machine with `memmap`'s RAM and `platform`'s CPUs and
    /// port choices; the RTC reads `clock`.
    pub fn new(
        memmap: &MemoryMap,
        platform: &Platform,
        clock: Box<dyn Clock + Send>,
    ) -> PlatformPorts {
        let cpus = platform.cpus;
        let mut cmos = [0u8; 128];
        let word = |c: &mut [u8; 128], r: u8, v: u16| {
            c[usize::from(r)..usize::from(r) + 2].copy_from_slice(&v.to_le_bytes())
        };
        word(&mut cmos, reg::BASE_MEM, 640);
        let ext_kib = ((memmap.low_top - HIGH_MEMORY) / KIB).min(0xFFFF) as u16;
        word(&mut cmos, reg::EXT_MEM, ext_kib);
        word(&mut cmos, reg::EXT_MEM2, ext_kib);
        let above_16m = (memmap.low_top.saturating_sub(16 * MIB) / (64 * KIB)).min(0xFFFF) as u16;
        word(&mut cmos, reg::MEM_ABOVE_16M, above_16m);
        let above_4g = (memmap.high_size / (64 * KIB)).min(0xFF_FFFF) as u32;
        cmos[usize::from(reg::MEM_ABOVE_4G)..usize::from(reg::MEM_ABOVE_4G) + 3]
            .copy_from_slice(&above_4g.to_le_bytes()[..3]);
        cmos[usize::from(reg::CPUS)] = cpus.saturating_sub(1);
        cmos[usize::from(reg::STATUS_A)] = 0x26; // 32.768 kHz, 1024 Hz
        cmos[usize::from(reg::STATUS_B)] = B_24H;
        cmos[usize::from(reg::STATUS_D)] = 0x80; // valid RAM and time
        let sum: u16 = cmos[0x10..0x2E].iter().map(|&b| u16::from(b)).sum();
        cmos[usize::from(reg::CHECKSUM)..usize::from(reg::CHECKSUM) + 2]
            .copy_from_slice(&sum.to_be_bytes());
        PlatformPorts {
            cmos,
            index: 0,
            clock,
            pci_address: 0,
            port_a: 0x02,
            pm1_status: 0,
            pm1_enable: 0,
            pm1_control: 1, // SCI_EN: always in ACPI mode (FADT SMI_CMD = 0)
            pm_base: platform.pm_base,
            reset_port: platform.reset_port,
        }
    }

    /// Whether pbios answers `port` here (else it reads as all ones).
    pub fn handles(&self, port: u16) -> bool {
        matches!(port, CMOS_INDEX | CMOS_DATA | PORT_A | POST_CODE | IO_DELAY)
            || port == self.reset_port
            || (abi::pci::CONFIG_ADDRESS..abi::pci::CONFIG_DATA + 4).contains(&port)
            || (u32::from(self.pm_base)..u32::from(self.pm_base) + 6).contains(&u32::from(port))
    }

    /// Reads `data.len()` bytes from `port`.
    pub fn read(&mut self, port: u16, data: &mut [u8]) {
        let (pm_base, pm1a_cnt) = (self.pm_base, self.pm_base.wrapping_add(4));
        let v: u32 = match port {
            CMOS_INDEX => u32::from(self.index),
            CMOS_DATA => u32::from(self.cmos_read(self.index)),
            PORT_A => u32::from(self.port_a),
            p if p == abi::pci::CONFIG_ADDRESS && data.len() == 4 => self.pci_address,
            p if p == self.reset_port => 0,
            // No device answers configuration cycles.
            p if (abi::pci::CONFIG_DATA..abi::pci::CONFIG_DATA + 4).contains(&p) => u32::MAX,
            p if p == pm_base => u32::from(self.pm1_status) | u32::from(self.pm1_enable) << 16,
            p if p == pm_base.wrapping_add(2) => u32::from(self.pm1_enable),
            p if p == pm1a_cnt => u32::from(self.pm1_control),
            _ => u32::MAX,
        };
        for (i, b) in data.iter_mut().enumerate() {
            *b = v.checked_shr(8 * i as u32).unwrap_or(0) as u8;
        }
    }

    /// Writes `data` to `port`.
    pub fn write(&mut self, port: u16, data: &[u8]) -> PortEffect {
        let (pm_base, pm1a_cnt) = (self.pm_base, self.pm_base.wrapping_add(4));
        let mut v = 0u32;
        for (i, b) in data.iter().enumerate().take(4) {
            v |= u32::from(*b) << (8 * i);
        }
        match port {
            // Bit 7 masks NMIs, which nothing here raises.
            CMOS_INDEX => self.index = data.first().copied().unwrap_or(0) & 0x7F,
            CMOS_DATA => self.cmos_write(self.index, v as u8),
            PORT_A => {
                if v & 1 != 0 {
                    return PortEffect::Reset("port 92h fast reset");
                }
                // A20 stays open whatever bit 1 says.
                self.port_a = (v as u8 & !1) | 0x02;
            }
            p if p == abi::pci::CONFIG_ADDRESS && data.len() == 4 => self.pci_address = v,
            // Bit 2 starts a reset (bit 1 chooses hard or soft).
            p if p == self.reset_port && data.len() == 1 && v & 0x04 != 0 => {
                return PortEffect::Reset("the reset control register");
            }
            p if p == pm_base => {
                // Write one to clear.
                self.pm1_status &= !(v as u16);
                if data.len() == 4 {
                    self.pm1_enable = (v >> 16) as u16;
                }
            }
            p if p == pm_base.wrapping_add(2) => self.pm1_enable = v as u16,
            p if p == pm1a_cnt => {
                let v = v as u16;
                if v & SLP_EN != 0 {
                    let typ = (v >> SLP_TYP_SHIFT) & 7;
                    if typ == S5_SLP_TYP {
                        return PortEffect::PowerOff("ACPI S5 through PM1a control");
                    }
                }
                self.pm1_control = (v & !SLP_EN) | 1;
            }
            _ => {}
        }
        PortEffect::None
    }

    fn cmos_read(&self, r: u8) -> u8 {
        let b = self.cmos[usize::from(reg::STATUS_B)];
        let time = |v: u32| if b & B_BINARY != 0 { v as u8 } else { bcd(v) };
        let now: DateTime = match r {
            reg::SECONDS..=reg::YEAR | reg::CENTURY => self.clock.now(),
            _ => return self.cmos[usize::from(r & 0x7F)],
        };
        match r {
            reg::SECONDS => time(now.second),
            reg::MINUTES => time(now.minute),
            reg::HOURS if b & B_24H != 0 => time(now.hour),
            reg::HOURS => {
                let h12 = match now.hour % 12 {
                    0 => 12,
                    h => h,
                };
                time(h12) | if now.hour >= 12 { 0x80 } else { 0 }
            }
            reg::WEEKDAY => time(weekday(&now)),
            reg::DAY => time(now.day),
            reg::MONTH => time(now.month),
            reg::YEAR => time(now.year % 100),
            reg::CENTURY => time(now.year / 100),
            // Alarm registers (1, 3, 5) as stored.
            _ => self.cmos[usize::from(r)],
        }
    }

    fn cmos_write(&mut self, r: u8, v: u8) {
        match r {
            // The time is the host's; setting it is not kept.
            reg::SECONDS | reg::MINUTES | reg::HOURS | reg::WEEKDAY..=reg::YEAR | reg::CENTURY => {}
            // Read-only: no interrupt flags pending, RAM and time valid.
            reg::STATUS_C | reg::STATUS_D => {}
            // Update-in-progress (bit 7) is never set.
            reg::STATUS_A => self.cmos[usize::from(r)] = v & 0x7F,
            _ => self.cmos[usize::from(r)] = v,
        }
    }
}

/// Day of the week, 1 = Sunday (MC146818A).
fn weekday(t: &DateTime) -> u32 {
    // 1970-01-01 was a Thursday (5).
    ((t.to_unix() / 86400 + 4) % 7) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::memmap::GIB;

    fn ports(mem: u64, cpus: u8) -> PlatformPorts {
        let t = DateTime {
            year: 2026,
            month: 11,
            day: 21,
            hour: 15,
            minute: 4,
            second: 59,
        };
        PlatformPorts::new(
            &MemoryMap::new(mem).unwrap(),
            &crate::platform::Platform::new(cpus, true),
            Box::new(FixedClock(t)),
        )
    }

    fn cmos(p: &mut PlatformPorts, r: u8) -> u8 {
        assert_eq!(p.write(CMOS_INDEX, &[r]), PortEffect::None);
        let mut b = [0];
        p.read(CMOS_DATA, &mut b);
        b[0]
    }

    #[test]
    fn rtc_reads_the_host_time_in_bcd_or_binary() {
        let mut p = ports(128 * MIB, 1);
        let t: Vec<u8> = [0, 2, 4, 6, 7, 8, 9, 0x32]
            .iter()
            .map(|&r| cmos(&mut p, r))
            .collect();
        // 2026-11-21 was a Saturday (7).
        assert_eq!(t, [0x59, 0x04, 0x15, 0x07, 0x21, 0x11, 0x26, 0x20]);
        assert_eq!(cmos(&mut p, 0x0D), 0x80);
        assert_eq!(cmos(&mut p, 0x0A) & 0x80, 0, "never updating");
        // Binary, 12-hour mode.
        p.write(CMOS_INDEX, &[0x0B]);
        p.write(CMOS_DATA, &[B_BINARY]);
        assert_eq!(cmos(&mut p, 0), 59);
        assert_eq!(cmos(&mut p, 4), 0x80 | 3);
        // Writing the time changes nothing; CMOS RAM keeps what is written.
        p.write(CMOS_INDEX, &[0]);
        p.write(CMOS_DATA, &[0]);
        assert_eq!(cmos(&mut p, 0), 59);
        p.write(CMOS_INDEX, &[0x40 | 0x80]);
        p.write(CMOS_DATA, &[0xAB]);
        assert_eq!(cmos(&mut p, 0x40), 0xAB, "NMI bit ignored");
    }

    #[test]
    fn memory_sizes_as_seabios_reads_them() {
        let mut p = ports(6 * GIB, 4);
        let word = |p: &mut PlatformPorts, r| u16::from_le_bytes([cmos(p, r), cmos(p, r + 1)]);
        assert_eq!(word(&mut p, 0x15), 640);
        assert_eq!(word(&mut p, 0x17), 0xFFFF);
        assert_eq!(word(&mut p, 0x30), 0xFFFF);
        // 3 GiB below the hole: (3 GiB - 16 MiB) / 64 KiB.
        assert_eq!(
            word(&mut p, 0x34),
            ((3 * GIB - 16 * MIB) / (64 * KIB)) as u16
        );
        let high = u32::from_le_bytes([
            cmos(&mut p, 0x5B),
            cmos(&mut p, 0x5C),
            cmos(&mut p, 0x5D),
            0,
        ]);
        assert_eq!(u64::from(high), 3 * GIB / (64 * KIB));
        assert_eq!(cmos(&mut p, 0x5F), 3);
        let mut p = ports(32 * MIB, 1);
        assert_eq!(word(&mut p, 0x17), 31 * 1024);
        let sum: u16 = (0x10..0x2E).map(|r| u16::from(cmos(&mut p, r))).sum();
        assert_eq!(
            u16::from_be_bytes([cmos(&mut p, 0x2E), cmos(&mut p, 0x2F)]),
            sum
        );
    }

    #[test]
    fn pci_has_no_devices_and_resets_and_power_off_are_reported() {
        let mut p = ports(64 * MIB, 1);
        assert!(p.handles(0xCF8) && p.handles(0xCFF) && p.handles(0xCF9) && p.handles(0x605));
        assert!(!p.handles(0x3F8) && !p.handles(0x64) && !p.handles(0x606));
        p.write(0xCF8, &0x8000_0800u32.to_le_bytes());
        let mut d = [0u8; 4];
        p.read(0xCF8, &mut d);
        assert_eq!(u32::from_le_bytes(d), 0x8000_0800, "mechanism #1 detected");
        p.read(0xCFC, &mut d);
        assert_eq!(d, [0xFF; 4], "no device");
        // Port 92h: A20 always reads open; bit 0 resets.
        let mut b = [0];
        p.write(PORT_A, &[0]);
        p.read(PORT_A, &mut b);
        assert_eq!(b[0], 0x02);
        assert_eq!(
            p.write(PORT_A, &[0x03]),
            PortEffect::Reset("port 92h fast reset")
        );
        assert_eq!(p.write(0xCF9, &[0x02]), PortEffect::None);
        assert!(matches!(p.write(0xCF9, &[0x06]), PortEffect::Reset(_)));
        // POST codes are ignored.
        assert_eq!(p.write(POST_CODE, &[0x55]), PortEffect::None);
        // ACPI: SCI_EN reads set; SLP_EN with another type is no power-off.
        let mut w = [0u8; 2];
        p.read(crate::platform::PM1A_CNT, &mut w);
        assert_eq!(u16::from_le_bytes(w) & 1, 1);
        let s3 = (1u16 << SLP_TYP_SHIFT) | SLP_EN;
        assert_eq!(
            p.write(crate::platform::PM1A_CNT, &s3.to_le_bytes()),
            PortEffect::None
        );
        assert!(matches!(
            p.write(crate::platform::PM1A_CNT, &SLP_EN.to_le_bytes()),
            PortEffect::PowerOff(_)
        ));
    }
}
