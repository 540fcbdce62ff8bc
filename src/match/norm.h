/* norm: names, towns and identifiers reduced to a comparable form.
 *
 * Case is folded, accents are folded to ASCII ("Zoë" -> "zoe", "Núñez" ->
 * "nunez", "Łukasz" -> "lukasz", "ß" -> "ss"), punctuation becomes a space,
 * runs of spaces collapse, and the ends are trimmed. Apostrophes (' ` and
 * the typographic ’ ‘ ʼ) vanish rather than split ("O'Brien" -> "obrien").
 * Accents written as combining marks (decomposed input, U+0300-U+036F) go
 * with their letter. Folding covers Latin-1, Latin Extended-A and the
 * Romanian Ș Ț; letters of other scripts become spaces. No locale is used:
 * the tables are fixed. */
#pragma once

#include <stddef.h>

#define NORM_MAX 128 /* a normalised value is cut to this many bytes - 1 */

/* Normalise in into out (size >= 1), cut to size - 1 bytes; the result
 * never ends in a space, even when cut. Invalid UTF-8 bytes are dropped.
 * NULL in is empty. Returns the length written. */
size_t norm_text(const char *in, char *out, size_t size);

/* Split a normalised name into its parts (hyphens, spaces); up to max
 * parts, each a pointer into buf (a copy of name the caller provides,
 * modified in place). Returns the number of parts; parts past max are left
 * out. "garcia lopez" -> {"garcia", "lopez"}. */
size_t norm_split(char *buf, const char **parts, size_t max);

/* A normalised value with every space removed ("de la cruz" ->
 * "delacruz"), for comparing compound surnames written either way. */
size_t norm_squash(const char *normalised, char *out, size_t size);

/* Keep only the ASCII digits (phone numbers, identifiers, postcodes).
 * Like norm_squash, cut to size - 1 bytes; returns the length. */
size_t norm_digits(const char *in, char *out, size_t size);
