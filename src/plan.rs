//! The Plan: everything parsing decided, as plain data with fixed capacity,
//! whatever personality produced it. One engine runs every Plan. Also the pure
//! rules that turn a child's fate into usher's exit code.

use crate::env::{Edits, PlanStorage};
use crate::signal::{Policy, Rewrites};
use crate::text::basename;
use rustix::io::Errno;

/// Which command line usher took, chosen by the name it was invoked as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Personality {
    Native,
    /// `tini` or `docker-init`.
    Tini,
    /// `gosu`: switch user and exec in place.
    Gosu,
    /// `su-exec`: the same, with su-exec's command line.
    SuExec,
    /// `dumb-init`: setsid by default, TERM to the group at the end.
    DumbInit,
    /// `pause`: Kubernetes' pod infra process, which runs no command.
    Pause,
    /// `catatonit` or `podman-init`: podman's init.
    Catatonit,
    /// `pychroot`: a command in another root (usher's `--root`).
    Pychroot,
}

impl Personality {
    /// Picks the personality from argv[0]'s basename. By length first, so
    /// that the usual name (`usher`) is settled without comparing words.
    pub fn from_invocation(argv0: &[u8]) -> Personality {
        let name = basename(argv0);
        let (word, personality): (&[u8], Personality) = match name.len() {
            4 if name[0] == b't' => (b"tini", Personality::Tini),
            4 => (b"gosu", Personality::Gosu),
            5 => (b"pause", Personality::Pause),
            7 => (b"su-exec", Personality::SuExec),
            8 => (b"pychroot", Personality::Pychroot),
            9 if name[0] == b'c' => (b"catatonit", Personality::Catatonit),
            9 => (b"dumb-init", Personality::DumbInit),
            11 if name[0] == b'p' => (b"podman-init", Personality::Catatonit),
            11 => (b"docker-init", Personality::Tini),
            _ => return Personality::Native,
        };
        if name == word {
            personality
        } else {
            Personality::Native
        }
    }
}

/// Whether usher registers as a child subreaper when it is not PID 1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Subreaper {
    /// Native default: register when not PID 1; a failure is only reported.
    Auto,
    /// Asked for (`-s`): register when not PID 1; a failure is fatal.
    On,
    /// Never register.
    Off,
}

/// A set of exit codes 0..=255 (for `-e`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ExitCodes([u64; 4]);

impl ExitCodes {
    pub fn insert(&mut self, code: u8) {
        self.0[usize::from(code / 64)] |= 1 << (code % 64);
    }

