//! User switching, end to end and as root: a rootfs with busybox-static,
//! usher (also as /gosu and /su-exec), Debian's real gosu as /real-gosu when
//! it is installed, and fixture passwd and group files. Each case runs under
//! `chroot`, and usher's results are compared with fixed expectations and,
//! case by case, with the real gosu.

mod common;

use common::{code, root_or_skip, stderr, stdout, usher, usher_as};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/sh
games:x:5:60:games:/usr/games:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
multi:x:1100:1100:in several groups:/home/multi:/bin/sh
orphan:x:1200:4242:primary gid without a group:/home/orphan:/bin/sh
nohome:x:1300:1300:empty home::/bin/sh
dup:x:1400:1400:first:/home/dup1:/bin/sh
dup:x:1401:1401:second:/home/dup2:/bin/sh
7eleven:x:1500:1500:starts with a digit:/home/7eleven:/bin/sh
2000:x:1600:1600:all digits:/home/digits:/bin/sh
broken
  spaced:x:1700:1700::/home/spaced:/bin/sh
";

const GROUP: &str = "\
root:x:0:
daemon:x:1:
# wheel:x:11:nobody
games:x:60:
users:x:100:games,multi
wheel:x:10:root,multi,7eleven
audio:x:29:multi
multi:x:1100:
nohome:x:1300:
dup:x:1400:
7eleven:x:1500:
2000:x:2000:
nogroup:x:65534:
";

/// gosu's published cases (Dockerfile.test-debian and -alpine), for this
/// fixture and a root caller whose groups are root's (0 and wheel). `$1` is
/// the gosu under test, so the same script checks the real gosu too.
const GOSU_CASES: &str = r#"set -e
g="$1"
t() {
    spec="$1"; expect_ids="$2"; expect_names="$3"
    real="$("$g" "$spec" id -u):$("$g" "$spec" id -g):$("$g" "$spec" id -G)"
    [ "$expect_ids" = "$real" ] || { echo "ids of '$spec': want $expect_ids, got $real"; exit 1; }
    real="$("$g" "$spec" id -un):$("$g" "$spec" id -gn):$("$g" "$spec" id -Gn)" || true
    [ "$expect_names" = "$real" ] || { echo "names of '$spec': want $expect_names, got $real"; exit 1; }
}
t 0 "0:0:$(id -G root)" "root:root:$(id -Gn root)"
t 0:0 '0:0:0' 'root:root:root'
t root "0:0:$(id -G root)" "root:root:$(id -Gn root)"
t 0:root '0:0:0' 'root:root:root'
t root:0 '0:0:0' 'root:root:root'
t root:root '0:0:0' 'root:root:root'
t 1000 "1000:$(id -g):$(id -g)" "1000:$(id -gn):$(id -gn)"
t 0:1000 '0:1000:1000' 'root:1000:1000'
t 1000:1000 '1000:1000:1000' '1000:1000:1000'
t root:1000 '0:1000:1000' 'root:1000:1000'
t 1000:root '1000:0:0' '1000:root:root'
t 1000:daemon "1000:$(id -g daemon):$(id -g daemon)" '1000:daemon:daemon'
t games "$(id -u games):$(id -g games):$(id -G games)" 'games:games:games users'
t games:daemon "$(id -u games):$(id -g daemon):$(id -g daemon)" 'games:daemon:daemon'
t 0: "0:0:$(id -G root)" "root:root:$(id -Gn root)"
t '' "$(id -u):$(id -g):$(id -G)" "$(id -un):$(id -gn):$(id -Gn)"
t ':0' "$(id -u):0:0" "$(id -un):root:root"
h() { [ "$("$g" "$1" env | grep '^HOME=')" = "HOME=$2" ] || { echo "HOME of '$1'"; exit 1; }; }
h 0 /root; h 0:0 /root; h root /root; h 0:root /root; h root:0 /root
h root:root /root; h 0:1000 /root; h root:1000 /root; h 1000 /; h 1000:0 /
h 1000:root /; h games /usr/games; h games:daemon /usr/games
! "$g" bogus true 2>/dev/null
! "$g" 0day true 2>/dev/null
! "$g" 0:bogus true 2>/dev/null
! "$g" 0:0day true 2>/dev/null
echo all-passed
"#;

