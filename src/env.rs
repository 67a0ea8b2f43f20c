//! The environment as usher reads it: looking up a variable in `envp` (or a
//! slice in tests), the boolean and number forms of the option twins, and the
//! PATH search order. No copy of the environment is ever made.

use crate::cstr::{self, CStrArray, CStrList};
use crate::error::{say, Part};
use crate::text::{word_at, word_index};

/// Most entries an environment usher edits may have (the child's, with its
/// HOME set). More is an error that names the limit.
pub const ENV_CAPACITY: usize = 4096;

/// The PATH used for the search when PATH is unset (it is not added to the
/// child's environment).
pub const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Anything that can answer `getenv`.
pub trait Environment<'a> {
    fn var(&self, name: &[u8]) -> Option<&'a [u8]>;

    /// The first entry at `start` or after it that starts with `prefix`:
    /// its index and its bytes. One pass over the environment for a family
    /// of variables (usher's twins), however many the family has.
    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &'a [u8])>;
}

/// Splits `NAME=value`; an entry without `=` has no value.
fn value_of<'a>(entry: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = entry.strip_prefix(name)?;
    rest.strip_prefix(&b"="[..])
}

impl<'a> Environment<'a> for CStrArray<'a> {
    fn var(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.value_of(name)
    }

    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &'a [u8])> {
        self.next_with_prefix(prefix, start)
    }
}

impl<'a> Environment<'a> for [&'a [u8]] {
    fn var(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.iter().find_map(|entry| value_of(entry, name))
    }

    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &'a [u8])> {
        (start..self.len()).find_map(|index| {
            let entry = self[index];
            entry.starts_with(prefix).then_some((index, entry))
        })
    }
}

/// The directories of a PATH value, in order. An empty entry means the
/// current directory, as POSIX and musl's execvp have it.
pub fn path_dirs(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&byte| byte == b':')
}

/// One environment option, in the order the planner applies them (see
/// [`plan_environment`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EnvEdit {
    ClearEnv,
    Env,
    Unset,
    ArgEnv,
    OptEnv,
    /// An argument as it is (pychroot's default command's `-i`).
    Arg,
    RequireEnv,
    Pre,
    Workdir,
    Venv,
}

/// Most environment options one run may give (argv and twins together).
pub const EDIT_CAPACITY: usize = 256;
/// Most arguments the command may get, its own and those built from
/// variables together.
pub const ARG_CAPACITY: usize = 4096;
/// Most words a `--pre` command may have (its list is built on the stack).
pub const PRE_WORD_CAPACITY: usize = 256;
/// Most bytes of the strings the planner builds (variables set, arguments
/// and options built, `--pre` words, with their NULs).
pub const BUILT_CAPACITY: usize = 16384;

/// The child's environment as `execve` takes it: room for ENV_CAPACITY
/// strings and the NULL (in `PlanStorage::env`).
pub type EnvList<'a> = CStrList<'a>;
/// The child's argv as `execve` takes it (in `PlanStorage::args`).
pub type ArgList<'a> = CStrList<'a>;

/// Where the planner builds: the child's two pointer arrays and its built
/// strings. Big, so it is static storage (in `plan::Lists`) that costs
/// nothing until a run plans, and never takes a stack: a 32 KiB stack runs
/// every option (tests/user.rs, tests/sandbox.rs).
pub struct PlanStorage {
    pub env: cstr::CStrStorage<{ ENV_CAPACITY + 1 }>,
    pub args: cstr::CStrStorage<{ ARG_CAPACITY + 1 }>,
    pub bytes: [core::mem::MaybeUninit<u8>; BUILT_CAPACITY],
}

impl PlanStorage {
    pub const fn new() -> Self {
        PlanStorage {
            env: cstr::storage(),
            args: cstr::storage(),
            bytes: [core::mem::MaybeUninit::uninit(); BUILT_CAPACITY],
        }
    }
}

