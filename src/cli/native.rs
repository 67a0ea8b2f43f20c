//! usher's own command line: `usher [OPTIONS] [--] COMMAND [ARG]...`, where
//! every option has an environment twin and argv wins over the twin. The
//! options, their names and the walk are `options`'s, shared with the tini
//! and dumb-init personalities.

use super::options::{apply_twins, parse_argv, Parsed, HELP as HELP_ID, NATIVE};
use super::{Action, Arguments, CliError, Text};
use crate::env::Environment;
use crate::error::Stream;
use crate::plan::{Lists, Plan};

pub fn parse<'a, A, E>(args: &A, env: &E, plan: &mut Plan<'a>, lists: &mut Lists<'a>) -> Action<'a>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    let given = match parse_argv(args, plan, lists, &NATIVE) {
        Ok(Parsed::Print(id)) => {
            return Action::Print {
                text: if id == HELP_ID {
                    Text::NativeHelp
                } else {
                    Text::NativeVersion
                },
                stream: Stream::Stdout,
            }
        }
        Ok(Parsed::Command(given)) => given,
        Err(error) => return fail(error),
    };
    match apply_twins(plan, lists, given, env) {
        Ok(()) => {
            plan.warnings = plan.verbosity >= 1;
            Action::Run
        }
        Err(error) => fail(error),
    }
}