/// A rootfs for one test, with /proc mounted while it lives.
struct Rootfs {
    dir: PathBuf,
}

impl Rootfs {
    fn new(name: &str) -> Rootfs {
        let dir = common::scratch(&format!("rootfs-{name}"));
        for sub in ["bin", "etc", "proc", "root", "home/multi", "tmp"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        fs::set_permissions(dir.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
        let busybox = which("busybox");
        fs::copy(&busybox, dir.join("bin/busybox")).unwrap();
        for applet in [
            "sh", "id", "cat", "env", "grep", "true", "echo", "touch", "head", "tr", "sleep",
        ] {
            symlink("busybox", dir.join("bin").join(applet)).unwrap();
        }
        fs::copy(usher(), dir.join("usher")).unwrap();
        symlink("usher", dir.join("gosu")).unwrap();
        symlink("usher", dir.join("su-exec")).unwrap();
        if let Some(gosu) = real_gosu() {
            fs::copy(gosu, dir.join("real-gosu")).unwrap();
        }
        fs::write(dir.join("etc/passwd"), PASSWD).unwrap();
        fs::write(dir.join("etc/group"), GROUP).unwrap();
        fs::write(dir.join("gosu-t.sh"), GOSU_CASES).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(dir.join("proc"))
            .status()
            .unwrap();
        assert!(mounted.success(), "mounting /proc in the rootfs");
        Rootfs { dir }
    }

    /// Runs `args` in the rootfs as root with groups 0 and 10 (root's own),
    /// with a small fixed environment.
    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &["PATH=/bin", "HOME=/caller"])
    }

    fn run_env(&self, args: &[&str], env: &[&str]) -> Output {
        Command::new(which("chroot"))
            .arg("--groups=10")
            .arg(&self.dir)
            .args(args)
            .env_clear()
            .envs(env.iter().map(|pair| pair.split_once('=').unwrap()))
            .output()
            .unwrap()
    }
}

impl Drop for Rootfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.join("proc"))
            .status();
        let _ = fs::remove_dir_all(&self.dir);
    }
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

/// Debian's gosu, for the differential cases. It is required under CI.
fn real_gosu() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/sbin/gosu");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "gosu is not installed, and CI=true makes that a failure"
    );
    eprintln!("gosu is not installed: the differential cases are skipped");
    None
}

/// What a command sees of its identity, as one comparable string.
const IDENTITY: &str = "echo uid=$(id -u) gid=$(id -g); grep -E '^(Groups|Uid|Gid):' /proc/self/status | tr '\\t' ' '; echo HOME=\"$HOME\"";

fn identity(rootfs: &Rootfs, switcher: &[&str], spec: &str) -> (i32, String, String) {
    let mut args: Vec<&str> = switcher.to_vec();
    args.push(spec);
    if switcher[0] == "/usher" {
        args.push("--");
    }
    args.extend(["sh", "-c", IDENTITY]);
    let output = rootfs.run(&args);
    (code(&output), stdout(&output), stderr(&output))
}

fn expected(uid: u32, gid: u32, groups: &str, home: &str) -> String {
    format!(
        "uid={uid} gid={gid}\nUid: {uid} {uid} {uid} {uid}\nGid: {gid} {gid} {gid} {gid}\nGroups: {groups} \nHOME={home}\n"
    )
}

