//! Keystrokes from the host: bytes of a terminal turned into PC keyboard
//! words (scan code << 8 | ASCII), as INT 16h returns them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

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

/// The keys beyond the typewriter block, as a PC's BIOS returns them
/// (RBIL INT 16h AH=10h scan code table) and as an xterm-style terminal
/// sends them.
struct Special {
    name: &'static str,
    /// Other names a script may use.
    alias: &'static str,
    seq: Seq,
    /// Key words plain, with Shift, with Ctrl, with Alt.
    words: [u16; 4],
}

/// How a terminal sends a key: `ESC [ X` (or `ESC [ 1 ; m X`), `ESC [ n ~`
/// (or `ESC [ n ; m ~`), or `ESC O X` (or `ESC [ 1 ; m X`).
#[derive(Clone, Copy, PartialEq)]
enum Seq {
    Final(u8),
    Tilde(u8),
    Ss3(u8),
}

const SPECIAL: [Special; 22] = [
    sp("Up", "", Seq::Final(b'A'), [0x48E0, 0x48E0, 0x8DE0, 0x9800]),
    sp(
        "Down",
        "",
        Seq::Final(b'B'),
        [0x50E0, 0x50E0, 0x91E0, 0xA000],
    ),
    sp(
        "Right",
        "",
        Seq::Final(b'C'),
        [0x4DE0, 0x4DE0, 0x74E0, 0x9D00],
    ),
    sp(
        "Left",
        "",
        Seq::Final(b'D'),
        [0x4BE0, 0x4BE0, 0x73E0, 0x9B00],
    ),
    sp(
        "Home",
        "",
        Seq::Final(b'H'),
        [0x47E0, 0x47E0, 0x77E0, 0x9700],
    ),
    sp(
        "End",
        "",
        Seq::Final(b'F'),
        [0x4FE0, 0x4FE0, 0x75E0, 0x9F00],
    ),
    sp(
        "Ins",
        "Insert",
        Seq::Tilde(2),
        [0x52E0, 0x52E0, 0x92E0, 0xA200],
    ),
    sp(
        "Del",
        "Delete",
        Seq::Tilde(3),
        [0x53E0, 0x53E0, 0x93E0, 0xA300],
    ),
    sp(
        "PgUp",
        "PageUp",
        Seq::Tilde(5),
        [0x49E0, 0x49E0, 0x84E0, 0x9900],
    ),
    sp(
        "PgDn",
        "PageDown",
        Seq::Tilde(6),
        [0x51E0, 0x51E0, 0x76E0, 0xA100],
    ),
    sp("F1", "", Seq::Ss3(b'P'), [0x3B00, 0x5400, 0x5E00, 0x6800]),
    sp("F2", "", Seq::Ss3(b'Q'), [0x3C00, 0x5500, 0x5F00, 0x6900]),
    sp("F3", "", Seq::Ss3(b'R'), [0x3D00, 0x5600, 0x6000, 0x6A00]),
    sp("F4", "", Seq::Ss3(b'S'), [0x3E00, 0x5700, 0x6100, 0x6B00]),
    sp("F5", "", Seq::Tilde(15), [0x3F00, 0x5800, 0x6200, 0x6C00]),
    sp("F6", "", Seq::Tilde(17), [0x4000, 0x5900, 0x6300, 0x6D00]),
    sp("F7", "", Seq::Tilde(18), [0x4100, 0x5A00, 0x6400, 0x6E00]),
    sp("F8", "", Seq::Tilde(19), [0x4200, 0x5B00, 0x6500, 0x6F00]),
    sp("F9", "", Seq::Tilde(20), [0x4300, 0x5C00, 0x6600, 0x7000]),
    sp("F10", "", Seq::Tilde(21), [0x4400, 0x5D00, 0x6700, 0x7100]),
    sp("F11", "", Seq::Tilde(23), [0x8500, 0x8700, 0x8900, 0x8B00]),
    sp("F12", "", Seq::Tilde(24), [0x8600, 0x8800, 0x8A00, 0x8C00]),
];

const fn sp(name: &'static str, alias: &'static str, seq: Seq, words: [u16; 4]) -> Special {
    Special {
        name,
        alias,
        seq,
        words,
    }
}

/// A modifier held with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// No modifier.
    None,
    /// Shift.
    Shift,
    /// Ctrl.
    Ctrl,
    /// Alt.
    Alt,
}

