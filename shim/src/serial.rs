//! The serial port INT 14h drives, as a trait so the service tests without a
//! VM. On KVM it is the machine's emulated 16550 UART (vm-superio), the same
//! device the guest programs through ports 3F8h-3FFh; on TCG QEMU owns the
//! UART, so INT 14h writes to the console stream COM1 feeds.

use std::io::Write;
use std::sync::{Arc, Mutex};
use vm_superio::serial::SerialEvents;
use vm_superio::{Serial, Trigger};

/// 16550 register offsets from the port base (RBIL PORTS.A, 03F8h).
pub mod reg {
    /// Receive buffer / transmit holding register (DLAB=0), divisor low (DLAB=1).
    pub const DATA: u8 = 0;
    /// Divisor high (DLAB=1).
    pub const DIVISOR_HIGH: u8 = 1;
    /// Line control register; bit 7 is DLAB.
    pub const LCR: u8 = 3;
    /// Line status register.
    pub const LSR: u8 = 5;
    /// Modem status register.
    pub const MSR: u8 = 6;
    /// LCR: divisor latch access bit (DLAB).
    pub const LCR_DLAB: u8 = 0x80;
    /// LSR: a received byte is waiting.
    pub const LSR_DATA_READY: u8 = 0x01;
    /// LSR: transmit holding register empty, transmitter empty.
    pub const LSR_IDLE: u8 = 0x60;
    /// MSR: carrier detect, data set ready, clear to send (an idle null modem).
    pub const MSR_IDLE: u8 = 0xB0;
}

/// A UART as INT 14h sees it.
pub trait ComPort {
    /// Sets the divisor latch and the line control register (AH=00h).
    fn configure(&mut self, divisor: u16, lcr: u8);
    /// Transmits a byte (AH=01h).
    fn send(&mut self, byte: u8);
    /// A received byte, if one is waiting (AH=02h).
    fn receive(&mut self) -> Option<u8>;
    /// The line status register.
    fn line_status(&mut self) -> u8;
    /// The modem status register.
    fn modem_status(&mut self) -> u8;
}

/// The KVM machine's 16550, shared with its port-I/O path.
pub struct SharedUart<T: Trigger, EV: SerialEvents, W: Write>(pub Arc<Mutex<Serial<T, EV, W>>>);

impl<T: Trigger, EV: SerialEvents, W: Write> SharedUart<T, EV, W> {
    fn with<R>(&self, f: impl FnOnce(&mut Serial<T, EV, W>) -> R) -> R {
        let mut s = match self.0.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut s)
    }
}

impl<T: Trigger, EV: SerialEvents, W: Write> ComPort for SharedUart<T, EV, W> {
    fn configure(&mut self, divisor: u16, lcr: u8) {
        self.with(|s| {
            let _ = s.write(reg::LCR, lcr | reg::LCR_DLAB);
            let _ = s.write(reg::DATA, divisor as u8);
            let _ = s.write(reg::DIVISOR_HIGH, (divisor >> 8) as u8);
            let _ = s.write(reg::LCR, lcr & !reg::LCR_DLAB);
        })
    }
    fn send(&mut self, byte: u8) {
        self.with(|s| {
            let _ = s.write(reg::DATA, byte);
            let _ = s.writer_mut().flush();
        })
    }
    fn receive(&mut self) -> Option<u8> {
        self.with(|s| (s.read(reg::LSR) & reg::LSR_DATA_READY != 0).then(|| s.read(reg::DATA)))
    }
    fn line_status(&mut self) -> u8 {
        self.with(|s| s.read(reg::LSR))
    }
    fn modem_status(&mut self) -> u8 {
        self.with(|s| s.read(reg::MSR))
    }
}

/// A transmit-only port that writes to a stream (the TCG backend's COM1
/// console, and unit tests): always idle, never a received byte.
pub struct StreamPort<W: Write>(pub W);

impl<W: Write> ComPort for StreamPort<W> {
    fn configure(&mut self, _divisor: u16, _lcr: u8) {}
    fn send(&mut self, byte: u8) {
        let _ = self.0.write_all(&[byte]);
        let _ = self.0.flush();
    }
    fn receive(&mut self) -> Option<u8> {
        None
    }
    fn line_status(&mut self) -> u8 {
        reg::LSR_IDLE
    }
    fn modem_status(&mut self) -> u8 {
        reg::MSR_IDLE
    }
}

/// A writer shared by the backend's serial output and INT 14h.
#[derive(Clone)]
pub struct SharedWriter(pub Arc<Mutex<Box<dyn Write + Send>>>);

impl SharedWriter {
    /// Wraps `w` so it can be shared.
    pub fn new(w: Box<dyn Write + Send>) -> SharedWriter {
        SharedWriter(Arc::new(Mutex::new(w)))
    }
}

impl Write for SharedWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut w) => w.write(b),
            Err(p) => p.into_inner().write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut w) => w.flush(),
            Err(p) => p.into_inner().flush(),
        }
    }
}
