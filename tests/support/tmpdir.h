/* A fresh directory per test, for tests that write files. Criterion runs
 * each test in its own process, so one static directory per process is
 * enough. Failures abort the test (Criterion reports it as crashed). */
#ifndef RL_TEST_TMPDIR_H
#define RL_TEST_TMPDIR_H

/* Creates BASE/PREFIX-XXXXXX; BASE NULL means the build tree. */
void rt_tmpdir_make(const char *base, const char *prefix);
/* Removes the directory and everything in it. */
void rt_tmpdir_remove(void);
/* The directory's path. */
const char *rt_tmpdir(void);
/* DIR/NAME; the result lives until eight more calls have been made. */
const char *rt_tmp(const char *name);

#endif
