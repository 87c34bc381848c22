//! The host configuration POST asks for once (private service
//! [`crate::svc::GET_CONFIG`]) and copies into the BDA and EBDA.
//!
//! Encoded little endian, [`HostConfig::SIZE`] bytes, fields in declaration
//! order.

/// What the host tells POST about the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostConfig {
    /// Conventional memory below the EBDA, in KiB (BDA 40:13), e.g. 639.
    pub base_mem_kib: u16,
    /// Segment of the EBDA (BDA 40:0E).
    pub ebda_segment: u16,
    /// Size of the EBDA in KiB (first byte of the EBDA).
    pub ebda_kib: u16,
    /// Equipment word (BDA 40:10, INT 11h).
    pub equipment: u16,
    /// Base ports of COM1–COM4 (BDA 40:00), 0 when absent.
    pub com_ports: [u16; 4],
    /// Number of hard disks (BDA 40:75).
    pub hd_count: u8,
    /// Initial timer tick count since midnight (BDA 40:6C).
    pub ticks_since_midnight: u32,
    /// [`FLAG_PIIX4_PM`] and future machine features.
    pub flags: u8,
}

/// The machine is QEMU's `pc` (the TCG backend): POST enables the PIIX4's
/// ACPI power management registers, which the FADT points at.
pub const FLAG_PIIX4_PM: u8 = 1 << 0;

impl HostConfig {
    /// Encoded size in bytes.
    pub const SIZE: usize = 2 + 2 + 2 + 2 + 8 + 1 + 4 + 1;

    /// Encodes the configuration.
    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..2].copy_from_slice(&self.base_mem_kib.to_le_bytes());
        b[2..4].copy_from_slice(&self.ebda_segment.to_le_bytes());
        b[4..6].copy_from_slice(&self.ebda_kib.to_le_bytes());
        b[6..8].copy_from_slice(&self.equipment.to_le_bytes());
        for (i, p) in self.com_ports.iter().enumerate() {
            b[8 + 2 * i..10 + 2 * i].copy_from_slice(&p.to_le_bytes());
        }
        b[16] = self.hd_count;
        b[17..21].copy_from_slice(&self.ticks_since_midnight.to_le_bytes());
        b[21] = self.flags;
        b
    }

    /// Decodes a configuration.
    pub fn decode(b: &[u8; Self::SIZE]) -> HostConfig {
        let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
        HostConfig {
            base_mem_kib: u16_at(0),
            ebda_segment: u16_at(2),
            ebda_kib: u16_at(4),
            equipment: u16_at(6),
            com_ports: [u16_at(8), u16_at(10), u16_at(12), u16_at(14)],
            hd_count: b[16],
            ticks_since_midnight: u32::from_le_bytes([b[17], b[18], b[19], b[20]]),
            flags: b[21],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let c = HostConfig {
            base_mem_kib: 639,
            ebda_segment: 0x9FC0,
            ebda_kib: 1,
            equipment: 0x0261,
            com_ports: [0x3F8, 0, 0, 0],
            hd_count: 1,
            ticks_since_midnight: 0x0012_3456,
            flags: FLAG_PIIX4_PM,
        };
        assert_eq!(HostConfig::decode(&c.encode()), c);
    }
}
