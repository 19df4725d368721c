/* Reading a whole small file (rule records, transcripts) into memory. */
#ifndef RL_COMMON_FILE_H
#define RL_COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads the file at `path` into a malloc'ed buffer, NUL-terminated (the NUL
 * is not counted in *len) so that text readers can use it as a string.
 * Returns 0, or RL_EISDIR for a directory, RL_ELIMIT when the file is larger
 * than `max` bytes, RL_ENOMEM, or the RL_E* code of the failed system call.
 * The caller frees *out. */
int rl__read_file(const char *path, size_t max, uint8_t **out, size_t *len);

#endif
