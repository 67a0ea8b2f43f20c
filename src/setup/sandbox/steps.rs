//! The sandbox's mounts as data (bubblewrap's SetupOp): the defaults and
//! the `-B`/`-R`/`--ro`/`--tmpfs` options become one ordered list of steps,
//! each with its source and its destination inside the new root. Pure: the
//! list is unit-tested without a kernel, and `mounts` carries it out.

use crate::plan::{MountOpt, Namespaces, Sandbox};

// The types live in `plan`, so that `plan::Lists` can keep the steps in
// static storage.
pub use crate::plan::{How, Source, Step, Steps, STEP_CAPACITY};

/// The sources `-B` takes as a filesystem type, as pychroot does, then
/// `devpts` (`--minimal-dev`'s, a new instance).
const FRESH: &[u8] = b"proc\0sysfs\0tmpfs\0devpts\0";
/// How many of FRESH `-B` takes.
const BIND_FRESH: usize = 3;

/// The destinations of the default mounts; each with a path source binds
/// the same path of the caller's.
const DEFAULT_DESTS: &[u8] = b"/dev\0/proc\0/sys\0/dev/shm\0/etc/resolv.conf\0/dev/null\0\
/dev/zero\0/dev/full\0/dev/random\0/dev/urandom\0/dev/tty\0/dev/pts\0";

/// The default mounts, in order: pychroot's, with both forms of `/dev`, of
/// `/proc` and of `/sys` (the masks below pick the entries that apply), and
/// `--minimal-dev`'s devices and devpts after its `/dev`. Two bytes each
/// (`default`): a table of `Step`s would be pointers that the start must
/// relocate, and building them at each run costs more code.
const DEFAULTS: [u16; 15] = [
    default(0, NO_FRESH, How::Recursive, false),
    default(0, 2, How::Dev, false),
    default(5, NO_FRESH, How::Bind, false),
    default(6, NO_FRESH, How::Bind, false),
    default(7, NO_FRESH, How::Bind, false),
    default(8, NO_FRESH, How::Bind, false),
    default(9, NO_FRESH, How::Bind, false),
    default(10, NO_FRESH, How::Bind, false),
    default(11, 3, How::Bind, false),
    default(1, NO_FRESH, How::Recursive, false),
    default(1, 0, How::Bind, false),
    default(2, 1, How::Bind, false),
    default(2, NO_FRESH, How::ReadOnly, false),
    default(3, 2, How::Bind, false),
    default(4, NO_FRESH, How::Bind, true),
];
/// `/dev/shm` and `/etc/resolv.conf`.
const ALWAYS: u16 = 1 << 13 | 1 << 14;
/// The caller's `/dev`, recursively.
const CALLERS_DEV: u16 = 1;
/// bubblewrap's `--dev`: a tmpfs, six devices of the caller's, a devpts.
const MINIMAL_DEV: u16 = 0xff << 1;
/// The caller's `/proc`, for a shared PID namespace.
const CALLERS_PROC: u16 = 1 << 9;
const FRESH_PROC: u16 = 1 << 10;
const FRESH_SYSFS: u16 = 1 << 11;
/// The caller's `/sys`, read-only.
const CALLERS_SYS: u16 = 1 << 12;

/// A default whose source is a path: no index into FRESH.
const NO_FRESH: u16 = 7;

/// A default mount in two bytes: the destination's index in DEFAULT_DESTS
/// (4 bits), the fresh filesystem's index in FRESH or NO_FRESH (3 bits),
/// `how` (2 bits) and `optional` (the next bit).
const fn default(dest: u16, fresh: u16, how: How, optional: bool) -> u16 {
    dest | fresh << 4 | (how as u16) << 7 | (optional as u16) << 9
}

/// The step of an entry of DEFAULTS (see `default`).
fn default_step(code: u16) -> Step<'static> {
    use crate::text::word_at;
    let dest = word_at(DEFAULT_DESTS, usize::from(code & 15));
    let source = match code >> 4 & 7 {
        NO_FRESH => Source::Path(dest),
        fresh => Source::Fresh(word_at(FRESH, usize::from(fresh))),
    };
    // A table rather than a match: one load.
    const HOWS: [How; 4] = [How::Bind, How::Recursive, How::ReadOnly, How::Dev];
    let how = HOWS[usize::from(code >> 7 & 3)];
    Step {
        source,
        dest,
        how,
        optional: code >> 9 & 1 != 0,
    }
}

