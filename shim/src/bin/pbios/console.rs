//! The person at the terminal (or the CI job) and the guest: where the
//! guest's screen, COM1 and INT 10h's output go, where typed keys go, the
//! escape prefix, and the scripted run (`--keys`, `--expect`, `--timeout`).
//!
//! - `--display tty` (the default when standard output is a terminal): the
//!   guest's text screen is drawn live, redrawn from video memory, and keys
//!   go to the keyboard (INT 16h). When the guest sends a byte on COM1 and
//!   COM1 goes to the terminal, the terminal becomes the serial console
//!   (the screen view ends; keys go to COM1). Ctrl-A c switches back and
//!   forth.
//! - `--display none`: standard output carries COM1; INT 10h's output is
//!   mirrored there as long as the guest has not driven the UART itself
//!   (held back briefly, so a guest that writes each character both ways
//!   shows it once). Keys go to INT 16h until the guest uses COM1, then to
//!   COM1.
//! - Ctrl-A x quits, Ctrl-A s takes a screenshot, Ctrl-A c switches,
//!   Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A h lists these.

use crate::script::Step;
use pbios::backend::{SerialIn, Stopper};
use pbios::keyboard::{KeyDecoder, KeySender, NamedKey};
use pbios::screen::{occurrences, text_memory, text_memory_contains, Frame};
use pbios::vga::Vga;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vm_memory::GuestMemoryMmap;

/// The escape prefix: Ctrl-A, as QEMU's.
pub const ESCAPE: u8 = 0x01;

/// How often the screen is redrawn and the script checked.
const TICK: Duration = Duration::from_millis(20);

/// How long INT 10h output is held back before it is mirrored (a guest that
/// also sends it on COM1 does so within microseconds).
const MIRROR_HOLD: Duration = Duration::from_millis(30);

/// Writes waiting for COM1's receiver; more are dropped (a guest that does
/// not read its serial line), with a log line.
const SERIAL_IN_QUEUE: usize = 256;

/// Between two scripted keys.
const KEY_GAP: Duration = Duration::from_millis(20);

/// `--display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// The guest's screen drawn in the terminal.
    Tty,
    /// No screen.
    None,
}

/// `--serial`: where COM1 goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SerialDest {
    /// Standard output (and standard input to COM1).
    Stdio,
    /// A file (created or truncated).
    File(PathBuf),
    /// Nowhere.
    None,
}

/// What the terminal shows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Screen,
    Serial,
}

/// Why the console ended the run (the stop reason it gives).
pub const STOP_EXPECT: &str = "expect";
/// `--timeout` passed.
pub const STOP_TIMEOUT: &str = "timeout";
/// The user pressed Ctrl-A x.
pub const STOP_QUIT: &str = "quit";

/// Finds a text in a byte stream fed in pieces, with terminal escape
/// sequences (colours, cursor moves) taken out.
struct Matcher {
    needle: Vec<u8>,
    window: Vec<u8>,
    found: bool,
}

impl Matcher {
    fn new(needle: &str) -> Matcher {
        Matcher {
            needle: needle.as_bytes().to_vec(),
            window: Vec::new(),
            found: needle.is_empty(),
        }
    }

    fn feed(&mut self, text: &[u8]) {
        if self.found {
            return;
        }
        self.window.extend_from_slice(text);
        if self
            .window
            .windows(self.needle.len())
            .any(|w| w == self.needle)
        {
            self.found = true;
        }
        let keep = self.needle.len().saturating_sub(1);
        if self.window.len() > keep {
            self.window.drain(..self.window.len() - keep);
        }
    }
}

/// Takes escape sequences out of a terminal stream.
#[derive(Default)]
struct Unescape {
    state: u8,
}

impl Unescape {
    fn plain(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for &b in bytes {
            self.state = match (self.state, b) {
                (0, 0x1B) => 1,
                (0, b'\r') => 0,
                (0, _) => {
                    out.push(b);
                    0
                }
                (1, b'[') => 2,
                (1, b']') => 3,
                // ESC, intermediates (20h-2Fh), a final byte: ESC ( B.
                (1 | 4, 0x20..=0x2F) => 4,
                (1 | 4, _) => 0,
                (2, 0x40..=0x7E) => 0,
                (2, _) => 2,
                (3, 0x07) => 0,
                (3, 0x1B) => 1,
                (s, _) => s,
            };
        }
        out
    }
}

