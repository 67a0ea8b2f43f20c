//! The test helper child. Run under usher, it reports exactly what it
//! received, so the tests can compare against what they sent:
//!
//!   probe signals OUT [--until SIG] [--fork N] [--kill-parent SIG]
//!       Blocks every signal, reads them from a signalfd and appends each
//!       number to OUT (OUT.1, OUT.2, ... for forked siblings, which share the
//!       process group). Writes "ready" first. Exits 0 after SIG.
//!   probe pong
//!       Blocks every signal and writes one byte to stdout per signal read
//!       (after a first byte for "ready"); exits on SIGTERM. For latency.
//!   probe orphans N [--linger MS]
//!       Makes N orphans that exit at once, then waits (up to 30 s) until
//!       none of them is left a zombie, and prints "zombies: K". It first
//!       checks that it can see a zombie at all (one of its own), or exits 3,
//!       and that an orphan is re-parented to its own parent (the usher
//!       under test), or exits 4: orphans that went to another init would be
//!       reaped there and the count would prove nothing.
//!   probe args [ARG]...
//!       Prints each argument and then each environment entry, hex-encoded,
//!       one per line ("arg HEX", "env HEX").
//!   probe proc
//!       Prints /proc/self/cmdline's arguments after argv[0] and then
//!       /proc/self/environ's entries, as `args` does.
//!   probe raise SIG
//!       Kills itself with SIG (default disposition, unblocked).
//!   probe ignore SIG,SIG,... COMMAND [ARG]...
//!       Sets those signals to SIG_IGN and execs COMMAND (as a parent that
//!       ignores signals would leave them).
//!   probe stat
//!       Prints "pid pgrp tpgid sid" from /proc/self/stat.
//!   probe signals OUT --senders
//!       As above, each line "SIGNO from PID" (PID 0: the kernel, as for a
//!       key its terminal turned into a signal).
//!   probe winch
//!       Prints "size RxC;" (its terminal's size), then "winch RxC;" at each
//!       SIGWINCH; exits 0 on SIGTERM.
//!   probe tiocsti TEXT
//!       Pushes TEXT into its terminal's input with TIOCSTI (for whoever
//!       reads the terminal next), prints "pushed N;" and exits.
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};
use usher::signal::{SigSet, SignalInfo, SIGNALFD_SIGINFO_SIZE};
use usher::sys;

/// usher's fork for the probe's own children.
fn fork() -> Result<Option<i32>, rustix::io::Errno> {
    // SAFETY: the probe has one thread, so nothing is copied half-updated;
    // its children run only the probe's own short paths, then exit.
    unsafe { sys::fork() }
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let text: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match text.first().map(String::as_str) {
        Some("signals") => signals(&text[1..]),
        Some("orphans") => orphans(text[1].parse().expect("count"), option(&text, "--linger")),
        Some("pong") => pong(),
        Some("fill") => fill(),
        Some("args") => print_args(&args[1..]),
        Some("proc") => print_proc(),
        Some("raise") => raise(usher::signal::parse(text[1].as_bytes()).expect("signal")),
        Some("stat") => stat(),
        Some("winch") => winch(),
        Some("tiocsti") => tiocsti(text[1].as_bytes()),
        Some("ignore") => ignore_and_exec(&text[1], &args[2..]),
        _ => {
            eprintln!("probe: unknown mode {text:?}");
            std::process::exit(2)
        }
    }
}

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1].clone())
}

fn append(path: &str, line: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open OUT");
    file.write_all(format!("{line}\n").as_bytes())
        .expect("write OUT");
}

fn signals(args: &[String]) {
    let out = args[0].clone();
    let until =
        option(args, "--until").map(|s| usher::signal::parse(s.as_bytes()).expect("--until"));
    let forks: usize = option(args, "--fork").map_or(1, |n| n.parse().expect("--fork"));
    sys::block_signals(SigSet::FULL).expect("block");
    let mut siblings = Vec::new();
    let mut path = out.clone();
    for index in 1..forks {
        match fork().expect("fork") {
            None => {
                path = format!("{out}.{index}");
                siblings.clear();
                break;
            }
            Some(pid) => siblings.push(pid),
        }
    }
    let fd = sys::signalfd(SigSet::FULL).expect("signalfd");
    append(&path, "ready");
    if let Some(signal) = option(args, "--kill-parent") {
        let signo = usher::signal::parse(signal.as_bytes()).expect("--kill-parent");
        let parent = rustix::process::getppid()
            .expect("parent")
            .as_raw_nonzero()
            .get();
        sys::kill(parent, signo).expect("kill parent");
    }
    loop {
        let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
        let n = rustix::io::read(&fd, &mut record).expect("read signalfd");
        assert_eq!(n, SIGNALFD_SIGINFO_SIZE);
        let info = SignalInfo::from_bytes(&record);
        if args.iter().any(|arg| arg == "--senders") {
            append(&path, &format!("{} from {}", info.signo, info.pid));
        } else {
            append(&path, &info.signo.to_string());
        }
        if Some(info.signo) == until {
            break;
        }
    }
    for pid in siblings {
        let _ = rustix::process::waitpid(
            rustix::process::Pid::from_raw(pid),
            rustix::process::WaitOptions::empty(),
        );
    }
    std::process::exit(0)
}

