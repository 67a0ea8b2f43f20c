//! The pty relay (`--pty`): a new pseudo-terminal for the command, the
//! caller's terminal in raw mode while it runs, and the copying between the
//! two. The caller's modes and window size reach the new terminal before
//! the command starts, so it never sees a size of `0 0`. The caller's modes
//! are put back, exactly as they were read, on every way out: the `Relay`
//! does it when it is dropped, and usher returns (never exits) from every
//! path that has one.
//!
//! Only the master is non-blocking. stdin and stdout are the caller's open
//! file descriptions, shared with other processes, so their flags are left
//! alone: stdin is read only when `poll` says so, and stdout is written in
//! full, waiting when it is full.

use crate::error::{failed, failed_on, Reported};
use crate::sys::{self, Modes, Termios, NO_MODES};
use linux_raw_sys::general as raw;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::pty::OpenptFlags;
use sys::stdio::{stdin, stdout};

/// Bytes read from stdin and not yet taken by the master.
const INPUT_CAPACITY: usize = 1024;
/// One read of the command's output (a pty hands over at most 4 KiB at a
/// time; more lets a burst go out in fewer writes).
const OUTPUT_CHUNK: usize = 4000;
/// How often the command's input is checked for being drained, before
/// VEOF follows a piped stdin that ended, in milliseconds.
const EOF_CHECK_MS: u64 = 10;
/// Once the command has exited, how long the master may stay quiet before
/// usher stops waiting for the rest of its output (a grandchild that keeps
/// the terminal open must not hold usher forever).
const QUIET: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 200_000_000,
};

pub struct Relay {
    master: OwnedFd,
    /// The caller's modes when stdin is a terminal, which is then raw.
    saved: Option<Termios>,
    input: [u8; INPUT_CAPACITY],
    /// `input[taken..filled]` waits for the master.
    taken: usize,
    filled: usize,
    stdin_open: bool,
    /// stdin (not a terminal) has ended: once the command's input has
    /// drained, the terminal's VEOF goes after it.
    eof_pending: bool,
    /// The input so far ends a line (or is empty): one VEOF ends it.
    /// After a partial line, the first VEOF only hands that line over.
    ends_line: bool,
    /// A slave is open: reads have not given EIO since the last spawn.
    slave_open: bool,
    /// stdout failed: output is still read, and dropped, so the command
    /// never blocks on a full terminal.
    stdout_failed: bool,
}

impl Relay {
    /// Opens the pair and sets both terminals up. Nothing has started yet,
    /// so any failure is usher's error 1.
    // Not inlined: keeps the opening's error paths off with_open_relay's path.
    #[inline(never)]
    pub fn open() -> Result<Relay, Reported> {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
                .map_err(|errno| failed_on(b"opening a pseudo-terminal", b"/dev/ptmx", errno))?;
        let mut caller = NO_MODES;
        let relay = Relay {
            master,
            saved: sys::terminal_modes(stdin(), Modes::Get, &mut caller)
                .is_ok()
                .then_some(caller),
            input: [0; INPUT_CAPACITY],
            taken: 0,
            filled: 0,
            stdin_open: true,
            eof_pending: false,
            ends_line: true,
            slave_open: false,
            stdout_failed: false,
        };
        relay
            .set_up()
            .map_err(|errno| failed(b"setting up the pseudo-terminal", errno))?;
        Ok(relay)
    }

    /// The slave's modes and size from the caller's terminal (modes set
    /// through the master are the slave's), then the caller's in raw mode.
    fn set_up(&self) -> Result<(), Errno> {
        let master = self.master.as_fd();
        rustix::pty::unlockpt(master)?;
        let mut modes = match self.saved {
            Some(modes) => modes,
            None => {
                // Piped input is not echoed back into the output (as `script`).
                let mut modes = NO_MODES;
                sys::terminal_modes(master, Modes::Get, &mut modes)?;
                modes.c_lflag &= !raw::ECHO;
                modes
            }
        };
        sys::terminal_modes(master, Modes::SetNow, &mut modes)?;
        rustix::io::ioctl_fionbio(master, true)?;
        if let Some(modes) = self.saved {
            wait_for_a_size();
            self.copy_window_size();
            sys::terminal_modes(stdin(), Modes::SetNow, &mut raw_modes(modes))?;
        }
        Ok(())
    }