#[test]
fn fixture_users_resolve_as_gosu_does() {
    if !root_or_skip("fixture_users_resolve_as_gosu_does") {
        return;
    }
    let rootfs = Rootfs::new("resolve");
    // (spec, uid, gid, the Groups line as the kernel sorts it, HOME, and
    // su-exec's Groups line: musl's getgrouplist puts the gid in use
    // first, and a group given or a uid without an entry is that gid alone)
    let cases: &[(&str, u32, u32, &str, &str, &str)] = &[
        ("root", 0, 0, "10", "/root", "0 10"),
        (
            "multi",
            1100,
            1100,
            "10 29 100",
            "/home/multi",
            "10 29 100 1100",
        ),
        ("multi:audio", 1100, 29, "", "/home/multi", "29"),
        ("orphan", 1200, 4242, "", "/home/orphan", "4242"),
        ("nohome", 1300, 1300, "", "", "1300"),
        ("dup", 1400, 1400, "", "/home/dup1", "1400"),
        ("1401", 1401, 1401, "", "/home/dup2", "1401"),
        ("7eleven", 1500, 1500, "10", "/home/7eleven", "10 1500"),
        // All digits is a uid, though a user named 2000 exists.
        ("2000", 2000, 0, "", "/", "0"),
        ("1600", 1600, 1600, "", "/home/digits", "1600"),
        ("2000:2000", 2000, 2000, "", "/", "2000"),
        ("4000", 4000, 0, "", "/", "0"),
        ("4000:5", 4000, 5, "", "/", "5"),
        ("spaced", 1700, 1700, "", "/home/spaced", "1700"),
        ("nobody:wheel", 65534, 10, "", "/nonexistent", "10"),
        ("", 0, 0, "10", "/root", "0 10"),
        (":29", 0, 29, "", "/root", "29"),
    ];
    let real = real_gosu().is_some();
    for &(spec, uid, gid, groups, home, su_exec_groups) in cases {
        let want = expected(uid, gid, groups, home);
        let su_exec_want = expected(uid, gid, su_exec_groups, home);
        for switcher in [&["/usher", "--user"][..], &["/gosu"], &["/su-exec"]] {
            let want = if switcher[0] == "/su-exec" {
                &su_exec_want
            } else {
                &want
            };
            let (status, out, err) = identity(&rootfs, switcher, spec);
            assert_eq!(
                (status, out.as_str()),
                (0, want.as_str()),
                "{switcher:?} {spec:?}: {err}"
            );
        }
        if real {
            let (status, out, err) = identity(&rootfs, &["/real-gosu"], spec);
            assert_eq!(
                (status, out.as_str()),
                (0, want.as_str()),
                "real gosu {spec:?}: {err}"
            );
        }
    }
}

#[test]
fn bad_specs_fail_before_anything_runs() {
    if !root_or_skip("bad_specs_fail_before_anything_runs") {
        return;
    }
    let rootfs = Rootfs::new("refuse");
    // (spec, message, whether the real gosu refuses it too)
    let cases: &[(&str, &str, bool)] = &[
        (
            "2147483648",
            "usher: user id 2147483648 is out of range (0 to 2147483647)\n",
            true,
        ),
        (
            "4294967296",
            "usher: user id 4294967296 is out of range (0 to 2147483647)\n",
            true,
        ),
        (
            "-1",
            "usher: user id -1 is out of range (0 to 2147483647)\n",
            true,
        ),
        (
            "0:4294967296",
            "usher: group id 4294967296 is out of range (0 to 2147483647)\n",
            true,
        ),
        ("a:b:c", "usher: no such user a\n", true),
        ("bogus", "usher: no such user bogus\n", true),
        ("0day", "usher: no such user 0day\n", true),
        ("multi:bogus", "usher: no such group bogus\n", true),
        // gosu reads the malformed line `broken` as uid 0 and runs as root.
        ("broken", "usher: no such user broken\n", false),
    ];
    for &(spec, message, gosu_refuses) in cases {
        for switcher in [
            &["/usher", "-u", spec, "--"][..],
            &["/gosu", spec],
            &["/su-exec", spec],
        ] {
            let mut args = switcher.to_vec();
            args.extend(["touch", "/tmp/ran"]);
            let output = rootfs.run(&args);
            assert_eq!(
                (
                    code(&output),
                    stderr(&output).as_str(),
                    stdout(&output).as_str()
                ),
                (1, message, ""),
                "{args:?}"
            );
            assert!(
                !rootfs.dir.join("tmp/ran").exists(),
                "{args:?} ran the command"
            );
        }
        if real_gosu().is_some() {
            let output = rootfs.run(&["/real-gosu", spec, "id", "-u"]);
            if gosu_refuses {
                assert_eq!(code(&output), 1, "real gosu accepted {spec:?}");
            } else {
                assert_eq!(stdout(&output), "0\n", "real gosu on {spec:?}");
            }
        }
    }
}

