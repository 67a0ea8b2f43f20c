/* Counts the user-space instructions a program runs until it execs its
 * command (or exits), by single-stepping it with ptrace. For the user
 * switchers, which exec in place: valgrind cannot follow that, and cannot run
 * Go's gosu at all. Only the first thread is stepped (Go's other threads run
 * free and are not counted); children are not followed.
 *
 *     steps PROGRAM [ARG]...    prints the count on stdout */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: steps PROGRAM [ARG]...\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0); /* stopped at the start of PROGRAM */
    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)PTRACE_O_TRACEEXEC);
    unsigned long count = 0;
    for (;;) {
        ptrace(PTRACE_SINGLESTEP, pid, 0, 0);
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
            ptrace(PTRACE_DETACH, pid, 0, 0); /* the command runs untraced */
            waitpid(pid, &status, 0);
            break;
        }
        count++;
    }
    printf("%lu\n", count);
    return 0;
}
