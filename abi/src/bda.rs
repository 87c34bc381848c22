//! BIOS Data Area (segment 0040h) offsets, as in the IBM PC/AT technical
//! reference, Ralf Brown's Interrupt List (MEMORY.LST) and SeaBIOS's
//! `std/bda.h`. Each constant is the offset within segment 40h (so the
//! linear address is [`BASE`] + offset).

/// Linear address of the BDA.
pub const BASE: u32 = 0x400;

/// 40:00 — base I/O ports of COM1–COM4 (4 words).
pub const COM_PORTS: u16 = 0x00;
/// 40:08 — base I/O ports of LPT1–LPT3 (3 words).
pub const LPT_PORTS: u16 = 0x08;
/// 40:0E — segment of the Extended BIOS Data Area.
pub const EBDA_SEGMENT: u16 = 0x0E;
/// 40:10 — equipment word (INT 11h).
pub const EQUIPMENT: u16 = 0x10;
/// 40:13 — conventional memory in KiB (INT 12h).
pub const MEM_SIZE_KIB: u16 = 0x13;
/// 40:17 — keyboard shift flags 1.
pub const KBD_FLAGS1: u16 = 0x17;
/// 40:18 — keyboard shift flags 2.
pub const KBD_FLAGS2: u16 = 0x18;
/// 40:1A — keyboard buffer head (offset in segment 40h).
pub const KBD_HEAD: u16 = 0x1A;
/// 40:1C — keyboard buffer tail (offset in segment 40h).
pub const KBD_TAIL: u16 = 0x1C;
/// 40:1E — default keyboard ring buffer (16 words).
pub const KBD_BUFFER: u16 = 0x1E;
/// 40:3E — end of the default keyboard ring buffer.
pub const KBD_BUFFER_END: u16 = 0x3E;
/// 40:41 — status of the last diskette operation.
pub const FLOPPY_LAST_STATUS: u16 = 0x41;
/// 40:49 — current video mode.
pub const VIDEO_MODE: u16 = 0x49;
/// 40:4A — screen columns.
pub const VIDEO_COLS: u16 = 0x4A;
/// 40:4C — size of a video page in bytes.
pub const VIDEO_PAGE_SIZE: u16 = 0x4C;
/// 40:4E — offset of the active page in video memory.
pub const VIDEO_PAGE_START: u16 = 0x4E;
/// 40:50 — cursor positions of pages 0–7 (column, row bytes).
pub const CURSOR_POS: u16 = 0x50;
/// 40:60 — cursor shape (end line, start line).
pub const CURSOR_SHAPE: u16 = 0x60;
/// 40:62 — active display page.
pub const VIDEO_PAGE: u16 = 0x62;
/// 40:63 — CRT controller base port (3D4h colour, 3B4h mono).
pub const CRTC_ADDRESS: u16 = 0x63;
/// 40:65 — current mode-select register value.
pub const VIDEO_MSR: u16 = 0x65;
/// 40:66 — current palette register value.
pub const VIDEO_PAL: u16 = 0x66;
/// 40:6C — timer ticks since midnight (dword).
pub const TIMER_COUNTER: u16 = 0x6C;
/// 40:70 — timer overflow (midnight passed) flag.
pub const TIMER_ROLLOVER: u16 = 0x70;
/// 40:72 — soft-reset flag (1234h = warm boot).
pub const SOFT_RESET_FLAG: u16 = 0x72;
/// 40:74 — status of the last hard disk operation.
pub const DISK_LAST_STATUS: u16 = 0x74;
/// 40:75 — number of hard disks.
pub const HD_COUNT: u16 = 0x75;
/// 40:7C — serial port timeouts in ticks, COM1-COM4 (bytes).
pub const SERIAL_TIMEOUTS: u16 = 0x7C;
/// 40:80 — start of the keyboard ring buffer (offset in segment 40h).
pub const KBD_BUF_START: u16 = 0x80;
/// 40:82 — end of the keyboard ring buffer (offset in segment 40h).
pub const KBD_BUF_END: u16 = 0x82;
/// 40:84 — rows on screen minus one.
pub const VIDEO_ROWS: u16 = 0x84;
/// 40:85 — character height in scan lines.
pub const CHAR_HEIGHT: u16 = 0x85;
/// 40:87 — EGA/VGA control.
pub const VIDEO_CTL: u16 = 0x87;
/// 40:88 — EGA/VGA switches.
pub const VIDEO_SWITCHES: u16 = 0x88;
/// 40:89 — VGA mode-set option control.
pub const MODESET_CTL: u16 = 0x89;
/// 40:8A — index into the display combination code table (08h: VGA with
/// a colour display, what INT 10h AH=1Ah reports).
pub const DCC_INDEX: u16 = 0x8A;
/// 40:96 — keyboard mode/type flags (bit 4: 101/102-key keyboard).
pub const KBD_MODE: u16 = 0x96;

