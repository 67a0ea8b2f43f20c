//! `--root`: the command in a busybox-static root, in new namespaces, with
//! usher as PID 1 inside; as root and rootless (as uid 65534, through
//! `setpriv`). Each case also checks that the caller's mounts are as they
//! were, and that the paths made for the mounts are gone. Needs root.

mod common;

use common::{code, root_or_skip, scratch, stderr, stdout, usher, usher_as};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The cases run one at a time: each compares the whole mount table before
/// and after, and one of them mounts on the host for a while.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A busybox root, owned by `owner` so that a rootless usher may make its
/// mountpoints in it.
fn busybox_root(name: &str, owner: u32) -> PathBuf {
    let dir = scratch(&format!("sandbox-{name}"));
    let root = dir.join("root");
    for sub in ["bin", "etc", "tmp"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    fs::copy(which("busybox"), root.join("bin/busybox")).unwrap();
    for applet in [
        "sh", "cat", "ls", "id", "hostname", "echo", "true", "sleep", "mkdir", "touch", "grep",
        "tty", "stat", "readlink", "chroot", "tr", "wc",
    ] {
        symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    )
    .unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\napp:x:1000:\n").unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    chown_tree(&dir, owner);
    root
}

fn chown_tree(path: &Path, owner: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{owner}:{owner}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn which(program: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let path = Path::new(dir).join(program);
        if path.exists() {
            return path;
        }
    }
    panic!("{program} is not installed: `make test` installs it (integration/deps.sh)");
}

/// usher, copied where uid 65534 may run it.
fn usher_for_all(dir: &Path) -> PathBuf {
    let copy = dir.join("usher");
    if !copy.exists() {
        fs::copy(usher(), &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
    }
    copy
}

/// The caller's mount table, for the before and after of each case.
fn mountinfo() -> String {
    fs::read_to_string("/proc/self/mountinfo").unwrap()
}

/// The names in `root`, to see what a run left.
fn entries(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `usher ARGS` as root or as uid 65534, and checks that the caller's
/// mounts are unchanged and that nothing new is left in the root's `/`.
fn run(rootless: bool, root: &Path, args: &[&str]) -> Output {
    run_with_stack(rootless, root, None, args)
}

/// `run`, under a stack limit of `stack_kib` (through util-linux's prlimit).
fn run_with_stack(rootless: bool, root: &Path, stack_kib: Option<u32>, args: &[&str]) -> Output {
    let before = (mountinfo(), entries(root));
    let usher = usher_for_all(root.parent().unwrap());
    // [prlimit --stack=N --] [setpriv --reuid 65534 ...] usher
    let mut words: Vec<std::ffi::OsString> = Vec::new();
    if let Some(kib) = stack_kib {
        words.push(which("prlimit").into());
        words.push(format!("--stack={}", kib * 1024).into());
        words.push("--".into());
    }
    if rootless {
        words.push(which("setpriv").into());
        words.extend(["--reuid", "65534", "--regid", "65534", "--clear-groups"].map(Into::into));
    }
    words.push(usher.into());
    let mut command = Command::new(&words[0]);
    command.args(&words[1..]);
    let output = command
        .arg("--root")
        .arg(root)
        .args(args)
        .env_clear()
        .env("PATH", "/bin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        mountinfo(),
        before.0,
        "the caller's mounts changed: {args:?}"
    );
    assert_eq!(entries(root), before.1, "paths left in the root: {args:?}");
    output
}

#[test]
fn usher_is_pid_1_and_the_command_pid_2_with_the_default_mounts() {
    if !root_or_skip("usher_is_pid_1_and_the_command_pid_2_with_the_default_mounts") {
        return;
    }
    let _serial = one_at_a_time();
    for (rootless, owner) in [(false, 0), (true, 65534)] {
        let root = busybox_root(&format!("defaults-{rootless}"), owner);
        let output = run(
            rootless,
            &root,
            &[
                "--hostname",
                "box",
                "--",
                "sh",
                "-c",
                "echo pid=$$; tr '\\0' ' ' </proc/1/cmdline; echo; hostname; \
                 (sleep 0 &); sleep 0.1; set -- /proc/[0-9]*; echo $#; \
                 echo > /dev/null && echo null; ls /sys/class/net | tr '\\n' ' '; echo; \
                 echo x > /dev/shm/x && echo shm; cat /etc/resolv.conf >/dev/null && echo resolv; id -u",
            ],
        );
        let out = stdout(&output);
        assert_eq!(code(&output), 0, "rootless={rootless}: {}", stderr(&output));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "pid=2", "{out}");
        assert!(lines[1].contains("usher --root"), "{out}");
        assert_eq!(lines[2], "box");
        // usher and sh (the shell counts them itself, so that no pipeline
        // races with the count): the orphan was reaped, and /proc shows the
        // sandbox alone.
        assert_eq!(lines[3], "2", "{out}");
        assert_eq!(lines[4], "null");
        if rootless {
            // Its own network namespace: only lo.
            assert_eq!(lines[5].trim(), "lo", "{out}");
        }
        assert_eq!(&lines[6..], ["shm", "resolv", "0"], "{out}");
    }
}

#[test]
fn no_mounts_leaves_proc_empty() {
    if !root_or_skip("no_mounts_leaves_proc_empty") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("no-mounts", 0);
    fs::create_dir(root.join("proc")).unwrap();
    let output = run(false, &root, &["--no-mounts", "--", "ls", "/proc"]);
    assert_eq!((code(&output), stdout(&output)), (0, String::new()));
}

#[test]
fn binds_reach_the_host_ro_is_read_only_all_the_way_down_and_tmpfs_is_new() {
    if !root_or_skip("binds_reach_the_host_ro_is_read_only_all_the_way_down_and_tmpfs_is_new") {
        return;
    }
    let _serial = one_at_a_time();
    let dir = scratch("sandbox-binds");
    let data = dir.join("data");
    fs::create_dir_all(data.join("sub")).unwrap();
    // A submount inside the read-only bind's source.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "tmpfs"])
        .arg(data.join("sub"))
        .status()
        .unwrap();
    assert!(mounted.success());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(data.join("sub"));
    let root = busybox_root("binds", 0);
    let d = data.to_str().unwrap();
    let output = run(
        false,
        &root,
        &[
            "-B",
            &format!("{d}:/rw"),
            "--ro",
            &format!("{d}:/ro"),
            "-B",
            "tmpfs:/tmp",
            "--",
            "sh",
            "-c",
            "echo hi > /rw/written && echo wrote; \
             touch /ro/x 2>/dev/null || echo ro; touch /ro/sub/x 2>/dev/null || echo ro-sub; \
             grep ' /tmp ' /proc/mounts | cut -d' ' -f3",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "wrote\nro\nro-sub\ntmpfs\n");
    assert_eq!(fs::read_to_string(data.join("written")).unwrap(), "hi\n");
    // A missing source is an error that names it, and nothing runs.
    let output = run(
        false,
        &root,
        &["-B", "/no/such/source:/x", "--", "echo", "ran"],
    );
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "usher: mount source /no/such/source: No such file or directory\n"
    );
}

#[test]
fn destinations_stay_inside_the_root() {
    if !root_or_skip("destinations_stay_inside_the_root") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("escapes", 0);
    // A symlink in the root to /etc: followed inside the root, so the new
    // mountpoint is the root's etc/new, and the host's /etc is untouched.
    symlink("/etc", root.join("etc-link")).unwrap();
    let host_etc = entries(Path::new("/etc"));
    for (dest, inside) in [
        ("/etc-link/usher-new", "etc/usher-new"),
        ("/../../../../usher-new", "usher-new"),
        ("/tmp/../../usher-new", "usher-new"),
    ] {
        let output = run(
            false,
            &root,
            &[
                "--tmpfs",
                dest,
                "--",
                "grep",
                "-c",
                &format!(" /{inside} tmpfs"),
                "/proc/mounts",
            ],
        );
        assert_eq!(code(&output), 0, "{dest}: {}", stderr(&output));
        assert_eq!(stdout(&output), "1\n", "{dest}");
        assert_eq!(
            entries(Path::new("/etc")),
            host_etc,
            "{dest} reached the host's /etc"
        );
        assert!(
            !root.join(inside).exists(),
            "{dest}: {inside} was left in the root"
        );
    }
    assert!(
        !Path::new("/usher-new").exists(),
        "a mountpoint was made on the host's /"
    );
}

/// tests/helpers/escape.c, built static with the machine's gcc.
fn escape_helper(dir: &Path) -> PathBuf {
    let out = dir.join("escape");
    let status = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&out)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/helpers/escape.c"
        ))
        .status()
        .expect("gcc");
    assert!(status.success(), "building the escape helper");
    out
}