impl Default for PlanStorage {
    fn default() -> Self {
        Self::new()
    }
}
static_assertions::const_assert!(ENV_CAPACITY >= EDIT_CAPACITY + 2);
static_assertions::const_assert!(ARG_CAPACITY >= 2 * EDIT_CAPACITY);
// A capacity's message holds it as a u16.
static_assertions::const_assert!(BUILT_CAPACITY <= u16::MAX as usize);

/// The environment options as given, in order.
pub type Edits<'a> = heapless::Vec<(EnvEdit, &'a [u8]), EDIT_CAPACITY>;

/// Why the planned environment cannot be made: what went wrong, and the
/// variable a `--require-env` named. The message finds the capacity by the
/// problem, so that the error stays small on its way back through every `?`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PlanError<'a> {
    pub problem: Problem,
    pub name: &'a [u8],
}

/// What went wrong while planning: one byte, so that it travels back
/// through every `?` in a register; it becomes a `PlanError` once, at the
/// end. The capacities come first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Problem {
    TooManyVariables,
    TooManyArguments,
    TooManyBytes,
    TooManyPreWords,
    /// A `--require-env` variable is unset.
    Unset,
    /// A `--require-env` variable is empty.
    Empty,
}

/// The two messages: a capacity, and a required variable.
const PLAN_TEMPLATES: &[u8] =
    b"too many \x03 (limit \x02)\0required environment variable \x01 is \x03";
/// What each problem is, in `Problem`'s order.
const PROBLEMS: &[u8] =
    b"environment variables\0arguments\0bytes in built variables and arguments\0\
words in a --pre command\0not set\0empty";

impl PlanError<'_> {
    /// `usher: too many ... (limit N)` or `usher: required environment
    /// variable NAME is not set` / `is empty`, on stderr.
    pub fn report(&self) {
        // The capacities, in `Problem`'s order.
        const LIMITS: [u16; 4] = [
            ENV_CAPACITY as u16,
            ARG_CAPACITY as u16,
            BUILT_CAPACITY as u16,
            PRE_WORD_CAPACITY as u16,
        ];
        let problem = self.problem as u8;
        say(
            word_at(PLAN_TEMPLATES, usize::from(problem >= Problem::Unset as u8)),
            &[
                Part::Bytes(self.name),
                Part::Number(i64::from(LIMITS[usize::from(problem.min(3))])),
                Part::Text(word_at(PROBLEMS, usize::from(problem))),
            ],
        );
    }
}

impl From<Problem> for PlanError<'_> {
    fn from(problem: Problem) -> Self {
        PlanError { problem, name: b"" }
    }
}

/// Where the planner builds its strings (see [`cstr::Arena`]); a full one is
/// the capacity error.
pub struct Arena<'a>(cstr::Arena<'a>);

impl<'a> Arena<'a> {
    pub fn new(buffer: &'a mut [core::mem::MaybeUninit<u8>]) -> Self {
        Arena(cstr::Arena::new(buffer))
    }

    /// The parts joined, with a final NUL (included in the slice).
    pub fn join(&mut self, parts: &[&[u8]]) -> Result<&'a [u8], Problem> {
        self.0.join(parts).ok_or(Problem::TooManyBytes)
    }
}

/// `NAME` of `NAME=value` (all of it without `=`).
fn name_of(entry: &[u8]) -> &[u8] {
    let end = entry
        .iter()
        .position(|&byte| byte == b'=')
        .unwrap_or(entry.len());
    &entry[..end]
}

/// The value of `name` in a NULL-terminated list, with its NUL (first
/// entry wins, as with getenv).
fn lookup<'a>(list: &EnvList<'a>, name: &[u8]) -> Option<&'a [u8]> {
    (0..list.len()).find_map(|index| {
        let entry = list.get(index)?.to_bytes_with_nul();
        entry
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(&b"="[..]))
    })
}

/// The planned child: its environment, its argv, and its working directory.
pub struct Planned<'a> {
    pub env: EnvList<'a>,
    pub args: ArgList<'a>,
    /// `--workdir`, with its NUL.
    pub workdir: Option<&'a [u8]>,
    /// `--venv`'s directory, as given (its `bin` is checked before anything
    /// runs).
    pub venv: Option<&'a [u8]>,
}

