//! `--trace` lines a person can read: a time stamp, the caller's CS:IP,
//! the call, the registers in and out, and the arguments decoded where
//! they live in memory (INT 13h's disk address packet and CHS transfer,
//! INT 15h's E820 entry); as text or as one JSON object per line.

use crate::bios::{TraceFormat, TracedCall};
use crate::mem::{real_addr, Memory};
use crate::regs::Regs;
use std::fmt::Write as _;

/// The arguments of a call worth decoding, as `(key, value)` pairs.
pub(crate) fn detail(
    v: u8,
    input: &Regs,
    out: &Regs,
    mem: &dyn Memory,
) -> Vec<(&'static str, String)> {
    let mut d = Vec::new();
    match (v, input.ah()) {
        (0x13, 0x42 | 0x43 | 0x44 | 0x47) => {
            let dap = real_addr(input.ds, input.si());
            let (Ok(size), Ok(count), Ok(off), Ok(seg), Ok(lba)) = (
                mem.read_u8(dap),
                mem.read_u16(dap + 2),
                mem.read_u16(dap + 4),
                mem.read_u16(dap + 6),
                mem.read_u64(dap + 8),
            ) else {
                d.push((
                    "packet",
                    format!("{:04X}:{:04X}h unreadable", input.ds, input.si()),
                ));
                return d;
            };
            d.push(("drive", format!("{:02X}h", input.dl())));
            d.push(("lba", lba.to_string()));
            d.push(("count", count.to_string()));
            let flat = (seg, off) == (0xFFFF, 0xFFFF) && size >= 0x18;
            match mem.read_u64(dap + 16) {
                Ok(addr) if flat => d.push(("buffer", format!("{addr:#x}"))),
                _ => d.push(("buffer", format!("{seg:04X}:{off:04X}h"))),
            }
        }
        (0x13, 0x02..=0x04) => {
            let cyl = u16::from(input.ch()) | (u16::from(input.cl() & 0xC0) << 2);
            d.push(("drive", format!("{:02X}h", input.dl())));
            d.push(("chs", format!("{cyl}/{}/{}", input.dh(), input.cl() & 0x3F)));
            d.push(("count", input.al().to_string()));
            d.push(("buffer", format!("{:04X}:{:04X}h", input.es, input.bx())));
        }
        (0x15, 0xE8) if input.ax() == 0xE820 && !out.cf() => {
            let at = real_addr(out.es, out.di());
            if let (Ok(base), Ok(len), Ok(kind)) = (
                mem.read_u64(at),
                mem.read_u64(at + 8),
                mem.read_u32(at + 16),
            ) {
                d.push(("continuation", format!("{:#x}", input.ebx)));
                d.push(("base", format!("{base:#x}")));
                d.push(("length", format!("{len:#x}")));
                d.push(("type", kind.to_string()));
                d.push(("next", format!("{:#x}", out.ebx)));
            }
        }
        _ => {}
    }
    d
}

/// The registers as JSON fields.
fn json_regs(r: &Regs) -> String {
    format!(
        "{{\"ax\":\"{:04X}\",\"bx\":\"{:04X}\",\"cx\":\"{:04X}\",\"dx\":\"{:04X}\",\"si\":\"{:04X}\",\"di\":\"{:04X}\",\"bp\":\"{:04X}\",\"ds\":\"{:04X}\",\"es\":\"{:04X}\"}}",
        r.ax(),
        r.bx(),
        r.cx(),
        r.dx(),
        r.si(),
        r.di(),
        r.bp(),
        r.ds,
        r.es
    )
}

/// A JSON string (the values here are ASCII, but quote what must be).
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out + "\""
}

/// One trace line, `t` seconds after the BIOS began.
pub(crate) fn line(format: TraceFormat, t: f64, c: &TracedCall<'_>) -> String {
    let (cs, ip) = c.caller;
    match format {
        TraceFormat::Text => {
            let mut s = format!(
                "[{t:11.6}] {cs:04X}:{ip:04X}h INT {:02X}h{} {} in: {} out: {} CF={} ZF={} -> {:?}",
                c.v,
                c.what,
                c.name,
                c.input.summary(),
                c.out.summary(),
                u8::from(c.out.cf()),
                u8::from(c.out.zf()),
                c.status
            );
            if !c.detail.is_empty() {
                s += " |";
                for (k, v) in c.detail {
                    let _ = write!(s, " {k}={v}");
                }
            }
            s
        }
        TraceFormat::Json => {
            let mut s = format!(
                "{{\"t\":{t:.6},\"from\":\"{cs:04X}:{ip:04X}\",\"int\":\"{:02X}h\",\"function\":{},\"name\":{},\"in\":{},\"out\":{},\"cf\":{},\"zf\":{},\"status\":{}",
                c.v,
                json_str(c.what.trim()),
                json_str(c.name),
                json_regs(c.input),
                json_regs(c.out),
                u8::from(c.out.cf()),
                u8::from(c.out.zf()),
                json_str(&format!("{:?}", c.status)),
            );
            if !c.detail.is_empty() {
                s += ",\"detail\":{";
                for (i, (k, v)) in c.detail.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    let _ = write!(s, "{sep}{}:{}", json_str(k), json_str(v));
                }
                s += "}";
            }
            s + "}"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::guest_ram;
    use crate::services::Status;

    #[test]
    fn a_disk_packet_and_an_e820_entry_are_decoded() {
        let mut mem = guest_ram(&[(0, 0x10_0000)]).unwrap();
        let input = Regs {
            eax: 0x4200,
            edx: 0x80,
            esi: 0x7E00,
            ..Regs::default()
        };
        mem.write(0x7E00, &[0x10, 0, 4, 0, 0x00, 0x80, 0x00, 0x00])
            .unwrap();
        mem.write_u32(0x7E08, 1234).unwrap();
        mem.write_u32(0x7E0C, 0).unwrap();
        let d = detail(0x13, &input, &input, &mem);
        let call = TracedCall {
            v: 0x13,
            what: " AH=42h",
            name: "extended read",
            caller: (0, 0x7C2E),
            input: &input,
            out: &input,
            status: Status::Ok,
            detail: &d,
        };
        let text = line(TraceFormat::Text, 1.5, &call);
        assert!(
            text.starts_with("[   1.500000] 0000:7C2Eh INT 13h AH=42h extended read in: AX=4200"),
            "{text}"
        );
        assert!(
            text.ends_with("| drive=80h lba=1234 count=4 buffer=0000:8000h"),
            "{text}"
        );
        let json = line(TraceFormat::Json, 1.5, &call);
        assert!(
            json.starts_with(
                "{\"t\":1.500000,\"from\":\"0000:7C2E\",\"int\":\"13h\",\"function\":\"AH=42h\""
            ),
            "{json}"
        );
        assert!(json.ends_with("\"detail\":{\"drive\":\"80h\",\"lba\":\"1234\",\"count\":\"4\",\"buffer\":\"0000:8000h\"}}"), "{json}");

        let e820 = Regs {
            eax: 0xE820,
            ..Regs::default()
        };
        let out = Regs {
            edi: 0x500,
            ebx: 1,
            ..e820
        };
        mem.write(0x500, &[0u8; 8]).unwrap();
        mem.write(0x508, &0x9FC00u64.to_le_bytes()).unwrap();
        mem.write_u32(0x510, 1).unwrap();
        let d = detail(0x15, &e820, &out, &mem);
        let pairs: Vec<String> = d.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            pairs,
            [
                "continuation=0x0",
                "base=0x0",
                "length=0x9fc00",
                "type=1",
                "next=0x1"
            ]
        );
    }
}
