/* tchar, the token characters of RFC 9110 section 5.6.2, shared by the http
 * stage (chunk extensions) and the field-syntax checks. */
#ifndef RL_COMMON_TCHAR_H
#define RL_COMMON_TCHAR_H

#include <stdint.h>

/* As two 64-bit sets (bytes 0..63 and 64..127): the field-syntax checks test
 * it on every byte of every name and token, and a strchr over the sixteen
 * punctuation marks cost ~20 instructions a byte. */
static inline int rl__is_tchar(uint8_t c) {
  /* ! # $ % & ' * + - . 0-9 */
  const uint64_t lo = 0x03ff6cfa00000000ull;
  /* A-Z ^ _ ` a-z | ~ */
  const uint64_t hi = 0x57ffffffc7fffffeull;
  return c < 64 ? (int)((lo >> c) & 1) : c < 128 ? (int)((hi >> (c - 64)) & 1) : 0;
}

#endif
