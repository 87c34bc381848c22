//! A small client for the GDB remote serial protocol, the subset QEMU's
//! gdbstub speaks and the TCG backend needs: read and write the register
//! block (`g`/`G`), write memory (`M`), software breakpoints (`Z0`),
//! continue (`c`), and the stop replies (`T`/`S`, `W`, `X`).
//!
//! The rust-vmm and crates.io GDB crates (`gdbstub`, `gdb-protocol`) are
//! server-side: they let a VMM *be* a stub. pbios needs the client side,
//! which is a few packets, so it is kept here, tested against its own
//! framing rules below and against QEMU by the TCG backend's tests.
//!
//! Framing: `$payload#cs`, cs the modulo-256 sum of the payload in two hex
//! digits; each side acknowledges a packet with `+`. After
//! `QStartNoAckMode` (where the stub offers it; QEMU 7.2 does not) neither
//! side does any more.
//! Replies may be run-length encoded (`X*n`: repeat X `n - 29` more times)
//! and binary data escapes `#`, `$`, `}` and `*` as `}` then the byte XOR 20h.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use thiserror::Error;

/// A failure talking to the stub.
#[derive(Debug, Error)]
pub enum GdbError {
    #[error("connection to the GDB stub failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the GDB stub closed the connection")]
    Closed,
    #[error("malformed packet from the GDB stub: {0}")]
    Malformed(String),
    #[error("the GDB stub answered {request} with {reply:?}")]
    Refused { request: String, reply: String },
}

/// Largest payload pbios sends. QEMU 7 announces PacketSize=1000h and
/// refuses longer packets; hex doubles a memory write, so this carries
/// just under 2 KiB of data.
const MAX_PAYLOAD: usize = 0xF80;

/// Why the target stopped, from a stop reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReply {
    /// `S`/`T`: stopped with a signal (5, SIGTRAP, for a breakpoint).
    Signal(u8),
    /// `W`: the target process exited with this status.
    Exited(u8),
    /// `X`: the target was terminated by this signal.
    Terminated(u8),
}

/// A connection to a GDB stub.
pub struct GdbClient {
    stream: UnixStream,
    /// Received bytes not yet parsed into packets.
    inbox: Vec<u8>,
    acks: bool,
    /// Packets sent with [`GdbClient::post`] whose `OK` has not been read.
    pending: usize,
    /// When the connection was made: the trace's time stamps count from it.
    pub(super) since: std::time::Instant,
    /// The receive buffer `fill` reads into (allocated once).
    rx: Box<[u8]>,
}

/// The most bytes the client holds while waiting for a packet's end: twice
/// the largest packet it accepts, plus room for acks and a partial packet.
pub const MAX_INBOX: usize = 16 * MAX_PAYLOAD + 8192;

/// The modulo-256 sum of `payload`.
pub fn checksum(payload: &[u8]) -> u8 {
    payload.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

/// `$payload#cs`.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.push(b'$');
    out.extend_from_slice(payload);
    out.extend_from_slice(format!("#{:02x}", checksum(payload)).as_bytes());
    out
}

/// Undoes run-length encoding and binary escapes in a received payload.
pub fn decode(raw: &[u8]) -> Result<Vec<u8>, GdbError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'}' => {
                let b = *raw
                    .get(i + 1)
                    .ok_or_else(|| GdbError::Malformed("escape at end of packet".into()))?;
                out.push(b ^ 0x20);
                i += 2;
            }
            b'*' => {
                let last = *out
                    .last()
                    .ok_or_else(|| GdbError::Malformed("run length at start of packet".into()))?;
                let n = raw
                    .get(i + 1)
                    .and_then(|c| c.checked_sub(29))
                    .ok_or_else(|| GdbError::Malformed("bad run length".into()))?;
                out.extend(std::iter::repeat_n(last, usize::from(n)));
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    s
}

