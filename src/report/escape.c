/* Escaping for every output format.
 *
 * Wire bytes are hostile: a server can put ESC [ 2 J in a reason phrase or a
 * header value, and a report that printed it raw would clear the reader's
 * terminal (or worse). Text and XML therefore show only printable ASCII and
 * escape everything else as \xNN; JSON keeps valid UTF-8 (a parser decodes
 * it back) but escapes every control character, and bytes that are not
 * UTF-8 at all become \u00XX of the byte so the document stays valid. */
#include <string.h>
#include <time.h>

#include "report/report_internal.h"

static const char hex[] = "0123456789abcdef";
static const char HEX[] = "0123456789ABCDEF"; /* RFC 3986 prefers upper case */

size_t rl__esc_byte(uint8_t b, char *out) {
  if (b == '\\') {
    memcpy(out, "\\\\", 3);
    return 2;
  }
  if (b >= 0x20 && b < 0x7f) {
    out[0] = (char)b;
    out[1] = '\0';
    return 1;
  }
  out[0] = '\\';
  out[1] = 'x';
  out[2] = hex[b >> 4];
  out[3] = hex[b & 15];
  out[4] = '\0';
  return 4;
}

void rl__put_wire(FILE *f, const uint8_t *p, size_t n) {
  char tmp[5];
  for (size_t i = 0; i < n; i++) {
    size_t k = rl__esc_byte(p[i], tmp);
    fwrite(tmp, 1, k, f);
  }
}

void rl__put_clean(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p >= 0x20 && *p < 0x7f)
      fputc(*p, f);
    else
      fprintf(f, "\\x%c%c", hex[*p >> 4], hex[*p & 15]);
  }
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when p[0] does not start one. */
static size_t utf8_len(const uint8_t *p, size_t n) {
  uint8_t b = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf)
    len = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    if (b == 0xe0)
      lo = 0xa0; /* overlong */
    if (b == 0xed)
      hi = 0x9f; /* surrogates */
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    if (b == 0xf0)
      lo = 0x90; /* overlong */
    if (b == 0xf4)
      hi = 0x8f; /* above U+10FFFF */
  } else
    return 0;
  if (n < len || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xbf)
      return 0;
  return len;
}

static void put_u00(FILE *f, uint8_t b) {
  fprintf(f, "\\u00%c%c", hex[b >> 4], hex[b & 15]);
}

void rl__put_json(FILE *f, const uint8_t *p, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n;) {
    uint8_t b = p[i];
    if (b == '"' || b == '\\') {
      fputc('\\', f);
      fputc(b, f);
      i++;
    } else if (b == '\n') {
      fputs("\\n", f);
      i++;
    } else if (b == '\r') {
      fputs("\\r", f);
      i++;
    } else if (b == '\t') {
      fputs("\\t", f);
      i++;
    } else if (b < 0x20 || b == 0x7f) {
      put_u00(f, b);
      i++;
    } else if (b < 0x80) {
      fputc(b, f);
      i++;
    } else {
      size_t k = utf8_len(p + i, n - i);
      if (k == 2 && b == 0xc2 && p[i + 1] < 0xa0) {
        /* C1 controls (U+0080..U+009F, CSI among them) are terminal
         * controls too: escape the code point. */
        put_u00(f, p[i + 1]);
      } else if (k) {
        fwrite(p + i, 1, k, f);
      } else {
        put_u00(f, b);
        k = 1;
      }
      i += k;
    }
  }
  fputc('"', f);
}

void rl__put_json_str(FILE *f, const char *s) {
  rl__put_json(f, (const uint8_t *)s, strlen(s));
}

static void put_xml_char(FILE *f, char c) {
  switch (c) {
  case '&':
    fputs("&amp;", f);
    break;
  case '<':
    fputs("&lt;", f);
    break;
  case '>':
    fputs("&gt;", f);
    break;
  case '"':
    fputs("&quot;", f);
    break;
  case '\'':
    fputs("&apos;", f);
    break;
  default:
    fputc(c, f);
  }
}

void rl__put_xml(FILE *f, const uint8_t *p, size_t n) {
  char tmp[5];
  for (size_t i = 0; i < n; i++) {
    size_t k = rl__esc_byte(p[i], tmp);
    for (size_t j = 0; j < k; j++)
      put_xml_char(f, tmp[j]);
  }
}

void rl__put_xml_byte(FILE *f, uint8_t c) {
  /* Not wire bytes, but a file name or message may hold anything; a
   * backslash stays single as in rl__put_clean. */
  if (c >= 0x20 && c < 0x7f)
    put_xml_char(f, (char)c);
  else
    fprintf(f, "\\x%c%c", hex[c >> 4], hex[c & 15]);
}

void rl__put_xml_str(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    rl__put_xml_byte(f, *p);
}

void rl__put_uri(FILE *f, const char *path) {
  if (path[0] == '/')
    fputs("file://", f);
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
               c == '~' || c == '/';
    if (keep)
      fputc(c, f);
    else
      fprintf(f, "%%%c%c", HEX[c >> 4], HEX[c & 15]);
  }
}

void rl__format_ts(char *buf, size_t n, rl_time ts) {
  time_t t = (time_t)ts.sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(buf, n, "1970-01-01T00:00:00Z");
    return;
  }
  char day[32];
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
  if (ts.nsec % 1000 == 0)
    snprintf(buf, n, "%s.%06uZ", day, (unsigned)(ts.nsec / 1000));
  else
    snprintf(buf, n, "%s.%09uZ", day, (unsigned)ts.nsec);
}
