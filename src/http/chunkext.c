/* The rest of a chunk extension list, judged where llhttp 8.1 cannot.
 *
 * llhttp 8.1.0 rejects a chunk extension that follows one with an unquoted
 * value ("5;a=1;b=2": HPE_INVALID_CHUNK_SIZE at the second name), though
 * RFC 9112 section 7.1.1 allows any number of them:
 *
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name
 *                       [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-name = token
 *   chunk-ext-val  = token / quoted-string
 *
 * The http stage stops llhttp at such a ";" (dir.c, cb_chunk_ext_value),
 * checks the rest of the line here, and when it is well formed feeds llhttp
 * again from the line's CR, as if the list had ended there: llhttp reports
 * the first extension of a chunk, and the stage records only that one. BWS
 * is not accepted here, as llhttp 8.1 accepts it nowhere in the line: the
 * same line with spaces is rejected whether it has one extension or three.
 */
#include "http/http_internal.h"

#include "common/tchar.h"

static size_t token_len(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n && rl__is_tchar(p[i]))
    i++;
  return i;
}

/* qdtext and the byte after a backslash (RFC 9110 5.6.4): HTAB, SP and the
 * visible and obs-text bytes; qdtext leaves out DQUOTE and backslash, which
 * the caller handles first. */
static int quoted_byte(uint8_t c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

static size_t quoted_len(const uint8_t *p, size_t n) {
  if (n == 0 || p[0] != '"')
    return 0;
  for (size_t i = 1; i < n; i++) {
    if (p[i] == '"')
      return i + 1;
    if (p[i] == '\\' && ++i == n)
      return 0;
    if (!quoted_byte(p[i]))
      return 0;
  }
  return 0;
}

int rl__chunk_ext_rest_ok(const uint8_t *p, size_t n) {
  size_t i = 0;
  if (n == 0)
    return 0;
  while (i < n) {
    if (p[i++] != ';')
      return 0;
    size_t k = token_len(p + i, n - i);
    if (k == 0)
      return 0;
    i += k;
    if (i == n || p[i] == ';')
      continue;
    if (p[i++] != '=')
      return 0;
    k = token_len(p + i, n - i);
    if (k == 0)
      k = quoted_len(p + i, n - i);
    if (k == 0)
      return 0;
    i += k;
  }
  return 1;
}
