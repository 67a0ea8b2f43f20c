//! The gosu and su-exec personalities: `gosu USER-SPEC COMMAND [ARG]...` and
//! `su-exec USER-SPEC COMMAND [ARG]...`. No options: everything after the
//! spec is the command. gosu also answers `--help`/`-h`/`-?` and
//! `--version`/`-v` as its first argument; su-exec has no such words.

use super::{Action, Arguments, Text};
use crate::error::Stream;
use crate::plan::{Personality, Plan};
use crate::text::word_index;

pub fn parse<'a, A: Arguments<'a> + ?Sized>(args: &A, plan: &mut Plan<'a>) -> Action<'a> {
    let personality = plan.personality;
    // argv[0] is there: the personality was chosen by it. gosu names
    // itself by its basename, su-exec by argv[0] as it came.
    let name = match personality {
        Personality::Gosu => crate::text::basename(args.arg(0)),
        _ => args.arg(0),
    };
    let usage = Text::SwitchUsage { name, personality };
    if personality == Personality::Gosu && args.count() >= 2 {
        let text = match word_index(b"--help\0-h\0-?\0--version\0-v\0", args.arg(1)) {
            Some(0..=2) => Some(usage),
            Some(_) => Some(Text::GosuVersion),
            None => None,
        };
        if let Some(text) = text {
            return Action::Print {
                text,
                stream: Stream::Stdout,
            };
        }
    }
    if args.count() < 3 {
        return Action::Print {
            text: usage,
            stream: Stream::Stderr,
        };
    }
    plan.command = 2;
    plan.user = Some(args.arg(1));
    Action::Run
}

/// The usages; `\x01` is the name gosu or su-exec was invoked as.
pub const GOSU_USAGE: &str = "Usage: \x01 user-spec command [args]
   eg: \x01 app bash; \x01 nobody:root id; \x01 1000:1 id
(usher's gosu personality: gosu's rules, never setuid)
";
pub const SU_EXEC_USAGE: &str = "Usage: \x01 user-spec command [args]\n";

/// gosu's `--version` line: the gosu release whose rules usher follows.
pub const GOSU_VERSION: &str = concat!("1.17 (usher ", env!("CARGO_PKG_VERSION"), ")\n");

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(args: &'a [&'a [u8]], personality: Personality) -> Action<'a> {
        parse(args, &mut Plan::new(personality, 0))
    }

    fn plan<'a>(args: &'a [&'a [u8]], personality: Personality) -> Plan<'a> {
        let mut plan = Plan::new(personality, 0);
        assert_eq!(parse(args, &mut plan), Action::Run);
        plan
    }

    #[test]
    fn the_spec_comes_first_and_the_rest_is_the_command() {
        for personality in [Personality::Gosu, Personality::SuExec] {
            let parsed = plan(&[b"gosu", b"app:web", b"id", b"-u"], personality);
            assert_eq!(parsed.user, Some(&b"app:web"[..]));
            assert_eq!(parsed.command, 2);
            assert_eq!(parsed.personality, personality);
            assert!(parsed.execs_in_place());
            // Options are the command's, and an empty spec is a spec.
            let parsed = plan(&[b"x", b"", b"--help"], personality);
            assert_eq!(parsed.user, Some(&b""[..]));
        }
    }

    #[test]
    fn gosu_answers_help_and_version_words_su_exec_does_not() {
        let usage = |name, personality| Text::SwitchUsage { name, personality };
        for help in [&b"--help"[..], b"-h", b"-?"] {
            assert_eq!(
                run(&[b"gosu", help, b"id"], Personality::Gosu),
                Action::Print {
                    text: usage(b"gosu", Personality::Gosu),
                    stream: Stream::Stdout,
                }
            );
        }
        for version in [&b"--version"[..], b"-v"] {
            assert_eq!(
                run(&[b"gosu", version], Personality::Gosu),
                Action::Print {
                    text: Text::GosuVersion,
                    stream: Stream::Stdout,
                }
            );
        }
        for args in [&[&b"/bin/gosu"[..]][..], &[b"/bin/gosu", b"app"]] {
            assert_eq!(
                run(args, Personality::Gosu),
                Action::Print {
                    text: usage(b"gosu", Personality::Gosu),
                    stream: Stream::Stderr,
                }
            );
        }
        assert_eq!(
            run(&[b"./su-exec"], Personality::SuExec),
            Action::Print {
                text: usage(b"./su-exec", Personality::SuExec),
                stream: Stream::Stderr,
            }
        );
        // su-exec has no --help: it is a user spec, and a lone one is usage.
        assert_eq!(
            run(&[b"su-exec", b"-h"], Personality::SuExec),
            Action::Print {
                text: usage(b"su-exec", Personality::SuExec),
                stream: Stream::Stderr,
            }
        );
    }
}
