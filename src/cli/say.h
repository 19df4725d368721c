/* Messages of the command on standard error (or the -v stream). */
#ifndef RESPLINT_CLI_SAY_H
#define RESPLINT_CLI_SAY_H

#include <stdio.h>

/* Formats a one-line message as printf does and writes it to `f` escaped as
 * the text report escapes (rl__put_clean: printable ASCII as is, any other
 * byte as "\xNN"), then a newline. File names, filters, interface names
 * and the lower stages' explanations come from outside and may hold
 * terminal controls; a trailing newline in `fmt` is not doubled. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void rl__say(FILE *f, const char *fmt, ...);

#endif
