/* nick: nickname equivalence of given names ("katie" ~ "katherine").
 *
 * Built from the name/nickname relations shipped in data/nicknames/
 * (compiled in). A name belongs to the group of each formal name it is a
 * nickname of, and a formal name to its own; two names are equivalent when
 * they share a group. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NICK_MAX_GROUPS 12

/* Load the relations once (thread-safe; cheap after the first call). */
int nick_init(void);

/* The groups of a normalised given name, at most NICK_MAX_GROUPS, sorted;
 * returns how many (0 when the name is in no relation). */
size_t nick_groups(const char *name, uint32_t groups[NICK_MAX_GROUPS]);

/* true when a and b are different names of one group. */
bool nick_equivalent(const char *a, const char *b);

/* The formal name of a group ("katherine"), for explanations. */
const char *nick_group_name(uint32_t group);