    /// A new descriptor of the slave for a command to take as its terminal
    /// (`TIOCGPTPEER`: no path, no race).
    pub fn open_slave(&mut self) -> Result<OwnedFd, Reported> {
        let slave = rustix::pty::ioctl_tiocgptpeer(
            &self.master,
            OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC,
        )
        .map_err(|errno| failed(b"opening the pseudo-terminal's slave", errno))?;
        self.slave_open = true;
        Ok(slave)
    }

    /// Copies the caller's window size to the command's terminal, whose
    /// foreground group the kernel then sends SIGWINCH. False when stdin is
    /// no terminal, so there is no size to copy.
    pub fn copy_window_size(&self) -> bool {
        if self.saved.is_none() {
            return false;
        }
        if let Ok(size) = rustix::termios::tcgetwinsize(stdin()) {
            let _ = rustix::termios::tcsetwinsize(&self.master, size);
        }
        true
    }

    /// What to poll the master and stdin for (nothing for one that has
    /// nothing to give: a hung-up descriptor would wake `poll` at once,
    /// forever), and how long `poll` may wait, in milliseconds.
    pub fn interest(&self) -> (PollFlags, PollFlags, Option<u64>) {
        let pending = self.taken < self.filled;
        let mut master = PollFlags::empty();
        if self.slave_open {
            master |= PollFlags::IN;
        }
        if pending {
            master |= PollFlags::OUT;
        }
        let mut input = PollFlags::empty();
        if self.stdin_open && !pending {
            input = PollFlags::IN;
        }
        (
            master,
            input,
            (self.eof_pending && !pending).then_some(EOF_CHECK_MS),
        )
    }

    pub fn master(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }

    /// Moves what `poll` found ready: `master` and `input` are the
    /// revents of the descriptors polled for `interest`.
    pub fn service(&mut self, master: PollFlags, input: PollFlags) {
        if self.slave_open && master.intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR) {
            self.pump_output();
        }
        if self.stdin_open && !input.is_empty() && self.taken == self.filled {
            self.read_input();
        }
        self.feed_master();
        if self.eof_pending && self.taken == self.filled {
            self.send_eof_when_drained();
        }
    }

    /// After the command has exited: relays what it left in the terminal,
    /// until no slave is open or the master has been quiet for `QUIET`.
    pub fn drain(&mut self) {
        while self.slave_open {
            let mut fds = [PollFd::new(&self.master, PollFlags::IN)];
            match poll(&mut fds, Some(&QUIET)) {
                Ok(0) => return,
                Ok(_) | Err(Errno::INTR) => {}
                Err(_) => return,
            }
            self.pump_output();
        }
    }

    /// One read of the master, written out in full.
    fn pump_output(&mut self) {
        let mut chunk = [core::mem::MaybeUninit::<u8>::uninit(); OUTPUT_CHUNK];
        let mut out: &[u8] = match rustix::io::read(&self.master, &mut chunk) {
            Err(Errno::AGAIN | Errno::INTR) => return,
            Ok((read, _)) if !read.is_empty() => read,
            // EIO (or 0): the last slave descriptor closed.
            _ => {
                self.slave_open = false;
                return;
            }
        };
        while !out.is_empty() && !self.stdout_failed {
            match rustix::io::write(stdout(), out) {
                Ok(written) => out = &out[written..],
                Err(Errno::INTR) => {}
                // Someone else set O_NONBLOCK on the shared description.
                Err(Errno::AGAIN) => wait_for(stdout(), PollFlags::OUT),
                Err(_) => self.stdout_failed = true,
            }
        }
    }

    fn read_input(&mut self) {
        match rustix::io::read(stdin(), &mut self.input) {
            Ok(0) => {
                self.stdin_open = false;
                // A terminal in raw mode reads 0 only once it hung up.
                self.eof_pending = self.saved.is_none();
            }
            Ok(len) => {
                self.taken = 0;
                self.filled = len;
                self.ends_line = self.input[len - 1] == b'\n';
            }
            Err(Errno::AGAIN | Errno::INTR) => {}
            // EIO: the terminal hung up, or usher is in its background.
            Err(_) => self.stdin_open = false,
        }
    }

    /// Writes pending input to the master, as much as it takes now.
    fn feed_master(&mut self) {
        while self.taken < self.filled {
            match rustix::io::write(&self.master, &self.input[self.taken..self.filled]) {
                Ok(written) => self.taken += written,
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return,
                // Nobody reads it any more.
                Err(_) => self.taken = self.filled,
            }
        }
    }

    /// Sends the terminal's VEOF once the command has read all its input,
    /// so that a line it has not read yet cannot swallow it.
    fn send_eof_when_drained(&mut self) {
        if !self.slave_open {
            self.eof_pending = false;
            return;
        }
        let queued = rustix::pty::ioctl_tiocgptpeer(
            &self.master,
            OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC,
        )
        .and_then(rustix::io::ioctl_fionread);
        if !matches!(queued, Ok(0) | Err(_)) {
            return;
        }
        self.eof_pending = false;
        let mut modes = NO_MODES;
        let eof = match sys::terminal_modes(self.master.as_fd(), Modes::Get, &mut modes) {
            Ok(()) if modes.c_cc[raw::VEOF as usize] != 0 => modes.c_cc[raw::VEOF as usize],
            _ => 4,
        };
        let eofs = [eof; 2];
        let count = if self.ends_line { 1 } else { 2 };
        let _ = rustix::io::write(&self.master, &eofs[..count]);
    }
}