fn fail(error: CliError<'_>) -> Action<'_> {
    Action::Fail { error, usage: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{action_of as run, edits_of, plan_of as plan};
    use crate::env::EnvEdit;
    use crate::plan::Subreaper;

    fn error<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Vec<u8> {
        match run(args, env) {
            Action::Fail { error, usage: None } => error.line().as_bytes().to_vec(),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn nothing_given_means_the_defaults() {
        let plan = plan(&[b"usher", b"true"], &[]);
        assert_eq!(plan.command, 1);
        assert_eq!(plan.subreaper, Subreaper::Auto);
        assert!(!plan.process_group && !plan.warn_reaped && !plan.warnings);
        assert_eq!(plan.pdeathsig, None);
        assert_eq!(plan.verbosity, 0);
        assert!(plan.remap_exit.is_empty());
    }

    #[test]
    fn every_option_reaches_the_plan() {
        let args: &[&[u8]] = &[
            b"usher",
            b"-s",
            b"-g",
            b"-p",
            b"TERM",
            b"-e",
            b"3",
            b"--remap-exit=143",
            b"-vvw",
            b"--",
            b"sh",
            b"-c",
            b"x",
        ];
        let plan = plan(args, &[]);
        assert_eq!(plan.command, 10);
        assert_eq!(plan.subreaper, Subreaper::On);
        assert!(plan.process_group && plan.warn_reaped);
        assert_eq!(plan.pdeathsig, Some(15));
        assert!(
            plan.remap_exit.contains(3)
                && plan.remap_exit.contains(143)
                && !plan.remap_exit.contains(0)
        );
        assert_eq!(plan.verbosity, 2);
    }

    #[test]
    fn user_options_set_the_spec_and_no_new_privs() {
        let parsed = plan(
            &[b"usher", b"-u", b"app:web", b"--no-new-privs", b"id"],
            &[],
        );
        assert_eq!(parsed.user, Some(&b"app:web"[..]));
        assert!(parsed.no_new_privs);
        assert_eq!(parsed.command, 4);
        let parsed = plan(&[b"usher", b"--user=", b"id"], &[]);
        assert_eq!(parsed.user, Some(&b""[..]));
        let parsed = plan(&[b"usher", b"-u1000:1000", b"id"], &[]);
        assert_eq!(parsed.user, Some(&b"1000:1000"[..]));
        let defaults = plan(&[b"usher", b"id"], &[]);
        assert_eq!(defaults.user, None);
        assert!(!defaults.no_new_privs);
        assert_eq!(
            error(&[b"usher", b"--user"], &[]),
            b"usher: option --user needs a value"
        );
        assert_eq!(
            error(&[b"usher", b"--no-new-privs=1", b"id"], &[]),
            b"usher: option --no-new-privs takes no value"
        );
    }

    #[test]
    fn an_empty_long_name_is_unknown() {
        assert_eq!(
            error(&[b"usher", b"--=x", b"true"], &[]),
            b"usher: unknown option --"
        );
    }

    #[test]
    fn user_twins_fill_in_for_argv() {
        let env: &[&[u8]] = &[b"USHER_USER=nobody", b"USHER_NO_NEW_PRIVS=true"];
        let twin = plan(&[b"usher", b"id"], env);
        assert_eq!(twin.user, Some(&b"nobody"[..]));
        assert!(twin.no_new_privs);
        let argv = plan(&[b"usher", b"--user", b"app", b"id"], env);
        assert_eq!(argv.user, Some(&b"app"[..]));
        let empty = plan(&[b"usher", b"id"], &[b"USHER_USER="]);
        assert_eq!(empty.user, None);
        assert_eq!(
            error(&[b"usher", b"id"], &[b"USHER_NO_NEW_PRIVS=please"]),
            b"usher: bad value in USHER_NO_NEW_PRIVS: 'please'"
        );
    }

    #[test]
    fn arguments_are_never_permuted() {
        let plan = plan(&[b"usher", b"sh", b"-c", b"-v"], &[]);
        assert_eq!(plan.command, 1);
        assert_eq!(plan.verbosity, 0);
    }

    #[test]
    fn help_and_version_win_even_with_a_command() {
        for (arg, text) in [
            (&b"-h"[..], Text::NativeHelp),
            (b"--help", Text::NativeHelp),
            (b"-V", Text::NativeVersion),
            (b"--version", Text::NativeVersion),
        ] {
            let args: &[&[u8]] = &[b"usher", arg, b"true"];
            assert_eq!(
                run(args, &[]),
                Action::Print {
                    text,
                    stream: Stream::Stdout,
                }
            );
        }
    }

    #[test]
    fn bad_input_names_the_option_and_the_value() {
        assert_eq!(error(&[b"usher"], &[]), b"usher: no command given");
        assert_eq!(error(&[b"usher", b"-v"], &[]), b"usher: no command given");
        assert_eq!(
            error(&[b"usher", b"--bogus", b"x"], &[]),
            b"usher: unknown option --bogus"
        );
        assert_eq!(
            error(&[b"usher", b"-x", b"x"], &[]),
            b"usher: unknown option -x"
        );
        // usher's own names are whole words: no getopt_long prefixes.
        assert_eq!(
            error(&[b"usher", b"--subreap", b"x"], &[]),
            b"usher: unknown option --subreap"
        );
        assert_eq!(
            error(&[b"usher", b"-p"], &[]),
            b"usher: option -p needs a value"
        );
        assert_eq!(
            error(&[b"usher", b"--pgroup=yes", b"x"], &[]),
            b"usher: option --pgroup takes no value"
        );
        assert!(error(&[b"usher", b"-p", b"0", b"x"], &[])
            .starts_with(b"usher: bad signal for -p: '0'"));
        assert!(error(&[b"usher", b"--pdeathsig=BOGUS", b"x"], &[])
            .starts_with(b"usher: bad signal for --pdeathsig: 'BOGUS'"));
        assert!(error(&[b"usher", b"-e", b"256", b"x"], &[])
            .starts_with(b"usher: bad exit code for -e: '256'"));
        assert!(error(&[b"usher", b"-e", b"-1", b"x"], &[])
            .starts_with(b"usher: bad exit code for -e: '-1'"));
    }

    #[test]
    fn twins_fill_what_argv_left() {
        let env: &[&[u8]] = &[
            b"USHER_SUBREAPER=0",
            b"USHER_PGROUP=yes",
            b"USHER_PDEATHSIG=RTMIN+2",
            b"USHER_REMAP_EXIT=143,130",
            b"USHER_VERBOSE=2",
            b"USHER_WARN_REAPED=on",
        ];
        let plan = plan(&[b"usher", b"x"], env);
        assert_eq!(plan.subreaper, Subreaper::Off);
        assert!(plan.process_group && plan.warn_reaped);
        assert_eq!(plan.pdeathsig, Some(36));
        assert!(
            plan.remap_exit.contains(143)
                && plan.remap_exit.contains(130)
                && !plan.remap_exit.contains(0)
        );
        assert_eq!(plan.verbosity, 2);
    }

    #[test]
    fn twins_are_read_like_getenv() {
        // The first entry of a name wins, even when a later one is bad.
        let env: &[&[u8]] = &[b"USHER_PGROUP=1", b"USHER_PGROUP=maybe"];
        assert!(plan(&[b"usher", b"x"], env).process_group);
        let env: &[&[u8]] = &[b"USHER_PGROUP=0", b"USHER_PGROUP=1"];
        assert!(!plan(&[b"usher", b"x"], env).process_group);
        // Entries without `=` are no variables, and names that only end like
        // a twin are not twins.
        let env: &[&[u8]] = &[b"USHER_PGROUP", b"XUSHER_PGROUP=1"];
        assert!(!plan(&[b"usher", b"x"], env).process_group);
        // A bad value names the variable as it was set.
        let env: &[&[u8]] = &[b"USHER_VERBOSE=lots"];
        assert_eq!(
            error(&[b"usher", b"x"], env),
            b"usher: bad value in USHER_VERBOSE: 'lots'"
        );
    }

    #[test]
    fn unknown_usher_variables_are_errors_that_name_the_closest_twin() {
        for (entry, message) in [
            (
                &b"USHER_USR=nobody"[..],
                &b"usher: unknown variable USHER_USR (did you mean USHER_USER?)"[..],
            ),
            (
                b"USHER_PGROUPX=1",
                b"usher: unknown variable USHER_PGROUPX (did you mean USHER_PGROUP?)",
            ),
            (
                b"USHER_WAITALL=1",
                b"usher: unknown variable USHER_WAITALL (did you mean USHER_WAIT_ALL?)",
            ),
            (
                b"USHER_NOSUBREAPER=1",
                b"usher: unknown variable USHER_NOSUBREAPER (did you mean USHER_NO_SUBREAPER?)",
            ),
            (
                b"USHER_FROBNICATE=1",
                b"usher: unknown variable USHER_FROBNICATE",
            ),
            (b"USHER_=1", b"usher: unknown variable USHER_"),
        ] {
            let env: &[&[u8]] = &[entry];
            assert_eq!(error(&[b"usher", b"x"], env), message);
        }
        // Even after a good twin, and whatever argv gives.
        let env: &[&[u8]] = &[b"USHER_PGROUP=1", b"USHER_GRCAE=3"];
        assert_eq!(
            error(&[b"usher", b"--grace", b"1", b"x"], env),
            b"usher: unknown variable USHER_GRCAE (did you mean USHER_GRACE?)"
        );
        // The personalities read no USHER_ variable, as their peers.
        for argv0 in [&b"tini"[..], b"dumb-init"] {
            let args: &[&[u8]] = &[argv0, b"x"];
            let env: &[&[u8]] = &[b"USHER_USR=1"];
            assert_eq!(run(args, env), Action::Run);
        }
    }

    #[test]
    fn argv_wins_and_lists_are_not_merged() {
        let env: &[&[u8]] = &[
            b"USHER_REMAP_EXIT=143",
            b"USHER_PDEATHSIG=HUP",
            b"USHER_VERBOSE=3",
            b"USHER_SUBREAPER=0",
        ];
        let plan = plan(
            &[b"usher", b"-e", b"1", b"-p", b"INT", b"-v", b"-s", b"x"],
            env,
        );
        assert!(plan.remap_exit.contains(1) && !plan.remap_exit.contains(143));
        assert_eq!(plan.pdeathsig, Some(2));
        assert_eq!(plan.verbosity, 1);
        assert_eq!(plan.subreaper, Subreaper::On);
    }

    #[test]
    fn bad_twins_are_bad_input() {
        let cases: &[(&[u8], &[u8])] = &[
            (
                b"USHER_REMAP_EXIT=256",
                b"usher: bad value in USHER_REMAP_EXIT: '256'",
            ),
            (
                b"USHER_REMAP_EXIT=1,,2",
                b"usher: bad value in USHER_REMAP_EXIT: '1,,2'",
            ),
            (b"USHER_PGROUP=2", b"usher: bad value in USHER_PGROUP: '2'"),
            (
                b"USHER_SUBREAPER=maybe",
                b"usher: bad value in USHER_SUBREAPER: 'maybe'",
            ),
            (
                b"USHER_PDEATHSIG=0",
                b"usher: bad value in USHER_PDEATHSIG: '0'",
            ),
            (
                b"USHER_VERBOSE=loud",
                b"usher: bad value in USHER_VERBOSE: 'loud'",
            ),
            (
                b"USHER_WARN_REAPED=x",
                b"usher: bad value in USHER_WARN_REAPED: 'x'",
            ),
        ];
        for (entry, message) in cases {
            let env: &[&[u8]] = &[entry];
            assert_eq!(error(&[b"usher", b"x"], env), *message);
        }
    }

    #[test]
    fn shutdown_and_session_options_and_twins_set_the_plan() {
        let plan_of =
            |args: &'static [&'static [u8]], env: &'static [&'static [u8]]| plan(args, env);
        let given = plan_of(
            &[
                b"usher",
                b"--setsid",
                b"--wait-all",
                b"--grace",
                b"500ms",
                b"-r",
                b"TERM:QUIT",
                b"x",
            ],
            &[],
        );
        assert!(given.setsid && given.wait_all);
        assert_eq!(given.rewrites.apply(15), Some(3));
        assert_eq!(given.grace_ms, 500);
        assert_eq!(given.command, 7);
        let defaults = plan_of(&[b"usher", b"x"], &[]);
        assert!(!defaults.setsid && !defaults.wait_all);
        assert_eq!(defaults.rewrites.apply(15), Some(15));
        assert_eq!(defaults.grace_ms, 0);
        let env: &'static [&'static [u8]] = &[
            b"USHER_SETSID=yes",
            b"USHER_WAIT_ALL=1",
            b"USHER_GRACE=3",
            b"USHER_REWRITE=INT:0,USR1:USR2",
        ];
        let twins = plan_of(&[b"usher", b"x"], env);
        assert!(twins.setsid && twins.wait_all);
        assert_eq!(twins.rewrites.apply(2), None);
        assert_eq!(twins.grace_ms, 3000);
        let argv_wins = plan_of(&[b"usher", b"--grace=10s", b"x"], env);
        assert_eq!(argv_wins.grace_ms, 10_000);
        // --no-subreaper has its twin too, and it is one setting with
        // --subreaper.
        let off = plan_of(&[b"usher", b"x"], &[b"USHER_NO_SUBREAPER=1"]);
        assert_eq!(off.subreaper, Subreaper::Off);
        let on = plan_of(&[b"usher", b"-s", b"x"], &[b"USHER_NO_SUBREAPER=1"]);
        assert_eq!(on.subreaper, Subreaper::On);
        // Printing options have no twin: their names are unknown variables.
        for entry in [&b"USHER_HELP=1"[..], b"USHER_VERSION=1"] {
            let env: &[&[u8]] = &[entry];
            assert!(error(&[b"usher", b"x"], env).starts_with(b"usher: unknown variable USHER_"));
        }
    }

    #[test]
    fn the_pty_option_and_its_twin() {
        assert!(plan(&[b"usher", b"-t", b"x"], &[]).pty);
        assert!(plan(&[b"usher", b"--pty", b"x"], &[]).pty);
        // Grouped with another flag, as any short option.
        let grouped = plan(&[b"usher", b"-gt", b"x"], &[]);
        assert!(grouped.pty && grouped.process_group);
        assert!(!plan(&[b"usher", b"x"], &[]).pty);
        assert!(plan(&[b"usher", b"x"], &[b"USHER_PTY=on"]).pty);
        assert!(!plan(&[b"usher", b"x"], &[b"USHER_PTY=0"]).pty);
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_PTY=maybe"]),
            b"usher: bad value in USHER_PTY: 'maybe'"
        );
        assert!(error(&[b"usher", b"--pty=1", b"x"], &[])
            .starts_with(b"usher: option --pty takes no value"));
        // Not an option of the other personalities.
        assert!(!plan(&[b"usher", b"--", b"-t"], &[]).pty);
    }

    #[test]
    fn bad_shutdown_and_rewrite_values() {
        assert!(error(&[b"usher", b"--grace", b"1h", b"x"], &[])
            .starts_with(b"usher: bad duration for --grace: '1h'"));
        assert!(error(&[b"usher", b"-r", b"TERM:", b"x"], &[])
            .starts_with(b"usher: bad signal for -r: 'TERM:' (FROM:TO"));
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_REWRITE=TERM:QUIT,,"]),
            b"usher: bad value in USHER_REWRITE: 'TERM:QUIT,,'"
        );
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_GRACE=-1"]),
            b"usher: bad value in USHER_GRACE: '-1'"
        );
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_WAIT_ALL=2"]),
            b"usher: bad value in USHER_WAIT_ALL: '2'"
        );
        assert_eq!(
            error(&[b"usher", b"--setsid=1", b"x"], &[]),
            b"usher: option --setsid takes no value"
        );
    }

    #[test]
    fn environment_options_are_checked_and_walked_in_order() {
        let args: &[&[u8]] = &[
            b"usher",
            b"--env",
            b"A=1",
            b"--unset=B",
            b"--clear-env",
            b"--arg-env",
            b"N=d",
            b"--opt-env",
            b"--port=PORT",
            b"--require-env",
            b"R",
            b"--pre",
            b"migrate --fast",
            b"-C",
            b"/srv",
            b"--venv",
            b"/v",
            b"cmd",
        ];
        let env: &[&[u8]] = &[b"USHER_ENV=X=1,Y=2", b"USHER_UNSET=Z", b"USHER_CLEAR_ENV=0"];
        let parsed = plan(args, env);
        assert!(parsed.edits_env);
        assert_eq!(parsed.command, 17);
        let seen = edits_of(args, env);
        let expected: Vec<(EnvEdit, Vec<u8>)> = [
            (EnvEdit::Env, &b"A=1"[..]),
            (EnvEdit::Unset, b"B"),
            (EnvEdit::ClearEnv, b""),
            (EnvEdit::ArgEnv, b"N=d"),
            (EnvEdit::OptEnv, b"--port=PORT"),
            (EnvEdit::RequireEnv, b"R"),
            (EnvEdit::Pre, b"migrate --fast"),
            (EnvEdit::Workdir, b"/srv"),
            (EnvEdit::Venv, b"/v"),
        ]
        .iter()
        .map(|&(edit, value)| (edit, value.to_vec()))
        .collect();
        // argv gave --env and --unset, so their twins are ignored.
        assert_eq!(seen, expected);
        // From twins alone: lists split at commas; a false boolean is no edit.
        let seen = edits_of(&[&b"usher"[..], b"cmd"][..], env);
        assert_eq!(
            seen,
            [
                (EnvEdit::Env, b"X=1".to_vec()),
                (EnvEdit::Env, b"Y=2".to_vec()),
                (EnvEdit::Unset, b"Z".to_vec())
            ]
        );
        // Any USHER_ variable means the child's environment is edited.
        assert!(plan(&[b"usher", b"x"], &[b"USHER_PGROUP=0"]).edits_env);
        assert!(!plan(&[b"usher", b"x"], &[b"A=1"]).edits_env);
    }

    #[test]
    fn bad_environment_options_name_the_form_they_need() {
        for (args, message) in [
            (
                &[&b"usher"[..], b"--env", b"A", b"x"][..],
                &b"usher: bad value for --env: 'A' (NAME=VALUE)"[..],
            ),
            (
                &[b"usher", b"--env", b"=1", b"x"],
                b"usher: bad value for --env: '=1' (NAME=VALUE)",
            ),
            (
                &[b"usher", b"--unset", b"A=1", b"x"],
                b"usher: bad value for --unset: 'A=1' (a variable name)",
            ),
            (
                &[b"usher", b"--opt-env", b"--port", b"x"],
                b"usher: bad value for --opt-env: '--port' (OPT=NAME or OPT=NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--opt-env", b"--port==1", b"x"],
                b"usher: bad value for --opt-env: '--port==1' (OPT=NAME or OPT=NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--arg-env", b"=d", b"x"],
                b"usher: bad value for --arg-env: '=d' (NAME or NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--pre", b" ", b"x"],
                b"usher: bad value for --pre: ' ' (a command and its arguments)",
            ),
            (
                &[b"usher", b"-C", b"", b"x"],
                b"usher: bad value for -C: '' (a directory)",
            ),
        ] {
            assert_eq!(error(args, &[]), message);
        }
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_ENV=A=1,B"]),
            b"usher: bad value in USHER_ENV: 'A=1,B'"
        );
    }

    #[test]
    fn too_many_environment_options_is_an_error_that_names_the_limit() {
        let limit = crate::env::EDIT_CAPACITY;
        let mut args: Vec<&[u8]> = vec![b"usher"];
        for _ in 0..limit {
            args.extend([&b"--unset"[..], b"A"]);
        }
        args.push(b"x");
        assert_eq!(edits_of(&args, &[]).len(), limit);
        args.insert(1, b"--clear-env");
        assert_eq!(
            error(&args, &[]),
            format!("usher: too many environment options (limit {limit})").as_bytes()
        );
        // Twin items count one by one, after argv's.
        let items = vec!["B"; limit].join(",");
        let twin = format!("USHER_UNSET={items}");
        assert_eq!(edits_of(&[b"usher", b"x"], &[twin.as_bytes()]).len(), limit);
        let env: &[&[u8]] = &[twin.as_bytes()];
        assert_eq!(
            error(&[b"usher", b"--clear-env", b"x"], env),
            format!("usher: too many environment options (limit {limit})").as_bytes()
        );
    }

    #[test]
    fn sandbox_options_and_their_twins_fill_the_plan_and_the_mounts() {
        use crate::plan::{MountOpt, Namespaces};
        let args: &[&[u8]] = &[
            b"usher",
            b"--root",
            b"/r",
            b"-B",
            b"/a:/b",
            b"--ro=/c",
            b"--tmpfs",
            b"/t",
            b"-R",
            b"/d",
            b"--share",
            b"net,pid",
            b"--unshare",
            b"cgroup",
            b"--hostname",
            b"box",
            b"--no-mounts",
            b"--ro-root",
            b"--skip-chdir",
            b"x",
        ];
        let (action, plan, lists) = crate::cli::parse_plan(args, &[]);
        assert_eq!(action, Action::Run);
        let sandbox = plan.sandbox;
        assert_eq!(sandbox.root, Some(&b"/r"[..]));
        assert_eq!(sandbox.hostname, Some(&b"box"[..]));
        assert!(sandbox.no_mounts && sandbox.ro_root && sandbox.skip_chdir);
        assert_eq!(sandbox.share, Namespaces(Namespaces::NET | Namespaces::PID));
        assert_eq!(sandbox.unshare, Namespaces(Namespaces::CGROUP));
        let mounts: Vec<(MountOpt, &[u8])> = lists.mounts.iter().copied().collect();
        assert_eq!(
            mounts,
            [
                (MountOpt::Bind, &b"/a:/b"[..]),
                (MountOpt::ReadOnly, b"/c"),
                (MountOpt::Tmpfs, b"/t"),
                (MountOpt::RBind, b"/d")
            ]
        );
        // The twins: `\,` is a comma inside a path, not a separator.
        let env: &[&[u8]] = &[
            b"USHER_ROOT=/r",
            b"USHER_BIND=/x\\,y:/z,/w",
            b"USHER_NO_MOUNTS=1",
        ];
        let (action, plan, lists) = crate::cli::parse_plan(&[b"usher", b"x"], env);
        assert_eq!(action, Action::Run);
        assert!(plan.sandbox.no_mounts);
        let mounts: Vec<&[u8]> = lists.mounts.iter().map(|&(_, spec)| spec).collect();
        assert_eq!(mounts, [&b"/x\\,y:/z"[..], b"/w"]);
        for (args, message) in [
            (&[&b"usher"[..], b"--share", b"mount", b"x"][..], &b"usher: bad value for --share: 'mount' (of net,ipc,uts,pid,user)"[..]),
            (&[b"usher", b"--unshare", b"bogus", b"x"], b"usher: bad value for --unshare: 'bogus' (of net,user,cgroup,time,pid,mount,uts,ipc)"),
            (&[b"usher", b"--hostname", b"", b"x"], b"usher: bad value for --hostname: '' (a name of 1 to 64 bytes)"),
            (&[b"usher", b"-B", b"", b"x"], b"usher: bad value for -B: '' (SRC or SRC:DEST)"),
        ] {
            assert_eq!(error(args, &[]), message);
        }
    }

    #[test]
    fn layers_are_mounts_in_order_and_upper_is_one_directory() {
        use crate::plan::MountOpt;
        let args: &[&[u8]] = &[
            b"usher",
            b"--root",
            b"/r",
            b"--layer",
            b"/l1",
            b"-B",
            b"/b",
            b"--layer=/l2",
            b"--upper",
            b"/u",
            b"x",
        ];
        let (action, plan, lists) = crate::cli::parse_plan(args, &[]);
        assert_eq!(action, Action::Run);
        assert_eq!(plan.sandbox.upper, Some(&b"/u"[..]));
        let mounts: Vec<(MountOpt, &[u8])> = lists.mounts.iter().copied().collect();
        assert_eq!(
            mounts,
            [
                (MountOpt::Layer, &b"/l1"[..]),
                (MountOpt::Bind, b"/b"),
                (MountOpt::Layer, b"/l2")
            ]
        );
        let env: &[&[u8]] = &[b"USHER_LAYER=/a\\,b,/c", b"USHER_UPPER=/u,v"];
        let (action, plan, lists) = crate::cli::parse_plan(&[b"usher", b"x"], env);
        assert_eq!(action, Action::Run);
        assert_eq!(plan.sandbox.upper, Some(&b"/u,v"[..]));
        let layers: Vec<&[u8]> = lists.mounts.iter().map(|&(_, spec)| spec).collect();
        assert_eq!(layers, [&b"/a\\,b"[..], b"/c"]);
        assert_eq!(
            error(&[b"usher", b"--layer", b"", b"x"], &[]),
            b"usher: bad value for --layer: '' (a directory)"
        );
    }

    #[test]
    fn empty_twins_are_off() {
        let env: &[&[u8]] = &[b"USHER_PGROUP=", b"USHER_REMAP_EXIT=", b"USHER_VERBOSE="];
        let plan = plan(&[b"usher", b"x"], env);
        assert!(!plan.process_group && plan.remap_exit.is_empty());
        assert_eq!(plan.verbosity, 0);
    }
}