/// The steps for `sandbox` and `mounts`, in order: pychroot's defaults
/// (unless `--no-mounts`), then the options as given. `fresh_sysfs`: the
/// kernel allows a new sysfs (usher has its own network namespace, or no
/// user namespace of its own); otherwise the caller's is bound read-only.
/// A mount on the destination of a default replaces the default.
pub fn steps<'a>(
    sandbox: &Sandbox,
    mounts: &[(MountOpt, &'a [u8])],
    fresh_sysfs: bool,
    out: &mut Steps<'a>,
) {
    // Of each pair of alternatives in DEFAULTS, the one that applies.
    let shared_pid = sandbox.share.has(Namespaces::PID);
    let proc = if shared_pid { CALLERS_PROC } else { FRESH_PROC };
    let sys = if fresh_sysfs {
        FRESH_SYSFS
    } else {
        CALLERS_SYS
    };
    let dev = if sandbox.minimal_dev {
        MINIMAL_DEV
    } else {
        CALLERS_DEV
    };
    let wanted = ALWAYS | dev | proc | sys;
    let defaults: &[u16] = if sandbox.no_mounts { &[] } else { &DEFAULTS };
    // The defaults, then the options: one loop, so one push.
    for index in 0..defaults.len() + mounts.len() {
        let step = match defaults.get(index) {
            Some(&code) => {
                let default = default_step(code);
                let replaced = mounts.iter().any(|&(kind, spec)| {
                    kind != MountOpt::Layer && same_path(option_step(kind, spec).dest, default.dest)
                });
                if wanted & 1 << index == 0 || replaced {
                    continue;
                }
                default
            }
            None => {
                let (kind, spec) = mounts[index - defaults.len()];
                // The layers are the root's, not mounts in it.
                if kind == MountOpt::Layer {
                    continue;
                }
                option_step(kind, spec)
            }
        };
        // Both lists are bounded: MOUNT_CAPACITY options and the defaults.
        let _ = out.push(step);
    }
}

/// The step of one mount option.
fn option_step(kind: MountOpt, spec: &[u8]) -> Step<'_> {
    if kind == MountOpt::Tmpfs {
        return Step {
            source: Source::Fresh(b"tmpfs"),
            dest: spec,
            how: How::Bind,
            optional: false,
        };
    }
    let (source, dest) = split_spec(spec);
    let how = match kind {
        MountOpt::RBind => How::Recursive,
        MountOpt::ReadOnly => How::ReadOnly,
        _ => How::Bind,
    };
    let source = match crate::text::word_index(FRESH, source) {
        Some(index) if kind == MountOpt::Bind && index < BIND_FRESH => {
            Source::Fresh(crate::text::word_at(FRESH, index))
        }
        _ => Source::Path(source),
    };
    Step {
        source,
        dest,
        how,
        optional: false,
    }
}

/// `SRC[:DEST]`: DEST defaults to SRC. The first `:` not escaped as `\:`
/// splits them.
pub fn split_spec(spec: &[u8]) -> (&[u8], &[u8]) {
    let mut escaped = false;
    for (at, &byte) in spec.iter().enumerate() {
        if byte == b':' && !escaped {
            return (&spec[..at], &spec[at + 1..]);
        }
        escaped = byte == b'\\' && !escaped;
    }
    (spec, spec)
}

