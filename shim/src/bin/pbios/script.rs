//! `--keys SCRIPT`: keys to type, with waits for text, for boot-loader CI.
//!
//! A script is a list of items separated by blanks:
//! - `"text"` types the text (`\n` is Enter, `\t` Tab, `\e` Escape, `\"`
//!   and `\\` themselves);
//! - `<Key>` presses a named key: `<Enter>`, `<Down>`, `<F10>`, `<Ctrl-C>`,
//!   `<Alt-X>`, `<Shift-Tab>` ([`pbios::keyboard::NamedKey`] lists them);
//! - `wait:"TEXT"` (or `wait:WORD`) waits until TEXT is on the screen (in
//!   text video memory) or comes on the serial line or INT 10h's output
//!   after the previous item;
//! - `sleep:SECONDS` pauses (fractions allowed).

use pbios::keyboard::NamedKey;
use std::time::Duration;

/// One item of a script.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Press these keys, one after another.
    Keys(Vec<NamedKey>),
    /// Wait for this text.
    Wait(String),
    /// Pause.
    Sleep(Duration),
}

/// Parses a script; the error is one line saying what is wrong where.
pub fn parse(script: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = script.trim_start();
    while !rest.is_empty() {
        let (step, after) = item(rest)?;
        steps.push(step);
        rest = after.trim_start();
    }
    Ok(steps)
}

fn item(s: &str) -> Result<(Step, &str), String> {
    if let Some(body) = s.strip_prefix('"') {
        let (text, after) = quoted(body)?;
        let keys = text
            .bytes()
            .map(|b| NamedKey::typed(b).ok_or_else(|| format!("cannot type {:?}", b as char)))
            .collect::<Result<_, _>>()?;
        return Ok((Step::Keys(keys), after));
    }
    if let Some(body) = s.strip_prefix('<') {
        let end = body
            .find('>')
            .ok_or_else(|| format!("'<' without '>' at {:?}", head(s)))?;
        let key = NamedKey::parse(&body[..end]).ok_or_else(|| {
            format!(
                "'{}' is not a key name (try <Enter>, <Down>, <F1>, <Ctrl-C>)",
                &body[..end]
            )
        })?;
        return Ok((Step::Keys(vec![key]), &body[end + 1..]));
    }
    if let Some(body) = s.strip_prefix("wait:") {
        let (text, after) = match body.strip_prefix('"') {
            Some(q) => quoted(q)?,
            None => word(body),
        };
        if text.is_empty() {
            return Err("wait: needs a text".into());
        }
        return Ok((Step::Wait(text), after));
    }
    if let Some(body) = s.strip_prefix("sleep:") {
        let (n, after) = word(body);
        let secs: f64 = n
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0 && *v < 1e6)
            .ok_or_else(|| format!("sleep:{n} is not a number of seconds"))?;
        return Ok((Step::Sleep(Duration::from_secs_f64(secs)), after));
    }
    Err(format!(
        "{:?} is not a script item (\"text\", <Key>, wait:\"TEXT\", sleep:SECONDS)",
        head(s)
    ))
}

/// The script's text from `s` on, shortened for a message.
fn head(s: &str) -> String {
    s.chars().take(20).collect()
}

/// A blank-delimited word and what follows it.
fn word(s: &str) -> (String, &str) {
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (s[..end].to_string(), &s[end..])
}

/// A quoted string's text (after its opening quote) and what follows it.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'e')) => out.push('\x1b'),
                Some((_, c @ ('"' | '\\'))) => out.push(c),
                other => {
                    return Err(format!(
                        "unknown escape \\{} (\\n, \\t, \\e, \\\", \\\\)",
                        other.map_or(String::new(), |(_, c)| c.to_string())
                    ))
                }
            },
            c => out.push(c),
        }
    }
    Err("a quoted text without its closing quote".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_script() {
        let s = parse(r#"wait:"GNU GRUB" <Down> <enter> sleep:0.5 "ls\n" wait:grub>"#).unwrap();
        assert_eq!(s.len(), 6);
        assert_eq!(s[0], Step::Wait("GNU GRUB".into()));
        assert_eq!(s[1], Step::Keys(vec![NamedKey::parse("Down").unwrap()]));
        assert_eq!(s[3], Step::Sleep(Duration::from_millis(500)));
        match &s[4] {
            Step::Keys(k) => assert_eq!(
                k.iter().map(|k| k.word).collect::<Vec<_>>(),
                vec![0x266C, 0x1F73, 0x1C0D]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(s[5], Step::Wait("grub>".into()));
    }

    #[test]
    fn refuses_bad_scripts_in_one_line() {
        for bad in [
            r#""open"#, "<Nope>", "<Enter", "sleep:x", "wait:", "press", r#""\q""#,
        ] {
            let e = parse(bad).unwrap_err();
            assert!(!e.contains('\n'), "{bad}: {e}");
        }
    }
}
