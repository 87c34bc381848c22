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

/// How long a byte may wait in [`CoalescedOut`] before it is written out.
pub const COALESCE_DELAY: std::time::Duration = std::time::Duration::from_millis(2);
/// The most bytes [`CoalescedOut`] holds before it writes them at once.
pub const COALESCE_LIMIT: usize = 8192;

struct Pending {
    buf: Vec<u8>,
    out: Box<dyn Write + Send>,
    closed: bool,
}

/// COM1's output with the UART's flushes coalesced. vm-superio's 16550
/// flushes its writer after every transmitted byte, so a guest printing
/// to the serial console costs a `write(2)` per byte; this writer takes
/// the bytes into a buffer that a thread writes out within
/// [`COALESCE_DELAY`] (at once past [`COALESCE_LIMIT`]). `flush` only wakes
/// that thread; [`CoalescedOut::flush_now`] writes everything, and the
/// last handle dropped does too.
#[derive(Clone)]
pub struct CoalescedOut(Arc<(Mutex<Pending>, std::sync::Condvar)>);

impl CoalescedOut {
    /// Wraps `out`, starting the thread that writes it.
    pub fn new(out: Box<dyn Write + Send>) -> CoalescedOut {
        let shared = Arc::new((
            Mutex::new(Pending {
                buf: Vec::with_capacity(COALESCE_LIMIT),
                out,
                closed: false,
            }),
            std::sync::Condvar::new(),
        ));
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new()
            .name("pbios-com1-out".into())
            .spawn(move || Self::writer(weak));
        let this = CoalescedOut(shared);
        if spawned.is_err() {
            // No thread: write through instead.
            this.lock().closed = true;
        }
        this
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        match self.0 .0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The thread: waits for bytes, lets more gather for
    /// [`COALESCE_DELAY`], writes them. Ends with the last handle.
    fn writer(weak: std::sync::Weak<(Mutex<Pending>, std::sync::Condvar)>) {
        loop {
            let Some(shared) = weak.upgrade() else {
                return;
            };
            {
                let (m, cv) = &*shared;
                let mut g = match m.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                while g.buf.is_empty() && !g.closed {
                    g = match cv.wait_timeout(g, std::time::Duration::from_millis(200)) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    };
                    if Arc::strong_count(&shared) == 1 {
                        return;
                    }
                }
                if g.closed {
                    return;
                }
            }
            drop(shared);
            std::thread::sleep(COALESCE_DELAY);
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let _ = CoalescedOut(shared).flush_now();
        }
    }

    /// Writes out and flushes everything buffered.
    pub fn flush_now(&self) -> std::io::Result<()> {
        let mut g = self.lock();
        let p = &mut *g;
        if !p.buf.is_empty() {
            let r = p.out.write_all(&p.buf);
            p.buf.clear();
            r?;
        }
        p.out.flush()
    }
}

impl Write for CoalescedOut {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut g = self.lock();
        if g.closed {
            // No writer thread: straight through.
            return g.out.write(b);
        }
        let was_empty = g.buf.is_empty();
        g.buf.extend_from_slice(b);
        if g.buf.len() >= COALESCE_LIMIT {
            let p = &mut *g;
            let r = p.out.write_all(&p.buf);
            p.buf.clear();
            r?;
        } else if was_empty {
            self.0 .1.notify_one();
        }
        Ok(b.len())
    }

    /// The UART calls this after every byte: the thread writes them soon.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let _ = self.out.write_all(&self.buf);
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that records each `write` call it gets.
    #[derive(Clone, Default)]
    struct Calls(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Calls {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_byte_at_a_time_reaches_the_stream_in_batches_and_in_order() {
        let calls = Calls::default();
        let mut out = CoalescedOut::new(Box::new(calls.clone()));
        let text: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for &b in &text {
            // What vm-superio does for each transmitted byte.
            out.write_all(&[b]).unwrap();
            out.flush().unwrap();
        }
        out.flush_now().unwrap();
        let got = calls.0.lock().unwrap().clone();
        assert_eq!(got.concat(), text, "every byte, in order");
        assert!(got.len() < 100, "{} writes for 3000 bytes", got.len());
    }

    #[test]
    fn a_lone_byte_is_written_without_a_flush() {
        let calls = Calls::default();
        let mut out = CoalescedOut::new(Box::new(calls.clone()));
        out.write_all(b"$ ").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while calls.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(COALESCE_DELAY);
        }
        assert_eq!(calls.0.lock().unwrap().concat(), b"$ ");
    }

    #[test]
    fn dropping_the_last_handle_writes_the_rest() {
        let calls = Calls::default();
        let mut out = CoalescedOut::new(Box::new(calls.clone()));
        out.write_all(b"bye").unwrap();
        drop(out);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while calls.0.lock().unwrap().concat() != b"bye" {
            assert!(std::time::Instant::now() < deadline, "lost on drop");
            std::thread::sleep(COALESCE_DELAY);
        }
    }
}
