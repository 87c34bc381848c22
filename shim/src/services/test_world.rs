//! The shared fixture of the service handlers' unit tests: a [`World`] of
//! fake guest memory, a disk and a console, without KVM, whose
//! [`World::call`] runs a handler as the dispatcher does. Each service's
//! tests sit beside it, in a `tests` module that `use`s this one.

use super::*;
use crate::clock::{DateTime, FixedClock};
use crate::keyboard::ScriptedKeys;
use crate::mem::guest_ram;
use crate::memmap::{MemoryMap, MIB};
use vm_memory::GuestMemoryMmap;

/// The guest memory helpers every service's tests use on [`World::mem`].
pub(crate) use crate::mem::{bda_addr, Memory};

pub(crate) struct World {
    pub(crate) mem: GuestMemoryMmap,
    pub(crate) drives: Drives,
    pub(crate) order: Vec<BootDevice>,
    pub(crate) state: BiosState,
    com1: crate::serial::StreamPort<Vec<u8>>,
    pub(crate) out: Vec<u8>,
    pub(crate) keys: ScriptedKeys,
    pub(crate) clock: FixedClock,
    pub(crate) map: MemoryMap,
    header: abi::header::RomHeader,
    pub(crate) vga: crate::vga::Vga,
    _file: Option<TempFile>,
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl World {
    pub(crate) fn new() -> World {
        let map = MemoryMap::new(32 * MIB).unwrap();
        let mut mem = guest_ram(&map.ram_ranges()).unwrap();
        // A BDA as POST leaves it.
        mem.write_u16(bda_addr(abi::bda::KBD_HEAD), 0x1E).unwrap();
        mem.write_u16(bda_addr(abi::bda::KBD_TAIL), 0x1E).unwrap();
        mem.write_u16(bda_addr(abi::bda::KBD_BUF_START), 0x1E)
            .unwrap();
        mem.write_u16(bda_addr(abi::bda::KBD_BUF_END), 0x3E)
            .unwrap();
        mem.write_u16(bda_addr(abi::bda::VIDEO_COLS), 80).unwrap();
        mem.write_u8(bda_addr(abi::bda::VIDEO_ROWS), 24).unwrap();
        mem.write_u8(bda_addr(abi::bda::VIDEO_MODE), 3).unwrap();
        mem.write_u8(bda_addr(abi::bda::HD_COUNT), 1).unwrap();
        let path =
            std::env::temp_dir().join(format!("pbios-unit-{}-{:p}.img", std::process::id(), &map));
        let mut data = vec![0u8; 4 * 512];
        data[512..1024].fill(0x11);
        data[510] = 0x55;
        data[511] = 0xAA;
        std::fs::write(&path, &data).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(2048 * 512)
            .unwrap();
        let disk =
            crate::disk::Disk::attach(&path, crate::disk::MediaKind::HardDisk, false).unwrap();
        World {
            mem,
            drives: Drives {
                hard: vec![disk],
                ..Drives::default()
            },
            order: BootDevice::DEFAULT_ORDER.to_vec(),
            state: BiosState::default(),
            com1: crate::serial::StreamPort(Vec::new()),
            out: vec![],
            keys: ScriptedKeys::default(),
            clock: FixedClock(DateTime {
                year: 1999,
                month: 12,
                day: 31,
                hour: 23,
                minute: 59,
                second: 58,
            }),
            map,
            header: crate::rom::Rom::builtin().header,
            vga: crate::vga::Vga::new(),
            _file: Some(TempFile(path)),
        }
    }

    pub(crate) fn call(&mut self, f: Handler, r: &mut Regs) -> Status {
        let mut ctx = Ctx {
            mem: &mut self.mem,
            drives: &self.drives,
            emulated: None,
            boot_order: &self.order,
            state: &mut self.state,
            com1: Some(&mut self.com1),
            console: &mut self.out,
            keys: &mut self.keys,
            clock: &self.clock,
            memmap: &self.map,
            tables: &[],
            stop: None,
            rom: &self.header,
            vga: &mut self.vga,
        };
        // As the dispatcher does: the answer sets CF, ZF and AH.
        let status = f(r, &mut ctx);
        crate::bios::answer_flags(status, r);
        status
    }
}

pub(crate) fn regs(ax: u16) -> Regs {
    Regs {
        eax: ax.into(),
        ..Regs::default()
    }
}