/// Fills the pid limit: a middle process forks sleepers until fork fails,
/// then leaves them as orphans of the init; prints `full N` (N sleepers)
/// and waits for TERM, then exits 0.
fn fill() {
    let middle = match fork().expect("fork") {
        None => {
            let mut sleepers = 0u32;
            loop {
                match fork() {
                    Ok(None) => loop {
                        std::thread::sleep(Duration::from_secs(60));
                    },
                    Ok(Some(_)) => sleepers += 1,
                    Err(_) => break,
                }
            }
            // The count goes out as the exit status (at most 255 sleepers).
            sys::exit(sleepers.min(255) as i32)
        }
        Some(pid) => pid,
    };
    sys::block_signals(SigSet::FULL).expect("block");
    let fd = sys::signalfd(SigSet::FULL).expect("signalfd");
    let status = rustix::process::waitpid(
        rustix::process::Pid::from_raw(middle),
        rustix::process::WaitOptions::empty(),
    )
    .expect("waitpid")
    .and_then(|(_, status)| status.exit_status())
    .expect("the middle process's status");
    println!("full {status}");
    std::io::stdout().flush().expect("flush");
    loop {
        let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
        rustix::io::read(&fd, &mut record).expect("read signalfd");
        if SignalInfo::from_bytes(&record).signo == 15 {
            std::process::exit(0);
        }
    }
}

fn orphans(count: usize, linger: Option<String>) {
    // Self-check: an unreaped child of ours must be counted.
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let own = match fork().expect("fork") {
        None => sys::exit(0),
        Some(pid) => pid,
    };
    let seen = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(5));
        count_zombie_children(me) == 1
    });
    let _ = rustix::process::waitpid(
        rustix::process::Pid::from_raw(own),
        rustix::process::WaitOptions::empty(),
    );
    if !seen {
        eprintln!("probe: cannot see zombies in /proc");
        std::process::exit(3);
    }
    let reaper = rustix::process::getppid()
        .expect("parent")
        .as_raw_nonzero()
        .get();
    if orphan_parent() != reaper {
        eprintln!("probe: orphans are not re-parented to {reaper}");
        std::process::exit(4);
    }
    for _ in 0..count {
        match fork().expect("fork") {
            None => {
                // The middle process: start the orphan-to-be and leave at once.
                let _ = fork();
                sys::exit(0);
            }
            Some(pid) => {
                let _ = rustix::process::waitpid(
                    rustix::process::Pid::from_raw(pid),
                    rustix::process::WaitOptions::empty(),
                );
            }
        }
    }
    let reaper = rustix::process::getppid()
        .expect("parent")
        .as_raw_nonzero()
        .get();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut zombies;
    loop {
        zombies = count_zombie_children(reaper);
        if zombies == 0 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("zombies: {zombies}");
    if let Some(ms) = linger {
        std::io::stdout().flush().expect("flush");
        std::thread::sleep(Duration::from_millis(ms.parse().expect("--linger")));
    }
}

fn pong() {
    sys::block_signals(SigSet::FULL).expect("block");
    let fd = sys::signalfd(SigSet::FULL).expect("signalfd");
    let out = usher::sys::stdio::stdout();
    rustix::io::write(out, b"r").expect("ready");
    loop {
        let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
        rustix::io::read(&fd, &mut record).expect("read signalfd");
        let signo = SignalInfo::from_bytes(&record).signo;
        if signo == 15 {
            std::process::exit(0);
        }
        rustix::io::write(out, b".").expect("pong");
    }
}

/// Makes one orphan that waits on a pipe, and returns its parent once its
/// own parent has exited; then lets it go.
fn orphan_parent() -> i32 {
    let (read_end, write_end) = rustix::pipe::pipe().expect("pipe");
    let (pid_read, pid_write) = rustix::pipe::pipe().expect("pipe");
    match fork().expect("fork") {
        None => {
            match fork().expect("fork") {
                None => {
                    // Our copy of the write end must go, or EOF never comes.
                    drop(write_end);
                    let mut byte = [0u8; 1];
                    let _ = rustix::io::read(&read_end, &mut byte);
                    sys::exit(0)
                }
                Some(orphan) => {
                    rustix::io::write(&pid_write, &orphan.to_ne_bytes()).expect("pid");
                    sys::exit(0)
                }
            }
        }
        Some(middle) => {
            let _ = rustix::process::waitpid(
                rustix::process::Pid::from_raw(middle),
                rustix::process::WaitOptions::empty(),
            );
        }
    }
    let mut raw = [0u8; 4];
    rustix::io::read(&pid_read, &mut raw).expect("orphan pid");
    let orphan = i32::from_ne_bytes(raw);
    let stat = std::fs::read_to_string(format!("/proc/{orphan}/stat")).expect("orphan stat");
    let parent = stat_fields(&stat)
        .expect("stat")
        .nth(1)
        .expect("ppid")
        .parse()
        .expect("ppid");
    drop(write_end);
    parent
}

