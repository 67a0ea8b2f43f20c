//! The C-string boundary: a borrowed view of a NULL-terminated array of C
//! strings (`argv`, `envp`, and what `execve` takes), the fixed-capacity
//! list usher builds such arrays in, and the arena its built strings live
//! in. Every view carries the lifetime of what it points into, so safe code
//! cannot read a list that is gone:
//!
//! ```compile_fail
//! use usher::cstr::{storage, CStrArray, CStrList};
//! let mut room = storage::<2>();
//! let array: CStrArray = {
//!     let mut list = CStrList::new(&mut room);
//!     list.push(c"A=1");
//!     list.as_array()
//! };
//! let _ = array.get(0);
//! ```

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use core::mem::MaybeUninit;

/// The C string at the start of `bytes`, up to its first NUL; `None` when
/// there is none. A plain loop: core's `CStr::from_bytes_until_nul` brings
/// in a `memchr` that nothing else in the binary needs.
pub fn until_nul(bytes: &[u8]) -> Option<&CStr> {
    let end = bytes.iter().position(|&byte| byte == 0)?;
    // SAFETY: `bytes[..=end]` ends with its only NUL.
    Some(unsafe { CStr::from_bytes_with_nul_unchecked(&bytes[..=end]) })
}

/// Whether `bytes` holds a NUL, which no C string's bytes can equal: the
/// in-place comparisons below rely on its absence to stop at the entry's
/// own NUL. A plain loop: `contains` would bring in core's memchr.
#[allow(clippy::manual_contains)]
fn has_nul(bytes: &[u8]) -> bool {
    bytes.iter().any(|&byte| byte == 0)
}

/// A NULL-terminated array of C strings, borrowed for `'a`: the `argv` and
/// `envp` that the kernel leaves on the stack, or a [`CStrList`]'s array. Its
/// tails are still NULL-terminated arrays, which is how the command's argv
/// reaches `execve` without a copy.
#[derive(Clone, Copy)]
pub struct CStrArray<'a> {
    ptr: *const *const c_char,
    len: usize,
    strings: PhantomData<&'a CStr>,
}

impl<'a> CStrArray<'a> {
    /// # Safety
    /// `ptr` must be NULL or point to an array of pointers to NUL-terminated
    /// strings, ended by a NULL pointer, all valid and unchanged for `'a`
    /// (as `argv` and `envp` are for the whole process).
    pub unsafe fn from_raw(ptr: *const *const c_char) -> Self {
        let mut len = 0;
        if !ptr.is_null() {
            // SAFETY: the caller guarantees a NULL-terminated array, so every
            // index up to and including the terminator is readable.
            while !unsafe { *ptr.add(len) }.is_null() {
                len += 1;
            }
        }
        CStrArray {
            ptr,
            len,
            strings: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, index: usize) -> Option<&'a CStr> {
        if index >= self.len {
            return None;
        }
        // SAFETY: `index < len`, so the slot holds a non-NULL pointer to a
        // NUL-terminated string that is valid for 'a (from_raw, CStrList).
        Some(unsafe { CStr::from_ptr(*self.ptr.add(index)) })
    }

    /// The value of the first `NAME=value` entry, for an environment. The
    /// entries are compared byte by byte in place: building a `CStr` for each
    /// would take a `strlen` of every entry on every lookup.
    pub fn value_of(&self, name: &[u8]) -> Option<&'a [u8]> {
        if has_nul(name) {
            return None;
        }
        (0..self.len).find_map(|index| {
            // SAFETY: `index < len`: the slot holds a valid NUL-terminated
            // string. The loop stops at its NUL, or earlier at a mismatch (a
            // NUL never equals a name byte, which has none, or `=`), so no
            // byte past it is read.
            let entry = unsafe { *self.ptr.add(index) } as *const u8;
            let matched = name
                .iter()
                .chain(b"=")
                .enumerate()
                // SAFETY: as above: `at` never passes the entry's NUL.
                .all(|(at, &wanted)| unsafe { *entry.add(at) } == wanted);
            matched.then(|| {
                // SAFETY: the name and `=` matched, so the value starts right
                // after them, inside the same NUL-terminated string.
                unsafe { CStr::from_ptr(entry.add(name.len() + 1).cast()) }.to_bytes()
            })
        })
    }

    /// The first entry at `start` or after it that starts with `prefix`, and
    /// its index. Compared in place, as in `value_of`: only a match is
    /// measured with `strlen`.
    pub fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &'a [u8])> {
        if has_nul(prefix) {
            return None;
        }
        (start..self.len).find_map(|index| {
            // SAFETY: as in `value_of`: the slot holds a valid NUL-terminated
            // string, and the comparison stops at its NUL or sooner (a NUL
            // never equals a byte of the prefix, which has none).
            let entry = unsafe { *self.ptr.add(index) } as *const u8;
            let matched = prefix
                .iter()
                .enumerate()
                // SAFETY: as above: `at` never passes the entry's NUL.
                .all(|(at, &wanted)| unsafe { *entry.add(at) } == wanted);
            // SAFETY: the entry is a valid NUL-terminated string.
            matched.then(|| (index, unsafe { CStr::from_ptr(entry.cast()) }.to_bytes()))
        })
    }

    /// The array from `index` on; it shares the original terminator.
    pub fn tail(&self, index: usize) -> CStrArray<'a> {
        let index = index.min(self.len);
        CStrArray {
            ptr: if self.ptr.is_null() {
                self.ptr
            } else {
                // SAFETY: `index <= len`, so the result points inside the
                // array or at its NULL terminator.
                unsafe { self.ptr.add(index) }
            },
            len: self.len - index,
            strings: PhantomData,
        }
    }

    /// The raw array, NULL-terminated (or NULL), for `execve`.
    pub(crate) fn as_ptr(&self) -> *const *const c_char {
        self.ptr
    }
}

