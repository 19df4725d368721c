/* rusage: runs a command and prints what it cost, for the bench runner.
 *
 * Usage: rusage COMMAND [ARGS...]
 * Prints one line on standard error after the command ends:
 *   "rusage: user=U sys=S maxrss_kib=K wall=W status=X"
 * (seconds with microsecond resolution). GNU time rounds CPU time to 10 ms,
 * too coarse for the floors, which read a capture in tenths of a second; the
 * kernel's rusage from wait4() is exact to the microsecond.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rusage COMMAND [ARGS...]\n");
    return 2;
  }
  double start = now_seconds();
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("rusage: exec");
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("rusage: wait4");
    return 2;
  }
  double wall = now_seconds() - start;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(stderr, "rusage: user=%.6f sys=%.6f maxrss_kib=%ld wall=%.6f status=%d\n",
          tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), ru.ru_maxrss, wall, code);
  return code;
}