impl Drop for Relay {
    /// Puts the caller's modes back once the output written so far has gone.
    fn drop(&mut self) {
        if let Some(mut modes) = self.saved {
            let _ = sys::terminal_modes(stdin(), Modes::SetDrained, &mut modes);
        }
    }
}

/// `cfmakeraw`: bytes pass as they are, both ways.
fn raw_modes(mut modes: Termios) -> Termios {
    modes.c_iflag &= !(raw::IGNBRK
        | raw::BRKINT
        | raw::PARMRK
        | raw::ISTRIP
        | raw::INLCR
        | raw::IGNCR
        | raw::ICRNL
        | raw::IXON);
    modes.c_oflag &= !raw::OPOST;
    modes.c_lflag &= !(raw::ECHO | raw::ECHONL | raw::ICANON | raw::ISIG | raw::IEXTEN);
    modes.c_cflag = modes.c_cflag & !(raw::CSIZE | raw::PARENB) | raw::CS8;
    modes.c_cc[raw::VMIN as usize] = 1;
    modes.c_cc[raw::VTIME as usize] = 0;
    modes
}

/// A terminal of size 0x0 is one whose size is still to come: `docker run
/// -t` sets it just after the container starts. Waiting for it a little
/// (at most `SIZE_WAIT` x 10 ms) spares the command a size of `0 0`.
fn wait_for_a_size() {
    const SIZE_WAIT: u32 = 50;
    let pause = Timespec {
        tv_sec: 0,
        tv_nsec: 10_000_000,
    };
    for _ in 0..SIZE_WAIT {
        match rustix::termios::tcgetwinsize(stdin()) {
            Ok(size) if size.ws_row == 0 && size.ws_col == 0 => {
                let _ = poll(&mut [], Some(&pause));
            }
            _ => return,
        }
    }
}

// Not inlined: keeps one copy of the wait off each of its callers' paths.
#[inline(never)]
fn wait_for(fd: BorrowedFd<'_>, events: PollFlags) {
    let _ = poll(&mut [PollFd::from_borrowed_fd(fd, events)], None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_modes_are_cfmakeraw() {
        let mut cooked: Termios = NO_MODES;
        cooked.c_iflag = raw::ICRNL | raw::IXON | raw::IUTF8;
        cooked.c_oflag = raw::OPOST | raw::ONLCR;
        cooked.c_lflag = raw::ECHO | raw::ICANON | raw::ISIG | raw::IEXTEN | raw::ECHOE;
        cooked.c_cflag = raw::CS7 | raw::PARENB | raw::CREAD;
        cooked.c_cc[raw::VMIN as usize] = 0;
        cooked.c_cc[raw::VTIME as usize] = 5;
        cooked.c_cc[raw::VINTR as usize] = 3;
        let made = raw_modes(cooked);
        assert_eq!(made.c_iflag, raw::IUTF8);
        assert_eq!(made.c_oflag, raw::ONLCR);
        assert_eq!(made.c_lflag, raw::ECHOE);
        assert_eq!(made.c_cflag, raw::CS8 | raw::CREAD);
        assert_eq!(made.c_cc[raw::VMIN as usize], 1);
        assert_eq!(made.c_cc[raw::VTIME as usize], 0);
        assert_eq!(made.c_cc[raw::VINTR as usize], 3);
    }
}