    pub fn contains(&self, code: u8) -> bool {
        self.0[usize::from(code / 64)] & (1 << (code % 64)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// Everything the engine needs to run the command.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Plan<'a> {
    pub personality: Personality,
    /// Index in argv of the command; argv from here on is the child's argv.
    pub command: usize,
    pub subreaper: Subreaper,
    /// Forward signals to the child's process group instead of the child.
    pub process_group: bool,
    /// Signal usher asks to receive when its parent dies (and then forwards).
    pub pdeathsig: Option<u32>,
    pub remap_exit: ExitCodes,
    /// 0: errors only; 1: also what happens (spawn, exit); 2: every signal
    /// and every reap.
    pub verbosity: u32,
    /// Print warnings (tini prints them by default; native with `-v`).
    pub warnings: bool,
    /// Report each reaped process other than the main child.
    pub warn_reaped: bool,
    /// Warn when usher is neither PID 1 nor a subreaper (tini's warning).
    pub warn_not_reaper: bool,
    pub policy: Policy,
    /// `USER[:GROUP]` the command runs as (resolved before anything starts).
    pub user: Option<&'a [u8]>,
    /// Set PR_SET_NO_NEW_PRIVS on the command.
    pub no_new_privs: bool,
    /// The child leads a new session (and takes usher's terminal); signals
    /// go to its group, and job-control stops are sent as SIGSTOP.
    pub setsid: bool,
    /// What forwarded signals become (`--rewrite`).
    pub rewrites: Rewrites,
    /// After the main child: TERM the rest, then KILL after this long.
    pub grace_ms: u32,
    /// After the main child: wait for every descendant.
    pub wait_all: bool,
    /// The command gets a new pseudo-terminal, relayed to usher's stdio.
    pub pty: bool,
    /// No command runs: usher reaps until SIGINT or SIGTERM (pause, and
    /// catatonit's `-P`).
    pub pause: bool,
    /// The child's environment or arguments are edited (an environment
    /// option, or `USHER_` variables to leave out): planned before the spawn.
    pub edits_env: bool,
    /// `--root` and its options.
    pub sandbox: Sandbox<'a>,
}

impl<'a> Plan<'a> {
    pub fn new(personality: Personality, command: usize) -> Plan<'a> {
        Plan {
            personality,
            command,
            subreaper: Subreaper::Auto,
            process_group: false,
            pdeathsig: None,
            remap_exit: ExitCodes::default(),
            verbosity: 0,
            warnings: false,
            warn_reaped: false,
            warn_not_reaper: false,
            policy: Policy::Native,
            user: None,
            no_new_privs: false,
            setsid: false,
            rewrites: Rewrites::default(),
            grace_ms: 0,
            wait_all: false,
            pty: false,
            pause: false,
            edits_env: false,
            sandbox: Sandbox {
                root: None,
                hostname: None,
                upper: None,
                no_mounts: false,
                skip_chdir: false,
                ro_root: false,
                minimal_dev: false,
                share: Namespaces(0),
                unshare: Namespaces(0),
                user_ns: false,
            },
        }
    }

    /// gosu and su-exec become the command: no child, same pid.
    pub fn execs_in_place(&self) -> bool {
        matches!(self.personality, Personality::Gosu | Personality::SuExec)
    }

    /// usher's exit code for the main child's fate, after `-e` remapping.
    pub fn exit_code(&self, fate: ChildFate) -> u8 {
        let code = fate.shell_code();
        if self.remap_exit.contains(code) {
            0
        } else {
            code
        }
    }

    /// usher's exit code when the command could not be executed.
    pub fn exec_failure_code(&self, errno: Errno) -> u8 {
        match (self.personality, errno) {
            (
                Personality::Gosu
                | Personality::SuExec
                | Personality::Catatonit
                | Personality::Pychroot,
                _,
            ) => 1,
            (Personality::DumbInit, _) => 2,
            (_, Errno::NOENT) => 127,
            (Personality::Native, Errno::NOTDIR) => 127,
            (Personality::Native, _) => 126,
            (Personality::Tini, Errno::ACCESS) => 126,
            (Personality::Tini | Personality::Pause, _) => 1,
        }
    }
}

/// A mount asked for on the command line or in a twin, in order (`--root`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MountOpt {
    /// `-B SRC[:DEST]`: a bind (or a fresh `proc`, `sysfs`, `tmpfs`).
    Bind,
    /// `-R SRC[:DEST]`: a recursive bind.
    RBind,
    /// `--ro SRC[:DEST]`: a recursive bind, read-only all the way down.
    ReadOnly,
    /// `--tmpfs DEST`.
    Tmpfs,
    /// `--layer DIR`: a read-only layer over the root (no mount step).
    Layer,
}

/// Most mounts one run may ask for (argv and twins together).
pub const MOUNT_CAPACITY: usize = 64;

/// The mounts as given, in order.
pub type Mounts<'a> = heapless::Vec<(MountOpt, &'a [u8]), MOUNT_CAPACITY>;

/// The lists that parsing fills beside the Plan, too big for it: storage
/// that `main` hands to `run`.
pub struct Lists<'a> {
    pub edits: Edits<'a>,
    pub mounts: Mounts<'a>,
    /// Where the child's environment is planned.
    pub planning: PlanStorage,
    /// The sandbox's buffers (`--root`).
    pub sandbox: SandboxScratch<'a>,
    /// The user lookup's (`--user`, gosu, su-exec).
    pub user: crate::user::Storage,
}

impl Lists<'_> {
    pub const fn new() -> Self {
        Lists {
            edits: Edits::new(),
            mounts: Mounts::new(),
            planning: PlanStorage::new(),
            sandbox: SandboxScratch::new(),
            user: crate::user::Storage::new(),
        }
    }
}

/// The sandbox's mounts as data (`setup::sandbox::steps` makes them).
/// Where a mount comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source<'a> {
    /// A path on the caller's side, as written (a twin's `\,` still in it).
    Path(&'a [u8]),
    /// A new filesystem of this type (`proc`, `sysfs`, `tmpfs`).
    Fresh(&'static [u8]),
}

/// How a path is mounted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum How {
    Bind,
    Recursive,
    /// Recursive, and read-only all the way down.
    ReadOnly,
    /// A new tmpfs made into `--minimal-dev`'s `/dev`: its symlinks are
    /// made in it before it is mounted.
    Dev,
}

