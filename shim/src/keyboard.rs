//! Keystrokes from the host: bytes of a terminal turned into PC keyboard
//! words (scan code << 8 | ASCII), as INT 16h returns them.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};

/// Where INT 16h gets keys from. `poll` never blocks: a key wait lets the
/// guest run (and its timer tick) and asks again.
pub trait KeySource {
    /// The next key word, if one is ready.
    fn poll(&mut self) -> Option<u16>;
}

/// No keyboard: never a key.
pub struct NoKeys;

impl KeySource for NoKeys {
    fn poll(&mut self) -> Option<u16> {
        None
    }
}

/// A fixed list of keys, e.g. for tests.
#[derive(Default)]
pub struct ScriptedKeys(pub VecDeque<u16>);

impl KeySource for ScriptedKeys {
    fn poll(&mut self) -> Option<u16> {
        self.0.pop_front()
    }
}

/// Scan codes of the US layout for printable ASCII 20h–7Eh.
const SCAN: [u8; 95] = [
    0x39, 0x02, 0x28, 0x04, 0x05, 0x06, 0x08, 0x28, // space ! " # $ % & '
    0x0A, 0x0B, 0x09, 0x0D, 0x33, 0x0C, 0x34, 0x35, // ( ) * + , - . /
    0x0B, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // 0-7
    0x09, 0x0A, 0x27, 0x27, 0x33, 0x0D, 0x34, 0x35, // 8 9 : ; < = > ?
    0x03, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, // @ A-G
    0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18, // H-O
    0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, // P-W
    0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x07, 0x0C, // X Y Z [ \ ] ^ _
    0x29, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, // ` a-g
    0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18, // h-o
    0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, // p-w
    0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x29, // x y z { | } ~
];

/// Turns terminal bytes into key words: printable ASCII, Enter, Backspace,
/// Tab, Escape, control letters, and the ANSI arrow/Home/End sequences.
#[derive(Default)]
pub struct KeyDecoder {
    pending: Vec<u8>,
}

impl KeyDecoder {
    /// Feeds one byte; returns the key words it completes.
    pub fn feed(&mut self, b: u8) -> Vec<u16> {
        if !self.pending.is_empty() || b == 0x1B {
            self.pending.push(b);
            return self.escape();
        }
        single(b).into_iter().collect()
    }

    /// Flushes a lone Escape (no sequence followed).
    pub fn flush(&mut self) -> Vec<u16> {
        let out = self.pending.iter().filter_map(|&b| single(b)).collect();
        self.pending.clear();
        out
    }

    fn escape(&mut self) -> Vec<u16> {
        let p = &self.pending;
        if p.len() == 1 {
            return vec![];
        }
        if p[1] != b'[' && p[1] != b'O' {
            return self.flush();
        }
        if p.len() == 2 {
            return vec![];
        }
        let last = p[p.len() - 1];
        if !(0x40..=0x7E).contains(&last) {
            if p.len() > 6 {
                self.pending.clear();
            }
            return vec![];
        }
        let key = match (&p[2..p.len() - 1], last) {
            ([], b'A') => Some(0x48E0),
            ([], b'B') => Some(0x50E0),
            ([], b'C') => Some(0x4DE0),
            ([], b'D') => Some(0x4BE0),
            ([], b'H') | (b"1", b'~') => Some(0x47E0),
            ([], b'F') | (b"4", b'~') => Some(0x4FE0),
            (b"2", b'~') => Some(0x52E0),
            (b"3", b'~') => Some(0x53E0),
            (b"5", b'~') => Some(0x49E0),
            (b"6", b'~') => Some(0x51E0),
            _ => None,
        };
        self.pending.clear();
        key.into_iter().collect()
    }
}

fn single(b: u8) -> Option<u16> {
    let word = |scan: u8, ascii: u8| Some(u16::from(scan) << 8 | u16::from(ascii));
    match b {
        b'\r' | b'\n' => word(0x1C, 0x0D),
        0x7F | 0x08 => word(0x0E, 0x08),
        b'\t' => word(0x0F, 0x09),
        0x1B => word(0x01, 0x1B),
        0x20..=0x7E => word(SCAN[usize::from(b - 0x20)], b),
        // Ctrl-A..Ctrl-Z: the letter's scan code with the control character.
        0x01..=0x1A => word(SCAN[usize::from(b - 1 + b'a' - 0x20)], b),
        _ => None,
    }
}

/// Keys typed on the host's standard input, read by a background thread.
pub struct StdinKeys {
    rx: Receiver<u16>,
}

/// Keys [`StdinKeys`] holds for a guest that does not read them; more are
/// dropped (with a log line), as a full PC keyboard buffer drops them.
pub const KEY_QUEUE: usize = 1024;

impl StdinKeys {
    /// Starts the reader thread.
    pub fn spawn() -> StdinKeys {
        let (tx, rx) = sync_channel(KEY_QUEUE);
        std::thread::spawn(move || {
            let mut dec = KeyDecoder::default();
            let mut dropping = false;
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 64];
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut keys: Vec<u16> = buf[..n].iter().flat_map(|&b| dec.feed(b)).collect();
                keys.extend(dec.flush_if_lone_escape());
                for k in keys {
                    match tx.try_send(k) {
                        Ok(()) => dropping = false,
                        Err(TrySendError::Full(_)) => {
                            if !dropping {
                                log::warn!(
                                    "the guest is not reading keys: {KEY_QUEUE} waiting, more are dropped"
                                );
                                dropping = true;
                            }
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
            }
        });
        StdinKeys { rx }
    }
}

impl KeyDecoder {
    /// A read that ends with a bare ESC was the Escape key itself.
    fn flush_if_lone_escape(&mut self) -> Vec<u16> {
        if self.pending == [0x1B] {
            self.flush()
        } else {
            vec![]
        }
    }
}

impl KeySource for StdinKeys {
    fn poll(&mut self) -> Option<u16> {
        self.rx.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<u16> {
        let mut d = KeyDecoder::default();
        let mut v: Vec<u16> = bytes.iter().flat_map(|&b| d.feed(b)).collect();
        v.extend(d.flush());
        v
    }

    #[test]
    fn decodes_keys() {
        assert_eq!(decode(b"aA1\r"), vec![0x1E61, 0x1E41, 0x0231, 0x1C0D]);
        assert_eq!(decode(b" z~"), vec![0x3920, 0x2C7A, 0x297E]);
        assert_eq!(decode(b"\x1b[A\x1b[D"), vec![0x48E0, 0x4BE0]);
        assert_eq!(decode(b"\x1b"), vec![0x011B]);
        assert_eq!(decode(b"\x1bx"), vec![0x011B, 0x2D78]);
        assert_eq!(decode(b"\x03"), vec![0x2E03]);
    }
}