impl<'a> Planned<'a> {
    /// An empty plan whose lists are built in `env` and `args`.
    pub fn new(
        env: &'a mut cstr::CStrStorage<{ ENV_CAPACITY + 1 }>,
        args: &'a mut cstr::CStrStorage<{ ARG_CAPACITY + 1 }>,
    ) -> Self {
        Planned {
            env: CStrList::new(env),
            args: CStrList::new(args),
            workdir: None,
            venv: None,
        }
    }
}

/// The child's (argv', envp') from its argv (`command`, the command first),
/// usher's environment, HOME from `--user` (`HOME=...` with its NUL) and the
/// environment options. A pure function, applied in this order:
/// 1. usher's environment without its `USHER_` variables (unless
///    `keep_usher`: gosu keeps everything), or nothing with `--clear-env`;
/// 2. HOME from `--user`;
/// 3. `--unset`;
/// 4. `--env` (the last one of a name wins);
/// 5. `--venv`: VIRTUAL_ENV, `DIR/bin` before PATH, no PYTHONHOME;
/// 6. `--arg-env` and `--opt-env`, read from that environment, appended in
///    the order given;
///
/// then each `--require-env` is checked in the result. A variable that a
/// later step sets moves to the end of the environment.
pub fn plan_environment<'a>(
    command: CStrArray<'a>,
    envp: CStrArray<'a>,
    keep_usher: bool,
    home: Option<&'a [u8]>,
    edits: &[(EnvEdit, &'a [u8])],
    arena: &mut Arena<'a>,
    out: &mut Planned<'a>,
) -> Result<(), PlanError<'a>> {
    build(command, envp, keep_usher, home, edits, arena, out)?;
    for &(kind, name) in edits {
        if kind == EnvEdit::RequireEnv {
            let problem = match lookup(&out.env, name) {
                None => Problem::Unset,
                Some(b"\0") => Problem::Empty,
                Some(_) => continue,
            };
            return Err(PlanError { problem, name });
        }
    }
    Ok(())
}