/// gosu reads only the first two colon-separated fields, so `--user` and
/// the gosu personality ignore the rest. su-exec takes everything after the
/// first colon as the group, a name no group can have, and refuses.
#[test]
fn fields_after_the_group_are_ignored_as_gosu_does() {
    if !root_or_skip("fields_after_the_group_are_ignored_as_gosu_does") {
        return;
    }
    let rootfs = Rootfs::new("fields");
    // (spec, uid, gid, Groups, HOME, su-exec's group field)
    let cases: &[(&str, u32, u32, &str, &str, &str)] = &[
        ("multi:audio:", 1100, 29, "", "/home/multi", "audio:"),
        (
            "multi:audio:wheel",
            1100,
            29,
            "",
            "/home/multi",
            "audio:wheel",
        ),
        (
            "multi::audio",
            1100,
            1100,
            "10 29 100",
            "/home/multi",
            ":audio",
        ),
        ("::", 0, 0, "10", "/root", ":"),
        ("4000:5:6:7", 4000, 5, "", "/", "5:6:7"),
    ];
    let real = real_gosu().is_some();
    for &(spec, uid, gid, groups, home, su_exec_group) in cases {
        let want = expected(uid, gid, groups, home);
        let mut switchers = vec![&["/usher", "--user"][..], &["/gosu"]];
        if real {
            switchers.push(&["/real-gosu"]);
        }
        for switcher in switchers {
            let (status, out, err) = identity(&rootfs, switcher, spec);
            assert_eq!(
                (status, out.as_str()),
                (0, want.as_str()),
                "{switcher:?} {spec:?}: {err}"
            );
        }
        let (status, out, err) = identity(&rootfs, &["/su-exec"], spec);
        assert_eq!(
            (status, out.as_str(), err.as_str()),
            (
                1,
                "",
                format!("usher: no such group {su_exec_group}\n").as_str()
            ),
            "su-exec {spec:?}"
        );
    }
    let output = rootfs.run(&["/gosu", "root:bogus:0", "true"]);
    assert_eq!(
        (code(&output), stderr(&output).as_str()),
        (1, "usher: no such group bogus\n")
    );
}

#[test]
fn gosu_published_cases() {
    if !root_or_skip("gosu_published_cases") {
        return;
    }
    let rootfs = Rootfs::new("published");
    let ours = rootfs.run(&["sh", "/gosu-t.sh", "/gosu"]);
    assert_eq!(stdout(&ours), "all-passed\n", "{}", stderr(&ours));
    // The translation itself is checked against the real gosu.
    if real_gosu().is_some() {
        let theirs = rootfs.run(&["sh", "/gosu-t.sh", "/real-gosu"]);
        assert_eq!(stdout(&theirs), "all-passed\n", "{}", stderr(&theirs));
    }
}

#[test]
fn personalities_exec_in_place_keeping_argv0() {
    if !root_or_skip("personalities_exec_in_place_keeping_argv0") {
        return;
    }
    let rootfs = Rootfs::new("in-place");
    for switcher in ["/gosu", "/su-exec"] {
        let script = format!(
            "echo $$; exec {switcher} multi sh -c 'echo $$; tr \"\\0\" \" \" < /proc/$$/cmdline; echo'"
        );
        let output = rootfs.run(&["sh", "-c", &script]);
        let out = stdout(&output);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{switcher}: {out} {}", stderr(&output));
        assert_eq!(lines[0], lines[1], "{switcher} changed the pid");
        assert!(
            lines[2].starts_with("sh -c "),
            "{switcher}: argv is {}",
            lines[2]
        );
    }
    // Native mode: usher stays root as the parent; the child is the user.
    let output = rootfs.run(&[
        "/usher",
        "-u",
        "multi",
        "--",
        "sh",
        "-c",
        "grep ^Uid: /proc/$PPID/status | tr '\\t' ' '; id -u",
    ]);
    assert_eq!(
        stdout(&output),
        "Uid: 0 0 0 0\n1100\n",
        "{}",
        stderr(&output)
    );
}