/// The value of one hex digit.
fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Bytes from hex digits.
pub fn from_hex(hex: &[u8]) -> Result<Vec<u8>, GdbError> {
    if !hex.len().is_multiple_of(2) {
        return Err(GdbError::Malformed("odd number of hex digits".into()));
    }
    hex.chunks_exact(2)
        .map(|p| match (nibble(p[0]), nibble(p[1])) {
            (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
            _ => Err(GdbError::Malformed(format!(
                "not hex: {:?}",
                String::from_utf8_lossy(p)
            ))),
        })
        .collect()
}

/// Parses a stop reply (`S05`, `T05thread:01;`, `W00`, `X09`).
pub fn parse_stop(p: &[u8]) -> Result<StopReply, GdbError> {
    let code = || {
        p.get(1..3)
            .and_then(|h| from_hex(h).ok())
            .map(|v| v[0])
            .ok_or_else(|| {
                GdbError::Malformed(format!("stop reply {:?}", String::from_utf8_lossy(p)))
            })
    };
    match p.first() {
        Some(b'S' | b'T') => Ok(StopReply::Signal(code()?)),
        Some(b'W') => Ok(StopReply::Exited(code()?)),
        Some(b'X') => Ok(StopReply::Terminated(code()?)),
        _ => Err(GdbError::Malformed(format!(
            "stop reply {:?}",
            String::from_utf8_lossy(p)
        ))),
    }
}

impl GdbClient {
    /// Wraps a connected stream and agrees on the session: no acks.
    pub fn connect(stream: UnixStream) -> Result<GdbClient, GdbError> {
        let mut c = GdbClient::on(stream, true);
        let features = c.request(b"qSupported:swbreak+;hwbreak+")?;
        if features
            .split(|&b| b == b';')
            .any(|f| f == b"QStartNoAckMode+")
            && c.request(b"QStartNoAckMode")? == b"OK"
        {
            c.acks = false;
        }
        Ok(c)
    }

    /// Bounds (or, with `None`, unbounds) how long a read may block.
    pub fn set_read_timeout(&mut self, t: Option<std::time::Duration>) -> Result<(), GdbError> {
        self.stream.set_read_timeout(t)?;
        Ok(())
    }

    /// The stream's descriptor, to poll on.
    pub fn raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    /// A client on `stream` before any handshake.
    pub(super) fn on(stream: UnixStream, acks: bool) -> GdbClient {
        GdbClient {
            stream,
            inbox: Vec::new(),
            acks,
            pending: 0,
            since: std::time::Instant::now(),
            rx: vec![0u8; 8192].into_boxed_slice(),
        }
    }

    /// Sends one packet.
    pub fn send(&mut self, payload: &[u8]) -> Result<(), GdbError> {
        if log::log_enabled!(target: "pbios::gdb", log::Level::Trace) {
            log::trace!(
                target: "pbios::gdb",
                "{:>12.1} gdb -> {}",
                self.since.elapsed().as_secs_f64() * 1e6,
                String::from_utf8_lossy(&payload[..payload.len().min(60)])
            );
        }
        self.stream.write_all(&frame(payload))?;
        Ok(())
    }

    /// Sends `payload` and returns the reply.
    pub fn request(&mut self, payload: &[u8]) -> Result<Vec<u8>, GdbError> {
        self.settle()?;
        self.send(payload)?;
        self.recv()
    }

    /// Sends `payload`, whose reply must be `OK`, without waiting for it:
    /// the stub answers in order, so the reply is checked when the next
    /// reply is needed ([`GdbClient::settle`], or [`GdbClient::take_reply`]
    /// while the target runs). Saves a round trip per register write.
    pub fn post(&mut self, payload: &[u8]) -> Result<(), GdbError> {
        self.send(payload)?;
        self.pending += 1;
        Ok(())
    }

    /// Reads the replies to every posted packet; each must be `OK`.
    pub fn settle(&mut self) -> Result<(), GdbError> {
        while self.pending > 0 {
            let p = self.recv_raw()?;
            self.check_posted(p)?;
        }
        Ok(())
    }

    fn check_posted(&mut self, reply: Vec<u8>) -> Result<(), GdbError> {
        self.pending -= 1;
        if reply == b"OK" {
            Ok(())
        } else {
            Err(GdbError::Refused {
                request: "a register or memory write".into(),
                reply: String::from_utf8_lossy(&reply).into_owned(),
            })
        }
    }

    /// The next packet that is not the reply to a posted one, from what has
    /// been received, if there is one.
    pub fn take_reply(&mut self) -> Result<Option<Vec<u8>>, GdbError> {
        loop {
            // Replies to posted packets are not acknowledged: the target may
            // be running by now, and QEMU's stub takes any byte it receives
            // while running as a request to stop. It stops waiting for an
            // ack anyway when the next packet starts.
            let posted = self.pending > 0;
            match self.take_packet(!posted)? {
                Some(p) if !posted => return Ok(Some(p)),
                Some(p) => self.check_posted(p)?,
                None => return Ok(None),
            }
        }
    }

    /// Sends `payload` and expects `OK`.
    pub fn request_ok(&mut self, payload: &[u8]) -> Result<(), GdbError> {
        let reply = self.request(payload)?;
        if reply == b"OK" {
            Ok(())
        } else {
            Err(GdbError::Refused {
                request: String::from_utf8_lossy(&payload[..payload.len().min(24)]).into_owned(),
                reply: String::from_utf8_lossy(&reply).into_owned(),
            })
        }
    }

    /// Blocks for the next reply (after those to posted packets).
    pub fn recv(&mut self) -> Result<Vec<u8>, GdbError> {
        self.settle()?;
        self.recv_raw()
    }

    fn recv_raw(&mut self) -> Result<Vec<u8>, GdbError> {
        loop {
            if let Some(p) = self.take_packet(true)? {
                return Ok(p);
            }
            self.fill()?;
        }
    }

    /// Reads what the stream has (blocking until at least one byte). The
    /// inbox is bounded: a peer that sends more than [`MAX_INBOX`] bytes
    /// without completing a packet is refused.
    pub fn fill(&mut self) -> Result<(), GdbError> {
        if self.inbox.len() >= MAX_INBOX {
            return Err(GdbError::Malformed(format!(
                "more than {MAX_INBOX} bytes without a complete packet"
            )));
        }
        let buf = &mut self.rx[..];
        let n = self.stream.read(buf)?;
        if n == 0 {
            return Err(GdbError::Closed);
        }
        self.inbox.extend_from_slice(&buf[..n]);
        Ok(())
    }

    /// A complete packet from what has been received, if there is one;
    /// acknowledged if `ack` (and the session uses acks).
    fn take_packet(&mut self, ack: bool) -> Result<Option<Vec<u8>>, GdbError> {
        // Acks, and anything else before a packet, are skipped.
        let Some(start) = self.inbox.iter().position(|&b| b == b'$') else {
            self.inbox.clear();
            return Ok(None);
        };
        let Some(hash) = self.inbox[start..].iter().position(|&b| b == b'#') else {
            return Ok(None);
        };
        let hash = start + hash;
        if self.inbox.len() < hash + 3 {
            return Ok(None);
        }
        let raw = self.inbox[start + 1..hash].to_vec();
        let sum = from_hex(&self.inbox[hash + 1..hash + 3])?[0];
        self.inbox.drain(..hash + 3);
        if sum != checksum(&raw) {
            return Err(GdbError::Malformed("bad checksum".into()));
        }
        if log::log_enabled!(target: "pbios::gdb", log::Level::Trace) {
            log::trace!(
                target: "pbios::gdb",
                "{:>12.1} gdb <- {}",
                self.since.elapsed().as_secs_f64() * 1e6,
                String::from_utf8_lossy(&raw[..raw.len().min(60)])
            );
        }
        if self.acks && ack {
            self.stream.write_all(b"+")?;
        }
        decode(&raw).map(Some)
    }

    /// The register block (`g`), as bytes in the target's order.
    /// Only the first `len` bytes are decoded (the block's tail, FPU and
    /// vector registers, is most of it and is never used).
    pub fn read_registers(&mut self, len: usize) -> Result<Vec<u8>, GdbError> {
        let reply = self.request(b"g")?;
        if reply.first() == Some(&b'E') {
            return Err(GdbError::Refused {
                request: "g".into(),
                reply: String::from_utf8_lossy(&reply).into_owned(),
            });
        }
        let hex = len.saturating_mul(2).min(reply.len() & !1);
        from_hex(&reply[..hex])
    }

    /// Writes the leading registers of the block (`G`, posted): the stub
    /// writes as many registers as `bytes` covers.
    pub fn write_registers(&mut self, bytes: &[u8]) -> Result<(), GdbError> {
        let mut p = Vec::with_capacity(1 + bytes.len() * 2);
        p.push(b'G');
        p.extend_from_slice(to_hex(bytes).as_bytes());
        self.post(&p)
    }

    /// Writes guest memory at `addr` (`M`, posted, in packets the stub
    /// accepts).
    pub fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<(), GdbError> {
        const CHUNK: usize = (MAX_PAYLOAD - 32) / 2;
        for (i, chunk) in data.chunks(CHUNK).enumerate() {
            let at = addr + (i * CHUNK) as u64;
            let mut p = format!("M{at:x},{:x}:", chunk.len()).into_bytes();
            p.extend_from_slice(to_hex(chunk).as_bytes());
            self.post(&p)?;
        }
        Ok(())
    }

    /// Inserts a software breakpoint at `addr` (`Z0`, posted).
    pub fn insert_breakpoint(&mut self, addr: u64) -> Result<(), GdbError> {
        self.post(format!("Z0,{addr:x},1").as_bytes())
    }

    /// Removes the software breakpoint at `addr` (`z0`, posted).
    pub fn remove_breakpoint(&mut self, addr: u64) -> Result<(), GdbError> {
        self.post(format!("z0,{addr:x},1").as_bytes())
    }

    /// Asks the running target to stop (the interrupt byte, 03h); its stop
    /// reply comes later.
    pub fn interrupt(&mut self) -> Result<(), GdbError> {
        if log::log_enabled!(target: "pbios::gdb", log::Level::Trace) {
            log::trace!(
                target: "pbios::gdb",
                "{:>12.1} gdb -> ^C",
                self.since.elapsed().as_secs_f64() * 1e6
            );
        }
        self.stream.write_all(&[0x03])?;
        Ok(())
    }

    /// Resumes the target (`c`); the stop reply comes later.
    pub fn resume(&mut self) -> Result<(), GdbError> {
        self.send(b"c")
    }

    /// Reads an `qXfer:features:read` annex (the target description).
    pub fn read_feature(&mut self, annex: &str) -> Result<String, GdbError> {
        let mut out = Vec::new();
        loop {
            let reply = self.request(
                format!("qXfer:features:read:{annex}:{:x},{:x}", out.len(), 0xF00).as_bytes(),
            )?;
            match reply.split_first() {
                Some((b'm', rest)) => out.extend_from_slice(rest),
                Some((b'l', rest)) => {
                    out.extend_from_slice(rest);
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                _ => {
                    return Err(GdbError::Refused {
                        request: format!("qXfer:features:read:{annex}"),
                        reply: String::from_utf8_lossy(&reply).into_owned(),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client on one end of a socket pair; the test plays the stub.
    fn client(acks: bool) -> (GdbClient, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        (GdbClient::on(a, acks), b)
    }

    #[test]
    fn a_peer_that_never_ends_a_packet_is_refused() {
        let (mut c, mut stub) = client(false);
        let junk = vec![b'$'; 4096];
        let mut refused = false;
        for _ in 0..(MAX_INBOX / junk.len() + 4) {
            stub.write_all(&junk).unwrap();
            match c.fill() {
                Ok(()) => assert!(c.inbox.len() <= MAX_INBOX + junk.len()),
                Err(GdbError::Malformed(_)) => {
                    refused = true;
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(refused, "the inbox grew to {}", c.inbox.len());
    }

    #[test]
    fn frames_with_checksum() {
        assert_eq!(frame(b"g"), b"$g#67");
        assert_eq!(frame(b"OK"), b"$OK#9a");
        assert_eq!(frame(b""), b"$#00");
    }

    #[test]
    fn decodes_run_length_and_escapes() {
        // "0* " = '0' then 32-29 = 3 more.
        assert_eq!(decode(b"0* ").unwrap(), b"0000");
        assert_eq!(decode(b"a}\x03b").unwrap(), b"a#b");
        assert!(decode(b"*!").is_err());
        assert!(decode(b"ab}").is_err());
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(to_hex(&[0x00, 0xAB, 0x7F]), "00ab7f");
        assert_eq!(from_hex(b"00ab7F").unwrap(), vec![0x00, 0xAB, 0x7F]);
        assert!(from_hex(b"0").is_err());
        assert!(from_hex(b"zz").is_err());
    }

    #[test]
    fn parses_stop_replies() {
        assert_eq!(
            parse_stop(b"T05thread:p01.01;").unwrap(),
            StopReply::Signal(5)
        );
        assert_eq!(parse_stop(b"S02").unwrap(), StopReply::Signal(2));
        assert_eq!(parse_stop(b"W00").unwrap(), StopReply::Exited(0));
        assert_eq!(parse_stop(b"X09").unwrap(), StopReply::Terminated(9));
        assert!(parse_stop(b"OK").is_err());
        assert!(parse_stop(b"T").is_err());
    }

    #[test]
    fn packets_survive_split_reads_and_acks() {
        let (mut c, mut b) = client(false);
        b.write_all(b"+$O").unwrap();
        b.write_all(b"K#9a$T05#b9").unwrap();
        assert_eq!(c.recv().unwrap(), b"OK");
        assert_eq!(c.recv().unwrap(), b"T05");
        b.write_all(b"$OK#00").unwrap();
        assert!(matches!(c.recv(), Err(GdbError::Malformed(_))));
        drop(b);
        assert!(matches!(c.recv(), Err(GdbError::Closed)));
    }

    #[test]
    fn replies_to_posted_packets_are_not_acknowledged() {
        // QEMU 7.2 keeps acks on and stops a running guest (SIGINT) on any
        // byte it receives: a late `+` for a posted write's `OK`, sent after
        // `c`, would do that. Stop replies and requested replies are acked.
        let (mut c, mut b) = client(true);
        c.post(b"G00").unwrap();
        c.resume().unwrap();
        b.write_all(b"$OK#9a").unwrap();
        c.fill().unwrap();
        assert_eq!(c.take_reply().unwrap(), None);
        b.write_all(b"$T05#b9").unwrap();
        c.fill().unwrap();
        assert_eq!(c.take_reply().unwrap(), Some(b"T05".to_vec()));
        b.set_read_timeout(Some(std::time::Duration::from_millis(100)))
            .unwrap();
        let mut got = [0u8; 64];
        let n = b.read(&mut got).unwrap();
        assert_eq!(&got[..n], b"$G00#a7$c#63+", "one ack: for the stop reply");
    }

    #[test]
    fn posted_writes_are_checked_in_order() {
        let (mut c, mut b) = client(false);
        c.post(b"G00").unwrap();
        c.post(b"M0,1:00").unwrap();
        b.write_all(b"$OK#9a$OK#9a$T05#b9").unwrap();
        c.fill().unwrap();
        assert_eq!(c.take_reply().unwrap(), Some(b"T05".to_vec()));
        assert_eq!(c.pending, 0);
        c.post(b"G00").unwrap();
        b.write_all(b"$E01#a6").unwrap();
        assert!(matches!(c.settle(), Err(GdbError::Refused { .. })));
    }
}
