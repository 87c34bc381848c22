//! Every handler on fake guest memory, without KVM.

use super::*;
use crate::clock::{DateTime, FixedClock};
use crate::keyboard::ScriptedKeys;
use crate::mem::{guest_ram, real_addr};
use crate::memmap::{MemoryMap, MIB};
use vm_memory::GuestMemoryMmap;

struct World {
    mem: GuestMemoryMmap,
    drives: Drives,
    order: Vec<BootDevice>,
    state: BiosState,
    com1: crate::serial::StreamPort<Vec<u8>>,
    out: Vec<u8>,
    keys: ScriptedKeys,
    clock: FixedClock,
    map: MemoryMap,
    _file: Option<TempFile>,
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl World {
    fn new() -> World {
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
            _file: Some(TempFile(path)),
        }
    }

    fn call(&mut self, f: Handler, r: &mut Regs) -> Status {
        let mut ctx = Ctx {
            mem: &mut self.mem,
            drives: &self.drives,
            boot_order: &self.order,
            state: &mut self.state,
            com1: Some(&mut self.com1),
            console: &mut self.out,
            keys: &mut self.keys,
            clock: &self.clock,
            memmap: &self.map,
            tables: &[],
            stop: None,
        };
        // As the dispatcher does: the answer sets CF, ZF and AH.
        let status = f(r, &mut ctx);
        crate::bios::answer_flags(status, r);
        status
    }
}

fn regs(ax: u16) -> Regs {
    Regs {
        eax: ax.into(),
        ..Regs::default()
    }
}

#[test]
fn int10_teletype_and_queries() {
    let mut w = World::new();
    for c in *b"A\r\n" {
        assert_eq!(
            w.call(int10::int10_0e_teletype, &mut regs(0x0E00 | u16::from(c))),
            Status::Done
        );
    }
    assert_eq!(w.out, b"A\r\n");
    assert_eq!(w.mem.read_u8(0xB8000).unwrap(), b'A');
    let mut r = regs(0x0300);
    w.call(int10::int10_03_get_cursor, &mut r);
    assert_eq!(r.dx(), 0x0100);
    let mut r = regs(0x0F00);
    w.call(int10::int10_0f_get_mode, &mut r);
    assert_eq!(r.ax(), 0x5003);
}

#[test]
fn int11_int12() {
    let mut w = World::new();
    w.mem
        .write_u16(bda_addr(abi::bda::EQUIPMENT), 0x0222)
        .unwrap();
    w.mem
        .write_u16(bda_addr(abi::bda::MEM_SIZE_KIB), 639)
        .unwrap();
    let mut r = regs(0);
    w.call(int11::int11_equipment, &mut r);
    assert_eq!(r.ax(), 0x0222);
    w.call(int12::int12_memory_size, &mut r);
    assert_eq!(r.ax(), 639);
}

#[test]
fn int13_handlers() {
    let mut w = World::new();
    let mut r = regs(0x0201);
    r.set_cx(0x0002);
    r.set_dx(0x0080);
    r.set_bx(0x1000);
    assert_eq!(w.call(int13::int13_02_read_chs, &mut r), Status::Ok);
    assert_eq!(r.al(), 1);
    assert_eq!(w.mem.read_u8(0x1000).unwrap(), 0x11);
    // ES:BX pointing into the VGA hole: refused, nothing written.
    r = regs(0x0201);
    r.set_cx(0x0002);
    r.set_dx(0x0080);
    r.es = 0xA000;
    assert_eq!(w.call(int13::int13_02_read_chs, &mut r), Status::Fail(0x01));
    // Geometry of a 1 MiB disk: 2 cylinders (minimum), 16 heads, 63 sectors.
    let mut r = regs(0x0800);
    r.set_dl(0x80);
    assert_eq!(w.call(int13::int13_08_get_parameters, &mut r), Status::Ok);
    assert_eq!((r.cx(), r.dx()), (0x003F, 0x0F01));
    let mut r = regs(0x4100);
    r.set_dl(0x80);
    assert_eq!(
        w.call(int13::int13_41_extensions_check, &mut r),
        Status::OkAh(0x30)
    );
    let mut r = regs(0x1500);
    r.set_dl(0x80);
    assert_eq!(
        w.call(int13::int13_15_get_disk_type, &mut r),
        Status::OkAh(0x03)
    );
    assert_eq!(r.dx(), 16 * 63);
    // A DAP whose count word is past the end of RAM: no panic, an error.
    let mut r = regs(0x4200);
    r.set_dl(0x80);
    r.ds = 0xFFFF;
    r.set_si(0xFFF8);
    let s = w.call(int13::int13_42_extended_read, &mut r);
    assert_eq!(s, Status::Fail(0x01));
    // AH=48h buffer at the very end of conventional RAM: refused.
    w.mem.write_u16(0x9FFFE, 0x1E).unwrap();
    let mut r = regs(0x4800);
    r.set_dl(0x80);
    r.ds = 0x9FFF;
    r.set_si(0x000E);
    assert_eq!(
        w.call(int13::int13_48_get_extended_parameters, &mut r),
        Status::Fail(0x01)
    );
    // No disk at all.
    w.drives.hard.clear();
    let mut r = regs(0x0000);
    r.set_dl(0x80);
    assert_eq!(w.call(int13::int13_00_reset, &mut r), Status::Fail(0x01));
}

