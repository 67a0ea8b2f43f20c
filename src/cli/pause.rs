//! The pause personality: `pause [-v]`, Kubernetes' pod infra process. It
//! takes no command and no options; an argument that is `-v` in any case
//! asks for the version, and every other argument is ignored, as pause
//! does. What it does then is `supervise::pause_mode`.

use super::{Action, Arguments, Text};
use crate::error::Stream;
use crate::plan::Plan;

pub fn parse<'a, A: Arguments<'a> + ?Sized>(args: &A, plan: &mut Plan<'a>) -> Action<'a> {
    if (1..args.count()).any(|index| args.arg(index).eq_ignore_ascii_case(b"-v")) {
        return Action::Print {
            text: Text::PauseVersion,
            stream: Stream::Stdout,
        };
    }
    plan.command = args.count();
    plan.pause = true;
    Action::Run
}

/// The version line.
pub const VERSION: &str = concat!("pause version: usher ", env!("CARGO_PKG_VERSION"), "\n");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::action_of;

    #[test]
    fn minus_v_in_any_case_and_place_prints_the_version() {
        for args in [
            &[&b"pause"[..], b"-v"][..],
            &[b"/pause", b"-V"],
            &[b"pause", b"x", b"-v", b"y"],
        ] {
            assert_eq!(
                action_of(args, &[]),
                Action::Print {
                    text: Text::PauseVersion,
                    stream: Stream::Stdout
                },
                "{args:?}"
            );
        }
    }

    #[test]
    fn anything_else_runs_no_command() {
        for args in [
            &[&b"pause"[..]][..],
            &[b"pause", b"sh", b"-c", b"exit 3"],
            &[b"pause", b"--version"],
        ] {
            let mut plan = Plan::new(crate::plan::Personality::Pause, 0);
            assert_eq!(parse(args, &mut plan), Action::Run, "{args:?}");
            assert_eq!(plan.command, args.len(), "no command: {args:?}");
        }
    }
}
