/* libyaml's document to the loader's compact tree (see ytree.h). Also built
 * into the build-time generator of the catalogue's trees, so this file uses
 * nothing else of the library; it holds rl__record_head_len, which the
 * generator needs too. */
#include "engine/ytree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "engine/rule.h"

size_t rl__record_head_len(const char *text, size_t len) {
  static const char key[] = "examples:";
  const size_t klen = sizeof key - 1;
  for (size_t at = 0; at < len;) {
    if (len - at >= klen && memcmp(text + at, key, klen) == 0) return at;
    const char *nl = memchr(text + at, '\n', len - at);
    if (!nl) break;
    at = (size_t)(nl - text) + 1;
  }
  return len;
}

/* Room for the tree of doc in one allocation: nodes, kids, then strings. */
static void *alloc_tree(const yaml_document_t *doc, size_t *nkids,
                        size_t *nstrs) {
  size_t nk = 0, ns = 0;
  for (const yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
    if (n->type == YAML_SCALAR_NODE)
      ns += n->data.scalar.length + 1;
    else if (n->type == YAML_SEQUENCE_NODE)
      nk += (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    else if (n->type == YAML_MAPPING_NODE)
      nk += 2 * (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  }
  size_t nn = (size_t)(doc->nodes.top - doc->nodes.start);
  *nkids = nk;
  *nstrs = ns;
  return malloc(nn * sizeof(rl__ynode) + nk * sizeof(uint32_t) + ns + 1);
}

/* libyaml numbers nodes from 1; the tree from 0. */
static void convert(const yaml_document_t *doc, rl__ynode *nodes,
                    uint32_t *kids, char *strs) {
  uint32_t k = 0, s = 0;
  for (const yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
    rl__ynode *o = &nodes[n - doc->nodes.start];
    o->line = (uint32_t)n->start_mark.line;
    o->col = (uint32_t)n->start_mark.column;
    if (n->type == YAML_SCALAR_NODE) {
      o->kind = RL__Y_SCALAR;
      o->at = s;
      o->n = (uint32_t)n->data.scalar.length;
      memcpy(strs + s, n->data.scalar.value, o->n);
      strs[s + o->n] = '\0';
      s += o->n + 1;
    } else if (n->type == YAML_SEQUENCE_NODE) {
      o->kind = RL__Y_SEQ;
      o->at = k;
      o->n = 0;
      for (const yaml_node_item_t *i = n->data.sequence.items.start;
           i < n->data.sequence.items.top; i++, o->n++)
        kids[k++] = (uint32_t)(*i - 1);
    } else {
      o->kind = RL__Y_MAP;
      o->at = k;
      o->n = 0;
      for (const yaml_node_pair_t *p = n->data.mapping.pairs.start;
           p < n->data.mapping.pairs.top; p++, o->n++) {
        kids[k++] = (uint32_t)(p->key - 1);
        kids[k++] = (uint32_t)(p->value - 1);
      }
    }
  }
}

int rl__ytree_parse(const char *text, size_t len, rl__ytree *t, rl__yproblem *p) {
  memset(t, 0, sizeof *t);
  memset(p, 0, sizeof *p);
  yaml_parser_t yp;
  if (!yaml_parser_initialize(&yp)) return -2;
  yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
  yaml_document_t doc;
  if (!yaml_parser_load(&yp, &doc)) {
    p->line = (unsigned)yp.problem_mark.line;
    p->col = (unsigned)yp.problem_mark.column;
    p->what = yp.problem ? yp.problem : "syntax error";
    yaml_parser_delete(&yp);
    return -1;
  }
  yaml_parser_delete(&yp);
  size_t nk, ns;
  char *mem = alloc_tree(&doc, &nk, &ns);
  if (mem) {
    size_t nn = (size_t)(doc.nodes.top - doc.nodes.start);
    rl__ynode *nodes = (rl__ynode *)(void *)mem;
    uint32_t *kids = (uint32_t *)(void *)(mem + nn * sizeof *nodes);
    char *strs = (char *)(kids + nk);
    convert(&doc, nodes, kids, strs);
    t->nodes = nodes;
    t->kids = kids;
    t->strs = strs;
    t->nnodes = (uint32_t)nn;
  }
  yaml_document_delete(&doc);
  return mem ? 0 : -2;
}

void rl__ytree_free(rl__ytree *t) {
  free((void *)t->nodes);
  memset(t, 0, sizeof *t);
}

int rl__ytree_same(const rl__ytree *a, const rl__ytree *b) {
  if (a->nnodes != b->nnodes) return 0;
  for (uint32_t i = 0; i < a->nnodes; i++) {
    const rl__ynode *x = &a->nodes[i], *y = &b->nodes[i];
    if (x->kind != y->kind || x->line != y->line || x->col != y->col ||
        x->n != y->n)
      return 0;
    if (x->kind == RL__Y_SCALAR) {
      if (memcmp(a->strs + x->at, b->strs + y->at, x->n + 1) != 0) return 0;
    } else {
      uint32_t m = x->kind == RL__Y_MAP ? 2 * x->n : x->n;
      if (memcmp(a->kids + x->at, b->kids + y->at, m * sizeof *a->kids) != 0)
        return 0;
    }
  }
  return 1;
}