impl Modifier {
    fn index(self) -> usize {
        self as usize
    }
    /// From xterm's modifier parameter (1 + Shift 1 + Alt 2 + Ctrl 4): Ctrl
    /// wins over Alt, Alt over Shift.
    fn from_xterm(m: u8) -> Modifier {
        let bits = m.saturating_sub(1);
        if bits & 4 != 0 {
            Modifier::Ctrl
        } else if bits & 2 != 0 {
            Modifier::Alt
        } else if bits & 1 != 0 {
            Modifier::Shift
        } else {
            Modifier::None
        }
    }
    fn xterm(self) -> u8 {
        match self {
            Modifier::None => 1,
            Modifier::Shift => 2,
            Modifier::Alt => 3,
            Modifier::Ctrl => 5,
        }
    }
}

/// Scan code of a printable ASCII character on the US layout.
fn scan_of(c: u8) -> u8 {
    SCAN[usize::from(c.clamp(0x20, 0x7E) - 0x20)]
}

/// The key word for a printable character or control key with a modifier,
/// as INT 16h AH=10h returns it (`None`: the PC has no such combination).
fn typewriter_word(c: u8, m: Modifier) -> Option<u16> {
    let word = |scan: u8, ascii: u8| Some(u16::from(scan) << 8 | u16::from(ascii));
    let lower = c.to_ascii_lowercase();
    // Alt takes the key, not the character: Alt-! is Alt-1.
    if m == Modifier::Alt {
        if let Some(i) = b"!@#$%^&*()_+{}|:\"<>?~".iter().position(|&s| s == c) {
            return typewriter_word(b"1234567890-=[]\\;',./`"[i], m);
        }
    }
    match (c, m) {
        (b'\r', Modifier::None | Modifier::Shift) => word(0x1C, 0x0D),
        (b'\r', Modifier::Ctrl) => word(0x1C, 0x0A),
        (b'\r', Modifier::Alt) => word(0x1C, 0x00),
        (0x1B, Modifier::Alt) => word(0x01, 0x00),
        (0x1B, _) => word(0x01, 0x1B),
        (0x08, Modifier::Ctrl) => word(0x0E, 0x7F),
        (0x08, Modifier::Alt) => word(0x0E, 0x00),
        (0x08, _) => word(0x0E, 0x08),
        (b'\t', Modifier::None) => word(0x0F, 0x09),
        (b'\t', Modifier::Shift) => word(0x0F, 0x00),
        (b'\t', Modifier::Ctrl) => word(0x94, 0x00),
        (b'\t', Modifier::Alt) => word(0xA5, 0x00),
        (b' ', _) => word(0x39, 0x20),
        (b'a'..=b'z', Modifier::Shift) => word(scan_of(c), c.to_ascii_uppercase()),
        (0x21..=0x7E, Modifier::None | Modifier::Shift) => word(scan_of(c), c),
        (b'a'..=b'z' | b'A'..=b'Z', Modifier::Ctrl) => word(scan_of(lower), lower - b'a' + 1),
        (b'[', Modifier::Ctrl) => word(0x1A, 0x1B),
        (b'\\', Modifier::Ctrl) => word(0x2B, 0x1C),
        (b']', Modifier::Ctrl) => word(0x1B, 0x1D),
        (b'6' | b'^', Modifier::Ctrl) => word(0x07, 0x1E),
        (b'-' | b'_', Modifier::Ctrl) => word(0x0C, 0x1F),
        (b'2' | b'@', Modifier::Ctrl) => word(0x03, 0x00),
        (b'1'..=b'9', Modifier::Alt) => word(0x78 + (c - b'1'), 0),
        (b'0', Modifier::Alt) => word(0x81, 0),
        (b'-', Modifier::Alt) => word(0x82, 0),
        (b'=', Modifier::Alt) => word(0x83, 0),
        (0x21..=0x7E, Modifier::Alt) => word(scan_of(lower), 0),
        _ => None,
    }
}

/// A key named as a script writes it: `Enter`, `Esc`, `Tab`, `Backspace`,
/// `Space`, `Up`, `Down`, `Left`, `Right`, `Home`, `End`, `PgUp`, `PgDn`,
/// `Ins`, `Del`, `F1`-`F12`, or one character, each optionally after
/// `Ctrl-`, `Alt-` or `Shift-` (case does not matter: `ctrl-c`, `Alt-F4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedKey {
    /// The word INT 16h AH=10h returns: scan code << 8 | ASCII.
    pub word: u16,
    what: KeyWhat,
    modifier: Modifier,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyWhat {
    Special(usize),
    Char(u8),
}

