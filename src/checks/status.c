/* Status-code built-ins: the IANA HTTP Status Code Registry and the common
 * unregistered codes whose vendor is known (the seeds' status-code
 * documents), so a finding can say whose convention a code follows. */
#include "checks/builtins.h"

#include <stdio.h>

/* https://www.iana.org/assignments/http-status-codes (2022 state). 306 and
 * 418 are registered as "(Unused)" and have their own rules. */
static const uint16_t registered[] = {
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
    300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403, 404,
    405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
    421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503,
    504, 505, 506, 507, 508, 510, 511};

static const struct {
  uint16_t code;
  const char *use;
} vendor[] = {
    {218, "Apache \"This is fine\""},
    {419, "Laravel \"Page Expired\""},
    {420, "Twitter \"Enhance Your Calm\" / Spring \"Method Failure\""},
    {440, "Microsoft IIS \"Login Time-out\""},
    {444, "nginx \"No Response\""},
    {449, "Microsoft IIS \"Retry With\""},
    {450, "Microsoft \"Blocked by Windows Parental Controls\""},
    {494, "nginx \"Request Header Too Large\""},
    {495, "nginx \"SSL Certificate Error\""},
    {496, "nginx \"SSL Certificate Required\""},
    {497, "nginx \"HTTP Request Sent to HTTPS Port\""},
    {498, "Esri \"Invalid Token\""},
    {499, "nginx \"Client Closed Request\""},
    {509, "Apache/cPanel \"Bandwidth Limit Exceeded\""},
    {520, "Cloudflare \"Web Server Returned an Unknown Error\""},
    {521, "Cloudflare \"Web Server Is Down\""},
    {522, "Cloudflare \"Connection Timed Out\""},
    {523, "Cloudflare \"Origin Is Unreachable\""},
    {524, "Cloudflare \"A Timeout Occurred\""},
    {525, "Cloudflare \"SSL Handshake Failed\""},
    {526, "Cloudflare \"Invalid SSL Certificate\""},
    {527, "Cloudflare \"Railgun Error\""},
    {530, "Cloudflare \"Site Frozen\" / origin DNS error"},
    {598, "informal \"Network Read Timeout Error\" (some proxies)"},
    {599, "informal \"Network Connect Timeout Error\" (some proxies)"},
};

int rl__chk_unregistered_status_code(const rl_exchange *x, rl__match *m) {
  int code = x->response->status_code;
  if (code < 100 || code > 599) return 0;
  for (size_t i = 0; i < sizeof registered / sizeof registered[0]; i++)
    if (registered[i] == code) return 0;
  const char *use = "no known vendor";
  for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
    if (vendor[i].code == code) use = vendor[i].use;
  snprintf(m->detail, sizeof m->detail, "%s", use);
  m->count = 1;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(x->response, x->response->start_line,
                                 &m->evidence_len);
  }
  return 1;
}