#[test]
fn int15_handlers() {
    let mut w = World::new();
    let mut r = regs(0xE820);
    r.edx = int15::SMAP;
    r.ecx = 20;
    r.es = 0;
    r.set_di(0x2000);
    assert_eq!(
        w.call(int15::int15_e820_memory_map, &mut r),
        Status::Cleared
    );
    assert_eq!((r.eax, r.ebx, r.ecx), (int15::SMAP, 1, 20));
    // A continuation value from a hostile guest.
    r.eax = 0xE820;
    r.ebx = u32::MAX;
    r.ecx = 20;
    assert_eq!(
        w.call(int15::int15_e820_memory_map, &mut r),
        Status::Fail(0x86)
    );
    let mut r = regs(0xE801);
    w.call(int15::int15_e801_memory_size, &mut r);
    // 32 MiB, less the 64 KiB of platform tables at the top.
    assert_eq!((r.ax(), r.bx()), (15 * 1024, 16 * 16 - 1));
    let mut r = regs(0x8800);
    w.call(int15::int15_88_extended_memory, &mut r);
    assert_eq!(r.ax(), 31 * 1024 - 64);
}

#[test]
fn int16_handlers() {
    let mut w = World::new();
    let mut r = regs(0x0100);
    w.call(int16::int16_01_check_key, &mut r);
    assert!(r.zf());
    assert_eq!(w.call(int16::int16_00_read_key, &mut regs(0)), Status::Wait);
    w.keys.0.extend([0x1E61, 0x48E0]);
    let mut r = regs(0x1000);
    assert_eq!(
        w.call(int16::int16_10_read_extended_key, &mut r),
        Status::Done
    );
    assert_eq!(r.ax(), 0x1E61);
    let mut r = regs(0x1100);
    assert_eq!(
        w.call(int16::int16_11_check_extended_key, &mut r),
        Status::Zf(false),
        "a key waits"
    );
    assert!(!r.zf());
    assert_eq!(r.ax(), 0x48E0);
    let mut r = regs(0x0000);
    w.call(int16::int16_00_read_key, &mut r);
    assert_eq!(r.ax(), 0x4800);
    // A guest that broke its ring buffer pointers gets the default buffer.
    w.mem
        .write_u16(bda_addr(abi::bda::KBD_BUF_START), 0xFFFF)
        .unwrap();
    w.mem
        .write_u16(bda_addr(abi::bda::KBD_TAIL), 0xFFF0)
        .unwrap();
    let mut r = regs(0x0100);
    w.call(int16::int16_01_check_key, &mut r);
    let mut r = regs(0x0200);
    w.call(int16::int16_02_shift_flags, &mut r);
    assert_eq!(r.al(), 0);
}

#[test]
fn int19_and_int1a_handlers() {
    let mut w = World::new();
    let mut r = regs(0);
    assert_eq!(w.call(int19::int19_boot, &mut r), Status::Jump);
    assert_eq!((r.cs, r.ip(), r.dl(), r.ax()), (0, 0x7C00, 0x80, 0xAA55));
    assert_eq!(w.mem.read_u16(0x7DFE).unwrap(), 0xAA55);
    let mut r = regs(0x0200);
    assert_eq!(w.call(int1a::int1a_02_get_rtc_time, &mut r), Status::Ok);
    assert_eq!((r.cx(), r.dh()), (0x2359, 0x58));
    let mut r = regs(0x0400);
    w.call(int1a::int1a_04_get_rtc_date, &mut r);
    assert_eq!((r.cx(), r.dx()), (0x1999, 0x1231));
    w.mem
        .write_u32(bda_addr(abi::bda::TIMER_COUNTER), 0x0012_3456)
        .unwrap();
    w.mem
        .write_u8(bda_addr(abi::bda::TIMER_ROLLOVER), 1)
        .unwrap();
    let mut r = regs(0);
    assert_eq!(w.call(int1a::int1a_00_get_ticks, &mut r), Status::Cleared);
    assert_eq!((r.cx(), r.dx(), r.al()), (0x0012, 0x3456, 1));
    assert_eq!(
        w.mem.read_u8(bda_addr(abi::bda::TIMER_ROLLOVER)).unwrap(),
        0,
        "cleared"
    );
}

#[test]
fn real_mode_addresses() {
    assert_eq!(real_addr(0x07C0, 0x0000), 0x7C00);
}
