//! INT 10h and INT 16h on a real guest.

use iced_x86::code_asm::*;
use pbios::keyboard::{KeySource, ScriptedKeys};
use pbios_tests::harness::*;
use std::time::{Duration, Instant};

#[test]
fn teletype_writes_console_text_buffer_and_cursor() {
    let run = boot(&guest(|a| {
        for &c in b"Hi\r\nok\x08!" {
            a.mov(ah, 0x0Eu32)?;
            a.mov(al, u32::from(c))?;
            a.int(0x10)?;
        }
        a.mov(ah, 0x03u32)?;
        a.mov(bh, 0u32)?;
        a.int(0x10)?;
        save(a, 0, cx)?;
        save(a, 1, dx)?;
        a.mov(ah, 0x0Fu32)?;
        a.int(0x10)?;
        save(a, 2, ax)?;
        save(a, 3, bx)
    }));
    assert!(
        run.console.contains("Hi\r\nok\x08!"),
        "console: {:?}",
        run.console
    );
    let row = |r: u64| -> String {
        run.bytes(0xB8000 + r * 160, 8)
            .chunks(2)
            .map(|c| c[0] as char)
            .collect()
    };
    assert_eq!(row(0), "Hi  ");
    assert_eq!(row(1), "o!  ", "backspace then overwrite");
    assert_eq!(run.u8(0xB8001), 0x07, "attribute kept");
    assert_eq!(run.word(0), 0x0607, "cursor shape");
    assert_eq!(run.word(1), 0x0102, "row 1, column 2");
    assert_eq!(run.u16(0x450), 0x0102, "BDA cursor of page 0");
    assert_eq!(run.word(2), 0x5003, "80 columns, mode 03h");
    assert_eq!(run.word(3) >> 8, 0, "page 0");
}

#[test]
fn text_buffer_is_memory_the_guest_and_the_bios_share() {
    // The guest writes a cell itself, the BIOS scrolls the screen (reading
    // and moving that cell), and the guest reads the result back.
    let run = boot(&guest(|a| {
        a.push(0xB800u32)?;
        a.pop(es)?;
        a.mov(word_ptr(160u32).es(), 0x1E5Au32)?; // 'Z', yellow on blue, row 1
        a.mov(word_ptr(0x450u32), 0x1800u32)?; // cursor on the last row
        a.mov(ax, 0x0E0Au32)?; // line feed: scroll up one row
        a.int(0x10)?;
        a.mov(ax, word_ptr(0u32).es())?;
        save(a, 0, ax)?;
        a.mov(word_ptr(160u32 * 5).es(), 0x2F41u32)?; // 'A' on row 5
        a.mov(ax, word_ptr(160u32 * 5).es())?;
        save(a, 1, ax)
    }));
    assert_eq!(
        run.word(0),
        0x1E5A,
        "the BIOS moved the guest's cell up a row"
    );
    assert_eq!(run.word(1), 0x2F41, "the guest reads what it wrote");
    assert_eq!(run.u16(0xB8000 + 5 * 160), 0x2F41, "and so does the host");
}

#[test]
fn teletype_scrolls_at_the_bottom() {
    let run = boot(&guest(|a| {
        // Put the cursor on the last row, write "X", then a line feed.
        a.mov(word_ptr(0x450u32), 0x1800u32)?;
        for &c in b"X\n" {
            a.mov(ah, 0x0Eu32)?;
            a.mov(al, u32::from(c))?;
            a.int(0x10)?;
        }
        Ok(())
    }));
    assert_eq!(run.u8(0xB8000 + 23 * 160), b'X', "row 24 moved up to 23");
    assert_eq!(run.u16(0xB8000 + 24 * 160), 0x0720, "new bottom row blank");
    assert_eq!(run.u16(0x450), 0x1801, "cursor stays on the last row");
}