/// Steps 1 to 6 of `plan_environment`, and the workdir.
fn build<'a>(
    command: CStrArray<'a>,
    envp: CStrArray<'a>,
    keep_usher: bool,
    home: Option<&'a [u8]>,
    edits: &[(EnvEdit, &'a [u8])],
    arena: &mut Arena<'a>,
    out: &mut Planned<'a>,
) -> Result<(), Problem> {
    const FULL: Problem = Problem::TooManyVariables;
    const ARGS_FULL: Problem = Problem::TooManyArguments;
    let venv = last_of(edits, EnvEdit::Venv);
    let cleared = last_of(edits, EnvEdit::ClearEnv).is_some();
    // Names a later step sets or removes: left out of the earlier ones.
    let replaced = |name: &[u8]| {
        names(edits, EnvEdit::Unset, name)
            || names(edits, EnvEdit::Env, name)
            || replaced_by_venv(venv, name)
    };
    // 1 and 2, with 3, 4 and 5's names left out. HOME takes the place of
    // the first HOME (later ones are dropped), or goes at the end.
    let mut home = home.filter(|_| !replaced(b"HOME"));
    let home_given = home.is_some();
    for index in 0..if cleared { 0 } else { envp.len() } {
        let Some(entry) = envp.get(index) else {
            continue;
        };
        let bytes = entry.to_bytes();
        let pushed = if home_given && bytes.starts_with(b"HOME=") {
            match home.take() {
                Some(home) => out.env.push_with_nul(home),
                None => true,
            }
        } else if (bytes.starts_with(b"USHER_") && !keep_usher)
            || (!edits.is_empty() && replaced(name_of(bytes)))
        {
            true
        } else {
            out.env.push(entry)
        };
        if !pushed {
            return Err(FULL);
        }
    }
    if let Some(home) = home {
        if !out.env.push_with_nul(home) {
            return Err(FULL);
        }
    }
    // 4: the last --env of a name wins. PATH as it stands, for --venv.
    let mut path = if cleared || names(edits, EnvEdit::Unset, b"PATH") {
        None
    } else {
        envp.var(b"PATH")
    };
    for (index, &(kind, entry)) in edits.iter().enumerate() {
        let name = name_of(entry);
        if kind != EnvEdit::Env || names(&edits[index + 1..], EnvEdit::Env, name) {
            continue;
        }
        if name == b"PATH" {
            path = Some(&entry[5..]);
        }
        if !replaced_by_venv(venv, name) && !out.env.push_with_nul(arena.join(&[entry])?) {
            return Err(FULL);
        }
    }
    // 5.
    if let Some(dir) = venv {
        let path: &[&[u8]] = match path {
            Some(old) if !old.is_empty() => &[b"PATH=", dir, b"/bin:", old],
            _ => &[b"PATH=", dir, b"/bin"],
        };
        let path = arena.join(path)?;
        if !out.env.push_with_nul(arena.join(&[b"VIRTUAL_ENV=", dir])?)
            || !out.env.push_with_nul(path)
        {
            return Err(FULL);
        }
    }
    // 6.
    for index in 0..command.len() {
        if !command.get(index).is_some_and(|arg| out.args.push(arg)) {
            return Err(ARGS_FULL);
        }
    }
    for &(kind, text) in edits {
        // --opt-env's OPT, then NAME[=DEFAULT].
        let option_end = if kind == EnvEdit::OptEnv {
            name_of(text).len() + 1
        } else if kind == EnvEdit::ArgEnv {
            0
        } else if kind == EnvEdit::Arg {
            if !out.args.push_with_nul(arena.join(&[text])?) {
                return Err(ARGS_FULL);
            }
            continue;
        } else {
            continue;
        };
        let spec = &text[option_end..];
        let name = name_of(spec);
        let value = match lookup(&out.env, name) {
            Some(value) => value,
            None if name.len() < spec.len() => arena.join(&[&spec[name.len() + 1..]])?,
            None => continue,
        };
        if option_end > 0
            && !out
                .args
                .push_with_nul(arena.join(&[&text[..option_end - 1]])?)
        {
            return Err(ARGS_FULL);
        }
        if !out.args.push_with_nul(value) {
            return Err(ARGS_FULL);
        }
    }
    if let Some(dir) = last_of(edits, EnvEdit::Workdir) {
        out.workdir = Some(arena.join(&[dir])?);
    }
    if let Some(dir) = venv {
        out.venv = Some(dir);
    }
    Ok(())
}

/// Whether `--venv` sets or removes `name` itself.
fn replaced_by_venv(venv: Option<&[u8]>, name: &[u8]) -> bool {
    // A word table, not a `match` on byte strings (see `word_index`).
    venv.is_some() && word_index(b"VIRTUAL_ENV\0PATH\0PYTHONHOME\0", name).is_some()
}

/// Whether an edit of `kind` names `name` (`NAME` or `NAME=...`).
fn names(edits: &[(EnvEdit, &[u8])], kind: EnvEdit, name: &[u8]) -> bool {
    edits
        .iter()
        .any(|&(edit, text)| edit == kind && name_of(text) == name)
}

/// The value of the last edit of `kind`.
fn last_of<'a>(edits: &[(EnvEdit, &'a [u8])], kind: EnvEdit) -> Option<&'a [u8]> {
    edits
        .iter()
        .rev()
        .find(|edit| edit.0 == kind)
        .map(|edit| edit.1)
}