#[test]
fn after_the_switch_there_is_no_way_back() {
    if !root_or_skip("after_the_switch_there_is_no_way_back") {
        return;
    }
    let rootfs = Rootfs::new("no-way-back");
    let status = "grep -E '^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):' /proc/self/status | tr '\\t' ' '";
    for switcher in [
        &["/usher", "-u", "multi", "--"][..],
        &["/gosu", "multi"],
        &["/su-exec", "multi"],
    ] {
        let mut args = switcher.to_vec();
        args.extend(["sh", "-c", status]);
        let output = rootfs.run(&args);
        assert_eq!(
            stdout(&output),
            "CapInh: 0000000000000000\nCapPrm: 0000000000000000\nCapEff: 0000000000000000\nCapAmb: 0000000000000000\nNoNewPrivs: 0\n",
            "{switcher:?}: {}",
            stderr(&output)
        );
        // Back to root: refused by the kernel.
        let mut args = switcher.to_vec();
        args.extend(["/gosu", "root", "id", "-u"]);
        let output = rootfs.run(&args);
        assert_eq!(code(&output), 1, "{switcher:?}");
        assert_eq!(
            stderr(&output),
            "usher: setting the groups of root: Operation not permitted\n"
        );
        assert_eq!(stdout(&output), "");
    }
    // A root target keeps root's capabilities.
    let output = rootfs.run(&[
        "/gosu",
        "root",
        "sh",
        "-c",
        "grep ^CapEff: /proc/self/status",
    ]);
    assert_ne!(stdout(&output), "CapEff:\t0000000000000000\n");
    // --no-new-privs and its twin.
    let output = rootfs.run(&[
        "/usher",
        "--no-new-privs",
        "-u",
        "multi",
        "--",
        "grep",
        "^NoNewPrivs:",
        "/proc/self/status",
    ]);
    assert_eq!(stdout(&output), "NoNewPrivs:\t1\n", "{}", stderr(&output));
    let output = rootfs.run_env(
        &["/usher", "--", "grep", "^NoNewPrivs:", "/proc/self/status"],
        &["PATH=/bin", "USHER_NO_NEW_PRIVS=1"],
    );
    assert_eq!(stdout(&output), "NoNewPrivs:\t1\n", "{}", stderr(&output));
}

#[test]
fn environment_passes_except_home() {
    if !root_or_skip("environment_passes_except_home") {
        return;
    }
    let rootfs = Rootfs::new("environment");
    let env = [
        "PATH=/bin",
        "HOME=/caller",
        "USER=root",
        "LOGNAME=root",
        "ODD= a\u{1}b ",
    ];
    for (switcher, spec) in [
        ("/usher", "nohome"),
        ("/gosu", "nohome"),
        ("/su-exec", "multi"),
    ] {
        let mut args = vec![switcher];
        if switcher == "/usher" {
            args.extend(["-u", spec, "--"]);
        } else {
            args.push(spec);
        }
        args.push("env");
        let output = rootfs.run_env(&args, &env);
        let mut seen: Vec<String> = stdout(&output).lines().map(String::from).collect();
        seen.sort();
        let home = if spec == "nohome" {
            "HOME="
        } else {
            "HOME=/home/multi"
        };
        let mut want = vec![
            home,
            "LOGNAME=root",
            "ODD= a\u{1}b ",
            "PATH=/bin",
            "USER=root",
        ];
        want.sort();
        assert_eq!(seen, want, "{switcher}: {}", stderr(&output));
    }
    // USHER_USER is --user's twin.
    let output = rootfs.run_env(
        &["/usher", "id", "-u"],
        &["PATH=/bin", "USHER_USER=7eleven"],
    );
    assert_eq!(stdout(&output), "1500\n", "{}", stderr(&output));
}

