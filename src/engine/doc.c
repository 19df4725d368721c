/* Documentation generated from the loaded records: the rule list (text or
 * JSON), one rule's explanation, and docs/rules.md. Everything a user reads
 * about a rule comes from its record, so the docs cannot drift from it. */
#include "engine/rule.h"

#include <string.h>

#include "resplint/error.h"

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", out);
    else if (*p < 0x20)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

static const char *needs_text(unsigned needs, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (int n = 0; n < RL_NEED__COUNT; n++)
    if (needs & (1u << n))
      o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s",
                            o ? ", " : "", rl_need_name((rl_need)n));
  return buf;
}

static int done(FILE *out) { return ferror(out) ? RL_EIO : 0; }

int rl_engine_list_rules(const rl_engine *e, FILE *out, int json) {
  size_t n = rl_engine_rule_count(e);
  if (json) fputs("[\n", out);
  for (size_t i = 0; i < n; i++) {
    const rl_rule_info *r = rl_engine_rule(e, i);
    if (!json) {
      fprintf(out, "%-7s %-7s %s %-42s %s\n", r->id, rl_level_name(r->level),
              r->enabled ? " " : "-", r->name, r->summary);
      continue;
    }
    fputs("  {\"id\": ", out);
    json_str(out, r->id);
    fputs(", \"name\": ", out);
    json_str(out, r->name);
    fputs(", \"level\": ", out);
    json_str(out, rl_level_name(r->level));
    fputs(", \"default_level\": ", out);
    json_str(out, rl_level_name(r->default_level));
    fprintf(out, ", \"enabled\": %s, \"requirement\": ",
            r->enabled ? "true" : "false");
    json_str(out, r->requirement);
    fputs(", \"summary\": ", out);
    json_str(out, r->summary);
    fputs(", \"rfc\": {\"document\": ", out);
    json_str(out, r->rfc_document);
    fputs(", \"section\": ", out);
    json_str(out, r->rfc_section);
    fputs(", \"url\": ", out);
    json_str(out, r->rfc_url);
    fputs("}, \"source\": ", out);
    json_str(out, r->from_catalogue ? "catalogue" : r->file);
    fprintf(out, "}%s\n", i + 1 < n ? "," : "");
  }
  if (json) fputs("]\n", out);
  return done(out);
}