/// The fields of a /proc/PID/stat line after the command, which is in
/// parentheses and may hold spaces: state, ppid, pgrp, session, tty, tpgid, ...
fn stat_fields(stat: &str) -> Option<std::str::Split<'_, char>> {
    stat.rfind(") ").map(|end| stat[end + 2..].split(' '))
}

/// Zombies whose parent is `reaper` (the usher under test), from /proc.
fn count_zombie_children(reaper: i32) -> usize {
    let mut zombies = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command (which may hold spaces) start after ") ".
        let Some(fields) = stat_fields(&stat) else {
            continue;
        };
        let fields: Vec<&str> = fields.collect();
        if fields.len() > 1 && fields[0] == "Z" && fields[1] == reaper.to_string() {
            zombies += 1;
        }
    }
    zombies
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn print_args(args: &[std::ffi::OsString]) {
    let mut out = String::new();
    for arg in args {
        out.push_str(&format!("arg {}\n", hex(arg.as_bytes())));
    }
    for (name, value) in std::env::vars_os() {
        let mut entry = name.as_bytes().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(value.as_bytes());
        out.push_str(&format!("env {}\n", hex(&entry)));
    }
    std::io::stdout().write_all(out.as_bytes()).expect("stdout");
}

fn print_proc() {
    let mut out = String::new();
    for (kind, file) in [("arg", "cmdline"), ("env", "environ")] {
        let bytes = std::fs::read(format!("/proc/self/{file}")).expect("/proc/self");
        let mut entries: Vec<&[u8]> = bytes.split(|&byte| byte == 0).collect();
        entries.pop(); // after the last NUL
        let skip = usize::from(kind == "arg");
        for entry in entries.into_iter().skip(skip) {
            out.push_str(&format!("{kind} {}\n", hex(entry)));
        }
    }
    std::io::stdout().write_all(out.as_bytes()).expect("stdout");
}

fn raise(signo: u32) {
    // SIGKILL and SIGSTOP refuse a disposition change; they need none.
    let _ = sys::set_disposition(signo, sys::Disposition::Default);
    sys::set_signal_mask(SigSet::EMPTY).expect("unblock");
    let me = rustix::process::getpid().as_raw_nonzero().get();
    sys::kill(me, signo).expect("kill self");
    std::thread::sleep(Duration::from_secs(5));
    std::process::exit(99)
}

fn stat() {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let fields: Vec<&str> = stat_fields(&stat).expect("stat").collect();
    // state ppid pgrp session tty_nr tpgid
    println!(
        "{} {} {} {}",
        std::process::id(),
        fields[2],
        fields[5],
        fields[3]
    );
}

fn ignore_and_exec(signals: &str, command: &[std::ffi::OsString]) {
    use std::os::unix::process::CommandExt;
    for name in signals.split(',') {
        let signo = usher::signal::parse(name.as_bytes()).expect("signal");
        sys::set_disposition(signo, sys::Disposition::Ignore).expect("ignore");
    }
    let error = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    eprintln!("probe: exec: {error}");
    std::process::exit(2)
}

fn terminal_size() -> String {
    let size = rustix::termios::tcgetwinsize(sys::stdio::stdout()).expect("TIOCGWINSZ");
    format!("{}x{}", size.ws_row, size.ws_col)
}

fn winch() {
    sys::block_signals(SigSet::FULL).expect("block");
    let fd = sys::signalfd(SigSet::FULL).expect("signalfd");
    let mut out = std::io::stdout();
    write!(out, "size {};", terminal_size()).expect("stdout");
    out.flush().expect("flush");
    loop {
        let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
        rustix::io::read(&fd, &mut record).expect("read signalfd");
        match SignalInfo::from_bytes(&record).signo {
            28 => write!(out, "winch {};", terminal_size()).expect("stdout"),
            15 => std::process::exit(0),
            _ => {}
        }
        out.flush().expect("flush");
    }
}

fn tiocsti(text: &[u8]) {
    const TIOCSTI: rustix::ioctl::Opcode = linux_raw_sys::ioctl::TIOCSTI as rustix::ioctl::Opcode;
    let mut pushed = 0;
    for &byte in text {
        // SAFETY: TIOCSTI reads one byte through the pointer.
        let pushed_one = unsafe {
            let setter = rustix::ioctl::Setter::<TIOCSTI, u8>::new(byte);
            rustix::ioctl::ioctl(sys::stdio::stdin(), setter)
        };
        if pushed_one.is_ok() {
            pushed += 1;
        }
    }
    print!("pushed {pushed};");
    std::io::stdout().flush().expect("flush");
}