#[test]
fn path_is_searched_as_the_new_user() {
    if !root_or_skip("path_is_searched_as_the_new_user") {
        return;
    }
    let rootfs = Rootfs::new("path");
    let private = rootfs.dir.join("private");
    fs::create_dir(&private).unwrap();
    fs::write(private.join("which"), "#!/bin/sh\necho private\n").unwrap();
    fs::set_permissions(private.join("which"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&private, fs::Permissions::from_mode(0o700)).unwrap();
    let public = rootfs.dir.join("public");
    fs::create_dir(&public).unwrap();
    fs::write(public.join("which"), "#!/bin/sh\necho public\n").unwrap();
    fs::set_permissions(public.join("which"), fs::Permissions::from_mode(0o755)).unwrap();
    let env = ["PATH=/private:/public:/bin"];
    for (switcher, spec, want) in [
        ("/usher", "root", "private\n"),
        ("/usher", "multi", "public\n"),
        ("/gosu", "root", "private\n"),
        ("/gosu", "multi", "public\n"),
        ("/su-exec", "multi", "public\n"),
    ] {
        let args: Vec<&str> = if switcher == "/usher" {
            vec![switcher, "-u", spec, "--", "which"]
        } else {
            vec![switcher, spec, "which"]
        };
        let output = rootfs.run_env(&args, &env);
        assert_eq!(stdout(&output), want, "{args:?}: {}", stderr(&output));
    }
    // Only the private one: the new user may not run it.
    let env = ["PATH=/private:/bin"];
    let output = rootfs.run_env(&["/usher", "-u", "multi", "--", "which"], &env);
    assert_eq!(code(&output), 126, "{}", stderr(&output));
    let output = rootfs.run_env(&["/gosu", "multi", "which"], &env);
    assert_eq!(code(&output), 1);
    assert_eq!(stderr(&output), "usher: exec which: Permission denied\n");
    // gosu and su-exec refuse an unset or empty PATH; native uses its default.
    for env in [&[][..], &["PATH="]] {
        for switcher in ["/gosu", "/su-exec"] {
            let output = rootfs.run_env(&[switcher, "multi", "true"], env);
            assert_eq!(code(&output), 1, "{switcher} {env:?}");
            assert_eq!(
                stderr(&output),
                "usher: searching an unset or empty PATH for true: No such file or directory\n"
            );
        }
    }
    let output = rootfs.run_env(&["/usher", "-u", "multi", "--", "id", "-u"], &[]);
    assert_eq!(stdout(&output), "1100\n", "{}", stderr(&output));
}

#[test]
fn setuid_or_setgid_installs_refuse_to_run() {
    if !root_or_skip("setuid_or_setgid_installs_refuse_to_run") {
        return;
    }
    let rootfs = Rootfs::new("setuid");
    for (dir, mode) in [("suid", 0o4755), ("sgid", 0o2755)] {
        let bin = rootfs.dir.join(dir);
        fs::create_dir(&bin).unwrap();
        fs::copy(usher(), bin.join("usher")).unwrap();
        fs::set_permissions(bin.join("usher"), fs::Permissions::from_mode(mode)).unwrap();
        for name in ["gosu", "su-exec", "tini", "docker-init"] {
            symlink("usher", bin.join(name)).unwrap();
        }
        for name in ["usher", "gosu", "su-exec", "tini", "docker-init"] {
            let program = format!("/{dir}/{name}");
            let output = rootfs.run(&[&program, "nobody", "touch", "/tmp/ran"]);
            assert_eq!(code(&output), 1, "{program}");
            assert_eq!(stderr(&output), REFUSAL, "{program}");
            assert!(!rootfs.dir.join("tmp/ran").exists());
            // Not even --version gets through.
            let output = rootfs.run(&[&program, "--version"]);
            assert_eq!(
                (code(&output), stdout(&output).as_str()),
                (1, ""),
                "{program}"
            );
        }
    }
    // File capabilities that raise a caller's privileges (the kernel's
    // AT_SECURE): nobody running a copy with CAP_SETUID and CAP_SETGID
    // would otherwise switch to root.
    let bin = rootfs.dir.join("caps");
    fs::create_dir(&bin).unwrap();
    fs::copy(usher(), bin.join("usher")).unwrap();
    let setcap = Command::new("setcap")
        .args(["cap_setuid,cap_setgid+ep"])
        .arg(bin.join("usher"))
        .status()
        .expect("setcap (libcap2-bin; make test installs it)");
    assert!(setcap.success());
    symlink("usher", bin.join("gosu")).unwrap();
    for args in [
        &["/caps/usher", "--user", "0", "--", "touch", "/tmp/ran"][..],
        &["/caps/gosu", "0", "touch", "/tmp/ran"],
        &["/caps/usher", "--version"],
    ] {
        let output = Command::new(which("chroot"))
            .arg("--userspec=65534:65534")
            .arg(&rootfs.dir)
            .args(args)
            .env_clear()
            .env("PATH", "/bin")
            .output()
            .unwrap();
        assert_eq!(
            (
                code(&output),
                stdout(&output).as_str(),
                stderr(&output).as_str()
            ),
            (1, "", REFUSAL),
            "{args:?}"
        );
        assert!(!rootfs.dir.join("tmp/ran").exists(), "{args:?}");
    }
    // Root gains nothing from them: it runs.
    let output = rootfs.run(&["/caps/usher", "--", "id", "-u"]);
    assert_eq!(stdout(&output), "0\n", "{}", stderr(&output));
}

const REFUSAL: &str = "usher: refusing to run from a setuid, setgid or file-capability file; reinstall without them (chmod ug-s; setcap -r)\n";

/// `--user` when the caller already is that user (Kubernetes' runAsUser, or
/// `docker run --user` with an image whose entrypoint says `--user app`):
/// nothing to switch, so the command runs, with the user's HOME. A caller
/// that is some other unprivileged user is told why it cannot switch. gosu
/// and su-exec keep their peers' failure.
#[test]
fn user_is_a_no_op_for_a_caller_that_already_is_that_user() {
    if !root_or_skip("user_is_a_no_op_for_a_caller_that_already_is_that_user") {
        return;
    }
    let rootfs = Rootfs::new("already");
    // The outer usher makes the caller nobody (no supplementary groups).
    let as_nobody = |inner: &[&str]| {
        let mut args = vec!["/usher", "--user", "nobody", "--"];
        args.extend(inner);
        rootfs.run(&args)
    };
    let output = as_nobody(&["/usher", "--user", "nobody", "--", "sh", "-c", IDENTITY]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), expected(65534, 65534, "", "/nonexistent"));
    let output = as_nobody(&["/usher", "--user", "65534:65534", "--", "id", "-u"]);
    assert_eq!((code(&output), stdout(&output).trim()), (0, "65534"));
    // Another user: usher says what it would need.
    let output = as_nobody(&["/usher", "--user", "games", "--", "id", "-u"]);
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: switching to games (uid 5) needs root; running as uid 65534\n"
    );
    assert_eq!(stdout(&output), "");
    // The same ids with other groups are another user too.
    let output = as_nobody(&["/usher", "--user", "nobody:games", "--", "id"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    // gosu refuses as gosu does, even for its own ids.
    let output = as_nobody(&["/gosu", "nobody", "id", "-u"]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("Operation not permitted"),
        "{}",
        stderr(&output)
    );
}

/// Only a missing /etc/passwd reads as empty: one that cannot be opened for
/// another reason (here EMFILE, under `ulimit -n 3`) is an error, where the
/// user would otherwise keep the root group or be "no such user" (issue 18).
#[test]
fn an_etc_file_that_cannot_be_opened_is_an_error() {
    let gosu = common::usher_as("gosu");
    for spec in ["65534", "nobody"] {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n 3; exec {} {spec} id", gosu.display()))
            .output()
            .unwrap();
        assert_eq!(code(&output), 1, "{spec}: {}", stdout(&output));
        assert_eq!(stdout(&output), "");
        assert_eq!(
            stderr(&output),
            "usher: reading /etc/passwd: No file descriptors available\n"
        );
    }
}

/// Every mode that runs a command works with a 32 KiB stack limit: the
/// environment planner's buffers and the credentials live in static
/// storage, not on the stack (issue 18). Before, `--user` and `--env` died
/// by SIGSEGV here.
#[test]
fn every_mode_runs_on_a_32_kib_stack() {
    if !root_or_skip("every_mode_runs_on_a_32_kib_stack") {
        return;
    }
    let usher = usher();
    let usher = usher.display();
    let gosu = usher_as("gosu");
    let su_exec = usher_as("su-exec");
    let catatonit = usher_as("catatonit");
    let cases = [
        (format!("{usher} -- id -u"), "0"),
        (format!("{usher} --user 65534 -- id -u"), "65534"),
        (format!("{usher} --user nobody:nogroup -- id -u"), "65534"),
        (format!("{usher} --env A=1 --unset HOME -- id -u"), "0"),
        (
            format!("{usher} --clear-env --env PATH=/usr/bin:/bin -- id -u"),
            "0",
        ),
        (format!("{usher} --pre true --pre true -- id -u"), "0"),
        (format!("{usher} --pty --user 65534 -- id -u"), "65534"),
        (format!("{} 65534 id -u", gosu.display()), "65534"),
        (format!("{} nobody id -u", su_exec.display()), "65534"),
        (format!("{} -g -- id -u", catatonit.display()), "0"),
    ];
    for (line, expected) in cases {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -s 32; exec {line}"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{line}: {}", stderr(&output));
        assert_eq!(stdout(&output).trim(), expected, "{line}");
    }
}