/// Room for a [`CStrList`] of `N - 1` strings and its NULL: plain storage,
/// which a static can hold (it costs nothing until a list is built in it).
pub type CStrStorage<const N: usize> = [MaybeUninit<*const c_char>; N];

/// Storage for a list, uninitialized.
pub const fn storage<const N: usize>() -> CStrStorage<N> {
    [const { MaybeUninit::uninit() }; N]
}

/// A NULL-terminated array of C strings that usher builds (the child's edited
/// environment) in storage it borrows, with room for one string less than
/// the storage holds. It borrows its strings for `'a` too, so they outlive
/// it.
///
/// Only `ptrs[..=len]` is ever written (the strings, then a NULL), so the
/// storage is not zeroed first: a large list costs nothing until it is used.
pub struct CStrList<'a> {
    ptrs: &'a mut [MaybeUninit<*const c_char>],
    len: usize,
    strings: PhantomData<&'a CStr>,
}

impl<'a> CStrList<'a> {
    /// An empty list in `storage`, which holds at least the NULL.
    pub fn new(storage: &'a mut [MaybeUninit<*const c_char>]) -> Self {
        let list = CStrList {
            ptrs: storage,
            len: 0,
            strings: PhantomData,
        };
        if let Some(first) = list.ptrs.first_mut() {
            *first = MaybeUninit::new(core::ptr::null());
        }
        list
    }

    /// Appends a string; false when the list is full.
    pub fn push(&mut self, string: &'a CStr) -> bool {
        self.push_ptr(string.as_ptr())
    }

    /// Appends a string given as bytes that end with a NUL (an earlier NUL
    /// ends it sooner, as C reads it); false when full or when there is no
    /// final NUL.
    pub fn push_with_nul(&mut self, string: &'a [u8]) -> bool {
        string.last() == Some(&0) && self.push_ptr(string.as_ptr().cast())
    }

    fn push_ptr(&mut self, string: *const c_char) -> bool {
        if self.len + 1 >= self.ptrs.len() {
            return false;
        }
        self.ptrs[self.len] = MaybeUninit::new(string);
        self.len += 1;
        self.ptrs[self.len] = MaybeUninit::new(core::ptr::null());
        true
    }

    /// The string at `index`, for as long as the strings live.
    pub fn get(&self, index: usize) -> Option<&'a CStr> {
        self.as_array().get(index).map(|string| {
            // SAFETY: every pushed pointer came from a `&'a CStr` or a
            // NUL-terminated `&'a [u8]`, so the string lives for 'a, however
            // short the borrow of the list.
            unsafe { CStr::from_ptr(string.as_ptr()) }
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many strings the storage holds, besides the NULL.
    pub fn capacity(&self) -> usize {
        self.ptrs.len().saturating_sub(1)
    }

    /// The list as an array for `execve`, borrowed from the list.
    pub fn as_array(&self) -> CStrArray<'_> {
        // `ptrs[..len]` hold strings valid for 'a (which outlives the
        // borrow of self) and `ptrs[len]` is NULL: CStrArray's invariant.
        // Storage without room for the NULL makes an empty, NULL array.
        CStrArray {
            ptr: if self.ptrs.is_empty() {
                core::ptr::null()
            } else {
                self.ptrs.as_ptr().cast()
            },
            len: self.len,
            strings: PhantomData,
        }
    }
}

/// A bump allocator for NUL-terminated strings over a caller's buffer, which
/// need not be initialized: only the bytes handed out are ever written, so a
/// large buffer costs nothing until it is used.
pub struct Arena<'a> {
    free: &'a mut [MaybeUninit<u8>],
}

