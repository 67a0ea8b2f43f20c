//! The test plays the terminal: it opens a pty pair of its own and starts
//! the program as a session leader on the slave, so the program's stdin is
//! a real terminal with the test as its only user. Keys are written to the
//! master; the screen is what a thread reads from it, to the end (after the
//! program has exited too). Sizes are set on the pair, so the kernel itself
//! raises SIGWINCH.
//!
//! Rules learned from false failures: wait for raw mode before typing
//! (`wait_for_raw`); match markers the child computes, never text that an
//! echo of the command could contain; do not anchor on newlines; keep
//! reading after the program exits (`finish`).

use rustix::fd::{AsFd, AsRawFd, IntoRawFd, OwnedFd};
use rustix::pty::OpenptFlags;
use rustix::termios::Winsize;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::wait_for as wait;

pub struct Terminal {
    master: std::fs::File,
    /// The test's own descriptor of the slave: the terminal outlives the
    /// program, so its modes can be read after it has exited.
    slave: Option<OwnedFd>,
    screen: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    /// The modes before the program started.
    pub initial_modes: Modes,
    pub child: Child,
}

/// `struct termios2` as `TCGETS2` returns it: every mode, control
/// character and speed.
pub type Modes = [u8; 44];

/// Opens a new pty pair: (master, slave).
pub fn pair() -> (OwnedFd, OwnedFd) {
    let master =
        rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("openpt");
    rustix::pty::unlockpt(&master).expect("unlockpt");
    let slave = rustix::pty::ioctl_tiocgptpeer(
        &master,
        OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC,
    )
    .expect("TIOCGPTPEER");
    (master, slave)
}

fn std_fd(fd: &OwnedFd) -> std::os::fd::OwnedFd {
    let copy = rustix::io::fcntl_dupfd_cloexec(fd, 3).expect("dup");
    // SAFETY: `copy` is a descriptor we own and hand over.
    unsafe { std::os::fd::OwnedFd::from_raw_fd(copy.into_raw_fd()) }
}

impl Terminal {
    /// Starts `program` with `args` on a new terminal of `rows` x `cols`.
    pub fn start(program: &Path, args: &[&str], rows: u16, cols: u16) -> Terminal {
        Terminal::start_with(
            |_| {
                let mut command = Command::new(program);
                command.args(args);
                command
            },
            rows,
            cols,
        )
    }

    /// Starts the command that `make` builds from the terminal's path.
    pub fn start_with(make: impl FnOnce(&str) -> Command, rows: u16, cols: u16) -> Terminal {
        let (master, slave) = pair();
        set_size(&slave, rows, cols);
        let initial_modes = modes_of(&slave);
        let mut command = make(&path_of(&slave));
        command
            .stdin(Stdio::from(std_fd(&slave)))
            .stdout(Stdio::from(std_fd(&slave)))
            .stderr(Stdio::from(std_fd(&slave)));
        // SAFETY: between fork and exec the closure makes two raw syscalls.
        unsafe {
            command.pre_exec(|| {
                let errno = |errno: rustix::io::Errno| {
                    std::io::Error::from_raw_os_error(errno.raw_os_error())
                };
                rustix::process::setsid().map_err(errno)?;
                rustix::process::ioctl_tiocsctty(rustix::stdio::stdin()).map_err(errno)?;
                Ok(())
            });
        }
        let child = command.spawn().expect("spawn on the terminal");
        // SAFETY: the descriptor is ours and handed over.
        let master = unsafe { std::fs::File::from_raw_fd(master.into_raw_fd()) };
        let screen = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let screen = Arc::clone(&screen);
            let mut master = master.try_clone().expect("clone master");
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                // EIO once no slave is open: the end of the screen.
                while let Ok(len @ 1..) = master.read(&mut chunk) {
                    screen.lock().unwrap().extend_from_slice(&chunk[..len]);
                }
            })
        };
        Terminal {
            master,
            slave: Some(slave),
            screen,
            reader: Some(reader),
            initial_modes,
            child,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// The slave's path, as a program would name it.
    pub fn path(&self) -> String {
        path_of(self.slave.as_ref().expect("slave"))
    }

    /// Bytes waiting in the terminal's input, unread.
    pub fn pending_input(&self) -> u64 {
        rustix::io::ioctl_fionread(self.slave.as_ref().expect("slave")).expect("FIONREAD")
    }

    /// The terminal's modes now.
    pub fn modes(&self) -> Modes {
        modes_of(self.slave.as_ref().expect("slave"))
    }

    /// Waits until the program has put the terminal in raw mode.
    pub fn wait_for_raw(&self) {
        let icanon = linux_raw_sys::general::ICANON;
        wait(
            || {
                let lflag = u32::from_ne_bytes(self.modes()[12..16].try_into().unwrap());
                (lflag & icanon == 0).then_some(())
            },
            "raw mode",
        );
    }

    pub fn type_keys(&mut self, keys: &[u8]) {
        self.master.write_all(keys).expect("type");
    }

    pub fn resize(&self, rows: u16, cols: u16) {
        set_size(self.slave.as_ref().expect("slave"), rows, cols);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until the screen shows `marker`; returns the screen.
    pub fn wait_screen(&self, marker: &str) -> String {
        wait(
            || {
                let screen = self.screen();
                screen.contains(marker).then_some(screen)
            },
            &format!("{marker:?} on the screen; it shows {:?}", self.screen()),
        )
    }

    /// Waits for the program, then reads the screen to its end. Returns the
    /// status, the whole screen and the terminal's modes after the exit.
    pub fn finish(mut self) -> (ExitStatus, String, Modes) {
        let status = wait(
            || self.child.try_wait().expect("try_wait"),
            "the program to exit",
        );
        let modes = self.modes();
        // The last slave descriptor goes once the program's descendants
        // have let go of it; then the reader sees EIO.
        drop(self.slave.take());
        let reader = self.reader.take().unwrap();
        wait(
            || reader.is_finished().then_some(()),
            "the end of the screen",
        );
        reader.join().expect("reader");
        (status, self.screen(), modes)
    }
}

fn path_of(fd: &OwnedFd) -> String {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .expect("readlink")
        .to_string_lossy()
        .into_owned()
}

pub fn modes_of(fd: &OwnedFd) -> Modes {
    const TCGETS2: rustix::ioctl::Opcode = linux_raw_sys::ioctl::TCGETS2 as rustix::ioctl::Opcode;
    // SAFETY: TCGETS2 writes one struct termios2 (44 bytes) to the buffer.
    unsafe {
        let getter = rustix::ioctl::Getter::<TCGETS2, Modes>::new();
        rustix::ioctl::ioctl(fd.as_fd(), getter)
    }
    .expect("TCGETS2")
}

fn set_size(fd: &OwnedFd, rows: u16, cols: u16) {
    let size = Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(fd, size).expect("TIOCSWINSZ");
}