/// Undoes the modes a guest's own terminal output may have set (the
/// alternate screen, mouse reporting, bracketed paste, the line-drawing
/// character set, a scroll region, origin mode, application cursor keys).
pub const TERMINAL_RESET: &[u8] =
    b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1006l\x1b[?2004l\x1b(B\x1b[r\x1b[?6l\x1b[?1l\x1b[0m\x1b[?25h";

/// The console's shared state.
pub struct Console {
    display: Display,
    serial: SerialDest,
    /// Standard output is a terminal.
    stdout_tty: bool,
    out: Mutex<Out>,
    texts: Mutex<Texts>,
    /// The guest has sent a byte on COM1.
    uart_used: AtomicBool,
    /// Bytes for COM1 have been dropped (logged once).
    com1_dropping: AtomicBool,
    /// The user chose where keys go (Ctrl-A c): no more automatic switch.
    keys_to_com1: Mutex<Option<bool>>,
    /// COM1 takes input (its writer thread runs).
    has_serial_in: AtomicBool,
    stopper: Mutex<Option<Stopper>>,
    /// Bytes for COM1, to the thread that writes them (a write waits while
    /// the guest does not read: no console lock is held meanwhile).
    serial_in: Mutex<Option<std::sync::mpsc::SyncSender<Vec<u8>>>>,
    keys: KeySender,
    mem: Mutex<Option<GuestMemoryMmap>>,
    /// The display adapter the screen is read with.
    vga: Mutex<Option<Arc<Mutex<Vga>>>>,
    screenshot: Option<PathBuf>,
    finished: AtomicBool,
}

/// What goes to standard output, behind one lock.
struct Out {
    stdout: std::io::Stdout,
    file: Option<std::fs::File>,
    view: View,
    /// The screen as last drawn (None: draw all), and the terminal's size
    /// then.
    drawn: Option<Frame>,
    drawn_size: (u16, u16),
    /// The last byte standard output got (for a fresh line at exit).
    last: u8,
    /// INT 10h output held back for mirroring, and since when.
    mirror: Vec<u8>,
    mirror_since: Option<Instant>,
}

impl Out {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(&b) = bytes.last() {
            self.last = b;
        }
        let _ = self.stdout.write_all(bytes);
        let _ = self.stdout.flush();
    }
}

/// One output stream as the script and `--expect` search it: the latest
/// [`LOG_KEEP`] bytes (`base` is the stream position of the first).
#[derive(Default)]
struct Stream {
    expect: Option<Matcher>,
    log: Vec<u8>,
    base: u64,
}

/// Output kept for `wait:` items, per stream.
const LOG_KEEP: usize = 1 << 20;

impl Stream {
    fn feed(&mut self, plain: &[u8]) {
        if let Some(m) = self.expect.as_mut() {
            m.feed(plain);
        }
        self.log.extend_from_slice(plain);
        if self.log.len() > 2 * LOG_KEEP {
            let cut = self.log.len() - LOG_KEEP;
            self.log.drain(..cut);
            self.base += cut as u64;
        }
    }

    fn mark(&self) -> u64 {
        self.base + self.log.len() as u64
    }

    /// Whether `text` came after stream position `since`.
    fn came_since(&self, since: u64, text: &[u8]) -> bool {
        let from = (since.saturating_sub(self.base) as usize).min(self.log.len());
        self.log[from..]
            .windows(text.len().max(1))
            .any(|w| w == text)
    }
}

/// Texts the script and `--expect` wait for: COM1's (escape sequences
/// taken out) and INT 10h's, apart, so that a guest writing each character
/// both ways is still read right.
struct Texts {
    serial_escapes: Unescape,
    serial: Stream,
    video: Stream,
}

/// Where the output stood when a script item was done: a `wait:` looks
/// for its text after that.
#[derive(Clone, Default)]
struct Mark {
    serial: u64,
    video: u64,
    /// Text video memory then (characters only), so that text already on
    /// the screen does not satisfy a wait.
    screen: Vec<u8>,
}

/// How the console is set up.
pub struct Setup {
    /// `--display`.
    pub display: Display,
    /// `--serial`.
    pub serial: SerialDest,
    /// `--expect`.
    pub expect: Option<String>,
    /// `--screenshot` (also where Ctrl-A s writes).
    pub screenshot: Option<PathBuf>,
}

impl Console {
    /// The console, and the keyboard's queue INT 16h reads.
    pub fn new(setup: Setup, keys: KeySender) -> Result<Arc<Console>, String> {
        let file = match &setup.serial {
            SerialDest::File(p) => Some(
                std::fs::File::create(p)
                    .map_err(|e| format!("--serial file={}: {e}", p.display()))?,
            ),
            _ => None,
        };
        // SAFETY: isatty only inspects the descriptor.
        let stdout_tty = unsafe { libc::isatty(1) } == 1;
        Ok(Arc::new(Console {
            display: setup.display,
            serial: setup.serial,
            stdout_tty,
            out: Mutex::new(Out {
                stdout: std::io::stdout(),
                file,
                view: match setup.display {
                    Display::Tty => View::Screen,
                    Display::None => View::Serial,
                },
                drawn: None,
                drawn_size: (0, 0),
                last: b'\n',
                mirror: Vec::new(),
                mirror_since: None,
            }),
            texts: Mutex::new(Texts {
                serial_escapes: Unescape::default(),
                serial: Stream {
                    expect: setup.expect.as_deref().map(Matcher::new),
                    ..Stream::default()
                },
                video: Stream {
                    expect: setup.expect.as_deref().map(Matcher::new),
                    ..Stream::default()
                },
            }),
            uart_used: AtomicBool::new(false),
            com1_dropping: AtomicBool::new(false),
            keys_to_com1: Mutex::new(None),
            has_serial_in: AtomicBool::new(false),
            stopper: Mutex::new(None),
            serial_in: Mutex::new(None),
            keys,
            mem: Mutex::new(None),
            vga: Mutex::new(None),
            screenshot: setup.screenshot,
            finished: AtomicBool::new(false),
        }))
    }

    /// Connects the console to the machine it serves.
    pub fn attach(
        &self,
        stopper: Stopper,
        serial_in: Option<SerialIn>,
        mem: GuestMemoryMmap,
        vga: Arc<Mutex<Vga>>,
    ) {
        *lock(&self.vga) = Some(vga);
        *lock(&self.stopper) = Some(stopper);
        if let Some(mut w) = serial_in {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(SERIAL_IN_QUEUE);
            std::thread::spawn(move || {
                while let Ok(bytes) = rx.recv() {
                    if w.write_all(&bytes).is_err() {
                        return;
                    }
                }
            });
            *lock(&self.serial_in) = Some(tx);
            self.has_serial_in.store(true, Ordering::SeqCst);
        }
        *lock(&self.mem) = Some(mem);
    }

    fn stop(&self, why: &str) {
        if let Some(s) = lock(&self.stopper).as_ref() {
            s.stop(why);
        }
    }

    /// COM1's output stream, for the machine.
    pub fn serial_sink(self: &Arc<Console>) -> Box<dyn Write + Send> {
        Box::new(SerialSink(self.clone()))
    }

    /// INT 10h's output stream, for the machine.
    pub fn video_sink(self: &Arc<Console>) -> Box<dyn Write + Send> {
        Box::new(VideoSink(self.clone()))
    }

    /// Whether COM1 is shown on the terminal.
    fn serial_on_stdout(&self) -> bool {
        self.serial == SerialDest::Stdio
    }

    fn on_serial(&self, bytes: &[u8]) {
        let first = !self.uart_used.swap(true, Ordering::SeqCst);
        {
            let mut t = lock(&self.texts);
            let plain = t.serial_escapes.plain(bytes);
            t.serial.feed(&plain);
        }
        let mut out = lock(&self.out);
        if let Some(f) = out.file.as_mut() {
            let _ = f.write_all(bytes);
        }
        if !self.serial_on_stdout() {
            return;
        }
        // The guest drives the UART: INT 10h's copy is not wanted.
        out.mirror.clear();
        out.mirror_since = None;
        if first && out.view == View::Screen && lock(&self.keys_to_com1).is_none() {
            // The terminal becomes the serial console.
            out.view = View::Serial;
            out.write(b"\x1b[0m\x1b[?25h\x1b[H\x1b[2J");
        }
        if out.view == View::Serial {
            out.write(bytes);
        }
    }

    fn on_video(&self, bytes: &[u8]) {
        lock(&self.texts).video.feed(bytes);
        if self.display == Display::Tty || self.uart_used.load(Ordering::SeqCst) {
            return; // the screen shows it, or the guest has its own console
        }
        let mut out = lock(&self.out);
        if self.serial == SerialDest::None {
            return;
        }
        out.mirror.extend_from_slice(bytes);
        out.mirror_since.get_or_insert_with(Instant::now);
        if out.mirror.len() > 4096 {
            self.flush_mirror(&mut out);
        }
    }

    /// Mirrors held-back INT 10h output to the serial stream.
    fn flush_mirror(&self, out: &mut Out) {
        let text = std::mem::take(&mut out.mirror);
        out.mirror_since = None;
        if text.is_empty() {
            return;
        }
        if let Some(f) = out.file.as_mut() {
            let _ = f.write_all(&text);
        } else {
            out.write(&text);
        }
    }

    /// Where keys go now: COM1 (true) or the keyboard.
    fn keys_to_com1(&self) -> bool {
        let chosen = *lock(&self.keys_to_com1);
        match chosen {
            Some(to) => to,
            None => {
                self.uart_used.load(Ordering::SeqCst) && self.has_serial_in.load(Ordering::SeqCst)
            }
        }
    }

    /// Presses one key, on whichever device takes keys now.
    fn press(&self, key: &NamedKey) {
        if self.keys_to_com1() {
            self.to_com1(&key.terminal_bytes());
        } else {
            self.keys.send(key.word);
        }
    }

    fn to_com1(&self, bytes: &[u8]) {
        let tx = lock(&self.serial_in).clone();
        if let Some(tx) = tx {
            if tx.try_send(bytes.to_vec()).is_err()
                && !self.com1_dropping.swap(true, Ordering::SeqCst)
            {
                log::warn!("the guest is not reading COM1: typed bytes are dropped");
            }
        }
    }

    /// The screen now, from video memory and the display adapter.
    fn screen(&self) -> Option<Frame> {
        let vga = lock(&self.vga).clone()?;
        let vga = lock(&vga).clone();
        lock(&self.mem).as_ref().map(|m| Frame::capture(m, &vga))
    }

    /// Whether `text` is on the screen (anywhere in text video memory).
    fn on_screen(&self, text: &str) -> bool {
        lock(&self.mem)
            .as_ref()
            .is_some_and(|m| text_memory_contains(m, text.as_bytes()))
    }

    /// Text video memory's characters now.
    fn screen_chars(&self) -> Vec<u8> {
        lock(&self.mem)
            .as_ref()
            .map(text_memory)
            .unwrap_or_default()
    }

    /// Where the output stands now.
    fn mark(&self) -> Mark {
        let screen = self.screen_chars();
        let t = lock(&self.texts);
        Mark {
            serial: t.serial.mark(),
            video: t.video.mark(),
            screen,
        }
    }

    /// Whether `text` came after `mark`: on COM1, from INT 10h, or on the
    /// screen more often than it was then.
    fn came_since(&self, mark: &Mark, text: &str) -> bool {
        let t = text.as_bytes();
        {
            let s = lock(&self.texts);
            if s.serial.came_since(mark.serial, t) || s.video.came_since(mark.video, t) {
                return true;
            }
        }
        occurrences(&self.screen_chars(), t) > occurrences(&mark.screen, t)
    }

    /// Whether `--expect`'s text has come in either stream.
    fn expect_found(&self) -> bool {
        let t = lock(&self.texts);
        [&t.serial, &t.video]
            .iter()
            .any(|s| s.expect.as_ref().is_some_and(|m| m.found))
    }

    /// One tick: the screen redrawn, held-back output mirrored, `--expect`
    /// checked.
    fn tick(&self, expect: Option<&str>) {
        {
            let mut out = lock(&self.out);
            if out.mirror_since.is_some_and(|t| t.elapsed() >= MIRROR_HOLD) {
                self.flush_mirror(&mut out);
            }
        }
        self.redraw();
        if let Some(text) = expect {
            if self.expect_found() || self.on_screen(text) {
                self.stop(STOP_EXPECT);
            }
        }
    }

    /// Brings the terminal's picture of the screen up to date (if it shows
    /// the screen).
    fn redraw(&self) {
        if self.display != Display::Tty {
            return;
        }
        if lock(&self.out).view != View::Screen {
            return;
        }
        let Some(screen) = self.screen() else { return };
        let mut out = lock(&self.out);
        if out.view == View::Screen {
            let (width, height) = terminal_size();
            if out.drawn_size != (width, height) {
                out.drawn = None; // resized: all again
                out.drawn_size = (width, height);
            }
            let update = screen.ansi_update(out.drawn.as_ref(), width, height);
            if !update.is_empty() {
                out.write(&update);
            }
            out.drawn = Some(screen);
        }
    }

    /// Whether `--expect`'s text has been seen (in the streams or now on
    /// the screen).
    pub fn expect_seen(&self, text: &str) -> bool {
        self.expect_found() || self.on_screen(text)
    }

    /// Ctrl-A s: the screen to the screenshot file now.
    fn screenshot_now(&self) {
        let path = self
            .screenshot
            .clone()
            .unwrap_or_else(|| PathBuf::from("pbios-screen.png"));
        if let Some(s) = self.screen() {
            let r =
                std::fs::File::create(&path).and_then(|f| s.write_png(std::io::BufWriter::new(f)));
            let msg = match r {
                Ok(()) => format!("screenshot: {}", path.display()),
                Err(e) => format!("screenshot {}: {e}", path.display()),
            };
            log::warn!("{msg}");
        }
    }

    /// Ctrl-A c: the terminal switches between the screen (keys to the
    /// keyboard) and the serial console (keys to COM1).
    fn switch(&self) {
        let to_com1 = !self.keys_to_com1();
        if to_com1 && !self.has_serial_in.load(Ordering::SeqCst) {
            log::warn!(
                "COM1 takes no input here (--serial is not stdio): keys stay on the keyboard"
            );
            return;
        }
        *lock(&self.keys_to_com1) = Some(to_com1);
        let mut out = lock(&self.out);
        if self.display == Display::Tty {
            if out.view == View::Serial {
                out.write(TERMINAL_RESET);
            }
            out.view = if to_com1 { View::Serial } else { View::Screen };
            out.drawn = None;
            out.write(b"\x1b[0m\x1b[?25h\x1b[H\x1b[2J");
        } else {
            drop(out);
            let to = if to_com1 { "COM1" } else { "the keyboard" };
            log::warn!("keys go to {to}");
        }
    }

    /// Starts the thread that redraws the screen, runs the script and
    /// watches `--expect` and `--timeout`.
    pub fn start_ticker(
        self: &Arc<Console>,
        script: Vec<Step>,
        expect: Option<String>,
        timeout: Option<Duration>,
    ) {
        let me = self.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut steps = script.into_iter();
            let mut current: Option<(Step, Instant)> = None;
            let mut pending_keys: std::collections::VecDeque<NamedKey> = Default::default();
            let mut next_key = Instant::now();
            // Where the output stood when the previous item was done: a
            // wait looks for its text after that.
            let mut since = Mark::default();
            while !me.finished.load(Ordering::SeqCst) {
                me.tick(expect.as_deref());
                if timeout.is_some_and(|t| started.elapsed() >= t) {
                    me.stop(STOP_TIMEOUT);
                }
                // The script: keys paced, waits polled.
                loop {
                    if let Some(k) = pending_keys.front() {
                        if Instant::now() >= next_key {
                            // Marked first: the guest may answer at once.
                            since = me.mark();
                            me.press(k);
                            pending_keys.pop_front();
                            next_key = Instant::now() + KEY_GAP;
                        }
                        break;
                    }
                    if current.is_none() {
                        match steps.next() {
                            Some(step) => current = Some((step, Instant::now())),
                            None => break,
                        }
                    }
                    let done = match &current {
                        Some((Step::Keys(keys), _)) => {
                            pending_keys.extend(keys.iter().copied());
                            true
                        }
                        Some((Step::Wait(text), _)) => me.came_since(&since, text),
                        Some((Step::Sleep(d), begun)) => begun.elapsed() >= *d,
                        None => true,
                    };
                    if !done {
                        break;
                    }
                    if !matches!(current, Some((Step::Keys(_), _))) {
                        since = me.mark();
                    }
                    current = None;
                }
                std::thread::sleep(TICK);
            }
        });
    }

    /// Starts the thread that reads standard input: the escape prefix, then
    /// keys for the keyboard or bytes for COM1.
    pub fn start_stdin(self: &Arc<Console>) {
        let me = self.clone();
        std::thread::spawn(move || {
            let mut dec = KeyDecoder::default();
            let mut escaped = false;
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut plain = Vec::with_capacity(n);
                for &b in &buf[..n] {
                    if escaped {
                        escaped = false;
                        match b {
                            b'x' | b'X' => {
                                me.stop(STOP_QUIT);
                                return;
                            }
                            b's' | b'S' => me.screenshot_now(),
                            b'c' | b'C' => me.switch(),
                            b'h' | b'H' | b'?' => log::warn!(
                                "Ctrl-A x: quit, Ctrl-A s: screenshot, Ctrl-A c: switch screen/serial, Ctrl-A Ctrl-A: send Ctrl-A"
                            ),
                            ESCAPE => plain.push(ESCAPE),
                            _ => {}
                        }
                    } else if b == ESCAPE {
                        escaped = true;
                    } else {
                        plain.push(b);
                    }
                }
                if me.keys_to_com1() {
                    me.to_com1(&plain);
                } else {
                    let mut keys: Vec<u16> = plain.iter().flat_map(|&b| dec.feed(b)).collect();
                    keys.extend(dec.flush_if_lone_escape());
                    for k in keys {
                        if !me.keys.send(k) {
                            return;
                        }
                    }
                }
            }
        });
    }

    /// The run is over: the ticker stops, held-back output is mirrored, and
    /// a terminal gets its cursor back on a fresh line below the guest's
    /// screen.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        self.redraw();
        let mut out = lock(&self.out);
        if !self.uart_used.load(Ordering::SeqCst) {
            self.flush_mirror(&mut out);
        }
        if let Some(f) = out.file.as_mut() {
            let _ = f.flush();
        }
        if !self.stdout_tty {
            return;
        }
        if out.view == View::Screen && self.display == Display::Tty {
            let rows = out
                .drawn
                .as_ref()
                .map_or(25, |s| match s {
                    Frame::Text(t) => t.rows,
                    Frame::Graphics(_) => out.drawn_size.1,
                })
                .min(out.drawn_size.1.max(1));
            out.write(format!("\x1b[0m\x1b[?25h\x1b[{};1H\r\n", rows).as_bytes());
        } else {
            out.write(TERMINAL_RESET);
            if out.last != b'\n' {
                out.write(b"\r\n");
            }
        }
    }
}

/// COM1's output, as the machine writes it.
struct SerialSink(Arc<Console>);

impl Write for SerialSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.on_serial(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// INT 10h's teletype and string output, as the BIOS writes it.
struct VideoSink(Arc<Console>);

impl Write for VideoSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.on_video(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The terminal's columns and rows (80x25 if they cannot be read).
fn terminal_size() -> (u16, u16) {
    // SAFETY: a zeroed winsize is a valid out-parameter for TIOCGWINSZ.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ fills `ws` for a terminal on fd 1.
    if unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
        (ws.ws_col, ws.ws_row)
    } else {
        (80, 25)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_finds_text_across_pieces_and_escapes() {
        let mut u = Unescape::default();
        let mut m = Matcher::new("GNU GRUB");
        for piece in [&b"\x1b[0;30;47m  GN"[..], b"U \x1b[1", b";1HGRUB  version"] {
            m.feed(&u.plain(piece));
        }
        assert!(m.found);
        let mut m = Matcher::new("GNU GRUB");
        m.feed(b"GNU grub");
        assert!(!m.found);
    }
}
