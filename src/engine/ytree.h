/* A rule record's YAML as a compact, pointer-free tree: what the loader
 * (load.c) walks.
 *
 * Why not libyaml's document directly: tokenising the catalogue was most of
 * what every run spent before reading a packet (19 M instructions for 140 KB
 * of records, 60 % of start-up). The tree of each catalogue record is the
 * same in every run, so the build makes it once, with libyaml and this very
 * converter (scripts/gen-catalogue-trees.c), and a linting run walks the
 * embedded copy. Records from files, and the catalogue with its examples,
 * are still parsed at run time into the same tree, so one walker reads
 * both and every error message names the same line and column.
 */
#ifndef RL_ENGINE_YTREE_H
#define RL_ENGINE_YTREE_H

#include <stddef.h>
#include <stdint.h>

enum { RL__Y_SCALAR = 1, RL__Y_SEQ, RL__Y_MAP };

typedef struct rl__ynode {
  uint32_t kind;      /* RL__Y_* */
  uint32_t line, col; /* where the node starts, 0-based as libyaml's marks */
  uint32_t at;        /* scalar: offset in strs; sequence, mapping: in kids */
  uint32_t n;         /* scalar: length in bytes; sequence: items; mapping: pairs */
} rl__ynode;

/* nodes[0] is the root (no nodes: an empty document). A mapping's kids are
 * key, value, key, value...; a node referred to twice is a YAML alias. Each
 * scalar is followed by a NUL in strs (it may hold NULs of its own: "\0"). */
typedef struct rl__ytree {
  const rl__ynode *nodes;
  const uint32_t *kids;
  const char *strs;
  uint32_t nnodes;
} rl__ytree;

/* Where libyaml found the text is not YAML, and why. */
typedef struct rl__yproblem {
  unsigned line, col; /* 0-based */
  const char *what;   /* libyaml's static text */
} rl__yproblem;

/* Parses text with libyaml's document loader into *t (malloc'ed, freed with
 * rl__ytree_free). 0; -1 with *p filled when the text is not YAML; -2 when
 * out of memory. */
int rl__ytree_parse(const char *text, size_t len, rl__ytree *t, rl__yproblem *p);
void rl__ytree_free(rl__ytree *t);
/* 1 when the two trees are the same node for node and byte for byte. */
int rl__ytree_same(const rl__ytree *a, const rl__ytree *b);

/* The build's trees of the catalogue records without their examples
 * (rl__record_head_len), index for index with rl__catalogue; `built` 0 when
 * the record is not YAML (the run parses it and reports the problem). */
typedef struct rl__catalogue_tree {
  rl__ytree tree;
  size_t head_len; /* the bytes of the record the tree was made of */
  int built;
} rl__catalogue_tree;

extern const rl__catalogue_tree rl__catalogue_trees[];
extern const size_t rl__catalogue_tree_count;

#endif