impl NamedKey {
    /// Parses a key name (see the type's documentation).
    pub fn parse(name: &str) -> Option<NamedKey> {
        let mut rest = name;
        let mut modifier = Modifier::None;
        for (prefix, m) in [
            ("ctrl-", Modifier::Ctrl),
            ("alt-", Modifier::Alt),
            ("shift-", Modifier::Shift),
        ] {
            let head = rest.get(..prefix.len());
            if rest.len() > prefix.len() && head.is_some_and(|h| h.eq_ignore_ascii_case(prefix)) {
                rest = &rest[prefix.len()..];
                modifier = m;
                break;
            }
        }
        let is = |n: &str| !n.is_empty() && rest.eq_ignore_ascii_case(n);
        if let Some(i) = SPECIAL.iter().position(|s| is(s.name) || is(s.alias)) {
            return Some(NamedKey {
                word: SPECIAL[i].words[modifier.index()],
                what: KeyWhat::Special(i),
                modifier,
            });
        }
        let c = match rest {
            _ if is("enter") || is("return") => b'\r',
            _ if is("esc") || is("escape") => 0x1B,
            _ if is("tab") => b'\t',
            _ if is("backspace") || is("bs") => 0x08,
            _ if is("space") => b' ',
            r if r.len() == 1 && r.as_bytes()[0].is_ascii_graphic() => r.as_bytes()[0],
            _ => return None,
        };
        let word = typewriter_word(c, modifier)?;
        Some(NamedKey {
            word,
            what: KeyWhat::Char(c),
            modifier,
        })
    }

    /// The key for typing one ASCII character (`\n` is Enter).
    pub fn typed(c: u8) -> Option<NamedKey> {
        let c = if c == b'\n' { b'\r' } else { c };
        Some(NamedKey {
            word: typewriter_word(c, Modifier::None)?,
            what: KeyWhat::Char(c),
            modifier: Modifier::None,
        })
    }

    /// The bytes an xterm sends for this key, for a guest that reads its
    /// console from a serial line.
    pub fn terminal_bytes(&self) -> Vec<u8> {
        let m = self.modifier;
        match self.what {
            KeyWhat::Special(i) => match (SPECIAL[i].seq, m) {
                (Seq::Final(f), Modifier::None) => vec![0x1B, b'[', f],
                (Seq::Ss3(f), Modifier::None) => vec![0x1B, b'O', f],
                (Seq::Final(f) | Seq::Ss3(f), _) => format!("\x1b[1;{}", m.xterm())
                    .into_bytes()
                    .into_iter()
                    .chain([f])
                    .collect(),
                (Seq::Tilde(n), Modifier::None) => format!("\x1b[{n}~").into_bytes(),
                (Seq::Tilde(n), _) => format!("\x1b[{n};{}~", m.xterm()).into_bytes(),
            },
            KeyWhat::Char(b'\t') if m == Modifier::Shift => b"\x1b[Z".to_vec(),
            KeyWhat::Char(0x08) if m == Modifier::Alt => vec![0x1B, 0x7F],
            KeyWhat::Char(0x08) => vec![0x7F],
            KeyWhat::Char(b'\t') => vec![b'\t'],
            KeyWhat::Char(c) => match m {
                Modifier::Ctrl if c.is_ascii_alphabetic() => {
                    vec![c.to_ascii_lowercase() - b'a' + 1]
                }
                Modifier::Ctrl => vec![(self.word & 0xFF) as u8],
                Modifier::Alt => vec![0x1B, c],
                _ => vec![c],
            },
        }
    }
}