/// Whether `argv` exits 0 `times` times in a row under a stack limit of
/// `kib` KiB, with `env` alone as its environment.
fn runs_with_stack(argv: &[String], env: &[(String, String)], kib: u64, times: usize) -> bool {
    use std::os::unix::process::CommandExt;
    (0..times).all(|_| {
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .env_clear()
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let limit = rustix::process::Rlimit {
            current: Some(kib * 1024),
            maximum: Some(kib * 1024),
        };
        // SAFETY: between fork and exec the closure makes one syscall and
        // touches no lock or allocator.
        unsafe {
            command.pre_exec(move || {
                rustix::process::setrlimit(rustix::process::Resource::Stack, limit)
                    .map_err(|errno| std::io::Error::from_raw_os_error(errno.raw_os_error()))
            });
        }
        command.status().is_ok_and(|status| status.success())
    })
}

/// With 1,000 environment variables (about 30 KB, which the kernel puts on
/// the same stack), every mode runs at 12 KiB above the smallest stack
/// limit at which a plain static program (busybox `true`) starts with that
/// environment (issue 18). The buffers that took 12 KiB for `--user` and
/// 16 KiB for `--root` are in static storage now; before, `--user`, gosu
/// and su-exec needed some 16 KiB more than busybox.
#[test]
fn with_a_large_environment_every_mode_needs_little_more_stack_than_busybox() {
    if !root_or_skip("with_a_large_environment_every_mode_needs_little_more_stack_than_busybox") {
        return;
    }
    const TIMES: usize = 10;
    const ABOVE_FLOOR_KIB: u64 = 12;
    let busybox = which("busybox").display().to_string();
    let mut env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
    env.extend((0..1000).map(|i| (format!("VAR{i:04}"), "x".repeat(22))));
    let true_ = [busybox.clone(), "true".to_string()];
    // The floor: the smallest limit at which busybox runs TIMES times.
    let (mut low, mut high) = (8, 512);
    assert!(runs_with_stack(&true_, &env, high, TIMES), "busybox true");
    while low < high {
        let middle = (low + high) / 2;
        if runs_with_stack(&true_, &env, middle, TIMES) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    let limit = low + ABOVE_FLOOR_KIB;
    let dir = common::scratch("large-env-stack");
    let root = dir.join("root");
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::copy(&busybox, root.join("bin/busybox")).unwrap();
    symlink("busybox", root.join("bin/true")).unwrap();
    let usher = usher().display().to_string();
    let gosu = usher_as("gosu").display().to_string();
    let su_exec = usher_as("su-exec").display().to_string();
    let true_line = format!("{busybox} true");
    let root = root.display().to_string();
    let cases: [&[&str]; 9] = [
        &[&usher, "--", &busybox, "true"],
        &[&usher, "--user", "65534", "--", &busybox, "true"],
        &[&usher, "--user", "nobody:nogroup", "--", &busybox, "true"],
        &[
            &usher, "--env", "A=1", "--unset", "HOME", "--", &busybox, "true",
        ],
        &[&usher, "--pre", &true_line, "--", &busybox, "true"],
        &[&usher, "--pty", "--user", "65534", "--", &busybox, "true"],
        &[&gosu, "65534", &busybox, "true"],
        &[&su_exec, "nobody", &busybox, "true"],
        &[&usher, "--root", &root, "--", "/bin/true"],
    ];
    for case in cases {
        let argv: Vec<String> = case.iter().map(|word| word.to_string()).collect();
        let line = argv.join(" ");
        assert!(
            runs_with_stack(&argv, &env, limit, TIMES),
            "{line} at {limit} KiB (busybox true starts at {low} KiB)"
        );
    }
}