/* Example bytes as a C-like quoted string: CRLF stays visible. */
static void bytes_quoted(FILE *out, const uint8_t *s, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '\r')
      fputs("\\r", out);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\t')
      fputs("\\t", out);
    else if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(out, "\\x%02x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

int rl_engine_explain(const rl_engine *e, FILE *out, const char *id) {
  const rl_rule_info *r = rl_engine_find(e, id);
  if (!r) return RL_EINVAL;
  char nb[96];
  fprintf(out, "%s %s (%s)\n\n%s\n\n", r->id, r->name, rl_level_name(r->level),
          r->summary);
  fprintf(out, "Why: %s\n\n", r->why);
  fprintf(out, "%s section %s (%s): %s\n  \"%s\"\n\n", r->rfc_document,
          r->rfc_section, r->requirement, r->rfc_url, r->rfc_quote);
  fprintf(out, "Applies to: %s\n", *r->applies_to ? r->applies_to : "every response");
  fprintf(out, "Check:      %s\n", r->check);
  if (r->needs) fprintf(out, "Needs:      %s\n", needs_text(r->needs, nb, sizeof nb));
  fprintf(out, "Message:    %s\n", r->message);
  for (size_t i = 0; i < r->nexamples; i++) {
    const rl_rule_example *x = &r->examples[i];
    fprintf(out, "\nExample (%s)%s%s\n", x->expect_fail ? "fails" : "passes",
            x->note ? ": " : "", x->note ? x->note : "");
    fputs("  request:  ", out);
    if (x->request)
      bytes_quoted(out, x->request, x->request_len);
    else
      fputs("(not captured)", out);
    fputs("\n  response: ", out);
    bytes_quoted(out, x->response, x->response_len);
    fputc('\n', out);
  }
  return done(out);
}

static const struct {
  const char *prefix, *title;
} areas[] = {
    {"ST", "ST: status-code requirements"}, {"SL", "SL: status line"},
    {"HF", "HF: field syntax"},             {"MF", "MF: message framing"},
    {"CN", "CN: connection"},               {"EX", "EX: exchange"},
    {"FV", "FV: field values"},             {"TR", "TR: transport and capture notes"},
    {"PE", "PE: parse errors"},
};

static int in_area(const rl_rule_info *r, const char *prefix) {
  return strncmp(r->id, prefix, 2) == 0 && r->id[2] >= '0' && r->id[2] <= '9';
}

/* GitHub-style heading anchor for "ST030 unauthorized-without-challenge". */
static void anchor(FILE *out, const rl_rule_info *r) {
  for (const char *p = r->id; *p; p++)
    fputc(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p, out);
  fprintf(out, "-%s", r->name);
}

static void md_rule(FILE *out, const rl_rule_info *r) {
  char nb[96];
  fprintf(out, "### %s %s\n\n", r->id, r->name);
  fprintf(out, "**%s** (%s). %s\n\n", rl_level_name(r->default_level),
          r->requirement, r->summary);
  fprintf(out, "%s\n\n", r->why);
  fprintf(out, "> %s\n>\n> — [%s §%s](%s)\n\n", r->rfc_quote, r->rfc_document,
          r->rfc_section, r->rfc_url);
  fprintf(out, "- Applies to: %s\n", *r->applies_to ? r->applies_to : "every response");
  fprintf(out, "- Check: `%s`\n", r->check);
  if (r->needs) fprintf(out, "- Needs: %s\n", needs_text(r->needs, nb, sizeof nb));
  fprintf(out, "- Message: `%s`\n\n", r->message);
  for (size_t i = 0; i < r->nexamples; i++) {
    const rl_rule_example *x = &r->examples[i];
    fprintf(out, "%s example%s%s\n\n", x->expect_fail ? "Failing" : "Passing",
            x->note ? ": " : "", x->note ? x->note : "");
    fputs("```\n", out);
    if (x->request) {
      fputs("request:  ", out);
      bytes_quoted(out, x->request, x->request_len);
      fputc('\n', out);
    }
    fputs("response: ", out);
    bytes_quoted(out, x->response, x->response_len);
    fputs("\n```\n\n", out);
  }
}

int rl_engine_write_markdown(const rl_engine *e, FILE *out) {
  size_t n = rl_engine_rule_count(e);
  fputs("# resplint rules\n\n"
        "<!-- Generated from rules/**/*.yaml by the rules-doc build target "
        "(scripts/gen-rules-doc.c). Do not edit: edit the records. -->\n\n"
        "Each rule is one record in `rules/`; see `rules/README.md` for the "
        "schema and the level policy. `resplint --explain ID` prints the same "
        "text.\n\n",
        out);
  fputs("| ID | name | level | summary |\n|---|---|---|---|\n", out);
  for (size_t i = 0; i < n; i++) {
    const rl_rule_info *r = rl_engine_rule(e, i);
    fprintf(out, "| [%s](#", r->id);
    anchor(out, r);
    fprintf(out, ") | %s | %s | %s |\n", r->name, rl_level_name(r->default_level),
            r->summary);
  }
  fputc('\n', out);
  for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
    int any = 0;
    for (size_t i = 0; i < n; i++) {
      const rl_rule_info *r = rl_engine_rule(e, i);
      if (!in_area(r, areas[a].prefix)) continue;
      if (!any) fprintf(out, "## %s\n\n", areas[a].title);
      any = 1;
      md_rule(out, r);
    }
  }
  return done(out);
}