/// Whether two paths inside the root name the same place as written:
/// leading and trailing slashes do not count.
fn same_path(a: &[u8], b: &[u8]) -> bool {
    fn trimmed(mut path: &[u8]) -> &[u8] {
        while let [b'/', rest @ ..] = path {
            path = rest;
        }
        while let [rest @ .., b'/'] = path {
            path = rest;
        }
        path
    }
    trimmed(a) == trimmed(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> Sandbox<'static> {
        crate::plan::Plan::new(crate::plan::Personality::Native, 0).sandbox
    }

    fn dests(steps: &Steps) -> Vec<String> {
        steps
            .iter()
            .map(|step| String::from_utf8_lossy(step.dest).into_owned())
            .collect()
    }

    #[test]
    fn the_defaults_are_pychroots_in_order() {
        let mut out = Steps::new();
        steps(&sandbox(), &[], true, &mut out);
        assert_eq!(
            dests(&out),
            ["/dev", "/proc", "/sys", "/dev/shm", "/etc/resolv.conf"]
        );
        assert_eq!(out[0].how, How::Recursive);
        assert_eq!(out[1].source, Source::Fresh(b"proc"));
        assert_eq!(out[2].source, Source::Fresh(b"sysfs"));
        assert!(out[4].optional && !out[0].optional);
    }

    #[test]
    fn each_default_is_decoded_whole() {
        let step = |source, dest: &'static [u8], how, optional| Step {
            source,
            dest,
            how,
            optional,
        };
        let mut out = Steps::new();
        steps(&sandbox(), &[], true, &mut out);
        assert_eq!(
            &out[..],
            [
                step(Source::Path(b"/dev"), b"/dev", How::Recursive, false),
                step(Source::Fresh(b"proc"), b"/proc", How::Bind, false),
                step(Source::Fresh(b"sysfs"), b"/sys", How::Bind, false),
                step(Source::Fresh(b"tmpfs"), b"/dev/shm", How::Bind, false),
                step(
                    Source::Path(b"/etc/resolv.conf"),
                    b"/etc/resolv.conf",
                    How::Bind,
                    true
                ),
            ]
        );
        let mut sandbox = sandbox();
        sandbox.share = Namespaces(Namespaces::PID);
        let mut out = Steps::new();
        steps(&sandbox, &[], false, &mut out);
        assert_eq!(
            out[1],
            step(Source::Path(b"/proc"), b"/proc", How::Recursive, false)
        );
        assert_eq!(
            out[2],
            step(Source::Path(b"/sys"), b"/sys", How::ReadOnly, false)
        );
        assert_eq!(out.len(), 5);
    }

    #[test]
    fn minimal_dev_replaces_the_dev_bind_with_bubblewraps_dev() {
        let mut sandbox = sandbox();
        sandbox.minimal_dev = true;
        let mut out = Steps::new();
        steps(&sandbox, &[(MountOpt::Bind, b"devpts:/x")], true, &mut out);
        assert_eq!(
            dests(&out),
            [
                "/dev",
                "/dev/null",
                "/dev/zero",
                "/dev/full",
                "/dev/random",
                "/dev/urandom",
                "/dev/tty",
                "/dev/pts",
                "/proc",
                "/sys",
                "/dev/shm",
                "/etc/resolv.conf",
                "/x"
            ]
        );
        assert_eq!(out[0].source, Source::Fresh(b"tmpfs"));
        assert_eq!(out[0].how, How::Dev);
        assert!(out[1..7]
            .iter()
            .all(|step| step.source == Source::Path(step.dest) && step.how == How::Bind));
        assert_eq!(out[7].source, Source::Fresh(b"devpts"));
        // -B takes pychroot's types only: devpts is a path there.
        assert_eq!(out[12].source, Source::Path(b"devpts"));
        // Every default at once fits the steps' capacity.
        sandbox.share = Namespaces(Namespaces::PID);
        let mut out = Steps::new();
        steps(&sandbox, &[], false, &mut out);
        assert_eq!(out.len(), STEP_CAPACITY - crate::plan::MOUNT_CAPACITY);
    }

    #[test]
    fn sysfs_is_a_read_only_bind_where_the_kernel_refuses_a_new_one() {
        let mut out = Steps::new();
        steps(&sandbox(), &[], false, &mut out);
        assert_eq!(out[2].source, Source::Path(b"/sys"));
        assert_eq!(out[2].how, How::ReadOnly);
    }

    #[test]
    fn a_shared_pid_namespace_binds_the_callers_proc() {
        let mut sandbox = sandbox();
        sandbox.share = Namespaces(Namespaces::PID);
        let mut out = Steps::new();
        steps(&sandbox, &[], true, &mut out);
        assert_eq!(out[1].source, Source::Path(b"/proc"));
        assert_eq!(out[1].how, How::Recursive);
    }

    #[test]
    fn options_follow_the_defaults_and_replace_one_on_its_destination() {
        let mounts: &[(MountOpt, &[u8])] = &[
            (MountOpt::Bind, b"/srv/data:/data"),
            (MountOpt::RBind, b"/srv/mydev:/dev/"),
            (MountOpt::ReadOnly, b"/usr"),
            (MountOpt::Tmpfs, b"/tmp"),
            (MountOpt::Bind, b"tmpfs:/run"),
            (MountOpt::Bind, b"proc:/proc2"),
        ];
        let mut out = Steps::new();
        steps(&sandbox(), mounts, true, &mut out);
        assert_eq!(
            dests(&out),
            [
                "/proc",
                "/sys",
                "/dev/shm",
                "/etc/resolv.conf",
                "/data",
                "/dev/",
                "/usr",
                "/tmp",
                "/run",
                "/proc2"
            ]
        );
        assert_eq!(out[4].source, Source::Path(b"/srv/data"));
        assert_eq!(out[5].how, How::Recursive);
        assert_eq!(out[6].how, How::ReadOnly);
        assert_eq!(out[6].source, Source::Path(b"/usr"));
        assert_eq!(out[7].source, Source::Fresh(b"tmpfs"));
        assert_eq!(out[8].source, Source::Fresh(b"tmpfs"));
        assert_eq!(out[9].source, Source::Fresh(b"proc"));
    }

    #[test]
    fn no_mounts_leaves_only_the_options() {
        let mut sandbox = sandbox();
        sandbox.no_mounts = true;
        let mut out = Steps::new();
        steps(&sandbox, &[(MountOpt::Bind, b"/a:/b")], true, &mut out);
        assert_eq!(dests(&out), ["/b"]);
    }

    #[test]
    fn specs_split_at_the_first_unescaped_colon() {
        assert_eq!(split_spec(b"/a:/b"), (&b"/a"[..], &b"/b"[..]));
        assert_eq!(split_spec(b"/a"), (&b"/a"[..], &b"/a"[..]));
        assert_eq!(split_spec(b"/a\\:b:/c"), (&b"/a\\:b"[..], &b"/c"[..]));
        assert_eq!(split_spec(b"/a:/b:c"), (&b"/a"[..], &b"/b:c"[..]));
    }
}