/// Turns terminal bytes into key words: printable ASCII, Enter, Backspace,
/// Tab, Escape, control characters, Alt (ESC before a character), and the
/// xterm, VT220 and Linux-console sequences for the arrows, the editing
/// keys and F1-F12, with their Shift, Ctrl and Alt modifiers.
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

    /// Flushes what is pending as typed (a lone Escape is the Escape key).
    pub fn flush(&mut self) -> Vec<u16> {
        let out = self.pending.iter().filter_map(|&b| single(b)).collect();
        self.pending.clear();
        out
    }

    /// A read that ends with a bare ESC was the Escape key itself.
    pub fn flush_if_lone_escape(&mut self) -> Vec<u16> {
        if self.pending == [0x1B] {
            self.flush()
        } else {
            vec![]
        }
    }

    fn escape(&mut self) -> Vec<u16> {
        let p = self.pending.clone();
        if p.len() == 1 {
            return vec![];
        }
        match p[1] {
            b'[' | b'O' => {}
            0x1B => {
                // ESC ESC: the first was the Escape key.
                self.pending.remove(0);
                return single(0x1B).into_iter().collect();
            }
            c => {
                self.pending.clear();
                return typewriter_word(if c == 0x7F { 0x08 } else { c }, Modifier::Alt)
                    .or_else(|| single(c))
                    .into_iter()
                    .collect();
            }
        }
        if p.len() == 2 {
            return vec![];
        }
        // Linux console F1-F5: ESC [ [ A..E.
        if p[1] == b'[' && p[2] == b'[' {
            if p.len() == 3 {
                return vec![];
            }
            self.pending.clear();
            let i = p[3].wrapping_sub(b'A');
            return SPECIAL
                .iter()
                .filter(|s| s.name.starts_with('F'))
                .nth(usize::from(i))
                .filter(|_| i < 5)
                .map(|s| s.words[0])
                .into_iter()
                .collect();
        }
        let last = p[p.len() - 1];
        if !(0x40..=0x7E).contains(&last) {
            if p.len() > 8 {
                self.pending.clear();
            }
            return vec![];
        }
        self.pending.clear();
        let params: Vec<u8> = std::str::from_utf8(&p[2..p.len() - 1])
            .unwrap_or("")
            .split(';')
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        let m = Modifier::from_xterm(params.get(1).copied().unwrap_or(1));
        let key = |seq: Seq| {
            SPECIAL
                .iter()
                .find(|s| s.seq == seq)
                .map(|s| s.words[m.index()])
        };
        let word = match (p[1], last) {
            (b'[', b'Z') => typewriter_word(b'\t', Modifier::Shift),
            (b'[', b'~') => match params.first().copied().unwrap_or(0) {
                1 | 7 => key(Seq::Final(b'H')),
                4 | 8 => key(Seq::Final(b'F')),
                n @ 11..=14 => key(Seq::Ss3(b'P' + (n - 11))),
                n => key(Seq::Tilde(n)),
            },
            (_, f @ (b'P'..=b'S')) => key(Seq::Ss3(f)),
            (_, f) => key(Seq::Final(f)),
        };
        word.into_iter().collect()
    }
}

fn single(b: u8) -> Option<u16> {
    match b {
        b'\r' | b'\n' => typewriter_word(b'\r', Modifier::None),
        0x7F | 0x08 => typewriter_word(0x08, Modifier::None),
        b'\t' | 0x1B | 0x20..=0x7E => typewriter_word(b, Modifier::None),
        // Ctrl-A..Ctrl-Z: the letter's scan code with the control character.
        0x01..=0x1A => typewriter_word(b - 1 + b'a', Modifier::Ctrl),
        0x00 => typewriter_word(b'2', Modifier::Ctrl),
        0x1C => typewriter_word(b'\\', Modifier::Ctrl),
        0x1D => typewriter_word(b']', Modifier::Ctrl),
        0x1E => typewriter_word(b'6', Modifier::Ctrl),
        0x1F => typewriter_word(b'-', Modifier::Ctrl),
        _ => None,
    }
}

/// Keys a host console sends from another thread (its terminal, a
/// script), queued for INT 16h.
pub struct ChannelKeys {
    rx: Receiver<u16>,
}

/// The sending side of [`ChannelKeys`].
#[derive(Clone)]
pub struct KeySender {
    tx: SyncSender<u16>,
    dropping: Arc<AtomicBool>,
}

/// Keys [`ChannelKeys`] holds for a guest that does not read them; more are
/// dropped (with a log line), as a full PC keyboard buffer drops them.
pub const KEY_QUEUE: usize = 1024;

impl ChannelKeys {
    /// A queue of [`KEY_QUEUE`] keys and its sender.
    pub fn new() -> (KeySender, ChannelKeys) {
        let (tx, rx) = sync_channel(KEY_QUEUE);
        (
            KeySender {
                tx,
                dropping: Arc::new(AtomicBool::new(false)),
            },
            ChannelKeys { rx },
        )
    }
}