#[test]
fn pivot_root_closes_the_double_chroot_escape() {
    if !root_or_skip("pivot_root_closes_the_double_chroot_escape") {
        return;
    }
    let _serial = one_at_a_time();
    let helper = escape_helper(&scratch("sandbox-escape-helper"));
    // A path on the host that the root does not have.
    let host_only = env!("CARGO_MANIFEST_DIR");
    for (rootless, owner) in [(false, 0), (true, 65534)] {
        let root = busybox_root(&format!("double-chroot-{rootless}"), owner);
        fs::copy(&helper, root.join("escape")).unwrap();
        chown_tree(&root.join("escape"), owner);
        // The helper works: from a bare chroot it gets out.
        if !rootless {
            let bare = Command::new(which("chroot"))
                .arg(&root)
                .args(["/escape", host_only])
                .status()
                .unwrap();
            assert_eq!(
                bare.code(),
                Some(0),
                "the helper did not escape a bare chroot"
            );
            let _ = fs::remove_dir(root.join("tmp/escape-jail"));
        }
        let output = run(
            rootless,
            &root,
            &["--no-mounts", "--", "/escape", host_only],
        );
        assert_eq!(
            code(&output),
            1,
            "rootless={rootless}: escaped, or {}",
            stderr(&output)
        );
        let _ = fs::remove_dir(root.join("tmp/escape-jail"));
    }
}