/// A `--pre` command's words (split on ASCII white space; no quotes), each
/// copied with a NUL, into `out`, which holds `PRE_WORD_CAPACITY` of them.
pub fn pre_words<'a: 'l, 'l>(
    text: &[u8],
    arena: &mut Arena<'a>,
    out: &mut CStrList<'l>,
) -> Result<(), PlanError<'static>> {
    for word in text
        .split(|byte| byte.is_ascii_whitespace())
        .filter(|word| !word.is_empty())
    {
        if !out.push_with_nul(arena.join(&[word])?) {
            return Err(PlanError {
                problem: Problem::TooManyPreWords,
                name: b"",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_matches_whole_names_only() {
        let env: &[&[u8]] = &[
            b"PATHX=1",
            b"PATH=/bin",
            b"EMPTY=",
            b"NOVALUE",
            b"PATH=/second",
        ];
        assert_eq!(env.var(b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(env.var(b"EMPTY"), Some(&b""[..]));
        assert_eq!(env.var(b"NOVALUE"), None);
        assert_eq!(env.var(b"PAT"), None);
        assert_eq!(env.var(b"MISSING"), None);
    }

    /// The environment a switched user's command gets (HOME only).
    fn edited(entries: &[&core::ffi::CStr]) -> Vec<Vec<u8>> {
        let home: &[u8] = b"HOME=/home/app\0";
        planned(&[c"cmd"], entries, Some(home), &[])
            .unwrap()
            .0
            .into_iter()
            .map(|entry| entry.into_bytes())
            .collect()
    }

    #[test]
    fn home_is_replaced_in_place_or_added() {
        assert_eq!(
            edited(&[c"A=1", c"HOME=/root", c"HOMEX=1"]),
            vec![
                b"A=1".to_vec(),
                b"HOME=/home/app".to_vec(),
                b"HOMEX=1".to_vec()
            ]
        );
        assert_eq!(
            edited(&[c"HOME=/a", c"B=1", c"HOME=/b"]),
            vec![b"HOME=/home/app".to_vec(), b"B=1".to_vec()]
        );
        assert_eq!(
            edited(&[c"A="]),
            vec![b"A=".to_vec(), b"HOME=/home/app".to_vec()]
        );
        assert_eq!(
            edited(&[c"A", c"B", c"HOME="]),
            vec![b"A".to_vec(), b"B".to_vec(), b"HOME=/home/app".to_vec()]
        );
    }

    #[test]
    fn path_entries_keep_empty_ones() {
        let dirs: Vec<&[u8]> = path_dirs(b"/a::/b:").collect();
        assert_eq!(dirs, vec![&b"/a"[..], b"", b"/b", b""]);
    }

    /// (env, args, workdir) as text.
    type PlannedText = (Vec<String>, Vec<String>, Option<String>);

    /// Runs the planner over C strings; returns (env, args, workdir) as text.
    fn planned(
        command: &[&core::ffi::CStr],
        envp: &[&core::ffi::CStr],
        home: Option<&[u8]>,
        edits: &[(EnvEdit, &[u8])],
    ) -> Result<PlannedText, String> {
        let mut command_storage = vec![core::mem::MaybeUninit::uninit(); ARG_CAPACITY + 1];
        let mut command_list = CStrList::new(&mut command_storage);
        for &arg in command {
            assert!(command_list.push(arg), "too many arguments for a test");
        }
        let mut envp_storage = vec![core::mem::MaybeUninit::uninit(); ENV_CAPACITY + 2];
        let mut envp_list = CStrList::new(&mut envp_storage);
        for &entry in envp {
            assert!(envp_list.push(entry), "too many variables for a test");
        }
        let (command, envp) = (command_list.as_array(), envp_list.as_array());
        let mut storage = Box::new(PlanStorage::new());
        let storage = &mut *storage;
        let mut arena = Arena::new(&mut storage.bytes);
        let mut out = Planned::new(&mut storage.env, &mut storage.args);
        if let Err(error) =
            plan_environment(command, envp, false, home, edits, &mut arena, &mut out)
        {
            return Err(format!("{error:?}"));
        }
        let text = |array: CStrArray| -> Vec<String> {
            (0..array.len())
                .map(|index| {
                    String::from_utf8_lossy(array.get(index).unwrap().to_bytes()).into_owned()
                })
                .collect()
        };
        let workdir = out
            .workdir
            .map(|dir| String::from_utf8_lossy(&dir[..dir.len() - 1]).into_owned());
        Ok((text(out.env.as_array()), text(out.args.as_array()), workdir))
    }

    use EnvEdit::*;

    #[test]
    fn the_plan_keeps_everything_when_nothing_is_asked() {
        let (env, args, workdir) =
            planned(&[c"cmd", c"a b"], &[c"A=1", c"B=", c"C"], None, &[]).unwrap();
        assert_eq!(env, ["A=1", "B=", "C"]);
        assert_eq!(args, ["cmd", "a b"]);
        assert_eq!(workdir, None);
    }

    #[test]
    fn usher_variables_are_not_passed_on() {
        let (env, _, _) = planned(
            &[c"cmd"],
            &[c"USHER_GRACE=3", c"A=1", c"USHER_X=1", c"XUSHER_Y=1"],
            None,
            &[],
        )
        .unwrap();
        assert_eq!(env, ["A=1", "XUSHER_Y=1"]);
    }

    #[test]
    fn steps_apply_in_order() {
        let home: &[u8] = b"HOME=/home/app\0";
        // --env HOME overrides --user's HOME; --unset comes before --env.
        let (env, _, _) = planned(
            &[c"cmd"],
            &[c"HOME=/root", c"A=1", c"B=2", c"C=3"],
            Some(home),
            &[
                (Env, b"HOME=/x"),
                (Env, b"A=9"),
                (Unset, b"A"),
                (Unset, b"B"),
                (Env, b"D=4"),
            ],
        )
        .unwrap();
        assert_eq!(env, ["C=3", "HOME=/x", "A=9", "D=4"]);
        // --clear-env --user still gives HOME; the last --env of a name wins.
        let (env, _, _) = planned(
            &[c"cmd"],
            &[c"HOME=/root", c"A=1"],
            Some(home),
            &[(Env, b"E=1"), (ClearEnv, b""), (Env, b"E=2")],
        )
        .unwrap();
        assert_eq!(env, ["HOME=/home/app", "E=2"]);
        // --unset HOME removes --user's HOME too.
        let (env, _, _) = planned(&[c"cmd"], &[], Some(home), &[(Unset, b"HOME")]).unwrap();
        assert!(env.is_empty());
    }

    #[test]
    fn venv_sets_its_variables_after_env() {
        let edits: &[(EnvEdit, &[u8])] = &[(Venv, b"/v"), (Env, b"PYTHONHOME=/p")];
        let (env, _, _) = planned(
            &[c"python"],
            &[
                c"PATH=/usr/bin",
                c"PYTHONHOME=/old",
                c"VIRTUAL_ENV=/old",
                c"A=1",
            ],
            None,
            edits,
        )
        .unwrap();
        assert_eq!(env, ["A=1", "VIRTUAL_ENV=/v", "PATH=/v/bin:/usr/bin"]);
        // --env PATH is what --venv prefixes; an unset or empty PATH becomes DIR/bin.
        let (env, _, _) = planned(
            &[c"p"],
            &[c"PATH=/a"],
            None,
            &[(Env, b"PATH=/b"), (Venv, b"/v")],
        )
        .unwrap();
        assert_eq!(env, ["VIRTUAL_ENV=/v", "PATH=/v/bin:/b"]);
        for envp in [&[][..], &[c"PATH="]] {
            let (env, _, _) = planned(&[c"p"], envp, None, &[(Venv, b"/v")]).unwrap();
            assert_eq!(env, ["VIRTUAL_ENV=/v", "PATH=/v/bin"]);
        }
        let (env, _, _) = planned(
            &[c"p"],
            &[c"PATH=/a"],
            None,
            &[(Unset, b"PATH"), (Venv, b"/v")],
        )
        .unwrap();
        assert_eq!(env, ["VIRTUAL_ENV=/v", "PATH=/v/bin"]);
    }

    #[test]
    fn arguments_come_from_the_edited_environment_in_order() {
        let edits: &[(EnvEdit, &[u8])] = &[
            (ArgEnv, b"SET"),
            (OptEnv, b"--port=PORT=80"),
            (ArgEnv, b"UNSET"),
            (ArgEnv, b"UNSET=dflt"),
            (ArgEnv, b"EMPTY=dflt"),
            (OptEnv, b"-x=UNSET"),
            (OptEnv, b"--name=NAME"),
            (Env, b"NAME=from-env"),
            (Unset, b"SET"),
            (ArgEnv, b"SET=gone"),
        ];
        let (_, args, _) = planned(
            &[c"cmd", c"own"],
            &[c"SET=1", c"EMPTY=", c"NAME=caller"],
            None,
            edits,
        )
        .unwrap();
        // SET is unset by the time arguments are read (step 6 reads the
        // final environment), so the first --arg-env SET gives nothing.
        assert_eq!(
            args,
            ["cmd", "own", "--port", "80", "dflt", "", "--name", "from-env", "gone"]
        );
    }

    #[test]
    fn required_variables_are_checked_in_the_final_environment() {
        let env: &[&core::ffi::CStr] = &[c"SET=1", c"EMPTY="];
        assert!(planned(&[c"c"], env, None, &[(RequireEnv, b"SET")]).is_ok());
        assert_eq!(
            planned(&[c"c"], env, None, &[(RequireEnv, b"NOPE")]).unwrap_err(),
            "PlanError { problem: Unset, name: [78, 79, 80, 69] }"
        );
        assert_eq!(
            planned(&[c"c"], env, None, &[(RequireEnv, b"EMPTY")]).unwrap_err(),
            "PlanError { problem: Empty, name: [69, 77, 80, 84, 89] }"
        );
        // The final environment is checked: --env can satisfy it.
        assert!(planned(&[c"c"], env, None, &[(RequireEnv, b"NEW"), (Env, b"NEW=1")]).is_ok());
        assert!(planned(&[c"c"], env, None, &[(RequireEnv, b"SET"), (Unset, b"SET")]).is_err());
        let (_, _, workdir) =
            planned(&[c"c"], env, None, &[(Workdir, b"/a"), (Workdir, b"/b")]).unwrap();
        assert_eq!(workdir.as_deref(), Some("/b"));
    }

    #[test]
    fn capacities_are_errors_not_truncations() {
        let many: Vec<std::ffi::CString> = (0..ENV_CAPACITY + 1)
            .map(|index| std::ffi::CString::new(format!("V{index}=1")).unwrap())
            .collect();
        let envp: Vec<&core::ffi::CStr> = many.iter().map(|entry| entry.as_c_str()).collect();
        assert_eq!(
            planned(&[c"c"], &envp, None, &[]).unwrap_err(),
            "PlanError { problem: TooManyVariables, name: [] }"
        );
        let args: Vec<&core::ffi::CStr> = (0..ARG_CAPACITY).map(|_| c"a").collect();
        assert!(planned(&args, &[], None, &[]).is_ok());
        assert!(planned(&args, &[c"A=1"], None, &[(ArgEnv, b"A")])
            .unwrap_err()
            .contains("TooMany"));
        let big = vec![b'x'; BUILT_CAPACITY];
        let mut entry = b"BIG=".to_vec();
        entry.extend_from_slice(&big);
        assert!(planned(&[c"c"], &[], None, &[(Env, &entry)])
            .unwrap_err()
            .contains("TooMany"));
        let mut buffer = [core::mem::MaybeUninit::new(0u8); 8];
        let mut arena = Arena::new(&mut buffer);
        let mut storage = crate::cstr::storage::<3>();
        let mut words = CStrList::new(&mut storage);
        assert!(pre_words(b" a  b\tc", &mut arena, &mut words).is_err());
        let mut buffer = [core::mem::MaybeUninit::new(0u8); 64];
        let mut arena = Arena::new(&mut buffer);
        let mut storage = crate::cstr::storage::<4>();
        let mut words = CStrList::new(&mut storage);
        pre_words(b" migrate  --fast\tnow ", &mut arena, &mut words).unwrap();
        let words = words.as_array();
        assert_eq!(words.len(), 3);
        assert_eq!(words.get(1).unwrap().to_bytes(), b"--fast");
    }
}