/// One mount, in order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Step<'a> {
    pub source: Source<'a>,
    /// The path inside the new root, as written.
    pub dest: &'a [u8],
    pub how: How,
    /// Skipped when the source is missing (`/etc/resolv.conf`).
    pub optional: bool,
}

/// The default mounts and every mount option.
pub const STEP_CAPACITY: usize = MOUNT_CAPACITY + 12;
pub type Steps<'a> = heapless::Vec<Step<'a>, STEP_CAPACITY>;

/// A path buffer of the sandbox's (PATH_MAX).
pub const SCRATCH_PATH: usize = 4096;
/// The paths the inner usher made, as the outer one reads them: for each,
/// `d` or `f`, the path relative to the root, and a NUL.
pub const SCRATCH_CREATED: usize = 8192;

/// The sandbox's big buffers, in static storage (`Lists::sandbox`): on the
/// stack they would take some 20 KiB of it, and `--root` must run with a
/// 32 KiB stack as every other option does. `setup::sandbox` uses them.
pub struct SandboxScratch<'a> {
    /// The root as a C string (both ushers).
    pub root: [u8; SCRATCH_PATH],
    /// What the inner usher made, as the outer one reads it.
    pub created: [u8; SCRATCH_CREATED],
    /// The caller's working directory, for `--skip-chdir`.
    pub cwd: [u8; SCRATCH_PATH],
    /// The root's path as the kernel names it.
    pub canonical: [u8; SCRATCH_PATH],
    /// The mount steps (inner usher).
    pub steps: Steps<'a>,
    /// The paths of one mount step as C strings (inner usher).
    pub paths: MountPaths,
}

/// The paths one mount step builds: its source, the part of its
/// destination being opened, a name being made, and where that name's
/// parent is (told to the outer usher).
pub struct MountPaths {
    pub source: [u8; SCRATCH_PATH],
    pub prefix: [u8; SCRATCH_PATH],
    pub name: [u8; SCRATCH_PATH],
    pub parent: [u8; SCRATCH_PATH],
}

impl SandboxScratch<'_> {
    pub const fn new() -> Self {
        SandboxScratch {
            root: [0; SCRATCH_PATH],
            created: [0; SCRATCH_CREATED],
            cwd: [0; SCRATCH_PATH],
            canonical: [0; SCRATCH_PATH],
            steps: Steps::new(),
            paths: MountPaths {
                source: [0; SCRATCH_PATH],
                prefix: [0; SCRATCH_PATH],
                name: [0; SCRATCH_PATH],
                parent: [0; SCRATCH_PATH],
            },
        }
    }
}

impl Default for SandboxScratch<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for Lists<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// A set of namespaces, as `CLONE_NEW*` bits (`--share`, `--unshare`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Namespaces(pub u32);

impl Namespaces {
    pub const MOUNT: u32 = linux_raw_sys::general::CLONE_NEWNS;
    pub const UTS: u32 = linux_raw_sys::general::CLONE_NEWUTS;
    pub const IPC: u32 = linux_raw_sys::general::CLONE_NEWIPC;
    pub const PID: u32 = linux_raw_sys::general::CLONE_NEWPID;
    pub const NET: u32 = linux_raw_sys::general::CLONE_NEWNET;
    pub const USER: u32 = linux_raw_sys::general::CLONE_NEWUSER;
    pub const CGROUP: u32 = linux_raw_sys::general::CLONE_NEWCGROUP;
    pub const TIME: u32 = 0x80;

    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }
}

/// What `--root` asks for besides the mounts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Sandbox<'a> {
    /// The new root (`--root DIR`).
    pub root: Option<&'a [u8]>,
    pub hostname: Option<&'a [u8]>,
    /// `--upper DIR`: where an overlay root's changes persist.
    pub upper: Option<&'a [u8]>,
    /// `--no-mounts`: none of the default mounts.
    pub no_mounts: bool,
    /// `--skip-chdir`: the same directory inside the new root.
    pub skip_chdir: bool,
    /// `--ro-root`: the root mount itself read-only.
    pub ro_root: bool,
    /// `--minimal-dev`: a `/dev` of its own, as bubblewrap's `--dev`.
    pub minimal_dev: bool,
    /// `--share`: the caller's namespaces kept.
    pub share: Namespaces,
    /// `--unshare`: namespaces added.
    pub unshare: Namespaces,
    /// Set by the inner usher, not parsed: it runs in a user namespace of
    /// its own (rootless), where only uid 0 and gid 0 exist.
    pub user_ns: bool,
}

