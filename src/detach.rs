//! Starting a process that outlives amlc: the shared background emulator and local runs. The
//! child gets a session of its own (so Ctrl-C in the caller's terminal, or closing it, does not
//! reach it, and a cancel can signal its whole group) and none of the caller's descriptors above
//! stderr (a pipe a wrapper waits on for EOF, a jobserver, a listening socket). Nothing else.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes `cmd`'s child a session leader holding only stdin, stdout and stderr of the caller.
/// The others are marked close-on-exec rather than closed, so the standard library's
/// exec-error pipe still works; a kernel without `close_range` keeps them (best effort).
pub fn detached(cmd: &mut Command) -> &mut Command {
    // SAFETY: setsid and close_range are async-signal-safe system calls; the child has just
    // forked and is not a group leader.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                CLOSE_RANGE_CLOEXEC,
            );
            Ok(())
        })
    }
}