/// The timer tick count at which INT 08h wraps to 0 and sets the midnight
/// flag: 24 h at 1193182/65536 Hz (IBM PC/AT; SeaBIOS `TICKS_PER_DAY`).
pub const TICKS_PER_DAY: u32 = 0x1800B0;

/// Linear address of a BDA field.
pub const fn addr(offset: u16) -> u32 {
    BASE + offset as u32
}

/// Rows of every text mode.
pub const TEXT_ROWS: u8 = 25;

/// One BDA field to set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A byte at the offset.
    Byte(u16, u8),
    /// A word at the offset.
    Word(u16, u16),
}

/// The BDA's video state after a text mode set, as SeaVGABIOS leaves it:
/// the one definition POST (mode 03h at power-on) and INT 10h AH=00h share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextModeState {
    /// The mode number (40:49).
    pub mode: u8,
    /// Columns (40:4A).
    pub cols: u16,
    /// CRT controller base port (40:63): 3D4h colour, 3B4h mono.
    pub crtc: u16,
    /// CGA mode-select register value (40:65).
    pub msr: u8,
    /// Character height in scan lines (40:85).
    pub char_height: u16,
}

impl TextModeState {
    /// Mode 03h: 80x25 colour, what POST leaves.
    pub const MODE3: TextModeState = TextModeState {
        mode: 0x03,
        cols: 80,
        crtc: 0x3D4,
        msr: 0x29,
        char_height: 16,
    };

    /// Bytes of a video page (40:4C): the screen rounded up to 2 KiB.
    pub const fn page_size(&self) -> u16 {
        (TEXT_ROWS as u16 * self.cols * 2).next_multiple_of(0x800)
    }

    /// The fields a mode set writes, page 0 active with the cursor shape
    /// 0607h; `kept` says video memory was not cleared (AL bit 7 of
    /// INT 10h AH=00h, recorded in 40:87 bit 7).
    pub const fn fields(&self, kept: bool) -> [Field; 14] {
        [
            Field::Byte(VIDEO_MODE, self.mode),
            Field::Word(VIDEO_COLS, self.cols),
            Field::Word(VIDEO_PAGE_SIZE, self.page_size()),
            Field::Word(VIDEO_PAGE_START, 0),
            Field::Word(CURSOR_SHAPE, 0x0607),
            Field::Byte(VIDEO_PAGE, 0),
            Field::Word(CRTC_ADDRESS, self.crtc),
            Field::Byte(VIDEO_MSR, self.msr),
            Field::Byte(VIDEO_PAL, 0x30),
            Field::Byte(VIDEO_ROWS, TEXT_ROWS - 1),
            Field::Word(CHAR_HEIGHT, self.char_height),
            Field::Byte(VIDEO_CTL, if kept { 0xE0 } else { 0x60 }),
            Field::Byte(VIDEO_SWITCHES, 0xF9),
            Field::Byte(DCC_INDEX, 0x08),
        ]
    }
}