/// How the main child ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChildFate {
    Exited(i32),
    Killed(u32),
}

impl ChildFate {
    /// The shell's convention: the exit status, or 128+N for signal N.
    pub fn shell_code(self) -> u8 {
        match self {
            ChildFate::Exited(status) => (status & 0xff) as u8,
            ChildFate::Killed(signo) => (128 + signo) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personality_comes_from_the_basename() {
        assert_eq!(Personality::from_invocation(b"tini"), Personality::Tini);
        assert_eq!(
            Personality::from_invocation(b"/usr/bin/docker-init"),
            Personality::Tini
        );
        assert_eq!(
            Personality::from_invocation(b"/sbin/tini"),
            Personality::Tini
        );
        assert_eq!(Personality::from_invocation(b"/usher"), Personality::Native);
        assert_eq!(
            Personality::from_invocation(b"tini-static"),
            Personality::Native
        );
        assert_eq!(
            Personality::from_invocation(b"/tini/usher"),
            Personality::Native
        );
        assert_eq!(Personality::from_invocation(b""), Personality::Native);
        assert_eq!(
            Personality::from_invocation(b"/usr/sbin/gosu"),
            Personality::Gosu
        );
        assert_eq!(
            Personality::from_invocation(b"su-exec"),
            Personality::SuExec
        );
        assert_eq!(
            Personality::from_invocation(b"gosu-1.17"),
            Personality::Native
        );
        assert_eq!(
            Personality::from_invocation(b"/usr/bin/dumb-init"),
            Personality::DumbInit
        );
    }

    #[test]
    fn exit_codes_map_like_a_shell() {
        let plan = Plan::new(Personality::Native, 1);
        for status in 0..=255 {
            assert_eq!(plan.exit_code(ChildFate::Exited(status)), status as u8);
        }
        assert_eq!(plan.exit_code(ChildFate::Killed(15)), 143);
        assert_eq!(plan.exit_code(ChildFate::Killed(9)), 137);
        assert_eq!(plan.exit_code(ChildFate::Killed(64)), 192);
    }

    #[test]
    fn remapped_codes_become_zero() {
        let mut plan = Plan::new(Personality::Native, 1);
        plan.remap_exit.insert(143);
        plan.remap_exit.insert(3);
        plan.remap_exit.insert(255);
        assert_eq!(plan.exit_code(ChildFate::Killed(15)), 0);
        assert_eq!(plan.exit_code(ChildFate::Exited(3)), 0);
        assert_eq!(plan.exit_code(ChildFate::Exited(255)), 0);
        assert_eq!(plan.exit_code(ChildFate::Exited(4)), 4);
        assert_eq!(plan.exit_code(ChildFate::Killed(2)), 130);
    }

    #[test]
    fn exec_failures_exit_with_each_peers_code() {
        let native = Plan::new(Personality::Native, 1);
        assert_eq!(native.exec_failure_code(Errno::NOENT), 127);
        assert_eq!(native.exec_failure_code(Errno::NOTDIR), 127);
        assert_eq!(native.exec_failure_code(Errno::ACCESS), 126);
        assert_eq!(native.exec_failure_code(Errno::NOEXEC), 126);
        let tini = Plan::new(Personality::Tini, 1);
        assert_eq!(tini.exec_failure_code(Errno::NOENT), 127);
        assert_eq!(tini.exec_failure_code(Errno::ACCESS), 126);
        assert_eq!(tini.exec_failure_code(Errno::NOEXEC), 1);
        let dumb_init = Plan::new(Personality::DumbInit, 1);
        for errno in [Errno::NOENT, Errno::ACCESS, Errno::NOEXEC] {
            assert_eq!(dumb_init.exec_failure_code(errno), 2);
        }
        for personality in [Personality::Gosu, Personality::SuExec] {
            let plan = Plan::new(personality, 2);
            for errno in [Errno::NOENT, Errno::ACCESS, Errno::NOEXEC] {
                assert_eq!(plan.exec_failure_code(errno), 1);
            }
        }
    }
}