impl<'a> Arena<'a> {
    pub fn new(buffer: &'a mut [MaybeUninit<u8>]) -> Self {
        Arena { free: buffer }
    }

    /// The parts joined, with a final NUL (included in the slice); `None`
    /// when they do not fit in what is left.
    pub fn join(&mut self, parts: &[&[u8]]) -> Option<&'a [u8]> {
        let len = parts.iter().map(|part| part.len()).sum::<usize>() + 1;
        if len > self.free.len() {
            return None;
        }
        let (joined, rest) = core::mem::take(&mut self.free).split_at_mut(len);
        self.free = rest;
        let mut at = 0;
        for part in parts {
            joined[at..at + part.len()].write_copy_of_slice(part);
            at += part.len();
        }
        joined[at].write(0);
        // SAFETY: the loop and the NUL above wrote every one of the `len`
        // bytes of `joined`, and MaybeUninit<u8> has u8's layout.
        Some(unsafe { &*(joined as *const [MaybeUninit<u8>] as *const [u8]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_in_place() {
        let mut list_storage = storage::<7>();
        let mut list = CStrList::new(&mut list_storage);
        for entry in [
            c"PATHX=1",
            c"PATH=/bin",
            c"EMPTY=",
            c"NOVALUE",
            c"P",
            c"PATH=/second",
        ] {
            assert!(list.push(entry));
        }
        let env = list.as_array();
        assert_eq!(env.value_of(b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(env.value_of(b"EMPTY"), Some(&b""[..]));
        assert_eq!(env.value_of(b"NOVALUE"), None);
        assert_eq!(env.value_of(b"PAT"), None);
        assert_eq!(env.value_of(b"PATHXY"), None);
        assert_eq!(env.value_of(b"MISSING"), None);
        // A family of variables in one pass: every entry with the prefix.
        assert_eq!(env.next_with_prefix(b"PATH", 0), Some((0, &b"PATHX=1"[..])));
        assert_eq!(
            env.next_with_prefix(b"PATH", 1),
            Some((1, &b"PATH=/bin"[..]))
        );
        assert_eq!(
            env.next_with_prefix(b"PATH", 2),
            Some((5, &b"PATH=/second"[..]))
        );
        assert_eq!(env.next_with_prefix(b"PATH", 6), None);
        assert_eq!(env.next_with_prefix(b"NOVALUEX", 0), None);
        assert_eq!(env.next_with_prefix(b"", 4), Some((4, &b"P"[..])));
        // A NUL in the name never matches the entry's own NUL (so nothing
        // past it is read).
        assert_eq!(env.value_of(b"P\0"), None);
        assert_eq!(env.value_of(b"NOVALUE\0"), None);
        assert_eq!(env.next_with_prefix(b"P\0", 0), None);
    }

    #[test]
    fn a_list_is_null_terminated_and_bounded() {
        let mut list_storage = storage::<3>();
        let mut list = CStrList::new(&mut list_storage);
        assert!(list.push(c"A=1"));
        assert!(list.push(c"B=2"));
        assert!(!list.push(c"C=3"));
        assert!(!list.push_with_nul(b"D=4\0"));
        let mut other_storage = storage::<3>();
        let mut other = CStrList::new(&mut other_storage);
        assert!(!other.push_with_nul(b"no NUL"));
        assert!(other.push_with_nul(b"E=5\0"));
        assert_eq!(other.as_array().get(0), Some(c"E=5"));
        let array = list.as_array();
        assert_eq!(array.len(), 2);
        assert_eq!(array.get(1), Some(c"B=2"));
        assert_eq!(array.get(2), None);
        assert_eq!(array.tail(1).get(0), Some(c"B=2"));
        assert!(array.tail(5).is_empty());
    }

    #[test]
    fn an_arena_hands_out_joined_strings_until_it_is_full() {
        let mut buffer = [MaybeUninit::uninit(); 8];
        let mut arena = Arena::new(&mut buffer);
        assert_eq!(arena.join(&[b"ab", b"c"]), Some(&b"abc\0"[..]));
        assert_eq!(arena.join(&[b"defg"]), None);
        assert_eq!(arena.join(&[b"def"]), Some(&b"def\0"[..]));
        assert_eq!(arena.join(&[]), None);
    }
}