impl KeySender {
    /// Queues a key word; false once the guest's side is gone.
    pub fn send(&self, word: u16) -> bool {
        match self.tx.try_send(word) {
            Ok(()) => {
                self.dropping.store(false, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Full(_)) => {
                if !self.dropping.swap(true, Ordering::Relaxed) {
                    log::warn!(
                        "the guest is not reading keys: {KEY_QUEUE} waiting, more are dropped"
                    );
                }
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

impl KeySource for ChannelKeys {
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
        assert_eq!(decode(b"\x1bx"), vec![0x2D00], "Alt-x");
        assert_eq!(decode(b"\x03"), vec![0x2E03]);
    }

    #[test]
    fn decodes_function_keys_and_modifiers() {
        // xterm: F1 (SS3), F5 and F12 (CSI ~), Ctrl-Up, Alt-Left, Shift-F3.
        assert_eq!(
            decode(b"\x1bOP\x1b[15~\x1b[24~"),
            vec![0x3B00, 0x3F00, 0x8600]
        );
        assert_eq!(
            decode(b"\x1b[1;5A\x1b[1;3D\x1b[1;2R"),
            vec![0x8DE0, 0x9B00, 0x5600]
        );
        assert_eq!(decode(b"\x1b[5;5~\x1b[Z"), vec![0x84E0, 0x0F00]);
        // Linux console F1, VT220 Home and End, old xterm F2, SS3 arrows.
        assert_eq!(
            decode(b"\x1b[[A\x1b[1~\x1b[4~\x1b[12~\x1bOB"),
            vec![0x3B00, 0x47E0, 0x4FE0, 0x3C00, 0x50E0]
        );
        // Alt-x and Alt-1 as a terminal sends them (ESC first), ESC ESC.
        assert_eq!(decode(b"\x1bx\x1b1"), vec![0x2D00, 0x7800]);
        assert_eq!(decode(b"\x1b\x1b"), vec![0x011B, 0x011B]);
        // Control characters beyond the letters.
        assert_eq!(
            decode(b"\x00\x1d\x7f\t"),
            vec![0x0300, 0x1B1D, 0x0E08, 0x0F09]
        );
    }

    #[test]
    fn named_keys_round_trip_through_the_terminal() {
        for name in [
            "Up",
            "down",
            "PgUp",
            "Del",
            "F1",
            "F4",
            "F5",
            "F11",
            "F12",
            "Ctrl-Up",
            "Alt-Home",
            "Shift-F2",
            "Ctrl-F10",
            "Alt-F12",
            "Ctrl-Del",
            "Enter",
            "Esc",
            "Tab",
            "Shift-Tab",
            "Backspace",
            "a",
            "Z",
            "Ctrl-C",
            "Alt-X",
            "Alt-1",
            "space",
        ] {
            let k = NamedKey::parse(name).unwrap_or_else(|| panic!("{name}"));
            let mut d = KeyDecoder::default();
            let mut got: Vec<u16> = k.terminal_bytes().iter().flat_map(|&b| d.feed(b)).collect();
            got.extend(d.flush());
            assert_eq!(got, vec![k.word], "{name}: {:?}", k.terminal_bytes());
        }
        assert_eq!(NamedKey::parse("Ctrl-Alt").map(|k| k.word), None);
        assert_eq!(NamedKey::parse("F13"), None);
        assert_eq!(NamedKey::parse("Alt-F4").map(|k| k.word), Some(0x6B00));
        assert_eq!(NamedKey::typed(b'\n').map(|k| k.word), Some(0x1C0D));
        assert_eq!(NamedKey::parse("Shift-a").map(|k| k.word), Some(0x1E41));
        assert_eq!(NamedKey::parse("Alt-!").map(|k| k.word), Some(0x7800));
        assert_eq!(NamedKey::parse("Alt-)").map(|k| k.word), Some(0x8100));
        assert_eq!(NamedKey::parse("Alt-+").map(|k| k.word), Some(0x8300));
        assert_eq!(
            NamedKey::parse("ctrlé"),
            None,
            "no panic on a non-ASCII name"
        );
        assert_eq!(NamedKey::parse("ctrl-é"), None);
    }
}