#[test]
fn signals_reach_the_command_and_its_status_is_mirrored() {
    if !root_or_skip("signals_reach_the_command_and_its_status_is_mirrored") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("signals", 0);
    let output = run(false, &root, &["--", "sh", "-c", "exit 7"]);
    assert_eq!(code(&output), 7);
    let usher = usher_for_all(root.parent().unwrap());
    let before = mountinfo();
    let mut child = Command::new(&usher)
        .arg("--root")
        .arg(&root)
        .args([
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; while :; do sleep 0.05; done",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    common::send(child.id() as i32, 15);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42));
    // KILL to the outer usher: nothing of the sandbox survives, and the
    // caller's mounts are as they were.
    let mut child = Command::new(&usher)
        .arg("--root")
        .arg(&root)
        .args([
            "--",
            "sh",
            "-c",
            "trap '' TERM; while :; do sleep 0.05; done",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let inner = common::first_child_of(child.id() as i32).expect("the inner usher");
    common::send(child.id() as i32, 9);
    let _ = child.wait();
    common::wait_for(
        || (!Path::new(&format!("/proc/{inner}")).exists()).then_some(()),
        "the inner usher to die with the outer one",
    );
    assert_eq!(mountinfo(), before);
}

#[test]
fn user_comes_from_the_roots_passwd_and_rootless_is_root_only() {
    if !root_or_skip("user_comes_from_the_roots_passwd_and_rootless_is_root_only") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("user", 0);
    let output = run(false, &root, &["--user", "app", "--", "id", "-u"]);
    assert_eq!(
        (code(&output), stdout(&output)),
        (0, "1000\n".to_string()),
        "{}",
        stderr(&output)
    );
    let root = busybox_root("user-rootless", 65534);
    let output = run(true, &root, &["--user", "app", "--", "id", "-u"]);
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: --user app: only uid 0 and gid 0 exist in a rootless --root sandbox\n"
    );
    let output = run(true, &root, &["--user", "root", "--", "id", "-u"]);
    assert_eq!(
        (code(&output), stdout(&output)),
        (0, "0\n".to_string()),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_root_that_is_no_directory_is_refused() {
    if !root_or_skip("a_root_that_is_no_directory_is_refused") {
        return;
    }
    let _serial = one_at_a_time();
    let output = Command::new(usher())
        .args(["--root", "/etc/passwd", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: root /etc/passwd: Not a directory\n"
    );
    let output = Command::new(usher())
        .args([
            "--root",
            "/tmp",
            "--share",
            "uts",
            "--hostname",
            "x",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("--share uts with --hostname"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn skip_chdir_ro_root_and_a_pty_inside_the_root() {
    if !root_or_skip("skip_chdir_ro_root_and_a_pty_inside_the_root") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("chdir-ro-pty", 0);
    let usher = usher_for_all(root.parent().unwrap());
    // --skip-chdir: the caller's directory (/tmp) inside the root; without
    // it, the root's `/`.
    for (args, want) in [(&["--skip-chdir"][..], "/tmp\n"), (&[][..], "/\n")] {
        let output = Command::new(&usher)
            .current_dir("/tmp")
            .arg("--root")
            .arg(&root)
            .args(args)
            .args(["--", "sh", "-c", "pwd"])
            .output()
            .unwrap();
        assert_eq!(stdout(&output), want, "{args:?}: {}", stderr(&output));
    }
    // --ro-root: the root is read-only, a mount in it keeps its own flags.
    let output = run(
        false,
        &root,
        &[
            "--ro-root",
            "--tmpfs",
            "/tmp",
            "--",
            "sh",
            "-c",
            "touch /x 2>/dev/null || echo ro; touch /tmp/x && echo tmp",
        ],
    );
    assert_eq!(stdout(&output), "ro\ntmp\n", "{}", stderr(&output));
    // --pty: the new terminal is opened from the root's own /dev/ptmx.
    let before = mountinfo();
    let script = format!("{} --root {} --pty -- tty", usher.display(), root.display());
    let output = Command::new(which("script"))
        .args(["-qec", &script, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = stdout(&output).replace('\r', "");
    assert!(text.contains("/dev/pts/"), "{text:?} {}", stderr(&output));
    assert_eq!(mountinfo(), before);
}

/// Found by a second read of the sandbox: the clean-up removes exactly what
/// usher made, however the root is written, and a long list of made paths
/// neither hangs nor leaks; inside a chroot, `--root` is refused.
#[test]
fn the_clean_up_removes_exactly_what_usher_made() {
    if !root_or_skip("the_clean_up_removes_exactly_what_usher_made") {
        return;
    }
    let _serial = one_at_a_time();
    let root = busybox_root("clean-up", 0);
    let source = root.parent().unwrap().join("source");
    fs::create_dir(&source).unwrap();
    fs::write(root.parent().unwrap().join("file"), "data\n").unwrap();
    // What already is in the root stays, also when a mount hides it.
    fs::create_dir(root.join("tmp/keep")).unwrap();
    fs::write(root.join("tmp/keepfile"), "").unwrap();
    let file = root.parent().unwrap().join("file");
    let output = run(
        false,
        &root,
        &[
            "--no-mounts",
            "--tmpfs",
            "/tmp",
            "-B",
            &format!("{}:/tmp/keep", source.display()),
            "-B",
            &format!("{}:/tmp/keepfile", file.display()),
            "--",
            "cat",
            "/tmp/keepfile",
        ],
    );
    assert_eq!(stdout(&output), "data\n", "{}", stderr(&output));
    assert!(root.join("tmp/keep").is_dir() && root.join("tmp/keepfile").is_file());
    // The root written relative, with a trailing slash, or through a symlink.
    let link = root.parent().unwrap().join("link");
    symlink(&root, &link).unwrap();
    let parent = root.parent().unwrap();
    for written in ["root", "root/", "link"] {
        let before = entries(&root);
        let output = Command::new(usher_for_all(parent))
            .current_dir(parent)
            .args(["--root", written, "--", "true"])
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{written}: {}", stderr(&output));
        assert_eq!(entries(&root), before, "{written}: mountpoints were left");
    }
    // A destination too deep for the list of made paths: refused, nothing
    // left, no hang.
    let deep = "/a".repeat(2000);
    let output = run(
        false,
        &root,
        &[
            "--no-mounts",
            "-B",
            &format!("{}:{deep}", source.display()),
            "--",
            "true",
        ],
    );
    assert_eq!(code(&output), 1);
    // Inside a chroot `/` is no mount point: refused, not run with a bare
    // chroot that the command could escape.
    fs::create_dir(root.join("inner")).unwrap();
    fs::copy(usher(), root.join("usher-copy")).unwrap();
    let before = mountinfo();
    let output = Command::new(which("chroot"))
        .arg(&root)
        .args(["/usher-copy", "--root", "/inner", "--", "/bin/true"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: --root needs / to be a mount point (not inside a chroot)\n"
    );
    assert_eq!(mountinfo(), before);
}

/// `--root` runs with a 32 KiB stack limit, as root and rootless: the
/// sandbox's path buffers are static storage, not stack (issue 18; it
/// died by SIGSEGV below 48 KiB).
#[test]
fn a_sandbox_runs_on_a_32_kib_stack() {
    if !root_or_skip("a_sandbox_runs_on_a_32_kib_stack") {
        return;
    }
    let _serial = one_at_a_time();
    for (rootless, owner) in [(false, 0), (true, 65534)] {
        let root = busybox_root(&format!("small-stack-{rootless}"), owner);
        let output = run_with_stack(
            rootless,
            &root,
            Some(32),
            &[
                "--skip-chdir",
                "-B",
                "/tmp:/mnt/host",
                "--env",
                "A=1",
                "--",
                "sh",
                "-c",
                "echo $A; id -u; ls -d /mnt/host",
            ],
        );
        assert_eq!(code(&output), 0, "rootless={rootless}: {}", stderr(&output));
        assert_eq!(stdout(&output), "1\n0\n/mnt/host\n", "rootless={rootless}");
    }
}

/// pychroot 0.10.4 in its virtual environment (`bench/pychroot.sh`, which
/// `make test` runs first).
fn pychroot_peer() -> PathBuf {
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pychroot/venv/bin/pychroot");
    assert!(
        peer.exists(),
        "pychroot 0.10.4 is missing: `make test` installs it (bash bench/pychroot.sh)"
    );
    peer
}

/// Runs `program ARGS` as root with a minimal environment (`env` added),
/// and checks that the caller's mounts are as they were.
fn run_pychroot(program: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let before = mountinfo();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", "/bin:/usr/bin")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(mountinfo(), before, "the caller's mounts changed: {args:?}");
    output
}

/// The same command lines through pychroot 0.10.4 and through usher's
/// pychroot personality, on the same busybox root: the same exit status,
/// the same output where the command prints, and a one-line message with
/// pychroot's prefix where it fails.
#[test]
fn pychroot_personality_matches_pychroot() {
    if !root_or_skip("pychroot_personality_matches_pychroot") {
        return;
    }
    let _serial = one_at_a_time();
    let peer = pychroot_peer();
    let ours = usher_as("pychroot");
    let root = busybox_root("pychroot", 0);
    fs::write(root.join("etc/resolv.conf"), "").unwrap();
    let dir = root.parent().unwrap().to_path_buf();
    let data = dir.join("data");
    fs::create_dir(&data).unwrap();
    let r = root.to_str().unwrap();
    let d = data.to_str().unwrap();
    let bind = format!("{d}:/mnt");
    let facts = "echo > /dev/null && echo null; ls /proc | grep -q '^1$' && echo proc; \
                 ls /sys | grep -q '^class$' && echo sys; cat /etc/resolv.conf && echo resolv; \
                 echo x > /dev/shm/x && echo shm; pwd";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // Usage errors (2), help and version (0).
        (vec![], ""),
        (vec!["-x", r], ""),
        (vec!["-x"], ""),
        (vec!["--r", r], ""),
        (vec![r, "true", "--h"], ""),
        (vec!["-B"], ""),
        (vec!["-B", "-h", r], ""),
        (vec!["--no-mounts=1", r], ""),
        (vec!["-hx"], ""),
        (vec!["-h"], ""),
        (vec!["--bogus", "-hB", "x", r], ""),
        (vec!["--version"], ""),
        (vec!["--vers", "-h"], ""),
        // A root that is no directory, a command that is not there (1).
        (vec!["/nonexistent", "true"], ""),
        (vec!["/etc/passwd", "true"], ""),
        (vec![r, "nosuch"], ""),
        (vec![r, "/etc/passwd"], ""),
        // The command's status and output, with the defaults and without.
        (vec![r, "sh", "-c", "exit 7"], ""),
        (vec![r, "sh", "-c", facts], ""),
        (vec!["--no", r, "sh", "-c", "ls /proc /sys | wc -w"], ""),
        (vec!["--host", "box", r, "hostname"], ""),
        (vec!["--", r, "--", "echo"], ""),
        // The default command: $SHELL -i, reading stdin.
        (vec![r], "echo interactive; exit 3\n"),
        // Binds: -B writes through to the host, --ro is read-only, and
        // --no-mounts drops them.
        (
            vec!["-B", &bind, r, "sh", "-c", "echo b > /mnt/b && cat /mnt/b"],
            "",
        ),
        (
            vec![
                "--readonly",
                &bind,
                r,
                "sh",
                "-c",
                "echo r > /mnt/r || echo refused",
            ],
            "",
        ),
        (
            vec!["-R", &bind, "--no-mounts", r, "sh", "-c", "ls /mnt | wc -l"],
            "",
        ),
    ];
    for (args, stdin) in &cases {
        let env = [("SHELL", "/bin/sh")];
        let theirs = run_pychroot(&peer, args, &env, stdin);
        let mine = run_pychroot(&ours, args, &env, stdin);
        assert_eq!(
            code(&mine),
            code(&theirs),
            "{args:?}: pychroot said {:?} {:?}, usher {:?} {:?}",
            stdout(&theirs),
            stderr(&theirs),
            stdout(&mine),
            stderr(&mine)
        );
        let (out, err) = (stdout(&mine), stderr(&mine));
        let printed = stdout(&theirs);
        if printed.starts_with("usage: pychroot") || printed.starts_with("pychroot 0.10.4") {
            // Help or version: usher's own, starting the same way.
            assert!(out.starts_with(&printed[..15]), "{args:?}: {out}");
        } else if code(&theirs) == 2 || code(&theirs) == 1 && printed.is_empty() {
            assert!(out.is_empty(), "{args:?}: {out}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            assert!(err.starts_with("pychroot: error: "), "{args:?}: {err}");
        } else {
            // Both ran the command: the same output.
            assert_eq!(out, printed, "{args:?}");
        }
    }
    // The intended differences: usher is PID 1 and the command PID 2, and
    // a signal death is 128+N (pychroot: 256-N).
    let args = [
        r,
        "sh",
        "-c",
        "echo $$; tr '\\0' ' ' </proc/1/cmdline; kill -TERM $$",
    ];
    let theirs = run_pychroot(&peer, &args, &[], "");
    let mine = run_pychroot(&ours, &args, &[], "");
    assert_eq!((code(&theirs), code(&mine)), (241, 143));
    let out = stdout(&mine);
    assert!(out.starts_with("2\n") && out.contains("pychroot "), "{out}");
    // A caller without /etc/resolv.conf (a tmpfs over its /etc, in a mount
    // namespace of its own): usher leaves the mount out, pychroot exits 1.
    for (program, want) in [(&peer, 1), (&ours, 0)] {
        let output = Command::new(which("unshare"))
            .args([
                "-m",
                "sh",
                "-c",
                "mount -t tmpfs none /etc && exec \"$0\" \"$@\"",
            ])
            .arg(program)
            .args([r, "cat", "/etc/passwd"])
            .output()
            .unwrap();
        assert_eq!(code(&output), want, "{program:?}: {}", stderr(&output));
    }
    // Nothing was left in the root or beside it, by either.
    assert_eq!(entries(&root), ["bin", "etc", "tmp"]);
    assert_eq!(fs::read_to_string(data.join("b")).unwrap(), "b\n");
    assert!(!data.join("r").exists());
}

/// Every path under `dir` with its contents (a file's) or type, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            let name = entry.path();
            let shown = name.strip_prefix(dir).unwrap().display().to_string();
            if kind.is_dir() {
                out.push(format!("{shown}/"));
                stack.push(name);
            } else if kind.is_file() {
                out.push(format!(
                    "{shown}: {}",
                    fs::read_to_string(&name).unwrap_or_default()
                ));
            } else {
                out.push(format!("{shown}: {kind:?}"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn overlay_roots_stack_layers_and_keep_writes_in_upper_only() {
    if !root_or_skip("overlay_roots_stack_layers_and_keep_writes_in_upper_only") {
        return;
    }
    let _serial = one_at_a_time();
    for (rootless, owner) in [(false, 0), (true, 65534)] {
        let root = busybox_root(&format!("overlay-{rootless}"), owner);
        let dir = root.parent().unwrap().to_path_buf();
        fs::write(root.join("etc/f"), "base\n").unwrap();
        fs::write(root.join("etc/only-base"), "b\n").unwrap();
        // Layer paths with a comma, a colon and a backslash: the new mount
        // API needs no escaping.
        let one = dir.join("layer,one");
        let two = dir.join("layer:t\\wo");
        for layer in [&one, &two] {
            fs::create_dir_all(layer.join("etc")).unwrap();
        }
        fs::write(one.join("etc/f"), "one\n").unwrap();
        fs::write(one.join("etc/only-one"), "1\n").unwrap();
        fs::write(two.join("etc/f"), "two\n").unwrap();
        // A rootless caller's layers are its own, as its root is.
        chown_tree(&one, owner);
        chown_tree(&two, owner);
        let before: Vec<Vec<String>> = [&root, &one, &two].iter().map(|d| tree(d)).collect();
        let unchanged = |case: &str| {
            let after: Vec<Vec<String>> = [&root, &one, &two].iter().map(|d| tree(d)).collect();
            assert_eq!(
                after, before,
                "rootless={rootless}, {case}: the base or a layer changed"
            );
        };
        let (l1, l2) = (one.to_str().unwrap(), two.to_str().unwrap());

        // The last layer given is on top; writes go to a tmpfs and vanish.
        let output = run(
            rootless,
            &root,
            &[
                "--layer",
                l1,
                "--layer",
                l2,
                "--",
                "sh",
                "-c",
                "cat /etc/f /etc/only-base /etc/only-one; echo new > /etc/new; \
                 echo changed > /etc/f; rm /etc/only-base; cat /etc/f; ls /etc",
            ],
        );
        assert_eq!(code(&output), 0, "rootless={rootless}: {}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "two\nb\n1\nchanged\nf\ngroup\nnew\nonly-one\npasswd\nresolv.conf\n",
            "rootless={rootless}"
        );
        unchanged("layers without --upper");

        // With --upper, the changes persist in UPPER/diff, and the
        // mountpoints made for the mounts are removed there.
        let upper = dir.join("upper");
        let u = upper.to_str().unwrap();
        let script = "cat /etc/f; echo new > /etc/new; ls / | tr '\\n' ' '";
        let output = run(
            rootless,
            &root,
            &["--layer", l1, "--upper", u, "--", "sh", "-c", script],
        );
        assert_eq!(code(&output), 0, "rootless={rootless}: {}", stderr(&output));
        assert!(stdout(&output).starts_with("one\n"), "{}", stdout(&output));
        assert!(stdout(&output).contains(" proc "), "{}", stdout(&output));
        assert_eq!(
            fs::read_to_string(upper.join("diff/etc/new")).unwrap(),
            "new\n"
        );
        assert!(upper.join("work").is_dir());
        assert_eq!(entries(&upper.join("diff")), ["etc"], "rootless={rootless}");
        unchanged("--upper");
        // A second run sees the first one's changes.
        let output = run(rootless, &root, &["--upper", u, "--", "cat", "/etc/new"]);
        assert_eq!((code(&output), stdout(&output)), (0, "new\n".to_string()));
        unchanged("--upper alone");

        // A layer the kernel refuses is named.
        let missing = dir.join("no-such-layer");
        let output = run(
            rootless,
            &root,
            &["--layer", missing.to_str().unwrap(), "--", "true"],
        );
        assert_eq!(code(&output), 1);
        let err = stderr(&output);
        assert!(
            err.starts_with(&format!("usher: layer {}", &dir.to_str().unwrap()[..20]))
                && err.ends_with(": No such file or directory\n"),
            "{err}"
        );
        unchanged("a missing layer");
    }
}

#[test]
fn minimal_dev_is_bubblewraps_dev_with_a_new_devpts() {
    if !root_or_skip("minimal_dev_is_bubblewraps_dev_with_a_new_devpts") {
        return;
    }
    let _serial = one_at_a_time();
    for (rootless, owner) in [(false, 0), (true, 65534)] {
        let root = busybox_root(&format!("minimal-dev-{rootless}"), owner);
        let output = run(
            rootless,
            &root,
            &[
                "--minimal-dev",
                "--",
                "sh",
                "-c",
                "ls /dev | tr '\\n' ' '; echo; ls /dev/pts | tr '\\n' ' '; echo; \
                 readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; stat -c %a /dev/pts/ptmx; \
                 echo x > /dev/null && echo null; head -c 2 /dev/zero | wc -c; \
                 echo x > /dev/shm/x && echo shm",
            ],
        );
        assert_eq!(code(&output), 0, "rootless={rootless}: {}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n\
             ptmx \n/proc/self/fd\n/proc/self/fd/0\npts/ptmx\n666\nnull\n2\nshm\n",
            "rootless={rootless}"
        );
        // The caller's /dev without it.
        let output = run(rootless, &root, &["--", "sh", "-c", "ls /dev | grep -c ."]);
        let count: usize = stdout(&output).trim().parse().unwrap();
        assert!(count > 13, "{}", stdout(&output));
    }
    // --pty opens the pair from this /dev's own devpts: the first one.
    let root = busybox_root("minimal-dev-pty", 0);
    let usher = usher_for_all(root.parent().unwrap());
    let before = mountinfo();
    let script = format!(
        "{} --root {} --minimal-dev --pty -- tty",
        usher.display(),
        root.display()
    );
    let output = Command::new(which("script"))
        .args(["-qec", &script, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = stdout(&output).replace('\r', "");
    assert!(
        text.contains("/dev/pts/0\n"),
        "{text:?} {}",
        stderr(&output)
    );
    assert_eq!(mountinfo(), before);
    assert_eq!(entries(&root), ["bin", "etc", "tmp"]);
}