#[test]
fn keys_go_through_the_bda_ring_buffer() {
    let keys = ScriptedKeys([0x1E61, 0x48E0, 0x1C0D].into_iter().collect());
    let run = boot_with(
        &guest(|a| {
            a.mov(ah, 0x01u32)?;
            a.int(0x16)?;
            save_flags(a, 0)?;
            save(a, 1, ax)?;
            a.mov(ah, 0x00u32)?;
            a.int(0x16)?;
            save(a, 2, ax)?;
            a.mov(ah, 0x00u32)?; // arrow up: E0h prefix hidden by AH=00h
            a.int(0x16)?;
            save(a, 3, ax)?;
            a.mov(ah, 0x11u32)?;
            a.int(0x16)?;
            save_flags(a, 4)?;
            save(a, 5, ax)?;
            a.mov(ah, 0x10u32)?;
            a.int(0x16)?;
            save(a, 6, ax)?;
            a.mov(ah, 0x01u32)?;
            a.int(0x16)?;
            save_flags(a, 7)?;
            a.mov(ah, 0x02u32)?;
            a.int(0x16)?;
            save(a, 8, ax)
        }),
        Opts {
            keys: Box::new(keys),
            ..Opts::default()
        },
    );
    assert!(!zf(run.word(0)), "a key is waiting");
    assert_eq!(run.word(1), 0x1E61);
    assert_eq!(run.word(2), 0x1E61, "AH=00h takes it");
    assert_eq!(run.word(3), 0x4800, "extended key as 00h for AH=00h");
    assert!(!zf(run.word(4)));
    assert_eq!(run.word(5), 0x1C0D);
    assert_eq!(run.word(6), 0x1C0D);
    assert!(zf(run.word(7)), "buffer empty");
    assert_eq!(run.word(8) & 0xFF, 0, "no shift keys");
    assert_eq!(run.u16(0x41A), run.u16(0x41C), "head caught up with tail");
    assert_eq!(run.u16(0x41A), 0x1E + 6, "three keys went through the ring");
}

/// A key that arrives only after a delay.
struct LateKey {
    at: Instant,
    key: Option<u16>,
}

impl KeySource for LateKey {
    fn poll(&mut self) -> Option<u16> {
        if Instant::now() >= self.at {
            self.key.take()
        } else {
            None
        }
    }
}

#[test]
fn waiting_for_a_key_does_not_stall_the_timer() {
    let keys = LateKey {
        at: Instant::now() + Duration::from_millis(400),
        key: Some(0x1F73),
    };
    let run = boot_with(
        &guest(|a| {
            a.mov(eax, dword_ptr(0x46Cu32))?;
            a.mov(dword_ptr(slot(0)), eax)?;
            a.cli()?; // a caller with interrupts off still lets the tick run
            a.mov(ah, 0x00u32)?;
            a.int(0x16)?;
            save_flags(a, 4)?;
            save(a, 5, ax)?;
            a.mov(eax, dword_ptr(0x46Cu32))?;
            a.mov(dword_ptr(slot(2)), eax)
        }),
        Opts {
            keys: Box::new(keys),
            ..Opts::default()
        },
    );
    assert_eq!(run.word(5), 0x1F73);
    let ticks = run.u32(slot(2)).wrapping_sub(run.u32(slot(0)));
    assert!(ticks >= 3, "only {ticks} ticks during a 400 ms key wait");
    assert!(!if_(run.word(4)), "IF back as the caller had it");
}

/// Keys that never stop coming (`yes | pbios`).
struct Endless;

impl KeySource for Endless {
    fn poll(&mut self) -> Option<u16> {
        Some(0x1E61)
    }
}

#[test]
fn hostile_ring_pointers_with_keys_arriving_get_a_prompt_sane_answer() {
    // 40:1A/40:1C as a guest may break them: FFFEh (an overflow once),
    // odd, outside the buffer. Every call returns, with a key from the
    // buffer the BIOS repaired, and the pointers end up on its slots.
    let pairs: [(u16, u16); 4] = [
        (0x001E, 0xFFFE),
        (0xFFFE, 0xFFFE),
        (0x0001, 0x001E),
        (0x001F, 0x0100),
    ];
    let run = boot_with(
        &guest(|a| {
            for (i, (head, tail)) in pairs.iter().enumerate() {
                for (j, function) in [0x01u32, 0x11, 0x00, 0x05].iter().enumerate() {
                    a.mov(word_ptr(0x41Au32), u32::from(*head))?;
                    a.mov(word_ptr(0x41Cu32), u32::from(*tail))?;
                    a.mov(ah, *function)?;
                    a.mov(cx, 0x1C0Du32)?;
                    a.int(0x16)?;
                    save(a, (i * 4 + j) as u64, ax)?;
                }
            }
            Ok(())
        }),
        Opts {
            keys: Box::new(Endless),
            ..Opts::default()
        },
    );
    for i in 0..pairs.len() as u64 {
        for j in 0..3 {
            assert_eq!(run.word(i * 4 + j), 0x1E61, "pair {i}, call {j}");
        }
        // AH=05h: stored (AL=0) into the emptied buffer, or full (AL=1)
        // once it refilled; either is an answer.
        assert!(run.word(i * 4 + 3) & 0xFF <= 1, "pair {i}: AH=05h");
    }
    let (head, tail) = (run.u16(0x41A), run.u16(0x41C));
    for p in [head, tail] {
        assert!(
            (0x1E..0x3E).contains(&p) && p % 2 == 0,
            "{head:04X} {tail:04X}"
        );
    }
}
