/* The double-chroot escape, for tests/sandbox.rs: chroot into a fresh
   subdirectory, keep the working directory outside it, climb with "..",
   then chroot to where that leads. After a bare chroot that is the host's
   root; after pivot_root and the old root's detach, only the new root.
   Exits 0 when PATH (argv[1], a path that exists on the host only) is
   reachable afterwards, that is when it escaped, 1 when not, 2 on error. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    mkdir("/tmp/escape-jail", 0755);
    if (chroot("/tmp/escape-jail") != 0) { perror("chroot"); return 2; }
    for (int i = 0; i < 256; i++) (void)chdir("..");
    if (chroot(".") != 0) { perror("chroot ."); return 2; }
    return access(argv[1], F_OK) == 0 ? 0 : 1;
}
