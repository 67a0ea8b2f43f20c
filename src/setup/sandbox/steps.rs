//! The sandbox's mounts as data (bubblewrap's SetupOp): the defaults and
//! the `-B`/`-R`/`--ro`/`--tmpfs` options become one ordered list of steps,
//! each with its source and its destination inside the new root. Pure: the
//! list is unit-tested without a kernel, and `mounts` carries it out.

use crate::plan::{MountOpt, Namespaces, Sandbox};

// The types live in `plan`, so that `plan::Lists` can keep the steps in
// static storage.
pub use crate::plan::{How, Source, Step, Steps, STEP_CAPACITY};

/// The sources `-B` takes as a filesystem type, as pychroot does.
const FRESH: &[u8] = b"proc\0sysfs\0tmpfs\0";

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
    let mut push = |step: Step<'a>| {
        // Both lists are bounded: MOUNT_CAPACITY options and five defaults.
        let _ = out.push(step);
    };
    if !sandbox.no_mounts {
        let shared_pid = sandbox.share.has(Namespaces::PID);
        let defaults = [
            (Source::Path(b"/dev"), &b"/dev"[..], How::Recursive, false),
            if shared_pid {
                (Source::Path(b"/proc"), b"/proc", How::Recursive, false)
            } else {
                (Source::Fresh(b"proc"), b"/proc", How::Bind, false)
            },
            if fresh_sysfs {
                (Source::Fresh(b"sysfs"), b"/sys", How::Bind, false)
            } else {
                (Source::Path(b"/sys"), b"/sys", How::ReadOnly, false)
            },
            (Source::Fresh(b"tmpfs"), b"/dev/shm", How::Bind, false),
            (
                Source::Path(b"/etc/resolv.conf"),
                b"/etc/resolv.conf",
                How::Bind,
                true,
            ),
        ];
        for (source, dest, how, optional) in defaults {
            let replaced = mounts
                .iter()
                .any(|&(kind, spec)| same_path(option_step(kind, spec).dest, dest));
            if !replaced {
                push(Step {
                    source,
                    dest,
                    how,
                    optional,
                });
            }
        }
    }
    for &(kind, spec) in mounts {
        push(option_step(kind, spec));
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
        Some(index) if kind == MountOpt::Bind => Source::Fresh(crate::text::word_at(FRESH, index)),
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
